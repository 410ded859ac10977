// How the simulated charger answers a 2.0.1 CSMS. Requests are translated onto the same
// charger model the 1.6 answers use (profiles through the one ProfileStore, sessions through
// startCharging/stopCharging, availability and reservations through the 1.6 helpers), so both
// versions behave alike and differ only on the wire. Follow-up messages go in `after`.
import type { SimCharger } from '../charger-sim.js';
import { isObject } from '../sim-rpc.js';
import { answerCall, changeAvailability, checkProfile, checkShape, reserveNow, SMART_CHARGING_CALLS, type Answer, type Kind } from '../sim-handlers.js';
import { clearFilterFrom201, compositeTo201, profileFrom201 } from './mapping.js';
import { getVariable, reportData, setVariable } from './device-model.js';
import type { ChargingProfile } from '../sim-profiles.js';

const ok = (result: object, after?: () => Promise<unknown>): Answer => ({ result, after });
const fail = (error: string, description: string): Answer => ({ error, description });

// Required fields and their types per action, with the 2.0.1 error code spellings. Enough to
// catch a CSMS sending the wrong shape without sharing the daemon's schema validation.
const SHAPES: Record<string, Array<[string, Kind, boolean]>> = {
  SetChargingProfile: [['evseId', 'integer', true], ['chargingProfile', 'object', true]],
  ClearChargingProfile: [['chargingProfileId', 'integer', false], ['chargingProfileCriteria', 'object', false]],
  GetCompositeSchedule: [['duration', 'integer', true], ['evseId', 'integer', true], ['chargingRateUnit', 'string', false]],
  RequestStartTransaction: [['evseId', 'integer', false], ['remoteStartId', 'integer', true], ['idToken', 'object', true], ['chargingProfile', 'object', false]],
  RequestStopTransaction: [['transactionId', 'string', true]],
  ChangeAvailability: [['operationalStatus', 'string', true], ['evse', 'object', false]],
  Reset: [['type', 'string', true], ['evseId', 'integer', false]],
  UnlockConnector: [['evseId', 'integer', true], ['connectorId', 'integer', true]],
  TriggerMessage: [['requestedMessage', 'string', true], ['evse', 'object', false]],
  ReserveNow: [['id', 'integer', true], ['expiryDateTime', 'string', true], ['idToken', 'object', true], ['evseId', 'integer', false]],
  CancelReservation: [['reservationId', 'integer', true]],
  GetVariables: [['getVariableData', 'array', true]],
  SetVariables: [['setVariableData', 'array', true]],
  GetBaseReport: [['requestId', 'integer', true], ['reportBase', 'string', true]],
  SendLocalList: [['versionNumber', 'integer', true], ['updateType', 'string', true], ['localAuthorizationList', 'array', false]],
  DataTransfer: [['vendorId', 'string', true]],
};

/** The connector (EVSE k) running the transaction the CSMS named by its 2.0.1 id. */
const evseOf = (sim: SimCharger, ref: string): number | undefined => [...sim.connectors].find(([, c]) => c.transactionRef === ref)?.[0];

/** Validates and converts a 2.0.1 profile; the converted profile, or the answer refusing it. */
function convertProfile(sim: SimCharger, evseId: number, cp: any): { profile?: ReturnType<typeof profileFrom201>; answer?: Answer } {
  const s = cp.chargingSchedule;
  if (!Array.isArray(s) || s.length === 0 || !isObject(s[0]) || !Number.isInteger(s[0].id)) {
    return { answer: fail('OccurrenceConstraintViolation', 'chargingProfile.chargingSchedule needs 1..3 schedules with an id') };
  }
  if (!['ChargingStationMaxProfile', 'TxDefaultProfile', 'TxProfile', 'ChargingStationExternalConstraints'].includes(cp.chargingProfilePurpose)) {
    return { answer: fail('PropertyConstraintViolation', 'bad chargingProfilePurpose') };
  }
  const refuse = (why: string) => {
    sim.emit('profile-rejected', evseId, cp, why);
    return { answer: ok({ status: 'Rejected', statusInfo: { reasonCode: 'InvalidProfile', additionalInfo: why.slice(0, 512) } }) };
  };
  // External constraints come from outside the CSMS (K01.FR.22): a CSMS may not set them.
  if (cp.chargingProfilePurpose === 'ChargingStationExternalConstraints') return refuse('ChargingStationExternalConstraints is not for the CSMS to set');
  let txId: number | undefined;
  if (cp.chargingProfilePurpose === 'TxProfile') {
    if (typeof cp.transactionId !== 'string') return refuse('TxProfile without transactionId');
    if (evseOf(sim, cp.transactionId) !== evseId) return refuse(`TxProfile for transaction ${cp.transactionId}, not running on EVSE ${evseId}`);
    txId = sim.connectors.get(evseId)!.transactionId;
  }
  const profile = profileFrom201(cp, txId);
  const bad = checkProfile(profile);
  return bad ? { answer: bad } : { profile };
}

export function answerCall201(sim: SimCharger, action: string, p: any): Answer {
  if (sim.options.smartCharging === false && SMART_CHARGING_CALLS.has(action)) return fail('NotSupported', `${action}: this station has no smart charging`);
  const bad = checkShape(SHAPES, action, p, 'OccurrenceConstraintViolation');
  if (bad) return bad;
  switch (action) {
    case 'SetChargingProfile': {
      const { profile, answer } = convertProfile(sim, p.evseId, p.chargingProfile);
      return answer ?? ok({ status: sim.installProfile(p.evseId, profile!) });
    }
    case 'ClearChargingProfile':
      return ok({ status: sim.clearProfiles(clearFilterFrom201(p)) });
    case 'GetCompositeSchedule':
      if (p.chargingRateUnit !== undefined && p.chargingRateUnit !== 'A' && p.chargingRateUnit !== 'W') return fail('PropertyConstraintViolation', 'chargingRateUnit must be A|W');
      return ok(compositeTo201(sim.compositeSchedule(p.evseId, p.duration, p.chargingRateUnit), p.evseId));
    case 'RequestStartTransaction':
      return requestStart(sim, p);
    case 'RequestStopTransaction': {
      const c = evseOf(sim, p.transactionId);
      if (c === undefined) return ok({ status: 'Rejected' });
      return ok({ status: 'Accepted' }, () => sim.stopCharging(c, 'Remote'));
    }
    case 'ChangeAvailability':
      return changeAvailability(sim, p.evse?.id ?? 0, p.operationalStatus);
    case 'Reset': {
      if (p.type !== 'Immediate' && p.type !== 'OnIdle') return fail('PropertyConstraintViolation', 'type must be Immediate|OnIdle');
      // The test decides what a reset means for it (reconnect, stop sessions...).
      sim.emit('reset', p.type);
      const busy = [...sim.connectors.values()].some((c) => c.transactionId !== undefined);
      return ok({ status: p.type === 'OnIdle' && busy ? 'Scheduled' : 'Accepted' });
    }
    case 'UnlockConnector': {
      const conn = sim.connectors.get(p.evseId);
      if (!conn || p.connectorId !== 1) return ok({ status: 'UnknownConnector' });
      return ok({ status: conn.transactionId === undefined ? 'Unlocked' : 'OngoingAuthorizedTransaction' });
    }
    case 'TriggerMessage':
      return trigger(sim, p.requestedMessage, p.evse?.id);
    case 'ReserveNow':
      return reserveNow(sim, { connectorId: p.evseId ?? 0, reservationId: p.id, idTag: p.idToken.idToken, expiryDate: p.expiryDateTime });
    case 'CancelReservation':
      return answerCall(sim, action, p);
    case 'GetVariables':
      return ok({ getVariableResult: p.getVariableData.map((d: any) => getVariable(sim, d)) });
    case 'SetVariables':
      return ok({ setVariableResult: p.setVariableData.map((d: any) => setVariable(sim, d)) });
    case 'GetBaseReport': {
      if (!['ConfigurationInventory', 'FullInventory', 'SummaryInventory'].includes(p.reportBase)) return fail('PropertyConstraintViolation', 'bad reportBase');
      const report = { requestId: p.requestId, generatedAt: new Date().toISOString(), tbc: false, seqNo: 0, reportData: reportData(sim) };
      return ok({ status: 'Accepted' }, () => sim.call('NotifyReport', report));
    }
    case 'SendLocalList':
      return sendLocalList(sim, p);
    case 'GetLocalListVersion':
      return ok({ versionNumber: sim.localList.version });
    case 'ClearCache':
      return ok({ status: 'Accepted' });
    case 'DataTransfer':
      return ok({ status: 'UnknownVendorId' });
    default:
      return fail('NotImplemented', `${action} is not implemented`);
  }
}

function requestStart(sim: SimCharger, p: any): Answer {
  let profile: ChargingProfile | undefined;
  if (p.chargingProfile !== undefined) {
    // Only a TxProfile may come with a start (F01.FR.08); its transactionId does not exist yet.
    if (p.chargingProfile.chargingProfilePurpose !== 'TxProfile') return ok({ status: 'Rejected' });
    const converted = convertProfile(sim, 0, { ...p.chargingProfile, chargingProfilePurpose: 'TxDefaultProfile' });
    if (converted.answer) return 'error' in converted.answer ? converted.answer : ok({ status: 'Rejected' });
    profile = { ...converted.profile!, chargingProfilePurpose: 'TxProfile' as const };
  }
  const c: number | undefined = p.evseId ?? [...sim.connectors.keys()].find((k) => sim.canStart(k));
  if (c === undefined || !sim.canStart(c)) return ok({ status: 'Rejected' });
  const authorize = sim.configuration.get('AuthorizeRemoteTxRequests')?.value === 'true';
  // A transaction already opened at plug-in (TxStartPoint EVConnected) is named in the answer.
  const open = sim.connectors.get(c)!.transactionRef;
  return ok({ status: 'Accepted', ...(open !== undefined ? { transactionId: open } : {}) }, () =>
    sim.startCharging(c, p.idToken.idToken, { authorize, profile, remoteStartId: p.remoteStartId }),
  );
}

function trigger(sim: SimCharger, msg: string, evseId: number | undefined): Answer {
  if (evseId !== undefined && !sim.connectors.has(evseId)) return ok({ status: 'Rejected' });
  const evses = evseId !== undefined ? [evseId] : [...sim.connectors.keys()];
  const v201 = sim.v201!;
  let after: () => Promise<unknown>;
  switch (msg) {
    case 'BootNotification':
      after = () => sim.boot({ reason: 'Triggered' });
      break;
    case 'Heartbeat':
      after = () => sim.heartbeat();
      break;
    case 'StatusNotification':
      after = async () => {
        for (const c of evses) await sim.status(c, sim.connectors.get(c)!.status);
      };
      break;
    case 'MeterValues':
      after = async () => {
        for (const c of evses) await v201.meterValues(c, sim.readings(c), 'Trigger');
      };
      break;
    case 'TransactionEvent': {
      const running = evses.filter((c) => sim.connectors.get(c)!.transactionId !== undefined);
      if (running.length === 0) return ok({ status: 'Rejected' });
      after = async () => {
        for (const c of running) await v201.updated(c, 'Trigger', sim.readings(c), 'Trigger');
      };
      break;
    }
    default:
      return ok({ status: 'NotImplemented' });
  }
  return ok({ status: 'Accepted' }, after);
}

function sendLocalList(sim: SimCharger, p: any): Answer {
  if (sim.configuration.get('LocalAuthListEnabled')?.value !== 'true') return ok({ status: 'Failed' });
  if (p.updateType !== 'Full' && p.updateType !== 'Differential') return fail('PropertyConstraintViolation', 'updateType must be Full|Differential');
  if (p.updateType === 'Differential' && p.versionNumber <= sim.localList.version) return ok({ status: 'VersionMismatch' });
  const list: any[] = p.localAuthorizationList ?? [];
  if (!list.every((e) => isObject(e) && isObject(e.idToken) && typeof e.idToken.idToken === 'string')) {
    return fail('OccurrenceConstraintViolation', 'localAuthorizationList entries need an idToken');
  }
  if (p.updateType === 'Full') sim.localList.entries.clear();
  for (const e of list) {
    if (e.idTokenInfo === undefined) sim.localList.entries.delete(e.idToken.idToken);
    else sim.localList.entries.set(e.idToken.idToken, e.idTokenInfo);
  }
  sim.localList.version = p.versionNumber;
  return ok({ status: 'Accepted' });
}
