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

export class PhaseSwitchLog {
  private readonly m = new Map<string, SwitchState>();

  constructor(private readonly rules: SwitchRules) {}

  /** What the allocator needs for a session on a switchable charger. */
  view(key: string, now: number): { phases: 1 | 3; mayChange: boolean } {
    const s = this.m.get(key) ?? { phases: 3, lastSwitchAt: -Infinity, switches: 0 };
    return { phases: s.phases, mayChange: maySwitch(s, now, this.rules) };
  }

  /** The phase count decided for it; true when that is a switch. */
  apply(key: string, phases: 1 | 3, now: number): boolean {
    const s = this.m.get(key) ?? { phases: 3, lastSwitchAt: -Infinity, switches: 0 };
    this.m.set(key, s);
    if (s.phases === phases) return false;
    s.phases = phases;
    s.lastSwitchAt = now;
    s.switches++;
    return true;
  }

  /** The session ended: the next one starts on three phases with a fresh count. */
  end(key: string): void {
    this.m.delete(key);
  }

  get(key: string): SwitchState | undefined {
    return this.m.get(key);
  }
}
