// What the cars draw, and so what the rest of the site draws, from a meter sample,
// MeterValues that may be seconds old, and limits a car may still be following.
// Pure. Why it is more than "meter − MeterValues":
// - MeterValues come every few seconds, limits change at once, so a measurement
//   often predates the limit in force (estimateDraw);
// - a car takes up to 5 s (IEC 61851-1) to follow a new limit. In that window its
//   draw is anywhere between the old and the new limit, and reading the meter then
//   would show the difference as non-EV load appearing or vanishing: the loop would
//   pause cars it had just turned down, or raise others into an overload. So while
//   a limit is in transit on a phase, the non-EV load there is held at its last
//   value from a quiet moment, and only allowed to rise (a rise is real load).
import type { PerPhase } from './phases.js';

/** The least and the most a car may be drawing under the limits given to it, A. */
export interface LimitRange {
  lowA: number;
  highA: number;
  /** The limit decided for it now; below highA while it may still be coming down from a higher one. */
  targetA?: number;
}

/** A car within this of its limit when measured was held back by the limit (real cars draw a little under it). */
export const LIMIT_BOUND_TOLERANCE_A = 1.5;

/** How long a car may take to follow a new limit (IEC 61851-1: 5 s); the default of balancer.carReactionS. */
export const CAR_REACTION_MS = 5000;

/**
 * What a car draws on one phase now, from a measurement that may predate the last
 * limit change. A car that used (nearly) all of its limit when measured is
 * limit-bound: it follows the limit now, up or down. One that drew less is
 * car-bound (its own max, a full battery): it keeps drawing what it drew, never
 * above the limit now. (Taking a stale 0 literally, a car measured while paused
 * would be paused again as soon as it is admitted.)
 * `limitA`: the limit to assume now; `limitAtMeasurementA`: the lowest limit in force
 * when the measurement arrived (null: before any limit of ours).
 */
export function estimateDraw(measuredA: number | null | undefined, limitA: number | null, limitAtMeasurementA: number | null | undefined): number | null | undefined {
  if (typeof measuredA !== 'number' || limitA === null) return measuredA;
  const limitBound = typeof limitAtMeasurementA === 'number' && measuredA >= limitAtMeasurementA - LIMIT_BOUND_TOLERANCE_A;
  return limitBound ? limitA : Math.min(measuredA, limitA);
}

/**
 * Non-EV load per phase. `evLowA`/`evHighA` bound the EV draw (cars at the low or
 * high end of their limit ranges); `transit[p]` says a limit on phase p is in
 * transit, so the two differ. `heldA` is the previous result's `trustedA`.
 * Without a transit the estimate is plain meter − EV draw and becomes the trusted
 * value; during one it is max(held, the lowest the load can be). With nothing held
 * yet, the highest the load can be: a smaller budget, never a larger one.
 */
export function nonEvLoadEstimate(
  meterA: Readonly<PerPhase>,
  evLowA: Readonly<PerPhase>,
  evHighA: Readonly<PerPhase>,
  transit: readonly boolean[],
  heldA: Readonly<PerPhase> | null,
): { nonEvA: PerPhase; trustedA: PerPhase } {
  const nonEvA: PerPhase = [0, 0, 0];
  const trustedA: PerPhase = [0, 0, 0];
  for (let p = 0; p < 3; p++) {
    // NaN stays NaN (fail closed downstream): Math.max(0, NaN) is NaN.
    const lowest = Math.max(0, meterA[p]! - evHighA[p]!);
    const highest = Math.max(0, meterA[p]! - evLowA[p]!);
    if (!transit[p]) nonEvA[p] = trustedA[p] = highest;
    else if (heldA && Number.isFinite(heldA[p])) {
      nonEvA[p] = Math.max(heldA[p]!, lowest);
      trustedA[p] = heldA[p]!;
    } else nonEvA[p] = trustedA[p] = highest;
  }
  return { nonEvA, trustedA };
}
