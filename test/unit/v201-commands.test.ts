// Model commands → OCPP 2.0.1 and back, one row per command: the 2.0.1 request is what a
// 2.0.1 charger must get (and valid against the OCA 2.0.1 schema), and the charger's
// (schema-valid) answer comes back as a valid 1.6-shaped model answer.
import test from 'node:test';
import assert from 'node:assert/strict';
import { getProtocol } from '../../daemon/ocpp/protocols.js';
import { RpcError } from '../../daemon/ocpp/errors.js';
import { commandTo201, COMMANDS_201, UnknownChargerTransactionError, type CommandEnv } from '../../daemon/ocpp/v201/commands.js';
import { ALL_MAPPED_KEYS, KEY_MAP, rateUnitsTo16, rateUnitsTo201 } from '../../daemon/ocpp/v201/config-keys.js';
import { parseCapabilities } from '../../daemon/local/configure.js';
import type { ChargerCommand } from '../../daemon/local/session.js';

const v16 = getProtocol('ocpp1.6')!.validator;
const v201 = getProtocol('ocpp2.0.1')!.validator;

/** Local transaction 7 is the charger's "tx-7-abc"; request ids count from 1000. */
function env(): CommandEnv {
  let id = 1000;
  return { chargerTxId: (local) => (local === 7 ? 'tx-7-abc' : undefined), nextRequestId: () => ++id };
}

interface Row {
  name: string;
  action: ChargerCommand;
  model: Record<string, unknown>;
  action201: string;
  request201: Record<string, unknown>;
  answer201: Record<string, unknown>;
  answer16: Record<string, unknown>;
}

const T0 = '2025-03-01T10:00:00.000Z';
const T1 = '2025-03-01T10:00:10.000Z';

const ROWS: Row[] = [
  {
    name: 'SetChargingProfile: the balancer\'s dead man\'s switch on connector 0 (W, one phase)',
    action: 'SetChargingProfile',
    model: { connectorId: 0, csChargingProfiles: { chargingProfileId: 90000, stackLevel: 1, chargingProfilePurpose: 'TxDefaultProfile', chargingProfileKind: 'Absolute', chargingSchedule: { startSchedule: T0, chargingRateUnit: 'W', chargingSchedulePeriod: [{ startPeriod: 0, limit: 1840, numberPhases: 1 }] } } },
    action201: 'SetChargingProfile',
    request201: { evseId: 0, chargingProfile: { id: 90000, stackLevel: 1, chargingProfilePurpose: 'TxDefaultProfile', chargingProfileKind: 'Absolute', chargingSchedule: [{ id: 90000, startSchedule: T0, chargingRateUnit: 'W', chargingSchedulePeriod: [{ startPeriod: 0, limit: 1840, numberPhases: 1 }] }] } },
    answer201: { status: 'Accepted' },
    answer16: { status: 'Accepted' },
  },
  {
    name: 'SetChargingProfile: a dynamic limit with validity in A on EVSE 2',
    action: 'SetChargingProfile',
    model: { connectorId: 2, csChargingProfiles: { chargingProfileId: 91002, stackLevel: 2, chargingProfilePurpose: 'TxDefaultProfile', chargingProfileKind: 'Absolute', validTo: T1, chargingSchedule: { startSchedule: T0, duration: 10, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 12.5 }] } } },
    action201: 'SetChargingProfile',
    request201: { evseId: 2, chargingProfile: { id: 91002, stackLevel: 2, chargingProfilePurpose: 'TxDefaultProfile', chargingProfileKind: 'Absolute', validTo: T1, chargingSchedule: [{ id: 91002, startSchedule: T0, duration: 10, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 12.5 }] }] } },
    answer201: { status: 'Rejected', statusInfo: { reasonCode: 'InvalidSchedule' } },
    answer16: { status: 'Rejected' },
  },
  {
    name: 'SetChargingProfile: a TxProfile names the charger\'s own transactionId',
    action: 'SetChargingProfile',
    model: { connectorId: 1, csChargingProfiles: { chargingProfileId: 92001, transactionId: 7, stackLevel: 2, chargingProfilePurpose: 'TxProfile', chargingProfileKind: 'Absolute', chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }] } } },
    action201: 'SetChargingProfile',
    request201: { evseId: 1, chargingProfile: { id: 92001, transactionId: 'tx-7-abc', stackLevel: 2, chargingProfilePurpose: 'TxProfile', chargingProfileKind: 'Absolute', chargingSchedule: [{ id: 92001, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }] }] } },
    answer201: { status: 'Accepted' },
    answer16: { status: 'Accepted' },
  },
  {
    name: 'SetChargingProfile: ChargePointMaxProfile becomes ChargingStationMaxProfile, recurring',
    action: 'SetChargingProfile',
    model: { connectorId: 0, csChargingProfiles: { chargingProfileId: 5, stackLevel: 0, chargingProfilePurpose: 'ChargePointMaxProfile', chargingProfileKind: 'Recurring', recurrencyKind: 'Daily', validFrom: T0, chargingSchedule: { duration: 86400, startSchedule: T0, chargingRateUnit: 'A', minChargingRate: 6, chargingSchedulePeriod: [{ startPeriod: 0, limit: 32, numberPhases: 3 }, { startPeriod: 3600, limit: 16 }] } } },
    action201: 'SetChargingProfile',
    request201: { evseId: 0, chargingProfile: { id: 5, stackLevel: 0, chargingProfilePurpose: 'ChargingStationMaxProfile', chargingProfileKind: 'Recurring', recurrencyKind: 'Daily', validFrom: T0, chargingSchedule: [{ id: 5, startSchedule: T0, duration: 86400, chargingRateUnit: 'A', minChargingRate: 6, chargingSchedulePeriod: [{ startPeriod: 0, limit: 32, numberPhases: 3 }, { startPeriod: 3600, limit: 16 }] }] } },
    answer201: { status: 'Accepted' },
    answer16: { status: 'Accepted' },
  },
  {
    name: 'ClearChargingProfile by id',
    action: 'ClearChargingProfile',
    model: { id: 91001 },
    action201: 'ClearChargingProfile',
    request201: { chargingProfileId: 91001 },
    answer201: { status: 'Unknown' },
    answer16: { status: 'Unknown' },
  },
  {
    name: 'ClearChargingProfile by criteria',
    action: 'ClearChargingProfile',
    model: { connectorId: 0, chargingProfilePurpose: 'ChargePointMaxProfile', stackLevel: 3 },
    action201: 'ClearChargingProfile',
    request201: { chargingProfileCriteria: { evseId: 0, chargingProfilePurpose: 'ChargingStationMaxProfile', stackLevel: 3 } },
    answer201: { status: 'Accepted' },
    answer16: { status: 'Accepted' },
  },
  {
    name: 'GetCompositeSchedule: the schedule comes back in the 1.6 shape',
    action: 'GetCompositeSchedule',
    model: { connectorId: 1, duration: 600, chargingRateUnit: 'A' },
    action201: 'GetCompositeSchedule',
    request201: { evseId: 1, duration: 600, chargingRateUnit: 'A' },
    answer201: { status: 'Accepted', schedule: { evseId: 1, duration: 600, scheduleStart: T0, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 13.33, numberPhases: 3, phaseToUse: 1 }] } },
    answer16: { status: 'Accepted', connectorId: 1, scheduleStart: T0, chargingSchedule: { duration: 600, startSchedule: T0, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 13.3, numberPhases: 3 }] } },
  },
  {
    name: 'GetCompositeSchedule rejected',
    action: 'GetCompositeSchedule',
    model: { connectorId: 2, duration: 60 },
    action201: 'GetCompositeSchedule',
    request201: { evseId: 2, duration: 60 },
    answer201: { status: 'Rejected' },
    answer16: { status: 'Rejected' },
  },
  {
    name: 'RemoteStartTransaction → RequestStartTransaction with a Central idToken and a fresh remoteStartId',
    action: 'RemoteStartTransaction',
    model: { connectorId: 2, idTag: 'CARD-1', chargingProfile: { chargingProfileId: 3, stackLevel: 1, chargingProfilePurpose: 'TxProfile', chargingProfileKind: 'Relative', chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 10 }] } } },
    action201: 'RequestStartTransaction',
    request201: { evseId: 2, remoteStartId: 1001, idToken: { idToken: 'CARD-1', type: 'Central' }, chargingProfile: { id: 3, stackLevel: 1, chargingProfilePurpose: 'TxProfile', chargingProfileKind: 'Relative', chargingSchedule: [{ id: 3, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 10 }] }] } },
    answer201: { status: 'Accepted', transactionId: 'new-tx' },
    answer16: { status: 'Accepted' },
  },
  {
    name: 'RemoteStartTransaction without a connector: the charger picks the EVSE',
    action: 'RemoteStartTransaction',
    model: { idTag: 'APP' },
    action201: 'RequestStartTransaction',
    request201: { remoteStartId: 1001, idToken: { idToken: 'APP', type: 'Central' } },
    answer201: { status: 'Rejected' },
    answer16: { status: 'Rejected' },
  },
  {
    name: 'RemoteStopTransaction: the local id becomes the charger\'s transactionId',
    action: 'RemoteStopTransaction',
    model: { transactionId: 7 },
    action201: 'RequestStopTransaction',
    request201: { transactionId: 'tx-7-abc' },
    answer201: { status: 'Accepted' },
    answer16: { status: 'Accepted' },
  },
  {
    name: 'ChangeAvailability of one connector',
    action: 'ChangeAvailability',
    model: { connectorId: 3, type: 'Inoperative' },
    action201: 'ChangeAvailability',
    request201: { operationalStatus: 'Inoperative', evse: { id: 3 } },
    answer201: { status: 'Scheduled' },
    answer16: { status: 'Scheduled' },
  },
  {
    name: 'ChangeAvailability of the whole charger',
    action: 'ChangeAvailability',
    model: { connectorId: 0, type: 'Operative' },
    action201: 'ChangeAvailability',
    request201: { operationalStatus: 'Operative' },
    answer201: { status: 'Accepted' },
    answer16: { status: 'Accepted' },
  },
  {
    name: 'Reset Soft → OnIdle; Scheduled reads as Accepted',
    action: 'Reset',
    model: { type: 'Soft' },
    action201: 'Reset',
    request201: { type: 'OnIdle' },
    answer201: { status: 'Scheduled' },
    answer16: { status: 'Accepted' },
  },
  {
    name: 'Reset Hard → Immediate',
    action: 'Reset',
    model: { type: 'Hard' },
    action201: 'Reset',
    request201: { type: 'Immediate' },
    answer201: { status: 'Rejected' },
    answer16: { status: 'Rejected' },
  },
  {
    name: 'UnlockConnector: refused during a session reads as UnlockFailed',
    action: 'UnlockConnector',
    model: { connectorId: 2 },
    action201: 'UnlockConnector',
    request201: { evseId: 2, connectorId: 1 },
    answer201: { status: 'OngoingAuthorizedTransaction' },
    answer16: { status: 'UnlockFailed' },
  },
  {
    name: 'UnlockConnector of a connector it does not have',
    action: 'UnlockConnector',
    model: { connectorId: 9 },
    action201: 'UnlockConnector',
    request201: { evseId: 9, connectorId: 1 },
    answer201: { status: 'UnknownConnector' },
    answer16: { status: 'NotSupported' },
  },
  {
    name: 'TriggerMessage StatusNotification of a connector names EVSE and connector',
    action: 'TriggerMessage',
    model: { requestedMessage: 'StatusNotification', connectorId: 2 },
    action201: 'TriggerMessage',
    request201: { requestedMessage: 'StatusNotification', evse: { id: 2, connectorId: 1 } },
    answer201: { status: 'Accepted' },
    answer16: { status: 'Accepted' },
  },
  {
    name: 'TriggerMessage DiagnosticsStatusNotification → LogStatusNotification',
    action: 'TriggerMessage',
    model: { requestedMessage: 'DiagnosticsStatusNotification' },
    action201: 'TriggerMessage',
    request201: { requestedMessage: 'LogStatusNotification' },
    answer201: { status: 'NotImplemented' },
    answer16: { status: 'NotImplemented' },
  },
  {
    name: 'TriggerMessage MeterValues of EVSE 1',
    action: 'TriggerMessage',
    model: { requestedMessage: 'MeterValues', connectorId: 1 },
    action201: 'TriggerMessage',
    request201: { requestedMessage: 'MeterValues', evse: { id: 1 } },
    answer201: { status: 'Rejected' },
    answer16: { status: 'Rejected' },
  },
  {
    name: 'ReserveNow with a parent tag',
    action: 'ReserveNow',
    model: { connectorId: 1, expiryDate: T1, idTag: 'CARD-2', parentIdTag: 'FLEET', reservationId: 44 },
    action201: 'ReserveNow',
    request201: { id: 44, expiryDateTime: T1, idToken: { idToken: 'CARD-2', type: 'ISO14443' }, evseId: 1, groupIdToken: { idToken: 'FLEET', type: 'Central' } },
    answer201: { status: 'Occupied' },
    answer16: { status: 'Occupied' },
  },
  {
    name: 'ReserveNow on connector 0: any EVSE',
    action: 'ReserveNow',
    model: { connectorId: 0, expiryDate: T1, idTag: 'CARD-2', reservationId: 45 },
    action201: 'ReserveNow',
    request201: { id: 45, expiryDateTime: T1, idToken: { idToken: 'CARD-2', type: 'ISO14443' } },
    answer201: { status: 'Accepted' },
    answer16: { status: 'Accepted' },
  },
  {
    name: 'CancelReservation',
    action: 'CancelReservation',
    model: { reservationId: 44 },
    action201: 'CancelReservation',
    request201: { reservationId: 44 },
    answer201: { status: 'Rejected' },
    answer16: { status: 'Rejected' },
  },
  {
    name: 'SendLocalList: idTag entries become idToken entries',
    action: 'SendLocalList',
    model: { listVersion: 3, updateType: 'Full', localAuthorizationList: [{ idTag: 'A', idTagInfo: { status: 'Accepted', expiryDate: T1, parentIdTag: 'P' } }, { idTag: 'B', idTagInfo: { status: 'Blocked' } }, { idTag: 'C' }] },
    action201: 'SendLocalList',
    request201: { versionNumber: 3, updateType: 'Full', localAuthorizationList: [
      { idToken: { idToken: 'A', type: 'ISO14443' }, idTokenInfo: { status: 'Accepted', cacheExpiryDateTime: T1, groupIdToken: { idToken: 'P', type: 'Central' } } },
      { idToken: { idToken: 'B', type: 'ISO14443' }, idTokenInfo: { status: 'Blocked' } },
      { idToken: { idToken: 'C', type: 'ISO14443' } },
    ] },
    answer201: { status: 'VersionMismatch' },
    answer16: { status: 'VersionMismatch' },
  },
  {
    name: 'GetLocalListVersion',
    action: 'GetLocalListVersion',
    model: {},
    action201: 'GetLocalListVersion',
    request201: {},
    answer201: { versionNumber: 12 },
    answer16: { listVersion: 12 },
  },
  {
    name: 'ClearCache',
    action: 'ClearCache',
    model: {},
    action201: 'ClearCache',
    request201: {},
    answer201: { status: 'Accepted' },
    answer16: { status: 'Accepted' },
  },
  {
    name: 'DataTransfer: structured 2.0.1 data comes back as a JSON string',
    action: 'DataTransfer',
    model: { vendorId: 'com.example', messageId: 'ping', data: 'x' },
    action201: 'DataTransfer',
    request201: { vendorId: 'com.example', messageId: 'ping', data: 'x' },
    answer201: { status: 'Accepted', data: { pong: 1 } },
    answer16: { status: 'Accepted', data: '{"pong":1}' },
  },
  {
    name: 'GetConfiguration: mapped keys via GetVariables, the rest unknown; RateUnit spelled the 1.6 way',
    action: 'GetConfiguration',
    model: { key: ['ChargingScheduleAllowedChargingRateUnit', 'ChargeProfileMaxStackLevel', 'MeterValueSampleInterval', 'NumberOfConnectors', 'MaxChargingProfilesInstalled'] },
    action201: 'GetVariables',
    request201: { getVariableData: [
      { component: { name: 'SmartChargingCtrlr' }, variable: { name: 'RateUnit' }, attributeType: 'Actual' },
      { component: { name: 'SmartChargingCtrlr' }, variable: { name: 'ProfileStackLevel' }, attributeType: 'Actual' },
      { component: { name: 'SampledDataCtrlr' }, variable: { name: 'TxUpdatedInterval' }, attributeType: 'Actual' },
      { component: { name: 'SmartChargingCtrlr' }, variable: { name: 'Entries', instance: 'ChargingProfiles' }, attributeType: 'Actual' },
    ] },
    answer201: { getVariableResult: [
      { attributeStatus: 'Accepted', attributeType: 'Actual', attributeValue: 'A,W', component: { name: 'SmartChargingCtrlr' }, variable: { name: 'RateUnit' } },
      { attributeStatus: 'Accepted', attributeValue: '8', component: { name: 'SmartChargingCtrlr' }, variable: { name: 'ProfileStackLevel' } },
      { attributeStatus: 'UnknownVariable', component: { name: 'SampledDataCtrlr' }, variable: { name: 'TxUpdatedInterval' } },
      { attributeStatus: 'Accepted', attributeValue: '20', component: { name: 'SmartChargingCtrlr' }, variable: { name: 'Entries', instance: 'ChargingProfiles' } },
    ] },
    answer16: {
      configurationKey: [
        { key: 'ChargingScheduleAllowedChargingRateUnit', readonly: false, value: 'Current,Power' },
        { key: 'ChargeProfileMaxStackLevel', readonly: false, value: '8' },
        { key: 'MaxChargingProfilesInstalled', readonly: false, value: '20' },
      ],
      unknownKey: ['NumberOfConnectors', 'MeterValueSampleInterval'],
    },
  },
  {
    name: 'ChangeConfiguration MeterValuesSampledData → SetVariables TxUpdatedMeasurands',
    action: 'ChangeConfiguration',
    model: { key: 'MeterValuesSampledData', value: 'Energy.Active.Import.Register,Current.Import' },
    action201: 'SetVariables',
    request201: { setVariableData: [{ component: { name: 'SampledDataCtrlr' }, variable: { name: 'TxUpdatedMeasurands' }, attributeType: 'Actual', attributeValue: 'Energy.Active.Import.Register,Current.Import' }] },
    answer201: { setVariableResult: [{ attributeStatus: 'RebootRequired', component: { name: 'SampledDataCtrlr' }, variable: { name: 'TxUpdatedMeasurands' } }] },
    answer16: { status: 'RebootRequired' },
  },
  {
    name: 'ChangeConfiguration of a variable the charger lacks reads as NotSupported',
    action: 'ChangeConfiguration',
    model: { key: 'HeartbeatInterval', value: '300' },
    action201: 'SetVariables',
    request201: { setVariableData: [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' }, attributeType: 'Actual', attributeValue: '300' }] },
    answer201: { setVariableResult: [{ attributeStatus: 'UnknownComponent', component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } }] },
    answer16: { status: 'NotSupported' },
  },
  {
    name: 'GetDiagnostics → GetLog (DiagnosticsLog)',
    action: 'GetDiagnostics',
    model: { location: 'ftp://logs.example/up', retries: 2, startTime: T0 },
    action201: 'GetLog',
    request201: { logType: 'DiagnosticsLog', requestId: 1001, retries: 2, log: { remoteLocation: 'ftp://logs.example/up', oldestTimestamp: T0 } },
    answer201: { status: 'Accepted', filename: 'diag.zip' },
    answer16: { fileName: 'diag.zip' },
  },
  {
    name: 'UpdateFirmware',
    action: 'UpdateFirmware',
    model: { location: 'https://fw.example/1.2.bin', retrieveDate: T1 },
    action201: 'UpdateFirmware',
    request201: { requestId: 1001, firmware: { location: 'https://fw.example/1.2.bin', retrieveDateTime: T1 } },
    answer201: { status: 'Accepted' },
    answer16: {},
  },
];

for (const row of ROWS) {
  test(`2.0.1 command: ${row.name}`, () => {
    assert.equal(v16.request(row.action, row.model), null, 'the model request is a valid 1.6 request');
    const t = commandTo201(row.action, row.model as never, env());
    assert.equal(t.kind, 'call');
    if (t.kind !== 'call') return;
    assert.equal(t.action, row.action201);
    assert.deepEqual(t.request, row.request201);
    assert.equal(v201.request(t.action, t.request)?.message ?? null, null, 'valid against the 2.0.1 request schema');
    assert.equal(v201.response(t.action, row.answer201)?.message ?? null, null, 'the sample answer is a valid 2.0.1 answer');
    const back = t.response(row.answer201);
    assert.deepEqual(back, row.answer16);
    assert.equal(v16.response(row.action, back)?.message ?? null, null, 'valid against the 1.6 response schema');
  });
}

test('every model command has a 2.0.1 form, and each is in the table above', () => {
  // Exhaustive over ChargerCommand: adding a command to the model fails to compile here until it is listed.
  const all = {
    SetChargingProfile: 1, ClearChargingProfile: 1, GetCompositeSchedule: 1, RemoteStartTransaction: 1, RemoteStopTransaction: 1,
    ChangeAvailability: 1, ChangeConfiguration: 1, GetConfiguration: 1, Reset: 1, UnlockConnector: 1, TriggerMessage: 1, ReserveNow: 1,
    CancelReservation: 1, SendLocalList: 1, DataTransfer: 1, ClearCache: 1, GetLocalListVersion: 1, GetDiagnostics: 1, UpdateFirmware: 1,
  } satisfies Record<ChargerCommand, 1>;
  assert.deepEqual([...COMMANDS_201].sort(), Object.keys(all).sort());
  assert.deepEqual([...new Set(ROWS.map((r) => r.action))].sort(), Object.keys(all).sort());
});

test('a command 2.0.1 has no form for is refused before anything is sent (NotSupported)', () => {
  assert.throws(() => commandTo201('Heartbeat' as never, {} as never, env()), (e: unknown) => e instanceof RpcError && e.code === 'NotSupported' && /Heartbeat has no OCPP 2\.0\.1 equivalent/.test(e.message));
});

test('a transaction the charger never named cannot be stopped or profiled: a failure, not the charger\'s refusal', () => {
  const notRpc = (e: unknown) => e instanceof UnknownChargerTransactionError && !(e instanceof RpcError) && e.localId === 8;
  assert.throws(() => commandTo201('RemoteStopTransaction', { transactionId: 8 }, env()), notRpc);
  assert.throws(() => commandTo201('SetChargingProfile', { connectorId: 1, csChargingProfiles: { chargingProfileId: 1, transactionId: 8, stackLevel: 1, chargingProfilePurpose: 'TxProfile', chargingProfileKind: 'Absolute', chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 6 }] } } }, env()), notRpc);
});

test('configuration keys without a 2.0.1 home are answered without asking the charger', () => {
  assert.deepEqual(commandTo201('GetConfiguration', { key: ['NumberOfConnectors', 'SupportedFeatureProfiles'] }, env()),
    { kind: 'answer', response: { configurationKey: [], unknownKey: ['NumberOfConnectors', 'SupportedFeatureProfiles'] } });
  assert.deepEqual(commandTo201('ChangeConfiguration', { key: 'NoSuchKey', value: '1' }, env()), { kind: 'answer', response: { status: 'NotSupported' } });
});

test('GetConfiguration of all keys asks for every mapped variable in one valid GetVariables', () => {
  const t = commandTo201('GetConfiguration', {}, env());
  assert.equal(t.kind, 'call');
  if (t.kind !== 'call') return;
  const data = t.request.getVariableData as unknown[];
  assert.equal(data.length, ALL_MAPPED_KEYS.length);
  assert.equal(v201.request('GetVariables', t.request)?.message ?? null, null);
  // Each 2.0.1 variable once (AuthorizationKey and BasicAuthPassword share one).
  assert.equal(new Set(data.map((d) => JSON.stringify(d))).size, data.length);
  for (const k of Object.keys(KEY_MAP)) assert.equal(v201.request('SetVariables', { setVariableData: [{ ...KEY_MAP[k], attributeValue: '1' }].map(({ component, variable, attributeValue }) => ({ component, variable, attributeValue })) }), null, k);
});

test('RateUnit values: A,W ↔ Current,Power, and the site reads them as its capabilities', () => {
  const rows: Array<[string, string]> = [['A', 'Current'], ['W', 'Power'], ['A,W', 'Current,Power'], ['W, A', 'Power,Current'], ['', '']];
  for (const [in201, in16] of rows) {
    assert.equal(rateUnitsTo16(in201), in16, in201);
    assert.equal(rateUnitsTo201(in16), in201.replace(/\s/g, ''), in16);
  }
  assert.deepEqual(parseCapabilities({ ChargingScheduleAllowedChargingRateUnit: rateUnitsTo16('W') }).rateUnits, ['Power']);
});

test('request ids come from the environment: two remote starts get two ids', () => {
  const e = env();
  const a = commandTo201('RemoteStartTransaction', { idTag: 'X' }, e);
  const b = commandTo201('RemoteStartTransaction', { idTag: 'X' }, e);
  assert.ok(a.kind === 'call' && b.kind === 'call');
  assert.notEqual(a.request.remoteStartId, b.request.remoteStartId);
});
