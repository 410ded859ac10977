// The OCPP 2.0.1 charger dialect: every charger-initiated 2.0.1 message, turned into
// the model the rest of the daemon knows (connector state in the 1.6 vocabulary, the
// transaction store and journal, the registry's events). TransactionEvent is in
// transaction-event.ts; what 1.6 cannot carry is listed in docs/ocpp201.md.
import type { ChargerSession } from '../session.js';
import type { HandlerDeps } from '../handlers.js';
import { connectorIdProblem } from '../connectors.js';
import { foldMeterValues } from '../live.js';
import { RpcError } from '../../ocpp/errors.js';
import { idTokenInfoOf, meterValuesOf, type IdToken201 } from '../../ocpp/v201/mapping.js';
import { reportedLimitFrom201, v201State } from './state.js';
import { authorizeToken, refreshStatus } from './model.js';
import { registerTransactionEvent } from './transaction-event.js';
import type * as W from './wire.js';

export function registerV201Handlers(session: ChargerSession, deps: HandlerDeps): void {
  const { store, registry, now } = deps;
  const log = deps.log.child('local', { charger: session.id });
  const id = session.id;
  const state = v201State(session);
  const seen = () => (session.lastSeenAt = now());
  const iso = () => new Date(now()).toISOString();
  // As for 1.6: what a charger tells about itself is kept best effort (the live state is in memory).
  const bestEffort = async (what: string, write: () => Promise<unknown>): Promise<void> => {
    try {
      await write();
    } catch (err) {
      log.warn('could not store charger state (kept in memory)', { what, err: (err as Error).message });
    }
  };
  // EVSE k is connector k of the model: the same range rules as 1.6 connectorIds.
  const checkEvse = (action: string, evseId: number) => {
    const problem = connectorIdProblem('StatusNotification', evseId, session.maxConnectorId);
    if (!problem) return;
    log.warn('refused: evseId outside the charger\'s EVSEs', { action, evse: evseId, max: session.maxConnectorId });
    throw new RpcError('PropertyConstraintViolation', problem.replace('StatusNotification.connectorId', `${action}.evseId`), { field: 'evseId', min: 0, max: session.maxConnectorId });
  };

  registerTransactionEvent(session, deps, log);
  session.rpc
    .handle('BootNotification', async (req: W.BootNotification201) => {
      seen();
      const cs = req.chargingStation;
      session.boot = { vendor: cs.vendorName, model: cs.model, serialNumber: cs.serialNumber, firmwareVersion: cs.firmwareVersion, iccid: cs.modem?.iccid, imsi: cs.modem?.imsi };
      await bestEffort('recordBoot', () => store.write(() => store.chargers.recordBoot(id, session.boot!)));
      log.info('boot', { vendor: cs.vendorName, model: cs.model, firmware: cs.firmwareVersion, reason: req.reason, protocol: 'ocpp2.0.1' });
      return { status: 'Accepted', currentTime: iso(), interval: deps.config.heartbeatIntervalS };
    })
    .handle('Heartbeat', () => {
      seen();
      return { currentTime: iso() };
    })
    .handle('StatusNotification', async (req: W.StatusNotification201) => {
      seen();
      checkEvse('StatusNotification', req.evseId);
      state.evse(req.evseId).connectors.set(req.connectorId, req.connectorStatus);
      refreshStatus(session, req.evseId, now());
      const c = session.connector(req.evseId, now());
      c.confirmed = true;
      await bestEffort('recordStatus', () => store.write(() => store.chargers.recordStatus(id, {
        connectorId: req.evseId, status: c.status, errorCode: c.errorCode, info: `2.0.1 connector ${req.connectorId}: ${req.connectorStatus}`, timestamp: req.timestamp,
      })));
      if (req.connectorStatus === 'Faulted') log.warn('connector fault', { connector: req.evseId, evseConnector: req.connectorId, status: req.connectorStatus });
      registry.emit('status', session, req.evseId);
      return {};
    })
    .handle('Authorize', async (req: { idToken: IdToken201 }) => {
      seen();
      return { idTokenInfo: idTokenInfoOf(await authorizeToken(deps, id, req.idToken, 'Authorize')) };
    })
    .handle('MeterValues', (req: W.MeterValues201) => {
      // Never part of a transaction in 2.0.1 (those come in TransactionEvent): live figures only.
      seen();
      checkEvse('MeterValues', req.evseId);
      const c = session.connector(req.evseId, now());
      c.live = foldMeterValues(c.live, meterValuesOf(req.meterValue).meterValue);
      registry.emit('meterValues', session, req.evseId);
      return {};
    })
    .handle('NotifyEvent', (req: W.NotifyEvent201) => {
      seen();
      for (const e of req.eventData.slice(0, 20)) {
        const fields = { component: e.component.name, evse: e.component.evse?.id, variable: e.variable.name, value: e.actualValue, trigger: e.trigger, cleared: e.cleared, techCode: e.techCode };
        if (e.trigger === 'Alerting' && !e.cleared) log.warn('charger event', fields);
        else log.info('charger event', fields);
      }
      if (req.eventData.length > 20) log.info('charger events not logged one by one', { more: req.eventData.length - 20 });
      return {};
    })
    .handle('NotifyReport', (req: W.NotifyReport201) => {
      seen();
      log.info('report from charger', { requestId: req.requestId, seqNo: req.seqNo, items: req.reportData?.length ?? 0, more: req.tbc || undefined });
      return {};
    })
    .handle('SecurityEventNotification', (req: { type: string; timestamp: string; techInfo?: string }) => {
      seen();
      log.warn('security event', { type: req.type, at: req.timestamp, info: req.techInfo });
      return {};
    })
    .handle('FirmwareStatusNotification', async (req: { status: string }) => {
      seen();
      await bestEffort('setFirmwareStatus', () => store.write(() => store.chargers.setFirmwareStatus(id, req.status)));
      log.info('firmware status', { status: req.status });
      return {};
    })
    .handle('LogStatusNotification', async (req: { status: string; requestId?: number }) => {
      // 2.0.1's log upload is 1.6's diagnostics upload: kept in the same place.
      seen();
      await bestEffort('setDiagnosticsStatus', () => store.write(() => store.chargers.setDiagnosticsStatus(id, req.status)));
      return {};
    })
    .handle('NotifyChargingLimit', (req: W.ChargingLimit201) => {
      seen();
      const limit = reportedLimitFrom201(req, now());
      if (limit.evseId !== 0) checkEvse('NotifyChargingLimit', limit.evseId);
      session.reportedLimits.set(`${limit.evseId}/${limit.source}`, limit);
      const first = limit.schedules[0]?.periods[0];
      log.info('external charging limit reported: a cap for the balancer', {
        evse: limit.evseId, source: limit.source, gridCritical: limit.isGridCritical, schedules: limit.schedules.length,
        limit: first?.limit, unit: limit.schedules[0]?.unit,
      });
      registry.emit('chargingLimit', session, limit.evseId);
      return {};
    })
    .handle('ClearedChargingLimit', (req: { chargingLimitSource: string; evseId?: number }) => {
      seen();
      const evseId = req.evseId ?? 0;
      const had = session.reportedLimits.delete(`${evseId}/${req.chargingLimitSource}`);
      log.info('external charging limit cleared', { evse: evseId, source: req.chargingLimitSource, known: had });
      if (had) registry.emit('chargingLimit', session, evseId);
      return {};
    })
    .handle('ReportChargingProfiles', (req: { requestId: number; chargingLimitSource: string; evseId: number; chargingProfile: unknown[]; tbc?: boolean }) => {
      seen();
      log.info('charging profiles reported', { requestId: req.requestId, evse: req.evseId, source: req.chargingLimitSource, profiles: req.chargingProfile.length });
      return {};
    })
    .handle('ReservationStatusUpdate', (req: { reservationId: number; reservationUpdateStatus: string }) => {
      seen();
      log.info('reservation status', { reservation: req.reservationId, status: req.reservationUpdateStatus });
      return {};
    })
    .handle('DataTransfer', (req: { vendorId: string; messageId?: string }) => {
      seen();
      log.info('DataTransfer from charger', { vendorId: req.vendorId, messageId: req.messageId });
      return { status: 'UnknownVendorId' };
    });
}
