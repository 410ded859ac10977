// Transactions and the journal of transaction messages. Every method here is
// synchronous and meant to run inside CommitQueue.run(), so the caller's CALLRESULT
// goes out only after the row is on disk.
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
  payload: unknown;
}

export interface StopInput {
  chargerId: string;
  transactionId: number;
  idTag?: string;
  meterStopWh: number;
  stoppedAt: string;
  reason?: string;
  payload: unknown;
}

export class TransactionRepository {
  private readonly listeners: JournalListener[] = [];
  private readonly q;

  constructor(db: Db, private readonly now: () => number = Date.now) {
    this.q = {
      findStart: db.prepare(`SELECT * FROM transactions WHERE charger_id = ? AND connector_id = ? AND started_at = ?
        AND meter_start_wh = ? AND id_tag = ? ORDER BY id DESC LIMIT 1`),
      insert: db.prepare(`INSERT INTO transactions (charger_id, connector_id, id_tag, auth_status, meter_start_wh, started_at, reservation_id, created_at)
        VALUES (@chargerId, @connectorId, @idTag, @authStatus, @meterStartWh, @startedAt, @reservationId, @createdAt)`),
      get: db.prepare('SELECT * FROM transactions WHERE id = ?'),
      owner: db.prepare('SELECT charger_id FROM transactions WHERE id = ?').pluck(),
      stop: db.prepare(`UPDATE transactions SET meter_stop_wh = ?, stopped_at = ?, stop_reason = ?, stop_id_tag = ?, stop_recorded_at = ?
        WHERE id = ? AND stopped_at IS NULL`),
      journal: db.prepare(`INSERT INTO transaction_messages (transaction_id, charger_id, action, payload, received_at) VALUES (?, ?, ?, ?, ?)`),
      open: db.prepare('SELECT * FROM transactions WHERE charger_id = ? AND stopped_at IS NULL ORDER BY id'),
      messages: db.prepare('SELECT * FROM transaction_messages WHERE transaction_id IS ? ORDER BY seq'),
    };
  }

  onJournal(listener: JournalListener): void {
    this.listeners.push(listener);
  }

  private journal(transactionId: number | null, chargerId: string, action: JournalEntry['action'], payload: unknown): void {
    const receivedAt = this.now();
    const info = this.q.journal.run(transactionId, chargerId, action, JSON.stringify(payload), receivedAt);
    const entry: JournalEntry = { seq: Number(info.lastInsertRowid), transactionId, chargerId, action, payload, receivedAt };
    for (const l of this.listeners) l(entry);
  }

  /**
   * Records a StartTransaction. A charger that never got our answer (we crashed
   * between commit and send) retries with the same content: it gets the same id back.
   */
  start(input: StartInput): { id: number; duplicate: boolean } {
    const dup = this.q.findStart.get(input.chargerId, input.connectorId, input.startedAt, input.meterStartWh, input.idTag) as TransactionRow | undefined;
    if (dup) return { id: dup.id, duplicate: true };
    const info = this.q.insert.run({ ...input, reservationId: input.reservationId ?? null, createdAt: this.now() });
    const id = Number(info.lastInsertRowid);
    this.journal(id, input.chargerId, 'StartTransaction', input.payload);
    return { id, duplicate: false };
  }

  /** Records a StopTransaction; unknown ids are journalled too (transaction_id NULL), never refused. */
  stop(input: StopInput): { known: boolean; duplicate: boolean } {
    const row = this.q.get.get(input.transactionId) as TransactionRow | undefined;
    if (!row || row.charger_id !== input.chargerId) {
      this.journal(null, input.chargerId, 'StopTransaction', input.payload);
      return { known: false, duplicate: false };
    }
    if (row.stopped_at !== null) {
      // A retried stop (same end) is not journalled twice; a conflicting one is kept for audit.
      const same = row.stopped_at === input.stoppedAt && row.meter_stop_wh === input.meterStopWh;
      if (!same) this.journal(row.id, input.chargerId, 'StopTransaction', input.payload);
      return { known: true, duplicate: same };
    }
    this.q.stop.run(input.meterStopWh, input.stoppedAt, input.reason ?? null, input.idTag ?? null, this.now(), row.id);
    this.journal(row.id, input.chargerId, 'StopTransaction', input.payload);
    return { known: true, duplicate: false };
  }

  /** Records transaction MeterValues; returns whether the transaction is known for this charger. */
  meterValues(chargerId: string, transactionId: number, payload: unknown): boolean {
    const known = this.q.owner.get(transactionId) === chargerId;
    this.journal(known ? transactionId : null, chargerId, 'MeterValues', payload);
    return known;
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
