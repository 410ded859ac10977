// When a new limit goes out, and the fallback shares of the dead man's switch. Pure.
import { gridPhasesOf, type ChargerWiring } from './phases.js';

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

export interface FallbackCharger extends ChargerWiring {
  id: string;
  connectors: number;
  maxCurrentA: number;
}

/**
 * Each charger's fallback current, A per connector, such that every connector of
 * every charger drawing it at once stays within `budgetA` on each grid phase.
 * The dead man's switch cannot know which connectors will be in use when the
 * controller dies, so it assumes all of them. A share below the minimum current
 * becomes 0: a car cannot charge on less, and rounding it up would fail open.
 */
export function fallbackShares(chargers: readonly FallbackCharger[], budgetA: number, minCurrentA: number): Map<string, number> {
  const count = [0, 0, 0];
  const phasesOf = new Map<string, number[]>();
  for (const c of chargers) {
    const phases = gridPhasesOf(c);
    phasesOf.set(c.id, phases);
    for (const p of phases) count[p]! += c.connectors;
  }
  const out = new Map<string, number>();
  for (const c of chargers) {
    let share = c.maxCurrentA;
    for (const p of phasesOf.get(c.id)!) share = Math.min(share, budgetA / count[p]!);
    share = Math.floor(share * 10 + 1e-9) / 10;
    out.set(c.id, share >= minCurrentA ? share : 0);
  }
  return out;
}
