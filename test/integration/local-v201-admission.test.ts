// The 1.6 matrix of admission and hostile input (local-auth.test.ts, local-bad-input.test.ts),
// run again with chargers that speak OCPP 2.0.1: admission happens at the upgrade, before
// any version is spoken, and the RPC guards sit below the dialect, so a 2.0.1 charger must
// meet the same doors and the same limits as a 1.6 one.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { startSite, makeTempDir, type TestSite } from '../helpers/daemon.js';
import { connectRaw, type RawClient } from '../helpers/raw-client.js';
import { answer201, DEVICE_MODEL } from '../helpers/v201-client.js';
import { makePki } from '../helpers/certs.js';
import { within } from '../helpers/until.js';

const T0 = '2026-11-21T10:00:00.000Z';
const V201 = ['ocpp2.0.1'];

/** HTTP status of a refused upgrade, or 'open' (then closed again). */
async function status(p: Promise<RawClient>): Promise<number | 'open'> {
  try {
    const c = await p;
    await c.close();
    return 'open';
  } catch (err) {
    return (err as { statusCode?: number }).statusCode ?? -1;
  }
}

/** A 2.0.1 client that answers the site's post-boot GetVariables/SetVariables like a simple station. */
function connect201(url: string, opts: Parameters<typeof connectRaw>[1] = {}): Promise<RawClient> {
  return within(connectRaw(url, { protocols: V201, answer: answer201({ ...DEVICE_MODEL }), ...opts }), `a 2.0.1 WebSocket to ${url}`, 10_000);
}

async function booted(cp: RawClient): Promise<void> {
  assert.equal(cp.ws.protocol, 'ocpp2.0.1');
  const boot = await within(cp.call('BootNotification', { reason: 'PowerUp', chargingStation: { vendorName: 'ACME', model: 'W2' } }), 'the 2.0.1 BootNotification answer', 5000);
  assert.equal(boot[0], 3, JSON.stringify(boot));
  assert.equal(boot[2].status, 'Accepted');
}

const heartbeat = async (cp: RawClient, who: string) => (await within(cp.call('Heartbeat', {}), `a Heartbeat answer for ${who}`, 5000))[0];

function count(site: TestSite, table: 'transaction_messages' | 'transactions'): number {
  const db = new Database(site.dbPath, { readonly: true });
  try {
    return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

function journalActions(site: TestSite): string[] {
  const db = new Database(site.dbPath, { readonly: true });
  try {
    return (db.prepare('SELECT action FROM transaction_messages ORDER BY seq').all() as Array<{ action: string }>).map((r) => r.action);
  } finally {
    db.close();
  }
}

test('2.0.1, security profile 1: unknown id → 404, wrong or missing password → 401, right one opens and speaks 2.0.1', async (t) => {
  const site = await startSite();
  t.after(() => site.stop());
  assert.equal(await status(connect201(`${site.url}/NOPE`, { auth: 'NOPE:x' })), 404);
  assert.equal(await status(connect201(`${site.url}/CP-1`, { auth: 'CP-1:wrong' })), 401);
  assert.equal(await status(connect201(`${site.url}/CP-1`)), 401);
  assert.equal(await status(connect201(`${site.url}/CP-1`, { auth: 'CP-2:secret-2' })), 401);
  assert.equal(await status(connect201(`${site.url}/CP-1/extra`, { auth: 'CP-1:secret-1' })), 404);
  const cp = await connect201(`${site.url}/CP-1`, { auth: 'CP-1:secret-1' });
  t.after(() => cp.close());
  await booted(cp);
  assert.equal(site.daemon.registry.get('CP-1')?.protocol, 'ocpp2.0.1');
  // The refusals are recorded like a 1.6 charger's: why, in status and the log.
  assert.equal(site.daemon.registry.lastRefusal('CP-1')?.reason, 'password');
  assert.ok(site.logs.some((l) => l.includes('refused: unknown charger') && l.includes('charger=NOPE')));
});

test('2.0.1, security profiles 2 and 3: TLS, then client certificates checked against the CA and the identity', async (t) => {
  const dir = makeTempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const pki = makePki(dir);
  const ca = readFileSync(pki.caCert);

  const tlsSite = await startSite({ overrides: { local: { tls: { cert: pki.serverCert, key: pki.serverKey } } } });
  try {
    assert.match(tlsSite.url, /^wss:/);
    const cp = await connect201(`${tlsSite.url}/CP-1`, { auth: 'CP-1:secret-1', wsOptions: { ca } });
    await booted(cp);
    await cp.close();
    await assert.rejects(connectRaw(`${tlsSite.url}/CP-1`, { protocols: V201, auth: 'CP-1:secret-1' }), /self-signed|unable to verify|certificate/i);
    // TLS does not stand in for the password (profile 2 is TLS + Basic).
    assert.equal(await status(connect201(`${tlsSite.url}/CP-1`, { auth: 'CP-1:wrong', wsOptions: { ca } })), 401);
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
  const withCert = (c: { cert: string; key: string }) => ({ ca, cert: readFileSync(c.cert), key: readFileSync(c.key) });
  const good = await connect201(`${mtls.url}/CP-1`, { wsOptions: withCert(own) });
  await booted(good);
  await good.close();
  // Right CA, but the certificate belongs to another charger.
  assert.equal(await status(connect201(`${mtls.url}/CP-2`, { wsOptions: withCert(own) })), 401);
  // No certificate, or one from a stranger CA: refused in the TLS handshake.
  await assert.rejects(connectRaw(`${mtls.url}/CP-1`, { protocols: V201, wsOptions: { ca } }));
  await assert.rejects(connectRaw(`${mtls.url}/CP-1`, { protocols: V201, wsOptions: withCert(pki.client('CP-1', { foreign: true })) }));
});

async function twoChargers(t: test.TestContext, overrides = {}): Promise<{ site: TestSite; bad: RawClient; good: RawClient }> {
  const site = await startSite({ overrides });
  t.after(() => site.stop());
  const bad = await connect201(`${site.url}/CP-1`, { auth: 'CP-1:secret-1' });
  const good = await connect201(`${site.url}/CP-2`, { auth: 'CP-2:secret-2' });
  t.after(() => Promise.all([bad.close(), good.close()]));
  await booted(bad);
  await booted(good);
  return { site, bad, good };
}

test('2.0.1: a duplicate message id while the first is in progress is refused; the transaction is stored once', async (t) => {
  const { site, bad } = await twoChargers(t);
  const started = {
    eventType: 'Started', timestamp: T0, triggerReason: 'Authorized', seqNo: 0,
    transactionInfo: { transactionId: 'dup-tx' }, idToken: { idToken: 'T', type: 'ISO14443' }, evse: { id: 1, connectorId: 1 },
    meterValue: [{ timestamp: T0, sampledValue: [{ value: 0, measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'Wh' } }] }],
  };
  // Both frames in one write: the second arrives while the first is still being committed.
  bad.ws.send(JSON.stringify([2, 'dup', 'TransactionEvent', started]));
  bad.ws.send(JSON.stringify([2, 'dup', 'TransactionEvent', started]));
  // (The daemon's own CALLs, such as the balancer's first limit for the new session, may come in between.)
  const replies = await within(bad.answersTo('dup', 2), 'the two answers to id dup', 5000);
  assert.deepEqual(replies.map((r) => r[0]).sort(), [3, 4]);
  const err = replies.find((r) => r[0] === 4)!;
  assert.equal(err[2], 'ProtocolError');
  assert.match(err[3], /duplicate/);
  assert.equal(count(site, 'transactions'), 1);
  // What one Started makes in the journal (its start, and its Transaction.Begin sample), once.
  assert.deepEqual(journalActions(site), ['StartTransaction', 'MeterValues']);
});

test('2.0.1: a frame over the size limit closes that connection with 1009; others go on', async (t) => {
  const { site, bad, good } = await twoChargers(t);
  bad.send(JSON.stringify([2, 'big', 'DataTransfer', { vendorId: 'x', data: 'A'.repeat(10 * 1024 * 1024) }]));
  const closed = await within(bad.closed, 'the close of the connection that sent 10 MiB', 10_000);
  assert.equal(closed.code, 1009);
  assert.equal(await heartbeat(good, 'the other 2.0.1 charger'), 3);
  assert.equal(count(site, 'transaction_messages'), 0);
});

test('2.0.1: a flood of garbage closes only that connection, after maxBadFrames', async (t) => {
  const { site, bad, good } = await twoChargers(t, { local: { maxBadFrames: 5 } });
  for (let i = 0; i < 50 && bad.ws.readyState === bad.ws.OPEN; i++) bad.send(`garbage ${i}`);
  const closed = await within(bad.closed, 'the close of the connection that sent garbage', 10_000);
  assert.equal(closed.code, 1008);
  assert.equal(closed.reason, 'too many bad frames');
  assert.equal(await heartbeat(good, 'the other 2.0.1 charger'), 3);
  assert.equal(site.daemon.registry.get('CP-2')?.rpc.isOpen, true);
  assert.equal(site.daemon.registry.get('CP-1'), undefined);
});
