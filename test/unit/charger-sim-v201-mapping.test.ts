// Table tests of the simulator's pure 2.0.1 translations and its device model: what a
// charger reports for each state, how a 2.0.1 profile becomes the one the ProfileStore
// evaluates, and which variables a CSMS may read and write.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chargingState, clearFilterFrom201, compositeTo201, connectorStatus, meterValue201, profileFrom201, stopReasons } from '../../scripts/sim/v201/mapping.js';
import { getVariable, reportData, setVariable, type DeviceModelHost } from '../../scripts/sim/v201/device-model.js';
import { defaultConfiguration } from '../../scripts/sim/sim-handlers.js';
import { schemas201 } from '../helpers/csms201.js';

test('1.6 connector states map onto 2.0.1 connectorStatus and chargingState', () => {
  const rows: Array<[string, number, string, string]> = [
    // status16, drawA, connectorStatus, chargingState (in a transaction)
    ['Available', 0, 'Available', 'SuspendedEVSE'],
    ['Preparing', 0, 'Occupied', 'SuspendedEVSE'],
    ['Charging', 16, 'Occupied', 'Charging'],
    ['SuspendedEVSE', 0, 'Occupied', 'SuspendedEVSE'],
    ['SuspendedEV', 16, 'Occupied', 'SuspendedEV'],
    ['Finishing', 0, 'Occupied', 'SuspendedEVSE'],
    ['Reserved', 0, 'Reserved', 'SuspendedEVSE'],
    ['Unavailable', 0, 'Unavailable', 'SuspendedEVSE'],
    ['Faulted', 0, 'Faulted', 'SuspendedEVSE'],
  ];
  for (const [s16, draw, cs, state] of rows) {
    assert.equal(connectorStatus(s16), cs, s16);
    assert.equal(chargingState(s16, draw), state, s16);
  }
});

test('1.6 stop reasons map onto a 2.0.1 stoppedReason and the trigger of the Ended event', () => {
  const rows: Array<[string, string, string]> = [
    ['Local', 'Local', 'StopAuthorized'],
    ['Remote', 'Remote', 'RemoteStop'],
    ['EVDisconnected', 'EVDisconnected', 'EVCommunicationLost'],
    ['DeAuthorized', 'DeAuthorized', 'Deauthorized'],
    ['HardReset', 'ImmediateReset', 'ResetCommand'],
    ['SoftReset', 'Reboot', 'ResetCommand'],
    ['UnlockCommand', 'Other', 'UnlockCommand'],
    ['PowerLoss', 'PowerLoss', 'AbnormalCondition'],
    ['Whatever', 'Other', 'AbnormalCondition'],
  ];
  const v = schemas201();
  for (const [r16, stopped, trigger] of rows) {
    assert.deepEqual(stopReasons(r16), { stoppedReason: stopped, triggerReason: trigger }, r16);
    // Each pair is valid on the wire.
    const ev = { eventType: 'Ended', timestamp: new Date().toISOString(), triggerReason: trigger, seqNo: 1, transactionInfo: { transactionId: 't', stoppedReason: stopped } };
    assert.equal(v.request('TransactionEvent', ev), null, r16);
  }
});

test('a 2.0.1 charging profile becomes the 1.6-shaped one the ProfileStore evaluates', () => {
  const cp = {
    id: 7,
    stackLevel: 2,
    chargingProfilePurpose: 'ChargingStationMaxProfile',
    chargingProfileKind: 'Absolute',
    validTo: '2030-01-01T00:00:00Z',
    chargingSchedule: [{ id: 1, chargingRateUnit: 'W', duration: 600, chargingSchedulePeriod: [{ startPeriod: 0, limit: 7360, numberPhases: 1, phaseToUse: 1 }] }],
  };
  assert.deepEqual(profileFrom201(cp), {
    chargingProfileId: 7,
    stackLevel: 2,
    chargingProfilePurpose: 'ChargePointMaxProfile',
    chargingProfileKind: 'Absolute',
    validTo: '2030-01-01T00:00:00Z',
    chargingSchedule: { duration: 600, chargingRateUnit: 'W', chargingSchedulePeriod: [{ startPeriod: 0, limit: 7360, numberPhases: 1 }] },
  });
  const tx = profileFrom201({ ...cp, chargingProfilePurpose: 'TxProfile', transactionId: 'abc' }, 4);
  assert.deepEqual([tx.chargingProfilePurpose, tx.transactionId], ['TxProfile', 4], 'the string id is replaced by the simulator handle');
});

test('ClearChargingProfile criteria and the composite schedule in 2.0.1 form', () => {
  const rows: Array<[object, object]> = [
    [{ chargingProfileId: 3 }, { id: 3 }],
    [{ chargingProfileCriteria: { evseId: 1 } }, { connectorId: 1 }],
    [{ chargingProfileCriteria: { chargingProfilePurpose: 'ChargingStationMaxProfile', stackLevel: 0 } }, { chargingProfilePurpose: 'ChargePointMaxProfile', stackLevel: 0 }],
    [{}, {}],
  ];
  for (const [req, filter] of rows) assert.deepEqual(clearFilterFrom201(req), filter, JSON.stringify(req));
  const c16 = { status: 'Accepted', connectorId: 1, scheduleStart: '2026-01-01T00:00:00.000Z', chargingSchedule: { duration: 60, startSchedule: '2026-01-01T00:00:00.000Z', chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }] } };
  const res = compositeTo201(c16, 1);
  assert.equal(schemas201().response('GetCompositeSchedule', res), null);
  assert.deepEqual(compositeTo201({ status: 'Rejected' }, 9), { status: 'Rejected' });
});

test('meter values: Begin/End carry the register; samples carry energy, power, phase currents and the offered current', () => {
  const r = { energyWh: 1234.4, powerW: 7360.2, currentsA: [16, 16.04, 0], offeredA: 20 };
  const begin: any = meterValue201(r, 'Transaction.Begin', '2026-01-01T00:00:00Z');
  assert.deepEqual(begin.sampledValue, [{ value: 1234, context: 'Transaction.Begin', measurand: 'Energy.Active.Import.Register', location: 'Outlet', unitOfMeasure: { unit: 'Wh' } }]);
  const sample: any = meterValue201(r, 'Sample.Periodic', '2026-01-01T00:00:00Z');
  assert.deepEqual(
    sample.sampledValue.map((s: any) => [s.measurand, s.phase, s.value, s.unitOfMeasure.unit]),
    [
      ['Energy.Active.Import.Register', undefined, 1234, 'Wh'],
      ['Power.Active.Import', undefined, 7360, 'W'],
      ['Current.Import', 'L1', 16, 'A'],
      ['Current.Import', 'L2', 16, 'A'],
      ['Current.Import', 'L3', 0, 'A'],
      ['Current.Offered', undefined, 20, 'A'],
    ],
  );
  assert.equal(schemas201().request('MeterValues', { evseId: 1, meterValue: [sample] }), null);
});

test('device model: reads, writes and refusals; writes land on the 1.6 configuration keys', () => {
  const changed: string[] = [];
  const host: DeviceModelHost = { configuration: defaultConfiguration(2, 'Current'), options: {}, installedProfiles: 3, configChanged: (k) => changed.push(k) };
  const ref = (component: string, variable: string, instance?: string) => ({ component: { name: component }, variable: { name: variable, ...(instance ? { instance } : {}) } });
  const get = (component: string, variable: string, attributeType?: string, instance?: string) => getVariable(host, { ...ref(component, variable, instance), ...(attributeType ? { attributeType } : {}) }) as any;
  const rows: Array<[string, string, string | undefined, string | undefined, string]> = [
    // component, variable, attributeType, instance, value or status
    ['SmartChargingCtrlr', 'RateUnit', undefined, undefined, 'A'],
    ['SmartChargingCtrlr', 'Entries', undefined, 'ChargingProfiles', '3'],
    ['SmartChargingCtrlr', 'Entries', 'MaxSet', undefined, '20'],
    ['SmartChargingCtrlr', 'Entries', 'Target', undefined, 'NotSupportedAttributeType'],
    ['SmartChargingCtrlr', 'ProfileStackLevel', 'MaxSet', undefined, 'NotSupportedAttributeType'],
    ['TxCtrlr', 'StopTxOnInvalidId', undefined, undefined, 'true'],
    ['AuthCtrlr', 'AuthorizeRemoteStart', undefined, undefined, 'false'],
    ['TxCtrlr', 'TxStartPoint', undefined, undefined, 'Authorized'],
    ['Nope', 'X', undefined, undefined, 'UnknownComponent'],
    ['TxCtrlr', 'Nope', undefined, undefined, 'UnknownVariable'],
  ];
  for (const [c, v, type, instance, want] of rows) {
    const r = get(c, v, type, instance);
    assert.equal(r.attributeValue ?? r.attributeStatus, want, `${c}.${v} ${type ?? ''}`);
    assert.equal(schemas201().response('GetVariables', { getVariableResult: [r] }), null);
  }
  const set = (component: string, variable: string, attributeValue: string) => (setVariable(host, { ...ref(component, variable), attributeValue }) as any).attributeStatus;
  assert.equal(set('SampledDataCtrlr', 'TxUpdatedInterval', '15'), 'Accepted');
  assert.equal(host.configuration.get('MeterValueSampleInterval')!.value, '15');
  assert.equal(set('AuthCtrlr', 'AuthorizeRemoteStart', 'TRUE'), 'Accepted');
  assert.equal(host.configuration.get('AuthorizeRemoteTxRequests')!.value, 'true');
  assert.equal(set('AuthCtrlr', 'AuthorizeRemoteStart', 'yes'), 'Rejected');
  assert.equal(set('SmartChargingCtrlr', 'Enabled', 'false'), 'Rejected', 'a constant');
  assert.equal(set('SmartChargingCtrlr', 'RateUnit', 'W'), 'Rejected', 'read-only, as ChargingScheduleAllowedChargingRateUnit');
  assert.deepEqual(changed, ['MeterValueSampleInterval', 'AuthorizeRemoteTxRequests']);
  const report = { requestId: 1, generatedAt: new Date().toISOString(), seqNo: 0, tbc: false, reportData: reportData(host) };
  assert.equal(schemas201().request('NotifyReport', report), null);
});
