// The balancer's closed loop with OCPP 2.0.1 chargers, over real sockets: a simulated SDM630
// whose currents are a base load plus what the simulated cars draw, the cars following the
// profiles the daemon sends in 2.0.1 (SetChargingProfile on an EVSE). The same figures as the
// 1.6 closed loop (balancer-closed-loop.test.ts): a 2.0.1 charger must be balanced exactly as
// a 1.6 one, alone, in W, on fewer phases, and beside 1.6 chargers on the same meter.
import test from 'node:test';
import assert from 'node:assert/strict';
import type { SimCharger } from '../../scripts/sim/charger-sim.js';
import { until } from '../helpers/until.js';
import { GRID_A, charge, closedLoop, limitIs, limitOf, quiet, type Loop, type Phases3 } from '../helpers/balancer-loop.js';

/** Longest run of consecutive reads above the grid limit, per phase. */
function longestOverRun(reads: readonly Phases3[], gridA: number): number[] {
  return [0, 1, 2].map((p) => {
    let run = 0;
    let longest = 0;
    for (const r of reads) longest = Math.max(longest, (run = r[p]! > gridA ? run + 1 : 0));
    return longest;
  });
}

/** The 30 A step on L1 of the 1.6 closed loop, on a quiet site: back under the limit within two reads, never longer above it. */
async function stepOnL1(loop: Loop, cars: SimCharger[], settledA: number): Promise<void> {
  const { meter, reads } = loop;
  await quiet(loop);
  const from = reads.length;
  meter.baseA = [40, 10, 10];
  await Promise.all(cars.map((s) => limitIs(s, (l) => l === settledA)));
  const settled = reads.length;
  await until(() => reads.length >= settled + 5, { label: '5 meter reads after the limits settled' }, [meter, 'read']);
  const after = reads.slice(from);
  const first = after.findIndex((r) => r[0] > GRID_A);
  assert.ok(first >= 0, 'the step showed as an overload');
  const back = after.findIndex((r, i) => i > first && r.every((x) => x <= GRID_A));
  assert.ok(back - first <= 2, `back under the limit after ${back - first} periods`);
  for (const run of longestOverRun(after, GRID_A)) assert.ok(run <= 2, `a phase stayed above the limit for ${run} periods`);
  assert.ok(after.slice(back).every((r) => r.every((x) => x <= GRID_A)), 'stays under the limit once back');
  // Every car draws what its charger was told, no more.
  for (const s of cars) assert.ok(s.connectors.get(1)!.drawA <= limitOf(s)!, `${s.id} draws within its limit`);
}

/** The dynamic limits (stack level above 0) a 2.0.1 charger received, as sent on the wire. */
const dynamicProfiles201 = (sim: SimCharger) =>
  sim.received.filter((c) => c.action === 'SetChargingProfile' && c.payload.chargingProfile.stackLevel > 0).map((c) => c.payload);

test('2.0.1 chargers: a 30 A step on L1 is back under the grid limit within two meter reads', { timeout: 40_000 }, async (t) => {
  const loop = await closedLoop(t, [
    { id: 'CP-A', protocol: 'ocpp2.0.1', phases: 3, rotation: 'L1L2L3', maxA: 32 },
    { id: 'CP-B', protocol: 'ocpp2.0.1', phases: 3, rotation: 'L2L3L1', maxA: 32 },
  ], { baseA: [10, 10, 10] });
  const [a, b] = [loop.sims.get('CP-A')!, loop.sims.get('CP-B')!];
  for (const s of [a, b]) await charge(s);
  // 61 A usable − 10 A base = 51 A per phase for two 3-phase cars.
  await Promise.all([limitIs(a, (l) => l === 25), limitIs(b, (l) => l === 25)]);
  // The limits went out as 2.0.1 profiles on EVSE 1, in A.
  const last = dynamicProfiles201(a).at(-1)!;
  assert.equal(last.evseId, 1);
  assert.deepEqual(last.chargingProfile.chargingSchedule[0].chargingSchedulePeriod.map((p: { limit: number }) => p.limit), [25]);
  // L1 budget: 61 − 40 = 21 A for two cars.
  await stepOnL1(loop, [a, b], 10);
});

test('a 2.0.1 charger that only takes W gets W = A × V × phases and is balanced in the loop', { timeout: 40_000 }, async (t) => {
  const loop = await closedLoop(t, [
    { id: 'CP-W', protocol: 'ocpp2.0.1', phases: 3, rotation: 'L1L2L3', maxA: 32, sim: { allowedRateUnits: 'Power' } },
  ], { baseA: [40, 10, 10] });
  const sim = loop.sims.get('CP-W')!;
  await charge(sim);
  // 61 A usable − 40 A on L1 = 21 A for the one 3-phase car.
  await limitIs(sim, (l) => l === 21);
  const last = dynamicProfiles201(sim).at(-1)!;
  const schedule = last.chargingProfile.chargingSchedule[0];
  assert.equal(schedule.chargingRateUnit, 'W');
  assert.deepEqual(schedule.chargingSchedulePeriod, [{ startPeriod: 0, limit: 21 * 230 * 3, numberPhases: 3 }]);
  assert.ok(dynamicProfiles201(sim).every((p) => p.chargingProfile.chargingSchedule[0].chargingRateUnit === 'W'), 'never an A profile');
  await until(() => loop.meter.currentA()[0] === 61, { label: 'the meter showing L1 at 61 A' }, [loop.meter, 'read']);
  assert.ok(loop.reads.every((r) => r.every((x) => x <= GRID_A)), 'no read above the grid limit');
});

test('2.0.1 phase counts: a 1-phase car on a 3-phase charger and a 1-phase charger each get their phase\'s budget', { timeout: 40_000 }, async (t) => {
  const loop = await closedLoop(t, [
    { id: 'CP-3', protocol: 'ocpp2.0.1', phases: 3, rotation: 'L1L2L3', maxA: 32 },
    { id: 'CP-1', protocol: 'ocpp2.0.1', phases: 1, rotation: 'L2', maxA: 32 },
  ], { gridA: 26, baseA: [0, 0, 0] });
  const [three, one] = [loop.sims.get('CP-3')!, loop.sims.get('CP-1')!];
  await charge(three, { carPhases: 1 });
  await charge(one);
  // 24 A usable per phase: the 1-phase car on the 3-phase charger draws on L1 only, the 1-phase
  // charger on L2 only; counted as sharing a phase they would get 12 A each.
  await Promise.all([limitIs(three, (l) => l === 24), limitIs(one, (l) => l === 24)]);
  await until(() => loop.meter.currentA().join() === '24,24,0', { label: 'the meter showing 24/24/0 A' }, [loop.meter, 'read']);
  assert.ok(loop.reads.every((r) => r.every((x) => x <= 26)), 'no read above the grid limit');
  // What the daemon takes the cars to draw, from the chargers' per-phase TransactionEvent samples.
  const balancer = loop.site.daemon.balancer!;
  // ('state' is emitted for changes of limits and budgets only: re-checked on every meter read, which runs a step.)
  await until(() => balancer.state().evDrawA.map(Math.round).join() === '24,24,0', { label: 'the balancer seeing 24/24/0 A of EV draw' }, [loop.meter, 'read']);
});

test('mixed site (1.6 + 2.0.1 on one meter): the L1 step is corrected, and with the daemon gone each falls to its fallback share', { timeout: 40_000 }, async (t) => {
  const loop = await closedLoop(t, [
    { id: 'CP-16', protocol: 'ocpp1.6', phases: 3, rotation: 'L1L2L3', maxA: 32 },
    { id: 'CP-20', protocol: 'ocpp2.0.1', phases: 3, rotation: 'L2L3L1', maxA: 32 },
  ], { baseA: [10, 10, 10] });
  const [v16, v201] = [loop.sims.get('CP-16')!, loop.sims.get('CP-20')!];
  for (const s of [v16, v201]) await charge(s);
  await Promise.all([limitIs(v16, (l) => l === 25), limitIs(v201, (l) => l === 25)]);
  await stepOnL1(loop, [v16, v201], 10);

  const balancer = loop.site.daemon.balancer!;
  // Profiles go out paced; wait until both chargers accepted their dead man's switch (16 A fallback budget, two chargers).
  await until(() => balancer.state().chargers.every((c) => c.fallbackInstalled && c.fallbackA === 8), { label: 'both fallbacks installed at 8 A' }, [balancer, 'state']);
  // The dead man's switch is the lowest stack level the charger got; on a 2.0.1 charger it is on EVSE 0 (the whole station).
  const profiles = v201.received.filter((c) => c.action === 'SetChargingProfile').map((c) => c.payload);
  const lowest = Math.min(...profiles.map((p) => p.chargingProfile.stackLevel));
  const fallback = profiles.filter((p) => p.chargingProfile.stackLevel === lowest);
  // 0 A on EVSE 0 (any EVSE without its own), the session's share on EVSE 1 (issue 13: shares follow sessions).
  const last = (evse: number) => fallback.filter((p) => p.evseId === evse).at(-1)?.chargingProfile.chargingSchedule[0].chargingSchedulePeriod[0].limit;
  assert.deepEqual([last(0), last(1)], [0, 8], "the 2.0.1 charger's dead man's switch: 0 A on EVSE 0, 8 A on the charging EVSE 1");
  assert.ok(profiles.filter((p) => p.chargingProfile.stackLevel > lowest).every((p) => p.evseId === 1), 'its dynamic limits are on EVSE 1');
  await loop.site.stop();
  // Nobody refreshes the dynamic profiles now: each charger's own profile timers take it to its fallback.
  await Promise.all([limitIs(v16, (l) => l === 8), limitIs(v201, (l) => l === 8)]);
  for (const sim of [v16, v201]) {
    const schedule = sim.compositeSchedule(1, 600) as { chargingSchedule: { chargingSchedulePeriod: Array<{ limit: number }> } };
    assert.deepEqual(schedule.chargingSchedule.chargingSchedulePeriod.map((p) => p.limit), [8], `${sim.id} composite schedule`);
    assert.equal(sim.connectors.get(1)!.drawA, 8, `${sim.id} draws its fallback share`);
  }
});
