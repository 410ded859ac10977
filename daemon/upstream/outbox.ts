// The outbox: transaction messages waiting for the cloud, delivered in journal
// order. Rows enter in the same SQLite transaction as the journal (no window where
// a message is stored but not queued) and leave only after the cloud's answer is
// committed. Local ids are rewritten to cloud ids at send time, so a Stop queued
// behind an offline Start gets the cloud id the Start receives on replay.
import type { Db } from '../store/db.js';
import type { JournalEntry } from '../store/transactions.js';

export interface OutboxRow {
  seq: number;
  transactionId: number | null;
  chargerId: string;
  action: 'StartTransaction' | 'StopTransaction' | 'MeterValues';
  payload: any;
  queuedAt: number;
  attempts: number;
  /** The cloud link was down when the message was stored. */
  offline: boolean;
  /** 2.0.1: the seqNo of the event this row starts, fixed before its first send; null until then (and on the group's other rows). */
  seqNo: number | null;
  /** With seqNo: the last row (seq) of this transaction the event carries. */
  groupLast: number | null;
}

export interface UndeliverableRow extends OutboxRow {
  lastError: string;
}

function toRow(r: any): OutboxRow {
  return {
    seq: r.seq, transactionId: r.transaction_id, chargerId: r.charger_id, action: r.action, payload: JSON.parse(r.payload),
    queuedAt: r.queued_at, attempts: r.attempts, offline: r.offline === 1, seqNo: r.seq_no, groupLast: r.group_last,
  };
}

/** How many rows of other transactions headRun passes over looking for the head transaction's next rows. */
export const MERGE_WINDOW = 500;

const COLUMNS = 'seq, transaction_id, charger_id, action, payload, queued_at, attempts, offline, seq_no, group_last';

export class OutboxRepository {
  private readonly q;

  /**
   * Counters kept in memory: status and telemetry ask for the depth after every delivered
   * call, and count(*) over a backlog of 100,000 rows each time slowed replay down.
   * resync() recounts (the pump calls it whenever it finds the queue empty).
   */
  private queued = 0;
  private aside = 0;

  constructor(private readonly db: Db, private readonly now: () => number = Date.now) {
    this.q = {
      insert: db.prepare(`INSERT INTO outbox (journal_seq, transaction_id, charger_id, action, payload, queued_at, offline) VALUES (?, ?, ?, ?, ?, ?, ?)`),
      head: db.prepare(`SELECT ${COLUMNS} FROM outbox WHERE state = 'queued' ORDER BY seq LIMIT ?`),
      headAll: db.prepare(`SELECT ${COLUMNS} FROM outbox WHERE state = 'queued' ORDER BY seq`),
      queuedFor: db.prepare(`SELECT 1 FROM outbox WHERE state = 'queued' AND transaction_id = ? LIMIT 1`).pluck(),
      tagSeqNo: db.prepare('UPDATE outbox SET seq_no = ?, group_last = ? WHERE seq = ?'),
      journalStart: db.prepare(`SELECT payload FROM transaction_messages WHERE transaction_id = ? AND action = 'StartTransaction' ORDER BY seq LIMIT 1`).pluck(),
      del: db.prepare('DELETE FROM outbox WHERE seq = ?'),
      fail: db.prepare('UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE seq = ?'),
      giveUp: db.prepare(`UPDATE outbox SET state = 'undeliverable', last_error = ? WHERE seq = ?`),
      count: db.prepare(`SELECT count(*) FROM outbox WHERE state = ?`).pluck(),
      oldest: db.prepare(`SELECT queued_at FROM outbox WHERE state = 'queued' ORDER BY seq LIMIT 1`).pluck(),
      undeliverable: db.prepare(`SELECT ${COLUMNS}, last_error FROM outbox WHERE state = 'undeliverable' ORDER BY seq`),
      cloudId: db.prepare('SELECT cloud_transaction_id AS id FROM cloud_transactions WHERE transaction_id = ?'),
      localId: db.prepare('SELECT transaction_id AS id FROM cloud_transactions WHERE cloud_transaction_id = ? ORDER BY sent_at DESC LIMIT 1').pluck(),
      mapTx: db.prepare(`INSERT INTO cloud_transactions (transaction_id, cloud_transaction_id, id_tag_status, sent_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (transaction_id) DO UPDATE SET cloud_transaction_id = excluded.cloud_transaction_id, id_tag_status = excluded.id_tag_status, sent_at = excluded.sent_at`),
    };
    this.resync();
  }

  resync(): void {
    this.queued = this.q.count.get('queued') as number;
    this.aside = this.q.count.get('undeliverable') as number;
  }

  /** Journal listener: runs inside the journal's SQLite transaction. `offline`: the cloud link is down now. */
  enqueue(entry: JournalEntry, offline = false): void {
    this.q.insert.run(entry.seq, entry.transactionId, entry.chargerId, entry.action, JSON.stringify(entry.payload), entry.receivedAt, offline ? 1 : 0);
    this.queued++;
  }

  /** Whether messages of this transaction wait for the cloud. */
  queuedFor(localTransactionId: number): boolean {
    return this.q.queuedFor.get(localTransactionId) !== undefined;
  }

  /** Fixes the seqNo of the event these rows (in order) go in (2.0.1), so a re-send after a crash is the same event. */
  tagSeqNo(seqs: readonly number[], seqNo: number): void {
    this.q.tagSeqNo.run(seqNo, seqs[seqs.length - 1], seqs[0]);
  }

  /** The model StartTransaction of a local transaction, from the journal (kept after delivery). */
  journalStart(localTransactionId: number): any {
    const p = this.q.journalStart.get(localTransactionId) as string | undefined;
    return p === undefined ? undefined : JSON.parse(p);
  }

  head(limit: number): OutboxRow[] {
    return (this.q.head.all(limit) as any[]).map(toRow);
  }

  /**
   * The rows the next call can use: the head and, when it is a MeterValues, the MeterValues
   * of its transaction queued behind it (up to maxEntries meterValue entries) and the next
   * row of that transaction. Rows of other transactions in between are passed over, so a
   * site whose chargers ran side by side during an outage still replays in merged calls:
   * each transaction's messages stay in order, which is all OCPP orders. Bounded by
   * MERGE_WINDOW rows; other transactions' rows are not even parsed. A head whose seqNo is
   * fixed (2.0.1) brings exactly the rows that share it, and the next row of its transaction.
   */
  headRun(maxEntries: number): OutboxRow[] {
    const rows: OutboxRow[] = [];
    let entries = 0;
    let scanned = 0;
    for (const r of this.q.headAll.iterate() as IterableIterator<any>) {
      if (rows.length > 0 && (r.transaction_id !== rows[0].transactionId || rows[0].transactionId === null)) {
        if (++scanned >= MERGE_WINDOW) break;
        continue;
      }
      const row = toRow(r);
      rows.push(row);
      const first = rows[0];
      if (first.seqNo !== null) {
        // The group up to its last row, and the next row of the transaction; nothing comes after a Stop.
        if (row.seq > first.groupLast! || row.action === 'StopTransaction') break;
        continue;
      }
      if (first.action !== 'MeterValues' || row.action !== 'MeterValues') break;
      entries += row.payload.meterValue.length;
      if (entries > maxEntries) break;
    }
    return rows;
  }

  /** The cloud's id for a local transaction: undefined = Start not delivered yet, null = delivered without an id. */
  cloudIdOf(localTransactionId: number): number | null | undefined {
    const row = this.q.cloudId.get(localTransactionId) as { id: number | null } | undefined;
    return row === undefined ? undefined : row.id;
  }

  localIdOf(cloudTransactionId: number): number | undefined {
    return this.q.localId.get(cloudTransactionId) as number | undefined;
  }

  /** The cloud answered: remove the rows (and, for a Start, record the id) in one transaction. */
  delivered(seqs: number[], start?: { localId: number; cloudId: number | null; idTagStatus: string }): void {
    this.db.transaction(() => {
      if (start) this.q.mapTx.run(start.localId, start.cloudId, start.idTagStatus, this.now());
      for (const s of seqs) this.q.del.run(s);
    })();
    this.queued = Math.max(0, this.queued - seqs.length);
  }

  /** A failed attempt; past maxAttempts the row is set aside as undeliverable (kept, reported, skipped). */
  failed(seq: number, error: string, attempts: number, maxAttempts: number): boolean {
    if (attempts + 1 >= maxAttempts) {
      this.db.transaction(() => {
        this.q.fail.run(error, seq);
        this.q.giveUp.run(error, seq);
      })();
      this.movedAside();
      return true;
    }
    this.q.fail.run(error, seq);
    return false;
  }

  /** Sets a row aside without trying it (e.g. it names a transaction the cloud never got). */
  setAside(seq: number, reason: string): void {
    this.q.giveUp.run(reason, seq);
    this.movedAside();
  }

  private movedAside(): void {
    this.queued = Math.max(0, this.queued - 1);
    this.aside++;
  }

  stats(): { depth: number; oldestQueuedAt: number | null; undeliverable: number } {
    return { depth: this.queued, oldestQueuedAt: this.queued > 0 ? ((this.q.oldest.get() as number | undefined) ?? null) : null, undeliverable: this.aside };
  }

  undeliverable(): UndeliverableRow[] {
    return (this.q.undeliverable.all() as any[]).map((r) => ({ ...toRow(r), lastError: r.last_error }));
  }
}

export type DeliveryPlan =
  | { kind: 'call'; seqs: number[]; action: OutboxRow['action']; payload: any; localTransactionId: number }
  | { kind: 'nothingToSay'; seqs: number[]; reason: string }
  | { kind: 'setAside'; seq: number; reason: string }
  | { kind: 'empty' };

export interface PlanContext {
  /** The cloud connector number of a charger's connector (assigning one if needed). */
  cloudConnector(chargerId: string, connectorId: number): number;
  cloudIdOf(localTransactionId: number): number | null | undefined;
  /** Upper bound of meterValue entries in one merged MeterValues call. */
  maxMergedMeterValues: number;
  /** Send a transaction's queued MeterValues as the transactionData of the StopTransaction right behind them (one round trip fewer). */
  foldIntoStop?: boolean;
  /** The model StartTransaction of a transaction whose start a cloud of the other protocol version got; undefined otherwise. */
  startDeliveredElsewhere?(localTransactionId: number): any;
}

/**
 * Pure: what to send next from the head of the outbox. Consecutive MeterValues of one
 * transaction are merged into one call (bounded), to shorten replay over a slow link.
 */
export function planDelivery(rows: readonly OutboxRow[], ctx: PlanContext): DeliveryPlan {
  const head = rows[0];
  if (!head) return { kind: 'empty' };
  if (head.transactionId === null) {
    return { kind: 'setAside', seq: head.seq, reason: 'names a transaction this site does not know; the cloud cannot match it' };
  }
  const localTx = head.transactionId;
  const p = head.payload;
  if (head.action === 'StartTransaction') {
    return { kind: 'call', seqs: [head.seq], action: 'StartTransaction', payload: start16(head.chargerId, p, ctx), localTransactionId: localTx };
  }
  const cloudId = ctx.cloudIdOf(localTx);
  if (cloudId === undefined) {
    // Started under the other protocol (upstream.protocol changed with a backlog): this cloud
    // never saw the start, so it gets it now, from the journal, before the rest.
    const start = ctx.startDeliveredElsewhere?.(localTx);
    if (start) return { kind: 'call', seqs: [], action: 'StartTransaction', payload: start16(head.chargerId, start, ctx), localTransactionId: localTx };
  }
  if (cloudId === undefined || cloudId === null) {
    return { kind: 'setAside', seq: head.seq, reason: `the StartTransaction of local transaction ${localTx} was not accepted by the cloud (no cloud id)` };
  }
  if (head.action === 'StopTransaction') {
    return { kind: 'call', seqs: [head.seq], action: 'StopTransaction', payload: { ...stop16(p), transactionId: cloudId }, localTransactionId: localTx };
  }
  // MeterValues: merge the run of this transaction's MeterValues at the head.
  const seqs: number[] = [];
  const meterValue: unknown[] = [];
  let i = 0;
  for (; i < rows.length; i++) {
    const r = rows[i];
    if (r.action !== 'MeterValues' || r.transactionId !== localTx) break;
    if (seqs.length > 0 && meterValue.length + r.payload.meterValue.length > ctx.maxMergedMeterValues) break;
    seqs.push(r.seq);
    meterValue.push(...r.payload.meterValue);
  }
  const next = rows[i];
  if (ctx.foldIntoStop && next?.action === 'StopTransaction' && next.transactionId === localTx) {
    const own: unknown[] = next.payload.transactionData ?? [];
    if (meterValue.length + own.length <= ctx.maxMergedMeterValues) {
      return {
        kind: 'call', seqs: [...seqs, next.seq], action: 'StopTransaction', localTransactionId: localTx,
        payload: { ...stop16(next.payload), transactionId: cloudId, transactionData: [...meterValue, ...own] },
      };
    }
  }
  // Readings only 2.0.1 can say (a 2.0.1 charger's, journalled for a 2.0.1 cloud): a 1.6 cloud gets no call for them.
  if (meterValue.length === 0) return { kind: 'nothingToSay', seqs, reason: 'MeterValues with no reading OCPP 1.6 can carry' };
  return {
    kind: 'call', seqs, action: 'MeterValues', localTransactionId: localTx,
    payload: { connectorId: ctx.cloudConnector(head.chargerId, p.connectorId), transactionId: cloudId, meterValue },
  };
}

/** A model StopTransaction as 1.6 says it: what only 2.0.1 can say (`extra`) stays home. */
function stop16(p: any): any {
  const { extra: _extra, ...rest } = p;
  return rest;
}

function start16(chargerId: string, p: any, ctx: PlanContext): Record<string, unknown> {
  const payload: Record<string, unknown> = { connectorId: ctx.cloudConnector(chargerId, p.connectorId), idTag: p.idTag, meterStart: p.meterStart, timestamp: p.timestamp };
  if (p.reservationId !== undefined) payload.reservationId = p.reservationId;
  return payload;
}
