// One charger's profiles: the ladder of forms after rejections, one call at a time,
// decreases first, refresh before the validity ends, transient failures retried.
import test from 'node:test';
import assert from 'node:assert/strict';
import { ChargerProfiles, type ConnectorWant } from '../../daemon/balancer/sender.js';
import { PROFILE_ID, profileLadder, stackLevels, unitsFor } from '../../daemon/balancer/profiles.js';
import { getProtocol } from '../../daemon/ocpp/protocols.js';
import type { BalancerEvent } from '../../daemon/balancer/events.js';
import { RpcError } from '../../daemon/ocpp/errors.js';
import { ChargerOfflineError } from '../../daemon/local/registry.js';
import { silentLogger } from '../../daemon/log.js';
import type { SetChargingProfileRequest, SetChargingProfileResponse } from '../../daemon/ocpp/v16/types.js';

type Answer = (req: SetChargingProfileRequest) => SetChargingProfileResponse | Error;

interface Call {
  req: SetChargingProfileRequest;
  settle(): void;
}

/** A ChargerProfiles against a fake charger; calls stay pending until settled (or auto-settle). */
function rig(opts: { answer?: Answer; auto?: boolean; rateUnits?: Array<'Current' | 'Power'>; maxStackLevel?: number | null } = {}) {
  const clock = { t: Date.parse('2026-03-01T12:00:00Z') };
  const calls: Call[] = [];
  const events: Array<Omit<BalancerEvent, 'ts'>> = [];
  let outstanding = 0;
  let maxOutstanding = 0;
  const answer = opts.answer ?? (() => ({ status: 'Accepted' as const }));
  const ctl = new ChargerProfiles(
    {
      chargerId: 'CP', ladder: profileLadder(opts.rateUnits), fallbackUnits: unitsFor(opts.rateUnits),
      stack: stackLevels({ fallback: 0, dynamic: 1 }, opts.maxStackLevel === undefined ? 10 : opts.maxStackLevel), chargerPhases: 3, nominalVoltageV: 230, validityS: 6,
      rules: { increaseIntervalMs: 5000, minIncreaseA: 1 }, carReactionMs: 5000,
    },
    {
      send: (_id, req) => {
        outstanding++;
        maxOutstanding = Math.max(maxOutstanding, outstanding);
        return new Promise((resolve, reject) => {
          const settle = () => {
            outstanding--;
            const a = answer(req);
            if (a instanceof Error) reject(a);
            else resolve(a);
          };
          calls.push({ req, settle });
          if (opts.auto) queueMicrotask(settle);
        });
      },
      now: () => clock.t,
      log: silentLogger,
      event: (e) => events.push(e),
    },
  );
  return { ctl, calls, events, clock, max: () => maxOutstanding };
}

const want = (wantA: number, over: Partial<ConnectorWant> = {}): ConnectorWant => ({ wantA, charging: true, transactionId: 5, phases: 3, ...over });
const lastDynamic = (calls: Call[]) => calls.filter((c) => c.req.csChargingProfiles.stackLevel === 1).at(-1)!.req;
const settled = () => new Promise((r) => setImmediate(r));
const describe = (req: SetChargingProfileRequest) => {
  const p = req.csChargingProfiles;
  return `${p.chargingProfilePurpose}@${req.connectorId}/s${p.stackLevel} ${p.chargingSchedule.chargingSchedulePeriod[0]!.limit}${p.chargingSchedule.chargingRateUnit}`;
};

test('one call at a time per charger; first sends and decreases go before the dead man\'s switch and the rest', async () => {
  const { ctl, calls, max, clock } = rig();
  ctl.update(new Map([[1, want(16)], [2, want(16)]]), 8);
  assert.equal(calls.length, 1);
  calls[0]!.settle();
  await settled();
  calls[1]!.settle();
  await settled();
  calls[2]!.settle();
  await settled();
  calls[3]!.settle();
  await settled();
  calls[4]!.settle();
  await settled();
  // A first send counts as a decrease: nobody knows what the charger allows until then. Then the
  // dead man's switch: 0 A on connector 0 (any connector without its own), the share per session.
  assert.deepEqual(calls.map((c) => describe(c.req)), [
    'TxDefaultProfile@1/s1 16A', 'TxDefaultProfile@2/s1 16A', 'TxDefaultProfile@0/s0 0A', 'TxDefaultProfile@1/s0 8A', 'TxDefaultProfile@2/s0 8A',
  ]);
  // Connector 2 must go down while connector 1 goes up later: the decrease is sent first.
  ctl.update(new Map([[1, want(16)], [2, want(10)]]), 8);
  assert.equal(describe(calls[5]!.req), 'TxDefaultProfile@2/s1 10A');
  assert.equal(max(), 1);
  assert.deepEqual(ctl.limitRange(2), { lowA: 10, highA: 16, targetA: 10 }); // in flight: the car may be at either
  calls[5]!.settle();
  await settled();
  assert.deepEqual(ctl.limitRange(2), { lowA: 10, highA: 16, targetA: 10 }, 'accepted, but the car may still be coming down');
  clock.t += 5000;
  assert.deepEqual(ctl.limitRange(2), { lowA: 10, highA: 10, targetA: 10 });
  assert.equal(calls.length, 6);
});

test('a car measured at its new, lower limit has followed it: meter samples from then on are read without the old limit', async () => {
  const { ctl, clock } = rig({ auto: true });
  ctl.update(new Map([[1, want(16)]]), 0);
  await settled();
  clock.t += 10_000;
  ctl.update(new Map([[1, want(10)]]), 0);
  await settled();
  const cutAt = clock.t;
  assert.deepEqual(ctl.limitRange(1, cutAt), { lowA: 10, highA: 16, targetA: 10 }, 'accepted: the car may still be coming down');
  clock.t += 100;
  ctl.observed(1, 14);
  assert.deepEqual(ctl.limitRange(1, clock.t), { lowA: 10, highA: 16, targetA: 10 }, 'measured above the new limit: still coming down');
  clock.t += 100;
  ctl.observed(1, 10.4);
  const seenAt = clock.t;
  assert.deepEqual(ctl.limitRange(1, seenAt), { lowA: 10, highA: 10, targetA: 10 }, 'a sample taken after it was seen at 10 A');
  assert.deepEqual(ctl.limitRange(1, seenAt - 1), { lowA: 10, highA: 16, targetA: 10 }, 'a sample taken before may still show 16 A');
  assert.deepEqual(ctl.limitRange(1), { lowA: 10, highA: 16, targetA: 10 }, 'no sample time: the whole range');
  // A raise accepted after the observation: the car may climb, the observation is spent.
  clock.t += 10_000;
  ctl.update(new Map([[1, want(12)]]), 0);
  await settled();
  assert.deepEqual(ctl.limitRange(1, clock.t + 1), { lowA: 10, highA: 12, targetA: 12 });
  ctl.observed(1, 10);
  assert.deepEqual(ctl.limitRange(1, clock.t + 1), { lowA: 10, highA: 12, targetA: 12 }, 'a car under a raised limit may still be climbing');
});

test('increases wait for increaseInterval and a 1 A step; refresh at half the validity', async () => {
  const { ctl, calls, clock } = rig({ auto: true });
  ctl.update(new Map([[1, want(10)]]), 0);
  await settled();
  const sent = calls.length;
  clock.t += 1000;
  ctl.update(new Map([[1, want(14)]]), 0);
  await settled();
  assert.equal(calls.length, sent, 'increase held back');
  assert.equal(ctl.view(1).limitA, 10);
  clock.t += 2000; // 3 s: half of the 6 s validity
  ctl.update(new Map([[1, want(14)]]), 0);
  await settled();
  assert.equal(calls.length, sent + 1);
  assert.equal(describe(calls.at(-1)!.req), 'TxDefaultProfile@1/s1 10A', 'refreshed, same limit');
  clock.t += 2000;
  ctl.update(new Map([[1, want(14)]]), 0);
  await settled();
  assert.equal(describe(calls.at(-1)!.req), 'TxDefaultProfile@1/s1 14A');
});

test('idle connectors carry 0, so a car that starts waits for its share', async () => {
  const { ctl, calls } = rig({ auto: true });
  ctl.update(new Map([[1, want(16, { charging: false, transactionId: null })]]), 0);
  await settled();
  // Its dead man's switch is 0 A too (on connector 0 and its own): nothing to fall back to while idle.
  assert.deepEqual(calls.map((c) => describe(c.req)), ['TxDefaultProfile@1/s1 0A', 'TxDefaultProfile@0/s0 0A', 'TxDefaultProfile@1/s0 0A']);
});

test('rejected amperes: the same form in watts, remembered; then connector 0, then TxProfile', async () => {
  const refuse = new Set(['connector/A', 'connector/W', 'charger/A']);
  const { ctl, calls, events } = rig({
    auto: true,
    answer: (req) => {
      const p = req.csChargingProfiles;
      const form = p.chargingProfilePurpose === 'TxProfile' ? 'transaction' : req.connectorId === 0 ? 'charger' : 'connector';
      if (p.stackLevel === 0) return { status: 'Accepted' }; // the fallback
      return refuse.has(`${form}/${p.chargingSchedule.chargingRateUnit}`) ? { status: 'Rejected' } : { status: 'Accepted' };
    },
  });
  ctl.update(new Map([[1, want(16)]]), 8);
  for (let i = 0; i < 10; i++) await settled();
  assert.deepEqual(ctl.form, { form: 'charger', unit: 'W' });
  assert.deepEqual(events.map((e) => `${e.type} ${e.form}/${e.unit}`), [
    'profile-rejected connector/A', 'profile-rejected connector/W', 'profile-rejected charger/A',
  ]);
  assert.equal(describe(lastDynamic(calls)), 'TxDefaultProfile@0/s1 11040W');
  assert.deepEqual(ctl.limitRange(1), { lowA: 16, highA: 16, targetA: 16 });
  refuse.add('charger/W');
  refuse.add('transaction/A');
  // A CALLERROR is a refusal too.
  const before = calls.length;
  ctl.update(new Map([[1, want(12)]]), 8);
  for (let i = 0; i < 10; i++) await settled();
  assert.deepEqual(ctl.form, { form: 'transaction', unit: 'W' });
  assert.equal(describe(lastDynamic(calls)), 'TxProfile@1/s1 8280W');
  assert.equal(lastDynamic(calls).csChargingProfiles.transactionId, 5);
  assert.ok(calls.length > before);
});

test('a charger that accepts no form is reported once and left alone', async () => {
  const { ctl, calls, events } = rig({ auto: true, rateUnits: ['Current'], answer: () => new RpcError('NotSupported', 'no smart charging') });
  ctl.update(new Map([[1, want(16)]]), 8);
  for (let i = 0; i < 10; i++) await settled();
  assert.equal(ctl.unbalanceable, true);
  assert.equal(ctl.form, null);
  assert.equal(ctl.limitRange(1), null);
  assert.deepEqual(events.map((e) => e.type), ['profile-rejected', 'profile-rejected', 'profile-rejected', 'charger-unbalanceable', 'fallback-rejected']);
  const n = calls.length;
  ctl.update(new Map([[1, want(10)]]), 8);
  await settled();
  assert.equal(calls.length, n);
});

test('offline or timed out: no step down the ladder, retried on the next update only', async () => {
  let fail = true;
  const { ctl, calls, events } = rig({ auto: true, answer: () => (fail ? new ChargerOfflineError('CP') : { status: 'Accepted' }) });
  ctl.update(new Map([[1, want(16)]]), 8);
  for (let i = 0; i < 5; i++) await settled();
  assert.equal(calls.length, 1, 'no hot retry loop');
  assert.deepEqual(events, []);
  fail = false;
  ctl.update(new Map([[1, want(16)]]), 8);
  for (let i = 0; i < 5; i++) await settled();
  assert.deepEqual(ctl.form, { form: 'connector', unit: 'A' });
  assert.equal(ctl.view(1).acceptedA, 16);
  assert.equal(ctl.fallbackState.installed, true);
});

test('after validity without a refresh the fallback share counts as in force', async () => {
  const { ctl, clock } = rig({ auto: true });
  ctl.update(new Map([[1, want(16)]]), 7);
  for (let i = 0; i < 5; i++) await settled();
  assert.deepEqual(ctl.limitRange(1), { lowA: 16, highA: 16, targetA: 16 });
  clock.t += 6000;
  assert.deepEqual(ctl.limitRange(1), { lowA: 7, highA: 7, targetA: 16 });
});

const validator = getProtocol('ocpp1.6')!.validator;
const schemaValid = (calls: Call[]) => {
  for (const c of calls) assert.equal(validator.request('SetChargingProfile', c.req) ?? null, null, JSON.stringify(c.req));
};
const isFallback = (req: SetChargingProfileRequest) => req.csChargingProfiles.chargingProfileId === PROFILE_ID.fallback;
const settleAll = async () => {
  for (let i = 0; i < 10; i++) await settled();
};

// Issue 8 item 7: 8 A became "5520 W, numberPhases 3", and a 1-phase car took 24 A on one phase.
test('W-only charger (3-phase): the dead man\'s switch holds a 1-phase car to its share', async () => {
  const V = 230;
  const { ctl, calls } = rig({ auto: true, rateUnits: ['Power'] });
  ctl.update(new Map([[1, want(16)]]), 8);
  await settleAll();
  schemaValid(calls);
  const fallback = calls.filter((c) => isFallback(c.req)).map((c) => c.req);
  assert.equal(fallback.length, 1, 'the dead man\'s switch was sent');
  const s = fallback[0]!.csChargingProfiles.chargingSchedule;
  assert.equal(s.chargingRateUnit, 'W');
  const period = s.chargingSchedulePeriod[0]!;
  // What a 1-phase car draws on its phase under the W limit, whatever the charger does with numberPhases.
  assert.ok(period.limit / V <= 8, `1-phase car under ${period.limit} W draws ${(period.limit / V).toFixed(1)} A > 8 A share`);
  assert.ok(period.limit / (V * (period.numberPhases ?? 3)) <= 8);
  assert.notEqual(period.numberPhases, 3, 'numberPhases 3 lets a charger that divides by it give a 1-phase car 3 × the share');
  // The live limit keeps using the car's phases: the balancer watches it.
  assert.equal(describe(lastDynamic(calls)), 'TxDefaultProfile@1/s1 11040W');
  assert.equal(ctl.fallbackState.installed, true);
});

// Issue 8 item 8: ChargeProfileMaxStackLevel = 0 leaves no level for the switch below the dynamic limit.
test('max stack level 0: no fallback, the dynamic limit never expires, the charger is reported once', async () => {
  const { ctl, calls, events, clock } = rig({ auto: true, maxStackLevel: 0 });
  ctl.update(new Map([[1, want(16)], [2, want(0, { charging: false, transactionId: null })]]), 8);
  await settleAll();
  schemaValid(calls);
  assert.equal(calls.filter((c) => isFallback(c.req)).length, 0, 'no dead man\'s switch on the same level as the limit');
  assert.deepEqual(calls.map((c) => describe(c.req)), ['TxDefaultProfile@1/s0 16A', 'TxDefaultProfile@2/s0 0A']);
  for (const c of calls) {
    assert.equal(c.req.csChargingProfiles.validTo, undefined, `${describe(c.req)} must not expire`);
    assert.equal(c.req.csChargingProfiles.chargingSchedule.duration, undefined, `${describe(c.req)} must not end`);
  }
  const reported = events.filter((e) => e.type === 'fallback-unavailable');
  assert.equal(reported.length, 1);
  assert.equal(reported[0]!.chargerId, 'CP');
  assert.match(reported[0]!.detail ?? '', /CP/);
  assert.match(reported[0]!.detail ?? '', /last .*limit .*stays in force/i);
  // Long after any validity: the limit is still in force, nothing to refresh, no second report.
  const n = calls.length;
  for (let i = 0; i < 5; i++) {
    clock.t += 6000;
    ctl.update(new Map([[1, want(16)], [2, want(0, { charging: false, transactionId: null })]]), 8);
    await settleAll();
  }
  assert.equal(calls.length, n, 'a limit without an end needs no refresh');
  assert.deepEqual(ctl.limitRange(1), { lowA: 16, highA: 16, targetA: 16 });
  assert.equal(events.filter((e) => e.type === 'fallback-unavailable').length, 1);
  assert.deepEqual(ctl.fallbackState, { limitA: null, installed: false });
});

test('dead man\'s switch refused in every unit: the dynamic limit is re-sent without an end', async () => {
  const { ctl, calls, events, clock } = rig({
    auto: true,
    rateUnits: ['Current'],
    answer: (req) => (isFallback(req) ? { status: 'Rejected' } : { status: 'Accepted' }),
  });
  ctl.update(new Map([[1, want(16)]]), 8);
  await settleAll();
  assert.deepEqual(events.map((e) => e.type), ['fallback-rejected']);
  assert.match(events[0]!.detail ?? '', /last .*limit .*stays in force/i);
  ctl.update(new Map([[1, want(16)]]), 8);
  await settleAll();
  schemaValid(calls);
  const last = lastDynamic(calls);
  assert.equal(last.csChargingProfiles.validTo, undefined, 'the time-limited limit was replaced by one without an end');
  assert.equal(last.csChargingProfiles.chargingSchedule.duration, undefined);
  clock.t += 60_000;
  assert.deepEqual(ctl.limitRange(1), { lowA: 16, highA: 16, targetA: 16 }, 'still in force: nothing to fall back to');
});
