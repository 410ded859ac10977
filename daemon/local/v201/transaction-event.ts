// TransactionEvent (Started / Updated / Ended) into the one transaction model. Every event
// is committed before it is answered (principle 1), in one SQLite job: the event as the
// charger sent it, and the model's StartTransaction / MeterValues / StopTransaction in the
// journal, which the upstream outbox forwards to the cloud unchanged. A re-sent event
// (same charger, transactionId, seqNo) is answered without being applied twice.
import type { Logger } from '../../log.js';
import type { ChargerSession } from '../session.js';
import type { HandlerDeps } from '../handlers.js';
import type * as M from '../../ocpp/v16/types.js';
import type { IdTagInfo } from '../../ocpp/v16/types.js';
import type { TransactionRow } from '../../store/transactions.js';
import { connectorIdProblem } from '../connectors.js';
import { foldMeterValues } from '../live.js';
import { RpcError } from '../../ocpp/errors.js';
import { idTagOf, idTokenInfoOf, meterValuesOf, registerWh, stopReasonOf } from '../../ocpp/v201/mapping.js';
import { v201State } from './state.js';
import { authorizeToken, refreshStatus } from './model.js';
import type { TransactionEvent201 } from './wire.js';
import type { ModelExtra } from '../../upstream/v201/plan.js';

/**
 * What the charger said that the 1.6-shaped model payload cannot carry: a 2.0.1 cloud gets
 * it as the charger sent it (token type, trigger, charging state, signed and 2.0.1-only
 * meter values); a 1.6 cloud never sees it. A Started event's readings go in the
 * MeterValues row the site journals beside the start, so they are not carried twice.
 */
function extraOf(req: TransactionEvent201, opts: { withMeterValues: boolean }): ModelExtra {
  const x: ModelExtra = { triggerReason: req.triggerReason };
  if (req.idToken) x.idToken = { idToken: req.idToken.idToken, type: req.idToken.type };
  if (req.transactionInfo.chargingState !== undefined) x.chargingState = req.transactionInfo.chargingState;
  if (req.transactionInfo.stoppedReason !== undefined) x.stoppedReason = req.transactionInfo.stoppedReason;
  if (opts.withMeterValues && req.meterValue && req.meterValue.length > 0) x.meterValue201 = req.meterValue as ModelExtra['meterValue201'];
  return x;
}

interface Applied {
  verdict: 'new' | 'duplicate' | 'conflict';
  row: TransactionRow | undefined;
  started: boolean;
  stopped: boolean;
  lastSeqNo: number | null;
}

export function registerTransactionEvent(session: ChargerSession, deps: HandlerDeps, log: Logger): void {
  const { store, registry, now } = deps;
  const id = session.id;
  const state = v201State(session);

  session.rpc.handle('TransactionEvent', async (req: TransactionEvent201) => {
    session.lastSeenAt = now();
    const txId = req.transactionInfo.transactionId;
    const evseId = req.evse?.id;
    if (evseId !== undefined) {
      const problem = connectorIdProblem('StartTransaction', evseId, session.maxConnectorId);
      if (problem) {
        log.warn('refused: evseId outside the charger\'s EVSEs', { action: 'TransactionEvent', evse: evseId, max: session.maxConnectorId });
        throw new RpcError('PropertyConstraintViolation', problem.replace('StartTransaction.connectorId', 'TransactionEvent.evse.id'), { field: 'evse.id', min: 1, max: session.maxConnectorId });
      }
    }
    const known = store.transactions.byChargerTx(id, txId);
    const connectorId = known?.connector_id ?? evseId;
    if (connectorId === undefined) {
      // 2.0.1 requires evse in the first event of a transaction: without it no connector can be named.
      throw new RpcError('OccurrenceConstraintViolation', `TransactionEvent for transaction ${txId} unknown to the site carries no evse`, { field: 'evse' });
    }
    const idTag = req.idToken ? idTagOf(req.idToken) : undefined;
    const idTagInfo: IdTagInfo | undefined = req.idToken
      ? await authorizeToken(deps, id, req.idToken, req.eventType === 'Ended' ? 'StopTransaction' : 'StartTransaction', connectorId)
      : undefined;
    // The register at the start / end when the event does not carry it: the last one we saw.
    const lastRegister = session.connectors.get(connectorId)?.live?.energyWh ?? null;
    const mapped = meterValuesOf(req.meterValue ?? []);

    const r = await store.write((): Applied => {
      const tx = store.transactions;
      const lastSeqNo = tx.lastSeqNo(id, txId);
      const rec = tx.recordChargerEvent({ chargerId: id, chargerTxId: txId, seqNo: req.seqNo, eventType: req.eventType, payload: req });
      let row = tx.byChargerTx(id, txId);
      if (rec.verdict !== 'new') return { verdict: rec.verdict, row, started: false, stopped: false, lastSeqNo };
      let started = false;
      if (!row) {
        // Started, or the first event the site sees of a transaction whose Started it missed.
        const meterStart = registerWh(req.meterValue ?? [], 'Transaction.Begin') ?? lastRegister ?? 0;
        const payload: M.StartTransactionRequest & { extra?: ModelExtra } = { connectorId, idTag: idTag ?? idTagOf(undefined), meterStart, timestamp: req.timestamp };
        if (req.reservationId !== undefined) payload.reservationId = req.reservationId;
        payload.extra = extraOf(req, { withMeterValues: false });
        const s = tx.start({
          chargerId: id, connectorId, idTag: payload.idTag, authStatus: idTagInfo?.status ?? 'Accepted', meterStartWh: meterStart,
          startedAt: req.timestamp, reservationId: req.reservationId, chargerTxId: txId, payload,
        });
        row = tx.get(s.id)!;
        started = true;
      }
      tx.setEventTransaction(rec.rowId!, row.id);
      // Journalled also when 1.6 can say none of the readings: a 2.0.1 cloud gets them (a 1.6 cloud gets nothing for it).
      if (req.eventType !== 'Ended' && (req.meterValue?.length ?? 0) > 0) {
        const payload: M.MeterValuesRequest & { extra?: ModelExtra } = { connectorId, transactionId: row.id, meterValue: mapped.meterValue, extra: extraOf(req, { withMeterValues: true }) };
        tx.meterValues(id, row.id, payload);
      } else if (req.eventType === 'Updated' && !started && deps.journalStateChanges) {
        // No readings, but news (the charging state, a token, the cable): a 2.0.1 cloud gets the event.
        tx.stateChange(id, row.id, connectorId, { ...extraOf(req, { withMeterValues: false }), timestamp: req.timestamp });
      }
      let stopped = false;
      if (req.eventType === 'Ended' && row.stopped_at === null) {
        const meterStop = registerWh(req.meterValue ?? [], 'Transaction.End') ?? lastRegister ?? row.meter_start_wh;
        const payload: M.StopTransactionRequest & { extra?: ModelExtra } = { transactionId: row.id, meterStop, timestamp: req.timestamp, extra: extraOf(req, { withMeterValues: true }) };
        const reason = stopReasonOf(req.transactionInfo.stoppedReason);
        if (reason) payload.reason = reason;
        const stopTag = idTag ?? state.lateIdTags.get(txId);
        if (stopTag) payload.idTag = stopTag;
        const data = meterValuesOf(req.meterValue ?? [], { forStop: true }).meterValue;
        if (data.length > 0) payload.transactionData = data as M.StopTransactionRequest['transactionData'];
        tx.stop({ chargerId: id, transactionId: row.id, idTag: stopTag, meterStopWh: meterStop, stoppedAt: req.timestamp, reason, payload });
        stopped = true;
      }
      return { verdict: rec.verdict, row: tx.get(row.id), started, stopped, lastSeqNo };
    }, 'transaction');

    const localId = r.row!.id;
    const fields = { tx: localId, chargerTx: txId, seqNo: req.seqNo, event: req.eventType, trigger: req.triggerReason, offline: req.offline || undefined };
    if (r.verdict === 'duplicate') log.info('TransactionEvent re-sent by the charger: already recorded, not stored again', fields);
    else if (r.verdict === 'conflict') log.warn('TransactionEvent repeats a seqNo with other content: kept for audit, not applied', fields);
    else {
      if (r.lastSeqNo === null && req.eventType !== 'Started') log.warn('first event of a transaction the site did not see start: transaction created now', fields);
      else if (r.lastSeqNo !== null && req.seqNo > r.lastSeqNo + 1) log.warn('TransactionEvent seqNo gap: events missing', { ...fields, expected: r.lastSeqNo + 1 });
      else if (r.lastSeqNo !== null && req.seqNo < r.lastSeqNo) log.info('TransactionEvent arrived out of order', { ...fields, last: r.lastSeqNo });
      if (mapped.dropped.length > 0) log.info('meter values 1.6 cannot carry: kept in the site\'s record of the event only', { ...fields, dropped: [...new Set(mapped.dropped)].join(',') });
      if (req.eventType === 'Updated' && idTag && r.row!.id_tag !== idTag) {
        state.lateIdTags.set(txId, idTag);
        log.info('idToken given after the start: the cloud saw the start without it; it goes with the stop', { ...fields, idTag });
      }
    }
    if (r.verdict !== 'conflict') applyToSession(session, deps, req, r, connectorId, mapped.meterValue, fields);
    return idTagInfo ? { idTokenInfo: idTokenInfoOf(idTagInfo) } : {};
  });

  function applyToSession(s: ChargerSession, d: HandlerDeps, req: TransactionEvent201, r: Applied, connectorId: number, mv: M.MeterValue[], fields: Record<string, unknown>): void {
    const t = d.now();
    const row = r.row!;
    const c = s.connector(connectorId, t);
    const e = state.evse(connectorId);
    if (req.transactionInfo.chargingState !== undefined) e.chargingState = req.transactionInfo.chargingState;
    if (req.numberOfPhasesUsed !== undefined) e.numberOfPhasesUsed = req.numberOfPhasesUsed;
    const open = row.stopped_at === null;
    if (open && c.transactionId !== row.id) {
      c.transactionId = row.id;
      if (r.verdict === 'new') log.info('transaction started', { ...fields, connector: connectorId, idTag: row.id_tag, auth: row.auth_status });
      registry.emit('transactionStarted', s, connectorId, row.id);
    }
    if (mv.length > 0) {
      c.live = foldMeterValues(c.live, mv);
      registry.emit('meterValues', s, connectorId);
    }
    if (!open) {
      for (const x of s.connectors.values()) if (x.transactionId === row.id) x.transactionId = null;
      e.chargingState = undefined;
      state.lateIdTags.delete(req.transactionInfo.transactionId);
      if (r.stopped) log.info('transaction stopped', { ...fields, reason: row.stop_reason, meterStop: row.meter_stop_wh });
      if (r.stopped || r.verdict === 'duplicate') registry.emit('transactionStopped', s, row.id, true);
    }
    if (refreshStatus(s, connectorId, t)) registry.emit('status', s, connectorId);
  }
}
