// How much current the chargers may draw per grid phase, from the grid limit and
// the site meter. Pure arithmetic; the control loop decides when a sample is stale.
import type { GridPhase, PerPhase } from './phases.js';

export interface HeadroomInput {
  /** Per-phase limit of the grid connection (main fuse), A. */
  gridMaxA: number;
  /** Kept free on every phase for meter lag and estimation error, A. */
  marginA: number;
  /** Site meter, per grid phase, A; null when the site has no meter (static budget). */
  meterCurrentA: PerPhase | null;
  /** What the chargers draw on each grid phase (see evDrawPerPhase), A. */
  evDrawA: PerPhase;
}

/**
 * Per grid phase: the budget all chargers together may use, A (never negative).
 *
 * budget = gridMax − margin − nonEvLoad, with nonEvLoad = meter − EV draw.
 * The non-EV load is clamped at ≥ 0: a negative value is measurement noise, a
 * meter slower than the chargers, or solar export, and crediting it to the cars
 * would let them lean on generation that can vanish within a second.
 * Fail closed: a non-finite meter value gives that phase a budget of 0 rather
 * than being read as "no load"; a null meter means none is installed, so the
 * whole static budget gridMax − margin is shared.
 */
export function computeHeadroom(input: HeadroomInput): PerPhase {
  const staticA = input.gridMaxA - input.marginA;
  const budget: PerPhase = [0, 0, 0];
  for (let p = 0; p < 3; p++) {
    const nonEv = input.meterCurrentA === null ? 0 : nonEvLoad(input.meterCurrentA[p]!, input.evDrawA[p]!);
    const b = staticA - nonEv;
    budget[p] = Number.isFinite(b) && b > 0 ? b : 0;
  }
  return budget;
}

/** Meter current that is not the chargers', clamped at ≥ 0 (see computeHeadroom). */
export function nonEvLoad(meterA: number, evDrawA: number): number {
  const ev = Number.isFinite(evDrawA) && evDrawA > 0 ? evDrawA : 0;
  return Math.max(0, meterA - ev); // NaN propagates, so computeHeadroom fails closed
}

export interface ConnectorDraw {
  /** gridPhasesOf(charger) for all the charger's phases: element i is where its L(i+1) lands. */
  wiredPhases: readonly GridPhase[];
  /** Grid phases the car is taken to draw on (used with lastLimitA). */
  activePhases: readonly GridPhase[];
  /** Current.Import per charger phase L1..L3 from the latest MeterValues; null/empty when not reported. */
  measuredA?: readonly (number | null | undefined)[] | null;
  /** The limit last sent to this connector, A (0 when paused or idle). */
  lastLimitA: number;
}

/**
 * Per grid phase, the current the chargers draw, A.
 *
 * A connector that reports per-phase currents is counted by what it measures
 * (mapped through its rotation); a phase it leaves out counts 0, which can only
 * overstate the non-EV load and so errs towards a smaller budget. A connector
 * that reports nothing is assumed to draw its last limit on its active phases:
 * if the car actually draws less, the budget is briefly too generous by that
 * difference — the margin covers it until MeterValues arrive.
 */
export function evDrawPerPhase(connectors: readonly ConnectorDraw[]): PerPhase {
  const draw: PerPhase = [0, 0, 0];
  for (const c of connectors) {
    const measured = c.measuredA ?? [];
    let reported = false;
    c.wiredPhases.forEach((p, i) => {
      const a = measured[i];
      if (typeof a !== 'number' || !Number.isFinite(a)) return;
      reported = true;
      draw[p] += Math.max(0, a);
    });
    if (reported) continue;
    const last = Number.isFinite(c.lastLimitA) && c.lastLimitA > 0 ? c.lastLimitA : 0;
    for (const p of c.activePhases) draw[p] += last;
  }
  return draw;
}
