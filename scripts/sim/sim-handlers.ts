// How the simulated charger answers the CSMS's CALLs (OCPP 1.6 §5). Each answer is
// computed synchronously from the charger's state; messages a real charger sends as a
// consequence (StartTransaction after RemoteStart, the message TriggerMessage asked for)
// go in `after`, which the charger runs once the CALLRESULT is on the wire.
import type { SimCharger } from './charger-sim.js';
import type { SimChargerState } from './sim-state.js';
import type { ChargingProfile } from './sim-profiles.js';
import { isObject } from './sim-rpc.js';

export type Answer =
  | { result: object; after?: () => Promise<unknown> }
  | { error: string; description: string };

const ok = (result: object, after?: () => Promise<unknown>): Answer => ({ result, after });
const fail = (error: string, description: string): Answer => ({ error, description });

export function defaultConfiguration(connectors: number, rateUnits: string): Map<string, { value: string; readonly: boolean }> {
  const rw = (value: string) => ({ value, readonly: false });
  const ro = (value: string) => ({ value, readonly: true });
  return new Map(
    Object.entries({
      HeartbeatInterval: rw('300'),
      MeterValueSampleInterval: rw('10'),
      ClockAlignedDataInterval: rw('0'),
      ConnectionTimeOut: rw('60'),
      MeterValuesSampledData: rw('Energy.Active.Import.Register,Power.Active.Import,Current.Import,Current.Offered'),
      MeterValuesAlignedData: rw(''),
      StopTxnSampledData: rw(''),
      StopTxnAlignedData: rw(''),
      StopTransactionOnInvalidId: rw('true'),
      AuthorizeRemoteTxRequests: rw('false'),
      LocalAuthorizeOffline: rw('true'),
      LocalPreAuthorize: rw('false'),
      LocalAuthListEnabled: rw('true'),
      TransactionMessageAttempts: rw('3'),
      TransactionMessageRetryInterval: rw('60'),
      UnlockConnectorOnEVSideDisconnect: rw('true'),
      WebSocketPingInterval: rw('0'),
      ResetRetries: rw('1'),
      ConnectorPhaseRotation: rw('NotApplicable'),
      NumberOfConnectors: ro(String(connectors)),
      GetConfigurationMaxKeys: ro('50'),
      LocalAuthListMaxLength: ro('100'),
      SendLocalListMaxLength: ro('100'),
      SupportedFeatureProfiles: ro('Core,FirmwareManagement,LocalAuthListManagement,Reservation,SmartCharging,RemoteTrigger'),
      ChargeProfileMaxStackLevel: ro('10'),
      ChargingScheduleAllowedChargingRateUnit: ro(rateUnits),
      ChargingScheduleMaxPeriods: ro('24'),
      MaxChargingProfilesInstalled: ro('20'),
    }),
  );
}

const INT_KEYS = new Set(['HeartbeatInterval', 'MeterValueSampleInterval', 'ClockAlignedDataInterval', 'ConnectionTimeOut', 'TransactionMessageAttempts', 'TransactionMessageRetryInterval', 'WebSocketPingInterval', 'ResetRetries']);
const BOOL_KEYS = new Set(['StopTransactionOnInvalidId', 'AuthorizeRemoteTxRequests', 'LocalAuthorizeOffline', 'LocalPreAuthorize', 'LocalAuthListEnabled', 'UnlockConnectorOnEVSideDisconnect']);

export type Kind = 'string' | 'integer' | 'number' | 'object' | 'array';
// [field, kind, required] per action: enough to catch a CSMS sending the wrong shape,
// without pulling in the OCA schemas the daemon validates with (independence again).
const SHAPES: Record<string, Array<[string, Kind, boolean]>> = {
  GetConfiguration: [['key', 'array', false]],
  ChangeConfiguration: [['key', 'string', true], ['value', 'string', true]],
  SetChargingProfile: [['connectorId', 'integer', true], ['csChargingProfiles', 'object', true]],
  ClearChargingProfile: [['id', 'integer', false], ['connectorId', 'integer', false], ['chargingProfilePurpose', 'string', false], ['stackLevel', 'integer', false]],
  GetCompositeSchedule: [['connectorId', 'integer', true], ['duration', 'integer', true], ['chargingRateUnit', 'string', false]],
  RemoteStartTransaction: [['connectorId', 'integer', false], ['idTag', 'string', true], ['chargingProfile', 'object', false]],
  RemoteStopTransaction: [['transactionId', 'integer', true]],
  ChangeAvailability: [['connectorId', 'integer', true], ['type', 'string', true]],
  Reset: [['type', 'string', true]],
  UnlockConnector: [['connectorId', 'integer', true]],
  TriggerMessage: [['requestedMessage', 'string', true], ['connectorId', 'integer', false]],
  ReserveNow: [['connectorId', 'integer', true], ['expiryDate', 'string', true], ['idTag', 'string', true], ['reservationId', 'integer', true]],
  CancelReservation: [['reservationId', 'integer', true]],
  SendLocalList: [['listVersion', 'integer', true], ['updateType', 'string', true], ['localAuthorizationList', 'array', false]],
  DataTransfer: [['vendorId', 'string', true]],
};

function isKind(v: unknown, k: Kind): boolean {
  if (k === 'integer') return Number.isInteger(v);
  if (k === 'array') return Array.isArray(v);
  if (k === 'object') return isObject(v);
  return typeof v === k;
}

/** The first required field missing or of the wrong kind, as the answer; `occurrence` is the version's spelling. */
export function checkShape(
  shapes: Record<string, ReadonlyArray<readonly [string, Kind, boolean]>>, action: string, p: any,
  occurrence: 'OccurenceConstraintViolation' | 'OccurrenceConstraintViolation' = 'OccurenceConstraintViolation',
): Answer | undefined {
  for (const [field, kind, required] of shapes[action] ?? []) {
    if (p[field] === undefined) {
      if (required) return { error: occurrence, description: `${action}.${field} is required` };
    } else if (!isKind(p[field], kind)) {
      return { error: 'TypeConstraintViolation', description: `${action}.${field} must be ${kind}` };
    }
  }
  return undefined;
}

export function checkProfile(cp: any): Answer | undefined {
  const bad = (d: string) => fail('PropertyConstraintViolation', `chargingProfile: ${d}`);
  if (!Number.isInteger(cp.chargingProfileId) || !Number.isInteger(cp.stackLevel) || cp.stackLevel < 0) return bad('chargingProfileId/stackLevel must be integers, stackLevel >= 0');
  if (!['ChargePointMaxProfile', 'TxDefaultProfile', 'TxProfile'].includes(cp.chargingProfilePurpose)) return bad('bad chargingProfilePurpose');
  if (!['Absolute', 'Recurring', 'Relative'].includes(cp.chargingProfileKind)) return bad('bad chargingProfileKind');
  if (cp.chargingProfileKind === 'Recurring' && !['Daily', 'Weekly'].includes(cp.recurrencyKind)) return bad('Recurring needs recurrencyKind Daily|Weekly');
  for (const k of ['validFrom', 'validTo']) if (cp[k] !== undefined && Number.isNaN(Date.parse(cp[k]))) return bad(`${k} is not a date-time`);
  const s = cp.chargingSchedule;
  if (!isObject(s) || !['A', 'W'].includes(s.chargingRateUnit)) return bad('chargingSchedule with chargingRateUnit A|W is required');
  if (s.startSchedule !== undefined && Number.isNaN(Date.parse(s.startSchedule))) return bad('startSchedule is not a date-time');
  if (s.duration !== undefined && !Number.isInteger(s.duration)) return bad('duration must be an integer');
  if (!Array.isArray(s.chargingSchedulePeriod) || s.chargingSchedulePeriod.length === 0) return bad('chargingSchedulePeriod must be a non-empty array');
  for (const p of s.chargingSchedulePeriod) {
    if (!isObject(p) || !Number.isInteger(p.startPeriod) || p.startPeriod < 0 || typeof p.limit !== 'number' || p.limit < 0) return bad('period needs integer startPeriod >= 0 and limit >= 0');
    // The 1.6 schema says multipleOf 0.1: catches W<->A conversions sent unrounded.
    if (Math.abs(p.limit * 10 - Math.round(p.limit * 10)) > 1e-6) return bad(`limit ${p.limit} is not a multiple of 0.1`);
    if (p.numberPhases !== undefined && ![1, 2, 3].includes(p.numberPhases)) return bad('numberPhases must be 1..3');
  }
  return undefined;
}

/** Why this charger would refuse the profile (its configuration and state), if it would. */
export function profileProblem(sim: SimChargerState, c: number, p: ChargingProfile): string | undefined {
  const reject = sim.options.rejectProfiles;
  if (reject === true || (typeof reject === 'function' && reject({ connectorId: c, csChargingProfiles: p }))) return 'rejectProfiles option';
  if (c !== 0 && !sim.connectors.has(c)) return `no connector ${c}`;
  const purpose = p.chargingProfilePurpose;
  if (purpose === 'ChargePointMaxProfile' && c !== 0) return 'ChargePointMaxProfile is only for connector 0';
  if (purpose === 'TxProfile') {
    if (c === 0) return 'TxProfile on connector 0';
    const txId = sim.connectors.get(c)!.transactionId;
    if (txId === undefined) return 'TxProfile without a running transaction';
    if (p.transactionId !== undefined && p.transactionId !== txId) return `TxProfile for transaction ${p.transactionId}, running ${txId}`;
  }
  const cfg = (k: string) => Number(sim.configuration.get(k)?.value);
  if (p.stackLevel > cfg('ChargeProfileMaxStackLevel')) return 'stackLevel above ChargeProfileMaxStackLevel';
  const periods = p.chargingSchedule.chargingSchedulePeriod;
  if (periods.length > cfg('ChargingScheduleMaxPeriods')) return 'more periods than ChargingScheduleMaxPeriods';
  if (Math.min(...periods.map((x) => x.startPeriod)) !== 0) return 'first period does not start at 0';
  const unit = p.chargingSchedule.chargingRateUnit === 'A' ? 'Current' : 'Power';
  if (!(sim.configuration.get('ChargingScheduleAllowedChargingRateUnit')?.value ?? '').split(',').includes(unit)) {
    return `${unit} is not in ChargingScheduleAllowedChargingRateUnit`;
  }
  if (sim.profiles.wouldExceed(c, p, cfg('MaxChargingProfilesInstalled'))) return 'MaxChargingProfilesInstalled reached';
  return undefined;
}

/** Smart-charging CALLs a charger without the feature answers with NotSupported (both versions). */
export const SMART_CHARGING_CALLS = new Set(['SetChargingProfile', 'ClearChargingProfile', 'GetCompositeSchedule']);

export function answerCall(sim: SimCharger, action: string, p: any): Answer {
  if (sim.options.smartCharging === false && SMART_CHARGING_CALLS.has(action)) return fail('NotSupported', `${action}: this charger has no smart charging`);
  const bad = checkShape(SHAPES, action, p);
  if (bad) return bad;
  switch (action) {
    case 'GetConfiguration': {
      const keys: unknown[] = p.key ?? [];
      const entry = (key: string) => ({ key, readonly: sim.configuration.get(key)!.readonly, value: sim.configuration.get(key)!.value });
      if (keys.length === 0) return ok({ configurationKey: [...sim.configuration.keys()].map(entry) });
      const known = keys.filter((k): k is string => typeof k === 'string' && sim.configuration.has(k));
      const unknownKey = keys.filter((k) => !known.includes(k as string)).map(String);
      return ok({ configurationKey: known.map(entry), ...(unknownKey.length > 0 ? { unknownKey } : {}) });
    }
    case 'ChangeConfiguration': {
      const e = sim.configuration.get(p.key);
      if (!e) return ok({ status: 'NotSupported' });
      if (e.readonly) return ok({ status: 'Rejected' });
      if (INT_KEYS.has(p.key) && !/^\d+$/.test(p.value)) return ok({ status: 'Rejected' });
      if (BOOL_KEYS.has(p.key) && !/^(true|false)$/i.test(p.value)) return ok({ status: 'Rejected' });
      e.value = BOOL_KEYS.has(p.key) ? p.value.toLowerCase() : p.value;
      sim.configChanged(p.key);
      return ok({ status: 'Accepted' });
    }
    case 'SetChargingProfile':
      return checkProfile(p.csChargingProfiles) ?? ok({ status: sim.installProfile(p.connectorId, p.csChargingProfiles) });
    case 'ClearChargingProfile':
      return ok({ status: sim.clearProfiles({ id: p.id, connectorId: p.connectorId, chargingProfilePurpose: p.chargingProfilePurpose, stackLevel: p.stackLevel }) });
    case 'GetCompositeSchedule':
      if (p.chargingRateUnit !== undefined && p.chargingRateUnit !== 'A' && p.chargingRateUnit !== 'W') return fail('PropertyConstraintViolation', 'chargingRateUnit must be A|W');
      return ok(sim.compositeSchedule(p.connectorId, p.duration, p.chargingRateUnit));
    case 'RemoteStartTransaction': {
      const c: number | undefined = p.connectorId ?? [...sim.connectors.keys()].find((k) => sim.canStart(k));
      if (p.chargingProfile !== undefined) {
        const badProfile = checkProfile(p.chargingProfile);
        if (badProfile) return badProfile;
        if (p.chargingProfile.chargingProfilePurpose !== 'TxProfile') return ok({ status: 'Rejected' });
      }
      if (c === undefined || !sim.canStart(c)) return ok({ status: 'Rejected' });
      const authorize = sim.configuration.get('AuthorizeRemoteTxRequests')?.value === 'true';
      return ok({ status: 'Accepted' }, () => sim.startCharging(c, p.idTag, { authorize, profile: p.chargingProfile }));
    }
    case 'RemoteStopTransaction': {
      const c = [...sim.connectors].find(([, s]) => s.transactionId === p.transactionId)?.[0];
      if (c === undefined) return ok({ status: 'Rejected' });
      return ok({ status: 'Accepted' }, () => sim.stopCharging(c, 'Remote'));
    }
    case 'ChangeAvailability':
      return changeAvailability(sim, p.connectorId, p.type);
    case 'Reset':
      // The test decides what a reset means for it (reconnect, stop sessions...).
      sim.emit('reset', p.type);
      return ok({ status: 'Accepted' });
    case 'UnlockConnector': {
      const conn = sim.connectors.get(p.connectorId);
      if (!conn) return ok({ status: 'NotSupported' });
      return ok({ status: 'Unlocked' }, conn.transactionId === undefined ? undefined : () => sim.stopCharging(p.connectorId, 'UnlockCommand'));
    }
    case 'TriggerMessage':
      return trigger(sim, p.requestedMessage, p.connectorId);
    case 'ReserveNow':
      return reserveNow(sim, p);
    case 'CancelReservation': {
      const r = sim.reservations.get(p.reservationId);
      if (!r) return ok({ status: 'Rejected' });
      sim.reservations.delete(p.reservationId);
      const reserved = sim.connectors.get(r.connectorId)?.status === 'Reserved';
      return ok({ status: 'Accepted' }, reserved ? () => sim.status(r.connectorId, 'Available') : undefined);
    }
    case 'SendLocalList':
      return sendLocalList(sim, p);
    case 'GetLocalListVersion':
      return ok({ listVersion: sim.localList.version });
    case 'ClearCache':
      return ok({ status: 'Accepted' });
    case 'DataTransfer':
      return ok({ status: 'UnknownVendorId' });
    case 'GetDiagnostics':
    case 'UpdateFirmware':
      return fail('NotSupported', `${action} is not supported by the simulator`);
    default:
      return fail('NotImplemented', `${action} is not implemented`);
  }
}

export function changeAvailability(sim: SimCharger, connectorId: number, type: string): Answer {
  if (type !== 'Inoperative' && type !== 'Operative') return fail('PropertyConstraintViolation', 'type must be Inoperative|Operative');
  if (connectorId !== 0 && !sim.connectors.has(connectorId)) return ok({ status: 'Rejected' });
  const targets = connectorId === 0 ? [...sim.connectors.keys()] : [connectorId];
  // A charging connector finishes its session first (§5.2: answer Scheduled).
  const busy = type === 'Inoperative' ? targets.filter((c) => sim.connectors.get(c)!.transactionId !== undefined) : [];
  for (const c of targets) {
    if (busy.includes(c)) sim.pendingInoperative.add(c);
    else sim.pendingInoperative.delete(c);
  }
  const change = targets.filter((c) => {
    const st = sim.connectors.get(c)!.status;
    return !busy.includes(c) && (type === 'Inoperative' ? st !== 'Unavailable' : st === 'Unavailable');
  });
  const to = type === 'Inoperative' ? 'Unavailable' : 'Available';
  return ok({ status: busy.length > 0 ? 'Scheduled' : 'Accepted' }, async () => {
    for (const c of change) await sim.status(c, to);
  });
}

function trigger(sim: SimCharger, msg: string, connectorId: number | undefined): Answer {
  if (connectorId !== undefined && connectorId !== 0 && !sim.connectors.has(connectorId)) return ok({ status: 'Rejected' });
  const conns = connectorId ? [connectorId] : [...sim.connectors.keys()];
  let after: () => Promise<unknown>;
  switch (msg) {
    case 'BootNotification':
      after = () => sim.boot();
      break;
    case 'Heartbeat':
      after = () => sim.heartbeat();
      break;
    case 'StatusNotification': {
      const list = connectorId !== undefined ? [connectorId] : [0, ...conns];
      after = async () => {
        for (const c of list) await sim.status(c, sim.connectors.get(c)?.status ?? 'Available');
      };
      break;
    }
    case 'MeterValues':
      after = async () => {
        for (const c of conns) await sim.meterValues(c, undefined, { context: 'Trigger' });
      };
      break;
    case 'DiagnosticsStatusNotification':
    case 'FirmwareStatusNotification':
      after = () => sim.call(msg, { status: 'Idle' });
      break;
    default:
      return ok({ status: 'NotImplemented' });
  }
  return ok({ status: 'Accepted' }, after);
}

export function reserveNow(sim: SimCharger, p: any): Answer {
  const c: number = p.connectorId;
  const reserve = () => sim.reservations.set(p.reservationId, { connectorId: c, idTag: p.idTag, expiryDate: p.expiryDate });
  if (c === 0) {
    reserve();
    return ok({ status: 'Accepted' });
  }
  const conn = sim.connectors.get(c);
  if (!conn) return ok({ status: 'Rejected' });
  if (conn.status === 'Unavailable' || conn.status === 'Faulted') return ok({ status: conn.status });
  const sameReservation = sim.reservations.get(p.reservationId)?.connectorId === c;
  if (conn.transactionId !== undefined || (conn.status !== 'Available' && !sameReservation)) return ok({ status: 'Occupied' });
  reserve();
  return ok({ status: 'Accepted' }, conn.status === 'Reserved' ? undefined : () => sim.status(c, 'Reserved'));
}

function sendLocalList(sim: SimCharger, p: any): Answer {
  if (sim.configuration.get('LocalAuthListEnabled')?.value !== 'true') return ok({ status: 'NotSupported' });
  if (p.updateType !== 'Full' && p.updateType !== 'Differential') return fail('PropertyConstraintViolation', 'updateType must be Full|Differential');
  if (p.updateType === 'Differential' && p.listVersion <= sim.localList.version) return ok({ status: 'VersionMismatch' });
  const list: any[] = p.localAuthorizationList ?? [];
  if (!list.every((e) => isObject(e) && typeof e.idTag === 'string')) return fail('PropertyConstraintViolation', 'localAuthorizationList entries need an idTag');
  if (p.updateType === 'Full') sim.localList.entries.clear();
  for (const e of list) {
    if (e.idTagInfo === undefined) sim.localList.entries.delete(e.idTag);
    else sim.localList.entries.set(e.idTag, e.idTagInfo);
  }
  sim.localList.version = p.listVersion;
  return ok({ status: 'Accepted' });
}
