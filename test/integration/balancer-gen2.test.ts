// Issue 13 with simulated chargers over real sockets: chargers that take no profiles (by
// config, or by refusing every form) are reserved at their max and reported without starving
// the others; a new session's first limit does not wait for the increase interval; a steady
// site is quiet; phase switching through numberPhases in the closed loop.
import test, { type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { startSite } from '../helpers/daemon.js';
import { SimCharger, type SimChargerOptions } from '../../scripts/sim/charger-sim.js';
import type { BalancerEvent } from '../../daemon/balancer/events.js';
import { renderSnapshot } from '../../daemon/control/render.js';
import { until } from '../helpers/until.js';
import { charge, closedLoop, limitIs } from '../helpers/balancer-loop.js';

async function site(t: TestContext, chargers: Array<Record<string, unknown>>, balancer: Record<string, unknown> = {}, gridMaxA = 40) {
  const s = await startSite({
    logLevel: 'info',
    overrides: { site: { id: 'g2', grid: { maxCurrentA: gridMaxA, safetyMarginA: 2 } }, chargers, balancer: { increaseIntervalS: 0.2, carReactionS: 0.2, ...balancer } },
  });
  t.after(() => s.stop());
  const events: BalancerEvent[] = [];
  s.daemon.balancer!.on('event', (e) => events.push(e));
  return { s, events };
}

async function sim(t: TestContext, url: string, id: string, more: Partial<SimChargerOptions> = {}): Promise<SimCharger> {
  const c = new SimCharger({ url, id, password: `pw-${id}`, connectors: 1, phases: 3, maxCurrentA: 32, ...more });
  t.after(() => c.close());
  await c.connect();
  await c.boot();
  return c;
}

test('smartCharging false and a charger refusing every form: reserved at their max, reported, never starving the rest', { timeout: 60_000 }, async (t) => {
  const { s, events } = await site(t, [
    { id: 'CP-OFF', password: 'pw-CP-OFF', connectors: 1, phases: 3, maxCurrentA: 16, smartCharging: false },
    { id: 'CP-REJ', password: 'pw-CP-REJ', connectors: 1, phases: 3, maxCurrentA: 10 },
    { id: 'CP-OK', password: 'pw-CP-OK', connectors: 1, phases: 3, maxCurrentA: 32 },
  ]);
  assert.ok(s.logs.some((l) => l.includes('smart-charging-off') && l.includes('CP-OFF')), 'reported once at start');
  const off = await sim(t, s.url, 'CP-OFF', { maxCurrentA: 16 });
  const rej = await sim(t, s.url, 'CP-REJ', { maxCurrentA: 10, rejectProfiles: true });
  const ok = await sim(t, s.url, 'CP-OK');
  for (const c of [off, rej, ok]) {
    await c.plugIn(1);
    await c.startCharging(1, 'TAG');
  }
  const balancer = s.daemon.balancer!;
  await until(() => events.some((e) => e.type === 'charger-unbalanceable' && e.chargerId === 'CP-REJ'), { label: 'CP-REJ reported as taking no profile' }, [balancer, 'event']);
  // 38 A per phase − 16 A (CP-OFF) − 10 A (CP-REJ) reserved at their max = 12 A for CP-OK.
  await until(() => balancer.state().reservedA.join() === '26,26,26', { label: 'CP-OFF and CP-REJ reserved at their max' }, [balancer, 'state']);
  await limitIs(ok, (a) => a === 12);
  assert.equal(off.received.filter((c) => c.action === 'SetChargingProfile').length, 0, 'CP-OFF is never sent a profile');
  const text = renderSnapshot(s.daemon.snapshot());
  assert.match(text, /CP-OFF: smartCharging false: reserved at its max, never sent profiles/);
  assert.match(text, /CP-REJ: accepts no charging profile; counted at its max/);
});

test('fast admission: a new session gets its first non-zero limit without waiting for the increase interval', { timeout: 30_000 }, async (t) => {
  // 10 minutes between increases: were the first limit an increase, it would not come in this test.
  const { s } = await site(t, [{ id: 'CP-F', password: 'pw-CP-F', connectors: 1, phases: 3, maxCurrentA: 32 }], { increaseIntervalS: 600 });
  const c = await sim(t, s.url, 'CP-F');
  await until(() => c.connectors.get(1)!.limitA === 0, { label: 'idle CP-F/1 held at 0 A' }, [c, 'limit']);
  await c.plugIn(1);
  await c.startCharging(1, 'TAG');
  const started = c.received.length;
  await limitIs(c, (a) => a === 32);
  // Causality: the limit came from a profile sent after the transaction began.
  assert.ok(c.received.slice(started).some((x) => x.action === 'SetChargingProfile' && x.payload.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0].limit === 32));
});

test('steady closed loop with the default validity: no SetChargingProfile while nothing changes', { timeout: 60_000 }, async (t) => {
  const loop = await closedLoop(t, [
    { id: 'CP-Q1', protocol: 'ocpp1.6', phases: 3, rotation: 'L1L2L3', maxA: 32 },
    { id: 'CP-Q2', protocol: 'ocpp1.6', phases: 3, rotation: 'L2L3L1', maxA: 32 },
  ], { baseA: [10, 10, 10], balancer: { profileValidityS: 120 } });
  const sims = [...loop.sims.values()];
  for (const c of sims) await charge(c);
  await Promise.all(sims.map((c) => limitIs(c, (a) => a === 25)));
  const count = () => sims.reduce((n, c) => n + c.received.filter((x) => x.action === 'SetChargingProfile').length, 0);
  // Let the dead man's switches settle, then watch 20 meter reads of a steady site.
  await until(() => loop.site.daemon.balancer!.state().chargers.every((c) => c.fallbackInstalled), { label: 'fallbacks installed' }, [loop.site.daemon.balancer!, 'state']);
  const before = count();
  const reads = loop.reads.length;
  await until(() => loop.reads.length >= reads + 20, { label: '20 steady meter reads' }, [loop.meter, 'read']);
  assert.equal(count() - before, 0, 'nothing re-sent while steady (refresh after 60 s)');
});

test('phase switching: three phases at the minimum do not fit but one does → numberPhases 1; back to three when they fit', { timeout: 60_000 }, async (t) => {
  const loop = await closedLoop(t, [
    { id: 'CP-S', protocol: 'ocpp1.6', phases: 3, rotation: 'L1L2L3', maxA: 16, sim: { phaseSwitching: true } },
  ], { baseA: [10, 10, 57], chargers: { phaseSwitching: true }, balancer: { phaseSwitchMinIntervalS: 0 } });
  const c = loop.sims.get('CP-S')!;
  const events: BalancerEvent[] = [];
  loop.site.daemon.balancer!.on('event', (e) => events.push(e));
  await charge(c);
  // L3 has 61 − 57 = 4 A: no room for 6 A on three phases; on its L1 alone 16 A fit.
  await until(() => c.usedPhases(1) === 1 && c.connectors.get(1)!.limitA === 16, { label: `CP-S on one phase at 16 A (now ${c.usedPhases(1)} phases, ${c.connectors.get(1)!.limitA} A)` }, [c, 'limit']);
  const last = c.received.filter((x) => x.action === 'SetChargingProfile' && x.payload.csChargingProfiles.stackLevel > 0).at(-1)!;
  assert.equal(last.payload.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0].numberPhases, 1);
  assert.ok(events.some((e) => e.type === 'phases-switched' && /to 1 phase/.test(e.detail ?? '')));
  // The session's switch is stored with its transaction, so a restart keeps the hysteresis and the count.
  const db = loop.site.daemon.store.db;
  const stored = () => db.prepare('SELECT transaction_id AS tx, phases, switches FROM phase_switches').all();
  await until(() => stored().length === 1, { label: 'the switch stored in phase_switches' }, [loop.meter, 'read']);
  assert.deepEqual(stored(), [{ tx: c.connectors.get(1)!.transactionId, phases: 1, switches: 1 }]);
  await until(() => loop.reads.at(-1)![2] === 57 && loop.reads.at(-1)![0] === 26, { label: 'the meter seeing the car on L1 only' }, [loop.meter, 'read']);
  loop.meter.baseA = [10, 10, 10];
  await until(() => c.usedPhases(1) === 3, { label: 'CP-S back on three phases' }, [c, 'limit'], [loop.meter, 'read']);
  assert.ok(events.some((e) => e.type === 'phases-switched' && /to 3 phases/.test(e.detail ?? '')));
});

test('rotation: with room for one session, two sessions of the same priority take turns; status says why one waits', { timeout: 60_000 }, async (t) => {
  // 10 − 2 margin = 8 A: one 3-phase car at ≥ 6 A. Turns of 0.6 s (rotationMinutes 0.01) keep the test short.
  const { s, events } = await site(t, [
    { id: 'CP-R1', password: 'pw-CP-R1', connectors: 1, phases: 3, maxCurrentA: 16 },
    { id: 'CP-R2', password: 'pw-CP-R2', connectors: 1, phases: 3, maxCurrentA: 16 },
  ], { rotationMinutes: 0.01, minPauseS: 0.1, fallbackBudgetA: 8 }, 10);
  const r1 = await sim(t, s.url, 'CP-R1', { maxCurrentA: 16 });
  const r2 = await sim(t, s.url, 'CP-R2', { maxCurrentA: 16 });
  await r1.plugIn(1);
  await r1.startCharging(1, 'TAG');
  await limitIs(r1, (a) => a === 8);
  await r2.plugIn(1);
  await r2.startCharging(1, 'TAG');
  const balancer = s.daemon.balancer!;
  const rotated = (id: string) => events.some((e) => e.type === 'connector-paused' && e.chargerId === id && e.reason === 'rotated');
  // R2 waits for room first; R1 yields when its turn is over, then R2 yields back.
  await until(() => rotated('CP-R1'), { label: 'CP-R1 yielding its turn' }, [balancer, 'event']);
  await limitIs(r2, (a) => a === 8);
  assert.equal(r1.connectors.get(1)!.limitA, 0);
  const waiting = balancer.state().connectors.find((c) => c.chargerId === 'CP-R1')!;
  assert.equal(waiting.paused, 'rotated');
  assert.match(waiting.pausedWhy ?? '', /had its turn/);
  await until(() => rotated('CP-R2'), { label: 'CP-R2 yielding its turn' }, [balancer, 'event']);
  await limitIs(r1, (a) => a === 8);
});
