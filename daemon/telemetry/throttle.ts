// Per-key rate limit with a trailing edge: the first hit fires at once, hits
// within `minMs` of the last fire collapse into one fire when the interval ends.
// So a value that changes every second is published every `minMs` and its final
// state is never lost. One timer per key, only while a fire is pending.
export class Throttle {
  private readonly last = new Map<string, number>();
  private readonly pending = new Map<string, NodeJS.Timeout>();

  constructor(private readonly minMs: number, private readonly now: () => number = Date.now) {}

  hit(key: string, fire: () => void): void {
    if (this.minMs <= 0) return fire();
    if (this.pending.has(key)) return;
    const wait = (this.last.get(key) ?? -Infinity) + this.minMs - this.now();
    if (wait <= 0) {
      this.last.set(key, this.now());
      return fire();
    }
    const timer = setTimeout(() => {
      this.pending.delete(key);
      this.last.set(key, this.now());
      fire();
    }, wait);
    // Telemetry must never be the reason the process stays up.
    timer.unref();
    this.pending.set(key, timer);
  }

  /** Forgets a key (e.g. a charger that went away); a pending fire is cancelled. */
  forget(key: string): void {
    clearTimeout(this.pending.get(key));
    this.pending.delete(key);
    this.last.delete(key);
  }

  clear(): void {
    for (const t of this.pending.values()) clearTimeout(t);
    this.pending.clear();
    this.last.clear();
  }
}
