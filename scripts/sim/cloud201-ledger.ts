// The transaction book of the simulated OCPP 2.0.1 cloud: every TransactionEvent the
// site delivered, per transaction id, and what a CSMS would flag in them. Pure: no
// sockets, no clock; the simulator feeds it schema-valid requests in arrival order and
// the daemon's tests assert on it (no gaps, no repeats, no unknown ids, duplicates only
// as many as the site was killed).
//
// The rules (OCPP 2.0.1 E01-E15 as a CSMS reads them, plus the store-and-forward promise):
// - seqNo of a transaction is 0..n without holes, the Started event first (seqNo 0);
// - an exact re-send (same seqNo, same content: a site that crashed between sending and
//   recording the answer) is allowed and counted as a duplicate, nothing else
//   (compared as canonical JSON, computed only when a seqNo comes twice: the common path
//   of a 100,000-event replay pays nothing for it);
// - the same seqNo with different content is a "repeat": two events claim one place;
// - Updated/Ended for an id never Started is "unknown"; nothing may follow Ended; there is
//   one Started per id; the EVSE of a transaction does not change.
export type TransactionEventType = 'Started' | 'Updated' | 'Ended';

export interface IdToken201 {
  idToken: string;
  type: string;
  additionalInfo?: Array<{ additionalIdToken: string; type: string }>;
}

export interface SampledValue201 {
  value: number;
  context?: string;
  measurand?: string;
  phase?: string;
  location?: string;
  unitOfMeasure?: { unit?: string; multiplier?: number };
  signedMeterValue?: object;
}

export interface MeterValue201 {
  timestamp: string;
  sampledValue: SampledValue201[];
}

/** The fields of a TransactionEventRequest the book reads (the payload is kept whole in events). */
export interface TransactionEventRequest {
  eventType: TransactionEventType;
  timestamp: string;
  triggerReason: string;
  seqNo: number;
  offline?: boolean;
  transactionInfo: { transactionId: string; chargingState?: string; stoppedReason?: string; remoteStartId?: number; timeSpentCharging?: number };
  idToken?: IdToken201;
  evse?: { id: number; connectorId?: number };
  meterValue?: MeterValue201[];
  [more: string]: unknown;
}

export interface Cloud201Transaction {
  transactionId: string;
  identity: string;
  /** From the Started event (or the first event that names an EVSE). */
  evseId?: number;
  connectorId?: number;
  /** The first idToken any event of the transaction carried. */
  idToken?: IdToken201;
  /** timestamp of the Started event. */
  startedAt: string;
  /** Every arrival, duplicates and repeats included, in arrival order. */
  events: TransactionEventRequest[];
  /** Distinct seqNos in arrival order. */
  seqNos: number[];
  /** Exact re-sends (same seqNo, same content). */
  duplicates: number;
  ended: boolean;
  /** From distinct events only (a duplicate adds nothing). */
  meterValues: MeterValue201[];
  /** Distinct events with offline: true. */
  offline: number;
  stoppedReason?: string;
  lastTriggerReason: string;
  /** What was flagged about this transaction (also in the book's anomalies). */
  anomalies: string[];
}

export interface GapEntry {
  identity: string;
  transactionId: string;
  /** seqNos missing from 0..max. */
  missing: number[];
}
export interface RepeatEntry {
  identity: string;
  transactionId: string;
  seqNo: number;
}
export interface UnknownEntry {
  identity: string;
  transactionId: string;
  seqNo: number;
  eventType: TransactionEventType;
}

export interface LedgerReport {
  transactions: Cloud201Transaction[];
  gaps: GapEntry[];
  repeats: RepeatEntry[];
  unknown: UnknownEntry[];
  duplicates: number;
  /** Everything flagged, plus the gaps of transactions not Ended yet. */
  anomalies: string[];
}

/** What record() made of one event. */
export type EventVerdict = 'new' | 'duplicate' | 'repeat' | 'unknown';

/** JSON with object keys sorted, so a re-send that re-serialised its payload still compares equal. */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    const keys = Object.keys(v).filter((k) => (v as Record<string, unknown>)[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** seqNos missing from 0..max of what arrived (a transaction must be 0..n with Started at 0). */
export function missingSeqNos(seqNos: number[]): number[] {
  const have = new Set(seqNos);
  let max = -1;
  for (const n of seqNos) if (n > max) max = n; // no spread: a long transaction has 100,000 seqNos
  const missing: number[] = [];
  for (let i = 0; i <= max; i++) if (!have.has(i)) missing.push(i);
  return missing;
}

export class TransactionLedger201 {
  readonly transactions = new Map<string, Cloud201Transaction>();
  readonly anomalies: string[] = [];
  readonly repeats: RepeatEntry[] = [];
  readonly unknown: UnknownEntry[] = [];
  duplicates = 0;
  /** Per transaction id: seqNo → its first arrival (the object kept in events). */
  private readonly firsts = new Map<string, Map<number, TransactionEventRequest>>();
  /** Per transaction id: the highest seqNo booked (out-of-order check without a scan). */
  private readonly maxSeq = new Map<string, number>();

  /** onAnomaly(identity, text): the simulator's overall anomaly list (text without the identity). */
  constructor(private readonly onAnomaly: (identity: string, text: string) => void = () => {}) {}

  /** Books one schema-valid TransactionEventRequest from identity; ref names it in anomalies (e.g. the message id). */
  record(identity: string, ev: TransactionEventRequest, ref = ''): EventVerdict {
    const id = ev.transactionInfo.transactionId;
    const what = `TransactionEvent ${ev.eventType} seqNo ${ev.seqNo}${ref ? ` (${ref})` : ''}`;
    let tx = this.transactions.get(id);
    if (!tx) {
      if (ev.eventType !== 'Started') {
        this.unknown.push({ identity, transactionId: id, seqNo: ev.seqNo, eventType: ev.eventType });
        this.flag(identity, undefined, `transaction ${id}: ${what} for an unknown transaction (never Started)`);
        return 'unknown';
      }
      tx = this.open(identity, ev);
    }
    tx.events.push(ev);
    const seen = this.firsts.get(id)!;
    const first = seen.get(ev.seqNo);
    if (first !== undefined) {
      if (canonical(first) === canonical(ev)) {
        tx.duplicates++;
        this.duplicates++;
        return 'duplicate';
      }
      this.repeats.push({ identity, transactionId: id, seqNo: ev.seqNo });
      this.flag(identity, tx, `${what} repeats seqNo ${ev.seqNo} with different content`);
      return 'repeat';
    }
    seen.set(ev.seqNo, ev);
    this.checkNew(identity, tx, ev, what);
    this.maxSeq.set(id, Math.max(this.maxSeq.get(id) ?? -1, ev.seqNo));
    tx.seqNos.push(ev.seqNo);
    if (ev.meterValue) tx.meterValues.push(...ev.meterValue);
    if (ev.offline) tx.offline++;
    tx.lastTriggerReason = ev.triggerReason;
    tx.idToken ??= ev.idToken;
    if (ev.eventType === 'Ended') {
      tx.ended = true;
      tx.stoppedReason = ev.transactionInfo.stoppedReason;
      const missing = missingSeqNos(tx.seqNos);
      if (missing.length) this.flag(identity, tx, `${what}: seqNo gap at Ended, missing ${missing.join(', ')}`);
    }
    return 'new';
  }

  /** The book as the daemon's tests read it; gaps recomputed for every transaction. */
  report(): LedgerReport {
    const gaps: GapEntry[] = [];
    const open: string[] = [];
    for (const tx of this.transactions.values()) {
      const missing = missingSeqNos(tx.seqNos);
      if (!missing.length) continue;
      gaps.push({ identity: tx.identity, transactionId: tx.transactionId, missing });
      // An Ended transaction's gap was flagged when Ended arrived.
      if (!tx.ended) open.push(`${tx.identity}: transaction ${tx.transactionId}: seqNo gap (not Ended yet), missing ${missing.join(', ')}`);
    }
    return {
      transactions: [...this.transactions.values()],
      gaps,
      repeats: [...this.repeats],
      unknown: [...this.unknown],
      duplicates: this.duplicates,
      anomalies: [...this.anomalies, ...open],
    };
  }

  private open(identity: string, ev: TransactionEventRequest): Cloud201Transaction {
    const tx: Cloud201Transaction = {
      transactionId: ev.transactionInfo.transactionId,
      identity,
      evseId: ev.evse?.id,
      connectorId: ev.evse?.connectorId,
      startedAt: ev.timestamp,
      events: [],
      seqNos: [],
      duplicates: 0,
      ended: false,
      meterValues: [],
      offline: 0,
      lastTriggerReason: ev.triggerReason,
      anomalies: [],
    };
    this.transactions.set(tx.transactionId, tx);
    this.firsts.set(tx.transactionId, new Map());
    return tx;
  }

  /** The checks of an event with a seqNo not seen before in its transaction. */
  private checkNew(identity: string, tx: Cloud201Transaction, ev: TransactionEventRequest, what: string): void {
    if (identity !== tx.identity) this.flag(identity, tx, `${what} from ${identity}, but ${tx.identity} started it`);
    if (ev.eventType === 'Started') {
      if (tx.seqNos.length) this.flag(identity, tx, `${what}: a second Started (the first had seqNo ${tx.seqNos[0]})`);
      else if (ev.seqNo !== 0) this.flag(identity, tx, `${what}: Started must be the first event, seqNo 0`);
      if (!ev.evse) this.flag(identity, tx, `${what}: Started without evse (the cloud cannot place the transaction)`);
    }
    if (tx.ended) this.flag(identity, tx, `${what} after the transaction Ended`);
    const max = this.maxSeq.get(tx.transactionId) ?? -1;
    if (ev.seqNo < max) this.flag(identity, tx, `${what} out of order (after seqNo ${max})`);
    if (ev.evse) {
      if (tx.evseId !== undefined && ev.evse.id !== tx.evseId) this.flag(identity, tx, `${what}: evse ${ev.evse.id}, but the transaction is on evse ${tx.evseId}`);
      else if (tx.connectorId !== undefined && ev.evse.connectorId !== undefined && ev.evse.connectorId !== tx.connectorId) {
        this.flag(identity, tx, `${what}: connector ${ev.evse.connectorId}, but the transaction is on connector ${tx.connectorId}`);
      }
      tx.evseId ??= ev.evse.id;
      tx.connectorId ??= ev.evse.connectorId;
    }
  }

  private flag(identity: string, tx: Cloud201Transaction | undefined, text: string): void {
    const line = tx ? `transaction ${tx.transactionId}: ${text}` : text;
    tx?.anomalies.push(`${identity}: ${line}`);
    this.anomalies.push(`${identity}: ${line}`);
    this.onAnomaly(identity, line);
  }
}
