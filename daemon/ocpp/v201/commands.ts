// Model commands (the typed 1.6 command shapes every service sends through
// ChargerRegistry.send) → OCPP 2.0.1 requests, and the 2.0.1 answers → the model's
// (1.6-shaped) responses. Pure: what needs the store or a counter comes in as `env`.
// The RPC layer validates the 2.0.1 request against the 2.0.1 schemas; the session checks
// the translated answer against the 1.6 response schema. See docs/ocpp201.md.
import { RpcError } from '../errors.js';
import type * as V16 from '../v16/types.js';
import { ALL_MAPPED_KEYS, KEY_MAP, deviceVariable, keyFor } from './config-keys.js';

type Req<A extends keyof V16.V16Actions> = V16.V16Actions[A]['req'];
type Conf<A extends keyof V16.V16Actions> = V16.V16Actions[A]['conf'];

export interface CommandEnv {
  /** The charger's own (string) transactionId for a local transaction id; undefined when not known. */
  chargerTxId(localId: number): string | undefined;
  /** A fresh integer for remoteStartId / requestId, unique for this charger over restarts. */
  nextRequestId(): number;
}

/** What to do for one model command: a 2.0.1 CALL and how to read its answer, or an answer without asking. */
export type Translation<R> =
  | { kind: 'call'; action: string; request: Record<string, unknown>; response: (res: any) => R }
  | { kind: 'answer'; response: R };

/**
 * A model transaction id that has no charger transactionId beside it. Not an RpcError on
 * purpose: the charger said nothing, so the balancer counts it as a failed send (retried
 * later), not as the charger refusing a profile form.
 */
export class UnknownChargerTransactionError extends Error {
  constructor(readonly localId: number) {
    super(`transaction ${localId} has no OCPP 2.0.1 transactionId on this charger`);
    this.name = 'UnknownChargerTransactionError';
  }
}

/**
 * IdToken types for the idTags of 1.6 commands, which carry no type. A tag the car driver
 * presents at the charger's reader is an RFID card (ISO14443) for almost every 1.6 cloud;
 * a remote start is the CSMS's own doing, which 2.0.1 calls Central, and so is a group id (parentIdTag):
 * one type for it everywhere (answers, reservations, the local list), so a charger matches it.
 */
export const ID_TOKEN_TYPE = { remoteStart: 'Central', presented: 'ISO14443', group: 'Central' } as const;

const idToken = (idToken: string, type: string) => ({ idToken, type });

const PURPOSE_TO_201: Record<V16.ChargingProfilePurposeType, string> = {
  ChargePointMaxProfile: 'ChargingStationMaxProfile',
  TxDefaultProfile: 'TxDefaultProfile',
  TxProfile: 'TxProfile',
};

/** Drops undefined fields so optional ones are absent, not null, on the wire. */
function clean<T extends Record<string, unknown>>(o: T): T {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}

/** A 1.6 ChargingProfile as a 2.0.1 ChargingProfileType (one schedule; its id is the profile's). */
export function chargingProfileTo201(p: V16.ChargingProfile, env: CommandEnv): Record<string, unknown> {
  let transactionId: string | undefined;
  if (p.transactionId !== undefined) {
    transactionId = env.chargerTxId(p.transactionId);
    if (transactionId === undefined) throw new UnknownChargerTransactionError(p.transactionId);
  }
  const s = p.chargingSchedule;
  return clean({
    id: p.chargingProfileId,
    stackLevel: p.stackLevel,
    chargingProfilePurpose: PURPOSE_TO_201[p.chargingProfilePurpose],
    chargingProfileKind: p.chargingProfileKind,
    recurrencyKind: p.recurrencyKind,
    validFrom: p.validFrom,
    validTo: p.validTo,
    transactionId,
    chargingSchedule: [clean({
      id: p.chargingProfileId,
      startSchedule: s.startSchedule,
      duration: s.duration,
      chargingRateUnit: s.chargingRateUnit,
      minChargingRate: s.minChargingRate,
      chargingSchedulePeriod: s.chargingSchedulePeriod.map((x) => clean({ startPeriod: x.startPeriod, limit: x.limit, numberPhases: x.numberPhases })),
    })],
  });
}

/** A 2.0.1 schedule period as 1.6 (phaseToUse has no 1.6 field: dropped, see docs). */
function periodTo16(x: { startPeriod: number; limit: number; numberPhases?: number }): V16.ChargingSchedulePeriod {
  // 1.6 limits are multiples of 0.1: a finer 2.0.1 limit is rounded down (never above what the charger reported).
  return clean({ startPeriod: x.startPeriod, limit: Math.floor(x.limit * 10 + 1e-9) / 10, numberPhases: x.numberPhases });
}

/** 1.6 connector k ↔ 2.0.1 EVSE k with its connector 1 (DESIGN: "EVSEs 1..N with one connector each"). */
const evse = (connectorId: number | undefined, withConnector = false) =>
  connectorId === undefined || connectorId === 0 ? undefined : withConnector ? { id: connectorId, connectorId: 1 } : { id: connectorId };

const TRIGGER_TO_201: Record<V16.MessageTrigger, string> = {
  BootNotification: 'BootNotification',
  DiagnosticsStatusNotification: 'LogStatusNotification',
  FirmwareStatusNotification: 'FirmwareStatusNotification',
  Heartbeat: 'Heartbeat',
  MeterValues: 'MeterValues',
  StatusNotification: 'StatusNotification',
};

const UNLOCK_TO_16: Record<string, V16.UnlockStatus> = {
  Unlocked: 'Unlocked',
  UnlockFailed: 'UnlockFailed',
  // It refused because a session runs there: the lock did not open.
  OngoingAuthorizedTransaction: 'UnlockFailed',
  UnknownConnector: 'NotSupported',
};

const CONFIG_STATUS_TO_16: Record<string, V16.ConfigurationStatus> = {
  Accepted: 'Accepted',
  Rejected: 'Rejected',
  RebootRequired: 'RebootRequired',
  UnknownComponent: 'NotSupported',
  UnknownVariable: 'NotSupported',
  NotSupportedAttributeType: 'NotSupported',
};

interface VariableResult {
  attributeStatus: string;
  attributeValue?: string;
  component: { name: string; instance?: string };
  variable: { name: string; instance?: string };
}

type Translators = { [A in keyof V16.V16Actions]?: (req: Req<A>, env: CommandEnv) => Translation<Conf<A>> };

const call = <R>(action: string, request: Record<string, unknown>, response: (res: any) => R): Translation<R> => ({ kind: 'call', action, request, response });

const TRANSLATORS: Translators = {
  SetChargingProfile: (req, env) =>
    call('SetChargingProfile', { evseId: req.connectorId, chargingProfile: chargingProfileTo201(req.csChargingProfiles, env) },
      (res: { status: 'Accepted' | 'Rejected' }) => ({ status: res.status })),

  ClearChargingProfile: (req) => {
    const criteria = clean({
      evseId: req.connectorId,
      chargingProfilePurpose: req.chargingProfilePurpose && PURPOSE_TO_201[req.chargingProfilePurpose],
      stackLevel: req.stackLevel,
    });
    return call('ClearChargingProfile', clean({
      chargingProfileId: req.id,
      chargingProfileCriteria: Object.keys(criteria).length > 0 ? criteria : undefined,
    }), (res: { status: 'Accepted' | 'Unknown' }) => ({ status: res.status }));
  },

  GetCompositeSchedule: (req) =>
    call('GetCompositeSchedule', clean({ evseId: req.connectorId, duration: req.duration, chargingRateUnit: req.chargingRateUnit }),
      (res: { status: 'Accepted' | 'Rejected'; schedule?: { evseId: number; duration: number; scheduleStart: string; chargingRateUnit: 'A' | 'W'; chargingSchedulePeriod: Array<{ startPeriod: number; limit: number; numberPhases?: number }> } }) => {
        const s = res.schedule;
        if (res.status !== 'Accepted' || !s) return { status: res.status };
        return {
          status: 'Accepted',
          connectorId: s.evseId,
          scheduleStart: s.scheduleStart,
          chargingSchedule: { duration: s.duration, startSchedule: s.scheduleStart, chargingRateUnit: s.chargingRateUnit, chargingSchedulePeriod: s.chargingSchedulePeriod.map(periodTo16) },
        };
      }),

  RemoteStartTransaction: (req, env) =>
    call('RequestStartTransaction', clean({
      evseId: req.connectorId === 0 ? undefined : req.connectorId,
      remoteStartId: env.nextRequestId(),
      idToken: idToken(req.idTag, ID_TOKEN_TYPE.remoteStart),
      chargingProfile: req.chargingProfile && chargingProfileTo201(req.chargingProfile, env),
    }), (res: { status: 'Accepted' | 'Rejected' }) => ({ status: res.status })),

  RemoteStopTransaction: (req, env) => {
    const transactionId = env.chargerTxId(req.transactionId);
    if (transactionId === undefined) throw new UnknownChargerTransactionError(req.transactionId);
    return call('RequestStopTransaction', { transactionId }, (res: { status: 'Accepted' | 'Rejected' }) => ({ status: res.status }));
  },

  ChangeAvailability: (req) =>
    call('ChangeAvailability', clean({ operationalStatus: req.type, evse: evse(req.connectorId) }),
      (res: { status: 'Accepted' | 'Rejected' | 'Scheduled' }) => ({ status: res.status })),

  // 1.6 Soft ends sessions and restarts; the gentler 2.0.1 OnIdle waits for them to end. Hard: at once.
  Reset: (req) =>
    call('Reset', { type: req.type === 'Hard' ? 'Immediate' : 'OnIdle' },
      (res: { status: 'Accepted' | 'Rejected' | 'Scheduled' }) => ({ status: res.status === 'Rejected' ? 'Rejected' : 'Accepted' })),

  UnlockConnector: (req) =>
    call('UnlockConnector', { evseId: req.connectorId, connectorId: 1 }, (res: { status: string }) => ({ status: UNLOCK_TO_16[res.status] ?? 'UnlockFailed' })),

  TriggerMessage: (req) =>
    call('TriggerMessage', clean({ requestedMessage: TRIGGER_TO_201[req.requestedMessage], evse: evse(req.connectorId, req.requestedMessage === 'StatusNotification') }),
      (res: { status: 'Accepted' | 'Rejected' | 'NotImplemented' }) => ({ status: res.status })),

  ReserveNow: (req) =>
    call('ReserveNow', clean({
      id: req.reservationId,
      expiryDateTime: req.expiryDate,
      idToken: idToken(req.idTag, ID_TOKEN_TYPE.presented),
      evseId: req.connectorId === 0 ? undefined : req.connectorId,
      groupIdToken: req.parentIdTag === undefined ? undefined : idToken(req.parentIdTag, ID_TOKEN_TYPE.group),
    }), (res: { status: V16.ReservationStatus }) => ({ status: res.status })),

  CancelReservation: (req) =>
    call('CancelReservation', { reservationId: req.reservationId }, (res: { status: 'Accepted' | 'Rejected' }) => ({ status: res.status })),

  SendLocalList: (req) =>
    call('SendLocalList', clean({
      versionNumber: req.listVersion,
      updateType: req.updateType,
      localAuthorizationList: req.localAuthorizationList?.map((e) => clean({
        idToken: idToken(e.idTag, ID_TOKEN_TYPE.presented),
        idTokenInfo: e.idTagInfo && clean({
          status: e.idTagInfo.status,
          cacheExpiryDateTime: e.idTagInfo.expiryDate,
          groupIdToken: e.idTagInfo.parentIdTag === undefined ? undefined : idToken(e.idTagInfo.parentIdTag, ID_TOKEN_TYPE.group),
        }),
      })),
    }), (res: { status: 'Accepted' | 'Failed' | 'VersionMismatch' }) => ({ status: res.status })),

  GetLocalListVersion: () => call('GetLocalListVersion', {}, (res: { versionNumber: number }) => ({ listVersion: res.versionNumber })),

  ClearCache: () => call('ClearCache', {}, (res: { status: 'Accepted' | 'Rejected' }) => ({ status: res.status })),

  DataTransfer: (req) =>
    call('DataTransfer', clean({ vendorId: req.vendorId, messageId: req.messageId, data: req.data }),
      (res: { status: V16.DataTransferStatus; data?: unknown }) =>
        // 2.0.1 data may be any JSON; 1.6 data is a string.
        clean({ status: res.status, data: res.data === undefined ? undefined : typeof res.data === 'string' ? res.data : JSON.stringify(res.data) })),

  GetConfiguration: (req) => {
    const asked = req.key === undefined || req.key.length === 0 ? [...ALL_MAPPED_KEYS] : req.key;
    const mapped = asked.filter((k) => KEY_MAP[k] !== undefined);
    const unmapped = asked.filter((k) => KEY_MAP[k] === undefined);
    if (mapped.length === 0) return { kind: 'answer', response: { configurationKey: [], unknownKey: unmapped } };
    return call('GetVariables', { getVariableData: mapped.map((k) => ({ ...deviceVariable(KEY_MAP[k]), attributeType: 'Actual' })) },
      (res: { getVariableResult: VariableResult[] }) => {
        const configurationKey: V16.KeyValue[] = [];
        const known = new Set<string>();
        for (const r of res.getVariableResult) {
          const key = keyFor(r, mapped);
          if (key === undefined || r.attributeStatus !== 'Accepted' || known.has(key)) continue;
          known.add(key);
          const value = r.attributeValue === undefined ? undefined : (KEY_MAP[key].to16 ?? ((x: string) => x))(r.attributeValue);
          // GetVariables does not say whether a variable is writable (that needs GetBaseReport): reported as writable.
          configurationKey.push(clean({ key, readonly: false, value: value?.slice(0, 500) }));
        }
        return { configurationKey, unknownKey: [...unmapped, ...mapped.filter((k) => !known.has(k))] };
      });
  },

  ChangeConfiguration: (req) => {
    const m = KEY_MAP[req.key];
    if (!m) return { kind: 'answer', response: { status: 'NotSupported' } };
    return call('SetVariables', { setVariableData: [{ ...deviceVariable(m), attributeType: 'Actual', attributeValue: (m.to201 ?? ((x: string) => x))(req.value) }] },
      (res: { setVariableResult: VariableResult[] }) => {
        const r = res.setVariableResult.find((x) => keyFor(x, [req.key]) !== undefined) ?? res.setVariableResult[0];
        return { status: (r && CONFIG_STATUS_TO_16[r.attributeStatus]) ?? 'Rejected' };
      });
  },

  GetDiagnostics: (req, env) =>
    call('GetLog', clean({
      logType: 'DiagnosticsLog',
      requestId: env.nextRequestId(),
      retries: req.retries,
      retryInterval: req.retryInterval,
      log: clean({ remoteLocation: req.location, oldestTimestamp: req.startTime, latestTimestamp: req.stopTime }),
    }), (res: { status: string; filename?: string }) => clean({ fileName: res.status === 'Rejected' ? undefined : res.filename })),

  UpdateFirmware: (req, env) =>
    call('UpdateFirmware', clean({
      requestId: env.nextRequestId(),
      retries: req.retries,
      retryInterval: req.retryInterval,
      firmware: { location: req.location, retrieveDateTime: req.retrieveDate },
    }), () => ({})),
};

/**
 * The 2.0.1 form of a model command. Throws RpcError NotSupported, before anything is sent,
 * for a command 2.0.1 has no equivalent for, and UnknownChargerTransactionError for a
 * transaction the charger never told us its id for.
 */
export function commandTo201<A extends keyof V16.V16Actions>(action: A, request: Req<A>, env: CommandEnv): Translation<Conf<A>> {
  const t = TRANSLATORS[action] as ((req: Req<A>, env: CommandEnv) => Translation<Conf<A>>) | undefined;
  if (!t) throw new RpcError('NotSupported', `${action} has no OCPP 2.0.1 equivalent`);
  return t(request, env);
}

/** The model commands a 2.0.1 charger can be sent. */
export const COMMANDS_201: readonly string[] = Object.keys(TRANSLATORS);
