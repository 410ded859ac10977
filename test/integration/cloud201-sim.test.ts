// The OCPP 2.0.1 cloud simulator against a plain `ws` client playing the site on
// loopback: the handshake (ocpp2.0.1 only), schema checks with CALLERRORs, the
// transaction ledger, outages, slow answers and commands. Nothing sleeps: "not yet
// answered" is proven with a ping/pong barrier (the pong follows every frame the server
// sent before it) and the response delay runs on an injected timer fired by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type Scheduler } from '../../scripts/sim/cloud201-sim.js';
import { until, within } from '../helpers/until.js';
import { BOOT, energy, ID, now, setup, Site, txEvent, WAIT_MS } from '../helpers/cloud201-site.js';

test('a 2.0.1 site boots and runs transactions; the ledger tells a duplicate from a repeat and refuses an invalid payload', async (t) => {
  const { cloud, open } = await setup(t, { identities: { [ID]: 'pw' }, heartbeatIntervalS: 120 });
  const site = await open(['ocpp2.0.1'], 'pw');
  assert.equal(site.ws.protocol, 'ocpp2.0.1');
  const boot = await site.ask('BootNotification', BOOT);
  assert.deepEqual([boot.status, boot.interval, typeof boot.currentTime], ['Accepted', 120, 'string']);
  assert.deepEqual(await site.ask('StatusNotification', { timestamp: now(), connectorStatus: 'Occupied', evseId: 2, connectorId: 1 }), {});
  cloud.setIdTokenStatus('BLOCKED-1', 'Blocked');
  assert.deepEqual(await site.ask('Authorize', { idToken: { idToken: 'BLOCKED-1', type: 'ISO14443' } }), { idTokenInfo: { status: 'Blocked' } });

  assert.deepEqual(await site.ask('TransactionEvent', txEvent('T-1', 'Started', 0, { meterValue: energy(1000) })), { idTokenInfo: { status: 'Accepted' } });
  const updated = txEvent('T-1', 'Updated', 1, { meterValue: energy(1500), offline: true });
  assert.deepEqual(await site.ask('TransactionEvent', updated), {});
  assert.deepEqual(await site.ask('TransactionEvent', updated), {}, 'an exact re-send is answered like the first');
  assert.deepEqual(await site.ask('TransactionEvent', txEvent('T-1', 'Ended', 2, { meterValue: energy(2500) })), {});

  const invalid = await site.call('TransactionEvent', txEvent('T-2', 'Started', 0, { triggerReason: 'Because' }));
  assert.deepEqual(invalid.slice(0, 3), [4, invalid[1], 'PropertyConstraintViolation']);
  assert.match(invalid[3], /triggerReason must be one of/);

  await site.ask('TransactionEvent', txEvent('T-3', 'Started', 0));
  await site.ask('TransactionEvent', txEvent('T-3', 'Updated', 1, { meterValue: energy(10) }));
  await site.ask('TransactionEvent', txEvent('T-3', 'Updated', 1, { meterValue: energy(20) }));

  const tx = cloud.transactions.get('T-1')!;
  assert.deepEqual([tx.identity, tx.evseId, tx.connectorId, tx.idToken?.idToken], [ID, 2, 1, 'TAG-1']);
  assert.deepEqual(tx.seqNos, [0, 1, 2]);
  assert.equal(tx.events.length, 4);
  assert.deepEqual([tx.duplicates, tx.offline, tx.ended, tx.stoppedReason, tx.lastTriggerReason], [1, 1, true, 'Local', 'StopAuthorized']);
  assert.deepEqual(tx.meterValues.map((m) => m.sampledValue[0].value), [1000, 1500, 2500]);
  assert.equal(cloud.transactions.has('T-2'), false, 'the invalid Started was not booked');

  const r = cloud.ledgerReport();
  assert.deepEqual([r.gaps, r.unknown, r.duplicates], [[], [], 1]);
  assert.deepEqual(r.repeats, [{ identity: ID, transactionId: 'T-3', seqNo: 1 }]);
  assert.equal(cloud.anomalies.length, 2, cloud.anomalies.join('\n'));
  assert.match(cloud.anomalies[0], /^SITE-201: TransactionEvent s-\d+: PropertyConstraintViolation: \/triggerReason/);
  assert.match(cloud.anomalies[1], /^SITE-201: transaction T-3: TransactionEvent Updated seqNo 1 \(s-\d+\) repeats seqNo 1 with different content/);
  assert.deepEqual(r.anomalies, cloud.anomalies.slice(1), 'the ledger report holds the ledger anomalies');
});

test('a site offering only ocpp1.6 is refused right after the handshake, and that is recorded', async (t) => {
  const { cloud, open } = await setup(t);
  await assert.rejects(open(['ocpp1.6']), /subprotocol/);
  await until(() => cloud.anomalies.find((a) => /SITE-201: connected without a common OCPP subprotocol/.test(a)), { label: 'the refusal anomaly', timeoutMs: WAIT_MS }, [cloud, 'anomaly']);
  assert.equal(cloud.connected(ID), false);
  assert.equal(cloud.connectionCount, 0);
  const site = await open(['ocpp1.6', 'ocpp2.0.1']);
  assert.equal(site.ws.protocol, 'ocpp2.0.1', 'a site offering both gets 2.0.1');
});

test('CALLs before an Accepted boot, unknown actions and CSMS actions from the site are anomalies', async (t) => {
  const { cloud, open } = await setup(t, { bootStatus: 'Pending' });
  const site = await open();
  assert.equal((await site.ask('Heartbeat', {})).currentTime !== undefined, true, 'still answered');
  assert.equal((await site.ask('BootNotification', BOOT)).status, 'Pending');
  await site.ask('TransactionEvent', txEvent('T-1', 'Started', 0));
  cloud.bootStatus = 'Accepted';
  assert.equal((await site.ask('BootNotification', BOOT)).status, 'Accepted');
  assert.equal((await site.call('StopTransaction', {}))[2], 'NotImplemented');
  assert.equal((await site.call('Reset', { type: 'Immediate' }))[2], 'NotSupported');
  assert.deepEqual(
    cloud.anomalies.map((a) => a.replace(/s-\d+/, 'ID')),
    [
      'SITE-201: Heartbeat ID before an Accepted BootNotification (no BootNotification yet on this connection)',
      'SITE-201: TransactionEvent ID before an Accepted BootNotification (boot Pending)',
      'SITE-201: StopTransaction ID: not an OCPP 2.0.1 action (NotImplemented)',
      'SITE-201: Reset ID: a CSMS → station action, sent by the station (NotSupported)',
    ],
  );
});

test('garbage from the site: recorded, answered with RpcFrameworkError where an id can be read, and the connection keeps working', async (t) => {
  const { cloud, open } = await setup(t);
  const site = await open();
  await site.ask('BootNotification', BOOT);
  site.ws.send('this is not json');
  site.ws.send(Buffer.from([2, 0, 1]), { binary: true });
  site.ws.send(JSON.stringify([5, 'odd-type', {}]));
  site.ws.send(JSON.stringify([3, 'never-asked', {}]));
  const longId = 'x'.repeat(37);
  const f1 = await site.call('Heartbeat', {}, longId);
  assert.deepEqual(f1.slice(0, 3), [4, longId, 'RpcFrameworkError']);
  site.ws.send(JSON.stringify([2, 'bad-payload', 'Heartbeat', 'not an object']));
  assert.deepEqual((await site.next('the answer to a CALL with a string payload', (f) => f[1] === 'bad-payload')).slice(0, 3), [4, 'bad-payload', 'RpcFrameworkError']);
  const f2 = await site.call('TransactionEvent', {});
  assert.deepEqual([f2[0], f2[2]], [4, 'OccurrenceConstraintViolation']);
  assert.equal(typeof (await site.ask('Heartbeat', {})).currentTime, 'string', 'still answering');
  const text = cloud.anomalies.join('\n');
  for (const re of [/unparsable frame: this is not json/, /binary frame/, /unknown message type 5/, /answer to unknown CALL id never-asked/, /message id must be 1..36 chars/, /malformed CALL/, /TransactionEvent s-\d+: OccurrenceConstraintViolation: \(payload\) must have required property 'eventType'/]) {
    assert.match(text, re);
  }
  assert.equal(cloud.anomalies.length, 7, text);
  assert.equal(cloud.transactions.size, 0);
});

test('goDown refuses the site, comeBack takes it again on the same port; the ledger survives', async (t) => {
  const { cloud, open } = await setup(t);
  const site = await open();
  await site.ask('BootNotification', BOOT);
  await site.ask('TransactionEvent', txEvent('T-1', 'Started', 0));
  const port = cloud.port;
  const closed = once(site.ws, 'close');
  await cloud.goDown();
  await within(closed, 'the site socket to close on goDown', WAIT_MS);
  await assert.rejects(Site.open(cloud.url), /ECONNREFUSED/);
  await cloud.comeBack();
  assert.equal(cloud.port, port);
  const again = await open();
  await cloud.waitForConnection(ID, WAIT_MS);
  await again.ask('BootNotification', BOOT);
  await again.ask('TransactionEvent', txEvent('T-1', 'Ended', 1, { offline: true }));
  assert.equal(cloud.connectionCount, 2);
  const tx = cloud.transactions.get('T-1')!;
  assert.deepEqual([tx.seqNos, tx.ended, tx.offline], [[0, 1], true, 1]);
  assert.deepEqual(cloud.anomalies, []);
});

test('a CALL the cloud booked but whose answer was lost comes again as a duplicate (dropConnectionAfter)', async (t) => {
  const { cloud, open } = await setup(t);
  const site = await open();
  await site.ask('BootNotification', BOOT);
  await site.ask('TransactionEvent', txEvent('T-1', 'Started', 0));
  cloud.dropConnectionAfter((c) => c.action === 'TransactionEvent' && c.payload.eventType === 'Ended');
  const ended = txEvent('T-1', 'Ended', 1);
  const closed = once(site.ws, 'close');
  site.ws.send(JSON.stringify([2, 'lost-1', 'TransactionEvent', ended]));
  await within(closed, 'the connection to drop after the Ended event', WAIT_MS);
  const again = await open();
  await again.ask('BootNotification', BOOT);
  await again.ask('TransactionEvent', ended);
  const r = cloud.ledgerReport();
  assert.deepEqual([r.duplicates, r.gaps, r.repeats, r.unknown], [1, [], [], []]);
  assert.equal(cloud.transactions.get('T-1')!.events.length, 3);
});

test('responseDelayMs, set at run time, holds every answer until its timer fires', async (t) => {
  const timers: Array<{ fn: () => void; ms: number }> = [];
  const schedule: Scheduler = (fn, ms) => {
    const entry = { fn, ms };
    timers.push(entry);
    return () => timers.splice(timers.indexOf(entry), 1);
  };
  const { cloud, open } = await setup(t, { schedule });
  const site = await open();
  await site.ask('BootNotification', BOOT);
  cloud.responseDelayMs = 250;
  const answered = site.call('TransactionEvent', txEvent('T-1', 'Started', 0));
  await cloud.waitFor((c) => c.action === 'TransactionEvent', { label: 'the Started event', timeoutMs: WAIT_MS });
  assert.equal(cloud.transactions.has('T-1'), true, 'booked on arrival');
  await site.barrier();
  assert.equal(site.pending.length, 0, 'not answered before the delay');
  assert.deepEqual(timers.map((x) => x.ms), [250]);
  timers.shift()!.fn();
  assert.deepEqual((await answered)[2], { idTokenInfo: { status: 'Accepted' } });
});

test('commands: schema-checked before sending, answers checked, CALLERRORs reject; reports are collected', async (t) => {
  const { cloud, open } = await setup(t);
  const site = await open();
  await site.ask('BootNotification', BOOT);

  const start = cloud.requestStartTransaction(ID, { idToken: 'TAG-9', remoteStartId: 7, evseId: 2 });
  const f1 = await site.command('RequestStartTransaction');
  assert.deepEqual(f1[3], { idToken: { idToken: 'TAG-9', type: 'Central' }, remoteStartId: 7, evseId: 2 });
  site.ws.send(JSON.stringify([3, f1[1], { status: 'Accepted', transactionId: 'T-9' }]));
  assert.deepEqual(await start, { status: 'Accepted', transactionId: 'T-9' });

  await assert.rejects(cloud.requestStopTransaction(ID, 'x'.repeat(40)), /refusing to send an invalid RequestStopTransaction: PropertyConstraintViolation/);
  await site.barrier();
  assert.equal(site.pending.length, 0, 'the invalid command never went out');

  const unlock = cloud.unlockConnector(ID, 2, 1);
  const f2 = await site.command('UnlockConnector');
  site.ws.send(JSON.stringify([3, f2[1], { status: 'Open' }]));
  assert.deepEqual(await unlock, { status: 'Open' }, 'a malformed answer still resolves');
  assert.match(cloud.anomalies.join('\n'), /UnlockConnector answer c1-\d+: PropertyConstraintViolation: \/status must be one of Unlocked/);

  const reset = cloud.reset(ID, 'OnIdle');
  const f3 = await site.command('Reset');
  site.ws.send(JSON.stringify([4, f3[1], 'NotSupported', 'no reset here', {}]));
  await assert.rejects(reset, (err: any) => err.name === 'CloudCallError' && err.code === 'NotSupported' && err.action === 'Reset');

  // GetBaseReport: parts may come before anyone awaits them; a re-sent part counts once.
  const report = cloud.getBaseReport(ID, 42, 'SummaryInventory');
  const f4 = await site.command('GetBaseReport');
  assert.deepEqual(f4[3], { requestId: 42, reportBase: 'SummaryInventory' });
  site.ws.send(JSON.stringify([3, f4[1], { status: 'Accepted' }]));
  assert.deepEqual(await report, { status: 'Accepted' });
  const part = (seqNo: number, tbc: boolean, name: string) => ({
    requestId: 42,
    generatedAt: now(),
    seqNo,
    tbc,
    reportData: [{ component: { name }, variable: { name: 'Available' }, variableAttribute: [{ value: 'true' }] }],
  });
  await site.ask('NotifyReport', part(0, true, 'ChargingStation'));
  await site.ask('NotifyReport', part(0, true, 'ChargingStation'));
  const collected = cloud.awaitReport(42, WAIT_MS);
  await site.ask('NotifyReport', part(1, false, 'SmartChargingCtrlr'));
  assert.deepEqual(
    (await collected).map((d: any) => d.component.name),
    ['ChargingStation', 'SmartChargingCtrlr'],
  );

  const profiles = cloud.getChargingProfiles(ID, 5, { chargingProfilePurpose: 'TxDefaultProfile' });
  const f5 = await site.command('GetChargingProfiles');
  site.ws.send(JSON.stringify([3, f5[1], { status: 'Accepted' }]));
  await profiles;
  const profile = {
    id: 1,
    stackLevel: 0,
    chargingProfilePurpose: 'TxDefaultProfile',
    chargingProfileKind: 'Absolute',
    chargingSchedule: [{ id: 1, startSchedule: now(), chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }] }],
  };
  await site.ask('ReportChargingProfiles', { requestId: 5, chargingLimitSource: 'CSO', evseId: 2, chargingProfile: [profile] });
  assert.deepEqual((await cloud.awaitChargingProfiles(5, WAIT_MS)).map((p) => p.evseId), [2]);
  await assert.rejects(cloud.awaitReport(99, 50), /timed out after 50 ms waiting for NotifyReport parts of requestId 99 up to tbc false/);
  assert.equal(cloud.anomalies.length, 1, cloud.anomalies.join('\n'));
});

test('the CLI runs the 2.0.1 simulator: one log line per CALL, `ledger` prints the report', async (t) => {
  const cli = fileURLToPath(new URL('../../scripts/sim/cloud.js', import.meta.url));
  const child = spawn(process.execPath, [cli, '--protocol', 'ocpp2.0.1', '--port', '0'], { stdio: ['pipe', 'pipe', 'pipe'] });
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
  const url = await until(() => /\(ocpp2\.0\.1\) listening on (ws:\/\/\S+)\/<identity>/.exec(out)?.[1], { label: 'the CLI listening line', timeoutMs: WAIT_MS }, [child.stdout, 'data']);
  const site = await Site.open(url);
  t.after(() => site.ws.terminate());
  await site.ask('BootNotification', BOOT);
  await site.ask('TransactionEvent', txEvent('T-1', 'Started', 0));
  await until(() => /SITE-201 #1 TransactionEvent .* -> \{"idTokenInfo":\{"status":"Accepted"\}\}/.test(out), { label: 'the CLI log line of the TransactionEvent', timeoutMs: WAIT_MS }, [child.stdout, 'data']);
  child.stdin.write('ledger\n');
  await until(() => /ledger: 1 transactions, 0 duplicates, gaps none, repeats none, unknown none, 0 anomalies/.test(out), { label: 'the ledger report line', timeoutMs: WAIT_MS }, [child.stdout, 'data']);
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const [code] = await within(exited, 'the CLI to exit on SIGTERM', WAIT_MS);
  assert.equal(code, 0, out);
});
