// The 2.0.1 → model tables: connector status, IdToken ↔ idTag, stop reasons, meter
// values (units, multiplier, signed data, what 1.6 cannot say) and the energy register.
import test from 'node:test';
import assert from 'node:assert/strict';
import {
  modelStatus, modelErrorCode, idTagOf, idTokenInfoOf, stopReasonOf, scaledValue, meterValuesOf, registerWh, NO_TOKEN_ID_TAG,
  type ConnectorStatus201, type ChargingState201,
} from '../../daemon/ocpp/v201/mapping.js';
import * as mapping from '../../daemon/ocpp/v201/mapping.js';

test('connector status: 2.0.1 connectorStatus + chargingState + open transaction → the model\'s 1.6 status', () => {
  const rows: Array<[ConnectorStatus201 | undefined, ChargingState201 | undefined, boolean, string, string]> = [
    // connectorStatus, chargingState, transaction open, previous, expected
    ['Available', undefined, false, 'Unknown', 'Available'],
    ['Available', undefined, true, 'Unknown', 'Preparing'],
    ['Occupied', undefined, false, 'Available', 'Preparing'],
    ['Occupied', undefined, true, 'Preparing', 'Charging'],
    ['Occupied', 'Charging', true, 'Preparing', 'Charging'],
    ['Occupied', 'SuspendedEV', true, 'Charging', 'SuspendedEV'],
    ['Occupied', 'SuspendedEVSE', true, 'Charging', 'SuspendedEVSE'],
    ['Occupied', 'EVConnected', true, 'Preparing', 'SuspendedEV'],
    ['Occupied', 'Idle', true, 'Preparing', 'SuspendedEV'],
    ['Occupied', 'Charging', false, 'Charging', 'Finishing'],
    ['Occupied', undefined, false, 'SuspendedEV', 'Finishing'],
    ['Occupied', undefined, false, 'Finishing', 'Finishing'],
    ['Reserved', undefined, false, 'Available', 'Reserved'],
    ['Unavailable', 'Charging', true, 'Charging', 'Unavailable'],
    ['Faulted', 'Charging', true, 'Charging', 'Faulted'],
    [undefined, 'Charging', true, 'Unknown', 'Charging'],
    [undefined, 'Idle', true, 'Unknown', 'Preparing'],
    [undefined, undefined, false, 'Unknown', 'Unknown'],
  ];
  for (const [connectorStatus, chargingState, transactionOpen, previous, want] of rows) {
    assert.equal(modelStatus({ connectorStatus, chargingState, transactionOpen, previous }), want, JSON.stringify({ connectorStatus, chargingState, transactionOpen, previous }));
  }
  assert.equal(modelErrorCode('Faulted'), 'OtherError');
  assert.equal(modelErrorCode('Occupied'), 'NoError');
});

test('IdToken → idTag: as is up to 20 characters, a stable short form beyond, a placeholder without a token', () => {
  assert.equal(idTagOf({ idToken: '04A2B3C4D5E6F7', type: 'ISO14443' }), '04A2B3C4D5E6F7');
  assert.equal(idTagOf({ idToken: 'DE8ACC1234567890ABCD', type: 'eMAID' }), 'DE8ACC1234567890ABCD');
  const long = { idToken: '5b2c6d1e-8f3a-4c7b-9e2d-1a2b3c4d5e6f', type: 'Central' };
  const short = idTagOf(long);
  assert.equal(short.length, 20);
  assert.match(short, /^5b2c6d1e-8f~[0-9a-f]{8}$/);
  assert.equal(idTagOf({ ...long }), short, 'the same token always gives the same idTag');
  assert.notEqual(idTagOf({ idToken: long.idToken.replace(/f$/, 'e'), type: 'Central' }), short);
  assert.equal(idTagOf(undefined), NO_TOKEN_ID_TAG);
  assert.equal(idTagOf({ idToken: '', type: 'NoAuthorization' }), NO_TOKEN_ID_TAG);
  assert.ok(NO_TOKEN_ID_TAG.length <= 20);
});

test('idTagInfo → idTokenInfo: status kept, expiry and parent carried', () => {
  for (const status of ['Accepted', 'Blocked', 'Expired', 'Invalid', 'ConcurrentTx'] as const) {
    assert.deepEqual(idTokenInfoOf({ status }), { status });
  }
  assert.deepEqual(idTokenInfoOf({ status: 'Accepted', expiryDate: '2027-01-01T00:00:00.000Z', parentIdTag: 'FLEET-1' }), {
    status: 'Accepted', cacheExpiryDateTime: '2027-01-01T00:00:00.000Z', groupIdToken: { idToken: 'FLEET-1', type: 'Central' },
  });
});

test('stoppedReason → 1.6 reason', () => {
  const rows: Array<[string | undefined, string | undefined]> = [
    ['EVDisconnected', 'EVDisconnected'], ['Local', 'Local'], ['Remote', 'Remote'], ['DeAuthorized', 'DeAuthorized'],
    ['EmergencyStop', 'EmergencyStop'], ['PowerLoss', 'PowerLoss'], ['Reboot', 'Reboot'], ['ImmediateReset', 'HardReset'],
    ['MasterPass', 'Local'], ['LocalOutOfCredit', 'Local'], ['StoppedByEV', 'Other'], ['EnergyLimitReached', 'Other'],
    ['SOCLimitReached', 'Other'], ['TimeLimitReached', 'Other'], ['Timeout', 'Other'], ['GroundFault', 'Other'],
    ['OvercurrentFault', 'Other'], ['PowerQuality', 'Other'], ['Other', 'Other'], ['SomethingNew', 'Other'], [undefined, undefined],
  ];
  for (const [v201, v16] of rows) assert.equal(stopReasonOf(v201), v16, String(v201));
});

test('scaledValue shifts in decimal', () => {
  const rows: Array<[number, number | undefined, string]> = [
    [1500, undefined, '1500'], [1.1, 3, '1100'], [12.345, 3, '12345'], [1500, -3, '1.5'], [0.1, 1, '1'], [1e-7, 3, '0.0001'], [16, 0, '16'], [-2.5, 2, '-250'],
  ];
  for (const [v, m, want] of rows) assert.equal(scaledValue(v, m), want, `${v}e${m}`);
});

test('meter values → 1.6 shape: strings, multiplier applied, signed data carried, the unsayable dropped and named', () => {
  const mvs = [{
    timestamp: '2026-11-21T10:00:10.000Z',
    sampledValue: [
      { value: 1.5, measurand: 'Energy.Active.Import.Register', context: 'Sample.Periodic', unitOfMeasure: { unit: 'Wh', multiplier: 3 } },
      { value: 16.2, measurand: 'Current.Import', phase: 'L1', location: 'Outlet', unitOfMeasure: { unit: 'A' } },
      { value: 11000, measurand: 'Power.Active.Import', unitOfMeasure: { unit: 'W' } },
      { value: 2000, measurand: 'Energy.Active.Net', unitOfMeasure: { unit: 'Wh' } },
      { value: 50, measurand: 'Frequency', unitOfMeasure: { unit: 'Hz' } },
      { value: 21, measurand: 'Temperature', unitOfMeasure: { unit: 'Celsius' } },
      { value: 1500, signedMeterValue: { signedMeterData: 'QUJD', signingMethod: 'ECDSA-secp256r1-SHA256', encodingMethod: 'OCMF', publicKey: 'S0VZ' } },
    ],
  }, { timestamp: '2026-11-21T10:00:20.000Z', sampledValue: [{ value: 7, measurand: 'Energy.Apparent.Net' }] }];
  const { meterValue, dropped } = meterValuesOf(mvs);
  assert.deepEqual(meterValue, [{
    timestamp: '2026-11-21T10:00:10.000Z',
    sampledValue: [
      { value: '1500', measurand: 'Energy.Active.Import.Register', context: 'Sample.Periodic', unit: 'Wh' },
      { value: '16.2', measurand: 'Current.Import', phase: 'L1', location: 'Outlet', unit: 'A' },
      { value: '11000', measurand: 'Power.Active.Import', unit: 'W' },
      { value: '21', measurand: 'Temperature', unit: 'Celsius' },
      { value: '1500' },
      { value: 'QUJD', format: 'SignedData' },
    ],
  }]);
  assert.deepEqual(dropped, ['measurand Energy.Active.Net', 'unit Hz', 'measurand Energy.Apparent.Net']);
  // StopTransaction's schema spells it Celcius.
  const stop = meterValuesOf([{ timestamp: 'x', sampledValue: [{ value: 21, measurand: 'Temperature', unitOfMeasure: { unit: 'Celsius' } }] }], { forStop: true });
  assert.equal(stop.meterValue[0]!.sampledValue[0]!.unit, 'Celcius');
});

test('registerWh: the Transaction.Begin/End reading preferred, kWh and multiplier converted, phases and other measurands ignored', () => {
  const mv = (ts: string, ...sampledValue: Array<Record<string, unknown>>) => ({ timestamp: ts, sampledValue: sampledValue as never[] });
  assert.equal(registerWh([]), null);
  assert.equal(registerWh([mv('2026-01-01T00:00:00Z', { value: 1234.4 })]), 1234, 'default measurand and unit: Energy.Active.Import.Register in Wh');
  assert.equal(registerWh([mv('2026-01-01T00:00:00Z', { value: 12.3456, unitOfMeasure: { unit: 'kWh' } })]), 12346);
  assert.equal(registerWh([mv('2026-01-01T00:00:00Z', { value: 12.3, unitOfMeasure: { unit: 'Wh', multiplier: 3 } })]), 12300);
  assert.equal(registerWh([mv('2026-01-01T00:00:00Z', { value: 5, measurand: 'Power.Active.Import', unitOfMeasure: { unit: 'W' } }, { value: 9, phase: 'L1' })]), null);
  const both = [
    mv('2026-01-01T00:00:00Z', { value: 100, context: 'Transaction.Begin' }),
    mv('2026-01-01T01:00:00Z', { value: 900, context: 'Sample.Periodic' }),
  ];
  assert.equal(registerWh(both, 'Transaction.Begin'), 100);
  assert.equal(registerWh(both, 'Transaction.End'), 900, 'no End reading: the newest');
  assert.equal(registerWh(both), 900);
});

test('evseStatus: an EVSE with two connectors is as busy as its busiest', () => {
  const { evseStatus } = mapping;
  assert.equal(evseStatus(['Available', 'Occupied']), 'Occupied');
  assert.equal(evseStatus(['Available', 'Faulted']), 'Faulted');
  assert.equal(evseStatus(['Unavailable', 'Available']), 'Unavailable');
  assert.equal(evseStatus(['Available']), 'Available');
  assert.equal(evseStatus([]), undefined);
});
