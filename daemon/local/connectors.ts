// Which connectorIds a charger may use, and the connector state restored from the
// store when a charger connects. Pure: the handlers and the connect step call these.
import type { ConnectorState } from './session.js';

/**
 * A charger admitted by allowUnknownChargers may use connectors 1..8 until it has told
 * us its NumberOfConnectors: more than any AC post we know of, and small enough that a
 * garbage id cannot create rows (and cloud connector numbers) without end.
 */
export const UNKNOWN_CHARGER_MAX_CONNECTORS = 8;
/** A reported NumberOfConnectors above this is taken for garbage (the bound above applies). */
export const MAX_REPORTED_CONNECTORS = 64;

/** NumberOfConnectors from a charger's configuration keys; null when absent or not a sane count. */
export function numberOfConnectorsFrom(keys: Record<string, string> | null | undefined): number | null {
  const v = keys?.NumberOfConnectors;
  if (v === undefined || !/^\s*\d+\s*$/.test(v)) return null;
  const n = Number.parseInt(v, 10);
  return n >= 1 && n <= MAX_REPORTED_CONNECTORS ? n : null;
}

/** Charger-initiated messages that name a connector, and the least id each may use. */
const LEAST_ID = { StatusNotification: 0, MeterValues: 0, StartTransaction: 1 } as const;
export type ConnectorMessage = keyof typeof LEAST_ID;

/**
 * Why `connectorId` is not acceptable in `action` from a charger whose connectors are
 * 1..maxId (0 is the charger itself, or its main meter), or null when it is.
 */
export function connectorIdProblem(action: ConnectorMessage, connectorId: number, maxId: number): string | null {
  const least = LEAST_ID[action];
  if (Number.isSafeInteger(connectorId) && connectorId >= least && connectorId <= maxId) return null;
  return `${action}.connectorId ${connectorId} is outside this charger's connectors: valid ${least}..${maxId}`;
}

/** A car is there and wants current (SuspendedEV counts too: it may resume at any moment). */
const CHARGING = new Set(['Charging', 'SuspendedEV', 'SuspendedEVSE']);

/** A session may run on this connector: an open transaction, or a status that says a car draws or may. */
export function mayBeCharging(st: { status: string; transactionId: number | null } | undefined): boolean {
  return !!st && (st.transactionId !== null || CHARGING.has(st.status));
}

export interface StoredConnector {
  connector_id: number;
  status: string;
  error_code: string;
  updated_at: number;
}

export interface OpenTransaction {
  id: number;
  connector_id: number;
}

/**
 * The connector state a new connection starts from: last statuses and open transactions
 * as the store has them, every one unconfirmed (see ConnectorState.confirmed). Rows outside
 * 1..maxId are left out (connector 0, and rows stored before ids were checked). Of two open
 * transactions on one connector the newest is the live one.
 */
export function restoreConnectors(rows: readonly StoredConnector[], open: readonly OpenTransaction[], maxId: number, now: number): Map<number, ConnectorState> {
  const out = new Map<number, ConnectorState>();
  const get = (id: number): ConnectorState => {
    let c = out.get(id);
    if (!c) out.set(id, (c = { status: 'Unknown', errorCode: 'NoError', transactionId: null, live: undefined, updatedAt: now, confirmed: false }));
    return c;
  };
  const inRange = (id: number) => Number.isSafeInteger(id) && id >= 1 && id <= maxId;
  for (const r of rows) {
    if (!inRange(r.connector_id)) continue;
    const c = get(r.connector_id);
    c.status = r.status;
    c.errorCode = r.error_code;
    c.updatedAt = r.updated_at;
  }
  for (const tx of [...open].sort((a, b) => a.id - b.id)) if (inRange(tx.connector_id)) get(tx.connector_id).transactionId = tx.id;
  return out;
}

/**
 * What a car on a connector with a running transaction is doing, from the connector's status:
 * Charging, SuspendedEV, SuspendedEVSE, EVConnected (Preparing / Finishing), Idle (Available:
 * the cable is out); undefined when the status says nothing of it (Faulted, Unavailable, ...).
 * The names are OCPP 2.0.1's ChargingState, which a 2.0.1 cloud gets unchanged.
 */
export function chargingStateOf(status: string | undefined): string | undefined {
  switch (status) {
    case 'Charging': return 'Charging';
    case 'SuspendedEV': return 'SuspendedEV';
    case 'SuspendedEVSE': return 'SuspendedEVSE';
    case 'Preparing':
    case 'Finishing':
      return 'EVConnected';
    case 'Available': return 'Idle';
    default: return undefined;
  }
}
