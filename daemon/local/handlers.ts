// Handlers for every charger-initiated OCPP 1.6 message. Transaction messages are
// committed to SQLite before the CALLRESULT goes out (principle 1); everything else
// is answered at once from local state.
import type { Logger } from '../log.js';
import type { Store } from '../store/store.js';
import type { LocalConfig } from '../config/types.js';
import type * as T from '../ocpp/v16/types.js';
import type { Authorizer } from './authorizer.js';
import type { ChargerSession } from './session.js';
import type { ChargerRegistry } from './registry.js';
import { foldMeterValues } from './live.js';
import { chargingStateOf, connectorIdProblem, type ConnectorMessage } from './connectors.js';
import { RpcError } from '../ocpp/errors.js';

export interface HandlerDeps {
  store: Store;
  authorizer: Authorizer;
  registry: ChargerRegistry;
  config: Pick<LocalConfig, 'heartbeatIntervalS'>;
  log: Logger;
  now: () => number;
  /**
   * Journal a running transaction's changes of charging state that come without readings (see
   * TransactionRepository.stateChange): only a 2.0.1 cloud has an event for them. Behind a 1.6
   * cloud (or none) they would only be rows that are never sent and inflate the outbox depth.
   */
  journalStateChanges?: boolean;
}

async function authorizeSafely(deps: HandlerDeps, req: Parameters<Authorizer['authorize']>[0]): Promise<T.IdTagInfo> {
  try {
    return await deps.authorizer.authorize(req);
  } catch (err) {
    deps.log.error('authorizer failed; answering Invalid', { charger: req.chargerId, err: (err as Error).message });
    return { status: 'Invalid' };
  }
}

export function registerHandlers(session: ChargerSession, deps: HandlerDeps): void {
  const { store, registry, now } = deps;
  const log = deps.log.child('local', { charger: session.id });
  const id = session.id;
  // The connector's status when the message came (a 2.0.1 cloud reads it as the chargingState); a 1.6 cloud never sees it.
  const withStatus = <P extends object>(req: P, connectorId: number): P => {
    const status = session.connectors.get(connectorId)?.status;
    return status === undefined || status === 'Unknown' ? req : { ...req, extra: { status } };
  };
  const seen = () => (session.lastSeenAt = now());
  const iso = () => new Date(now()).toISOString();
  // What a charger tells about itself (boot, status, firmware) is kept for restarts and
  // diagnostics; a store that cannot write (disk full) must not make us refuse it, since the
  // live state is in memory. Transaction messages, in contrast, are refused (see below).
  const bestEffort = async (what: string, write: () => Promise<unknown>): Promise<void> => {
    try {
      await write();
    } catch (err) {
      log.warn('could not store charger state (kept in memory)', { what, err: (err as Error).message });
    }
  };
  // Before anything is stored or emitted: an id outside the charger's connectors would
  // create rows, transactions and cloud connector numbers for connectors that do not exist.
  const checkConnector = (action: ConnectorMessage, connectorId: number) => {
    const problem = connectorIdProblem(action, connectorId, session.maxConnectorId);
    if (!problem) return;
    log.warn('refused: connectorId outside the charger\'s connectors', { action, connector: connectorId, max: session.maxConnectorId });
    throw new RpcError('PropertyConstraintViolation', problem, { field: 'connectorId', min: action === 'StartTransaction' ? 1 : 0, max: session.maxConnectorId });
  };

  session.rpc
    .handle('BootNotification', async (req: T.BootNotificationRequest): Promise<T.BootNotificationResponse> => {
      seen();
      session.boot = {
        vendor: req.chargePointVendor, model: req.chargePointModel,
        serialNumber: req.chargePointSerialNumber ?? req.chargeBoxSerialNumber, firmwareVersion: req.firmwareVersion,
        iccid: req.iccid, imsi: req.imsi, meterType: req.meterType, meterSerialNumber: req.meterSerialNumber,
      };
      await bestEffort('recordBoot', () => store.write(() => store.chargers.recordBoot(id, session.boot!)));
      log.info('boot', { vendor: req.chargePointVendor, model: req.chargePointModel, firmware: req.firmwareVersion });
      return { status: 'Accepted', currentTime: iso(), interval: deps.config.heartbeatIntervalS };
    })
    .handle('Heartbeat', (): T.HeartbeatResponse => {
      seen();
      return { currentTime: iso() };
    })
    .handle('StatusNotification', async (req: T.StatusNotificationRequest): Promise<T.StatusNotificationResponse> => {
      seen();
      checkConnector('StatusNotification', req.connectorId);
      const c = session.connector(req.connectorId, now());
      // A running transaction whose charging state moves (Charging ↔ SuspendedEV ...): news for a
      // 2.0.1 cloud (its own Updated event), journalled with the status; a 1.6 cloud has the status.
      const txId = c.transactionId;
      const stateChanged = !!deps.journalStateChanges && txId !== null && req.connectorId > 0 && chargingStateOf(req.status) !== undefined && chargingStateOf(req.status) !== chargingStateOf(c.status);
      c.status = req.status;
      c.errorCode = req.errorCode;
      c.updatedAt = now();
      c.confirmed = true;
      await bestEffort('recordStatus', () => store.write(() => {
        store.chargers.recordStatus(id, {
          connectorId: req.connectorId, status: req.status, errorCode: req.errorCode, info: req.info,
          vendorId: req.vendorId, vendorErrorCode: req.vendorErrorCode, timestamp: req.timestamp,
        });
        if (stateChanged) store.transactions.stateChange(id, txId, req.connectorId, { status: req.status, timestamp: req.timestamp ?? iso() });
      }));
      if (req.errorCode !== 'NoError') log.warn('connector fault', { connector: req.connectorId, status: req.status, error: req.errorCode, info: req.info });
      registry.emit('status', session, req.connectorId);
      return {};
    })
    .handle('Authorize', async (req: T.AuthorizeRequest): Promise<T.AuthorizeResponse> => {
      seen();
      return { idTagInfo: await authorizeSafely(deps, { chargerId: id, idTag: req.idTag, purpose: 'Authorize' }) };
    })
    .handle('StartTransaction', async (req: T.StartTransactionRequest): Promise<T.StartTransactionResponse> => {
      seen();
      checkConnector('StartTransaction', req.connectorId);
      const idTagInfo = await authorizeSafely(deps, { chargerId: id, idTag: req.idTag, connectorId: req.connectorId, purpose: 'StartTransaction' });
      const { id: transactionId, duplicate } = await store.write(() => store.transactions.start({
        chargerId: id, connectorId: req.connectorId, idTag: req.idTag, authStatus: idTagInfo.status,
        meterStartWh: req.meterStart, startedAt: req.timestamp, reservationId: req.reservationId, payload: withStatus(req, req.connectorId),
      }), 'transaction');
      session.connector(req.connectorId, now()).transactionId = transactionId;
      log.info('transaction started', { connector: req.connectorId, tx: transactionId, idTag: req.idTag, auth: idTagInfo.status, retry: duplicate || undefined });
      registry.emit('transactionStarted', session, req.connectorId, transactionId);
      return { transactionId, idTagInfo };
    })
    .handle('StopTransaction', async (req: T.StopTransactionRequest): Promise<T.StopTransactionResponse> => {
      seen();
      const idTagInfo = req.idTag ? await authorizeSafely(deps, { chargerId: id, idTag: req.idTag, purpose: 'StopTransaction' }) : undefined;
      const r = await store.write(() => store.transactions.stop({
        chargerId: id, transactionId: req.transactionId, idTag: req.idTag, meterStopWh: req.meterStop,
        stoppedAt: req.timestamp, reason: req.reason, payload: req,
      }), 'transaction');
      for (const c of session.connectors.values()) if (c.transactionId === req.transactionId) c.transactionId = null;
      if (!r.known) log.warn('StopTransaction for an unknown transaction: recorded and acknowledged', { tx: req.transactionId });
      else if (r.conflict) log.warn('second StopTransaction with another end for a stopped transaction: kept for audit, not sent to the cloud', { tx: req.transactionId, timestamp: req.timestamp, meterStop: req.meterStop });
      else log.info('transaction stopped', { tx: req.transactionId, reason: req.reason, meterStop: req.meterStop, retry: r.duplicate || undefined });
      registry.emit('transactionStopped', session, req.transactionId, r.known);
      return idTagInfo ? { idTagInfo } : {};
    })
    .handle('MeterValues', async (req: T.MeterValuesRequest): Promise<T.MeterValuesResponse> => {
      seen();
      checkConnector('MeterValues', req.connectorId);
      if (req.transactionId !== undefined) {
        const txId = req.transactionId;
        const r = await store.write(() => store.transactions.meterValues(id, txId, withStatus(req, req.connectorId)), 'transaction').catch((err: unknown) => {
          store.transactions.forget(txId);
          throw err;
        });
        if (r.known && !r.duplicate) store.transactions.committed(txId, r.contentKey);
        if (!r.known && !r.duplicate) log.warn('MeterValues for an unknown transaction: recorded', { tx: txId });
        if (r.duplicate) log.info('MeterValues re-sent by the charger: already recorded, not stored again', { tx: txId });
      }
      const c = session.connector(req.connectorId, now());
      c.live = foldMeterValues(c.live, req.meterValue);
      registry.emit('meterValues', session, req.connectorId);
      return {};
    })
    .handle('DataTransfer', (req: T.DataTransferRequest): T.DataTransferResponse => {
      seen();
      log.info('DataTransfer from charger', { vendorId: req.vendorId, messageId: req.messageId });
      return { status: 'UnknownVendorId' };
    })
    .handle('DiagnosticsStatusNotification', async (req: T.DiagnosticsStatusNotificationRequest): Promise<T.DiagnosticsStatusNotificationResponse> => {
      seen();
      await bestEffort('setDiagnosticsStatus', () => store.write(() => store.chargers.setDiagnosticsStatus(id, req.status)));
      return {};
    })
    .handle('FirmwareStatusNotification', async (req: T.FirmwareStatusNotificationRequest): Promise<T.FirmwareStatusNotificationResponse> => {
      seen();
      await bestEffort('setFirmwareStatus', () => store.write(() => store.chargers.setFirmwareStatus(id, req.status)));
      log.info('firmware status', { status: req.status });
      return {};
    });
}
