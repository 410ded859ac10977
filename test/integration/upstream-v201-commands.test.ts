// A 2.0.1 cloud's commands on a mixed site: each reaches the owning charger in that
// charger's version (CP-1 speaks 1.6, CP-3 2.0.1), or is answered by the site from its own
// state (device model, profiles as balancer caps, local list, transaction status). Every
// command the simulator sends and every answer the site gives is checked against the OCA
// 2.0.1 schemas by the simulator (an invalid one would be an anomaly).
import test from 'node:test';
import assert from 'node:assert/strict';
import { CloudSim201 } from '../../scripts/sim/cloud201-sim.js';
import { startCloudSite, drained, nextCallAt, IDENTITY } from '../helpers/upstream-site.js';


/** A 2.0.1 cloud simulator and a site pointed at it; both stopped after the test. */
async function v201Site(t: { after(fn: () => Promise<void>): void }, opts: Parameters<typeof startCloudSite>[0] = {}) {
  const cloud = new CloudSim201({ identities: { [IDENTITY]: 'cloud-secret' }, outage: 'reset' });
  await cloud.start();
  const s = await startCloudSite({ ...opts, cloud, upstream: { protocol: 'ocpp2.0.1', ...opts.upstream } });
  t.after(async () => {
    await s.stop();
    await cloud.stop();
  });
  await cloud.waitFor((c) => c.action === 'BootNotification', { label: 'the site\'s BootNotification to the 2.0.1 cloud' });
  return { cloud, s };
}

test('2.0.1 cloud: every routed command reaches the owning charger in its own version, or is answered by the site', async (t) => {
  const { cloud, s } = await v201Site(t);
  const [cp1, cp3] = await Promise.all([s.charger('CP-1'), s.charger('CP-3', { protocol: 'ocpp2.0.1' })]);
  await cp1.status(1, 'Available');
  await cp1.status(2, 'Available');

  // RequestStartTransaction on EVSE 4 → CP-3 (2.0.1) EVSE 1; the transaction it produces answers the cloud's remoteStartId.
  const rs = nextCallAt(cp3, 'RequestStartTransaction');
  assert.equal((await cloud.requestStartTransaction(IDENTITY, { idToken: { idToken: 'APP-7', type: 'Central' }, remoteStartId: 77, evseId: 4 })).status, 'Accepted');
  assert.equal((await rs).evseId, 1);
  // The simulated charger starts charging by itself; the Started it leads to answers the cloud's remoteStartId.
  const started = (evse: number) => cloud.waitFor((c) => c.action === 'TransactionEvent' && (c.payload as any).eventType === 'Started' && (c.payload as any).evse?.id === evse, { label: `a Started on EVSE ${evse}` });
  const remoteStarted = (await started(4)).payload as any;
  assert.equal(remoteStarted.transactionInfo.remoteStartId, 77, 'the Started answers the cloud\'s remoteStartId');
  assert.equal(remoteStarted.triggerReason, 'RemoteStart');
  const remote = cloud.transactions.get(remoteStarted.transactionInfo.transactionId)!;

  // RequestStartTransaction on EVSE 2 → CP-1 (1.6) RemoteStartTransaction connector 2.
  const rs16 = nextCallAt(cp1, 'RemoteStartTransaction');
  assert.equal((await cloud.requestStartTransaction(IDENTITY, { idToken: { idToken: 'APP-8', type: 'Central' }, remoteStartId: 78, evseId: 2 })).status, 'Accepted');
  assert.deepEqual(await rs16, { connectorId: 2, idTag: 'APP-8' });
  const started16 = (await started(2)).payload as any;
  assert.equal(started16.transactionInfo.remoteStartId, 78);
  assert.deepEqual(started16.idToken, { idToken: 'APP-8', type: 'Central' });
  const remote16 = cloud.transactions.get(started16.transactionInfo.transactionId)!;
  await drained(s.site.daemon.upstream!.service);
  const tx16 = cp1.connectors.get(2)!.transactionId;

  // GetTransactionStatus from the site's own outbox.
  assert.deepEqual(await cloud.getTransactionStatus(IDENTITY, remote16.transactionId), { ongoingIndicator: true, messagesInQueue: false });
  assert.deepEqual(await cloud.getTransactionStatus(IDENTITY), { messagesInQueue: false });

  // A transaction runs on EVSE 2: no unlock there.
  assert.equal((await cloud.unlockConnector(IDENTITY, 2, 1)).status, 'OngoingAuthorizedTransaction');

  // RequestStopTransaction by the site's id → each charger's own id.
  const stop16 = nextCallAt(cp1, 'RemoteStopTransaction');
  assert.equal((await cloud.requestStopTransaction(IDENTITY, remote16.transactionId)).status, 'Accepted');
  assert.deepEqual(await stop16, { transactionId: tx16 });
  const stop201 = nextCallAt(cp3, 'RequestStopTransaction');
  const own201 = cp3.connectors.get(1)!.transactionRef;
  assert.equal((await cloud.requestStopTransaction(IDENTITY, remote.transactionId)).status, 'Accepted');
  assert.equal((await stop201).transactionId, own201, 'the 2.0.1 charger gets its own transaction id');
  assert.equal((await cloud.requestStopTransaction(IDENTITY, '999-zz')).status, 'Rejected');
  assert.equal((await cloud.requestStopTransaction(IDENTITY, `${remote16.transactionId.split('-')[0]}-0`)).status, 'Rejected', 'a forged id with the right number is refused');


  // UnlockConnector: EVSE 1 is free → CP-1 connector 1; unknown EVSE.
  const unlock = nextCallAt(cp1, 'UnlockConnector');
  assert.equal((await cloud.unlockConnector(IDENTITY, 1, 1)).status, 'Unlocked');
  assert.deepEqual(await unlock, { connectorId: 1 });
  assert.equal((await cloud.unlockConnector(IDENTITY, 9, 1)).status, 'UnknownConnector');

  // ChangeAvailability: one EVSE → its charger; the station → every charger, answers merged (CP-2 is offline: Rejected).
  const avail = nextCallAt(cp3, 'ChangeAvailability');
  assert.equal((await cloud.changeAvailability(IDENTITY, 'Inoperative', { id: 4 })).status, 'Accepted');
  assert.equal((await avail).operationalStatus, 'Inoperative');
  assert.equal((await cloud.changeAvailability(IDENTITY, 'Operative')).status, 'Rejected');
  assert.equal((await cloud.changeAvailability(IDENTITY, 'Operative', { id: 3 })).status, 'Rejected');

  // Reservations: 2.0.1 id and token → the owner in its version; cancelled there.
  const reserve = nextCallAt(cp1, 'ReserveNow');
  const until = new Date(Date.now() + 3600_000).toISOString();
  assert.equal((await cloud.reserveNow(IDENTITY, { id: 5, expiryDateTime: until, idToken: { idToken: 'R-1', type: 'ISO14443' }, evseId: 1 })).status, 'Accepted');
  assert.deepEqual(await reserve, { connectorId: 1, expiryDate: until, idTag: 'R-1', reservationId: 5 });
  assert.equal((await cloud.cancelReservation(IDENTITY, 5)).status, 'Accepted');
  assert.equal((await cloud.cancelReservation(IDENTITY, 6)).status, 'Rejected');

  // Charging profiles are balancer caps, never forwarded raw; read back with GetChargingProfiles.
  await cp1.startTransaction(2, 'TAG-P', 2000);
  await drained(s.site.daemon.upstream!.service);
  const running = [...cloud.transactions.values()].find((x) => x.idToken?.idToken === 'TAG-P')!;
  const sched = (limit: number) => [{ id: 1, chargingRateUnit: 'A', startSchedule: new Date(Date.now() - 1000).toISOString(), chargingSchedulePeriod: [{ startPeriod: 0, limit }] }];
  const before3 = cp3.received.filter((c) => c.action === 'SetChargingProfile').length;
  assert.equal((await cloud.setChargingProfile(IDENTITY, 0, { id: 11, stackLevel: 0, chargingProfilePurpose: 'ChargingStationMaxProfile', chargingProfileKind: 'Absolute', chargingSchedule: sched(40) })).status, 'Accepted');
  assert.equal(s.site.daemon.upstream!.caps.siteCapA(), 40);
  assert.equal((await cloud.setChargingProfile(IDENTITY, 1, { id: 12, stackLevel: 0, chargingProfilePurpose: 'TxDefaultProfile', chargingProfileKind: 'Absolute', chargingSchedule: sched(10) })).status, 'Accepted');
  assert.equal(s.site.daemon.upstream!.caps.connectorCapA('CP-1', 1), 10);
  assert.equal((await cloud.setChargingProfile(IDENTITY, 2, { id: 13, stackLevel: 1, chargingProfilePurpose: 'TxProfile', chargingProfileKind: 'Absolute', transactionId: running.transactionId, chargingSchedule: sched(8) })).status, 'Accepted');
  assert.equal(s.site.daemon.upstream!.caps.connectorCapA('CP-1', 2), 8);
  assert.equal((await cloud.setChargingProfile(IDENTITY, 2, { id: 14, stackLevel: 1, chargingProfilePurpose: 'TxProfile', chargingProfileKind: 'Absolute', transactionId: '1-zz', chargingSchedule: sched(8) })).status, 'Rejected');
  assert.equal((await cloud.setChargingProfile(IDENTITY, 1, { id: 15, stackLevel: 0, chargingProfilePurpose: 'ChargingStationExternalConstraints', chargingProfileKind: 'Absolute', chargingSchedule: sched(8) })).status, 'Rejected');
  assert.equal((await cloud.getChargingProfiles(IDENTITY, 31, { chargingProfilePurpose: 'TxDefaultProfile' })).status, 'Accepted');
  const reported = await cloud.awaitChargingProfiles(31);
  assert.deepEqual(reported.map((r) => [r.evseId, (r.chargingProfile as any[]).map((p) => p.id)]), [[1, [12]]]);
  assert.equal((await cloud.getChargingProfiles(IDENTITY, 32, { chargingProfilePurpose: 'TxProfile' }, 3)).status, 'NoProfiles');
  const composite = await cloud.getCompositeSchedule(IDENTITY, 1, 600);
  assert.equal(composite.status, 'Accepted');
  assert.equal(composite.schedule.evseId, 1);
  assert.ok(composite.schedule.chargingSchedulePeriod[0].limit <= 10);
  assert.equal((await cloud.clearChargingProfile(IDENTITY, { chargingProfileId: 12 })).status, 'Accepted');
  assert.equal(s.site.daemon.upstream!.caps.connectorCapA('CP-1', 1), undefined);
  assert.equal((await cloud.clearChargingProfile(IDENTITY, { chargingProfileId: 99 })).status, 'Unknown');
  assert.ok(!cp3.received.slice(before3).some((c) => c.action === 'SetChargingProfile' && [11, 12, 13].includes(c.payload.chargingProfile?.id)), 'cloud profiles never forwarded raw');

  // The site's device model: the same settings a 1.6 cloud reads as keys.
  const got = await cloud.getVariables(IDENTITY, [
    { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } },
    { component: { name: 'SmartChargingCtrlr' }, variable: { name: 'RateUnit' } },
    { component: { name: 'EVSE', evse: { id: 2 } }, variable: { name: 'AvailabilityState' } },
    { component: { name: 'Nope' }, variable: { name: 'X' } },
  ]);
  assert.deepEqual(got.getVariableResult.map((r: any) => [r.attributeStatus, r.attributeValue]), [['Accepted', '300'], ['Accepted', 'A,W'], ['Accepted', 'Occupied'], ['UnknownComponent', undefined]]);
  const set = await cloud.setVariables(IDENTITY, [
    { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' }, attributeValue: '120' },
    { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' }, attributeValue: 'soon' },
    { component: { name: 'SmartChargingCtrlr' }, variable: { name: 'RateUnit' }, attributeValue: 'A' },
  ]);
  assert.deepEqual(set.setVariableResult.map((r: any) => r.attributeStatus), ['Accepted', 'Rejected', 'Rejected']);
  assert.equal(s.site.daemon.upstream!.service.heartbeatS, 120);
  assert.equal((await cloud.getBaseReport(IDENTITY, 41, 'FullInventory')).status, 'Accepted');
  const report = (await cloud.awaitReport(41)) as any[];
  assert.ok(report.some((r) => r.component.name === 'OCPPCommCtrlr' && r.variable.name === 'HeartbeatInterval' && r.variableAttribute[0].value === '120'));
  assert.ok(!JSON.stringify(report).includes('secret'), 'no password in the report');

  // Local list and cache in 2.0.1 form, the same store.
  assert.equal((await cloud.sendLocalList(IDENTITY, 3, 'Full', [{ idToken: { idToken: 'LIST-1', type: 'ISO14443' }, idTokenInfo: { status: 'Accepted' } }])).status, 'Accepted');
  assert.deepEqual(await cloud.getLocalListVersion(IDENTITY), { versionNumber: 3 });
  assert.equal((await cloud.clearCache(IDENTITY)).status, 'Accepted');
  assert.equal((await cloud.dataTransfer(IDENTITY, 'com.other')).status, 'UnknownVendorId');

  // TriggerMessage, answered from the site's state.
  const statusCount = cloud.receivedOf('StatusNotification').length;
  assert.equal((await cloud.triggerMessage(IDENTITY, 'StatusNotification', { id: 4, connectorId: 1 })).status, 'Accepted');
  await cloud.waitFor(() => cloud.receivedOf('StatusNotification').length > statusCount, { label: 'the triggered StatusNotification' });
  assert.equal((await cloud.triggerMessage(IDENTITY, 'Heartbeat')).status, 'Accepted');
  assert.equal((await cloud.triggerMessage(IDENTITY, 'SignChargingStationCertificate')).status, 'NotImplemented');
  // TriggerMessage TransactionEvent: an Updated (triggerReason Trigger) for the transaction running on EVSE 2, in its seqNo order.
  await cp1.meterValues(2, cp1.connectors.get(2)!.transactionId!, { energyWh: 2500 });
  assert.equal((await cloud.triggerMessage(IDENTITY, 'TransactionEvent', { id: 2 })).status, 'Accepted');
  const triggered = (await cloud.waitFor((c) => c.action === 'TransactionEvent' && (c.payload as any).triggerReason === 'Trigger', { label: 'the triggered TransactionEvent' })).payload as any;
  assert.equal(triggered.eventType, 'Updated');
  assert.equal(triggered.transactionInfo.transactionId, running.transactionId);
  assert.equal((await cloud.triggerMessage(IDENTITY, 'TransactionEvent', { id: 1 })).status, 'Rejected', 'no transaction on EVSE 1');

  // A Reset of one EVSE would reset its whole charger: refused. The site's own Reset is accepted.
  assert.equal((await cloud.reset(IDENTITY, 'Immediate', 1)).status, 'Rejected');

  // Authorize with an IdToken; the 2.0.1 answer feeds the same cache.
  cloud.setIdTokenStatus('BLOCKED-1', 'Blocked');
  assert.equal((await cp1.authorize('BLOCKED-1')).idTagInfo.status, 'Blocked');
  const auth = cloud.receivedOf('Authorize').at(-1)!.payload as any;
  assert.deepEqual(auth.idToken, { idToken: 'BLOCKED-1', type: 'ISO14443' });
  // A 2.0.1 charger's token reaches a 2.0.1 cloud as it was given: type kept, a long one not shortened.
  const emaid = { idToken: 'DE-ABC-C12345678-9-EXTRA-LONG', type: 'eMAID' };
  assert.equal((await cp3.call('Authorize', { idToken: emaid })).idTokenInfo.status, 'Accepted');
  assert.deepEqual((cloud.receivedOf('Authorize').at(-1)!.payload as any).idToken, emaid);
  assert.deepEqual(cloud.ledgerReport().anomalies, []);
});

test('2.0.1 cloud: while the site\'s balancer gives a session less than the cloud allows, the cloud is told (NotifyChargingLimit, source EMS), and when it is over', async (t) => {
  // A 20 A grid connection (18 A after the margin) against a 32 A charger: the balancer is what limits.
  const { cloud, s } = await v201Site(t, {
    chargers: [{ id: 'CP-1', password: 'secret-1', connectors: 2, maxCurrentA: 32 }],
    overrides: { site: { id: 'test-site', grid: { maxCurrentA: 20, safetyMarginA: 2 } } },
  });
  const cp1 = await s.charger('CP-1');
  const tx = (await cp1.startTransaction(1, 'TAG-L', 0)).transactionId;
  await cp1.status(1, 'Charging');
  // (A session may first be told 0 A while the balancer admits it; then its limit.)
  const limitOf = (p: any) => p.chargingSchedule[0].chargingSchedulePeriod[0].limit;
  const notified = (await cloud.waitFor((c) => c.action === 'NotifyChargingLimit' && limitOf(c.payload) > 0, { label: 'NotifyChargingLimit with the balancer\'s limit' })).payload as any;
  assert.equal(notified.evseId, 1);
  assert.equal(notified.chargingLimit.chargingLimitSource, 'EMS');
  const limit = limitOf(notified);
  assert.ok(limit < 32, `the balancer's limit (${limit} A) is what the cloud is told`);
  await cp1.stopTransaction(tx, 100);
  const cleared = (await cloud.waitFor((c) => c.action === 'ClearedChargingLimit', { label: 'ClearedChargingLimit after the session' })).payload as any;
  assert.deepEqual(cleared, { chargingLimitSource: 'EMS', evseId: 1 });
  assert.deepEqual(cloud.ledgerReport().anomalies, []);
});

test('2.0.1 cloud sending garbage: a schema violation, an unknown action and an action the site does not do get 2.0.1 CALLERRORs; nothing changes, the link stays', async (t) => {
  const { cloud, s } = await v201Site(t);
  const code = (p: Promise<unknown>) => p.then(() => 'answered', (e: { code?: string }) => e.code);
  // evseId as a string, a required field missing, an extra field: the OCA schemas decide.
  assert.equal(await code(cloud.callUnchecked(IDENTITY, 'RequestStartTransaction', { idToken: { idToken: 'X', type: 'Central' }, remoteStartId: 1, evseId: 'one' })), 'TypeConstraintViolation');
  assert.equal(await code(cloud.callUnchecked(IDENTITY, 'SetChargingProfile', { evseId: 0 })), 'OccurrenceConstraintViolation');
  assert.equal(await code(cloud.callUnchecked(IDENTITY, 'ClearCache', { all: true })), 'FormatViolation');
  assert.equal(await code(cloud.callUnchecked(IDENTITY, 'Frobnicate', {})), 'NotImplemented');
  assert.equal(await code(cloud.callUnchecked(IDENTITY, 'InstallCertificate', { certificateType: 'V2GRootCertificate', certificate: 'x' })), 'NotSupported');
  // A 1.6 command on a 2.0.1 link is not an action of this version.
  assert.equal(await code(cloud.callUnchecked(IDENTITY, 'RemoteStartTransaction', { idTag: 'X' })), 'NotImplemented');
  assert.equal(s.site.daemon.upstream!.caps.siteCapA(), undefined, 'no profile was installed');
  assert.equal((await cloud.getLocalListVersion(IDENTITY)).versionNumber, 0, 'the link still answers');
  assert.equal(s.site.daemon.upstream!.service.state().reconnects, 0);
});
