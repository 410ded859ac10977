// One control step, pure: from the site's state (meter or not, chargers and what
// they draw) to the limit every connector should have. The service feeds it from
// the registry; the closed-loop benchmark feeds it from a simulation.
import { allocate, type ConnectorDemand, type Paused } from './allocate.js';
import { computeHeadroom, evDrawPerPhase, type ConnectorDraw } from './headroom.js';
import { drawnPhases, gridPhasesOf, type ChargerWiring, type PerPhase } from './phases.js';
import { quantizeLimit } from './limits.js';
import { estimateDraw, nonEvLoadEstimate, type LimitRange } from './estimate.js';

export interface PlanConnector {
  /** "chargerId/connectorId" */
  key: string;
  wiring: ChargerWiring;
  maxCurrentA: number;
  priority: number;
  /** A session runs (transaction, or Charging / SuspendedEV / SuspendedEVSE). */
  charging: boolean;
  sessionStartedAt: number;
  /** The charger's own Current.Import L1..L3 from MeterValues; null when it reports none. */
  measuredA?: readonly (number | null | undefined)[] | null;
  /** The least and the most the car may be drawing under our limits now (they differ while it follows a change); null: none known. */
  limit: LimitRange | null;
  /** limit.lowA when the MeterValues behind measuredA arrived, so a measurement older than the last change is read right. */
  limitAtMeasurementA?: number | null;
  /**
   * false: the balancer cannot limit it (not configured yet, or it accepts no profile).
   * It gets no limit and its charging connectors are counted at their full max.
   */
  managed: boolean;
  capA?: number;
  /** From the previous plan's `paused`. */
  pausedSince?: number;
  /** ... and its reason then (a session that yielded its turn stays 'rotated' while it waits). */
  pausedReason?: Paused['reason'];
  /**
   * Charging by state restored from the store (reconnect, daemon restart) that the charger has
   * not confirmed yet: without a measurement or a limit of ours, it may be drawing its max.
   */
  unconfirmed?: boolean;
  /** The charger switches phases (phaseSwitching): what this session uses now and whether it may change (hysteresis). */
  phaseSwitch?: { phases: 1 | 3; mayChange: boolean };
  /** Rotation state from the previous plan's turns. */
  queuedAt?: number;
  runningSince?: number;
}

export type BudgetSource =
  | { kind: 'meter'; currentA: readonly [number, number, number] }
  | { kind: 'static' }
  | { kind: 'fallback' };

export interface PlanInput {
  gridMaxA: number;
  marginA: number;
  fallbackBudgetA: number;
  minCurrentA: number;
  minPauseMs: number;
  siteCapA?: number;
  source: BudgetSource;
  /** The previous plan's trustedNonEvA (see estimate.ts); null at first or after the meter was lost. */
  heldNonEvA?: PerPhase | null;
  connectors: readonly PlanConnector[];
  now: number;
  /** site.grid.maxUnbalanceA. */
  maxUnbalanceA?: number;
  /** balancer.rotationMinutes in ms. */
  rotationMs?: number;
  /** An external limit on the grid connection, A per phase (EMS, grid operator): only ever lowers gridMaxA. */
  externalLimitA?: PerPhase;
}

export type BalancerMode = 'normal' | 'capped' | 'fallback' | 'insufficient';

export interface Plan {
  mode: BalancerMode;
  /** What the managed connectors share per grid phase (after the reserve and the site cap), A. */
  budgetA: PerPhase;
  /** Headroom before the reserve for unmanaged chargers, A. */
  headroomA: PerPhase;
  /** Held back for unmanaged charging connectors at their full max, A. */
  reservedA: PerPhase;
  /** Estimated EV draw per grid phase (cars at the high end of their limit ranges), A. */
  evDrawA: PerPhase;
  /** Non-EV load used (≥ 0); null without a fresh meter sample. */
  nonEvA: PerPhase | null;
  /** To feed back as heldNonEvA next time. */
  trustedNonEvA: PerPhase | null;
  /** Per grid phase: a car there may still be following a new limit, so the non-EV estimate is held (estimate.ts). */
  settling: [boolean, boolean, boolean];
  /** Wanted limit per managed connector, whole A (0 for idle or paused). */
  limitsA: Map<string, number>;
  /** Grid phases each managed charging car is taken to draw on (for W limits). */
  phases: Map<string, number>;
  /**
   * Connectors on a phase where some car may still be coming down to a lower limit:
   * an increase for them waits (raised before the others have come down, the phase
   * could briefly carry both).
   */
  increaseHeld: Set<string>;
  paused: Paused[];
  /** Switchable sessions: the phase count to ask for (numberPhases). */
  numberPhases: Map<string, 1 | 3>;
  /** Rotation state to feed back. */
  turns: Map<string, { queuedAt: number; runningSince?: number }>;
}

export function plan(input: PlanInput): Plan {
  const drawsLow: ConnectorDraw[] = [];
  const drawsHigh: ConnectorDraw[] = [];
  const transit = [false, false, false];
  const falling = [false, false, false];
  const demands: ConnectorDemand[] = [];
  const reservedA: PerPhase = [0, 0, 0];
  const phases = new Map<string, number>();
  const activeOf = new Map<string, readonly number[]>();
  for (const c of input.connectors) {
    if (!c.charging) continue; // an idle connector draws nothing; its limit is 0 below
    const wired = gridPhasesOf(c.wiring);
    const low = c.limit?.lowA ?? null;
    const high = c.limit?.highA ?? null;
    const measuredLow = c.measuredA ? c.measuredA.map((a) => estimateDraw(a, low, c.limitAtMeasurementA)) : null;
    const measuredHigh = c.measuredA ? c.measuredA.map((a) => estimateDraw(a, high, c.limitAtMeasurementA)) : null;
    const active = drawnPhases(wired, measuredHigh) ?? wired;
    // Unreported: the limit; unmanaged and unreported: 0, which is safe because it is reserved in full below.
    // Unconfirmed with no limit of ours yet: anywhere from 0 to its max (the low end makes the
    // non-EV estimate larger, the high end is the draw shown; both err towards a smaller budget).
    const lowA = low ?? 0;
    const highA = high ?? (c.unconfirmed ? c.maxCurrentA : 0);
    drawsLow.push({ wiredPhases: wired, activePhases: active, measuredA: measuredLow, lastLimitA: c.managed ? lowA : 0 });
    drawsHigh.push({ wiredPhases: wired, activePhases: active, measuredA: measuredHigh, lastLimitA: c.managed ? highA : 0 });
    // Its draw is uncertain between the two (and unreported): hold the non-EV estimate rather than read the car into it.
    if (c.managed && (low !== high || (!c.measuredA && lowA !== highA))) for (const p of active) transit[p] = true;
    if (c.managed && c.limit && c.limit.targetA !== undefined && c.limit.highA > c.limit.targetA) for (const p of active) falling[p] = true;
    if (!c.managed) {
      for (const p of wired) reservedA[p] += c.maxCurrentA;
      continue;
    }
    // Switchable only with all three phases wired, and not with a car seen drawing on fewer
    // phases than it was asked for (a 1-phase car: nothing to switch).
    const sw = c.phaseSwitch && wired.length === 3 && (c.phaseSwitch.phases === 1 || active.length === 3) ? c.phaseSwitch : undefined;
    phases.set(c.key, active.length);
    activeOf.set(c.key, sw ? (sw.phases === 1 ? wired.slice(0, 1) : wired) : active);
    demands.push({
      key: c.key, gridPhases: sw ? wired : active, maxCurrentA: c.maxCurrentA, capA: c.capA, priority: c.priority,
      sessionStartedAt: c.sessionStartedAt, charging: true,
      paused: c.pausedSince === undefined ? undefined : { since: c.pausedSince, reason: c.pausedReason },
      phaseSwitch: sw, queuedAt: c.queuedAt, runningSince: c.runningSince,
    });
  }
  const evLowA = evDrawPerPhase(drawsLow);
  const evDrawA = evDrawPerPhase(drawsHigh);
  const src = input.source;
  let headroomA: PerPhase;
  let nonEvA: PerPhase | null = null;
  let trustedNonEvA: PerPhase | null = null;
  const ext = input.externalLimitA;
  if (src.kind === 'fallback') {
    headroomA = [input.fallbackBudgetA, input.fallbackBudgetA, input.fallbackBudgetA];
    // Without a meter reading the external limit still binds: the fallback never exceeds it (less the margin).
    if (ext) headroomA = headroomA.map((h, p) => Math.max(0, Math.min(h, ext[p]! - input.marginA))) as PerPhase;
  }
  else if (src.kind === 'static') headroomA = computeHeadroom({ gridMaxA: input.gridMaxA, marginA: input.marginA, meterCurrentA: null, evDrawA });
  else {
    ({ nonEvA, trustedA: trustedNonEvA } = nonEvLoadEstimate(src.currentA as PerPhase, evLowA, evDrawA, transit, input.heldNonEvA ?? null));
    // The non-EV load stands in for the meter with no EV draw to take off (computeHeadroom clamps and fails closed on NaN).
    headroomA = computeHeadroom({ gridMaxA: input.gridMaxA, marginA: input.marginA, meterCurrentA: nonEvA, evDrawA: [0, 0, 0] });
  }
  // The external limit lowers the grid maximum on each phase it is below (never raises it).
  if (ext && src.kind !== 'fallback') headroomA = headroomA.map((h, p) => Math.max(0, h - Math.max(0, input.gridMaxA - ext[p]!))) as PerPhase;
  const shared = headroomA.map((h, p) => Math.max(0, h - reservedA[p]!)) as PerPhase;
  const result = allocate({
    budgetA: shared, minCurrentA: input.minCurrentA, connectors: demands, siteCapA: input.siteCapA,
    now: input.now, minPauseMs: input.minPauseMs, maxUnbalanceA: input.maxUnbalanceA, rotationMs: input.rotationMs,
  });
  for (const [key, n] of result.phases) {
    const wired = gridPhasesOf(input.connectors.find((c) => c.key === key)!.wiring);
    activeOf.set(key, n === 1 ? wired.slice(0, 1) : wired);
    phases.set(key, n);
  }
  const limitsA = new Map<string, number>();
  const phasesOf = (c: PlanConnector) => activeOf.get(c.key) ?? gridPhasesOf(c.wiring);
  for (const c of input.connectors) {
    if (!c.managed) continue;
    const want = quantizeLimit(result.limitsA.get(c.key) ?? 0, input.minCurrentA);
    limitsA.set(c.key, want);
    // Cut in this very step: its phases are falling too.
    if (c.limit?.targetA !== undefined && want < c.limit.targetA) for (const p of phasesOf(c)) falling[p] = true;
  }
  const increaseHeld = new Set<string>();
  // Idle connectors too: a car starting there is an increase on its phases.
  for (const c of input.connectors) if (c.managed && phasesOf(c).some((p) => falling[p])) increaseHeld.add(c.key);
  return {
    mode: src.kind === 'fallback' ? 'fallback' : result.mode,
    budgetA: result.budgetA, headroomA, reservedA, evDrawA, nonEvA, trustedNonEvA, settling: [transit[0]!, transit[1]!, transit[2]!], limitsA, phases, increaseHeld, paused: result.paused,
    numberPhases: result.phases, turns: result.turns,
  };
}
