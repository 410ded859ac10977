// The balancer against simulated chargers of different kinds over real sockets:
// phases and rotation, chargers that only take watts, chargers that refuse
// profiles, and one that never answers.
import test, { type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { startSite, type TestSite } from '../helpers/daemon.js';
import { SimCharger, type SimChargerOptions } from '../../scripts/sim/charger-sim.js';
import { MeterSim, type SimPhaseRotation } from '../../scripts/sim/meter-sim.js';
import type { BalancerEvent } from '../../daemon/balancer/events.js';
import { until } from '../helpers/until.js';


const limitIs = (sim: SimCharger, limitA: number) => until(() => sim.connectors.get(1)!.limitA === limitA, [sim, 'limit']);

interface ChargerSpec {
  id: string;
  phases: 1 | 3;
  rotation: SimPhaseRotation;
  maxA: number;
  sim?: Partial<SimChargerOptions>;
}

interface Site {
  site: TestSite;
  sims: Map<string, SimCharger>;
  events: BalancerEvent[];
  meter?: MeterSim;
}

/** A daemon with these chargers (1 connector each), booted and configured; with a meter sim when baseA is given. */
async function setup(t: TestContext, chargers: ChargerSpec[], opts: { gridA: number; marginA: number; baseA?: [number, number, number] }): Promise<Site> {
  const meter = opts.baseA ? await MeterSim.start({ baseA: opts.baseA }) : undefined;
  t.after(() => meter?.stop());
  const site = await startSite({
    logLevel: 'warn',
    overrides: {
      site: { grid: { maxCurrentA: opts.gridA, safetyMarginA: opts.marginA, nominalVoltageV: 230 } },
      chargers: chargers.map((c) => ({ id: c.id, password: `pw-${c.id}`, connectors: 1, phases: c.phases, phaseRotation: c.rotation, maxCurrentA: c.maxA })),
      ...(meter ? { meter: { model: 'sdm630', transport: 'tcp', host: meter.host, port: meter.port, pollIntervalMs: 150, timeoutMs: 400, staleAfterMs: 1200 } } : {}),
      balancer: { fallbackBudgetA: 16, increaseIntervalS: 0.3, profileValidityS: 4, carReactionS: 0.3 },
    },
  });
  const events: BalancerEvent[] = [];
  site.daemon.balancer!.on('event', (e) => events.push(e));
  const sims = new Map<string, SimCharger>();
  t.after(async () => {
    await Promise.all([...sims.values()].map((s) => s.close()));
    await site.stop();
  });
  await Promise.all(chargers.map(async (c) => {
    const sim = new SimCharger({ url: site.url, id: c.id, password: `pw-${c.id}`, connectors: 1, phases: c.phases, maxCurrentA: c.maxA, ...c.sim });
    sims.set(c.id, sim);
    const configured = until(() => site.daemon.balancer!.state().chargers.some((k) => k.chargerId === c.id && k.managed), [site.daemon.balancer!, 'state']);
    await sim.connect();
    await sim.boot();
    await configured;
    meter?.attach(sim, c.rotation);
  }));
  return { site, sims, events, meter };
}

async function charge(sim: SimCharger): Promise<void> {
  await sim.plugIn(1);
  await sim.startCharging(1, 'TAG');
}

/** The dynamic limits (stack level above 0) a simulated charger received. */
const dynamicLimits = (sim: SimCharger) =>
  sim.received.filter((c) => c.action === 'SetChargingProfile' && c.payload.csChargingProfiles.stackLevel > 0).map((c) => c.payload.csChargingProfiles);

test('three 1-phase chargers on L1, L2, L3 each get the full per-phase share', { timeout: 30_000 }, async (t) => {
  const rotations: SimPhaseRotation[] = ['L1', 'L2', 'L3'];
  const { sims, meter } = await setup(t, rotations.map((r) => ({ id: `CP-${r}`, phases: 1, rotation: r, maxA: 32 })), { gridA: 25, marginA: 1, baseA: [0, 0, 0] });
  for (const sim of sims.values()) await charge(sim);
  // 24 A usable per phase; counted as if all were on L1 they would get 8 A each.
  await Promise.all([...sims.values()].map((s) => limitIs(s, 24)));
  await until(() => meter!.reads > 0 && meter!.currentA().every((a) => a === 24), [meter!, 'read']);
});

test('a charger that only takes watts gets W = A × V × phases', { timeout: 30_000 }, async (t) => {
  const { sims, events } = await setup(t, [{ id: 'CP-W', phases: 3, rotation: 'L1L2L3', maxA: 16, sim: { allowedRateUnits: 'Power' } }], { gridA: 63, marginA: 2 });
  const sim = sims.get('CP-W')!;
  await charge(sim);
  await limitIs(sim, 16);
  const last = dynamicLimits(sim).at(-1)!;
  assert.equal(last.chargingSchedule.chargingRateUnit, 'W');
  assert.deepEqual(last.chargingSchedule.chargingSchedulePeriod, [{ startPeriod: 0, limit: 16 * 230 * 3, numberPhases: 3 }]);
  assert.deepEqual(events, [], 'no rejection: its capabilities said W');
});

test('a charger that rejects A profiles but accepts W is moved to W and reported', { timeout: 30_000 }, async (t) => {
  const rejectA = ({ csChargingProfiles: p }: { csChargingProfiles: { chargingSchedule: { chargingRateUnit: string } } }) => p.chargingSchedule.chargingRateUnit === 'A';
  const { site, sims, events } = await setup(t, [{ id: 'CP-AW', phases: 3, rotation: 'L1L2L3', maxA: 16, sim: { rejectProfiles: rejectA } }], { gridA: 63, marginA: 2 });
  const sim = sims.get('CP-AW')!;
  await charge(sim);
  await limitIs(sim, 16);
  assert.equal(dynamicLimits(sim).at(-1)!.chargingSchedule.chargingRateUnit, 'W');
  const rejected = events.find((e) => e.type === 'profile-rejected')!;
  assert.equal(rejected.chargerId, 'CP-AW');
  assert.equal(rejected.unit, 'A');
  const balancer = site.daemon.balancer!;
  const view = await until(() => balancer.state().chargers.find((c) => c.chargerId === 'CP-AW' && c.fallbackInstalled), [balancer, 'state']);
  assert.equal(view.unit, 'W');
});

test('a charger that rejects every profile is reported and counted at its max; the others get less', { timeout: 30_000 }, async (t) => {
  const { site, sims, events } = await setup(t, [
    { id: 'CP-X', phases: 3, rotation: 'L1L2L3', maxA: 16, sim: { rejectProfiles: true } },
    { id: 'CP-Y', phases: 3, rotation: 'L1L2L3', maxA: 32 },
  ], { gridA: 40, marginA: 2 });
  const balancer = site.daemon.balancer!;
  await charge(sims.get('CP-X')!);
  const unbalanceable = await until(() => events.find((e) => e.type === 'charger-unbalanceable'), [balancer, 'event']);
  assert.equal(unbalanceable.chargerId, 'CP-X');
  await charge(sims.get('CP-Y')!);
  // 38 A usable − 16 A held for CP-X at its max.
  await limitIs(sims.get('CP-Y')!, 22);
  const state = balancer.state();
  assert.deepEqual(state.reservedA, [16, 16, 16]);
  assert.equal(state.chargers.find((c) => c.chargerId === 'CP-X')!.managed, false);
  assert.ok(events.some((e) => e.type === 'fallback-rejected' && e.chargerId === 'CP-X'));
});

test('a charger that never answers delays nobody else', { timeout: 30_000 }, async (t) => {
  const { sims } = await setup(t, [
    { id: 'CP-S', phases: 3, rotation: 'L1L2L3', maxA: 32 },
    { id: 'CP-Y', phases: 3, rotation: 'L1L2L3', maxA: 32 },
  ], { gridA: 40, marginA: 2 });
  const slow = sims.get('CP-S')!;
  const profilesTo = (sim: SimCharger) => sim.received.filter((c) => c.action === 'SetChargingProfile').length;
  const before = profilesTo(slow);
  slow.handle('SetChargingProfile', () => new Promise<undefined>(() => {}));
  await charge(slow);
  await until(() => profilesTo(slow) > before, [slow, 'call']);
  await charge(sims.get('CP-Y')!);
  await limitIs(sims.get('CP-Y')!, 19);
  // The silent charger holds exactly one call; nothing else was sent to it meanwhile.
  assert.equal(profilesTo(slow) - before, 1);
});
