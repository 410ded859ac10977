// A closed loop for balancer tests with chargers of either OCPP version: a daemon reading a
// simulated SDM630 whose currents are a base load plus what the simulated chargers' cars draw
// (the cars follow the profiles the daemon sends). Time is counted in meter reads, never in
// wall-clock assertions.
import type { TestContext } from 'node:test';
import { startSite, type TestSite } from './daemon.js';
import { SimCharger, type SimChargerOptions } from '../../scripts/sim/charger-sim.js';
import { MeterSim, type SimPhaseRotation } from '../../scripts/sim/meter-sim.js';
import { until } from './until.js';

export const GRID_A = 63;
// A meter read every 300 ms (a real site reads every 1,000 ms). The daemon, the simulated cars
// and the meter share this test process's event loop, and the suite runs two files at once on
// two cores: at 150 ms, "back under the limit within two reads" was sometimes four reads because
// the corrective profiles had not been processed yet, not because the balancer waited.
const POLL_MS = 300;
// Generous against a loaded test machine (as in the 1.6 closed loop).
const TIMEOUT_MS = 400;
const STALE_MS = 1500;

export type Phases3 = [number, number, number];

export interface Spec {
  id: string;
  protocol: 'ocpp1.6' | 'ocpp2.0.1';
  phases: 1 | 3;
  rotation: SimPhaseRotation;
  maxA: number;
  /** EVSEs (connectors); default 1. */
  connectors?: number;
  sim?: Partial<SimChargerOptions>;
}

export interface Loop {
  site: TestSite;
  meter: MeterSim;
  sims: Map<string, SimCharger>;
  /** Every read the meter answered, per grid phase. */
  reads: Phases3[];
}

export const limitOf = (sim: SimCharger, connectorId = 1) => sim.connectors.get(connectorId)!.limitA;
export const limitIs = (sim: SimCharger, pred: (a: number | null) => boolean, connectorId = 1) =>
  until(() => pred(limitOf(sim, connectorId)), { label: `${sim.id}/${connectorId}'s limit (now ${limitOf(sim, connectorId)})` }, [sim, 'limit']);

/** A daemon reading a meter sim, with these chargers (1 connector / EVSE each) booted and managed by the balancer. */
export async function closedLoop(t: TestContext, specs: Spec[], opts: { gridA?: number; baseA: Phases3; balancer?: Record<string, unknown>; chargers?: Record<string, unknown> }): Promise<Loop> {
  const meter = await MeterSim.start({ baseA: opts.baseA });
  const sims = new Map<string, SimCharger>();
  let site: TestSite | undefined;
  // Registered first, so whatever was started is closed even when setup fails half-way.
  t.after(async () => {
    await Promise.all([...sims.values()].map((s) => s.close()));
    await site?.stop();
    await meter.stop();
  });
  site = await startSite({
    logLevel: 'warn',
    deps: { meterBackoff: { initialMs: 20, maxMs: 100 } },
    overrides: {
      site: { grid: { maxCurrentA: opts.gridA ?? GRID_A, safetyMarginA: 2, nominalVoltageV: 230 } },
      chargers: specs.map((c) => ({ id: c.id, password: `pw-${c.id}`, connectors: c.connectors ?? 1, phases: c.phases, phaseRotation: c.rotation, maxCurrentA: c.maxA, ...opts.chargers })),
      meter: { model: 'sdm630', transport: 'tcp', host: meter.host, port: meter.port, unitId: 1, pollIntervalMs: POLL_MS, timeoutMs: TIMEOUT_MS, staleAfterMs: STALE_MS },
      // The simulated cars follow a limit at once.
      balancer: { fallbackBudgetA: 16, increaseIntervalS: 0.3, minPauseS: 1, profileValidityS: 2, carReactionS: 0.3, ...opts.balancer },
    },
  });
  const balancer = site.daemon.balancer!;
  const reads: Phases3[] = [];
  meter.on('read', (c) => reads.push(c));
  await Promise.all(specs.map(async (c) => {
    const sim = new SimCharger({ url: site!.url, id: c.id, password: `pw-${c.id}`, connectors: c.connectors ?? 1, phases: c.phases, maxCurrentA: c.maxA, protocol: c.protocol, ...c.sim });
    sims.set(c.id, sim);
    const managed = until(() => balancer.state().chargers.some((k) => k.chargerId === c.id && k.managed), { label: `${c.id} managed by the balancer` }, [balancer, 'state']);
    await sim.connect();
    await sim.boot();
    await managed;
    meter.attach(sim, c.rotation);
  }));
  return { site, meter, sims, reads };
}

/**
 * Resolves once the balancer holds no phase's non-EV estimate (no car still following a changed
 * limit, see BalancerState.settling): a load step from here is read at once. A step while cars
 * are still coming down is corrected in two stages (see estimate.ts), which is a different claim.
 */
export function quiet(loop: Loop): Promise<unknown> {
  const balancer = loop.site.daemon.balancer!;
  // Re-checked on every meter read (each runs a step), as 'state' is emitted only for changes.
  return until(() => !balancer.state().settling.some(Boolean), { label: 'no car still following a changed limit (balancer settling)' }, [loop.meter, 'read']);
}

/** Plugs a car in (carPhases: what the car can draw on) and starts a session with MeterValues / TransactionEvent samples. */
export async function charge(sim: SimCharger, car: { carPhases?: 1 | 3 } = {}, connectorId = 1): Promise<void> {
  await sim.plugIn(connectorId, car);
  await sim.startCharging(connectorId, 'TAG');
  // Per-phase Current.Import, as real chargers report it (the balancer's EV-draw estimate uses it).
  sim.startMeterValues(300);
}

