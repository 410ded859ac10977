// A limit a 2.0.1 charger reports from outside the site (NotifyChargingLimit: a local EMS, the
// grid operator) is a cap for the balancer: it never assigns that EVSE (or, for a limit on the
// whole station, its EVSEs together) more while the limit stands, and the current the limited
// car cannot take goes to the other chargers. ClearedChargingLimit, or the end of the limit's
// schedule, lifts it. Over real sockets with the closed loop of balancer-v201.test.ts.
import test from 'node:test';
import assert from 'node:assert/strict';
import { until } from '../helpers/until.js';
import { GRID_A, charge, closedLoop, limitIs, limitOf } from '../helpers/balancer-loop.js';

const schedule = (unit: 'A' | 'W', limit: number, extra: Record<string, unknown> = {}) => ({
  id: 1, chargingRateUnit: unit, chargingSchedulePeriod: [{ startPeriod: 0, limit, numberPhases: 3 }], ...extra,
});

test('an EMS limit on one EVSE caps what the balancer gives it; the other charger gets the rest; cleared, both share again', { timeout: 40_000 }, async (t) => {
  const loop = await closedLoop(t, [
    { id: 'CP-A', protocol: 'ocpp2.0.1', phases: 3, rotation: 'L1L2L3', maxA: 32 },
    { id: 'CP-B', protocol: 'ocpp2.0.1', phases: 3, rotation: 'L1L2L3', maxA: 32 },
  ], { baseA: [30, 30, 30] });
  const [a, b] = [loop.sims.get('CP-A')!, loop.sims.get('CP-B')!];
  for (const s of [a, b]) await charge(s);
  // 61 A usable − 30 A base = 31 A per phase for two cars.
  await Promise.all([limitIs(a, (l) => l === 15), limitIs(b, (l) => l === 15)]);

  assert.deepEqual(await a.call('NotifyChargingLimit', { chargingLimit: { chargingLimitSource: 'EMS', isGridCritical: false }, evseId: 1, chargingSchedule: [schedule('A', 10)] }), {});
  await Promise.all([limitIs(a, (l) => l === 10), limitIs(b, (l) => l === 21)]);
  const balancer = loop.site.daemon.balancer!;
  assert.equal(balancer.state().connectors.find((c) => c.chargerId === 'CP-A')!.wantA, 10);
  assert.equal(balancer.state().mode, 'capped');
  const settled = loop.reads.length;
  await until(() => loop.reads.length >= settled + 3, { label: '3 meter reads after the limits settled' }, [loop.meter, 'read']);
  assert.deepEqual(loop.meter.currentA(), [61, 61, 61], 'the site uses its whole budget: 30 + 10 + 21 A per phase');
  assert.ok(loop.reads.every((r) => r.every((x) => x <= GRID_A)), 'no read above the grid limit');

  assert.deepEqual(await a.call('ClearedChargingLimit', { chargingLimitSource: 'EMS', evseId: 1 }), {});
  await Promise.all([limitIs(a, (l) => l === 15), limitIs(b, (l) => l === 15)]);
  assert.ok(loop.reads.every((r) => r.every((x) => x <= GRID_A)), 'no read above the grid limit');
});

test('a grid operator\'s limit on the whole station (no evseId, in W) caps its EVSEs together until its schedule ends', { timeout: 40_000 }, async (t) => {
  const loop = await closedLoop(t, [
    { id: 'CP-S', protocol: 'ocpp2.0.1', phases: 3, rotation: 'L1L2L3', maxA: 32, connectors: 2 },
  ], { baseA: [10, 10, 10] });
  const sim = loop.sims.get('CP-S')!;
  await charge(sim, {}, 1);
  await charge(sim, {}, 2);
  // 61 A usable − 10 A base = 51 A per phase for two cars.
  await Promise.all([limitIs(sim, (l) => l === 25, 1), limitIs(sim, (l) => l === 25, 2)]);

  // 13 800 W over 3 phases at 230 V = 20 A per phase for the station, for 4 s.
  const limit = { chargingLimit: { chargingLimitSource: 'SO', isGridCritical: true }, chargingSchedule: [schedule('W', 20 * 230 * 3, { duration: 4 })] };
  assert.deepEqual(await sim.call('NotifyChargingLimit', limit), {});
  await Promise.all([limitIs(sim, (l) => l === 10, 1), limitIs(sim, (l) => l === 10, 2)]);
  assert.ok(limitOf(sim, 1)! + limitOf(sim, 2)! <= 20, 'the two EVSEs together within the station limit');
  // Its duration over, the limit no longer stands: without any ClearedChargingLimit the EVSEs get the site's budget again.
  await Promise.all([limitIs(sim, (l) => l === 25, 1), limitIs(sim, (l) => l === 25, 2)]);
  assert.ok(loop.reads.every((r) => r.every((x) => x <= GRID_A)), 'no read above the grid limit');
});
