// A 2.0.1 cloud's commands: each is translated to the model command the site already
// runs for a 1.6 cloud (../routes.ts siteCommands) and its answer translated back, so
// routing, durability and the balancer's caps are the same code for both versions. What
// 1.6 has no command for (device model, GetChargingProfiles, GetTransactionStatus) is
// answered here from the same sources. Tables: docs/translation.md.
import type { RpcConnection } from '../../ocpp/rpc.js';
import type * as T from '../../ocpp/v16/types.js';
import { siteCommands, type RouteDeps } from '../routes.js';
import { idTagOf, type IdToken201 } from '../../ocpp/v201/mapping.js';
import { idTagInfoOf, meterValuesTo201 } from '../../ocpp/v201/upstream-mapping.js';
import { profileTo201, profileToModel, PURPOSE_TO_MODEL, type Profile201 } from './profiles.js';
import { findVariable, reportData, ITEMS_PER_MESSAGE, type SiteVariable } from './device-model.js';

export interface Route201Deps extends RouteDeps {
  siteVariables: () => SiteVariable[];
  /** The local transaction a transaction id this site gave the cloud names (undefined: not ours / unknown). */
  localIdOfRef: (ref: string) => number | undefined;
  transactionRef: (localId: number) => string;
  /** A RequestStartTransaction for cloud connector k: the transaction for its idTag that starts there answers it. */
  remoteStartPending: (k: number, start: PendingRemoteStart) => void;
  /** The charger refused it: nothing will answer it. */
  remoteStartRefused: (k: number, start: PendingRemoteStart) => void;
  /** Whether messages of a transaction (or any, without one) wait in the outbox; whether it is still running. */
  transactionStatus: (localId?: number) => { messagesInQueue: boolean; ongoing?: boolean };
  /** Sends a best-effort CALL to the cloud (reports after an answer). */
  send: (action: string, payload: unknown) => void;
  /** The site's live MeterValues for cloud connector k (or all), in the model's shape. */
  liveMeterValues: (k: number | undefined, send: (payload: { connectorId: number; meterValue: T.MeterValue[] }) => void) => void;
  statusOf: (k: number) => { status: string };
  /** Journals a triggered reading for each running transaction on cloud connector k (or all); returns how many. */
  triggerTransactionEvents: (k: number | undefined) => number;
}

export interface PendingRemoteStart {
  remoteStartId: number;
  idToken: IdToken201;
  idTag: string;
  receivedAt: number;
}

const ERROR_AS_UNLOCK: Readonly<Record<string, string>> = { Unlocked: 'Unlocked', UnlockFailed: 'UnlockFailed', NotSupported: 'UnlockFailed' };

export function registerRoutes201(rpc: RpcConnection, d: Route201Deps): void {
  const m = siteCommands(d);
  const idTag = (t: IdToken201) => idTagOf(t);

  rpc
    .handle('RequestStartTransaction', async (req: { evseId?: number; remoteStartId: number; idToken: IdToken201; chargingProfile?: Profile201 }) => {
      let chargingProfile: T.ChargingProfile | undefined;
      if (req.chargingProfile) {
        const p = profileToModel(req.chargingProfile);
        if (typeof p === 'string' || p.chargingProfilePurpose !== 'TxProfile') return { status: 'Rejected', statusInfo: { reasonCode: 'InvalidProfile', additionalInfo: typeof p === 'string' ? p.slice(0, 512) : 'not a TxProfile' } };
        chargingProfile = p;
      }
      const k = req.evseId ?? d.connectors.all().find((a) => d.statusOf(a.number).status === 'Available')?.number;
      if (k === undefined || k === 0) return { status: 'Rejected' };
      // Noted before the charger is asked: it may start (and send its StartTransaction) before
      // its answer reaches the site. Only a transaction for this idTag on this EVSE answers it.
      const pending = { remoteStartId: req.remoteStartId, idToken: req.idToken, idTag: idTag(req.idToken), receivedAt: d.now() };
      d.remoteStartPending(k, pending);
      const res = await m.RemoteStartTransaction({ connectorId: k, idTag: pending.idTag, ...(chargingProfile ? { chargingProfile } : {}) });
      if (res.status !== 'Accepted') d.remoteStartRefused(k, pending);
      return { status: res.status };
    })
    .handle('RequestStopTransaction', async (req: { transactionId: string }) => {
      const local = d.localIdOfRef(req.transactionId);
      if (local === undefined || !d.chargerOfTransaction(local)) return { status: 'Rejected' };
      const chargerId = d.chargerOfTransaction(local)!;
      try {
        return { status: (await d.registry.send(chargerId, 'RemoteStopTransaction', { transactionId: local })).status };
      } catch {
        return { status: 'Rejected' };
      }
    })
    .handle('UnlockConnector', async (req: { evseId: number; connectorId: number }) => {
      if (req.connectorId !== 1 || !d.connectors.resolve(req.evseId)) return { status: 'UnknownConnector' };
      const a = d.connectors.resolve(req.evseId)!;
      if (d.runningTransaction(a.chargerId, a.connectorId) !== undefined) return { status: 'OngoingAuthorizedTransaction' };
      const res = await m.UnlockConnector({ connectorId: req.evseId });
      return { status: ERROR_AS_UNLOCK[res.status] ?? 'UnlockFailed' };
    })
    .handle('ChangeAvailability', async (req: { operationalStatus: T.AvailabilityType; evse?: { id: number; connectorId?: number } }) => {
      const k = req.evse?.id ?? 0;
      if (k !== 0 && (!d.connectors.resolve(k) || (req.evse?.connectorId !== undefined && req.evse.connectorId !== 1))) return { status: 'Rejected' };
      return { status: (await m.ChangeAvailability({ connectorId: k, type: req.operationalStatus })).status };
    })
    .handle('Reset', (req: { type: 'Immediate' | 'OnIdle'; evseId?: number }) => {
      // Resetting one EVSE would reset its whole charger (every connector of it): refused.
      if (req.evseId !== undefined) return { status: 'Rejected', statusInfo: { reasonCode: 'UnsupportedRequest', additionalInfo: 'the site resets itself, not one EVSE' } };
      return m.Reset({ type: req.type === 'Immediate' ? 'Hard' : 'Soft' });
    })
    .handle('TriggerMessage', (req: { requestedMessage: string; evse?: { id: number; connectorId?: number } }) => {
      const k = req.evse?.id;
      if (k !== undefined && k !== 0 && !d.connectors.resolve(k)) return { status: 'Rejected' };
      const ok = new Set(['BootNotification', 'Heartbeat', 'StatusNotification', 'MeterValues', 'FirmwareStatusNotification', 'LogStatusNotification', 'TransactionEvent']);
      if (!ok.has(req.requestedMessage)) return { status: 'NotImplemented' };
      // An Updated event (triggerReason Trigger) per running transaction there, through the outbox (seqNo, order, durability).
      if (req.requestedMessage === 'TransactionEvent') return { status: d.triggerTransactionEvents(k || undefined) > 0 ? 'Accepted' : 'Rejected' };
      setImmediate(() => {
        if (req.requestedMessage === 'MeterValues') {
          return d.liveMeterValues(k || undefined, (p) => d.send('MeterValues', { evseId: p.connectorId, meterValue: meterValuesTo201(p.meterValue).meterValue }));
        }
        if (req.requestedMessage === 'FirmwareStatusNotification') return d.send('FirmwareStatusNotification', { status: 'Idle' });
        if (req.requestedMessage === 'LogStatusNotification') return d.send('LogStatusNotification', { status: 'Idle' });
        d.trigger(req.requestedMessage, k || undefined);
      });
      return { status: 'Accepted' };
    })
    .handle('ReserveNow', async (req: { id: number; expiryDateTime: string; idToken: IdToken201; evseId?: number; groupIdToken?: IdToken201 }) => {
      const k = req.evseId ?? d.connectors.all().find((a) => d.statusOf(a.number).status === 'Available')?.number;
      if (k === undefined) return { status: 'Unavailable' };
      const res = await m.ReserveNow({
        connectorId: k, expiryDate: req.expiryDateTime, idTag: idTag(req.idToken), reservationId: req.id,
        ...(req.groupIdToken ? { parentIdTag: idTag(req.groupIdToken) } : {}),
      });
      return { status: res.status };
    })
    .handle('CancelReservation', (req: { reservationId: number }) => m.CancelReservation({ reservationId: req.reservationId }))
    .handle('SetChargingProfile', async (req: { evseId: number; chargingProfile: Profile201 }) => {
      const p = profileToModel(req.chargingProfile);
      if (typeof p === 'string') return { status: 'Rejected', statusInfo: { reasonCode: 'InvalidProfile', additionalInfo: p.slice(0, 512) } };
      const ref = req.chargingProfile.transactionId;
      if (p.chargingProfilePurpose === 'TxProfile' && ref !== undefined) {
        // It must name the transaction running on that EVSE (the model handler binds to that one).
        const a = d.connectors.resolve(req.evseId);
        const running = a ? d.runningTransaction(a.chargerId, a.connectorId) : undefined;
        if (running === undefined || d.localIdOfRef(ref) !== running) return { status: 'Rejected', statusInfo: { reasonCode: 'TxNotFound' } };
      }
      return { status: (await m.SetChargingProfile({ connectorId: req.evseId, csChargingProfiles: p })).status };
    })
    .handle('ClearChargingProfile', async (req: { chargingProfileId?: number; chargingProfileCriteria?: { evseId?: number; chargingProfilePurpose?: string; stackLevel?: number } }) => {
      const c = req.chargingProfileCriteria ?? {};
      const purpose = c.chargingProfilePurpose === undefined ? undefined : PURPOSE_TO_MODEL[c.chargingProfilePurpose];
      if (c.chargingProfilePurpose !== undefined && !purpose) return { status: 'Unknown' };
      return m.ClearChargingProfile({
        ...(req.chargingProfileId !== undefined ? { id: req.chargingProfileId } : {}),
        ...(c.evseId !== undefined ? { connectorId: c.evseId } : {}),
        ...(purpose ? { chargingProfilePurpose: purpose } : {}),
        ...(c.stackLevel !== undefined ? { stackLevel: c.stackLevel } : {}),
      });
    })
    .handle('GetChargingProfiles', (req: { requestId: number; evseId?: number; chargingProfile: { chargingProfilePurpose?: string; stackLevel?: number; chargingProfileId?: number[]; chargingLimitSource?: string[] } }) => {
      const f = req.chargingProfile;
      if (f.chargingLimitSource && !f.chargingLimitSource.includes('CSO')) return { status: 'NoProfiles' };
      const purpose = f.chargingProfilePurpose === undefined ? undefined : PURPOSE_TO_MODEL[f.chargingProfilePurpose];
      const found = d.profiles.all().filter((s) => (req.evseId === undefined || s.connectorNumber === req.evseId) &&
        (f.chargingProfilePurpose === undefined || s.purpose === purpose) && (f.stackLevel === undefined || s.stackLevel === f.stackLevel) &&
        (f.chargingProfileId === undefined || f.chargingProfileId.includes(s.profile.chargingProfileId)));
      if (found.length === 0) return { status: 'NoProfiles' };
      const byEvse = new Map<number, typeof found>();
      for (const s of found) byEvse.set(s.connectorNumber, [...(byEvse.get(s.connectorNumber) ?? []), s]);
      setImmediate(() => {
        const evses = [...byEvse.keys()].sort((a, b) => a - b);
        evses.forEach((k, i) => d.send('ReportChargingProfiles', {
          requestId: req.requestId, chargingLimitSource: 'CSO', evseId: k, tbc: i < evses.length - 1,
          chargingProfile: byEvse.get(k)!.map((s) => profileTo201(s.profile, s.transactionId !== null ? d.transactionRef(s.transactionId) : undefined)),
        }));
      });
      return { status: 'Accepted' };
    })
    .handle('GetCompositeSchedule', (req: { duration: number; chargingRateUnit?: 'A' | 'W'; evseId: number }) => {
      const r = d.compositeSchedule(req.evseId, req.duration, req.chargingRateUnit);
      if (r.status !== 'Accepted' || !r.chargingSchedule) return { status: 'Rejected' };
      const s = r.chargingSchedule;
      return {
        status: 'Accepted',
        schedule: { evseId: req.evseId, duration: s.duration ?? req.duration, scheduleStart: r.scheduleStart, chargingRateUnit: s.chargingRateUnit, chargingSchedulePeriod: s.chargingSchedulePeriod },
      };
    })
    .handle('GetVariables', (req: { getVariableData: Array<{ component: any; variable: any; attributeType?: string }> }) => {
      const vars = d.siteVariables();
      return {
        getVariableResult: req.getVariableData.map((g) => {
          const { ids, v, refused } = lookUp(vars, g);
          return refused ?? { attributeStatus: 'Accepted', attributeValue: v.value().slice(0, 2500), ...ids };
        }),
      };
    })
    .handle('SetVariables', (req: { setVariableData: Array<{ component: any; variable: any; attributeType?: string; attributeValue: string }> }) => {
      const vars = d.siteVariables();
      return {
        setVariableResult: req.setVariableData.map((s) => {
          const { ids, v, refused } = lookUp(vars, s);
          if (refused) return refused;
          if (v.mutability === 'ReadOnly' || !v.key16) return { attributeStatus: 'Rejected', ...ids, attributeStatusInfo: { reasonCode: 'ReadOnly' } };
          const status = d.siteConfig.change(v.key16, s.attributeValue);
          return { attributeStatus: status === 'Accepted' ? 'Accepted' : 'Rejected', ...ids };
        }),
      };
    })
    .handle('GetBaseReport', (req: { requestId: number; reportBase: string }) => {
      const data = reportData(d.siteVariables(), req.reportBase);
      if (data.length === 0) return { status: 'EmptyResultSet' };
      setImmediate(() => {
        const generatedAt = new Date(d.now()).toISOString();
        for (let i = 0, seqNo = 0; i < data.length; i += ITEMS_PER_MESSAGE, seqNo++) {
          d.send('NotifyReport', { requestId: req.requestId, generatedAt, seqNo, tbc: i + ITEMS_PER_MESSAGE < data.length, reportData: data.slice(i, i + ITEMS_PER_MESSAGE) });
        }
      });
      return { status: 'Accepted' };
    })
    .handle('SendLocalList', async (req: { versionNumber: number; updateType: 'Differential' | 'Full'; localAuthorizationList?: Array<{ idToken: IdToken201; idTokenInfo?: any }> }) => {
      const list = (req.localAuthorizationList ?? []).map((e) => ({ idTag: idTag(e.idToken), ...(e.idTokenInfo ? { idTagInfo: idTagInfoOf(e.idTokenInfo, idTag) } : {}) }));
      const res = await m.SendLocalList({ listVersion: req.versionNumber, updateType: req.updateType, localAuthorizationList: list });
      return { status: res.status === 'NotSupported' ? 'Failed' : res.status };
    })
    .handle('GetLocalListVersion', () => ({ versionNumber: m.GetLocalListVersion().listVersion }))
    .handle('ClearCache', () => m.ClearCache())
    .handle('DataTransfer', (req: { vendorId: string }) => m.DataTransfer({ vendorId: req.vendorId }))
    .handle('GetTransactionStatus', (req: { transactionId?: string }) => {
      if (req.transactionId === undefined) return { messagesInQueue: d.transactionStatus().messagesInQueue };
      const local = d.localIdOfRef(req.transactionId);
      if (local === undefined) return { ongoingIndicator: false, messagesInQueue: false };
      const s = d.transactionStatus(local);
      return { ongoingIndicator: s.ongoing ?? false, messagesInQueue: s.messagesInQueue };
    });
}

/** Every CSMS → station action a 2.0.1 cloud can route here (for docs and tests). */
export const CLOUD_COMMANDS_201 = [
  'RequestStartTransaction', 'RequestStopTransaction', 'UnlockConnector', 'ChangeAvailability', 'Reset', 'TriggerMessage', 'ReserveNow',
  'CancelReservation', 'SetChargingProfile', 'ClearChargingProfile', 'GetChargingProfiles', 'GetCompositeSchedule', 'GetVariables',
  'SetVariables', 'GetBaseReport', 'SendLocalList', 'GetLocalListVersion', 'ClearCache', 'DataTransfer', 'GetTransactionStatus',
] as const;

type VariableRef = { component: any; variable: any; attributeType?: string };

/**
 * A GetVariables / SetVariables entry looked up among the site's variables: the ids every answer
 * repeats, and the variable — or the answer refusing it (unknown component or variable, an
 * attribute type other than Actual).
 */
function lookUp(vars: readonly SiteVariable[], r: VariableRef):
  { ids: object; v: SiteVariable; refused?: undefined } | { ids: object; v?: undefined; refused: object } {
  const ids = { component: r.component, variable: r.variable, ...(r.attributeType ? { attributeType: r.attributeType } : {}) };
  const v = findVariable(vars, r);
  if (v === 'component') return { ids, refused: { attributeStatus: 'UnknownComponent', ...ids } };
  if (v === 'variable') return { ids, refused: { attributeStatus: 'UnknownVariable', ...ids } };
  if ((r.attributeType ?? 'Actual') !== 'Actual') return { ids, refused: { attributeStatus: 'NotSupportedAttributeType', ...ids } };
  return { ids, v };
}
