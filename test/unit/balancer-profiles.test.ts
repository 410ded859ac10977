// SetChargingProfile building: units, stack levels, validity, the ladder of forms.
// Every request built is also checked against the official OCA 1.6 schema.
import test from 'node:test';
import assert from 'node:assert/strict';
import { getProtocol } from '../../daemon/ocpp/protocols.js';
import {
  dynamicProfile, fallbackProfile, profileLadder, rateLimit, refreshDue, stackLevels, unitsFor, PROFILE_ID,
} from '../../daemon/balancer/profiles.js';
import type { SetChargingProfileRequest } from '../../daemon/ocpp/v16/types.js';

const NOW = Date.parse('2026-03-01T12:00:00.750Z');
const validator = getProtocol('ocpp1.6')!.validator;

function valid(req: SetChargingProfileRequest): SetChargingProfileRequest {
  assert.equal(validator.request('SetChargingProfile', req) ?? null, null, JSON.stringify(req));
  return req;
}

const base = { unit: 'A' as const, limitA: 16, phases: 3 as const, nominalVoltageV: 230, stackLevel: 1, now: NOW, validityS: 5 };

test('dynamic limit in amperes: TxDefaultProfile on the connector, valid for at least validityS', () => {
  const req = valid(dynamicProfile({ ...base, form: 'connector', connectorId: 2 }));
  assert.equal(req.connectorId, 2);
  const p = req.csChargingProfiles;
  assert.equal(p.chargingProfilePurpose, 'TxDefaultProfile');
  assert.equal(p.chargingProfileId, PROFILE_ID.dynamic(2));
  assert.equal(p.stackLevel, 1);
  assert.equal(p.chargingProfileKind, 'Absolute');
  assert.equal(p.chargingSchedule.startSchedule, '2026-03-01T12:00:00.000Z');
  // Start floored to the second, end rounded up: at least validityS from now (12:00:00.750).
  assert.equal(p.validTo, '2026-03-01T12:00:06.000Z');
  assert.equal(p.chargingSchedule.duration, 6);
  const onTheSecond = dynamicProfile({ ...base, now: Date.parse('2026-03-01T12:00:00Z'), form: 'connector', connectorId: 2 });
  assert.equal(onTheSecond.csChargingProfiles.validTo, '2026-03-01T12:00:05.000Z');
  assert.equal(p.chargingSchedule.chargingRateUnit, 'A');
  assert.deepEqual(p.chargingSchedule.chargingSchedulePeriod, [{ startPeriod: 0, limit: 16 }]);
  assert.equal(p.transactionId, undefined);
});

test('dynamic limit in watts: A × nominal voltage × phases, with numberPhases, rounded down', () => {
  const three = valid(dynamicProfile({ ...base, unit: 'W', form: 'connector', connectorId: 1 }));
  assert.deepEqual(three.csChargingProfiles.chargingSchedule.chargingSchedulePeriod, [{ startPeriod: 0, limit: 11040, numberPhases: 3 }]);
  assert.equal(three.csChargingProfiles.chargingSchedule.chargingRateUnit, 'W');
  const one = valid(dynamicProfile({ ...base, unit: 'W', limitA: 10.5, phases: 1, form: 'connector', connectorId: 1 }));
  assert.deepEqual(one.csChargingProfiles.chargingSchedule.chargingSchedulePeriod, [{ startPeriod: 0, limit: 2415, numberPhases: 1 }]);
  assert.equal(rateLimit(7.77, 'A', 3, 230), 7.7); // never above what was allocated
  assert.equal(rateLimit(-1, 'A', 3, 230), 0);
  assert.equal(rateLimit(NaN, 'W', 3, 230), 0);
});

test("'charger' form goes on connector 0; 'transaction' form is a TxProfile with the transaction id", () => {
  const cp = valid(dynamicProfile({ ...base, form: 'charger', connectorId: 2 }));
  assert.equal(cp.connectorId, 0);
  assert.equal(cp.csChargingProfiles.chargingProfilePurpose, 'TxDefaultProfile');
  assert.equal(cp.csChargingProfiles.chargingProfileId, PROFILE_ID.dynamic(0));
  const tx = valid(dynamicProfile({ ...base, form: 'transaction', connectorId: 2, transactionId: 77 }));
  assert.equal(tx.connectorId, 2);
  assert.equal(tx.csChargingProfiles.chargingProfilePurpose, 'TxProfile');
  assert.equal(tx.csChargingProfiles.transactionId, 77);
  assert.equal(tx.csChargingProfiles.chargingProfileId, PROFILE_ID.transaction(2));
  assert.throws(() => dynamicProfile({ ...base, form: 'transaction', connectorId: 2 }), RangeError);
  // Distinct ids, so no form replaces another's profile by id.
  assert.equal(new Set([PROFILE_ID.fallback, PROFILE_ID.dynamic(0), PROFILE_ID.dynamic(1), PROFILE_ID.transaction(1)]).size, 4);
});

test('dead man\'s switch: TxDefaultProfile on connector 0, low stack, no end of validity', () => {
  const req = valid(fallbackProfile({ unit: 'A', limitA: 8.25, nominalVoltageV: 230, stackLevel: 0, now: NOW }));
  assert.equal(req.connectorId, 0);
  const p = req.csChargingProfiles;
  assert.equal(p.chargingProfilePurpose, 'TxDefaultProfile');
  assert.equal(p.chargingProfileId, PROFILE_ID.fallback);
  assert.equal(p.stackLevel, 0);
  assert.equal(p.validTo, undefined);
  assert.equal(p.chargingSchedule.duration, undefined);
  assert.deepEqual(p.chargingSchedule.chargingSchedulePeriod, [{ startPeriod: 0, limit: 8.2 }]);
  const w = valid(fallbackProfile({ unit: 'W', limitA: 6, nominalVoltageV: 230, stackLevel: 0, now: NOW }));
  assert.deepEqual(w.csChargingProfiles.chargingSchedule.chargingSchedulePeriod, [{ startPeriod: 0, limit: 1380, numberPhases: 1 }]);
  const paused = valid(fallbackProfile({ unit: 'A', limitA: 0, nominalVoltageV: 230, stackLevel: 0, now: NOW }));
  assert.equal(paused.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0]!.limit, 0);
});

test('stack levels: dynamic above fallback, within ChargeProfileMaxStackLevel', () => {
  assert.deepEqual(stackLevels({ fallback: 0, dynamic: 1 }, 10), { fallback: 0, dynamic: 1, deadMansSwitch: true });
  assert.deepEqual(stackLevels({ fallback: 3, dynamic: 8 }, 5), { fallback: 3, dynamic: 5, deadMansSwitch: true });
  assert.deepEqual(stackLevels({ fallback: 5, dynamic: 8 }, 5), { fallback: 4, dynamic: 5, deadMansSwitch: true });
  assert.deepEqual(stackLevels({ fallback: 2, dynamic: 6 }, null), { fallback: 2, dynamic: 6, deadMansSwitch: true });
  // One level only: no room for a switch below the dynamic limit.
  assert.deepEqual(stackLevels({ fallback: 0, dynamic: 1 }, 0), { fallback: 0, dynamic: 0, deadMansSwitch: false });
});

test('units from ChargingScheduleAllowedChargingRateUnit: amperes first, unknown means both', () => {
  assert.deepEqual(unitsFor(['Current']), ['A']);
  assert.deepEqual(unitsFor(['Power']), ['W']);
  assert.deepEqual(unitsFor(['Power', 'Current']), ['A', 'W']);
  assert.deepEqual(unitsFor([]), ['A', 'W']);
  assert.deepEqual(unitsFor(null), ['A', 'W']);
});

test('the ladder: connector, connector 0, TxProfile, each in every acceptable unit', () => {
  assert.deepEqual(profileLadder(['Current']), [
    { form: 'connector', unit: 'A' }, { form: 'charger', unit: 'A' }, { form: 'transaction', unit: 'A' },
  ]);
  assert.deepEqual(profileLadder(['Power']), [
    { form: 'connector', unit: 'W' }, { form: 'charger', unit: 'W' }, { form: 'transaction', unit: 'W' },
  ]);
  assert.deepEqual(profileLadder(undefined).map((s) => `${s.form}/${s.unit}`), [
    'connector/A', 'connector/W', 'charger/A', 'charger/W', 'transaction/A', 'transaction/W',
  ]);
});

test('refresh at half the validity, so one lost send still leaves time', () => {
  assert.equal(refreshDue(NOW, 6, NOW + 2999), false);
  assert.equal(refreshDue(NOW, 6, NOW + 3000), true);
});

// Item 7 of issue 8. A W limit turns into current at the charger, and chargers differ in how:
// by the car's real phase count, by the period's numberPhases, or by 3 when it says none. The
// dead man's switch holds when nobody watches, so it must stay within its share on every phase
// whichever way the charger divides and whatever car is plugged in.
test('dead man\'s switch in watts is one-phase-safe: a 1-phase car draws at most the share', () => {
  const V = 230;
  for (const share of [6, 8, 10.5, 16, 32]) {
    const req = valid(fallbackProfile({ unit: 'W', limitA: share, nominalVoltageV: V, stackLevel: 0, now: NOW }));
    const period = req.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0]!;
    // The car's draw per phase under each reading of a W limit: its real phases (1, 2 or 3),
    // the period's numberPhases, or 3 when the period gives none.
    const readings = [1, 2, 3, period.numberPhases ?? 3];
    for (const phases of readings) assert.ok(period.limit / (V * phases) <= share + 1e-9, `${share} A share: ${period.limit} W over ${phases} phase(s)`);
    assert.ok(period.limit / V > share - 0.01, `${share} A share: no more than rounding lost (${period.limit} W)`);
    // numberPhases must not claim 3: a charger that divides by it would give a 1-phase car 3 × share.
    assert.notEqual(period.numberPhases, 3);
  }
  // Four W-only chargers each with an 8 A share of a 32 A budget, every car on L1 with one phase.
  const w = fallbackProfile({ unit: 'W', limitA: 8, nominalVoltageV: V, stackLevel: 0, now: NOW }).csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0]!;
  assert.ok((4 * w.limit) / V <= 32, `${4 * w.limit} W on one phase`);
  // Amperes are per phase already: unchanged.
  const a = fallbackProfile({ unit: 'A', limitA: 8, nominalVoltageV: V, stackLevel: 0, now: NOW }).csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0]!;
  assert.deepEqual(a, { startPeriod: 0, limit: 8 });
});

// Item 8 of issue 8: with no stack level free below it, the dynamic limit is the only protection.
test('dynamic limit without an end (validityS null): no validTo and no duration, schema-valid', () => {
  for (const form of ['connector', 'charger', 'transaction'] as const) {
    const req = valid(dynamicProfile({ ...base, form, connectorId: 1, transactionId: 9, validityS: null }));
    assert.equal(req.csChargingProfiles.validTo, undefined, form);
    assert.equal(req.csChargingProfiles.chargingSchedule.duration, undefined, form);
    assert.deepEqual(req.csChargingProfiles.chargingSchedule.chargingSchedulePeriod, [{ startPeriod: 0, limit: 16 }]);
  }
});

test('stack levels: no dead man\'s switch whenever no level is free below the dynamic one', () => {
  const table: Array<[{ fallback: number; dynamic: number }, number | null, { fallback: number; dynamic: number; deadMansSwitch: boolean }]> = [
    [{ fallback: 0, dynamic: 1 }, 0, { fallback: 0, dynamic: 0, deadMansSwitch: false }],
    [{ fallback: 0, dynamic: 1 }, -1, { fallback: 0, dynamic: 0, deadMansSwitch: false }],
    [{ fallback: 0, dynamic: 0 }, 10, { fallback: 0, dynamic: 0, deadMansSwitch: false }],
    [{ fallback: 0, dynamic: 1 }, 1, { fallback: 0, dynamic: 1, deadMansSwitch: true }],
  ];
  for (const [wanted, max, out] of table) assert.deepEqual(stackLevels(wanted, max), out, `${JSON.stringify(wanted)} max ${max}`);
});
