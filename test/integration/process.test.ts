// The daemon as a real process: kill -9 right after a charger got its
// StartTransaction answer loses nothing; SIGTERM shuts down cleanly with exit 0.
import test from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { makeTempDir, testConfigObject, writeConfig } from '../helpers/daemon.js';
import { connectRaw } from '../helpers/raw-client.js';
import { spawnDaemon, CLI } from '../helpers/child.js';
import { spawnSync } from 'node:child_process';

test('kill -9 right after a StartTransaction answer: after restart the transaction is there and its stop matches', async (t) => {
  const dir = makeTempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const config = writeConfig(dir, testConfigObject(dir, { log: { level: 'info' } }));

  const first = await spawnDaemon(config);
  t.after(() => first.kill('SIGKILL'));
  const cp = await connectRaw(`ws://127.0.0.1:${first.port}/ocpp/CP-1`, { auth: 'CP-1:secret-1' });
  const start = await cp.call('StartTransaction', { connectorId: 1, idTag: 'TAG', meterStart: 100, timestamp: '2026-11-21T10:00:00.000Z' });
  first.proc.kill('SIGKILL');
  const died = await first.exited;
  assert.equal(died.signal, 'SIGKILL');
  await cp.closed;
  const txId = start[2].transactionId;

  const second = await spawnDaemon(config);
  t.after(() => second.kill('SIGKILL'));
  const again = await connectRaw(`ws://127.0.0.1:${second.port}/ocpp/CP-1`, { auth: 'CP-1:secret-1' });
  const stop = await again.call('StopTransaction', { transactionId: txId, meterStop: 900, timestamp: '2026-11-21T11:00:00.000Z' });
  assert.equal(stop[0], 3);
  // A new transaction after the crash gets a fresh id.
  const next = await again.call('StartTransaction', { connectorId: 2, idTag: 'TAG', meterStart: 0, timestamp: '2026-11-21T11:01:00.000Z' });
  assert.ok(next[2].transactionId > txId);
  await again.close();
  const exit = await second.kill('SIGTERM');
  assert.equal(exit.code, 0);

  const db = new Database(`${dir}/site.db`, { readonly: true });
  t.after(() => db.close());
  const tx = db.prepare('SELECT meter_start_wh, meter_stop_wh FROM transactions WHERE id = ?').get(txId);
  assert.deepEqual(tx, { meter_start_wh: 100, meter_stop_wh: 900 });
  const actions = db.prepare('SELECT action FROM transaction_messages WHERE transaction_id = ? ORDER BY seq').all(txId).map((r: any) => r.action);
  assert.deepEqual(actions, ['StartTransaction', 'StopTransaction']);
});

test('SIGTERM closes chargers with 1001 and exits 0', async (t) => {
  const dir = makeTempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const daemon = await spawnDaemon(writeConfig(dir, testConfigObject(dir, { log: { level: 'info' } })));
  t.after(() => daemon.kill('SIGKILL'));
  const cp = await connectRaw(`ws://127.0.0.1:${daemon.port}/ocpp/CP-1`, { auth: 'CP-1:secret-1' });
  const exit = await daemon.kill('SIGTERM');
  assert.equal(exit.code, 0);
  const closed = await cp.closed;
  assert.equal(closed.code, 1001);
  assert.match(daemon.output(), /stopped/);
});

test('site-controller status asks the running daemon over its control socket', async (t) => {
  const dir = makeTempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = writeConfig(dir, testConfigObject(dir, { log: { level: 'info' } }));
  const status = (...extra: string[]) => spawnSync(process.execPath, [CLI, 'status', '-c', file, ...extra], { encoding: 'utf8' });
  const before = status();
  assert.equal(before.status, 1);
  assert.match(before.stderr, /not running/);
  const daemon = await spawnDaemon(file);
  t.after(() => daemon.kill('SIGKILL'));
  const cp = await connectRaw(`ws://127.0.0.1:${daemon.port}/ocpp/CP-1`, { auth: 'CP-1:secret-1' });
  await cp.call('StatusNotification', { connectorId: 1, status: 'Charging', errorCode: 'NoError' });
  const json = status('--json');
  assert.equal(json.status, 0, json.stderr);
  const snap = JSON.parse(json.stdout);
  assert.equal(snap.site, 'test-site');
  const cp1 = snap.chargers.find((c: any) => c.id === 'CP-1');
  assert.equal(cp1.connected, true);
  assert.equal(cp1.connectors[0].status, 'Charging');
  assert.equal(snap.chargers.find((c: any) => c.id === 'CP-2').connected, false);
  assert.equal(snap.upstream, null);
  assert.equal(snap.balancer.source, 'static');
  const human = status();
  assert.equal(human.status, 0);
  assert.match(human.stdout, /CP-1 +connected/);
  assert.match(human.stdout, /#1 Charging/);
  assert.match(human.stdout, /upstream: none/);
  await cp.close();
});

test('a bad config makes run exit 1 with the problem named', async (t) => {
  const dir = makeTempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = writeConfig(dir, testConfigObject(dir, { local: { heartbeatIntervalS: 'often' } }));
  await assert.rejects(spawnDaemon(file), (err: Error) => {
    assert.match(err.message, /exited with 1/);
    assert.match(err.message, /local\.heartbeatIntervalS: must be integer/);
    assert.ok(err.message.includes(file));
    return true;
  });
});

test('site-controller demo runs a simulated site and stops by itself', () => {
  const r = spawnSync(process.execPath, [CLI, 'demo', '--seconds', '4', '--print'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /site-controller demo — t=4s/);
  assert.match(r.stdout, /chargers \(3\/3 connected\)/);
  // A mixed site: 1.6 and 2.0.1 chargers side by side, each shown with its version.
  assert.match(r.stdout, /CP-1 +connected OCPP 1\.6 /);
  assert.match(r.stdout, /CP-2 +connected OCPP 2\.0\.1 /);
  assert.match(r.stdout, /CP-3 +connected OCPP 2\.0\.1 /);
  assert.match(r.stdout, /upstream: ocpp1.6 online/);
  assert.match(r.stdout, /balancer: \w+ \(budget from meter\)/);
});

test('site-controller demo --cloud ocpp2.0.1: the same site behind a 2.0.1 cloud; a bad --cloud is refused', () => {
  const r = spawnSync(process.execPath, [CLI, 'demo', '--seconds', '6', '--print', '--cloud', 'ocpp2.0.1'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const last = r.stdout.slice(r.stdout.lastIndexOf('site-controller demo — t='));
  assert.match(last, /^site-controller demo — t=6s/);
  assert.match(last, /upstream: ocpp2\.0\.1 online/);
  // The session started at t=2 reached the cloud as a 2.0.1 transaction.
  assert.match(last, /cloud \(ocpp2\.0\.1\): up, [1-9]\d* transactions received/);
  const bad = spawnSync(process.execPath, [CLI, 'demo', '--cloud', 'ocpp3'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(bad.status, 2, bad.stderr);
  assert.match(bad.stderr, /--cloud needs ocpp1\.6 or ocpp2\.0\.1/);
});
