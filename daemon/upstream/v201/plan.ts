// Pure: the next TransactionEvent for a 2.0.1 cloud from the head of the outbox (journal
// rows in the model's 1.6 shapes). Numbering: Started is seqNo 0 and each event takes the
// transaction's next seqNo when it is first planned; the pump commits that number on its
// rows (`fix`) before sending, so a re-send after a crash is the very same event. Merging:
// consecutive MeterValues of one transaction, stored with the same offline flag, become
// one Updated event with several meterValue entries (2.0.1 allows 1..n), and may ride on
// the Ended event behind them: the cloud gets every sample, each with its own timestamp,
// under fewer seqNos, and the numbers it sees stay continuous.
import type { OutboxRow } from '../outbox.js';
import type { Delivery, DeliveryCall } from '../dialect.js';
import type { Tx201State } from './tx-state.js';
import type { MeterValue201 } from '../../ocpp/v201/mapping.js';
import {
  END_TRIGGER_201, STOPPED_REASON_201, chargingStateOf, hasContext, idTokenOf, meterValuesTo201, registerSample, updateTrigger,
} from '../../ocpp/v201/upstream-mapping.js';

/** What a 2.0.1 charger said that the 1.6-shaped model payload cannot (set by the local 2.0.1 dialect). */
export interface ModelExtra {
  idToken?: { idToken: string; type: string };
  triggerReason?: string;
  chargingState?: string;
  stoppedReason?: string;
  /** The meter values exactly as the 2.0.1 charger sent them (signed values, measurands 1.6 lacks). */
  meterValue201?: MeterValue201[];
  /** The model status of the connector when the message was stored. */
  status?: string;
  /** When it happened, for a row without readings (a state change): their timestamps say it otherwise. */
  timestamp?: string;
}

/** A MeterValues row with no readings carries only a change of state (TransactionRepository.stateChange). */
const stateOnly = (r: Row) => r.action === 'MeterValues' && r.payload.meterValue.length === 0 && !extraOf(r).meterValue201;

export interface Plan201Context {
  state(localId: number): Tx201State | undefined;
  /** The transaction's model StartTransaction when a 1.6 cloud got its start (protocol changed since). */
  startDeliveredElsewhere(localId: number): any;
  transactionRef(localId: number): string;
  cloudConnector(chargerId: string, connectorId: number): number;
  /** A RequestStartTransaction this transaction answers (bound when it started), if any. */
  remoteStartOf(localId: number): { remoteStartId: number; idToken?: { idToken: string; type: string } } | undefined;
  maxMergedMeterValues: number;
  foldIntoStop: boolean;
  /** Writes for `fix`: the seqNo on the rows, and the transaction's next seqNo. */
  tagSeqNo(seqs: readonly number[], seqNo: number): void;
  used(localId: number, seqNo: number, opts?: { synthesized?: boolean; remoteStartId?: number }): void;
}

type Row = OutboxRow;

export function planEvent(rows: readonly Row[], ctx: Plan201Context, opts: { alone: boolean }): Delivery {
  const head = rows[0];
  if (!head) return { kind: 'empty' };
  if (head.transactionId === null) return { kind: 'setAside', seq: head.seq, reason: 'names a transaction this site does not know; the cloud cannot match it' };
  const local = head.transactionId;
  if (head.seqNo !== null) {
    // Numbered before (sent at least once, perhaps before a crash): the same rows, the same event.
    const group = rows.filter((r) => r.transactionId === local && r.seq <= (head.groupLast ?? head.seq));
    return call(group, head.seqNo, ctx);
  }
  const st = ctx.state(local);
  if (head.action === 'StartTransaction') {
    const seqNo = st?.nextSeqNo ?? 0;
    const bound = ctx.remoteStartOf(local);
    const c = call([head], seqNo, ctx, bound);
    c.fix = () => {
      ctx.tagSeqNo([head.seq], seqNo);
      ctx.used(local, seqNo, { remoteStartId: bound?.remoteStartId });
    };
    return c;
  }
  if (!st || st.nextSeqNo === 0) {
    const start = ctx.startDeliveredElsewhere(local);
    if (!start) return { kind: 'setAside', seq: head.seq, reason: `the start of local transaction ${local} never reached the cloud` };
    // Started under 1.6 before the protocol changed: this cloud gets a Started first, from the journal.
    const c = synthesizedStart(head, start, ctx);
    c.fix = () => ctx.used(local, 0, { synthesized: true });
    return c;
  }
  if (st.synthesized && !st.started && st.nextSeqNo === 1) return synthesizedStart(head, ctx.startDeliveredElsewhere(local), ctx);
  if (!st.started) return { kind: 'setAside', seq: head.seq, reason: `the Started event of local transaction ${local} was not accepted by the cloud` };
  const group = groupAtHead(rows, ctx, opts.alone);
  const seqNo = st.nextSeqNo;
  const c = call(group, seqNo, ctx);
  c.fix = () => {
    ctx.tagSeqNo(group.map((r) => r.seq), seqNo);
    ctx.used(local, seqNo);
  };
  return c;
}

/** The head's run of MeterValues (same transaction, same offline flag, bounded), and the Stop behind it if folding. */
function groupAtHead(rows: readonly Row[], ctx: Plan201Context, alone: boolean): Row[] {
  const head = rows[0];
  // A change of state is its own event, at its own time, with its own trigger: never merged.
  if (head.action !== 'MeterValues' || stateOnly(head)) return [head];
  const max = alone ? 1 : ctx.maxMergedMeterValues;
  const group: Row[] = [];
  let entries = 0;
  let i = 0;
  for (; i < rows.length; i++) {
    const r = rows[i];
    if (r.action !== 'MeterValues' || r.transactionId !== head.transactionId || r.offline !== head.offline || r.seqNo !== null || stateOnly(r)) break;
    const n = r.payload.meterValue.length;
    if (group.length > 0 && entries + n > max) return group;
    group.push(r);
    entries += n;
  }
  const next = rows[i];
  if (ctx.foldIntoStop && !alone && next?.action === 'StopTransaction' && next.transactionId === head.transactionId && next.offline === head.offline &&
    next.seqNo === null && entries + (next.payload.transactionData?.length ?? 0) <= max) group.push(next);
  return group;
}

function base(eventType: string, timestamp: string, triggerReason: string, seqNo: number, offline: boolean): Record<string, unknown> {
  return { eventType, timestamp, triggerReason, seqNo, ...(offline ? { offline: true } : {}) };
}

function extraOf(r: Row): ModelExtra {
  return (r.payload.extra ?? {}) as ModelExtra;
}

function readings(r: Row, field: 'meterValue' | 'transactionData'): MeterValue201[] {
  const own = extraOf(r).meterValue201;
  if (own) return own;
  return meterValuesTo201(r.payload[field] ?? []).meterValue;
}

function call(group: readonly Row[], seqNo: number, ctx: Plan201Context, bound?: ReturnType<Plan201Context['remoteStartOf']>): DeliveryCall {
  const head = group[0];
  const local = head.transactionId!;
  const transactionId = ctx.transactionRef(local);
  if (head.action === 'StartTransaction') return startEvent(head, head.payload, seqNo, head.offline, ctx, bound ?? ctx.remoteStartOf(local), [head.seq]);
  const last = group[group.length - 1];
  const meterValue = group.filter((r) => r.action === 'MeterValues').flatMap((r) => readings(r, 'meterValue'));
  const states = group.map((r) => extraOf(r).chargingState ?? chargingStateOf(extraOf(r).status)).filter((s) => s !== undefined);
  const chargingState = states.at(-1);
  if (last.action === 'StopTransaction') {
    const p = last.payload;
    const x = extraOf(last);
    meterValue.push(...readings(last, 'transactionData'));
    if (!hasContext(meterValue, 'Transaction.End')) meterValue.push(registerSample(p.timestamp, p.meterStop, 'Transaction.End'));
    const reason = p.reason ?? 'Local';
    const payload: Record<string, unknown> = {
      ...base('Ended', p.timestamp, x.triggerReason ?? END_TRIGGER_201[reason as keyof typeof END_TRIGGER_201] ?? 'AbnormalCondition', seqNo, head.offline),
      transactionInfo: { transactionId, ...(chargingState ? { chargingState } : {}), stoppedReason: x.stoppedReason ?? STOPPED_REASON_201[reason as keyof typeof STOPPED_REASON_201] ?? 'Other' },
      ...(x.idToken ? { idToken: x.idToken } : p.idTag !== undefined ? { idToken: idTokenOf(p.idTag) } : {}),
      meterValue,
    };
    return { kind: 'call', action: 'TransactionEvent', payload, seqs: group.map((r) => r.seq), localTransactionId: local };
  }
  // Updated: the newest reading's time is when this event happened (a state change says its own).
  const times = group.flatMap((r) => r.payload.meterValue.map((mv: { timestamp: string }) => mv.timestamp));
  const when = extraOf(head).timestamp ?? new Date(head.queuedAt).toISOString();
  const timestamp = times.reduce((a: string, b: string) => (Date.parse(b) > Date.parse(a) ? b : a), times[0] ?? when);
  const alone = group.length === 1 ? extraOf(head) : undefined;
  const trigger = alone?.triggerReason ?? (stateOnly(head) ? 'ChargingStateChanged' : updateTrigger(group.flatMap((r) => r.payload.meterValue)));
  const payload: Record<string, unknown> = {
    ...base('Updated', timestamp, trigger, seqNo, head.offline),
    transactionInfo: { transactionId, ...(chargingState ? { chargingState } : {}) },
    // A token given during the transaction (a 2.0.1 charger's Authorized update) goes with its event.
    ...(alone?.idToken ? { idToken: alone.idToken } : {}),
    ...(meterValue.length > 0 ? { meterValue } : {}),
  };
  return { kind: 'call', action: 'TransactionEvent', payload, seqs: group.map((r) => r.seq), localTransactionId: local };
}

function startEvent(head: Row, p: any, seqNo: number, offline: boolean, ctx: Plan201Context, bound: ReturnType<Plan201Context['remoteStartOf']>, seqs: number[]): DeliveryCall {
  const local = head.transactionId!;
  const x = (p.extra ?? {}) as ModelExtra;
  const meterValue = x.meterValue201 ? [...x.meterValue201] : [];
  if (!hasContext(meterValue, 'Transaction.Begin')) meterValue.unshift(registerSample(p.timestamp, p.meterStart, 'Transaction.Begin'));
  const chargingState = x.chargingState ?? chargingStateOf(x.status);
  const payload: Record<string, unknown> = {
    ...base('Started', p.timestamp, x.triggerReason ?? (bound ? 'RemoteStart' : 'Authorized'), seqNo, offline),
    transactionInfo: {
      transactionId: ctx.transactionRef(local),
      ...(chargingState ? { chargingState } : {}),
      ...(bound ? { remoteStartId: bound.remoteStartId } : {}),
    },
    // A remote start answers with the cloud's own token (the charger may hold a shortened idTag of it).
    idToken: bound?.idToken ?? x.idToken ?? idTokenOf(p.idTag, bound ? 'remote' : 'presented'),
    evse: { id: ctx.cloudConnector(head.chargerId, p.connectorId), connectorId: 1 },
    ...(p.reservationId !== undefined ? { reservationId: p.reservationId } : {}),
    meterValue,
  };
  return { kind: 'call', action: 'TransactionEvent', payload, seqs, localTransactionId: local };
}

/** Started for a transaction whose start only a 1.6 cloud got: seqNo 0, made from the journal, no outbox row consumed. */
function synthesizedStart(head: Row, start: any, ctx: Plan201Context): DeliveryCall {
  return startEvent(head, start, 0, false, ctx, ctx.remoteStartOf(head.transactionId!), []);
}
