// The web page's pure parts: login pieces over an injected clock (passwords, Basic and
// cookie parsing with garbage, sessions that expire, the per-address login limit), the
// `check` rule that a page beyond loopback needs users, recent events, status patches,
// the page files, and the probes through the daemon's services.
import test from 'node:test';
import assert from 'node:assert/strict';
import { checkPassword, LoginLimiter, parseBasic, parseCookies, Sessions } from '../../daemon/web/auth.js';
import { isLocalHostHeader, sameOrigin } from '../../daemon/web/http.js';
import { isLoopbackHost } from '../../daemon/config/rules.js';
import { parseConfig } from '../../daemon/config/load.js';
import { RecentEvents } from '../../daemon/web/events.js';

const USERS = [{ name: 'installer', password: 'pw-installer' }, { name: 'ops', password: 'pw-ops' }];

test('checkPassword: only the exact name and password pair logs in', () => {
  const table: Array<[string, string, string | null]> = [
    ['installer', 'pw-installer', 'installer'],
    ['ops', 'pw-ops', 'ops'],
    ['installer', 'pw-ops', null], // another user's password
    ['installer', 'pw-installer ', null],
    ['Installer', 'pw-installer', null],
    ['', '', null],
    ['nobody', 'pw-installer', null],
    ['installer', 'x'.repeat(10_000), null], // any length compares as a digest
  ];
  for (const [name, pw, want] of table) assert.equal(checkPassword(USERS, name, pw), want, `${name}/${pw.slice(0, 20)}`);
  assert.equal(checkPassword([], 'installer', 'pw-installer'), null);
});

test('parseBasic and parseCookies take garbage without throwing', () => {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  assert.deepEqual(parseBasic(`Basic ${b64('a:b:c')}`), { name: 'a', password: 'b:c' });
  assert.deepEqual(parseBasic(`basic ${b64('a:')}`), { name: 'a', password: '' });
  for (const bad of [undefined, '', 'Bearer abc', 'Basic', 'Basic !!!', `Basic ${b64('no-colon')}`]) assert.equal(parseBasic(bad), null, String(bad));
  const c = parseCookies('a=1; sc_session=tok=en; =x; junk; b = 2 ');
  assert.equal(c.get('sc_session'), 'tok=en');
  assert.equal(c.get('b'), '2');
  assert.equal(c.size, 3);
  assert.equal(parseCookies(undefined).size, 0);
});

test('a session lasts its TTL from its last use, then is gone', () => {
  let now = 1000;
  const s = new Sessions(60_000, () => now);
  const { token, session } = s.create('installer');
  assert.equal(session.user, 'installer');
  assert.notEqual(session.csrf, token);
  now += 59_000;
  assert.equal(s.get(token)?.user, 'installer', 'used within the TTL');
  now += 59_000;
  assert.equal(s.get(token)?.user, 'installer', 'each use extends it');
  now += 60_000;
  assert.equal(s.get(token), undefined, 'expired after a TTL without use');
  assert.equal(s.get('made-up'), undefined);
  assert.equal(s.get(undefined), undefined);
  const other = s.create('ops');
  s.delete(other.token);
  assert.equal(s.get(other.token), undefined, 'logged out');
});

test('sessions are bounded: the oldest goes first', () => {
  const s = new Sessions(60_000, () => 0, 3);
  const tokens = [1, 2, 3, 4].map(() => s.create('u').token);
  assert.equal(s.size, 3);
  assert.equal(s.get(tokens[0]), undefined);
  assert.ok(s.get(tokens[3]));
});

test('failed logins block an address after the limit, for blockMs; others are not affected', () => {
  let now = 0;
  const l = new LoginLimiter(() => now, { maxFailures: 3, windowMs: 10_000, blockMs: 30_000, maxAddresses: 2 });
  l.failed('10.0.0.9');
  l.failed('10.0.0.9');
  assert.equal(l.retryAfterS('10.0.0.9'), 0, 'two failures: may try again');
  l.failed('10.0.0.9');
  assert.equal(l.retryAfterS('10.0.0.9'), 30, 'third failure: blocked');
  assert.equal(l.retryAfterS('10.0.0.8'), 0);
  now += 30_000;
  assert.equal(l.retryAfterS('10.0.0.9'), 0, 'block over');
  // Failures spread beyond the window do not add up.
  l.failed('10.0.0.7');
  now += 11_000;
  l.failed('10.0.0.7');
  l.failed('10.0.0.7');
  assert.equal(l.retryAfterS('10.0.0.7'), 0);
  l.succeeded('10.0.0.7');
  // At most maxAddresses remembered.
  for (const a of ['a', 'b', 'c']) l.failed(a);
  assert.ok((l as any).byAddress.size <= 2);
});

test('loopback hosts and Host headers; same-origin check', () => {
  for (const h of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', 'LOCALHOST']) assert.ok(isLoopbackHost(h), h);
  for (const h of ['0.0.0.0', '::', '192.168.1.10', '10.0.0.1', 'gateway.local', '128.0.0.1']) assert.ok(!isLoopbackHost(h), h);
  for (const h of ['127.0.0.1:8080', 'localhost:8080', '[::1]:8080']) assert.ok(isLocalHostHeader(h), h);
  for (const h of [undefined, '', 'evil.example', 'evil.example:8080', '192.168.1.10:8080']) assert.ok(!isLocalHostHeader(h), String(h));
  const req = (host: string, origin?: string) => ({ headers: { host, origin } }) as any;
  assert.ok(sameOrigin(req('127.0.0.1:8080')));
  assert.ok(sameOrigin(req('127.0.0.1:8080', 'http://127.0.0.1:8080')));
  assert.ok(!sameOrigin(req('127.0.0.1:8080', 'http://evil.example')));
  assert.ok(!sameOrigin(req('127.0.0.1:8080', 'null')));
});

test('check: a page beyond loopback needs users; users need a name and a password; duplicates refused; short passwords warned', async () => {
  const base = 'site: { id: s }\nlocal: { allowUnknownChargers: true }\nstore: { path: /tmp/x.db }\n';
  const problems = (web: string) => {
    try {
      parseConfig(base + web, 'c.yaml');
      return '';
    } catch (err) {
      return (err as Error).message;
    }
  };
  assert.equal(problems('web: { listen: { host: 127.0.0.1, port: 8080 } }'), '');
  assert.equal(problems('web: {}'), '', 'defaults: 127.0.0.1:8080');
  assert.match(problems('web: { listen: { host: 0.0.0.0 } }'), /web\.users: is required when web\.listen\.host is not a loopback address \(0\.0\.0\.0\)/);
  assert.match(problems('web: { listen: { host: 0.0.0.0 }, users: [] }'), /web\.users: is required/);
  assert.equal(problems('web: { listen: { host: 0.0.0.0 }, users: [ { name: a, password: b } ] }'), '');
  assert.match(problems('web: { users: [ { name: a } ] }'), /web\.users\/0|web\.users\[0\]|password/);
  assert.match(problems('web: { users: [ { name: a, password: b }, { name: a, password: c } ] }'), /web\.users\[1\]\.name: duplicate/);
  assert.match(problems('web: { listen: { port: 70000 } }'), /port/);
  assert.match(problems('web: { tls: { cert: /x.pem } }'), /key/);
  assert.match(problems('web: { bogus: 1 }'), /bogus/);
  const { semanticWarnings } = await import('../../daemon/config/rules.js');
  const warned = semanticWarnings(parseConfig(base + 'web: { users: [ { name: a, password: short }, { name: b, password: long-enough-pw } ] }', 'c.yaml'));
  assert.deepEqual(warned.filter((w) => w.startsWith('web.')), ['web.users[0].password: 5 characters; use at least 12']);
});

test('recent events: newest first, bounded, normalised like MQTT events', () => {
  const ev = new RecentEvents(() => Date.parse('2026-11-28T10:00:00Z'), 3);
  assert.deepEqual(ev.recent(), []);
  for (let i = 1; i <= 5; i++) ev.push('local', { type: 'info', code: `c${i}`, message: `m${i}` });
  ev.push('upstream', { type: 'upstream-down' });
  assert.deepEqual(ev.recent().map((e) => e.code), ['upstream-down', 'c5', 'c4']);
  assert.equal(ev.recent()[0]!.type, 'alarm', 'a bare upstream-down is an alarm, as on MQTT');
  assert.deepEqual(ev.recent(2).map((e) => e.code), ['upstream-down', 'c5']);
  ev.push('x', 'a plain string');
  ev.push('x', null);
  assert.equal(ev.recent().length, 3);
});

test('status patches: apply(diff(a, b)) is b; only what changed is sent', async () => {
  const { diff, apply } = await import('../../daemon/web/diff.js');
  const a = { site: 's', chargers: [{ id: 'A', connectors: [{ status: 'Available', energyWh: 1 }] }, { id: 'B', connectors: [] }], upstream: null, events: [1, 2], gone: 1 };
  const table: Array<[string, unknown, number]> = [
    ['nothing changed', structuredClone(a), 0],
    ['one nested value', { ...structuredClone(a), chargers: [{ id: 'A', connectors: [{ status: 'Charging', energyWh: 1 }] }, { id: 'B', connectors: [] }] }, 1],
    ['array length changed: replaced', { ...structuredClone(a), events: [0, 1, 2] }, 1],
    ['a key removed and one added', (() => { const x: any = structuredClone(a); delete x.gone; x.added = { k: 1 }; return x; })(), 2],
    ['null to object', { ...structuredClone(a), upstream: { state: 'online' } }, 1],
    ['root type changed', [1, 2], 1],
  ];
  for (const [name, b, n] of table) {
    const ops = diff(a, b);
    assert.equal(ops.length, n, name);
    assert.deepEqual(apply(structuredClone(a), ops), b, name);
  }
});

test('npm start serves the page on 127.0.0.1:8080 without a login; the example config has every web key', async () => {
  const { loadConfigFile } = await import('../../daemon/config/load.js');
  const { fileURLToPath } = await import('node:url');
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  const def = loadConfigFile(`${root}config/default.yaml`);
  assert.deepEqual(def.web?.listen, { host: '127.0.0.1', port: 8080 });
  assert.equal(def.web?.users, undefined);
  assert.equal(def.web?.pushIntervalMs, 250);
});

test('a build without the page files fails at start with the path and what to run', async () => {
  const { loadStatic } = await import('../../daemon/web/static.js');
  assert.throws(() => loadStatic('/nonexistent-dir'), /web page file \/nonexistent-dir\/index\.html is missing \(ENOENT\); run npm run build/);
  assert.equal(loadStatic().get('/')!.type, 'text/html; charset=utf-8');
});

test('probes through the daemon services: meter next read, modem check now; absent parts and timeouts say so', async () => {
  const { EventEmitter } = await import('node:events');
  const { probeMeterVia, probeModemVia } = await import('../../daemon/web/actions.js');
  assert.deepEqual(await probeMeterVia(undefined, 100), { ok: false, error: 'no meter in the config: the balancer uses a static budget' });
  const meter = Object.assign(new EventEmitter(), { stale: false, lastGoodAt: null });
  const good = probeMeterVia(meter, 5000);
  meter.emit('sample', { currentA: [1, 2, 3] }, 0);
  assert.deepEqual(await good, { ok: true, reading: { currentA: [1, 2, 3] } });
  const bad = probeMeterVia(meter, 5000);
  meter.emit('readError', new Error('timeout: no answer from unit id 1'));
  assert.deepEqual(await bad, { ok: false, error: 'timeout: no answer from unit id 1' });
  assert.match((await probeMeterVia(meter, 20)).error as string, /no read finished within 20 ms/);
  assert.equal(meter.listenerCount('sample') + meter.listenerCount('readError'), 0, 'no listener left behind');

  const none = Object.assign(new EventEmitter(), { names: ['ntp'], runNow: () => true });
  assert.deepEqual(await probeModemVia(none, 100), { ok: false, error: 'no health.modem in the config' });
  const health = Object.assign(new EventEmitter(), { names: ['ntp', 'modem'], runNow: (n: string) => (setImmediate(() => { health.emit('result', 'ntp', {}); health.emit('result', n, { registration: 'home' }); }), true) });
  assert.deepEqual(await probeModemVia(health, 5000), { ok: true, result: { registration: 'home' } });
  const silent = Object.assign(new EventEmitter(), { names: ['modem'], runNow: () => false });
  assert.match((await probeModemVia(silent, 20)).error as string, /did not finish within 20 ms/);
  assert.equal(health.listenerCount('result') + silent.listenerCount('result'), 0);
});

test('persisted sessions survive a restart by token digest; expired and malformed ones do not', () => {
  let stored: Record<string, any> | undefined;
  const persist = { load: () => stored, save: (v: Record<string, any>) => void (stored = structuredClone(v)) };
  let now = 0;
  const a = new Sessions(60_000, () => now, 10, persist);
  const { token } = a.create('installer');
  assert.ok(stored && Object.keys(stored).length === 1);
  assert.ok(!JSON.stringify(stored).includes(token), 'the token itself is not stored');
  now = 30_000;
  const b = new Sessions(60_000, () => now, 10, persist);
  assert.equal(b.get(token)?.user, 'installer', 'the same cookie works after a restart');
  b.delete(token);
  assert.deepEqual(stored, {});
  const c = new Sessions(60_000, () => now, 10, persist);
  const t2 = c.create('ops').token;
  stored!.junk = { user: 5 };
  now = 200_000;
  const d = new Sessions(60_000, () => now, 10, persist);
  assert.equal(d.get(t2), undefined, 'expired while the daemon was down');
  assert.equal(d.size, 0, 'malformed entries are skipped');
});
