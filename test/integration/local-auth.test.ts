// Admission at the WebSocket upgrade: identity, HTTP Basic (security profile 1),
// TLS (profile 2) and client certificates (profile 3), and the subprotocol.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { startSite, makeTempDir } from '../helpers/daemon.js';
import { connectRaw } from '../helpers/raw-client.js';
import { makePki } from '../helpers/certs.js';

async function status(p: Promise<unknown>): Promise<number | 'open'> {
  try {
    const c = (await p) as { close(): Promise<void> };
    await c.close();
    return 'open';
  } catch (err) {
    return (err as { statusCode?: number }).statusCode ?? -1;
  }
}

test('security profile 1: unknown id → 404, wrong or missing password → 401, right one opens', async (t) => {
  const site = await startSite();
  t.after(() => site.stop());
  assert.equal(await status(connectRaw(`${site.url}/NOPE`, { auth: 'NOPE:x' })), 404);
  assert.equal(await status(connectRaw(`${site.url}/CP-1`, { auth: 'CP-1:wrong' })), 401);
  assert.equal(await status(connectRaw(`${site.url}/CP-1`)), 401);
  assert.equal(await status(connectRaw(`${site.url}/CP-1`, { auth: 'CP-2:secret-1' })), 401);
  assert.equal(await status(connectRaw(`${site.url.replace('/ocpp', '/other')}/CP-1`, { auth: 'CP-1:secret-1' })), 404);
  assert.equal(await status(connectRaw(`${site.url}/CP-1/extra`, { auth: 'CP-1:secret-1' })), 404);
  assert.equal(await status(connectRaw(`${site.url}/CP-1`, { auth: 'CP-1:secret-1' })), 'open');
  assert.ok(site.logs.some((l) => l.includes('refused: unknown charger') && l.includes('charger=NOPE')));
});

test('allowUnknownChargers admits an unlisted charger', async (t) => {
  const site = await startSite({ overrides: { local: { allowUnknownChargers: true } } });
  t.after(() => site.stop());
  const cp = await connectRaw(`${site.url}/NEW-1`);
  t.after(() => cp.close());
  assert.equal((await cp.call('Heartbeat', {}))[0], 3);
  // Listed chargers still need their password.
  assert.equal(await status(connectRaw(`${site.url}/CP-1`, { auth: 'CP-1:wrong' })), 401);
});

test('no subprotocol in common: the connection is closed after the handshake with a reason', async (t) => {
  const site = await startSite();
  t.after(() => site.stop());
  // A charger that offers none gets the handshake, then a close that says what we speak.
  const cp = await connectRaw(`${site.url}/CP-1`, { auth: 'CP-1:secret-1', protocols: [] });
  const closed = await cp.closed;
  assert.equal(closed.code, 1002);
  assert.match(closed.reason, /ocpp1\.6/);
  // One that offers only versions we lack sees no subprotocol selected and gives up itself.
  await assert.rejects(connectRaw(`${site.url}/CP-1`, { auth: 'CP-1:secret-1', protocols: ['ocpp2.1'] }), /no subprotocol/);
  assert.ok(site.logs.some((l) => l.includes('no OCPP subprotocol in common')));
});

test('security profiles 2 and 3: TLS, then client certificates checked against the CA and the identity', async (t) => {
  const dir = makeTempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const pki = makePki(dir);
  const ca = readFileSync(pki.caCert);

  const tlsSite = await startSite({ overrides: { local: { tls: { cert: pki.serverCert, key: pki.serverKey } } } });
  try {
    assert.match(tlsSite.url, /^wss:/);
    const cp = await connectRaw(`${tlsSite.url}/CP-1`, { auth: 'CP-1:secret-1', wsOptions: { ca } });
    assert.equal((await cp.call('Heartbeat', {}))[0], 3);
    await cp.close();
    // A client that does not trust the site's certificate cannot connect.
    await assert.rejects(connectRaw(`${tlsSite.url}/CP-1`, { auth: 'CP-1:secret-1' }), /self-signed|unable to verify|certificate/i);
  } finally {
    await tlsSite.stop();
  }

  const mtls = await startSite({
    overrides: {
      local: { tls: { cert: pki.serverCert, key: pki.serverKey, ca: pki.caCert, requireClientCert: true } },
      chargers: [{ id: 'CP-1', connectors: 1 }, { id: 'CP-2', connectors: 1 }],
    },
  });
  t.after(() => mtls.stop());
  const own = pki.client('CP-1');
  const good = await connectRaw(`${mtls.url}/CP-1`, { wsOptions: { ca, cert: readFileSync(own.cert), key: readFileSync(own.key) } });
  assert.equal((await good.call('Heartbeat', {}))[0], 3);
  await good.close();
  // Right CA, but the certificate belongs to another charger.
  assert.equal(await status(connectRaw(`${mtls.url}/CP-2`, { wsOptions: { ca, cert: readFileSync(own.cert), key: readFileSync(own.key) } })), 401);
  // No certificate, or one from a stranger CA: refused in the TLS handshake.
  await assert.rejects(connectRaw(`${mtls.url}/CP-1`, { wsOptions: { ca } }));
  const foreign = pki.client('CP-1', { foreign: true });
  await assert.rejects(connectRaw(`${mtls.url}/CP-1`, { wsOptions: { ca, cert: readFileSync(foreign.cert), key: readFileSync(foreign.key) } }));
});
