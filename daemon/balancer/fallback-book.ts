// The dead man's switch shares of the whole site, step by step: fallbackShares() over the
// connected, managed chargers, with what chargers now offline were last given held against
// the budget (they keep their share on their own until they are back and told otherwise).
import { fallbackShares, type FallbackConnector } from './limits.js';
import { gridPhasesOf, type ChargerWiring, type PerPhase } from './phases.js';

export interface BookCharger {
  id: string;
  wiring: ChargerWiring & { maxCurrentA: number; priority: number };
  /** It takes profiles (configured, not unbalanceable, smartCharging not false). */
  managed: boolean;
  conns: ReadonlyArray<{ key: string; sessionStartedAt: number; session: boolean }>;
}

export class FallbackBook {
  /** Per charger: the phases it is wired to and the sum of its connectors' last shares, A. */
  private readonly last = new Map<string, { phases: readonly number[]; sumA: number }>();

  constructor(private readonly budgetA: number, private readonly minCurrentA: number) {}

  /** Shares per connector key for the chargers online now. */
  shares(online: readonly BookCharger[]): Map<string, number> {
    const list: FallbackConnector[] = [];
    const ids = new Set(online.map((c) => c.id));
    for (const c of online) {
      if (!c.managed) continue;
      for (const k of c.conns) list.push({ key: k.key, wiring: c.wiring, maxCurrentA: c.wiring.maxCurrentA, priority: c.wiring.priority, sessionStartedAt: k.sessionStartedAt, session: k.session });
    }
    const held: PerPhase = [0, 0, 0];
    for (const [id, h] of this.last) {
      if (ids.has(id)) continue;
      if (h.sumA === 0) this.last.delete(id);
      else for (const p of h.phases) held[p as 0 | 1 | 2] += h.sumA;
    }
    const out = fallbackShares(list, this.budgetA, this.minCurrentA, held);
    for (const c of online) {
      if (!c.managed) continue;
      this.last.set(c.id, { phases: gridPhasesOf(c.wiring), sumA: c.conns.reduce((sum, k) => sum + (out.get(k.key) ?? 0), 0) });
    }
    return out;
  }
}
