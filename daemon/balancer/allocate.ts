// The allocator: per-connector current limits from per-phase budgets.
// Pure and deterministic (time comes in as `now`), O(n log n) in the number of
// connectors: one sort for the ranking, one for the water-filling.
//
// Rules:
// 1. Only charging connectors get current. One whose min(max, cap) is below the
//    minimum gets 0 — the car could not charge on it anyway.
// 2. Admission by rank (priority desc, then session start asc, then input order): a
//    connector is admitted while every one of its grid phases can still give
//    each admitted connector the minimum; otherwise it is paused ('no-room').
//    Pausing it is the only way it yields: a lower-ranked connector is still
//    admitted if its own phases have room, because pausing it would not help the
//    paused one (its blocking phase is already full of higher-ranked sessions).
// 3. A connector paused before stays paused until `minPauseMs` have passed
//    ('min-pause'), so a budget wobbling around the minimum does not make
//    chargers start and stop every second.
// 4. The admitted share the budget max-min fairly (water-filling): all rise
//    together; one stops at its max/cap, and when a phase runs out everyone on it
//    stops there, the rest keep rising. A 3-phase car takes its current on all
//    three phases, so its tightest phase bounds it. Priority plays no part here.
// Arithmetic is in whole deciamps (0.1 A), rounding budgets and maxima down and
// the minimum up, so the per-phase sum never exceeds the budget, not even by a
// float rounding error.
import type { GridPhase, PerPhase } from './phases.js';

export interface ConnectorDemand {
  /** Unique, e.g. "CP-001/1". Input order breaks rank ties (give connectors in a stable order). */
  key: string;
  /** Grid phases the car draws on, from gridPhasesOf (a 1-phase car on a 3-phase charger: one). */
  gridPhases: readonly GridPhase[];
  /** The charger's maximum, A. */
  maxCurrentA: number;
  /** The cloud's TxDefaultProfile/TxProfile limit, A. */
  capA?: number;
  /** Higher = more important; only decides who is paused. */
  priority: number;
  /** Session start, ms; the newer of two equal-priority sessions is paused first. */
  sessionStartedAt: number;
  /** A car wants current (Charging or SuspendedEVSE); others get 0 and are not listed as paused. */
  charging: boolean;
  /** Set when the previous result paused it (feed back `since` from that result). */
  paused?: { since: number };
}

export interface AllocationInput {
  /** EV budget per grid phase, A (computeHeadroom). */
  budgetA: PerPhase;
  /** Below this a car cannot charge (IEC 61851: 6 A). */
  minCurrentA: number;
  connectors: readonly ConnectorDemand[];
  /** The cloud's ChargePointMaxProfile, A per phase, for all connectors together. */
  siteCapA?: number;
  /** ms, on the same clock as paused.since (a monotonic one, so a clock step does not stretch a pause). */
  now: number;
  /** A paused connector stays paused at least this long, ms. */
  minPauseMs: number;
}

export type PauseReason =
  | 'no-room' // its phases cannot give it the minimum next to higher-ranked sessions
  | 'min-pause' // there is room, but it was paused less than minPauseMs ago
  | 'max-below-minimum' // the charger's max is below the minimum current
  | 'cap-below-minimum' // the cloud's cap is below the minimum current
  | 'invalid-phases'; // gridPhases empty, repeated or out of range

export interface Paused {
  key: string;
  reason: PauseReason;
  /** When the pause began: the input's paused.since, else now. */
  since: number;
}

export interface AllocationResult {
  /** Every connector's limit, A, in input order: 0 (paused or idle) or ≥ minCurrentA, a multiple of 0.1. */
  limitsA: Map<string, number>;
  /** Charging connectors held at 0, with why. */
  paused: Paused[];
  /** Sum of limits per grid phase, A. */
  totalsA: PerPhase;
  /** The budget actually shared per grid phase (input budget under the site cap), A. */
  budgetA: PerPhase;
  /** 'insufficient' when someone is paused for room, else 'capped' when a cloud cap binds, else 'normal'. */
  mode: 'normal' | 'capped' | 'insufficient';
}

const EPS = 1e-9; // absorbs float noise such as 0.7 * 10 = 7.000000000000001
// 100 kA: far above any site, low enough that deciamp sums and sort keys stay exact.
const CEILING_D = 1e6;
// Non-finite or negative reads as 0: a broken input must never read as "plenty".
const deciDown = (a: number): number => (Number.isFinite(a) && a > 0 ? Math.min(Math.floor(a * 10 + EPS), CEILING_D) : 0);

export function allocate(input: AllocationInput): AllocationResult {
  const { connectors, now } = input;
  const n = connectors.length;
  const site = input.siteCapA === undefined ? Infinity : input.siteCapA;
  const budgetD = input.budgetA.map((b) => deciDown(Math.min(b, site))) as PerPhase;
  const siteBinds = input.budgetA.map((b) => site < b);
  const minD = Math.max(1, Math.ceil(input.minCurrentA * 10 - EPS));
  const limitD = new Array<number>(n).fill(0);
  const upperD = new Array<number>(n).fill(0);
  const paused: Paused[] = [];
  let capped = false;

  const pause = (i: number, reason: PauseReason): void => {
    const c = connectors[i]!;
    paused.push({ key: c.key, reason, since: c.paused?.since ?? now });
  };

  // Rule 1: who may take part at all.
  const candidates: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = connectors[i]!;
    if (!c.charging) continue;
    const cap = c.capA === undefined ? Infinity : c.capA;
    upperD[i] = deciDown(Math.min(c.maxCurrentA, cap));
    if (!validPhases(c.gridPhases)) pause(i, 'invalid-phases');
    else if (deciDown(c.maxCurrentA) < minD) pause(i, 'max-below-minimum');
    else if (upperD[i]! < minD) {
      pause(i, 'cap-below-minimum');
      capped = true;
    } else candidates.push(i);
  }

  // Rules 2 and 3: admission in rank order.
  // Ties (same priority, same start ms) keep input order: candidates is ascending.
  candidates.sort((a, b) => {
    const x = connectors[a]!;
    const y = connectors[b]!;
    return y.priority - x.priority || x.sessionStartedAt - y.sessionStartedAt || a - b;
  });
  const count: PerPhase = [0, 0, 0];
  const admitted: number[] = [];
  for (const i of candidates) {
    const c = connectors[i]!;
    if (!c.gridPhases.every((p) => (count[p] + 1) * minD <= budgetD[p])) pause(i, 'no-room');
    else if (c.paused !== undefined && heldFor(now - c.paused.since, input.minPauseMs)) pause(i, 'min-pause');
    else {
      admitted.push(i);
      for (const p of c.gridPhases) count[p]++;
    }
  }

  // Rule 4: water-filling among the admitted.
  const byPhase: number[][] = [[], [], []];
  for (const i of admitted) for (const p of connectors[i]!.gridPhases) byPhase[p]!.push(i);
  const byUpper = sortByIntKey(admitted, (i) => upperD[i]!);
  const used: PerPhase = [0, 0, 0];
  const active: PerPhase = [...count];
  const frozen = new Uint8Array(n);
  const freeze = (i: number, d: number): void => {
    frozen[i] = 1;
    limitD[i] = d;
    for (const p of connectors[i]!.gridPhases) {
      used[p] += d;
      active[p]--;
    }
  };
  for (let next = 0; ; ) {
    while (next < byUpper.length && frozen[byUpper[next]!]) next++;
    if (next === byUpper.length) break;
    // The level every still-rising connector can reach before some phase runs out.
    // Floored: integer operands below 2^53, so the floor of the quotient is exact.
    let level = Infinity;
    let tightest = -1;
    for (let p = 0; p < 3; p++) {
      if (active[p] === 0) continue;
      const l = Math.floor((budgetD[p] - used[p]) / active[p]);
      if (l < level) {
        level = l;
        tightest = p;
      }
    }
    const i = byUpper[next]!;
    if (upperD[i]! <= level) {
      const c = connectors[i]!;
      if (c.capA !== undefined && c.capA < c.maxCurrentA) capped = true;
      freeze(i, upperD[i]!);
    } else {
      if (siteBinds[tightest]) capped = true;
      // min() only matters if byUpper were mis-sorted; a max is never exceeded.
      for (const j of byPhase[tightest]!) if (!frozen[j]) freeze(j, Math.min(level, upperD[j]!));
    }
  }

  const limitsA = new Map<string, number>();
  const totalD: PerPhase = [0, 0, 0];
  for (let i = 0; i < n; i++) {
    const c = connectors[i]!;
    limitsA.set(c.key, limitD[i]! / 10);
    if (limitD[i]! > 0) for (const p of c.gridPhases) totalD[p] += limitD[i]!;
  }
  if (limitsA.size !== n) throw new RangeError('connector keys must be unique');
  const insufficient = paused.some((p) => p.reason === 'no-room' || p.reason === 'min-pause');
  return {
    limitsA,
    paused,
    totalsA: totalD.map((d) => d / 10) as PerPhase,
    budgetA: budgetD.map((d) => d / 10) as PerPhase,
    mode: insufficient ? 'insufficient' : capped ? 'capped' : 'normal',
  };
}

/**
 * `idx` ordered by an integer key ≥ 0, ties in `idx` order. Key and position are
 * packed into one float so a Float64Array sorts natively, several times faster
 * than a comparator sort at 1,000 connectors; exact while key · length < 2^53.
 */
function sortByIntKey(idx: readonly number[], key: (i: number) => number): number[] {
  const m = idx.length;
  const packed = new Float64Array(m);
  for (let k = 0; k < m; k++) packed[k] = key(idx[k]!) * m + k;
  packed.sort();
  const out = new Array<number>(m);
  for (let k = 0; k < m; k++) out[k] = idx[packed[k]! % m]!;
  return out;
}

/** Still inside its minimum pause. A negative time means the clock stepped back: release rather than hold for hours. */
function heldFor(pausedMs: number, minPauseMs: number): boolean {
  return pausedMs >= 0 && pausedMs < minPauseMs;
}

/** 1 to 3 distinct phases, each 0, 1 or 2. */
function validPhases(phases: readonly GridPhase[]): boolean {
  let seen = 0;
  for (const p of phases) {
    if ((p !== 0 && p !== 1 && p !== 2) || seen & (1 << p)) return false;
    seen |= 1 << p;
  }
  return seen !== 0;
}
