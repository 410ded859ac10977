// The vendored OCPP 2.0.1 schemas as the daemon loads them: all there and as published,
// mapped to action names, typed payloads that pass, and each kind of violation with the
// code 2.0.1 gives it. Also the per-version error spellings.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { getProtocol, KNOWN_PROTOCOLS } from '../../daemon/ocpp/protocols.js';
import { RPC_ERROR_CODES, spell16, spell201, type RpcErrorCode } from '../../daemon/ocpp/errors.js';
import {
  CHARGER_INITIATED_V201,
  CSMS_INITIATED_V201,
  type BootNotificationRequest,
  type GetVariablesRequest,
  type NotifyReportRequest,
  type RequestStartTransactionRequest,
  type SetChargingProfileRequest,
  type StatusNotificationRequest,
  type TransactionEventRequest,
  type V201Action,
  type V201Actions,
} from '../../daemon/ocpp/v201/types.js';

// Runs as dist/test/unit/...; the build copies the schemas to dist/daemon/ocpp/schemas.
const DIR = new URL('../../daemon/ocpp/schemas/ocpp2.0.1/', import.meta.url);
const T0 = '2026-11-21T10:00:00.000Z';
const v201 = getProtocol('ocpp2.0.1')!;

test('128 schema files for 64 actions, each as published: draft-06, its OCA id, "OCPP 2.0.1 FINAL"', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();
  assert.equal(files.length, 128);
  for (const f of files) {
    const doc = JSON.parse(readFileSync(new URL(f, DIR), 'utf8'));
    const name = f.slice(0, -'.json'.length);
    assert.match(name, /(Request|Response)$/, f);
    assert.equal(doc.$schema, 'http://json-schema.org/draft-06/schema#', f);
    assert.equal(doc.$id, `urn:OCPP:Cp:2:2020:3:${name}`, f);
    assert.equal(doc.comment, 'OCPP 2.0.1 FINAL', f);
    assert.equal(doc.type, 'object', f);
    assert.equal(doc.additionalProperties, false, f);
  }
  assert.equal(v201.validator.actions.length, 64);
  // File names map to action names: BootNotificationRequest.json is the request of BootNotification.
  assert.ok(v201.validator.has('BootNotification'));
  assert.equal(v201.validator.has('BootNotificationRequest'), false);
  assert.equal(v201.name, 'ocpp2.0.1');
  assert.deepEqual(KNOWN_PROTOCOLS, ['ocpp2.0.1', 'ocpp1.6']);
  // The 1.6 set still loads as before, beside it.
  assert.equal(getProtocol('ocpp1.6')!.validator.actions.length, 28);
  assert.equal(getProtocol('ocpp2.0'), undefined);
});

test('every action the site handles or sends has both schemas', () => {
  const typed = [...new Set<V201Action>([...CHARGER_INITIATED_V201, ...CSMS_INITIATED_V201])];
  assert.equal(CHARGER_INITIATED_V201.length, 15);
  assert.equal(CSMS_INITIATED_V201.length, 18);
  for (const action of typed) {
    assert.ok(v201.validator.has(action), `${action}: request schema`);
    // A response validator exists when checking it does not say "unknown action".
    assert.notEqual(v201.validator.response(action, {})?.code, 'NotImplemented', `${action}: response schema`);
  }
});

// --- known-good payloads, typed: they check types.ts against the schemas too ---

const boot: BootNotificationRequest = {
  reason: 'PowerUp',
  chargingStation: { model: 'Wallbox-22', vendorName: 'ACME', serialNumber: 'SN-1', firmwareVersion: '1.2.3', modem: { iccid: '8931080019073497795', imsi: '204080123456789' } },
};
const status: StatusNotificationRequest = { timestamp: T0, connectorStatus: 'Occupied', evseId: 2, connectorId: 1 };
const started: TransactionEventRequest = {
  eventType: 'Started', timestamp: T0, triggerReason: 'Authorized', seqNo: 0,
  transactionInfo: { transactionId: 'a1b2c3', chargingState: 'EVConnected' },
  evse: { id: 1, connectorId: 1 }, idToken: { idToken: 'RFID-01', type: 'ISO14443' },
  meterValue: [{ timestamp: T0, sampledValue: [{ value: 1000, measurand: 'Energy.Active.Import.Register', context: 'Transaction.Begin', unitOfMeasure: { unit: 'Wh' } }] }],
};
const ended: TransactionEventRequest = {
  eventType: 'Ended', timestamp: T0, triggerReason: 'EVCommunicationLost', seqNo: 7,
  transactionInfo: { transactionId: 'a1b2c3', stoppedReason: 'EVDisconnected' },
  meterValue: [{ timestamp: T0, sampledValue: [{ value: 15.8, measurand: 'Current.Import', phase: 'L1', location: 'Outlet' }] }],
};
const report: NotifyReportRequest = {
  requestId: 1, generatedAt: T0, seqNo: 0, tbc: false,
  reportData: [{ component: { name: 'EVSE', evse: { id: 1 } }, variable: { name: 'Power' }, variableAttribute: [{ type: 'MaxSet', value: '22000', mutability: 'ReadOnly' }] }],
};
const setProfile: SetChargingProfileRequest = {
  evseId: 1,
  chargingProfile: {
    id: 10, stackLevel: 1, chargingProfilePurpose: 'TxDefaultProfile', chargingProfileKind: 'Relative',
    chargingSchedule: [{ id: 1, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16.5, numberPhases: 3 }] }],
  },
};
const remoteStart: RequestStartTransactionRequest = { evseId: 1, remoteStartId: 42, idToken: { idToken: 'APP-1', type: 'Central' } };
const getVariables: GetVariablesRequest = { getVariableData: [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } }] };
const heartbeatConf: V201Actions['Heartbeat']['conf'] = { currentTime: T0 };

test('typed payloads of the messages the site handles and sends validate', () => {
  const cases: Array<[string, 'request' | 'response', unknown]> = [
    ['BootNotification', 'request', boot], ['StatusNotification', 'request', status], ['TransactionEvent', 'request', started],
    ['TransactionEvent', 'request', ended], ['NotifyReport', 'request', report], ['SetChargingProfile', 'request', setProfile],
    ['RequestStartTransaction', 'request', remoteStart], ['GetVariables', 'request', getVariables], ['Heartbeat', 'response', heartbeatConf],
    ['Heartbeat', 'request', {}], ['TransactionEvent', 'response', {}],
  ];
  for (const [action, dir, payload] of cases) assert.equal(v201.validator[dir](action, payload), null, `${action} ${dir}`);
});

test('each kind of violation gets the 2.0.1 code for it', () => {
  const cases: Array<[string, string, unknown, RpcErrorCode, string]> = [
    ['a missing field', 'BootNotification', { chargingStation: boot.chargingStation }, 'OccurrenceConstraintViolation', ''],
    ['an empty list that must hold one', 'TransactionEvent', { ...started, meterValue: [] }, 'OccurrenceConstraintViolation', '/meterValue'],
    ['a wrong type', 'StatusNotification', { ...status, evseId: '2' }, 'TypeConstraintViolation', '/evseId'],
    ['a value outside its enum', 'TransactionEvent', { ...started, triggerReason: 'Whim' }, 'PropertyConstraintViolation', '/triggerReason'],
    ['a string too long', 'TransactionEvent', { ...started, transactionInfo: { transactionId: 'x'.repeat(37) } }, 'PropertyConstraintViolation', '/transactionInfo/transactionId'],
    ['a bad date-time', 'StatusNotification', { ...status, timestamp: 'soon' }, 'PropertyConstraintViolation', '/timestamp'],
    ['more entries than a list may hold', 'SetChargingProfile', { ...setProfile, chargingProfile: { ...setProfile.chargingProfile, chargingSchedule: Array(4).fill(setProfile.chargingProfile.chargingSchedule[0]) } }, 'OccurrenceConstraintViolation', '/chargingProfile/chargingSchedule'],
    ['an unexpected property', 'Heartbeat', { extra: 1 }, 'FormatViolation', ''],
    ['an infinite number', 'StatusNotification', { ...status, connectorId: Infinity }, 'PropertyConstraintViolation', '/connectorId'],
  ];
  for (const [what, action, payload, code, path] of cases) {
    const err = v201.validator.request(action, payload);
    assert.ok(err, `${what}: expected a violation`);
    assert.equal(err.code, code, `${what}: ${err.message}`);
    assert.equal(err.details.path, path, `${what}: ${err.message}`);
    assert.equal(v201.spell(err.code), code, 'OCPP 2.0.1 spells every code as we name it');
  }
  // customData is open for vendor fields everywhere; anywhere else an extra property is refused.
  assert.equal(v201.validator.request('Heartbeat', { customData: { vendorId: 'acme', x: { y: 1 } } }), null);
  assert.equal(v201.validator.request('Heartbeat', { customData: { x: 1 } })?.code, 'OccurrenceConstraintViolation');
});

test('error code spellings per version', () => {
  // [canonical, 1.6 on the wire, 2.0.1 on the wire]
  const table: Array<[RpcErrorCode, string, string]> = [
    ['NotImplemented', 'NotImplemented', 'NotImplemented'],
    ['NotSupported', 'NotSupported', 'NotSupported'],
    ['InternalError', 'InternalError', 'InternalError'],
    ['ProtocolError', 'ProtocolError', 'ProtocolError'],
    ['SecurityError', 'SecurityError', 'SecurityError'],
    ['FormatViolation', 'FormationViolation', 'FormatViolation'],
    ['PropertyConstraintViolation', 'PropertyConstraintViolation', 'PropertyConstraintViolation'],
    ['OccurrenceConstraintViolation', 'OccurenceConstraintViolation', 'OccurrenceConstraintViolation'],
    ['TypeConstraintViolation', 'TypeConstraintViolation', 'TypeConstraintViolation'],
    ['GenericError', 'GenericError', 'GenericError'],
    // 1.6 has neither: a frame that is no valid OCPP-J message is its FormationViolation,
    // an unknown message type its ProtocolError.
    ['MessageTypeNotSupported', 'ProtocolError', 'MessageTypeNotSupported'],
    ['RpcFrameworkError', 'FormationViolation', 'RpcFrameworkError'],
  ];
  assert.deepEqual(table.map((r) => r[0]).sort(), [...RPC_ERROR_CODES].sort(), 'every code is in the table');
  for (const [code, s16, s201] of table) {
    assert.equal(spell16(code), s16, code);
    assert.equal(spell201(code), s201, code);
    assert.equal(getProtocol('ocpp1.6')!.spell(code), s16, code);
    assert.equal(v201.spell(code), s201, code);
  }
});
