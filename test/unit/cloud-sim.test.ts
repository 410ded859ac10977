// The cloud CSMS simulator against a plain `ws` client playing the site. Nothing here
// sleeps: "not yet answered" is proven with a ping/pong barrier (the server's pong
// follows every frame it sent before it on the same TCP stream) and the response delay
// runs on an injected timer that the test fires by hand.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { CloudSim, type CloudSimOptions, type Scheduler } from '../../scripts/sim/cloud-sim.js';
import { makePki } from '../helpers/certs.js';

const ID = 'SITE-001';
const now = () => new Date().toISOString();
const BOOT = { chargePointVendor: 'Acme', chargePointModel: 'Gateway' };
const mv = (connectorId: number, transactionId: number | undefined, wh: number) => ({
  connectorId,
  ...(transactionId === undefined ? {} : { transactionId }),
  meterValue: [{ timestamp: now(), sampledValue: [{ value: String(wh), measurand: 'Energy.Active.Import.Register', unit: 'Wh' }] }],
});

/** The site end: every frame from the cloud in arrival order, waited for by predicate. */
class Site {
  private frames: any[] = [];
  private waiters: Array<{ match: (f: any) => boolean; resolve: (f: any) => void }> = [];
  private seq = 0;
  readonly closed: Promise<number>;

  constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => ws.once('close', (code) => resolve(code)));
    ws.on('message', (data) => {
      const f = JSON.parse(data.toString());
      const i = this.waiters.findIndex((w) => w.match(f));
      if (i >= 0) this.waiters.splice(i, 1)[0].resolve(f);
      else this.frames.push(f);
    });
  }

  static open(url: string, opts: { identity?: string; password?: string; protocols?: string[]; ca?: Buffer } = {}): Promise<Site> {
    const identity = opts.identity ?? ID;
    const headers: Record<string, string> = opts.password ? { Authorization: `Basic ${Buffer.from(`${identity}:${opts.password}`).toString('base64')}` } : {};
    const ws = new WebSocket(`${url}/${identity}`, opts.protocols ?? ['ocpp1.6'], { headers, ca: opts.ca });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new Site(ws)));
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { statusCode: res.statusCode })));
    });
  }

  next(match: (f: any) => boolean = () => true): Promise<any> {
    const i = this.frames.findIndex(match);
    if (i >= 0) return Promise.resolve(this.frames.splice(i, 1)[0]);
    return new Promise((resolve) => this.waiters.push({ match, resolve }));
  }

  /** Frames received and not yet taken. */
  get pending(): any[] {
    return this.frames;
  }

  /** Sends a CALL and resolves with the answer frame. */
  call(action: string, payload: object, id = `s-${++this.seq}`): Promise<any[]> {
    this.ws.send(JSON.stringify([2, id, action, payload]));
    return this.next((f) => f[1] === id && f[0] !== 2);
  }

  /** A CALL that must be answered with a CALLRESULT; gives its payload. */
  async ask(action: string, payload: object): Promise<any> {
    const f = await this.call(action, payload);
    assert.equal(f[0], 3, `${action} answered ${JSON.stringify(f)}`);
    return f[2];
  }

  /** Resolves once every frame the server sent before now has arrived. */
  async barrier(): Promise<void> {
    this.ws.ping();
    await once(this.ws, 'pong');
  }
}

async function setup(t: TestContext, opts: CloudSimOptions = {}, siteOpts: Parameters<typeof Site.open>[1] = {}) {
  const cloud = new CloudSim(opts);
  await cloud.start();
  const sites: Site[] = [];
  t.after(async () => {
    for (const s of sites) s.ws.terminate();
    await cloud.stop();
  });
  const open = async (o = siteOpts) => {
    const s = await Site.open(cloud.url, o);
    sites.push(s);
    return s;
  };
  const site = await open(siteOpts);
  await site.ask('BootNotification', BOOT);
  return { cloud, site, open };
}

test('boot, start, meter values and stop are recorded under the transaction id the cloud gave', async (t) => {
  const { cloud, site } = await setup(t, { heartbeatIntervalS: 60 });
  assert.equal(cloud.connectionCount, 1);
  assert.equal(cloud.receivedOf('BootNotification')[0].payload.chargePointVendor, 'Acme');
  assert.equal((await site.ask('StatusNotification', { connectorId: 2, errorCode: 'NoError', status: 'Preparing' })).status, undefined);
  const start = await site.ask('StartTransaction', { connectorId: 2, idTag: 'TAG-1', meterStart: 100, timestamp: now() });
  assert.deepEqual(start, { transactionId: 1000, idTagInfo: { status: 'Accepted' } });
  await site.ask('MeterValues', mv(2, 1000, 150));
  await site.ask('MeterValues', mv(2, 1000, 200));
  assert.deepEqual(await site.ask('StopTransaction', { transactionId: 1000, meterStop: 250, timestamp: now() }), {});
  const second = await site.ask('StartTransaction', { connectorId: 1, idTag: 'TAG-2', meterStart: 0, timestamp: now() });
  assert.equal(second.transactionId, 1001);

  const tx = cloud.transactions.get(1000)!;
  assert.equal(tx.connectorId, 2);
  assert.equal(tx.idTag, 'TAG-1');
  assert.equal(tx.stopped, true);
  assert.deepEqual(tx.messages.map((m) => m.action), ['StartTransaction', 'MeterValues', 'MeterValues', 'StopTransaction']);
  assert.deepEqual(tx.messages.map((m) => m.payload.meterValue?.[0].sampledValue[0].value), [undefined, '150', '200', undefined]);
  assert.equal(cloud.transactions.get(1001)!.stopped, false);
  assert.deepEqual(cloud.received.map((c) => c.action).slice(0, 3), ['BootNotification', 'StatusNotification', 'StartTransaction']);
  assert.deepEqual(cloud.anomalies, []);
});

test('messages for unknown or stopped transactions, reused ids and bad payloads are anomalies', async (t) => {
  const { cloud, site } = await setup(t);
  await site.ask('StartTransaction', { connectorId: 1, idTag: 'T', meterStart: 10, timestamp: now() });
  await site.ask('StopTransaction', { transactionId: 1000, meterStop: 20, timestamp: now() });
  await site.ask('StopTransaction', { transactionId: 1000, meterStop: 20, timestamp: now() });
  await site.ask('MeterValues', mv(1, 1000, 30));
  await site.ask('MeterValues', mv(1, 4242, 30));
  await site.ask('MeterValues', mv(0, undefined, 30)); // outside a transaction: fine
  await site.call('Heartbeat', {}, 'same-id');
  await site.call('Heartbeat', {}, 'same-id');
  const bad = await site.call('StartTransaction', { connectorId: '1', idTag: 'T', meterStart: 0, timestamp: now() });
  assert.deepEqual(bad.slice(0, 3), [4, bad[1], 'TypeConstraintViolation']);
  assert.equal((await site.call('Authorize', {}))[2], 'OccurenceConstraintViolation');
  assert.equal((await site.call('Reset', { type: 'Soft' }))[2], 'NotSupported');
  const lines = cloud.anomalies.join('\n');
  for (const expected of ['already stopped', 'after its StopTransaction', 'unknown transaction 4242', 'same-id reused', 'connectorId', 'missing idTag', 'Reset']) {
    assert.match(lines, new RegExp(expected), `anomaly about ${expected} in:\n${lines}`);
  }
  assert.equal(cloud.anomalies.length, 7);
  assert.equal(cloud.transactions.size, 1, 'the malformed StartTransaction got no id');
});

test('malformed frames are recorded, and answered FormationViolation when they carry an id', async (t) => {
  const { cloud, site } = await setup(t);
  site.ws.send('not json');
  site.ws.send(JSON.stringify([2, 'm1', 'Heartbeat']));
  site.ws.send(JSON.stringify([2, 'x'.repeat(37), 'Heartbeat', {}]));
  assert.equal((await site.next((f) => f[1] === 'm1'))[2], 'FormationViolation');
  assert.equal((await site.next((f) => f[1] === 'x'.repeat(37)))[2], 'FormationViolation');
  site.ws.send(JSON.stringify([3, 'never-asked', {}]));
  await site.ask('Heartbeat', {}); // still served
  await site.barrier();
  assert.equal(cloud.anomalies.length, 4, cloud.anomalies.join('\n'));
  assert.match(cloud.anomalies[0], /unparsable/);
});

test('a CALL before an Accepted boot is an anomaly, except what the cloud triggered while Pending', async (t) => {
  const { cloud, site, open } = await setup(t, { bootStatus: 'Pending' });
  const commanded = cloud.triggerMessage(ID, 'StatusNotification', 1);
  const trig = await site.next((f) => f[0] === 2);
  site.ws.send(JSON.stringify([3, trig[1], { status: 'Accepted' }]));
  await commanded;
  await site.ask('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Available' });
  assert.deepEqual(cloud.anomalies, []);
  await site.ask('Heartbeat', {});
  assert.match(cloud.anomalies[0], /Heartbeat .* before an Accepted BootNotification \(boot Pending\)/);
  cloud.bootStatus = 'Accepted';
  const again = await open();
  await again.ask('Heartbeat', {});
  assert.match(cloud.anomalies[1], /no BootNotification yet/);
  assert.equal((await again.ask('BootNotification', BOOT)).status, 'Accepted');
});

test('Authorize and StartTransaction answers follow setIdTagStatus, default Accepted', async (t) => {
  const { cloud, site } = await setup(t);
  cloud.setIdTagStatus('BLOCKED-1', 'Blocked');
  cloud.setIdTagStatus('EXPIRING', 'Accepted', { expiryDate: '2030-01-01T00:00:00Z' });
  assert.deepEqual(await site.ask('Authorize', { idTag: 'ANY' }), { idTagInfo: { status: 'Accepted' } });
  assert.deepEqual(await site.ask('Authorize', { idTag: 'BLOCKED-1' }), { idTagInfo: { status: 'Blocked' } });
  assert.deepEqual(await site.ask('Authorize', { idTag: 'EXPIRING' }), { idTagInfo: { status: 'Accepted', expiryDate: '2030-01-01T00:00:00Z' } });
  const start = await site.ask('StartTransaction', { connectorId: 1, idTag: 'BLOCKED-1', meterStart: 0, timestamp: now() });
  assert.deepEqual(start, { transactionId: 1000, idTagInfo: { status: 'Blocked' } }, 'an id is still given');
  cloud.setDefaultIdTagStatus('Invalid');
  assert.equal((await site.ask('StopTransaction', { transactionId: 1000, idTag: 'NEW', meterStop: 0, timestamp: now() })).idTagInfo.status, 'Invalid');
});

test('failAction answers matching CALLs with a CALLERROR until cleared; they are not booked', async (t) => {
  const { cloud, site } = await setup(t);
  cloud.failAction((c) => c.action === 'StartTransaction' && c.payload.idTag === 'POISON', { code: 'PropertyConstraintViolation', description: 'no' });
  const start = { connectorId: 1, idTag: 'POISON', meterStart: 0, timestamp: now() };
  const f = await site.call('StartTransaction', start);
  assert.deepEqual(f, [4, f[1], 'PropertyConstraintViolation', 'no', {}]);
  assert.equal(cloud.transactions.size, 0);
  assert.equal(cloud.receivedOf('StartTransaction')[0].error?.code, 'PropertyConstraintViolation');
  assert.equal((await site.ask('StartTransaction', { ...start, idTag: 'OK' })).transactionId, 1000);
  cloud.clearFailures();
  assert.equal((await site.ask('StartTransaction', start)).transactionId, 1001);
});

test('dropConnectionAfter books the CALL, terminates without answering, once', async (t) => {
  const { cloud, site, open } = await setup(t);
  cloud.dropConnectionAfter((c) => c.action === 'StartTransaction');
  site.ws.send(JSON.stringify([2, 'lost', 'StartTransaction', { connectorId: 1, idTag: 'T', meterStart: 0, timestamp: now() }]));
  await site.closed;
  assert.equal(site.pending.length, 0, 'no answer before the connection died');
  assert.equal(cloud.receivedOf('StartTransaction')[0].dropped, true);
  assert.equal(cloud.transactions.get(1000)?.messages.length, 1, 'booked like a real cloud whose answer was lost');
  const again = await open();
  await again.ask('BootNotification', BOOT);
  assert.equal((await again.ask('StartTransaction', { connectorId: 1, idTag: 'T', meterStart: 0, timestamp: now() })).transactionId, 1001);
  assert.equal(cloud.connectionCount, 2);
});

test('goDown terminates the site and refuses connections; comeBack listens on the same port', async (t) => {
  const { cloud, site, open } = await setup(t);
  const port = cloud.port;
  const gone = once(cloud, 'disconnect');
  await cloud.goDown();
  assert.equal(await site.closed, 1006, 'no close handshake: an outage, not a goodbye');
  await gone;
  assert.equal(cloud.connected(ID), false);
  await assert.rejects(open(), (err: any) => err.code === 'ECONNREFUSED');
  await cloud.comeBack();
  assert.equal(cloud.port, port);
  const back = cloud.waitForConnection(ID);
  const again = await open();
  await back;
  assert.equal(cloud.connected(ID), true);
  await again.ask('BootNotification', BOOT);
  assert.equal(cloud.connectionCount, 2);
});

test('upgrades are refused with the forced status, and by identity and Basic auth', async (t) => {
  const { cloud, open } = await setup(t, { identities: { [ID]: null } });
  cloud.setUpgradeStatus(503);
  await assert.rejects(open(), (err: any) => err.statusCode === 503);
  cloud.setUpgradeStatus(401);
  await assert.rejects(open(), (err: any) => err.statusCode === 401);
  cloud.setUpgradeStatus(null);
  await open();

  const locked = new CloudSim({ identities: { [ID]: 'secret' } });
  await locked.start();
  t.after(() => locked.stop());
  await assert.rejects(Site.open(locked.url, { password: 'wrong' }), (err: any) => err.statusCode === 401);
  await assert.rejects(Site.open(locked.url), (err: any) => err.statusCode === 401);
  await assert.rejects(Site.open(locked.url.replace('/ocpp', '/other')), (err: any) => err.statusCode === 404);
  const ok = await Site.open(locked.url, { password: 'secret' });
  ok.ws.terminate();
  await assert.rejects(Site.open(locked.url, { identity: 'SITE-999' }), (err: any) => err.statusCode === 404);
});

test('a site without a common subprotocol is refused', async (t) => {
  const { open } = await setup(t, { protocols: ['ocpp1.6', 'ocpp2.0.1'] });
  await assert.rejects(open({ protocols: ['ocpp1.5'] }), /subprotocol/);
});

test('permessage-deflate is negotiated only when the cloud enables it', async (t) => {
  const { site } = await setup(t, { perMessageDeflate: true });
  assert.match(site.ws.extensions, /permessage-deflate/);
  const plain = await setup(t);
  assert.equal(plain.site.ws.extensions, '');
});

test('responseDelayMs holds every answer until its timer fires', async (t) => {
  const timers: Array<{ fn: () => void; ms: number }> = [];
  const schedule: Scheduler = (fn, ms) => {
    const entry = { fn, ms };
    timers.push(entry);
    return () => timers.splice(timers.indexOf(entry), 1);
  };
  const { cloud, site } = await setup(t, { schedule });
  cloud.responseDelayMs = 100;
  const answered = site.call('StartTransaction', { connectorId: 1, idTag: 'T', meterStart: 0, timestamp: now() });
  const received = await cloud.waitFor((c) => c.action === 'StartTransaction');
  assert.equal((received.result as any).transactionId, 1000, 'booked on arrival');
  await site.barrier();
  assert.equal(site.pending.length, 0, 'not answered before the delay');
  assert.deepEqual(timers.map((x) => x.ms), [100]);
  // A second CALL before that answer breaks the one-outstanding rule: recorded, then answered in turn.
  const eager = site.call('Heartbeat', {}, 'eager');
  await cloud.waitFor((c) => c.messageId === 'eager');
  assert.match(cloud.anomalies.join('\n'), /eager sent while an earlier CALL was still unanswered/);
  timers.shift()!.fn();
  assert.equal((await answered)[2].transactionId, 1000);
  timers.shift()!.fn();
  assert.equal(typeof (await eager)[2].currentTime, 'string');
});

test('call() sends one command at a time and settles with the site\'s answer', async (t) => {
  const { cloud, site } = await setup(t);
  const first = cloud.remoteStart(ID, 'TAG-9', 3);
  const second = cloud.unlock(ID, 3);
  const f1 = await site.next((f) => f[0] === 2);
  assert.deepEqual([f1[2], f1[3]], ['RemoteStartTransaction', { connectorId: 3, idTag: 'TAG-9' }]);
  await site.barrier();
  assert.equal(site.pending.length, 0, 'UnlockConnector waits for the first answer');
  site.ws.send(JSON.stringify([3, f1[1], { status: 'Accepted' }]));
  assert.deepEqual(await first, { status: 'Accepted' });
  const f2 = await site.next((f) => f[0] === 2);
  assert.equal(f2[2], 'UnlockConnector');
  site.ws.send(JSON.stringify([4, f2[1], 'NotSupported', 'no lock', {}]));
  await assert.rejects(second, (err: any) => err.code === 'NotSupported' && err.action === 'UnlockConnector');
  assert.deepEqual(cloud.commands.map((c) => [c.action, c.result ?? c.error?.code]), [['RemoteStartTransaction', { status: 'Accepted' }], ['UnlockConnector', 'NotSupported']]);

  // A malformed answer resolves but is an anomaly; silence is a Timeout; no socket is NotConnected.
  const version = cloud.getLocalListVersion(ID);
  const f3 = await site.next((f) => f[0] === 2);
  site.ws.send(JSON.stringify([3, f3[1], { listVersion: 'seven' }]));
  assert.deepEqual(await version, { listVersion: 'seven' });
  assert.match(cloud.anomalies[0], /GetLocalListVersion answer .*TypeConstraintViolation/);
  await assert.rejects(cloud.call(ID, 'ClearCache', {}, 20), (err: any) => err.code === 'Timeout');
  await assert.rejects(cloud.clearCache('SITE-404'), (err: any) => err.code === 'NotConnected');
});

test('waitFor resolves with past and future CALLs; stop() rejects what still waits', async (t) => {
  const { cloud, site } = await setup(t);
  assert.equal((await cloud.waitFor((c) => c.action === 'BootNotification')).payload.chargePointModel, 'Gateway');
  const future = cloud.waitFor((c) => c.action === 'Authorize' && c.payload.idTag === 'LATER');
  await site.ask('Authorize', { idTag: 'SOONER' });
  await site.ask('Authorize', { idTag: 'LATER' });
  assert.equal((await future).messageId, cloud.receivedOf('Authorize')[1].messageId);
  const never = cloud.waitFor((c) => c.action === 'DataTransfer');
  const lost = cloud.waitForConnection('SITE-002');
  await cloud.stop();
  await assert.rejects(never, /stopped/);
  await assert.rejects(lost, /stopped/);
});

test('TLS: a site that trusts the CA boots over wss://, others fail the handshake', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cloud-sim-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const pki = makePki(dir);
  const ca = readFileSync(pki.caCert);
  const { cloud, site } = await setup(t, { tls: { cert: readFileSync(pki.serverCert), key: readFileSync(pki.serverKey) } }, { ca });
  assert.match(cloud.url, /^wss:\/\/127\.0\.0\.1:\d+\/ocpp$/);
  await site.ask('Heartbeat', {});
  await assert.rejects(Site.open(cloud.url), /certificate/i);
});
