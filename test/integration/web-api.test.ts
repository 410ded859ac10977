// The web page's HTTP API over real loopback sockets: /api/status is what `status --json`
// prints; without users only localhost names are answered; with users every API route
// needs a login (cookie or Basic), failed logins are limited, actions need the CSRF token
// and the same origin; bodies are bounded and garbage gets a clear 4xx; HTTPS with web.tls.
import test from 'node:test';
import assert from 'node:assert/strict';
import { startSite, makeTempDir } from '../helpers/daemon.js';
import { queryControl } from '../../daemon/control/server.js';
import { controlSocketPath } from '../../daemon/control/server.js';
import { makePki } from '../helpers/certs.js';
import { req } from '../helpers/web.js';
import { rmSync } from 'node:fs';

const WEB = { listen: { host: '127.0.0.1', port: 0 } };
const USERS = [{ name: 'installer', password: 'web-secret-pw' }];
const base = (site: { daemon: { web?: { port: number } } }) => `http://127.0.0.1:${site.daemon.web!.port}`;
const b64 = (s: string) => Buffer.from(s).toString('base64');

test('GET /api/status returns what status --json prints; the page and its files are served with a strict CSP', async (t) => {
  const site = await startSite({ logLevel: 'warn', overrides: { web: WEB } });
  t.after(() => site.stop());
  const url = base(site);
  // Both are built by the same function at different instants: compare once two readings agree on the clock-driven parts.
  let api: any, status: any;
  for (let i = 0; i < 5; i++) {
    [status, api] = [await queryControl(controlSocketPath(site.dbPath), 'status'), (await req(`${url}/api/status`)).json];
    delete api.uptimeS;
    delete status.uptimeS;
    if (JSON.stringify(api) === JSON.stringify(status)) break;
  }
  assert.deepEqual(api, status);
  assert.equal(api.site, 'test-site');
  assert.deepEqual(api.chargers.map((c: any) => c.id), ['CP-1', 'CP-2']);
  assert.ok(Array.isArray(api.events));
  for (const [path, type] of [['/', 'text/html'], ['/style.css', 'text/css'], ['/app.js', 'text/javascript']]) {
    const r = await req(url + path);
    assert.equal(r.status, 200, path);
    assert.match(String(r.headers['content-type']), new RegExp(type));
    assert.match(String(r.headers['content-security-policy']), /default-src 'self'/);
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
    const again = await req(url + path, { headers: { 'if-none-match': String(r.headers.etag) } });
    assert.equal(again.status, 304, `${path} revalidates by ETag`);
  }
  assert.doesNotMatch((await req(url + '/')).text, /https?:\/\/(?!127)/, 'the page loads nothing from elsewhere');
  assert.equal((await req(`${url}/nope`)).status, 404);
  assert.equal((await req(`${url}/api/nope`)).status, 404);
  assert.equal((await req(`${url}/../../etc/passwd`)).status, 404);
  assert.equal((await req(`${url}/app.js`, { method: 'POST' })).status, 405);
});

test('without users: only localhost names are answered (DNS rebinding), actions need the page token', async (t) => {
  let probed = '';
  const site = await startSite({ logLevel: 'warn', overrides: { web: WEB }, deps: { probeCharger: async (id) => ((probed = id), { ok: true, tried: [{ form: 'TxDefaultProfile', unit: 'A', accepted: true }] }) } });
  t.after(() => site.stop());
  const url = base(site);
  const rebound = await req(`${url}/api/status`, { headers: { host: `evil.example:${site.daemon.web!.port}` } });
  assert.equal(rebound.status, 403);
  assert.match(rebound.json.error, /localhost/);
  assert.equal((await req(`${url}/api/status`, { headers: { host: `localhost:${site.daemon.web!.port}` } })).status, 200);
  const session = (await req(`${url}/api/session`)).json;
  assert.equal(session.loginRequired, false);
  assert.ok(session.csrf.length > 20);
  assert.equal((await req(`${url}/api/probe/meter`, { method: 'POST' })).status, 403, 'no token');
  const meter = await req(`${url}/api/probe/meter`, { method: 'POST', headers: { 'x-csrf-token': session.csrf } });
  assert.equal(meter.status, 200);
  assert.deepEqual(meter.json, { ok: false, error: 'no meter in the config: the balancer uses a static budget' });
  const modem = await req(`${url}/api/probe/modem`, { method: 'POST', headers: { 'x-csrf-token': session.csrf } });
  assert.deepEqual(modem.json, { ok: false, error: 'no health.modem in the config' });
  const cp = await req(`${url}/api/probe/charger/CP%2F1`, { method: 'POST', headers: { 'x-csrf-token': session.csrf } });
  assert.equal(cp.status, 200);
  assert.equal(probed, 'CP/1', 'the id is percent-decoded');
  assert.equal(cp.json.tried[0].accepted, true);
  const cross = await req(`${url}/api/probe/meter`, { method: 'POST', headers: { 'x-csrf-token': session.csrf, origin: 'http://evil.example' } });
  assert.equal(cross.status, 403);
  assert.equal((await req(`${url}/api/probe/charger/%E0%A4%A`, { method: 'POST', headers: { 'x-csrf-token': session.csrf } })).status, 400);
  assert.equal((await req(`${url}/api/probe/nothing`, { method: 'POST', headers: { 'x-csrf-token': session.csrf } })).status, 404);
  assert.equal((await req(`${url}/api/probe/meter`)).status, 405);
});

test('with users: login (cookie) or Basic for every API route; failed logins limited; CSRF and bounded bodies', async (t) => {
  const site = await startSite({ logLevel: 'warn', overrides: { web: { ...WEB, users: USERS, sessionTtlS: 600 } } });
  t.after(() => site.stop());
  const url = base(site);
  assert.equal((await req(`${url}/`)).status, 200, 'the page itself holds no data');
  for (const path of ['/api/status', '/api/events']) assert.equal((await req(url + path)).status, 401, path);
  assert.equal((await req(`${url}/api/probe/meter`, { method: 'POST' })).status, 401);
  assert.deepEqual((await req(`${url}/api/session`)).json, { loginRequired: true, user: null, csrf: null });
  const post = (body: string | Buffer, headers: Record<string, string> = {}) => req(`${url}/api/login`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

  // Garbage in, clear answers out.
  assert.equal((await post('{not json')).status, 400);
  assert.equal((await post('[1,2]')).json.error, 'body must be a JSON object');
  assert.equal((await post(Buffer.alloc(100_000, 'a'))).status, 413);
  assert.equal((await post(JSON.stringify({ name: 'installer', password: 'web-secret-pw' }), { origin: 'http://evil.example' })).status, 403);

  // Good login: HttpOnly, SameSite=Strict session cookie with an expiry; no Secure without TLS.
  const ok = await post(JSON.stringify({ name: 'installer', password: 'web-secret-pw' }));
  assert.equal(ok.status, 200);
  const cookie = String(ok.headers['set-cookie']);
  assert.match(cookie, /^sc_session=[A-Za-z0-9_-]{20,}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=600$/);
  const jar = { cookie: cookie.split(';')[0]! };
  const status = await req(`${url}/api/status`, { headers: jar });
  assert.equal(status.status, 200);
  assert.equal(status.json.site, 'test-site');
  const session = (await req(`${url}/api/session`, { headers: jar })).json;
  assert.equal(session.user, 'installer');
  assert.equal(session.csrf, ok.json.csrf);
  assert.equal((await req(`${url}/api/probe/meter`, { method: 'POST', headers: jar })).status, 403, 'no CSRF token');
  assert.equal((await req(`${url}/api/probe/meter`, { method: 'POST', headers: { ...jar, 'x-csrf-token': 'forged' } })).status, 403);
  assert.equal((await req(`${url}/api/probe/meter`, { method: 'POST', headers: { ...jar, 'x-csrf-token': session.csrf } })).status, 200);
  // HTTP Basic works for scripts (no cookie, no CSRF token needed).
  assert.equal((await req(`${url}/api/status`, { headers: { authorization: `Basic ${b64('installer:web-secret-pw')}` } })).status, 200);
  assert.equal((await req(`${url}/api/status`, { headers: { authorization: `Basic ${b64('installer:nope')}` } })).status, 401);
  // Logout ends the session.
  await req(`${url}/api/logout`, { method: 'POST', headers: jar });
  assert.equal((await req(`${url}/api/status`, { headers: jar })).status, 401);

  // Wrong passwords: 401 each, then 429 with Retry-After for this address (the Basic failure above counts too).
  const codes: number[] = [];
  for (let i = 0; i < 5; i++) codes.push((await post(JSON.stringify({ name: 'installer', password: `guess-${i}` }))).status);
  assert.deepEqual(codes, [401, 401, 401, 401, 429]);
  const blocked = await post(JSON.stringify({ name: 'installer', password: 'web-secret-pw' }));
  assert.equal(blocked.status, 429, 'even the right password waits out the block');
  assert.ok(Number(blocked.headers['retry-after']) > 0);
  assert.ok(site.logs.some((l) => /web login failed/.test(l)), 'failed logins are logged');
  assert.ok(!site.logs.some((l) => l.includes('web-secret-pw') || l.includes('guess-')), 'no password in the log');
});

test('web.tls: HTTPS, and the session cookie is Secure', async (t) => {
  const dir = makeTempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const pki = makePki(dir);
  const site = await startSite({ logLevel: 'warn', overrides: { web: { ...WEB, users: USERS, tls: { cert: pki.serverCert, key: pki.serverKey } } } });
  t.after(() => site.stop());
  const url = `https://localhost:${site.daemon.web!.port}`;
  const { readFileSync } = await import('node:fs');
  const ca = readFileSync(pki.caCert, 'utf8');
  const ok = await req(`${url}/api/login`, { method: 'POST', ca, body: JSON.stringify({ name: 'installer', password: 'web-secret-pw' }) });
  assert.equal(ok.status, 200);
  assert.match(String(ok.headers['set-cookie']), /; Secure$/);
  const plain = await req(`http://127.0.0.1:${site.daemon.web!.port}/`).catch((e: Error) => e);
  assert.ok(plain instanceof Error || plain.status >= 400, 'plain HTTP is not served on the TLS port');
});

test('a login survives a daemon restart; a changed password ends it', async (t) => {
  const dir = makeTempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const web = (password: string) => ({ web: { ...WEB, users: [{ name: 'installer', password }] } });
  let site = await startSite({ dir, logLevel: 'warn', overrides: web('web-secret-pw') });
  let current = site;
  t.after(() => current.stop());
  const ok = await req(`${base(site)}/api/login`, { method: 'POST', body: JSON.stringify({ name: 'installer', password: 'web-secret-pw' }) });
  const jar = { cookie: String(ok.headers['set-cookie']).split(';')[0]! };
  await site.stop();
  site = current = await startSite({ dir, logLevel: 'warn', overrides: web('web-secret-pw') });
  assert.equal((await req(`${base(site)}/api/status`, { headers: jar })).status, 200, 'same users: still logged in');
  assert.equal((await req(`${base(site)}/api/session`, { headers: jar })).json.csrf, ok.json.csrf, 'same CSRF token');
  await site.stop();
  site = current = await startSite({ dir, logLevel: 'warn', overrides: web('a-new-password') });
  assert.equal((await req(`${base(site)}/api/status`, { headers: jar })).status, 401, 'password changed: logged out');
});

test('site-controller check refuses a page beyond loopback without users, and accepts it with users', async (t) => {
  const { spawnSync } = await import('node:child_process');
  const { writeFileSync } = await import('node:fs');
  const { fileURLToPath } = await import('node:url');
  const cli = fileURLToPath(new URL('../../daemon/cli.js', import.meta.url));
  const dir = makeTempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const check = (web: string) => {
    const file = `${dir}/c.yaml`;
    writeFileSync(file, `site: { id: s }\nlocal: { allowUnknownChargers: true }\nstore: { path: ${dir}/x.db }\n${web}\n`, { mode: 0o600 });
    return spawnSync(process.execPath, [cli, 'check', '-c', file], { encoding: 'utf8', timeout: 30_000 });
  };
  const open = check('web: { listen: { host: 0.0.0.0, port: 8080 } }');
  assert.equal(open.status, 1);
  assert.match(open.stdout, /^web\.users: is required when web\.listen\.host is not a loopback address \(0\.0\.0\.0\)/m);
  assert.equal(check('web: { listen: { host: 0.0.0.0, port: 8080 }, users: [ { name: installer, password: { env: WEB_PW } } ] }').status, 1, 'the env secret is unset: still a problem');
  const ok = check('web: { listen: { host: 0.0.0.0, port: 8080 }, users: [ { name: installer, password: pw-0123456789 } ] }');
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  assert.equal(check('web: { listen: { host: 127.0.0.1, port: 8080 } }').status, 0, 'loopback without users is fine');
});
