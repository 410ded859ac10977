// TLS policy, checked from outside with `openssl s_client`: TLS 1.2+ and AEAD suites
// only, the OCPP 1.6 security whitepaper's four suites offered (RSA ones with an RSA
// certificate, ECDSA ones with an ECDSA certificate), and `ciphers` keys honoured.
// The upstream client is checked against servers offering one suite each.
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:https';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { WebSocketServer } from 'ws';
import { startSite, makeTempDir, type TestSite } from '../helpers/daemon.js';
import { makePki } from '../helpers/certs.js';
import { openLink, LinkError } from '../../daemon/upstream/link.js';

const run = promisify(execFile);

/** Makes a self-signed RSA certificate for 127.0.0.1 (the helper's PKI is ECDSA). */
async function rsaCert(dir: string): Promise<{ cert: string; key: string }> {
  const cert = join(dir, 'rsa.pem');
  const key = join(dir, 'rsa.key');
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1'], { timeout: 30_000 });
  return { cert, key };
}

/**
 * Connects with openssl s_client offering one TLS 1.2 suite (or the given protocol);
 * returns the suite agreed on, or null when the handshake failed. SECLEVEL=0 so that
 * only the server can be the one saying no. Asynchronous: the server runs in this process.
 */
async function handshake(port: number, opts: { cipher?: string; protocol?: string }): Promise<string | null> {
  const args = ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', opts.protocol ?? '-tls1_2'];
  if (opts.cipher) args.push('-cipher', `${opts.cipher}@SECLEVEL=0`);
  else args.push('-cipher', 'ALL@SECLEVEL=0');
  try {
    const child = run('openssl', args, { timeout: 15_000 });
    child.child.stdin?.end();
    const { stdout } = await child;
    return /Cipher is (\S+)/.exec(stdout)?.[1] ?? /Cipher\s*:\s*(\S+)/.exec(stdout)?.[1] ?? null;
  } catch (err) {
    const e = err as { killed?: boolean; stdout?: string };
    if (e.killed) throw new Error(`openssl s_client to port ${port} did not finish within 15 s`);
    return null;
  }
}

async function tlsSite(t: test.TestContext, tls: Record<string, unknown>): Promise<TestSite> {
  const site = await startSite({ overrides: { local: { tls } }, logLevel: 'warn' });
  t.after(() => site.stop());
  return site;
}

const WEAK = ['AES128-SHA', 'AES256-SHA', 'AES128-SHA256', 'ECDHE-RSA-AES128-SHA', 'ECDHE-RSA-AES256-SHA384', 'DHE-RSA-AES128-SHA'];

test('local CSMS, RSA certificate: the RSA GCM suites and ECDHE-RSA GCM/CHACHA20 are offered; CBC/SHA suites and TLS 1.1 refused', async (t) => {
  const dir = makeTempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { port } = (await tlsSite(t, await rsaCert(dir))).daemon.local;
  for (const cipher of ['AES128-GCM-SHA256', 'AES256-GCM-SHA384', 'ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE-RSA-CHACHA20-POLY1305']) {
    assert.equal(await handshake(port, { cipher }), cipher, `${cipher} must be accepted`);
  }
  for (const cipher of WEAK) assert.equal(await handshake(port, { cipher }), null, `${cipher} must be refused`);
  assert.equal(await handshake(port, { protocol: '-tls1_1' }), null, 'TLS 1.1 must be refused');
  assert.match((await handshake(port, { protocol: '-tls1_3' })) ?? '', /^TLS_/, 'TLS 1.3 works');
});

test('local CSMS, ECDSA certificate: the whitepaper\'s two ECDHE-ECDSA GCM suites are offered; ECDSA CBC suites refused', async (t) => {
  const dir = makeTempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const pki = makePki(dir);
  const { port } = (await tlsSite(t, { cert: pki.serverCert, key: pki.serverKey })).daemon.local;
  for (const cipher of ['ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-ECDSA-CHACHA20-POLY1305']) {
    assert.equal(await handshake(port, { cipher }), cipher, `${cipher} must be accepted`);
  }
  for (const cipher of ['ECDHE-ECDSA-AES128-SHA', 'ECDHE-ECDSA-AES256-SHA', 'ECDHE-ECDSA-AES128-SHA256']) {
    assert.equal(await handshake(port, { cipher }), null, `${cipher} must be refused`);
  }
});

test('local.tls.ciphers replaces the list for a site that must differ', async (t) => {
  const dir = makeTempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { port } = (await tlsSite(t, { ...(await rsaCert(dir)), ciphers: 'ECDHE-RSA-AES256-GCM-SHA384' })).daemon.local;
  assert.equal(await handshake(port, { cipher: 'ECDHE-RSA-AES256-GCM-SHA384' }), 'ECDHE-RSA-AES256-GCM-SHA384');
  assert.equal(await handshake(port, { cipher: 'AES128-GCM-SHA256' }), null);
});

/** A wss server offering exactly one TLS 1.2 suite, speaking ocpp1.6 once upgraded. */
async function oneSuiteCloud(t: test.TestContext, cert: { cert: string; key: string }, ciphers: string): Promise<string> {
  const server = createServer({ cert: readFileSync(cert.cert), key: readFileSync(cert.key), ciphers, maxVersion: 'TLSv1.2' });
  const wss = new WebSocketServer({ server, handleProtocols: (p) => (p.has('ocpp1.6') ? 'ocpp1.6' : false) });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    for (const c of wss.clients) c.terminate();
    wss.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return `wss://127.0.0.1:${(server.address() as { port: number }).port}/ocpp`;
}

test('upstream client: refuses a cloud that offers only a CBC suite, connects over GCM; upstream.ciphers is honoured', async (t) => {
  const dir = makeTempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const cert = await rsaCert(dir);
  const settings = (url: string, ciphers?: string) => ({
    url, identity: 'SITE-1', ca: cert.cert, protocol: 'ocpp1.6', handshakeTimeoutMs: 5000, maxPayload: 65536, ciphers,
  });

  const weak = await oneSuiteCloud(t, cert, 'AES128-SHA');
  const err = await openLink(settings(weak)).then(() => null, (e) => e);
  assert.ok(err instanceof LinkError, `expected a LinkError, got ${err}`);
  assert.equal(err.phase, 'tls');

  const good = await oneSuiteCloud(t, cert, 'ECDHE-RSA-AES128-GCM-SHA256');
  const link = await openLink(settings(good));
  link.ws.terminate();

  const refusedByKey = await openLink(settings(good, 'ECDHE-RSA-AES256-GCM-SHA384')).then(() => null, (e) => e);
  assert.equal(refusedByKey?.phase, 'tls', 'a site list without the only suite the cloud has fails in TLS');
});
