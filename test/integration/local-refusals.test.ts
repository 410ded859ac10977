// Refused chargers are visible where an operator looks (status, MQTT, events), and
// password guessing from one address is blocked without locking out the others.
import test from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { randomBytes } from 'node:crypto';
import { startSite } from '../helpers/daemon.js';
import { connectRaw } from '../helpers/raw-client.js';
import { startMosquitto, subscribe } from '../helpers/mosquitto.js';

const P = 'site-controller/test-site';

/** One WebSocket upgrade request by hand: the HTTP status and headers the charger gets (101 = admitted). */
function upgrade(url: string, opts: { auth?: string; protocols?: string; localAddress?: string } = {}): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const headers: Record<string, string> = {
    Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
    'Sec-WebSocket-Protocol': opts.protocols ?? 'ocpp1.6',
  };
  if (opts.auth) headers.Authorization = 'Basic ' + Buffer.from(opts.auth).toString('base64');
  return new Promise((resolve, reject) => {
    const req = request(url.replace(/^ws/, 'http'), { headers, localAddress: opts.localAddress, timeout: 5000 });
    req.on('timeout', () => req.destroy(new Error(`no answer to the upgrade of ${url} within 5 s`)));
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: '' });
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Awaits p, failing with a message that names what was awaited when it takes longer than ms. */
function within<T>(p: Promise<T>, what: string, ms = 5000): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)));
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

function charger(snap: any, id: string): any {
  return snap.chargers.find((c: any) => c.id === id);
}

test('refusals: status shows each charger\'s last refusal and the unknown ids seen; the registry emits one event per change', async (t) => {
  const site = await startSite();
  t.after(() => site.stop());
  const events: any[] = [];
  site.daemon.registry.on('refused', (e) => events.push(e));
  const before = Date.now();

  assert.equal((await upgrade(`${site.url}/CP-1`, { auth: 'CP-1:wrong' })).status, 401);
  assert.equal((await upgrade(`${site.url}/CP-1`, { auth: 'CP-1:wrong-again' })).status, 401);
  assert.equal((await upgrade(`${site.url}/CP-O1`, { auth: 'CP-O1:x' })).status, 404);
  assert.equal((await upgrade(`${site.url}/CP-O1`, { auth: 'CP-O1:x' })).status, 404);
  assert.equal((await upgrade(`${site.url}/TYPO`, { auth: 'TYPO:x' })).status, 404);

  let snap: any = site.daemon.snapshot();
  const r1 = charger(snap, 'CP-1').lastRefusal;
  assert.equal(r1.reason, 'password');
  assert.match(r1.message, /wrong password/);
  assert.match(r1.remote, /^127\.0\.0\.1:\d+$/);
  assert.equal(r1.count, 2);
  assert.ok(Date.parse(r1.at) >= before - 1000 && Date.parse(r1.at) <= Date.now(), `refusal time ${r1.at}`);
  assert.equal(charger(snap, 'CP-2').lastRefusal, null);
  assert.deepEqual(snap.admission.unknownChargers.map((u: any) => [u.id, u.count]), [['TYPO', 1], ['CP-O1', 2]]);
  assert.match(snap.admission.unknownChargers[0].remote, /^127\.0\.0\.1:\d+$/);

  // A charger that speaks only a version we lack: its refusal names what it offered.
  await assert.rejects(connectRaw(`${site.url}/CP-2`, { auth: 'CP-2:secret-2', protocols: ['ocpp2.1', 'ocpp1.5'] }));
  // One that offers none at all gets the handshake and a close whose reason says what we speak.
  const none = await connectRaw(`${site.url}/CP-2`, { auth: 'CP-2:secret-2', protocols: [] });
  const closed = await none.closed;
  assert.equal(closed.code, 1002);
  assert.match(closed.reason, /offered none.*ocpp1\.6/);
  snap = site.daemon.snapshot();
  assert.equal(charger(snap, 'CP-2').lastRefusal.reason, 'subprotocol');
  assert.match(charger(snap, 'CP-2').lastRefusal.message, /offered none/);
  assert.ok(site.logs.some((l) => l.includes('no OCPP subprotocol in common') && l.includes('ocpp2.1,ocpp1.5')), 'the log names what the charger offered');

  assert.deepEqual(events.map((e) => [e.chargerId, e.reason]), [
    ['CP-1', 'password'], ['CP-O1', 'unknown-id'], ['TYPO', 'unknown-id'], ['CP-2', 'subprotocol'],
  ], 'a retry for the same reason from the same host is counted, not a new event');
  const ev = events[3];
  assert.match(ev.message, /ocpp2\.1, ocpp1\.5/);
  assert.match(ev.remote, /^127\.0\.0\.1:\d+$/);
  assert.equal(typeof ev.at, 'number');
  assert.equal(ev.configured, true);

  // Admitted later: connected, and the last refusal stays for the record.
  const cp = await connectRaw(`${site.url}/CP-1`, { auth: 'CP-1:secret-1' });
  t.after(() => cp.close());
  snap = site.daemon.snapshot();
  assert.equal(charger(snap, 'CP-1').connected, true);
  assert.equal(charger(snap, 'CP-1').lastRefusal.reason, 'password');
});

test('refusals on MQTT: chargers/<id> carries lastRefusal, events gets charger-refused with the address', async (t) => {
  const broker = await startMosquitto();
  t.after(() => broker.close());
  const site = await startSite({ overrides: { mqtt: { url: broker.url, reconnectMaxS: 1 } }, logLevel: 'info' });
  t.after(() => site.stop());
  const sub = await subscribe(broker.url, `${P}/#`);
  t.after(() => sub.close());
  await within(sub.next((m) => m.topic === `${P}/chargers/CP-1`), 'the retained chargers/CP-1');

  assert.equal((await upgrade(`${site.url}/CP-1`, { auth: 'CP-1:nope' })).status, 401);
  const state = await within(sub.next((m) => m.topic === `${P}/chargers/CP-1` && m.json.lastRefusal != null), 'chargers/CP-1 with a lastRefusal');
  assert.equal(state.json.connected, false);
  assert.equal(state.json.lastRefusal.reason, 'password');
  assert.match(state.json.lastRefusal.remote, /^127\.0\.0\.1:\d+$/);
  assert.ok(Date.parse(state.json.lastRefusal.at) > 0);
  const ev = await within(sub.next((m) => m.topic === `${P}/events` && m.json.code === 'charger-refused'), 'a charger-refused event');
  assert.equal(ev.json.type, 'alarm');
  assert.equal(ev.json.charger, 'CP-1');
  assert.equal(ev.json.reason, 'password');
  assert.match(ev.json.remote, /^127\.0\.0\.1:\d+$/);

  // Retained: a dashboard that subscribes later finds it.
  const fresh = await subscribe(broker.url, `${P}/chargers/CP-1`);
  t.after(() => fresh.close());
  const kept = await within(fresh.next((m) => m.json.lastRefusal != null), 'the retained chargers/CP-1 with its lastRefusal');
  assert.equal(kept.retain, true);

  assert.equal((await upgrade(`${site.url}/CP-TYPO`, { auth: 'CP-TYPO:x' })).status, 404);
  const unknown = await within(sub.next((m) => m.topic === `${P}/events` && m.json.code === 'charger-refused' && m.json.charger === 'CP-TYPO'), 'the charger-refused event for CP-TYPO');
  assert.equal(unknown.json.reason, 'unknown-id');
  assert.ok(!sub.messages.some((m) => m.topic === `${P}/chargers/CP-TYPO`), 'an unknown identity gets no retained topic of its own');
});

test('password guessing: after 5 failures an address gets 429 (even with the right password); another address is still admitted', async (t) => {
  const site = await startSite();
  t.after(() => site.stop());
  const blocks: any[] = [];
  site.daemon.registry.on('blocked', (b) => blocks.push(b));

  const statuses: number[] = [];
  for (let i = 0; i < 30; i++) statuses.push((await upgrade(`${site.url}/CP-1`, { auth: `CP-1:guess-${i}`, localAddress: '127.0.0.1' })).status);
  assert.deepEqual(statuses, [...Array(5).fill(401), ...Array(25).fill(429)]);
  const blocked = await upgrade(`${site.url}/CP-1`, { auth: 'CP-1:secret-1', localAddress: '127.0.0.1' });
  assert.equal(blocked.status, 429, 'the right password from a blocked address is refused too');
  const retryAfter = Number(blocked.headers['retry-after']);
  assert.ok(retryAfter > 0 && retryAfter <= 60, `Retry-After ${blocked.headers['retry-after']}`);

  // A good charger elsewhere is not affected.
  const good = await upgrade(`${site.url}/CP-2`, { auth: 'CP-2:secret-2', localAddress: '127.0.0.2' });
  assert.equal(good.status, 101);

  // No Authorization header at all is not a guess (clients that wait for the 401 challenge): never blocked.
  const bare: number[] = [];
  for (let i = 0; i < 8; i++) bare.push((await upgrade(`${site.url}/CP-2`, { localAddress: '127.0.0.3' })).status);
  assert.deepEqual(bare, Array(8).fill(401));
  assert.equal((await upgrade(`${site.url}/CP-2`, { auth: 'CP-2:secret-2', localAddress: '127.0.0.3' })).status, 101);

  assert.equal(blocks.length, 1, 'one event per block');
  assert.equal(blocks[0].address, '127.0.0.1');
  assert.ok(blocks[0].until > Date.now());
  assert.equal(site.logs.filter((l) => l.includes('too many failed logins: address blocked')).length, 1, 'logged once per block');
  const snap: any = site.daemon.snapshot();
  assert.deepEqual(snap.admission.blocked.map((b: any) => b.address), ['127.0.0.1']);
  assert.equal(snap.admission.blocked[0].refusedWhileBlocked, 26);
  assert.equal(charger(snap, 'CP-1').lastRefusal.reason, 'rate-limited');
  assert.ok(site.logs.filter((l) => l.startsWith('warn') && l.includes('refused: wrong password')).length === 1, 'a guessing run is one warning, the repeats are debug lines');
});
