// Benchmarks of the load balancer (issue 4):
// - reaction: from the meter sample showing an overload to the last SetChargingProfile
//   CALL handed to the socket, 100 chargers on a daemon in this process (p50/p99);
// - allocation and whole-plan cost for 1,000 connectors, µs per run;
// - closed loop simulated in-process: seconds above the grid limit after a 30 A step,
//   our loop (plan.ts + limits.ts, the daemon's own code) against a 30 s
//   first-come-first-served loop, averaged over where the step falls in the 30 s cycle.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { parseConfig } from '../../daemon/config/load.js';
import { createDaemon } from '../../daemon/main.js';
import { silentLogger } from '../../daemon/log.js';
import { allocate, type ConnectorDemand } from '../../daemon/balancer/allocate.js';
import { plan, type PlanConnector } from '../../daemon/balancer/plan.js';
import { decideLimit, type LimitHistory } from '../../daemon/balancer/limits.js';
import { CAR_REACTION_MS, type LimitRange } from '../../daemon/balancer/estimate.js';
import { gridPhasesOf, type ChargerWiring, type PerPhase } from '../../daemon/balancer/phases.js';
import { SimCharger } from '../sim/charger-sim.js';
import { MeterSim } from '../sim/meter-sim.js';
import { report, percentile, freePort, connectConfigured } from './lib.js';
import { benchBalancerGen2 } from './balancer-gen2.js';

const TRIALS = Number(process.env.BENCH_BALANCER_TRIALS ?? 40);

/** Resolves once check() holds, re-checking on each 'limit' of the sims. */
function allLimits(sims: SimCharger[], limitA: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => sims.every((s) => s.connectors.get(1)!.limitA === limitA);
    const probe = () => done() && (sims.forEach((s) => s.off('limit', probe)), resolve());
    sims.forEach((s) => s.on('limit', probe));
    probe();
  });
}

async function reaction(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sc-bench-bal-'));
  const N = 100;
  const GRID = 1700; // 100 3-phase cars × 16 A = 1600 A per phase
  const meter = await MeterSim.start({ baseA: [50, 50, 50] });
  const config = parseConfig(stringify({
    site: { id: 'bench', grid: { maxCurrentA: GRID, safetyMarginA: 10 } },
    local: { listen: { host: '127.0.0.1', port: await freePort() }, pingIntervalS: 0 },
    chargers: Array.from({ length: N }, (_, i) => ({ id: `R${i}`, password: 'pw', connectors: 1, phases: 3, maxCurrentA: 16, phaseRotation: ['L1L2L3', 'L2L3L1', 'L3L1L2'][i % 3] })),
    meter: { model: 'sdm630', transport: 'tcp', host: meter.host, port: meter.port, pollIntervalMs: 100, timeoutMs: 100, staleAfterMs: 2000 },
    // No refresh and no rate limit during the run: every trial is one burst of 100 profiles.
    // Simulated cars follow at once (carReactionS 0.05), so a trial can go up right after it went down.
    balancer: { increaseIntervalS: 0, minPauseS: 0, profileValidityS: 3600, carReactionS: 0.05 },
    store: { path: join(dir, 'site.db') },
    log: { level: 'error' },
  }), 'bench.yaml');
  const daemon = createDaemon(config, { log: silentLogger });
  let lastProfileSentAt = 0;
  // "Handed to the socket": the instant the daemon's side of each connection sends the frame.
  daemon.registry.on('connected', (session) => {
    const ws = session.rpc.ws;
    const send = ws.send.bind(ws) as (data: string) => void;
    (ws as unknown as { send: (data: string) => void }).send = (data: string) => {
      if (data.includes('"SetChargingProfile"')) lastProfileSentAt = performance.now();
      send(data);
    };
  });
  await daemon.start();
  const sims = Array.from({ length: N }, (_, i) => new SimCharger({ url: `ws://127.0.0.1:${daemon.local.port}/ocpp`, id: `R${i}`, password: 'pw', connectors: 1, maxCurrentA: 16 }));
  try {
    await connectConfigured(daemon.registry, sims);
    sims.forEach((s, i) => meter.attach(s, (['L1L2L3', 'L2L3L1', 'L3L1L2'] as const)[i % 3]));
    await Promise.all(sims.map(async (s) => (await s.plugIn(1), await s.startCharging(1, 'TAG'))));
    await allLimits(sims, 16);
    let overloadSeenAt = 0;
    daemon.balancer!.meterService!.prependListener('sample', (r) => {
      if (r.currentA[0] > GRID && overloadSeenAt === 0) overloadSeenAt = performance.now();
    });
    const ms: number[] = [];
    for (let i = 0; i < TRIALS; i++) {
      overloadSeenAt = 0;
      meter.baseA = [300, 300, 300]; // 1,900 A on every phase: (1,690 − 300) / 100 → 13 A each
      await allLimits(sims, 13);
      ms.push(lastProfileSentAt - overloadSeenAt);
      meter.baseA = [50, 50, 50];
      await allLimits(sims, 16);
    }
    report('balancer.reaction_100_chargers_p50', percentile(ms, 50), 'ms');
    report('balancer.reaction_100_chargers_p99', percentile(ms, 99), 'ms');
    report('balancer.reaction_samples', ms.length, 'overloads');
  } finally {
    await Promise.all(sims.map((s) => s.close().catch(() => {})));
    await daemon.stop();
    await meter.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const ROTATIONS = ['L1', 'L2', 'L3', 'L1L2L3', 'L2L3L1', 'L3L1L2'] as const;

function allocationCost(): void {
  const n = 1000;
  const wiring = (i: number): ChargerWiring => {
    const r = ROTATIONS[i % ROTATIONS.length]!;
    return { phases: r.length === 2 ? 1 : 3, phaseRotation: r };
  };
  const demands: ConnectorDemand[] = Array.from({ length: n }, (_, i) => ({
    key: `C${i}`, gridPhases: gridPhasesOf(wiring(i)), maxCurrentA: [16, 32, 11][i % 3]!, capA: i % 10 === 0 ? 10 : undefined,
    priority: i % 4 === 0 ? 1 : 0, sessionStartedAt: i, charging: i % 7 !== 0,
  }));
  const conns: PlanConnector[] = demands.map((d, i) => ({
    key: d.key, wiring: wiring(i), maxCurrentA: d.maxCurrentA, priority: d.priority, charging: d.charging, sessionStartedAt: i,
    measuredA: i % 2 === 0 ? [8, 8, 8] : null, limit: { lowA: 10, highA: i % 5 === 0 ? 16 : 10 }, limitAtMeasurementA: 10, managed: i % 50 !== 0, capA: d.capA,
  }));
  // A budget that fits some but not all: water-filling and pausing both run.
  const budgetA: PerPhase = [4000, 3500, 3800];
  const timeIt = (fn: () => void): number => {
    for (let i = 0; i < 200; i++) fn();
    const runs = 2000;
    const t0 = performance.now();
    for (let i = 0; i < runs; i++) fn();
    return ((performance.now() - t0) * 1000) / runs;
  };
  report('balancer.allocate_1000_connectors', timeIt(() => allocate({ budgetA, minCurrentA: 6, connectors: demands, now: 1e6, minPauseMs: 60_000 })), 'us/run');
  report('balancer.plan_1000_connectors', timeIt(() => plan({
    gridMaxA: 4000, marginA: 10, fallbackBudgetA: 100, minCurrentA: 6, minPauseMs: 60_000,
    source: { kind: 'meter', currentA: [3000, 2800, 2900] }, connectors: conns, now: 1e6,
  })), 'us/run');
}

// ---- closed loop, simulated -----------------------------------------------------------------

const GRID_A = 63;
const MARGIN_A = 2;
const DT = 0.05; // s
const CAR_LAG_S = 2; // a car follows a new PWM limit within ~2 s (IEC 61851 allows up to 5 s)
const LINK_S = 0.1; // profile round trip to the charger
const METER_VALUES_S = 10; // chargers report per-phase current this often (the daemon's default)
interface Car {
  /** maxA: the charger's, as configured; carMaxA: what the car itself takes at most. */
  key: string; wiring: ChargerWiring; maxA: number; carMaxA: number; arrival: number;
  changes: Array<{ at: number; limitA: number }>;
  /** Its last MeterValues: per charger phase, and the limit in force when it arrived. */
  report?: { measuredA: number[]; limitAtA: number | null };
}

const drawAt = (car: Car, t: number): number => {
  let a = 0;
  for (const c of car.changes) if (c.at + CAR_LAG_S <= t) a = c.limitA;
  return Math.min(a, car.maxA, car.carMaxA);
};

type Policy = (t: number, meterA: PerPhase, cars: Car[]) => void;

/** Our loop: a sample every second into plan() and decideLimit(), fed back as the service does. */
function ours(): Policy {
  const history = new Map<string, LimitHistory & { previousA: number }>();
  let held: PerPhase | null = null;
  let paused = new Map<string, number>();
  let next = 0;
  let nextReport = 0;
  // What the service's ChargerProfiles.limitRange gives: both limits while the car may still be following.
  const range = (key: string, t: number): LimitRange => {
    const h = history.get(key);
    if (!h) return { lowA: 0, highA: 0, targetA: 0 }; // idle connectors carry 0 until their first share
    if (t * 1000 - h.changedAt >= CAR_REACTION_MS + LINK_S * 1000) return { lowA: h.limitA, highA: h.limitA, targetA: h.limitA };
    return { lowA: Math.min(h.limitA, h.previousA), highA: Math.max(h.limitA, h.previousA), targetA: h.limitA };
  };
  return (t, meterA, cars) => {
    if (t >= nextReport) {
      nextReport += METER_VALUES_S;
      for (const c of cars) c.report = { measuredA: gridPhasesOf(c.wiring).map(() => drawAt(c, t)), limitAtA: range(c.key, t).lowA };
    }
    if (t < next) return;
    next += 1;
    const p = plan({
      gridMaxA: GRID_A, marginA: MARGIN_A, fallbackBudgetA: 16, minCurrentA: 6, minPauseMs: 60_000, source: { kind: 'meter', currentA: meterA },
      now: t * 1000, heldNonEvA: held,
      connectors: cars.map((c) => ({
        key: c.key, wiring: c.wiring, maxCurrentA: c.maxA, priority: 0, charging: true, sessionStartedAt: c.arrival, managed: true,
        limit: range(c.key, t), measuredA: c.report?.measuredA, limitAtMeasurementA: c.report?.limitAtA, pausedSince: paused.get(c.key),
      })),
    });
    held = p.trustedNonEvA;
    paused = new Map(p.paused.map((x) => [x.key, x.since]));
    for (const c of cars) {
      const prev = history.get(c.key) ?? null;
      const wantA = p.limitsA.get(c.key) ?? 0;
      const d = decideLimit(prev, p.increaseHeld.has(c.key) && prev ? Math.min(wantA, prev.limitA) : wantA, t * 1000, { increaseIntervalMs: 5000, minIncreaseA: 1 });
      if (prev && d.limitA === prev.limitA) continue;
      history.set(c.key, { limitA: d.limitA, changedAt: t * 1000, previousA: prev?.limitA ?? 0 });
      c.changes.push({ at: t + LINK_S, limitA: d.limitA });
    }
  };
}

/** The baseline: every 30 s, headroom from the worst phase, handed out first-come-first-served as if all were on L1. */
function fcfs30(): Policy {
  let next = 0;
  return (t, meterA, cars) => {
    if (t < next) return;
    next += 30;
    const ev = cars.reduce((s, c) => s + drawAt(c, t), 0);
    let pool = GRID_A - MARGIN_A - Math.max(0, Math.max(...meterA) - ev);
    for (const c of [...cars].sort((a, b) => a.arrival - b.arrival)) {
      const l = Math.min(c.maxA, pool);
      const limitA = l >= 6 ? Math.floor(l) : 0;
      pool -= limitA;
      c.changes.push({ at: t + LINK_S, limitA });
    }
  };
}

/** Seconds any phase is above the grid limit after a +30 A step on L1 at stepAt. */
function simulate(policy: Policy, stepAt: number): number {
  const cars: Car[] = [
    { key: 'A', wiring: { phases: 3, phaseRotation: 'L1L2L3' }, maxA: 32, carMaxA: 32, arrival: 0, changes: [] },
    { key: 'B', wiring: { phases: 3, phaseRotation: 'L2L3L1' }, maxA: 32, carMaxA: 16, arrival: 1, changes: [] }, // car-bound at 16 A
    { key: 'C', wiring: { phases: 1, phaseRotation: 'L1' }, maxA: 32, carMaxA: 32, arrival: 2, changes: [] },
    { key: 'D', wiring: { phases: 1, phaseRotation: 'L3' }, maxA: 32, carMaxA: 32, arrival: 3, changes: [] },
  ];
  let above = 0;
  for (let i = 0; i * DT < stepAt + 120; i++) {
    const t = i * DT;
    const meterA: PerPhase = [10 + (t >= stepAt ? 30 : 0), 10, 10];
    for (const c of cars) for (const p of gridPhasesOf(c.wiring)) meterA[p] += drawAt(c, t);
    if (t >= stepAt && meterA.some((a) => a > GRID_A)) above += DT;
    policy(t, meterA, cars);
  }
  return above;
}

function closedLoop(): void {
  const offsets = Array.from({ length: 60 }, (_, i) => 120 + i * 0.5); // after 2 min of settling, across a 30 s cycle
  const mean = (policy: () => Policy) => offsets.reduce((s, o) => s + simulate(policy(), o), 0) / offsets.length;
  const max = (policy: () => Policy) => Math.max(...offsets.map((o) => simulate(policy(), o)));
  report('balancer.closed_loop_above_limit_ours_mean', mean(ours), 's');
  report('balancer.closed_loop_above_limit_ours_max', max(ours), 's');
  report('balancer.closed_loop_above_limit_fcfs30_mean', mean(fcfs30), 's');
  report('balancer.closed_loop_above_limit_fcfs30_max', max(fcfs30), 's');
}

export async function benchBalancer(): Promise<void> {
  allocationCost();
  closedLoop();
  await reaction();
  await benchBalancerGen2();
}
