// Issue 13 at the level of one charger's profiles: quiet when steady, a new session's
// first limit without waiting for the increase interval, the dead man's switch following
// sessions per connector, numberPhases for phase switching.
import test from 'node:test';
import assert from 'node:assert/strict';
import { ChargerProfiles, type ConnectorWant } from '../../daemon/balancer/sender.js';
import { profileLadder, stackLevels, unitsFor } from '../../daemon/balancer/profiles.js';
import { DEFAULT_PROFILE_VALIDITY_S } from '../../daemon/balancer/service.js';
import { silentLogger } from '../../daemon/log.js';
import type { SetChargingProfileRequest } from '../../daemon/ocpp/v16/types.js';

function rig(validityS: number) {
  const clock = { t: Date.parse('2026-03-01T12:00:00Z') };
  const calls: SetChargingProfileRequest[] = [];
  const ctl = new ChargerProfiles(
    {
      chargerId: 'CP', ladder: profileLadder(null), fallbackUnits: unitsFor(null), stack: stackLevels({ fallback: 0, dynamic: 1 }, 10),
      chargerPhases: 3, nominalVoltageV: 230, validityS, rules: { increaseIntervalMs: 5000, minIncreaseA: 1 }, carReactionMs: 5000,
    },
    { send: async (_id, req) => (calls.push(req), { status: 'Accepted' }), now: () => clock.t, log: silentLogger, event: () => {} },
  );
  return { ctl, calls, clock };
}
const want = (wantA: number, over: Partial<ConnectorWant> = {}): ConnectorWant => ({ wantA, charging: true, transactionId: 5, phases: 3, ...over });
const idle = (): ConnectorWant => want(0, { charging: false, transactionId: null });
const settled = async () => {
  for (let i = 0; i < 6; i++) await new Promise((r) => setImmediate(r));
};
const what = (r: SetChargingProfileRequest) => `${r.connectorId}/s${r.csChargingProfiles.stackLevel} ${r.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0]!.limit}`;

/** One control step a second for `seconds` with nothing changing; the SetChargingProfile count. */
async function steady(r: ReturnType<typeof rig>, seconds: number, wants: Map<number, ConnectorWant>, share: number): Promise<number> {
  const before = r.calls.length;
  for (let s = 0; s < seconds; s++) {
    r.clock.t += 1000;
    r.ctl.update(wants, share);
    await settled();
  }
  return r.calls.length - before;
}

test('steady: at most 2 profiles per connector per minute with the default validity (the old 5 s validity: 24)', async () => {
  const quiet = rig(DEFAULT_PROFILE_VALIDITY_S);
  const wants = new Map([[1, want(16)], [2, want(16)]]);
  quiet.ctl.update(wants, 8);
  await settled();
  const n = await steady(quiet, 600, wants, 8);
  assert.ok(n / 2 / 10 <= 2, `${n} profiles for 2 connectors in 10 minutes`);
  const old = rig(5);
  old.ctl.update(wants, 8);
  await settled();
  assert.ok((await steady(old, 60, wants, 8)) / 2 > 2, 'the old validity refreshed far more often (the baseline)');
});

test('fast admission: a new session gets its first non-zero limit in the same step, not after increaseInterval', async () => {
  const r = rig(120);
  r.ctl.update(new Map([[1, idle()]]), 8);
  await settled();
  r.clock.t += 500; // well inside the 5 s increase interval since connector 1 was set to 0 A
  r.calls.length = 0;
  r.ctl.update(new Map([[1, want(16)]]), 8);
  await settled();
  assert.equal(what(r.calls[0]!), '1/s1 16', 'the first limit goes out first');
  assert.equal(r.ctl.view(1).acceptedA, 16);
  // A running session is still raised at the increase pace.
  r.clock.t += 1000;
  r.ctl.update(new Map([[1, want(10)]]), 8);
  await settled();
  r.clock.t += 1000;
  r.ctl.update(new Map([[1, want(16)]]), 8);
  await settled();
  assert.equal(r.ctl.view(1).limitA, 10, 'an increase of a running session waits');
});

test('dead man\'s switch follows sessions: share on start, 0 A on stop, nothing re-sent while steady', async () => {
  const r = rig(120);
  r.ctl.update(new Map([[1, idle()], [2, idle()]]), new Map());
  await settled();
  assert.deepEqual(r.calls.filter((c) => c.csChargingProfiles.stackLevel === 0).map(what), ['0/s0 0', '1/s0 0', '2/s0 0']);
  r.calls.length = 0;
  r.ctl.update(new Map([[1, want(16)], [2, idle()]]), new Map([[1, 16]]));
  await settled();
  assert.deepEqual(r.calls.map(what), ['1/s1 16', '1/s0 16'], 'the first limit, then its share');
  assert.deepEqual(r.ctl.fallbackOf(1), { limitA: 16, installed: true });
  r.calls.length = 0;
  r.ctl.update(new Map([[1, want(16)], [2, want(16)]]), new Map([[1, 8], [2, 8]]));
  await settled();
  // The share coming down goes first (were the controller to die right then, the shares must fit),
  // then the new session's first limit, then its share.
  assert.deepEqual(r.calls.map(what), ['1/s0 8', '2/s1 16', '2/s0 8']);
  r.calls.length = 0;
  r.ctl.update(new Map([[1, idle()], [2, want(16)]]), new Map([[2, 16]]));
  await settled();
  assert.deepEqual(r.calls.map(what), ['1/s1 0', '1/s0 0', '2/s0 16']);
});

test('phase switching: numberPhases goes out in an A profile, and a change of it is sent', async () => {
  const r = rig(120);
  r.ctl.update(new Map([[1, want(16, { numberPhases: 3 })]]), 8);
  await settled();
  const first = r.calls.find((c) => c.csChargingProfiles.stackLevel === 1)!;
  assert.deepEqual(first.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0], { startPeriod: 0, limit: 16, numberPhases: 3 });
  r.calls.length = 0;
  r.clock.t += 1000;
  r.ctl.update(new Map([[1, want(16, { numberPhases: 1, phases: 1 })]]), 8);
  await settled();
  assert.deepEqual(r.calls[0]!.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0], { startPeriod: 0, limit: 16, numberPhases: 1 });
});
