// Closed loop over real sockets: the daemon reads a simulated SDM630 over Modbus TCP
// whose currents are a base load plus what simulated chargers' cars draw, and the
// cars draw what the daemon's profiles allow. Time is counted in meter reads and
// control ticks, never in wall-clock assertions.
import test, { type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { startSite, type TestSite } from '../helpers/daemon.js';
import { SimCharger } from '../../scripts/sim/charger-sim.js';
import { MeterSim } from '../../scripts/sim/meter-sim.js';
import type { BalancerEvent } from '../../daemon/balancer/events.js';
import { until } from '../helpers/until.js';

const GRID_A = 63;
const POLL_MS = 150;
// Generous against a loaded test machine: a read that times out is no sample, and 8 in a row would be a real outage.
const TIMEOUT_MS = 400;
const STALE_MS = 1200;

/** Resolves with check()'s value once it is truthy, re-checking on every event of the emitters. */

const limitOf = (sim: SimCharger) => sim.connectors.get(1)!.limitA;
const limitIs = (sim: SimCharger, pred: (a: number | null) => boolean) => until(() => pred(limitOf(sim)), [sim, 'limit']);

interface Loop {
  site: TestSite;
  meter: MeterSim;
  a: SimCharger;
  b: SimCharger;
  events: BalancerEvent[];
}

/** Two 3-phase chargers (one rotated) charging 32 A cars; base load 10 A per phase. */
async function closedLoop(t: TestContext, balancer: Record<string, unknown> = {}): Promise<Loop> {
  const meter = await MeterSim.start({ baseA: [10, 10, 10] });
  const open: SimCharger[] = [];
  let site: TestSite | undefined;
  // Registered first, so whatever was started is closed even when setup fails half-way.
  t.after(async () => {
    await Promise.all(open.map((s) => s.close()));
    await site?.stop();
    await meter.stop();
  });
  site = await startSite({
    logLevel: 'warn',
    deps: { meterBackoff: { initialMs: 20, maxMs: 100 } },
    overrides: {
      site: { grid: { maxCurrentA: GRID_A, safetyMarginA: 2, nominalVoltageV: 230 } },
      chargers: [
        { id: 'CP-A', password: 'pa', connectors: 1, phases: 3, phaseRotation: 'L1L2L3', maxCurrentA: 32 },
        { id: 'CP-B', password: 'pb', connectors: 1, phases: 3, phaseRotation: 'L2L3L1', maxCurrentA: 32 },
      ],
      meter: { model: 'sdm630', transport: 'tcp', host: meter.host, port: meter.port, unitId: 1, pollIntervalMs: POLL_MS, timeoutMs: TIMEOUT_MS, staleAfterMs: STALE_MS },
      // The simulated cars follow a limit at once.
      balancer: { fallbackBudgetA: 16, increaseIntervalS: 0.3, minPauseS: 1, profileValidityS: 2, carReactionS: 0.3, ...balancer },
    },
  });
  const events: BalancerEvent[] = [];
  site.daemon.balancer!.on('event', (e) => events.push(e));
  const url = site.url;
  const registry = site.daemon.registry;
  const specs = [['CP-A', 'pa', 'L1L2L3'], ['CP-B', 'pb', 'L2L3L1']] as const;
  const [a, b] = await Promise.all(specs.map(async ([id, password, rotation]) => {
    const sim = new SimCharger({ url, id, password, connectors: 1, phases: 3, maxCurrentA: 32 });
    open.push(sim);
    const ready = new Promise<void>((resolve) => {
      const on = (s: { id: string }) => s.id === id && (registry.off('configured', on), resolve());
      registry.on('configured', on);
    });
    await sim.connect();
    await sim.boot();
    await ready;
    meter.attach(sim, rotation);
    return sim;
  }));
  for (const sim of [a!, b!]) {
    await sim.plugIn(1);
    await sim.startCharging(1, 'TAG');
    // Per-phase Current.Import, as real chargers report it (the balancer's EV-draw estimate uses it).
    sim.startMeterValues(300);
  }
  // 61 A usable − 10 A base = 51 A per phase for two 3-phase cars.
  await Promise.all([limitIs(a!, (l) => l === 25), limitIs(b!, (l) => l === 25)]);
  return { site, meter, a: a!, b: b!, events };
}

/** Longest run of consecutive reads above the grid limit, per phase. */
function longestOverRun(reads: Array<[number, number, number]>): number[] {
  return [0, 1, 2].map((p) => {
    let run = 0;
    let longest = 0;
    for (const r of reads) longest = Math.max(longest, (run = r[p]! > GRID_A ? run + 1 : 0));
    return longest;
  });
}

test('a 30 A step on L1: back under the grid limit within two control periods, no phase above it for longer', { timeout: 30_000 }, async (t) => {
  const { site, meter, a, b } = await closedLoop(t);
  const balancer = site.daemon.balancer!;
  // On a quiet site (no car still following a changed limit, so the non-EV estimate is not held):
  // re-checked on every meter read, each of which runs a step.
  await until(() => !balancer.state().settling.some(Boolean), [meter, 'read']);
  const reads: Array<[number, number, number]> = [];
  meter.on('read', (c) => reads.push(c));
  meter.baseA = [40, 10, 10];
  // L1 budget: 61 − 40 = 21 A for two cars.
  await Promise.all([limitIs(a, (l) => l === 10), limitIs(b, (l) => l === 10)]);
  const settled = reads.length;
  await until(() => reads.length >= settled + 5, [meter, 'read']);
  const first = reads.findIndex((r) => r[0] > GRID_A);
  assert.ok(first >= 0, 'the step showed as an overload');
  const back = reads.findIndex((r, i) => i > first && r.every((x) => x <= GRID_A));
  assert.ok(back - first <= 2, `back under the limit after ${back - first} periods`);
  for (const run of longestOverRun(reads)) assert.ok(run <= 2, `a phase stayed above the limit for ${run} periods`);
  assert.ok(reads.slice(back).every((r) => r.every((x) => x <= GRID_A)));
});

test('meter lost: fallback within staleAfterMs + one period, alarm, back to normal when it returns', { timeout: 30_000 }, async (t) => {
  const { site, meter, a, b, events } = await closedLoop(t);
  const balancer = site.daemon.balancer!;
  const meterService = balancer.meterService!;
  let ticks = 0;
  meterService.on('tick', () => ticks++);
  const lost = until(() => events.find((e) => e.type === 'meter-lost'), [balancer, 'event']);
  await meter.stop();
  const ticksAtStop = ticks;
  await lost;
  assert.ok(ticks - ticksAtStop <= STALE_MS / POLL_MS + 1, `stale after ${ticks - ticksAtStop} periods`);
  assert.equal(balancer.state().mode, 'fallback');
  assert.equal(balancer.state().stale, true);
  // 16 A fallback budget per phase shared by two 3-phase cars.
  await Promise.all([limitIs(a, (l) => l === 8), limitIs(b, (l) => l === 8)]);

  const restored = until(() => events.find((e) => e.type === 'meter-restored'), [balancer, 'event']);
  await meter.listen();
  await restored;
  await until(() => balancer.state().mode === 'normal', [balancer, 'state']);
  await Promise.all([limitIs(a, (l) => l === 25), limitIs(b, (l) => l === 25)]);
  assert.equal(balancer.state().stale, false);
});

test('meter returning NaN is no data, never no load: fallback', { timeout: 30_000 }, async (t) => {
  const { site, meter, a, events } = await closedLoop(t);
  const balancer = site.daemon.balancer!;
  meter.mode = 'nan';
  await until(() => events.find((e) => e.type === 'meter-lost'), [balancer, 'event']);
  await limitIs(a, (l) => l === 8);
  meter.mode = 'normal';
  await until(() => balancer.state().mode === 'normal', [balancer, 'state']);
});

test('daemon dies: each charger falls back to its fallback share when the dynamic limit\'s validity ends', { timeout: 30_000 }, async (t) => {
  const { site, a, b } = await closedLoop(t);
  const balancer = site.daemon.balancer!;
  // Profiles go out paced; wait until both chargers accepted their dead man's switch.
  await until(() => balancer.state().chargers.every((c) => c.fallbackInstalled && c.fallbackA === 8), [balancer, 'state']);
  await site.stop();
  // Nobody refreshes the dynamic profiles now: the chargers' own profile timers take them to the fallback.
  await Promise.all([limitIs(a, (l) => l === 8), limitIs(b, (l) => l === 8)]);
  for (const sim of [a, b]) {
    const schedule = sim.compositeSchedule(1, 600) as { chargingSchedule: { chargingSchedulePeriod: Array<{ limit: number }> } };
    assert.deepEqual(schedule.chargingSchedule.chargingSchedulePeriod.map((p) => p.limit), [8]);
  }
  assert.equal(a.connectors.get(1)!.drawA, 8);
});
