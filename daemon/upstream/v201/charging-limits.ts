// Telling a 2.0.1 cloud when the site's own balancer, not the cloud, is what limits a
// charging session: NotifyChargingLimit with source EMS while the balancer gives an EVSE
// with a running transaction at least MARGIN_A less than the cloud allows it (its profiles,
// the charger's maximum), ClearedChargingLimit once that is over. 1.6 has no such message
// (a 1.6 cloud sees the effect in MeterValues only). Best effort, never queued: after a
// reconnect the current state is said again. Quiet by design: a limit that moves is said
// again only when it moved by MARGIN_A and at most every REPEAT_MS per EVSE; a session
// paused (0 A) or resumed is said at once.

export const MARGIN_A = 1;
export const REPEAT_MS = 60_000;

export interface EvseLimit {
  k: number;
  /** A transaction runs there. */
  running: boolean;
  /** What the balancer gives the EVSE now (A per phase); undefined when it does not manage it. */
  balancerA: number | undefined;
  /** What the cloud allows it (A per phase): its profiles and the charger's maximum. */
  allowedA: number;
}

export interface Reported {
  limitA: number;
  at: number;
}

export type LimitMessage =
  | { action: 'NotifyChargingLimit'; k: number; limitA: number }
  | { action: 'ClearedChargingLimit'; k: number };

/** Pure: what to tell the cloud now, given what it was told (per EVSE) and the limits now. */
export function limitMessages(told: ReadonlyMap<number, Reported>, now: readonly EvseLimit[], at: number): LimitMessage[] {
  const out: LimitMessage[] = [];
  const seen = new Set<number>();
  for (const e of now) {
    seen.add(e.k);
    const limited = e.running && e.balancerA !== undefined && e.balancerA <= e.allowedA - MARGIN_A;
    const before = told.get(e.k);
    if (limited) {
      const limitA = Math.floor(e.balancerA! * 10) / 10;
      // Paused (0 A) ↔ charging is always said at once; other moves at most every REPEAT_MS.
      const pauseChanged = before !== undefined && (before.limitA === 0) !== (limitA === 0);
      if (!before || pauseChanged || (Math.abs(before.limitA - limitA) >= MARGIN_A && at - before.at >= REPEAT_MS)) out.push({ action: 'NotifyChargingLimit', k: e.k, limitA });
    } else if (before) {
      out.push({ action: 'ClearedChargingLimit', k: e.k });
    }
  }
  for (const k of told.keys()) if (!seen.has(k)) out.push({ action: 'ClearedChargingLimit', k });
  return out;
}

export function limitPayload(m: LimitMessage): unknown {
  if (m.action === 'ClearedChargingLimit') return { chargingLimitSource: 'EMS', evseId: m.k };
  return {
    chargingLimit: { chargingLimitSource: 'EMS', isGridCritical: false },
    evseId: m.k,
    chargingSchedule: [{ id: m.k, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: m.limitA }] }],
  };
}

export interface LimitReporterDeps {
  evses: () => EvseLimit[];
  online: () => boolean;
  send: (action: string, payload: unknown) => void;
  now: () => number;
  intervalMs?: number;
}

/** Looks every few seconds (the balancer refreshes its limits every few seconds too) and reports changes. */
export class LimitReporter {
  private readonly told = new Map<number, Reported>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly d: LimitReporterDeps) {}

  start(): void {
    this.timer = setInterval(() => this.check(), this.d.intervalMs ?? 5000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** A new cloud session knows nothing of what the last one was told. */
  reconnected(): void {
    this.told.clear();
  }

  check(): void {
    if (!this.d.online()) return;
    const at = this.d.now();
    for (const m of limitMessages(this.told, this.d.evses(), at)) {
      if (m.action === 'NotifyChargingLimit') this.told.set(m.k, { limitA: m.limitA, at });
      else this.told.delete(m.k);
      this.d.send(m.action, limitPayload(m));
    }
  }
}
