// What `site-controller status` shows: one JSON snapshot of the running site,
// built from the services' own state. Pure over its inputs.
import type { ChargerRegistry } from '../local/registry.js';
import type { ChargerConfig } from '../config/types.js';
import type { Upstream } from '../upstream/index.js';
import type { MeterReadError } from '../balancer/meter-service.js';
import { withChecked } from '../health/checked.js';

/** What the status needs of the meter's polling service (the balancer's MeterService). */
export interface MeterStatusSource {
  readonly stale: boolean;
  readonly lastGoodAt: number | null;
  readonly lastError: MeterReadError | null;
  readonly counters: { reads: number; failures: number };
}

export interface SnapshotSources {
  siteId: string;
  startedAt: number;
  now: () => number;
  chargers: ChargerConfig[];
  registry: ChargerRegistry;
  upstream?: Upstream;
  balancer?: { state(): unknown; meterService?: MeterStatusSource };
  health?: { results(): Record<string, unknown>; names?: string[]; skipped?(): Record<string, string> };
  telemetry?: { stats(): unknown; connected: boolean };
  store?: { fault: unknown };
  /** The grid connection's limits (site.grid), shown beside the meter's figures. */
  grid?: { maxCurrentA: number; safetyMarginA: number; nominalVoltageV: number; maxUnbalanceA?: number };
  /** The stored transaction behind a connector's transactionId: its tag, start and meter start. */
  transaction?: (id: number) => { id_tag: string; started_at: string; meter_start_wh: number } | undefined;
  /** The recent events (newest first), as MQTT `events` carries them. */
  events?: { recent(limit?: number): unknown[] };
}

const iso = (ms: number | null | undefined) => (typeof ms === 'number' && Number.isFinite(ms) ? new Date(ms).toISOString() : null);

/** Timings to 0.1 ms: a difference of two clock readings carries float noise (14.900000000000006). */
export function roundTimings<T extends object>(o: T): T {
  const out = { ...o } as Record<string, unknown>;
  for (const [k, v] of Object.entries(out)) if (/Ms$/.test(k) && typeof v === 'number') out[k] = Math.round(v * 10) / 10;
  return out as T;
}

/** The meter as an operator asks about it: fresh or not, and the last read error in `probe meter`'s words. */
export function meterStatus(m: MeterStatusSource): Record<string, unknown> {
  const e = m.lastError;
  return {
    stale: m.stale, lastSampleAt: iso(m.lastGoodAt), lastError: e?.reason ?? null, lastErrorSince: iso(e?.since), lastErrorAt: iso(e?.at),
    reads: m.counters.reads, failures: m.counters.failures,
  };
}

/** Every check, including those that have not run yet or that the config leaves out, each with `checked`. */
export function healthStatus(h: NonNullable<SnapshotSources['health']>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, r] of Object.entries(h.results())) out[name] = withChecked(name, r as Record<string, unknown>);
  for (const name of h.names ?? []) if (!(name in out)) out[name] = { checked: false, reason: 'not run yet', alarm: null };
  for (const [name, why] of Object.entries(h.skipped?.() ?? {})) if (!(name in out)) out[name] = { checked: false, reason: why, alarm: null };
  return out;
}

/** The session on a connector: tag, start, and the energy charged so far (register minus the start's). */
function sessionOf(s: SnapshotSources, txId: number | null | undefined, registerWh: number | null | undefined): Record<string, unknown> | null {
  if (txId == null || !s.transaction) return null;
  const row = s.transaction(txId);
  if (!row) return null;
  return { idTag: row.id_tag, startedAt: row.started_at, energyWh: typeof registerWh === 'number' ? Math.max(0, registerWh - row.meter_start_wh) : null };
}

/** Events in the status (the page's "recent events"): enough for the last minutes of a site, small enough to push every update. */
export const RECENT_EVENTS = 30;

export function buildSnapshot(s: SnapshotSources): Record<string, unknown> {
  const now = s.now();
  const ids = new Set([...s.chargers.map((c) => c.id), ...s.registry.all().map((x) => x.id)]);
  const iso = (ms: number) => new Date(ms).toISOString();
  const chargers = [...ids].map((id) => {
    const session = s.registry.get(id);
    const refusal = s.registry.lastRefusal(id);
    const numberOf = (c: number) => s.upstream?.service.connectors.numberOf(id, c);
    return {
      id,
      configured: s.chargers.some((c) => c.id === id),
      connected: session?.rpc.isOpen ?? false,
      // The OCPP version of its session (the negotiated subprotocol): which dialect and which of docs/ocpp201.md's limits apply.
      protocol: session?.protocol,
      remote: session?.remoteAddress,
      connectedSinceS: session ? Math.round((now - session.connectedAt) / 1000) : undefined,
      lastSeenAgoS: session ? Math.round((now - session.lastSeenAt) / 1000) : undefined,
      vendor: session?.boot?.vendor,
      model: session?.boot?.model,
      firmware: session?.boot?.firmwareVersion,
      rateUnits: session?.capabilities?.rateUnits,
      // Why the charger was last turned away (wrong password, no common subprotocol, ...): kept after it connects, for the record.
      lastRefusal: refusal ? { ...refusal, at: iso(refusal.at) } : null,
      connectors: session
        ? [...session.connectors.entries()].filter(([c]) => c > 0).sort(([a], [b]) => a - b).map(([c, st]) => ({
            connector: c, cloudConnector: numberOf(c), status: st.status, errorCode: st.errorCode, transactionId: st.transactionId,
            currentA: st.live?.currentA, powerW: st.live?.powerW, energyWh: st.live?.energyWh,
            session: sessionOf(s, st.transactionId, st.live?.energyWh),
          }))
        : [],
    };
  });
  return {
    site: s.siteId,
    uptimeS: Math.round((now - s.startedAt) / 1000),
    grid: s.grid ?? null,
    store: s.store ? { fault: s.store.fault } : null,
    chargers,
    // Identities nobody configured (an installer's typo) and addresses blocked for failed logins.
    admission: {
      unknownChargers: s.registry.unknownChargers().map((u) => ({ ...u, firstAt: iso(u.firstAt), lastAt: iso(u.lastAt) })),
      blocked: s.registry.blockedAddresses(now).map((b) => ({ address: b.address, until: iso(b.until), refusedWhileBlocked: b.refusedWhileBlocked })),
    },
    upstream: s.upstream
      ? { ...roundTimings(s.upstream.service.state()), attempts: s.upstream.service.diagnostics(5).map(roundTimings), undeliverableMessages: s.upstream.service.outbox.undeliverable().slice(-5).map((r) => ({ seq: r.seq, action: r.action, error: r.lastError })) }
      : null,
    balancer: s.balancer ? s.balancer.state() : null,
    meter: s.balancer?.meterService ? meterStatus(s.balancer.meterService) : null,
    health: s.health ? healthStatus(s.health) : null,
    telemetry: s.telemetry ? { connected: s.telemetry.connected, ...(s.telemetry.stats() as object) } : null,
    events: s.events ? s.events.recent(RECENT_EVENTS) : [],
  };
}
