// Connection diagnostics: each failed attempt names the phase it ended in (DNS,
// TCP, TLS, upgrade, boot) with the error a technician needs; a good attempt
// records how long each phase took. Shown by status and kept in the store.
import test from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { CloudSim } from '../../scripts/sim/cloud-sim.js';
import { startSite, makeTempDir } from '../helpers/daemon.js';
import { makePki } from '../helpers/certs.js';
import { upstreamSection, IDENTITY } from '../helpers/upstream-site.js';

/** Starts a site whose upstream points at url and waits for its first recorded attempt. */
async function firstAttempt(t: test.TestContext, url: string, extra: Record<string, unknown> = {}) {
  const site = await startSite({ overrides: { upstream: upstreamSection(url, extra) } });
  t.after(() => site.stop());
  const service = site.daemon.upstream!.service;
  while (service.diagnostics(1).length === 0) await once(service, 'state');
  return { site, attempt: service.diagnostics(1)[0], service };
}

test('DNS failure: phase dns, host not found', async (t) => {
  const { attempt } = await firstAttempt(t, 'ws://no-such-host.invalid/ocpp');
  assert.equal(attempt.outcome, 'failed');
  assert.equal(attempt.phase, 'dns');
  // The host is named, and the phase is not repeated in the message (status printed `dns: DNS: ...`).
  assert.match(attempt.error!, /no-such-host\.invalid/);
  assert.doesNotMatch(attempt.error!, /^dns:/i);
});

test('nothing listening: phase tcp, connection refused', async (t) => {
  const srv = createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  const { attempt } = await firstAttempt(t, `ws://127.0.0.1:${port}/ocpp`);
  assert.equal(attempt.phase, 'tcp');
  assert.equal(attempt.error, 'connection refused');
  assert.equal(attempt.dnsMs, 0);
});

test('HTTP 401 / 503 at the upgrade and a rejected boot are told apart', async (t) => {
  const cloud = new CloudSim({ identities: { [IDENTITY]: 'other-password' } });
  await cloud.start();
  t.after(() => cloud.stop());
  const { attempt } = await firstAttempt(t, cloud.url);
  assert.equal(attempt.phase, 'upgrade');
  assert.match(attempt.error!, /HTTP 401/);
  assert.ok(attempt.tcpMs !== undefined && attempt.tcpMs >= 0);

  const busy = new CloudSim();
  await busy.start();
  t.after(() => busy.stop());
  busy.setUpgradeStatus(503);
  assert.match((await firstAttempt(t, busy.url)).attempt.error!, /HTTP 503/);

  const rejecting = new CloudSim({ bootStatus: 'Rejected' });
  await rejecting.start();
  t.after(() => rejecting.stop());
  const r = await firstAttempt(t, rejecting.url);
  assert.equal(r.attempt.phase, 'boot');
  assert.match(r.attempt.error!, /Rejected/);
});

test('TLS: an untrusted certificate fails in phase tls; the right CA connects and records every phase', async (t) => {
  const dir = makeTempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const pki = makePki(dir);
  const cloud = new CloudSim({ tls: { cert: readFileSync(pki.serverCert), key: readFileSync(pki.serverKey) } });
  await cloud.start();
  t.after(() => cloud.stop());
  const url = cloud.url.replace(/^ws:/, 'wss:');
  const bad = await firstAttempt(t, url);
  assert.equal(bad.attempt.phase, 'tls');
  assert.match(bad.attempt.error!, /certificate|self.signed|verify/i);

  const good = await firstAttempt(t, url, { ca: pki.caCert });
  assert.equal(good.attempt.outcome, 'connected');
  for (const k of ['tcpMs', 'tlsMs', 'upgradeMs', 'bootMs'] as const) assert.ok(typeof good.attempt[k] === 'number', `${k} recorded`);
  assert.equal(good.service.state().state, 'online');
  const snap = good.site.daemon.snapshot() as any;
  assert.equal(snap.upstream.attempts[0].outcome, 'connected');
});
