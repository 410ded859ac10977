// When a new limit goes out, and the fallback shares of the dead man's switch. Pure.
import { gridPhasesOf, type ChargerWiring, type PerPhase } from './phases.js';
import { allocate } from './allocate.js';

/**
 * Whole amperes, rounded down. Chargers' PWM cannot set finer steps reliably, and
 * whole amps keep meter noise of a few tenths from producing a profile per sample.
 * A limit whose floor would fall under a fractional minimum (6.5 A) keeps its tenths.
 */
export function quantizeLimit(limitA: number, minCurrentA: number): number {
  if (!(limitA > 0)) return 0;
  const whole = Math.floor(limitA + 1e-9);
  return whole >= minCurrentA ? whole : Math.floor(limitA * 10 + 1e-9) / 10;
}

export interface LimitHistory {
  /** The limit last decided for this slot (sent or being sent), A. */
  limitA: number;
  /** When it was decided, ms. */
  changedAt: number;
}

export interface LimitRules {
  /** An increase waits this long after the slot's previous change. */
  increaseIntervalMs: number;
  /** Smaller increases are not sent at all. */
  minIncreaseA: number;
}

export type LimitReason = 'first' | 'decrease' | 'increase' | 'hold';

/**
 * The limit a slot should carry now. Decreases at once, whatever their size (the
 * fuse does not wait); increases only when they are worth a profile (≥ minIncreaseA)
 * and the previous change is old enough, so that a car is not stepped up and down
 * every second while the others' draw settles. Holding a lower limit than wanted
 * is always safe: the allocation's per-phase sums only shrink.
 */
export function decideLimit(prev: LimitHistory | null, wantA: number, now: number, rules: LimitRules): { limitA: number; reason: LimitReason } {
  if (prev === null) return { limitA: wantA, reason: 'first' };
  if (wantA < prev.limitA) return { limitA: wantA, reason: 'decrease' };
  const step = wantA - prev.limitA;
  if (step >= rules.minIncreaseA - 1e-9 && now - prev.changedAt >= rules.increaseIntervalMs) return { limitA: wantA, reason: 'increase' };
  return { limitA: prev.limitA, reason: 'hold' };
}

export interface FallbackConnector {
  /** "chargerId/connectorId" */
  key: string;
  wiring: ChargerWiring;
  maxCurrentA: number;
  priority: number;
  sessionStartedAt: number;
  /** A session runs there (or may: restored, unconfirmed): it needs a share. */
  session: boolean;
}

/**
 * The dead man's switch: each connector's fallback current, A, such that every connector
 * drawing its share at once (the controller is gone, nobody watches) stays within `budgetA`
 * on every grid phase. Only connectors with a session share the budget; idle ones get 0, and
 * the shares are re-sent when sessions start and stop. A car is counted on every phase its
 * charger is wired to (its real phase count may change, and a W switch is sized for one
 * phase, so a 3-phase car may take the share on all three). When the budget cannot give
 * everyone the minimum, the allocator's rules decide (priority, then the older session)
 * and the rest get 0: a share between 0 and the minimum would stop the car anyway.
 * `heldA`: per grid phase, shares still standing on chargers that cannot be told (offline).
 */
export function fallbackShares(connectors: readonly FallbackConnector[], budgetA: number, minCurrentA: number, heldA: PerPhase = [0, 0, 0]): Map<string, number> {
  const res = allocate({
    budgetA: heldA.map((h) => Math.max(0, budgetA - h)) as PerPhase,
    minCurrentA,
    connectors: connectors.map((c) => ({
      key: c.key, gridPhases: gridPhasesOf(c.wiring), maxCurrentA: c.maxCurrentA, priority: c.priority,
      sessionStartedAt: c.sessionStartedAt, charging: c.session,
    })),
    now: 0,
    minPauseMs: 0,
  });
  return res.limitsA;
}
