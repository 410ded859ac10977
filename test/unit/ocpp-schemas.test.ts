import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import AjvModule from 'ajv-draft-04';
import addFormatsModule from 'ajv-formats';
import type { ValidateFunction } from 'ajv-draft-04';
import {
  CHARGER_INITIATED_V16,
  CSMS_INITIATED_V16,
  type BootNotificationRequest,
  type MeterValuesRequest,
  type SetChargingProfileRequest,
  type StartTransactionRequest,
  type StatusNotificationRequest,
  type StopTransactionRequest,
  type V16Action,
} from '../../daemon/ocpp/v16/types.js';
import { getProtocol } from '../../daemon/ocpp/protocols.js';
import { firstNonFinite } from '../../daemon/ocpp/validator.js';
import type { RpcError } from '../../daemon/ocpp/errors.js';

// ajv-draft-04 and ajv-formats are CommonJS (module.exports = fn, with
// exports.default = fn). Under NodeNext the default import is module.exports,
// whose `.default` is the class / plugin both for tsc and at run time.
const Ajv = AjvModule.default;
const addFormats = addFormatsModule.default;

// This file runs as dist/test/unit/ocpp-schemas.test.js and the build copies
// daemon/ocpp/schemas to dist/daemon/ocpp/schemas, so two levels up is dist/.
const SCHEMA_DIR = new URL('../../daemon/ocpp/schemas/ocpp1.6/', import.meta.url);

const ACTIONS: readonly V16Action[] = [
  'Authorize',
  'BootNotification',
  'CancelReservation',
  'ChangeAvailability',
  'ChangeConfiguration',
  'ClearCache',
  'ClearChargingProfile',
  'DataTransfer',
  'DiagnosticsStatusNotification',
  'FirmwareStatusNotification',
  'GetCompositeSchedule',
  'GetConfiguration',
  'GetDiagnostics',
  'GetLocalListVersion',
  'Heartbeat',
  'MeterValues',
  'RemoteStartTransaction',
  'RemoteStopTransaction',
  'ReserveNow',
  'Reset',
  'SendLocalList',
  'SetChargingProfile',
  'StartTransaction',
  'StatusNotification',
  'StopTransaction',
  'TriggerMessage',
  'UnlockConnector',
  'UpdateFirmware',
];

/** [file base name, expected schema title] for all 56 files. */
const FILES: ReadonlyArray<readonly [string, string]> = ACTIONS.flatMap((a) => [
  [a, `${a}Request`] as const,
  [`${a}Response`, `${a}Response`] as const,
]);

type SchemaDoc = Record<string, unknown>;

function loadSchema(name: string): SchemaDoc {
  const url = new URL(`${name}.json`, SCHEMA_DIR);
  return JSON.parse(readFileSync(url, 'utf8')) as SchemaDoc;
}

function newAjv() {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  return ajv;
}

const ajv = newAjv();
const validators = new Map<string, ValidateFunction>();
function validator(name: string): ValidateFunction {
  let v = validators.get(name);
  if (!v) {
    v = ajv.compile(loadSchema(name));
    validators.set(name, v);
  }
  return v;
}

function assertValid(name: string, payload: unknown): void {
  const v = validator(name);
  const ok = v(payload);
  assert.equal(ok, true, `${name} should accept payload: ${JSON.stringify(v.errors)}`);
}

function assertInvalid(name: string, payload: unknown, keyword: string): void {
  const v = validator(name);
  const ok = v(payload);
  assert.equal(ok, false, `${name} should reject payload ${JSON.stringify(payload)}`);
  assert.ok(
    (v.errors ?? []).some((e) => e.keyword === keyword),
    `${name}: expected a "${keyword}" error, got ${JSON.stringify(v.errors)}`,
  );
}

test('action lists cover all 28 OCPP 1.6 actions', () => {
  assert.equal(ACTIONS.length, 28);
  assert.equal(new Set(ACTIONS).size, 28);
  const covered = new Set<string>([...CHARGER_INITIATED_V16, ...CSMS_INITIATED_V16]);
  assert.deepEqual([...covered].sort(), [...ACTIONS].sort());
  assert.equal(CHARGER_INITIATED_V16.length, 10);
  assert.equal(CSMS_INITIATED_V16.length, 19);
  const both = CHARGER_INITIATED_V16.filter((a) => (CSMS_INITIATED_V16 as readonly string[]).includes(a));
  assert.deepEqual(both, ['DataTransfer']);
});

test('all 56 schema files exist, parse, and carry the official draft-04 $schema and OCPP 1.6 id', () => {
  assert.equal(FILES.length, 56);
  for (const [file, title] of FILES) {
    const url = new URL(`${file}.json`, SCHEMA_DIR);
    assert.ok(existsSync(url), `missing ${url.pathname}`);
    const doc = loadSchema(file);
    assert.equal(doc['$schema'], 'http://json-schema.org/draft-04/schema#', file);
    assert.equal(typeof doc['id'], 'string', file);
    assert.ok((doc['id'] as string).startsWith('urn:OCPP:1.6:2019:12:'), `${file}: id ${String(doc['id'])}`);
    assert.equal(doc['id'], `urn:OCPP:1.6:2019:12:${title}`, file);
    assert.equal(doc['title'], title, file);
    assert.equal(doc['type'], 'object', file);
    assert.equal(doc['additionalProperties'], false, file);
  }
});

test('every schema compiles with Ajv (draft-04) + ajv-formats', () => {
  // Fresh instance so each schema's id is registered exactly once.
  const fresh = newAjv();
  for (const [file] of FILES) {
    const validate = fresh.compile(loadSchema(file));
    assert.equal(typeof validate, 'function', file);
  }
});

test('empty payloads validate for field-less messages', () => {
  for (const name of [
    'ClearCache',
    'GetLocalListVersion',
    'Heartbeat',
    'DiagnosticsStatusNotificationResponse',
    'FirmwareStatusNotificationResponse',
    'MeterValuesResponse',
    'StatusNotificationResponse',
    'UpdateFirmwareResponse',
  ]) {
    assertValid(name, {});
  }
  assertInvalid('Heartbeat', { foo: 1 }, 'additionalProperties');
});

// --- known-good payloads (typed, so they also check types.ts against the schemas) ---

const bootReq: BootNotificationRequest = {
  chargePointVendor: 'ACME',
  chargePointModel: 'Wallbox-22',
  chargePointSerialNumber: 'SN-0001',
  firmwareVersion: '1.2.3',
  iccid: '8931080019073497795',
  imsi: '204080123456789',
  meterType: 'EM340',
  meterSerialNumber: 'M-42',
};

const meterValuesReq: MeterValuesRequest = {
  connectorId: 1,
  transactionId: 17,
  meterValue: [
    {
      timestamp: '2024-05-01T12:00:00Z',
      sampledValue: [
        {
          value: '15.8',
          context: 'Sample.Periodic',
          format: 'Raw',
          measurand: 'Current.Import',
          phase: 'L1',
          location: 'Outlet',
          unit: 'A',
        },
        { value: '12345', measurand: 'Energy.Active.Import.Register', unit: 'Wh' },
        { value: '230.1', measurand: 'Voltage', phase: 'L1-N', unit: 'V' },
      ],
    },
  ],
};

const startTxReq: StartTransactionRequest = {
  connectorId: 2,
  idTag: 'RFID-0123456789ABCDE',
  meterStart: 1000,
  reservationId: 5,
  timestamp: '2024-05-01T12:00:00.000+02:00',
};

const setProfileReq: SetChargingProfileRequest = {
  connectorId: 0,
  csChargingProfiles: {
    chargingProfileId: 100,
    stackLevel: 0,
    chargingProfilePurpose: 'TxDefaultProfile',
    chargingProfileKind: 'Recurring',
    recurrencyKind: 'Daily',
    validFrom: '2024-05-01T00:00:00Z',
    chargingSchedule: {
      duration: 86400,
      startSchedule: '2024-05-01T00:00:00Z',
      chargingRateUnit: 'A',
      chargingSchedulePeriod: [
        { startPeriod: 0, limit: 16 },
        { startPeriod: 28800, limit: 32.0, numberPhases: 3 },
        { startPeriod: 64800, limit: 10.5, numberPhases: 1 },
      ],
      minChargingRate: 6,
    },
  },
};

const statusReq: StatusNotificationRequest = {
  connectorId: 1,
  errorCode: 'NoError',
  status: 'Charging',
  timestamp: '2024-05-01T12:00:00Z',
};

const stopTxReq: StopTransactionRequest = {
  transactionId: 17,
  meterStop: 23456,
  timestamp: '2024-05-01T14:00:00Z',
  reason: 'EVDisconnected',
  transactionData: [
    {
      timestamp: '2024-05-01T14:00:00Z',
      sampledValue: [{ value: '23456', context: 'Transaction.End', unit: 'Wh' }],
    },
  ],
};

test('known-good payloads validate', () => {
  assertValid('BootNotification', bootReq);
  assertValid('BootNotification', { chargePointVendor: 'ACME', chargePointModel: 'X' });
  assertValid('BootNotificationResponse', {
    status: 'Accepted',
    currentTime: '2024-05-01T12:00:00Z',
    interval: 300,
  });
  assertValid('MeterValues', meterValuesReq);
  assertValid('StartTransaction', startTxReq);
  assertValid('StartTransactionResponse', {
    idTagInfo: { status: 'Accepted', expiryDate: '2024-06-01T00:00:00Z' },
    transactionId: 17,
  });
  assertValid('SetChargingProfile', setProfileReq);
  assertValid('SetChargingProfileResponse', { status: 'Accepted' });
  assertValid('StatusNotification', statusReq);
  assertValid('StopTransaction', stopTxReq);
  assertValid('Authorize', { idTag: 'ABC' });
  assertValid('AuthorizeResponse', { idTagInfo: { status: 'Blocked' } });
  assertValid('RemoteStartTransaction', {
    connectorId: 1,
    idTag: 'ABC',
    chargingProfile: {
      chargingProfileId: 1,
      stackLevel: 1,
      chargingProfilePurpose: 'TxProfile',
      chargingProfileKind: 'Relative',
      chargingSchedule: { chargingRateUnit: 'W', chargingSchedulePeriod: [{ startPeriod: 0, limit: 7400 }] },
    },
  });
  assertValid('GetConfigurationResponse', {
    configurationKey: [{ key: 'HeartbeatInterval', readonly: false, value: '300' }],
    unknownKey: ['Foo'],
  });
  assertValid('UpdateFirmware', { location: 'https://fw.example.com/fw.bin', retrieveDate: '2024-05-01T12:00:00Z' });
  assertValid('DataTransfer', { vendorId: 'com.example', messageId: 'm', data: '{"a":1}' });
});

// --- known-bad payloads ---

test('missing required fields are rejected', () => {
  assertInvalid('BootNotification', { chargePointVendor: 'ACME' }, 'required');
  assertInvalid('StartTransaction', { connectorId: 1, idTag: 'A', meterStart: 0 }, 'required');
  assertInvalid('StopTransaction', { transactionId: 1, timestamp: '2024-05-01T12:00:00Z' }, 'required');
  assertInvalid(
    'MeterValues',
    { connectorId: 1, meterValue: [{ timestamp: '2024-05-01T12:00:00Z', sampledValue: [{ unit: 'A' }] }] },
    'required',
  );
  const { chargingRateUnit: _unit, ...scheduleWithoutUnit } = setProfileReq.csChargingProfiles.chargingSchedule;
  assertInvalid(
    'SetChargingProfile',
    { ...setProfileReq, csChargingProfiles: { ...setProfileReq.csChargingProfiles, chargingSchedule: scheduleWithoutUnit } },
    'required',
  );
});

test('wrong types are rejected', () => {
  assertInvalid('StartTransaction', { ...startTxReq, connectorId: '2' }, 'type');
  assertInvalid('StartTransaction', { ...startTxReq, meterStart: 10.5 }, 'type');
  assertInvalid('BootNotificationResponse', { status: 'Accepted', currentTime: '2024-05-01T12:00:00Z', interval: '300' }, 'type');
  assertInvalid(
    'MeterValues',
    { connectorId: 1, meterValue: [{ timestamp: '2024-05-01T12:00:00Z', sampledValue: [{ value: 15.8 }] }] },
    'type',
  );
  assertInvalid('StartTransaction', { ...startTxReq, timestamp: 'yesterday' }, 'format');
});

test('unknown enum values are rejected', () => {
  const bad = structuredClone(meterValuesReq) as unknown as {
    meterValue: { sampledValue: Record<string, unknown>[] }[];
  };
  bad.meterValue[0]!.sampledValue[0]!['measurand'] = 'Current.Imported';
  assertInvalid('MeterValues', bad, 'enum');
  assertInvalid('MeterValues', {
    connectorId: 1,
    meterValue: [{ timestamp: '2024-05-01T12:00:00Z', sampledValue: [{ value: '1', phase: 'L4' }] }],
  }, 'enum');
  assertInvalid('StatusNotification', { ...statusReq, status: 'Occupied' }, 'enum');
  assertInvalid('StatusNotification', { ...statusReq, errorCode: 'Boom' }, 'enum');
  assertInvalid(
    'SetChargingProfile',
    {
      ...setProfileReq,
      csChargingProfiles: {
        ...setProfileReq.csChargingProfiles,
        chargingSchedule: { ...setProfileReq.csChargingProfiles.chargingSchedule, chargingRateUnit: 'kW' },
      },
    },
    'enum',
  );
  // The official StopTransaction schema only knows the misspelled "Celcius".
  assertInvalid(
    'StopTransaction',
    { ...stopTxReq, transactionData: [{ timestamp: '2024-05-01T14:00:00Z', sampledValue: [{ value: '30', unit: 'Celsius' }] }] },
    'enum',
  );
  assertValid('MeterValues', {
    connectorId: 1,
    meterValue: [{ timestamp: '2024-05-01T12:00:00Z', sampledValue: [{ value: '30', unit: 'Celsius' }] }],
  });
});

test('additional properties are rejected (top level and nested)', () => {
  assertInvalid('BootNotification', { ...bootReq, vendor: 'ACME' }, 'additionalProperties');
  assertInvalid('StartTransaction', { ...startTxReq, transactionId: 1 }, 'additionalProperties');
  assertInvalid(
    'SetChargingProfile',
    {
      ...setProfileReq,
      csChargingProfiles: {
        ...setProfileReq.csChargingProfiles,
        chargingSchedule: {
          ...setProfileReq.csChargingProfiles.chargingSchedule,
          chargingSchedulePeriod: [{ startPeriod: 0, limit: 16, phaseToUse: 1 }],
        },
      },
    },
    'additionalProperties',
  );
  assertInvalid('AuthorizeResponse', { idTagInfo: { status: 'Accepted', extra: true } }, 'additionalProperties');
});

test('strings over maxLength are rejected', () => {
  assertInvalid('Authorize', { idTag: 'X'.repeat(21) }, 'maxLength');
  assertValid('Authorize', { idTag: 'X'.repeat(20) });
  assertInvalid('BootNotification', { ...bootReq, chargePointVendor: 'V'.repeat(21) }, 'maxLength');
  assertInvalid('BootNotification', { ...bootReq, firmwareVersion: 'F'.repeat(51) }, 'maxLength');
  assertInvalid('ChangeConfiguration', { key: 'K', value: 'v'.repeat(501) }, 'maxLength');
  assertInvalid('DataTransfer', { vendorId: 'v'.repeat(256) }, 'maxLength');
});

// --- numbers JSON cannot carry (issue 8 item 12) ---
// `1e400` is valid JSON that parses to Infinity, and Ajv's integer/number checks accept
// ±Infinity (and NaN on our own outgoing side): the site's validator must not.

test('firstNonFinite finds the first NaN/±Infinity as a JSON pointer, in document order', () => {
  let deep: unknown = Infinity;
  for (let i = 0; i < 100_000; i++) deep = [deep];
  const cases: Array<[string, unknown, string | null]> = [
    ['empty object', {}, null],
    ['finite numbers, strings, null, booleans', { a: 1, b: [1.5, -2, 0, -0, 1e308], c: 'Infinity', d: null, e: true }, null],
    ['a top-level field', { connectorId: Infinity }, '/connectorId'],
    ['minus infinity after a finite field', { a: 1, b: -Infinity }, '/b'],
    ['NaN in an array of objects, before a later Infinity', { a: [{ x: 1 }, { x: NaN }], b: Infinity }, '/a/1/x'],
    ['keys escaped as in Ajv instance paths', { 'a/b': { '~': NaN } }, '/a~1b/~0'],
    ['the payload itself', NaN, ''],
    ['nesting far deeper than the call stack', deep, '/0'.repeat(100_000)],
  ];
  for (const [what, value, path] of cases) assert.equal(firstNonFinite(value), path, what);
});

test('NaN and ±Infinity are PropertyConstraintViolations in requests and responses, naming the path', () => {
  const v = getProtocol('ocpp1.6')!.validator;
  const T = '2024-05-01T12:00:00Z';
  const cases: Array<[string, 'request' | 'response', string, unknown, string]> = [
    ['Start with connectorId 1e400 as parsed from the wire', 'request', 'StartTransaction',
      JSON.parse(`{"connectorId":1e400,"idTag":"T","meterStart":0,"timestamp":"${T}"}`), '/connectorId'],
    ['Start with connectorId -1e400', 'request', 'StartTransaction',
      JSON.parse(`{"connectorId":-1e400,"idTag":"T","meterStart":0,"timestamp":"${T}"}`), '/connectorId'],
    ['Stop with meterStop NaN', 'request', 'StopTransaction', { ...stopTxReq, meterStop: NaN }, '/meterStop'],
    ['MeterValues with transactionId Infinity', 'request', 'MeterValues', { ...meterValuesReq, transactionId: Infinity }, '/transactionId'],
    ['our SetChargingProfile with a NaN limit', 'request', 'SetChargingProfile', {
      ...setProfileReq,
      csChargingProfiles: {
        ...setProfileReq.csChargingProfiles,
        chargingSchedule: { ...setProfileReq.csChargingProfiles.chargingSchedule, chargingSchedulePeriod: [{ startPeriod: 0, limit: NaN }] },
      },
    }, '/csChargingProfiles/chargingSchedule/chargingSchedulePeriod/0/limit'],
    ['a Start answer with transactionId Infinity', 'response', 'StartTransaction', { idTagInfo: { status: 'Accepted' }, transactionId: Infinity }, '/transactionId'],
    ['a Boot answer with interval 1e400', 'response', 'BootNotification', JSON.parse(`{"status":"Accepted","currentTime":"${T}","interval":1e400}`), '/interval'],
  ];
  for (const [what, dir, action, payload, path] of cases) {
    const err = v[dir](action, payload) as RpcError | null;
    assert.ok(err, `${what}: accepted`);
    assert.equal(err.code, 'PropertyConstraintViolation', `${what}: ${err.message}`);
    assert.equal(err.message, `${action}: ${path} must be a finite number`, what);
    assert.equal(err.details.path, path, what);
  }
  // The same payloads with finite numbers still pass.
  assert.equal(v.request('StartTransaction', { connectorId: 1, idTag: 'T', meterStart: 0, timestamp: T }), null);
  assert.equal(v.response('StartTransaction', { idTagInfo: { status: 'Accepted' }, transactionId: 7 }), null);
});
