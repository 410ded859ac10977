// Phase bookkeeping for the balancer: which grid phases a connector loads.
// Grid phases are indices (0 = L1, 1 = L2, 2 = L3) so per-phase values can live
// in plain 3-tuples.

/** A grid phase of the site's connection: 0 = L1, 1 = L2, 2 = L3. */
export type GridPhase = 0 | 1 | 2;

/** One value per grid phase, indexed by GridPhase. */
export type PerPhase = [number, number, number];

/**
 * How a charger is wired to the grid, as in the config. The i-th letter group is
 * the grid phase the charger's own L(i+1) is connected to: 'L2L3L1' means the
 * charger's L1 is on grid L2, its L2 on grid L3 and its L3 on grid L1.
 */
export type PhaseRotation = 'L1' | 'L2' | 'L3' | 'L1L2L3' | 'L2L3L1' | 'L3L1L2';

export interface ChargerWiring {
  phases: 1 | 3;
  phaseRotation: PhaseRotation;
}

const WIRING: Record<PhaseRotation, readonly GridPhase[]> = {
  L1: [0],
  L2: [1],
  L3: [2],
  L1L2L3: [0, 1, 2],
  L2L3L1: [1, 2, 0],
  L3L1L2: [2, 0, 1],
};

/**
 * The grid phases a connector draws on, in the charger's own phase order
 * (element i is where the charger's L(i+1) lands).
 *
 * `carPhases` is how many phases the car actually uses: a 1-phase car on a
 * 3-phase charger only draws through the charger's L1, so it loads one grid phase.
 * Throws a RangeError when `phases` and `phaseRotation` contradict each other
 * (a config error the schema should have caught; guessing here could hide a
 * wiring mistake that trips a fuse).
 */
export function gridPhasesOf(charger: ChargerWiring, carPhases: 1 | 3 = 3): GridPhase[] {
  const wired = WIRING[charger.phaseRotation];
  if (wired === undefined || wired.length !== charger.phases) {
    throw new RangeError(`phaseRotation ${charger.phaseRotation} does not fit a ${charger.phases}-phase charger`);
  }
  return wired.slice(0, Math.min(carPhases, charger.phases));
}

/**
 * The grid phases on which a charger's MeterValues show the car really drawing
 * (≥ `minDrawA`), e.g. to tell a 1-phase car on a 3-phase charger.
 * `measuredA[i]` is the current on the charger's L(i+1) (Current.Import, phase Li);
 * `wired` is gridPhasesOf(charger) for all its phases.
 * Returns null when nothing usable was measured or the car draws nothing yet:
 * the caller should then assume every wired phase (the safe side).
 */
export function drawnPhases(
  wired: readonly GridPhase[],
  measuredA: readonly (number | null | undefined)[] | null | undefined,
  minDrawA = 1,
): GridPhase[] | null {
  if (!measuredA) return null;
  const drawn = wired.filter((_, i) => {
    const a = measuredA[i];
    return typeof a === 'number' && Number.isFinite(a) && a >= minDrawA;
  });
  return drawn.length > 0 ? drawn : null;
}
