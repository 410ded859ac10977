// Transactions and the journal of transaction messages. Every method here is
// synchronous and meant to run inside CommitQueue.run(), so the caller's CALLRESULT
// goes out only after the row is on disk.
import { createHash, hash } from 'node:crypto';
import type { Db } from './db.js';

export interface TransactionRow {
  id: number;
  charger_id: string;
  connector_id: number;
  id_tag: string;
  auth_status: string;
  meter_start_wh: number;
  started_at: string;
  reservation_id: number | null;
  meter_stop_wh: number | null;
  stopped_at: string | null;
  stop_reason: string | null;
  stop_id_tag: string | null;
  created_at: number;
  stop_recorded_at: number | null;
  /** An OCPP 2.0.1 charger's own (string) id of this transaction; null for 1.6. */
  charger_tx_id: string | null;
}

export interface JournalEntry {
  seq: number;
  transactionId: number | null;
  chargerId: string;
  action: 'StartTransaction' | 'StopTransaction' | 'MeterValues';
  payload: unknown;
  receivedAt: number;
}

/** Called inside the same SQLite transaction as the journal insert (the upstream outbox hooks in here). */
export type JournalListener = (entry: JournalEntry) => void;

export interface StartInput {
  chargerId: string;
  connectorId: number;
  idTag: string;
  authStatus: string;
  meterStartWh: number;
  startedAt: string;
  reservationId?: number;
  /** A 2.0.1 charger's transactionId: the transaction is known by it from then on. */
  chargerTxId?: string;
  payload: unknown;
}

/** One 2.0.1 TransactionEvent as received (see recordChargerEvent). */
export interface ChargerEventInput {
  chargerId: string;
  chargerTxId: string;
  seqNo: number;
  eventType: string;
  payload: unknown;
}

/**
 * 'new': not seen before, recorded (apply it). 'duplicate': the same event again (a re-send:
 * answer, change nothing). 'conflict': its seqNo was applied with other content (kept for audit only).
 */
export type ChargerEventVerdict = 'new' | 'duplicate' | 'conflict';

export interface StopInput {
  chargerId: string;
  transactionId: number;
  idTag?: string;
  meterStopWh: number;
  stoppedAt: string;
  reason?: string;
  payload: unknown;
}

/** How many of a transaction's newest journal rows a re-sent MeterValues is looked for in. */
const RESEND_WINDOW = 8;
/** Open transactions whose newest keys are kept in memory; the oldest entry goes first beyond this. */
const MAX_CACHED_TRANSACTIONS = 10_000;

export class TransactionRepository {
  private readonly listeners: JournalListener[] = [];
  private readonly recentByTx = new Map<number, Array<string | null>>();
  private readonly q;

  constructor(db: Db, private readonly now: () => number = Date.now) {
    this.q = {
      findStart: db.prepare(`SELECT * FROM transactions WHERE charger_id = ? AND connector_id = ? AND started_at = ?
        AND meter_start_wh = ? AND id_tag = ? ORDER BY id DESC LIMIT 1`),
      insert: db.prepare(`INSERT INTO transactions (charger_id, connector_id, id_tag, auth_status, meter_start_wh, started_at, reservation_id, created_at, charger_tx_id)
        VALUES (@chargerId, @connectorId, @idTag, @authStatus, @meterStartWh, @startedAt, @reservationId, @createdAt, @chargerTxId)`),
      byChargerTx: db.prepare('SELECT * FROM transactions WHERE charger_id = ? AND charger_tx_id = ?'),
      chargerTxIdOf: db.prepare('SELECT charger_tx_id FROM transactions WHERE id = ?').pluck(),
      eventAt: db.prepare('SELECT content_key FROM charger_tx_events WHERE charger_id = ? AND charger_tx_id = ? AND seq_no = ? AND applied = 1').pluck(),
      lastSeqNo: db.prepare('SELECT MAX(seq_no) FROM charger_tx_events WHERE charger_id = ? AND charger_tx_id = ? AND applied = 1').pluck(),
      recordEvent: db.prepare(`INSERT INTO charger_tx_events (charger_id, charger_tx_id, seq_no, event_type, transaction_id, content_key, payload, received_at, applied)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      eventTx: db.prepare('UPDATE charger_tx_events SET transaction_id = ? WHERE id = ?'),
      get: db.prepare('SELECT * FROM transactions WHERE id = ?'),
      owner: db.prepare('SELECT charger_id FROM transactions WHERE id = ?').pluck(),
      stop: db.prepare(`UPDATE transactions SET meter_stop_wh = ?, stopped_at = ?, stop_reason = ?, stop_id_tag = ?, stop_recorded_at = ?
        WHERE id = ? AND stopped_at IS NULL`),
      journal: db.prepare(`INSERT INTO transaction_messages (transaction_id, charger_id, action, payload, received_at, content_key, forwarded)
        VALUES (?, ?, ?, ?, ?, ?, ?)`),
      // The newest rows of a transaction (index transaction_messages_tx); for unknown transactions, of the charger.
      recentKeys: db.prepare(`SELECT content_key FROM transaction_messages WHERE transaction_id = ? ORDER BY seq DESC LIMIT ${RESEND_WINDOW}`).pluck(),
      recentOrphanKeys: db.prepare(`SELECT content_key FROM transaction_messages WHERE transaction_id IS NULL AND charger_id = ? ORDER BY seq DESC LIMIT ${RESEND_WINDOW}`).pluck(),
      open: db.prepare('SELECT * FROM transactions WHERE charger_id = ? AND stopped_at IS NULL ORDER BY id'),
      messages: db.prepare('SELECT * FROM transaction_messages WHERE transaction_id IS ? ORDER BY seq'),
    };
  }

  onJournal(listener: JournalListener): void {
    this.listeners.push(listener);
  }

  /**
   * Appends to the journal. `forward: false` keeps the row for audit only: the listeners
   * (the upstream outbox) never see it, so it can never reach the cloud.
   */
  private journal(transactionId: number | null, chargerId: string, action: JournalEntry['action'], payload: unknown,
    opts: { contentKey?: string; forward?: boolean } = {}): void {
    const receivedAt = this.now();
    const forward = opts.forward ?? true;
    const info = this.q.journal.run(transactionId, chargerId, action, JSON.stringify(payload), receivedAt, opts.contentKey ?? null, forward ? 1 : 0);
    if (!forward) return;
    const entry: JournalEntry = { seq: Number(info.lastInsertRowid), transactionId, chargerId, action, payload, receivedAt };
    for (const l of this.listeners) l(entry);
  }

  /**
   * Records a StartTransaction. A charger that never got our answer (we crashed
   * between commit and send) retries with the same content: it gets the same id back.
   */
  start(input: StartInput): { id: number; duplicate: boolean } {
    if (input.chargerTxId !== undefined) {
      // A 2.0.1 transaction is the charger's id: one row per (charger, transactionId), ever.
      const known = this.byChargerTx(input.chargerId, input.chargerTxId);
      if (known) return { id: known.id, duplicate: true };
    }
    const dup = input.chargerTxId !== undefined ? undefined : this.q.findStart.get(input.chargerId, input.connectorId, input.startedAt, input.meterStartWh, input.idTag) as TransactionRow | undefined;
    if (dup) return { id: dup.id, duplicate: true };
    const info = this.q.insert.run({
      chargerId: input.chargerId, connectorId: input.connectorId, idTag: input.idTag, authStatus: input.authStatus, meterStartWh: input.meterStartWh,
      startedAt: input.startedAt, reservationId: input.reservationId ?? null, createdAt: this.now(), chargerTxId: input.chargerTxId ?? null,
    });
    const id = Number(info.lastInsertRowid);
    this.journal(id, input.chargerId, 'StartTransaction', input.payload);
    return { id, duplicate: false };
  }

  /**
   * Records a StopTransaction; unknown ids are journalled too (transaction_id NULL), never refused.
   * A transaction ends once: a retried Stop (same end) is not journalled again, and a
   * conflicting second Stop (other time or meter reading) is kept for audit only and never
   * forwarded, since the cloud must not see two ends of one transaction (`conflict`).
   */
  stop(input: StopInput): { known: boolean; duplicate: boolean; conflict: boolean } {
    const row = this.q.get.get(input.transactionId) as TransactionRow | undefined;
    if (!row || row.charger_id !== input.chargerId) {
      this.journal(null, input.chargerId, 'StopTransaction', input.payload);
      return { known: false, duplicate: false, conflict: false };
    }
    if (row.stopped_at !== null) {
      const same = row.stopped_at === input.stoppedAt && row.meter_stop_wh === input.meterStopWh;
      if (!same) this.journal(row.id, input.chargerId, 'StopTransaction', input.payload, { forward: false });
      return { known: true, duplicate: same, conflict: !same };
    }
    this.q.stop.run(input.meterStopWh, input.stoppedAt, input.reason ?? null, input.idTag ?? null, this.now(), row.id);
    this.recentByTx.delete(row.id);
    this.journal(row.id, input.chargerId, 'StopTransaction', input.payload);
    return { known: true, duplicate: false, conflict: false };
  }

  /**
   * Records transaction MeterValues. A charger re-sends a MeterValues it got no answer for
   * (OCPP 1.6 §4.7), also when we committed it and died before answering: the same charger,
   * transaction, timestamps and values are recognised by their content key and not journalled
   * again (`duplicate`). With one outstanding CALL per charger, the message it re-sends is the
   * newest it sent for that transaction, so the newest few rows of the transaction are compared
   * (one range read on an existing index: a unique index over every key of the journal cost
   * ~30 % of the peak message rate in B-tree maintenance).
   */
  meterValues<P extends { meterValue: unknown }>(chargerId: string, transactionId: number, payload: P): { known: boolean; duplicate: boolean; contentKey: string } {
    const known = this.q.owner.get(transactionId) === chargerId;
    // A 2.0.1 charger's readings as it sent them, when the model carries them (they may say what 1.6 cannot).
    const contentKey = meterValuesKey(chargerId, transactionId, (payload as { extra?: { meterValue201?: unknown } }).extra?.meterValue201 ?? payload.meterValue);
    const recent = known ? this.recentKeysOf(transactionId) : (this.q.recentOrphanKeys.all(chargerId) as Array<string | null>);
    if (recent.includes(contentKey)) return { known, duplicate: true, contentKey };
    this.journal(known ? transactionId : null, chargerId, 'MeterValues', payload, { contentKey });
    return { known, duplicate: false, contentKey };
  }

  /**
   * Records that a running transaction changed without new readings: a 1.6 charger's status
   * moving between Charging / SuspendedEV / SuspendedEVSE / EVConnected, a 2.0.1 charger's Updated
   * event without meter values. Journalled as a MeterValues with no readings and the news in
   * `extra`: a 2.0.1 cloud gets it as its own Updated event (ChargingStateChanged, or the charger's
   * trigger). Callers journal it only behind a 2.0.1 cloud; should one reach a 1.6 cloud after a
   * protocol change, it is no call. No re-send check: callers apply it once (a status that
   * changed; an event new by its seqNo).
   */
  stateChange(chargerId: string, transactionId: number, connectorId: number, extra: Record<string, unknown>): void {
    this.journal(transactionId, chargerId, 'MeterValues', { connectorId, transactionId, meterValue: [], extra });
  }

  /**
   * The newest content keys of a transaction: read from the store once per transaction and
   * process, then kept in memory (the read was most of the cost of the re-send check at peak).
   * Only committed keys go in (see committed()), so a rolled-back write never hides a re-send.
   */
  private recentKeysOf(transactionId: number): ReadonlyArray<string | null> {
    let keys = this.recentByTx.get(transactionId);
    if (!keys) {
      keys = this.q.recentKeys.all(transactionId) as Array<string | null>;
      if (this.recentByTx.size >= MAX_CACHED_TRANSACTIONS) this.recentByTx.delete(this.recentByTx.keys().next().value!);
      this.recentByTx.set(transactionId, keys);
    }
    return keys;
  }

  /** A MeterValues' commit succeeded: its key is now among the newest of its transaction. */
  committed(transactionId: number, contentKey: string): void {
    const keys = this.recentByTx.get(transactionId);
    if (!keys) return;
    keys.unshift(contentKey);
    if (keys.length > RESEND_WINDOW) keys.length = RESEND_WINDOW;
  }

  /** A write failed: what is in memory for the transaction is read from the store again next time. */
  forget(transactionId: number): void {
    this.recentByTx.delete(transactionId);
  }

  /** A 2.0.1 charger's transaction by its own id. */
  byChargerTx(chargerId: string, chargerTxId: string): TransactionRow | undefined {
    return this.q.byChargerTx.get(chargerId, chargerTxId) as TransactionRow | undefined;
  }

  /** The charger's own id of a local transaction (2.0.1), or null (1.6, or unknown id). */
  chargerTxIdOf(id: number): string | null {
    return (this.q.chargerTxIdOf.get(id) as string | null | undefined) ?? null;
  }

  /** The highest seqNo applied for a 2.0.1 transaction, or null when none was. */
  lastSeqNo(chargerId: string, chargerTxId: string): number | null {
    return (this.q.lastSeqNo.get(chargerId, chargerTxId) as number | null | undefined) ?? null;
  }

  /**
   * Records a 2.0.1 TransactionEvent as received, and says whether to apply it: a re-send
   * (same charger, transactionId and seqNo, as after an answer we never got out) is found
   * by one indexed lookup and not recorded again. Returns the row id for setTransaction().
   */
  recordChargerEvent(e: ChargerEventInput): { verdict: ChargerEventVerdict; rowId: number | null } {
    const contentKey = createHash('sha256').update(`${e.chargerId}\u0000${e.chargerTxId}\u0000${canonicalJson(e.payload)}`).digest('base64url');
    const applied = this.q.eventAt.get(e.chargerId, e.chargerTxId, e.seqNo) as string | undefined;
    if (applied === contentKey) return { verdict: 'duplicate', rowId: null };
    const verdict: ChargerEventVerdict = applied === undefined ? 'new' : 'conflict';
    const info = this.q.recordEvent.run(e.chargerId, e.chargerTxId, e.seqNo, e.eventType, null, contentKey, JSON.stringify(e.payload), this.now(), verdict === 'new' ? 1 : 0);
    return { verdict, rowId: Number(info.lastInsertRowid) };
  }

  /** Links a recorded 2.0.1 event to the local transaction it was applied to. */
  setEventTransaction(rowId: number, transactionId: number): void {
    this.q.eventTx.run(transactionId, rowId);
  }

  get(id: number): TransactionRow | undefined {
    return this.q.get.get(id) as TransactionRow | undefined;
  }

  openFor(chargerId: string): TransactionRow[] {
    return this.q.open.all(chargerId) as TransactionRow[];
  }

  messages(transactionId: number | null): Array<{ seq: number; action: string; payload: string; charger_id: string }> {
    return this.q.messages.all(transactionId) as Array<{ seq: number; action: string; payload: string; charger_id: string }>;
  }
}

/**
 * JSON with object keys sorted, so that the same content always gives the same text. On the
 * hot path of every MeterValues: plain loops and string concatenation, keys sorted only when
 * they are not in order already (chargers send them in one order).
 */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) {
    let out = '[';
    for (let i = 0; i < v.length; i++) out += (i > 0 ? ',' : '') + (v[i] === undefined ? 'null' : canonicalJson(v[i]));
    return out + ']';
  }
  const o = v as Record<string, unknown>;
  let keys = Object.keys(o);
  for (let i = 1; i < keys.length; i++) {
    if (keys[i - 1] > keys[i]) {
      keys = keys.slice().sort();
      break;
    }
  }
  let out = '{';
  let first = true;
  for (const k of keys) {
    const x = o[k];
    if (x === undefined) continue;
    out += (first ? '' : ',') + JSON.stringify(k) + ':' + canonicalJson(x);
    first = false;
  }
  return out + '}';
}

/** The fields of a 1.6 SampledValue, in a fixed order (the schema allows no others). */
const SAMPLED_FIELDS = ['value', 'context', 'format', 'measurand', 'phase', 'location', 'unit'] as const;

/**
 * The samples of a MeterValues as text that does not depend on the order of keys: the 1.6
 * shape is known, so its fields are taken in a fixed order (4x faster than sorting keys, and
 * this runs for every MeterValues). Anything not of that shape falls back to canonicalJson.
 */
export function meterValuesText(meterValue: unknown): string {
  if (!Array.isArray(meterValue)) return canonicalJson(meterValue);
  const rows: unknown[] = [];
  for (const mv of meterValue) {
    const sampled = (mv as { sampledValue?: unknown })?.sampledValue;
    if (!Array.isArray(sampled) || Object.keys(mv as object).length !== 2) return canonicalJson(meterValue);
    const values: unknown[] = [];
    for (const sv of sampled) {
      if (sv === null || typeof sv !== 'object') return canonicalJson(meterValue);
      const row: unknown[] = [];
      for (const f of SAMPLED_FIELDS) row.push((sv as Record<string, unknown>)[f] ?? null);
      values.push(row);
    }
    rows.push([(mv as { timestamp?: unknown }).timestamp ?? null, values]);
  }
  return JSON.stringify(rows);
}

/** Identifies a MeterValues by charger, transaction and its samples (timestamps and values). */
export function meterValuesKey(chargerId: string, transactionId: number, meterValue: unknown): string {
  // One-shot hash: a Hash object per message cost more than the digest itself.
  return hash('sha256', `${chargerId}\u0000${transactionId}\u0000${meterValuesText(meterValue)}`, 'base64url');
}
