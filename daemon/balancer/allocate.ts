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
// 5. Imbalance (maxUnbalanceA): the most and the least loaded phase's EV current differ by at
//    most that much. Only sessions on fewer than three phases make a difference (a 3-phase car
//    adds the same to each), so only they are bounded: per phase, their sum may exceed the
//    lightest phase's by maxUnbalanceA at most. Found by re-running admission and filling with
//    those per-phase bounds lowered until the spread fits (a few passes); a session that then
//    cannot get the minimum is paused ('unbalance').
// 6. Phase switching (phaseSwitch): a switchable session on three phases that does not fit at
//    the minimum goes to one (its charger's L1) if that fits, and back to three when three fit;
//    only when mayChange (the caller's hysteresis).
// 7. Rotation (rotationMs): see queueKey in rank.ts ('rotated' when it yields its turn).
// Arithmetic is in whole deciamps (0.1 A), rounding budgets and maxima down and
// the minimum up, so the per-phase sum never exceeds the budget, not even by a
// float rounding error.
import type { GridPhase, PerPhase } from './phases.js';
import { heldFor, isDue, queueKey, sortByIntKey, validPhases } from './rank.js';

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
  /** Set when the previous result paused it (feed back `since` and `reason` from that result). */
  paused?: { since: number; reason?: PauseReason };
  /**
   * The charger may switch this session between three phases and one (numberPhases): `phases`
   * is what it uses now, gridPhases are all three; mayChange is false inside the hysteresis.
   */
  phaseSwitch?: { phases: 1 | 3; mayChange: boolean };
  /** Rotation state from the previous result's `turns` (see rank.ts queueKey). */
  queuedAt?: number;
  runningSince?: number;
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
  /** Largest allowed difference between the most and least loaded phase's EV current, A; undefined: none. */
  maxUnbalanceA?: number;
  /** A session that ran this long yields to a waiting one of the same priority, ms; undefined or 0: never. */
  rotationMs?: number;
}

export type PauseReason =
  | 'no-room' // its phases cannot give it the minimum next to higher-ranked sessions
  | 'min-pause' // there is room, but it was paused less than minPauseMs ago
  | 'max-below-minimum' // the charger's max is below the minimum current
  | 'cap-below-minimum' // the cloud's cap is below the minimum current
  | 'invalid-phases' // gridPhases empty, repeated or out of range
  | 'unbalance' // the minimum on its phase would exceed site.grid.maxUnbalanceA
  | 'rotated'; // it had its turn (rotationMs) and a waiting session of the same priority took the room

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
  /** Switchable connectors (phaseSwitch given): the phase count they should use now. */
  phases: Map<string, 1 | 3>;
  /** Rotation state per charging candidate, to feed back as queuedAt / runningSince. */
  turns: Map<string, { queuedAt: number; runningSince?: number }>;
}

const EPS = 1e-9; // absorbs float noise such as 0.7 * 10 = 7.000000000000001
// 100 kA: far above any site, low enough that deciamp sums and sort keys stay exact.
const CEILING_D = 1e6;
// Non-finite or negative reads as 0: a broken input must never read as "plenty".
const deciDown = (a: number): number => (Number.isFinite(a) && a > 0 ? Math.min(Math.floor(a * 10 + EPS), CEILING_D) : 0);

interface Prepared {
  input: AllocationInput;
  budgetD: PerPhase;
  siteBinds: boolean[];
  minD: number;
  upperD: number[];
  /** Charging connectors that may take part, in rank order. */
  ranked: number[];
  /** Paused by rule 1, whatever the budget. */
  excluded: Paused[];
  capped: boolean;
}

interface Pass {
  limitD: number[];
  /** Effective grid phases per connector index (switchable ones decided here). */
  phasesOf: Array<readonly GridPhase[]>;
  paused: Paused[];
  /** Per phase: the sum of limits of sessions on fewer than three phases, deciamps. */
  partialD: PerPhase;
  totalD: PerPhase;
  capped: boolean;
}

export function allocate(input: AllocationInput): AllocationResult {
  const prep = prepare(input);
  let pass = fill(prep, [Infinity, Infinity, Infinity]);
  if (input.maxUnbalanceA !== undefined) {
    const uD = deciDown(input.maxUnbalanceA);
    const caps: PerPhase = [Infinity, Infinity, Infinity];
    // Each pass lowers the bound of the heaviest phase below what it carried (whole deciamps),
    // so this ends; a site that needs more passes than this is given no imbalance at all.
    for (let k = 0; spread(pass.totalD) > uD; k++) {
      if (k === 24) {
        pass = fill(prep, [0, 0, 0]);
        break;
      }
      const lo = Math.min(...pass.partialD);
      for (let p = 0; p < 3; p++) caps[p] = Math.min(caps[p]!, lo + uD);
      pass = fill(prep, caps);
    }
  }
  const { connectors, now } = input;
  const n = connectors.length;
  const limitsA = new Map<string, number>();
  for (let i = 0; i < n; i++) limitsA.set(connectors[i]!.key, pass.limitD[i]! / 10);
  if (limitsA.size !== n) throw new RangeError('connector keys must be unique');
  const paused = [...prep.excluded, ...pass.paused];
  const phases = new Map<string, 1 | 3>();
  const turns = new Map<string, { queuedAt: number; runningSince?: number }>();
  for (const i of prep.ranked) {
    const c = connectors[i]!;
    if (c.phaseSwitch) phases.set(c.key, pass.phasesOf[i]!.length === 1 ? 1 : 3);
    const queued = c.queuedAt ?? c.sessionStartedAt;
    if (pass.limitD[i]! > 0) turns.set(c.key, { queuedAt: queued, runningSince: c.runningSince ?? now });
    // Paused after having run: it joins the back of the queue now.
    else turns.set(c.key, { queuedAt: c.runningSince !== undefined ? now : queued });
  }
  const insufficient = paused.some((p) => p.reason === 'no-room' || p.reason === 'min-pause' || p.reason === 'unbalance' || p.reason === 'rotated');
  return {
    limitsA,
    paused,
    totalsA: pass.totalD.map((d) => d / 10) as PerPhase,
    budgetA: prep.budgetD.map((d) => d / 10) as PerPhase,
    mode: insufficient ? 'insufficient' : prep.capped || pass.capped ? 'capped' : 'normal',
    phases,
    turns,
  };
}

const spread = (d: PerPhase): number => Math.max(...d) - Math.min(...d);
/** Resources of a 1-phase session on each grid phase: the phase and its imbalance bound. */
const RES1: ReadonlyArray<readonly number[]> = [[0, 3], [1, 4], [2, 5]];

/** Rule 1 and the ranking: what does not depend on the budget. */
function prepare(input: AllocationInput): Prepared {
  const { connectors, now } = input;
  const n = connectors.length;
  const site = input.siteCapA === undefined ? Infinity : input.siteCapA;
  const budgetD = input.budgetA.map((b) => deciDown(Math.min(b, site))) as PerPhase;
  const siteBinds = input.budgetA.map((b) => site < b);
  const minD = Math.max(1, Math.ceil(input.minCurrentA * 10 - EPS));
  const upperD = new Array<number>(n).fill(0);
  const excluded: Paused[] = [];
  let capped = false;
  const candidates: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = connectors[i]!;
    if (!c.charging) continue;
    const cap = c.capA === undefined ? Infinity : c.capA;
    upperD[i] = deciDown(Math.min(c.maxCurrentA, cap));
    const reason: PauseReason | null = !validPhases(c.gridPhases) || (c.phaseSwitch && c.gridPhases.length !== 3) ? 'invalid-phases'
      : deciDown(c.maxCurrentA) < minD ? 'max-below-minimum' : upperD[i]! < minD ? 'cap-below-minimum' : null;
    if (reason === 'cap-below-minimum') capped = true;
    if (reason) excluded.push({ key: c.key, reason, since: c.paused?.since ?? now });
    else candidates.push(i);
  }
  // Ties (same priority, same key) keep input order: candidates is ascending.
  const key = new Float64Array(n);
  for (const i of candidates) key[i] = queueKey(connectors[i]!, now, input.rotationMs);
  candidates.sort((a, b) => connectors[b]!.priority - connectors[a]!.priority || key[a]! - key[b]! || a - b);
  return { input, budgetD, siteBinds, minD, upperD, ranked: candidates, excluded, capped };
}

/**
 * Rules 2-4 under per-phase bounds for sessions on fewer than three phases (rule 5):
 * resources 0-2 are the grid phases, 3-5 those bounds.
 */
function fill(prep: Prepared, partialCapD: PerPhase): Pass {
  const { input, budgetD, minD, upperD, siteBinds } = prep;
  const { connectors, now } = input;
  const n = connectors.length;
  const limitD = new Array<number>(n).fill(0);
  // A switchable session not admitted keeps the phase count it has.
  const phasesOf: Array<readonly GridPhase[]> = connectors.map((c) => (c.phaseSwitch?.phases === 1 ? [c.gridPhases[0]!] : c.gridPhases));
  const paused: Paused[] = [];
  const budget = [...budgetD, ...partialCapD];
  // Resources a phase set uses: its phases, and for fewer than three the imbalance bounds too.
  const resOf = (ph: readonly GridPhase[]): readonly number[] => (ph.length === 3 ? ph : ph.length === 1 ? RES1[ph[0]!]! : [...ph, ...ph.map((p) => 3 + p)]);
  const resIdx: Array<readonly number[]> = new Array(n);
  const count = [0, 0, 0, 0, 0, 0];
  const fits = (res: readonly number[]): boolean => {
    for (const r of res) if ((count[r]! + 1) * minD > budget[r]!) return false;
    return true;
  };
  const gridFits = (ph: readonly GridPhase[]): boolean => fits(ph);
  const admitted: number[] = [];
  for (const i of prep.ranked) {
    const c = connectors[i]!;
    const sw = c.phaseSwitch;
    // Rule 6: which phase counts to try, the present one first unless going back to three.
    const options: Array<readonly GridPhase[]> = !sw ? [c.gridPhases]
      : sw.mayChange ? [c.gridPhases, [c.gridPhases[0]!]] : [sw.phases === 1 ? [c.gridPhases[0]!] : c.gridPhases];
    let chosen: readonly GridPhase[] | undefined;
    for (const ph of options) {
      if (fits(resOf(ph))) {
        chosen = ph;
        break;
      }
    }
    const pause = (reason: PauseReason) => paused.push({ key: c.key, reason, since: c.paused?.since ?? now });
    if (!chosen) {
      const room = options.some(gridFits);
      if (room) pause('unbalance');
      // One that yielded its turn says so for as long as it waits for the room back.
      else pause((c.runningSince !== undefined && isDue(c.runningSince, now, input.rotationMs)) || c.paused?.reason === 'rotated' ? 'rotated' : 'no-room');
    } else if (c.paused !== undefined && heldFor(now - c.paused.since, input.minPauseMs)) pause('min-pause');
    else {
      phasesOf[i] = chosen;
      resIdx[i] = resOf(chosen);
      admitted.push(i);
      for (const r of resIdx[i]!) count[r]!++;
    }
  }

  // Rule 4: water-filling among the admitted, over all six resources.
  const byRes: number[][] = [[], [], [], [], [], []];
  for (const i of admitted) for (const r of resIdx[i]!) byRes[r]!.push(i);
  const byUpper = sortByIntKey(admitted, (i) => upperD[i]!);
  const used = [0, 0, 0, 0, 0, 0];
  const active = [...count];
  const frozen = new Uint8Array(n);
  let capped = false;
  const freeze = (i: number, d: number): void => {
    frozen[i] = 1;
    limitD[i] = d;
    for (const r of resIdx[i]!) {
      used[r]! += d;
      active[r]!--;
    }
  };
  for (let next = 0; ; ) {
    while (next < byUpper.length && frozen[byUpper[next]!]) next++;
    if (next === byUpper.length) break;
    // The level every still-rising connector can reach before some resource runs out.
    // Floored: integer operands below 2^53, so the floor of the quotient is exact.
    let level = Infinity;
    let tightest = -1;
    for (let r = 0; r < 6; r++) {
      if (active[r] === 0) continue;
      const l = Math.floor((budget[r]! - used[r]!) / active[r]!);
      if (l < level) {
        level = l;
        tightest = r;
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
      for (const j of byRes[tightest]!) if (!frozen[j]) freeze(j, Math.min(level, upperD[j]!));
    }
  }
  const totalD: PerPhase = [0, 0, 0];
  const partialD: PerPhase = [0, 0, 0];
  for (const i of admitted) {
    const ph = phasesOf[i]!;
    for (const p of ph) {
      totalD[p] += limitD[i]!;
      if (ph.length < 3) partialD[p] += limitD[i]!;
    }
  }
  return { limitD, phasesOf, paused, partialD, totalD, capped };
}
