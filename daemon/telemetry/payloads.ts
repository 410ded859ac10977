// JSON payloads of the telemetry topics. Pure functions of the daemon's state, so
// the README's examples and the tests agree with what is really sent. Every
// payload carries `ts` (ISO 8601, UTC): the time the facts are as of.
import type { MeterReading } from '../../drivers/meters/types.js';
import type { ChargerSession, ConnectorState } from '../local/session.js';
import type { Refusal } from '../local/admission.js';

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null | undefined) => (ms == null || !Number.isFinite(ms) ? null : iso(ms));

export interface ChargerSnapshot {
  ts: string;
  id: string;
  connected: boolean;
  /** The OCPP version of its current or last session (the WebSocket subprotocol, e.g. 'ocpp2.0.1'); null: never connected since start. */
  protocol: string | null;
  connectedAt: string | null;
  lastSeenAt: string | null;
  vendor: string | null;
  model: string | null;
  firmwareVersion: string | null;
  connectors: Record<string, ConnectorSnapshot>;
  /** Why the charger was last refused at admission (null: never since start). */
  lastRefusal: (Omit<Refusal, 'at'> & { at: string }) | null;
}

export interface ConnectorSnapshot {
  status: string;
  errorCode: string;
  transactionId: number | null;
  /** Per-phase current drawn (A), as the charger's own L1..L3; null where not reported. */
  currentA: [number | null, number | null, number | null] | null;
  powerW: number | null;
  energyWh: number | null;
  offeredA: number | null;
  /** When the live figures were sampled by the charger. */
  measuredAt: string | null;
  updatedAt: string;
}

function connectorSnapshot(c: ConnectorState): ConnectorSnapshot {
  const live = c.live;
  return {
    status: c.status,
    errorCode: c.errorCode,
    transactionId: c.transactionId,
    currentA: live ? live.currentA : null,
    powerW: live?.powerW ?? null,
    energyWh: live?.energyWh ?? null,
    offeredA: live?.offeredA ?? null,
    measuredAt: live ? isoOrNull(live.ts || null) : null,
    updatedAt: iso(c.updatedAt),
  };
}

/** What a charger payload needs of a session; also what telemetry keeps of a closed one. */
export type ChargerLike = Pick<ChargerSession, 'connectors' | 'connectedAt' | 'lastSeenAt' | 'boot' | 'protocol'>;

/**
 * chargers/<id>: `session` is the charger's current or last session (undefined for
 * a configured charger that never connected since start); `connected` says which.
 */
export function chargerPayload(id: string, session: ChargerLike | undefined, connected: boolean, now: number, refusal?: Refusal): ChargerSnapshot {
  const connectors: Record<string, ConnectorSnapshot> = {};
  if (session) for (const [n, c] of [...session.connectors].sort((a, b) => a[0] - b[0])) connectors[String(n)] = connectorSnapshot(c);
  return {
    ts: iso(now),
    id,
    connected,
    protocol: session?.protocol ?? null,
    connectedAt: connected && session ? iso(session.connectedAt) : null,
    lastSeenAt: session ? iso(session.lastSeenAt) : null,
    vendor: session?.boot?.vendor ?? null,
    model: session?.boot?.model ?? null,
    firmwareVersion: session?.boot?.firmwareVersion ?? null,
    connectors,
    lastRefusal: refusal ? { ...refusal, at: iso(refusal.at) } : null,
  };
}

export interface StatusPayload {
  ts: string;
  state: 'online' | 'offline';
  /** When this connection to the broker was made. */
  since?: string;
  /** Events dropped since the daemon started because the bounded queue was full. */
  droppedEvents: number;
  /** Connections made to the broker since start (1 = never reconnected). */
  connects: number;
  reason?: string;
}

export function statusPayload(state: 'online' | 'offline', now: number, extra: { since?: number; droppedEvents: number; connects: number; reason?: string }): StatusPayload {
  const out: StatusPayload = { ts: iso(now), state, droppedEvents: extra.droppedEvents, connects: extra.connects };
  if (extra.since !== undefined) out.since = iso(extra.since);
  if (extra.reason !== undefined) out.reason = extra.reason;
  return out;
}

/**
 * A source's state() as a payload: objects are published as they are with `ts`
 * added (the source's own `ts` wins, numbers become ISO), anything else is wrapped.
 */
export function statePayload(state: unknown, now: number): Record<string, unknown> {
  if (state === null || typeof state !== 'object' || Array.isArray(state)) return { ts: iso(now), value: state ?? null };
  const out: Record<string, unknown> = { ...(state as Record<string, unknown>) };
  const ts = out.ts;
  out.ts = typeof ts === 'number' ? isoOrNull(ts) ?? iso(now) : typeof ts === 'string' ? ts : iso(now);
  return out;
}

export interface EventPayload {
  ts: string;
  /** alarm | cleared | info */
  type: string;
  /** Stable machine name, e.g. clock-unsynced, charger-disconnected, meter-stale. */
  code: string;
  /** Who raised it: health check name, balancer, upstream, local. */
  source: string;
  message: string;
  [extra: string]: unknown;
}

const KINDS = new Set(['alarm', 'cleared', 'info']);
/** Codes other services emit as a bare `type`, and what kind of event each is for a dashboard. */
const KNOWN_CODES: Record<string, 'alarm' | 'cleared'> = {
  'upstream-down': 'alarm',
  'upstream-up': 'cleared',
  'upstream-boot-rejected': 'alarm',
  'meter-lost': 'alarm',
  'meter-restored': 'cleared',
  'profile-rejected': 'alarm',
  'fallback-rejected': 'alarm',
  'fallback-unavailable': 'alarm',
  'charger-unbalanceable': 'alarm',
  'charger-refused': 'alarm',
  'charger-login-blocked': 'alarm',
  'meter-error': 'alarm',
  'connector-paused': 'alarm',
  'connector-resumed': 'cleared',
};

/**
 * Normalises whatever a source emits as an event into an EventPayload. Sources
 * may say `{ type: 'alarm', code: 'meter-stale' }` or just `{ type: 'upstream-down' }`;
 * either way the payload has a kind in `type` and a stable name in `code`.
 */
export function eventPayload(source: string, event: unknown, now: number): EventPayload {
  if (typeof event === 'string') return { ts: iso(now), type: 'info', code: `${source}-event`, source, message: event };
  const e = (event !== null && typeof event === 'object' ? event : { value: event }) as Record<string, unknown>;
  const base = statePayload(e, now);
  const rawType = typeof e.type === 'string' ? e.type : undefined;
  const code = typeof e.code === 'string' ? e.code : rawType && !KINDS.has(rawType) ? rawType : `${source}-event`;
  delete base.kind; // said in `type`
  return {
    ...base,
    ts: base.ts as string,
    // A source may say the kind itself (`kind`), e.g. the balancer's mode-changed: alarm into insufficient, cleared back to normal.
    type: rawType && KINDS.has(rawType) ? rawType : typeof e.kind === 'string' && KINDS.has(e.kind) ? e.kind : KNOWN_CODES[code] ?? 'info',
    code,
    source: typeof e.source === 'string' ? e.source : source,
    message: typeof e.message === 'string' ? e.message : typeof e.detail === 'string' ? e.detail : code,
  };
}

/** What the meter topic publishes: a grid meter sample as the driver reads it. */
export type MeterSample = MeterReading;

/** The last failed meter read, as the meter service keeps it (times in ms). */
export interface MeterErrorLike {
  reason: string;
  since: number;
  at: number;
}

/**
 * meter: the last good sample and whether it is stale (the balancer is then on its fallback
 * budget), and the last failed read in `probe meter`'s words (lastError, lastErrorSince,
 * lastErrorAt: present once a read has failed since the daemon started).
 */
export function meterPayload(last: MeterSample | null, stale: boolean, now: number, error: MeterErrorLike | null = null): Record<string, unknown> {
  const failure = error ? { lastError: error.reason, lastErrorSince: iso(error.since), lastErrorAt: iso(error.at) } : {};
  if (!last) return { ts: iso(now), stale: true, currentA: null, voltageV: null, powerW: null, importEnergyWh: null, ...failure };
  const out: Record<string, unknown> = {
    ts: iso(last.ts),
    stale,
    currentA: last.currentA,
    voltageV: last.voltageV,
    powerW: last.powerW,
    importEnergyWh: last.importEnergyWh,
  };
  if (last.phasePowerW) out.phasePowerW = last.phasePowerW;
  return { ...out, ...failure };
}
