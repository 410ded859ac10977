// The charger simulator in OCPP 2.0.1 mode against a tiny CSMS in the test (test/helpers/
// csms201.ts) that checks every frame, both ways, against the official 2.0.1 schemas.
// What is asserted is what a CSMS sees on the wire; ordering is proven by arrival, never by sleeping.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { SimCharger, type SimChargerOptions } from '../../scripts/sim/charger-sim.js';
import { startCsms201, type Peer201 } from '../helpers/csms201.js';

const WAIT_MS = 10_000;

async function setup(t: TestContext, opts: Partial<SimChargerOptions> = {}) {
  const csms = await startCsms201();
  const sim = new SimCharger({ url: csms.url, id: 'CP-201', password: 'secret', protocol: 'ocpp2.0.1', ...opts });
  sim.on('warning', () => {}); // follow-ups cut by a test's disconnect are expected
  t.after(async () => {
    await sim.close();
    await csms.close();
  });
  const [peer] = await Promise.all([csms.accept(), sim.connect()]);
  t.after(() => assert.deepEqual(peer.invalid, [], 'every frame valid against the 2.0.1 schemas'));
  return { csms, sim, peer };
}

/** The next 'limit' value for one EVSE, bounded. */
function nextLimit(sim: SimCharger, evseId: number): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sim.off('limit', f);
      reject(new Error(`timed out waiting for a limit change on EVSE ${evseId}`));
    }, WAIT_MS);
    const f = (c: number, limitA: number | null) => {
      if (c !== evseId) return;
      clearTimeout(timer);
      sim.off('limit', f);
      resolve(limitA);
    };
    sim.on('limit', f);
  });
}

/** plugIn + startCharging with the CSMS answering; gives the Started event. */
async function session(sim: SimCharger, peer: Peer201, evseId: number, idTag = 'TAG-1', car = {}): Promise<any> {
  const plug = sim.plugIn(evseId, car);
  assert.equal((await peer.answer('StatusNotification', {})).connectorStatus, 'Occupied');
  await plug;
  const run = sim.startCharging(evseId, idTag);
  const started = await peer.answerTx({ idTokenInfo: { status: 'Accepted' } });
  await run;
  return started;
}

const samples = (ev: any) => ev.meterValue[0].sampledValue as any[];
const sample = (ev: any, measurand: string, phase?: string) => samples(ev).find((s) => s.measurand === measurand && s.phase === phase);

const profile201 = (over: Record<string, unknown>, unit: 'A' | 'W', ...periods: Array<number | { limit: number; numberPhases?: number }>) => ({
  id: 1,
  stackLevel: 1,
  chargingProfilePurpose: 'TxDefaultProfile',
  chargingProfileKind: 'Absolute',
  ...over,
  chargingSchedule: [
    {
      id: 1,
      chargingRateUnit: unit,
      startSchedule: new Date(Date.now() - 1000).toISOString(),
      chargingSchedulePeriod: periods.map((p, i) => ({ startPeriod: i * 60, ...(typeof p === 'number' ? { limit: p } : p) })),
    },
  ],
});

test('2.0.1: subprotocol ocpp2.0.1; BootNotification, Heartbeat, StatusNotification and Authorize in 2.0.1 shapes', async (t) => {
  const { sim, peer } = await setup(t);
  assert.equal(sim.protocol, 'ocpp2.0.1');
  assert.equal(peer.req.url, '/ocpp/CP-201');
  assert.equal(peer.req.headers['sec-websocket-protocol'], 'ocpp2.0.1');

  const boot = sim.boot();
  const bootReq = await peer.answer('BootNotification', { status: 'Accepted', currentTime: new Date().toISOString(), interval: 45 });
  assert.deepEqual(bootReq, { reason: 'PowerUp', chargingStation: { model: 'SimCharger', vendorName: 'SimVendor', serialNumber: 'CP-201', firmwareVersion: 'sim-1.0' } });
  assert.equal((await boot).status, 'Accepted');
  assert.equal(sim.configuration.get('HeartbeatInterval')!.value, '45', 'the boot answer sets the heartbeat interval');

  const hb = sim.heartbeat();
  assert.deepEqual(await peer.answer('Heartbeat', { currentTime: new Date().toISOString() }), {});
  await hb;

  const st = sim.status(2, 'Available');
  const stReq = await peer.answer('StatusNotification', {});
  await st;
  assert.deepEqual([stReq.connectorStatus, stReq.evseId, stReq.connectorId], ['Available', 2, 1], 'EVSE k = connector k, connector 1 of it');
  assert.ok(!Number.isNaN(Date.parse(stReq.timestamp)));

  const au = sim.authorize('TAG-9');
  assert.deepEqual(await peer.answer('Authorize', { idTokenInfo: { status: 'Accepted' } }), { idToken: { idToken: 'TAG-9', type: 'ISO14443' } });
  assert.equal(sim.idStatus(await au), 'Accepted');
});

test('2.0.1: a session is TransactionEvent Started, Updated (samples), Ended with a continuous seqNo', async (t) => {
  const { sim, peer } = await setup(t, { phases: 3, maxCurrentA: 32 });
  const started = await session(sim, peer, 1, 'TAG-1', { carPhases: 3, carMaxA: 16 });
  const ref = sim.connectors.get(1)!.transactionRef!;
  assert.match(ref, /^[0-9a-f-]{36}$/, 'the charger generates its transaction id');
  assert.equal(started.eventType, 'Started');
  assert.equal(started.triggerReason, 'Authorized');
  assert.equal(started.seqNo, 0);
  assert.equal(started.offline, undefined);
  assert.deepEqual(started.transactionInfo, { transactionId: ref, chargingState: 'Charging' });
  assert.deepEqual(started.evse, { id: 1, connectorId: 1 });
  assert.deepEqual(started.idToken, { idToken: 'TAG-1', type: 'ISO14443' });
  assert.equal(started.numberOfPhasesUsed, 3);
  assert.deepEqual(samples(started).map((s) => [s.measurand, s.context, s.unitOfMeasure.unit]), [['Energy.Active.Import.Register', 'Transaction.Begin', 'Wh']]);
  assert.deepEqual(peer.queued, [], 'no StatusNotification for Charging: the connector stays Occupied');

  const mv = sim.meterValues(1);
  const updated = await peer.answerTx();
  await mv;
  assert.deepEqual([updated.eventType, updated.triggerReason, updated.seqNo, updated.transactionInfo.transactionId], ['Updated', 'MeterValuePeriodic', 1, ref]);
  assert.equal(sample(updated, 'Power.Active.Import').value, 16 * 230 * 3);
  assert.deepEqual(['L1', 'L2', 'L3'].map((ph) => sample(updated, 'Current.Import', ph).value), [16, 16, 16]);
  assert.equal(sample(updated, 'Current.Offered').value, 32);
  assert.equal(sample(updated, 'Energy.Active.Import.Register').context, 'Sample.Periodic');

  const stop = sim.stopCharging(1);
  const ended = await peer.answerTx();
  await stop;
  assert.deepEqual([ended.eventType, ended.triggerReason, ended.seqNo], ['Ended', 'StopAuthorized', 2]);
  assert.deepEqual(ended.transactionInfo, { transactionId: ref, chargingState: 'EVConnected', stoppedReason: 'Local' });
  assert.equal(sample(ended, 'Energy.Active.Import.Register').context, 'Transaction.End');
  assert.equal(sim.connectors.get(1)!.transactionId, undefined);

  const unplug = sim.unplug(1);
  assert.equal((await peer.answer('StatusNotification', {})).connectorStatus, 'Available');
  await unplug;

  // An idToken the CSMS refuses in the Started answer ends the transaction (StopTxOnInvalidId).
  const plug = sim.plugIn(2);
  await peer.answer('StatusNotification', {});
  await plug;
  const refused = sim.startCharging(2, 'BAD');
  await peer.answerTx({ idTokenInfo: { status: 'Invalid' } });
  const deauth = await peer.answerTx();
  assert.deepEqual([deauth.eventType, deauth.seqNo, deauth.transactionInfo.stoppedReason, deauth.triggerReason], ['Ended', 1, 'DeAuthorized', 'Deauthorized']);
  assert.equal(await refused, undefined);
});

test('2.0.1: events created while offline say offline; unanswered ones are re-sent unchanged after a reconnect', async (t) => {
  const { csms, sim, peer } = await setup(t);
  await session(sim, peer, 1);
  const ref = sim.connectors.get(1)!.transactionRef!;

  // The CSMS receives seqNo 1 but the connection dies before it answers.
  const lost = sim.meterValues(1);
  const unanswered = await peer.expectCall('TransactionEvent');
  assert.equal(unanswered.payload.seqNo, 1);
  const closed = once(sim, 'close');
  peer.ws.terminate();
  await closed;

  // Offline: the session goes on and ends; nothing is lost, nothing fails.
  const offlineSample = sim.meterValues(1);
  assert.equal(await sim.stopCharging(1, 'EVDisconnected'), undefined);
  assert.equal(sim.v201!.queue.length, 3, 'the unanswered event and the two offline ones wait');

  const [peer2] = await Promise.all([csms.accept(), sim.connect()]);
  t.after(() => assert.deepEqual(peer2.invalid, []));
  const resent = await peer2.answerTx();
  assert.deepEqual(resent, unanswered.payload, 'the same event, byte for byte (same seqNo, no offline flag added)');
  const sampled = await peer2.answerTx();
  const ended = await peer2.answerTx();
  await Promise.all([lost, offlineSample]);
  assert.deepEqual([sampled.eventType, sampled.seqNo, sampled.offline], ['Updated', 2, true]);
  assert.deepEqual([ended.eventType, ended.seqNo, ended.offline, ended.transactionInfo.stoppedReason], ['Ended', 3, true, 'EVDisconnected']);
  assert.equal(ended.transactionInfo.chargingState, 'Idle');
  for (const ev of [resent, sampled, ended]) assert.equal(ev.transactionInfo.transactionId, ref);
  // A Heartbeat goes after the Ended's answer was taken in (one CALL at a time): the queue is empty.
  const hb = sim.heartbeat();
  await peer2.answer('Heartbeat', { currentTime: new Date().toISOString() });
  await hb;
  assert.equal(sim.v201!.queue.length, 0);

  // A transaction started offline is Started with offline: true once connected again.
  const closed2 = once(sim, 'close');
  peer2.ws.terminate();
  await closed2;
  const txId = await sim.startCharging(2, 'TAG-OFF');
  assert.equal(typeof txId, 'number');
  const [peer3] = await Promise.all([csms.accept(), sim.connect()]);
  t.after(() => assert.deepEqual(peer3.invalid, []));
  const offStart = await peer3.answerTx({ idTokenInfo: { status: 'Accepted' } });
  assert.deepEqual([offStart.eventType, offStart.seqNo, offStart.offline, offStart.transactionInfo.transactionId], ['Started', 0, true, sim.connectors.get(2)!.transactionRef]);
});

test('2.0.1: a CALLERROR to a TransactionEvent is retried up to TransactionMessageAttempts, then given up', async (t) => {
  const { sim, peer } = await setup(t);
  await session(sim, peer, 1);
  const mv = sim.meterValues(1);
  const seen: number[] = [];
  for (let i = 0; i < 3; i++) {
    const { id, payload } = await peer.expectCall('TransactionEvent');
    seen.push(payload.seqNo);
    peer.ws.send(JSON.stringify([4, id, 'InternalError', 'store down', {}]));
  }
  await assert.rejects(mv, /CALLERROR InternalError/);
  assert.deepEqual(seen, [1, 1, 1], 'the same event each time');
  const stop = sim.stopCharging(1);
  assert.equal((await peer.answerTx()).seqNo, 2, 'the next event keeps counting');
  await stop;
});

test('2.0.1: SetChargingProfile drives the draw like 1.6 (stack levels, TxProfile, W with the phases, station cap, validTo)', async (t) => {
  const { sim, peer } = await setup(t, { phases: 3, maxCurrentA: 32 });
  await session(sim, peer, 1, 'TAG-1', { carPhases: 1, carMaxA: 32 });
  const ref = sim.connectors.get(1)!.transactionRef!;
  const set = (evseId: number, p: object) => peer.ask('SetChargingProfile', { evseId, chargingProfile: p });

  let limit = nextLimit(sim, 1);
  assert.equal((await set(1, profile201({}, 'A', 20))).status, 'Accepted');
  assert.equal(await limit, 20);
  assert.equal(sim.connectors.get(1)!.drawA, 20);

  // A higher stack level of the same purpose wins.
  limit = nextLimit(sim, 1);
  assert.equal((await set(1, profile201({ id: 2, stackLevel: 3 }, 'A', 14))).status, 'Accepted');
  assert.equal(await limit, 14);

  // TxProfile (for the running transaction, named by the charger's id) in W for the car's one phase.
  limit = nextLimit(sim, 1);
  assert.equal((await set(1, profile201({ id: 3, stackLevel: 0, chargingProfilePurpose: 'TxProfile', transactionId: ref }, 'W', { limit: 2760, numberPhases: 1 }))).status, 'Accepted');
  assert.equal(await limit, 12);
  const mv = sim.meterValues(1);
  const ev = await peer.answerTx();
  await mv;
  assert.equal(sample(ev, 'Power.Active.Import').value, 2760, 'a 1-phase car at 12 A draws 2760 W');
  assert.deepEqual(['L1', 'L2', 'L3'].map((ph) => sample(ev, 'Current.Import', ph).value), [12, 0, 0]);
  assert.equal(sample(ev, 'Current.Offered').value, 12);

  // A TxProfile for another transaction is refused.
  assert.equal((await set(1, profile201({ id: 4, chargingProfilePurpose: 'TxProfile', transactionId: 'not-running' }, 'A', 6))).status, 'Rejected');

  // The station cap on EVSE 0 caps every EVSE, until its validTo.
  limit = nextLimit(sim, 1);
  const validTo = new Date(Date.now() + 400).toISOString();
  assert.equal((await set(0, profile201({ id: 9, chargingProfilePurpose: 'ChargingStationMaxProfile', validTo }, 'A', 8))).status, 'Accepted');
  assert.equal(await limit, 8);
  assert.equal(await nextLimit(sim, 1), 12, 'back to the TxProfile once the cap expired');

  // Limit 0 pauses the car: a TransactionEvent Updated ChargingStateChanged, after the CALLRESULT.
  const paused = set(1, profile201({ id: 3, stackLevel: 0, chargingProfilePurpose: 'TxProfile', transactionId: ref }, 'A', 0));
  assert.equal((await paused).status, 'Accepted');
  const change = await peer.answerTx();
  assert.deepEqual([change.triggerReason, change.transactionInfo.chargingState, change.meterValue], ['ChargingStateChanged', 'SuspendedEVSE', undefined]);

  // GetCompositeSchedule and ClearChargingProfile.
  const comp = await peer.ask('GetCompositeSchedule', { duration: 300, evseId: 1, chargingRateUnit: 'A' });
  assert.equal(comp.status, 'Accepted');
  assert.deepEqual([comp.schedule.evseId, comp.schedule.chargingRateUnit, comp.schedule.chargingSchedulePeriod[0].limit], [1, 'A', 0]);
  limit = nextLimit(sim, 1);
  assert.equal((await peer.ask('ClearChargingProfile', { chargingProfileId: 3 })).status, 'Accepted');
  assert.equal(await limit, 14);
  assert.equal((await peer.answerTx()).transactionInfo.chargingState, 'Charging');
  assert.equal((await peer.ask('ClearChargingProfile', { chargingProfileCriteria: { evseId: 1, chargingProfilePurpose: 'TxDefaultProfile' } })).status, 'Accepted');
  assert.equal(sim.connectors.get(1)!.limitA, null);
  assert.equal((await peer.ask('ClearChargingProfile', { chargingProfileId: 77 })).status, 'Unknown');
});

test('2.0.1: options refuse profiles like the 1.6 sim (rate unit, stack level, reject), W converted with 3 phases by default', async (t) => {
  const { sim, peer } = await setup(t, { allowedRateUnits: 'Power', maxStackLevel: 2 });
  await session(sim, peer, 1, 'TAG-1', { carPhases: 3, carMaxA: 32 });
  const set = (p: object) => peer.ask('SetChargingProfile', { evseId: 1, chargingProfile: p });
  const rateUnit = await peer.ask('GetVariables', { getVariableData: [{ component: { name: 'SmartChargingCtrlr' }, variable: { name: 'RateUnit' } }] });
  assert.equal(rateUnit.getVariableResult[0].attributeValue, 'W');
  assert.equal((await set(profile201({}, 'A', 16))).status, 'Rejected', 'A not in RateUnit');
  assert.equal((await set(profile201({ stackLevel: 3 }, 'W', 11040))).status, 'Rejected', 'above ProfileStackLevel');
  const limit = nextLimit(sim, 1);
  assert.equal((await set(profile201({ stackLevel: 2 }, 'W', 11040))).status, 'Accepted');
  assert.equal(await limit, 16, '11040 W / (230 V x 3)');
  assert.equal(sim.connectors.get(1)!.drawA, 16);
  assert.equal((await set(profile201({ chargingProfilePurpose: 'ChargingStationExternalConstraints' }, 'W', 1000))).status, 'Rejected');
  sim.options.rejectProfiles = true;
  assert.equal((await set(profile201({ id: 5 }, 'W', 5000))).status, 'Rejected');
});

test('2.0.1: RequestStartTransaction and RequestStopTransaction', async (t) => {
  const { sim, peer } = await setup(t);
  const start = await peer.ask('RequestStartTransaction', { evseId: 2, remoteStartId: 77, idToken: { idToken: 'REMOTE', type: 'Central' } });
  assert.deepEqual(start, { status: 'Accepted' }, 'no transaction ran before the request: no transactionId');
  assert.equal((await peer.answer('StatusNotification', {})).connectorStatus, 'Occupied');
  const started = await peer.answerTx({ idTokenInfo: { status: 'Accepted' } });
  assert.deepEqual([started.triggerReason, started.transactionInfo.remoteStartId, started.evse.id, started.idToken.idToken], ['RemoteStart', 77, 2, 'REMOTE']);
  const ref = started.transactionInfo.transactionId;
  assert.equal(sim.connectors.get(2)!.transactionRef, ref);

  assert.equal((await peer.ask('RequestStartTransaction', { evseId: 2, remoteStartId: 78, idToken: { idToken: 'X', type: 'Central' } })).status, 'Rejected', 'EVSE busy');
  assert.equal((await peer.ask('RequestStopTransaction', { transactionId: 'nope' })).status, 'Rejected');
  assert.equal((await peer.ask('RequestStopTransaction', { transactionId: ref })).status, 'Accepted');
  const ended = await peer.answerTx();
  assert.deepEqual([ended.eventType, ended.triggerReason, ended.transactionInfo.stoppedReason, ended.transactionInfo.transactionId], ['Ended', 'RemoteStop', 'Remote', ref]);
});

test('2.0.1: GetVariables, SetVariables and GetBaseReport over the small device model', async (t) => {
  const { sim, peer } = await setup(t);
  const v = (component: string, variable: string, extra: object = {}) => ({ component: { name: component }, variable: { name: variable }, ...extra });
  const got = await peer.ask('GetVariables', {
    getVariableData: [
      v('SmartChargingCtrlr', 'Enabled'),
      v('SmartChargingCtrlr', 'RateUnit'),
      v('SmartChargingCtrlr', 'ProfileStackLevel'),
      v('SmartChargingCtrlr', 'PeriodsPerSchedule'),
      v('SmartChargingCtrlr', 'Entries', { attributeType: 'MaxSet' }),
      v('SmartChargingCtrlr', 'ACPhaseSwitchingSupported'),
      v('SampledDataCtrlr', 'TxUpdatedInterval'),
      v('SampledDataCtrlr', 'TxUpdatedMeasurands'),
      v('OCPPCommCtrlr', 'HeartbeatInterval'),
      v('NoSuchCtrlr', 'X'),
      v('SmartChargingCtrlr', 'NoSuchVariable'),
    ],
  });
  assert.deepEqual(
    got.getVariableResult.map((r: any) => r.attributeValue ?? r.attributeStatus),
    ['true', 'A,W', '10', '24', '20', 'false', '10', 'Energy.Active.Import.Register,Power.Active.Import,Current.Import,Current.Offered', '300', 'UnknownComponent', 'UnknownVariable'],
  );

  const set = await peer.ask('SetVariables', {
    setVariableData: [
      { ...v('OCPPCommCtrlr', 'HeartbeatInterval'), attributeValue: '120' },
      { ...v('SampledDataCtrlr', 'TxUpdatedInterval'), attributeValue: 'soon' },
      { ...v('SmartChargingCtrlr', 'ProfileStackLevel'), attributeValue: '3' },
      { ...v('SampledDataCtrlr', 'TxUpdatedMeasurands'), attributeValue: 'Energy.Active.Import.Register' },
    ],
  });
  assert.deepEqual(set.setVariableResult.map((r: any) => r.attributeStatus), ['Accepted', 'Rejected', 'Rejected', 'Accepted']);
  assert.equal(sim.configuration.get('HeartbeatInterval')!.value, '120', 'the same knob ChangeConfiguration moves');
  assert.equal(sim.configuration.get('MeterValuesSampledData')!.value, 'Energy.Active.Import.Register');

  assert.equal((await peer.ask('GetBaseReport', { requestId: 5, reportBase: 'FullInventory' })).status, 'Accepted');
  const report = await peer.answer('NotifyReport', {});
  assert.equal(report.requestId, 5);
  const entry = report.reportData.find((d: any) => d.variable.name === 'HeartbeatInterval');
  assert.deepEqual(entry.variableAttribute, [{ type: 'Actual', value: '120', mutability: 'ReadWrite' }]);
});

test('2.0.1: availability, reset, unlock, trigger, reservations, local list, data transfer and bad requests', async (t) => {
  const { sim, peer } = await setup(t);
  assert.equal((await peer.ask('ChangeAvailability', { operationalStatus: 'Inoperative', evse: { id: 2 } })).status, 'Accepted');
  assert.deepEqual(await peer.answer('StatusNotification', {}).then((p) => [p.evseId, p.connectorStatus]), [2, 'Unavailable']);
  assert.equal((await peer.ask('ChangeAvailability', { operationalStatus: 'Operative', evse: { id: 2 } })).status, 'Accepted');
  assert.equal((await peer.answer('StatusNotification', {})).connectorStatus, 'Available');
  assert.equal((await peer.ask('Reset', { type: 'Immediate' })).status, 'Accepted');
  assert.equal((await peer.ask('UnlockConnector', { evseId: 1, connectorId: 1 })).status, 'Unlocked');
  assert.equal((await peer.ask('UnlockConnector', { evseId: 9, connectorId: 1 })).status, 'UnknownConnector');

  assert.equal((await peer.ask('TriggerMessage', { requestedMessage: 'StatusNotification', evse: { id: 1, connectorId: 1 } })).status, 'Accepted');
  assert.equal((await peer.answer('StatusNotification', {})).evseId, 1);
  assert.equal((await peer.ask('TriggerMessage', { requestedMessage: 'Heartbeat' })).status, 'Accepted');
  await peer.answer('Heartbeat', { currentTime: new Date().toISOString() });
  assert.equal((await peer.ask('TriggerMessage', { requestedMessage: 'BootNotification' })).status, 'Accepted');
  assert.equal((await peer.answer('BootNotification', { status: 'Accepted', currentTime: new Date().toISOString(), interval: 60 })).reason, 'Triggered');
  assert.equal((await peer.ask('TriggerMessage', { requestedMessage: 'MeterValues', evse: { id: 2 } })).status, 'Accepted');
  const mv = await peer.answer('MeterValues', {});
  assert.deepEqual([mv.evseId, mv.meterValue[0].sampledValue[0].context], [2, 'Trigger']);
  assert.equal((await peer.ask('TriggerMessage', { requestedMessage: 'TransactionEvent' })).status, 'Rejected', 'no transaction to report');

  await session(sim, peer, 1);
  assert.equal((await peer.ask('UnlockConnector', { evseId: 1, connectorId: 1 })).status, 'OngoingAuthorizedTransaction');
  assert.equal((await peer.ask('TriggerMessage', { requestedMessage: 'TransactionEvent', evse: { id: 1 } })).status, 'Accepted');
  const trig = await peer.answerTx();
  assert.deepEqual([trig.triggerReason, trig.seqNo], ['Trigger', 1]);
  assert.equal((await peer.ask('Reset', { type: 'OnIdle' })).status, 'Scheduled');

  const expiry = new Date(Date.now() + 60_000).toISOString();
  assert.equal((await peer.ask('ReserveNow', { id: 4, expiryDateTime: expiry, idToken: { idToken: 'R', type: 'ISO14443' }, evseId: 1 })).status, 'Occupied');
  assert.equal((await peer.ask('ReserveNow', { id: 5, expiryDateTime: expiry, idToken: { idToken: 'R', type: 'ISO14443' }, evseId: 2 })).status, 'Accepted');
  assert.equal((await peer.answer('StatusNotification', {})).connectorStatus, 'Reserved');
  assert.equal((await peer.ask('CancelReservation', { reservationId: 5 })).status, 'Accepted');
  assert.equal((await peer.answer('StatusNotification', {})).connectorStatus, 'Available');

  const list = { versionNumber: 3, updateType: 'Full', localAuthorizationList: [{ idToken: { idToken: 'A', type: 'ISO14443' }, idTokenInfo: { status: 'Accepted' } }] };
  assert.equal((await peer.ask('SendLocalList', list)).status, 'Accepted');
  assert.equal((await peer.ask('GetLocalListVersion', {})).versionNumber, 3);
  assert.equal((await peer.ask('ClearCache', {})).status, 'Accepted');
  assert.equal((await peer.ask('DataTransfer', { vendorId: 'acme' })).status, 'UnknownVendorId');

  assert.equal((await peer.callRaw('FrobnicateConnector', {}))[2], 'NotImplemented');
  assert.equal((await peer.callRaw('RequestStopTransaction', {}))[2], 'OccurrenceConstraintViolation');
  assert.equal((await peer.callRaw('RequestStopTransaction', { transactionId: 5 }))[2], 'TypeConstraintViolation');
  peer.ws.send(JSON.stringify([2, 'bad']));
  assert.deepEqual((await peer.next('the answer to a malformed CALL', (f) => f[1] === 'bad')).slice(0, 3), [4, 'bad', 'RpcFrameworkError']);
});

test('2.0.1 TxStartPoint EVConnected: Started at plug-in without idToken, authorization as Updated, RequestStart names it', async (t) => {
  const { sim, peer } = await setup(t, { txStartPoint: 'EVConnected' });
  const tsp = await peer.ask('GetVariables', { getVariableData: [{ component: { name: 'TxCtrlr' }, variable: { name: 'TxStartPoint' } }] });
  assert.equal(tsp.getVariableResult[0].attributeValue, 'EVConnected');

  const plug = sim.plugIn(1, { carPhases: 3, carMaxA: 16 });
  assert.equal((await peer.answer('StatusNotification', {})).connectorStatus, 'Occupied');
  const started = await peer.answerTx();
  await plug;
  assert.deepEqual([started.eventType, started.triggerReason, started.seqNo, started.transactionInfo.chargingState, started.idToken], ['Started', 'CablePluggedIn', 0, 'EVConnected', undefined]);
  const ref = started.transactionInfo.transactionId;
  assert.equal(sim.connectors.get(1)!.drawA, 0, 'no draw before authorization');

  const start = await peer.ask('RequestStartTransaction', { evseId: 1, remoteStartId: 12, idToken: { idToken: 'APP', type: 'Central' } });
  assert.deepEqual(start, { status: 'Accepted', transactionId: ref }, 'the transaction already ran: its id is in the answer');
  const auth = await peer.answerTx({ idTokenInfo: { status: 'Accepted' } });
  assert.deepEqual([auth.eventType, auth.triggerReason, auth.seqNo, auth.transactionInfo.remoteStartId, auth.idToken.idToken, auth.transactionInfo.chargingState], ['Updated', 'RemoteStart', 1, 12, 'APP', 'Charging']);
  assert.equal(sim.connectors.get(1)!.drawA, 16);

  const unplug = sim.unplug(1);
  const ended = await peer.answerTx();
  assert.deepEqual([ended.eventType, ended.seqNo, ended.transactionInfo.stoppedReason, ended.transactionInfo.transactionId], ['Ended', 2, 'EVDisconnected', ref]);
  assert.equal((await peer.answer('StatusNotification', {})).connectorStatus, 'Available');
  await unplug;

  // A car that leaves unauthorized: Started and Ended, no idToken anywhere.
  const plug2 = sim.plugIn(2);
  await peer.answer('StatusNotification', {});
  assert.equal((await peer.answerTx()).triggerReason, 'CablePluggedIn');
  await plug2;
  const leave = sim.unplug(2);
  const ended2 = await peer.answerTx();
  await peer.answer('StatusNotification', {});
  await leave;
  assert.deepEqual([ended2.seqNo, ended2.idToken], [1, undefined]);
});

test('2.0.1: startMeterValues sends periodic Updated events; SetVariables TxUpdatedInterval retimes a config-driven loop', async (t) => {
  const { sim, peer } = await setup(t);
  await session(sim, peer, 2);
  sim.startMeterValues(20);
  const ev = await peer.answerTx();
  sim.stopMeterValues();
  assert.deepEqual([ev.eventType, ev.triggerReason, ev.evse.id, ev.seqNo], ['Updated', 'MeterValuePeriodic', 2, 1]);

  // The loop reads its interval from the configuration; a SetVariables restarts it at the new one.
  sim.startMeterValues();
  const res = await peer.ask('SetVariables', { setVariableData: [{ component: { name: 'SampledDataCtrlr' }, variable: { name: 'TxUpdatedInterval' }, attributeValue: '1' }] });
  assert.equal(res.setVariableResult[0].attributeStatus, 'Accepted');
  const next = await peer.next('an Updated event within the new 1 s interval', (f) => f[2] === 'TransactionEvent', 5000);
  peer.result(next[1], 'TransactionEvent', {});
  sim.stopMeterValues();
  assert.equal(next[3].triggerReason, 'MeterValuePeriodic');

  // status() takes a 2.0.1 name too: Occupied keeps the model startable.
  const st = sim.status(1, 'Occupied');
  assert.equal((await peer.answer('StatusNotification', {})).connectorStatus, 'Occupied');
  await st;
  assert.equal(sim.canStart(1), true);
});
