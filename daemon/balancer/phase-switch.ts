// Phase switching hysteresis per session: a session may change between 3 phases and 1 at
// most every minIntervalMs and at most maxPerSession times (contactors wear, and some cars
// stop charging for a while after a switch). Pure rule plus a small per-session log.
export interface SwitchRules {
  minIntervalMs: number;
  maxPerSession: number;
}

export interface SwitchState {
  phases: 1 | 3;
  lastSwitchAt: number;
  switches: number;
}

/** Whether the session may switch now. The first switch of a session is not held back. */
export function maySwitch(s: SwitchState, now: number, rules: SwitchRules): boolean {
  return s.switches < rules.maxPerSession && (s.switches === 0 || now - s.lastSwitchAt >= rules.minIntervalMs);
}

/** Where a session's history outlives the process (switch-store.ts); keyed by its transaction. */
export interface SwitchPersistence {
  load(transactionId: number): SwitchState | undefined;
  save(transactionId: number, s: SwitchState): void;
  forget(transactionId: number): void;
}

type Entry = SwitchState & { transactionId: number | null };

export class PhaseSwitchLog {
  private readonly m = new Map<string, Entry>();

  constructor(private readonly rules: SwitchRules, private readonly persist?: SwitchPersistence) {}

  /** What the allocator needs for a session on a switchable charger (transactionId: the session's, to find its history after a restart). */
  view(key: string, now: number, transactionId: number | null = null): { phases: 1 | 3; mayChange: boolean } {
    const s = this.entry(key, transactionId);
    return { phases: s.phases, mayChange: maySwitch(s, now, this.rules) };
  }

  /** The phase count decided for it; true when that is a switch. */
  apply(key: string, phases: 1 | 3, now: number, transactionId: number | null = null): boolean {
    const s = this.entry(key, transactionId);
    const previous = this.m.get(key);
    // Another session on the connector since the last step: the one before has ended.
    if (previous && previous !== s && previous.transactionId !== null && previous.switches > 0) this.persist?.forget(previous.transactionId);
    this.m.set(key, s);
    if (s.phases === phases) return false;
    s.phases = phases;
    s.lastSwitchAt = now;
    s.switches++;
    if (s.transactionId !== null) this.persist?.save(s.transactionId, { phases: s.phases, lastSwitchAt: s.lastSwitchAt, switches: s.switches });
    return true;
  }

  /** The session ended: the next one starts on three phases with a fresh count. */
  end(key: string): void {
    const s = this.m.get(key);
    if (!s) return;
    this.m.delete(key);
    if (s.transactionId !== null && s.switches > 0) this.persist?.forget(s.transactionId);
  }

  get(key: string): SwitchState | undefined {
    return this.m.get(key);
  }

  /** The connector's session: the one in memory, else what a previous run stored for it, else a fresh one. */
  private entry(key: string, transactionId: number | null): Entry {
    const s = this.m.get(key);
    if (s && s.transactionId === transactionId) return s;
    const stored = transactionId !== null ? this.persist?.load(transactionId) : undefined;
    return { ...(stored ?? { phases: 3, lastSwitchAt: -Infinity, switches: 0 }), transactionId };
  }
}
