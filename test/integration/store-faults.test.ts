// A full or read-only disk: the daemon keeps running and keeps the cloud link, refuses
// transaction messages with a CALLERROR (so the charger keeps them), raises one alarm,
// and takes the messages again once the disk has room.
import test from 'node:test';
import assert from 'node:assert/strict';
import { startCloudSite, drained } from '../helpers/upstream-site.js';
import { until } from '../helpers/until.js';
import type { StoreEvent } from '../../daemon/store/store.js';

/** Collects unhandled rejections while a test runs: the daemon must not produce any. */
function watchRejections(t: test.TestContext): unknown[] {
  const seen: unknown[] = [];
  const onRejection = (reason: unknown) => seen.push(reason);
  process.on('unhandledRejection', onRejection);
  t.after(() => process.off('unhandledRejection', onRejection));
  return seen;
}

function bigMeterValues(tx: number, at: string): object {
  // ~40 KB of samples: needs new database pages, which a full disk cannot give.
  const sampledValue = Array.from({ length: 400 }, (_, i) => ({ value: String(1000 + i), measurand: 'Energy.Active.Import.Register', unit: 'Wh', context: 'Sample.Periodic', location: 'Outlet' }));
  return { connectorId: 1, transactionId: tx, meterValue: [{ timestamp: at, sampledValue }] };
}

test('disk full: transaction messages get a CALLERROR and are taken once there is room; one alarm, one all-clear', async (t) => {
  const rejections = watchRejections(t);
  const s = await startCloudSite();
  t.after(() => s.stop());
  const { store } = s.site.daemon;
  const up = s.site.daemon.upstream!.service;
  await until(() => up.online, [up, 'state']);
  const events: StoreEvent[] = [];
  store.on('event', (e) => events.push(e));
  const cp = await s.charger('CP-3');
  const tx = (await cp.startTransaction(1, 'TAG-1', 1000)).transactionId as number;

  const pages = store.db.pragma('page_count', { simple: true }) as number;
  store.db.pragma(`max_page_count = ${pages}`);
  const sample = bigMeterValues(tx, '2026-11-28T07:00:00.000Z');
  await assert.rejects(cp.call('MeterValues', sample), (err: any) => err.code === 'InternalError', 'refused with a CALLERROR');
  await assert.rejects(cp.call('MeterValues', sample), (err: any) => err.code === 'InternalError');
  assert.equal((s.site.daemon.snapshot().store as any).fault.code, 'SQLITE_FULL', 'status shows the fault while writes fail');
  assert.deepEqual(events.map((e) => [e.type, e.code]), [['alarm', 'store-write-failed']], 'one alarm, not one per failed write');
  assert.match(events[0].message, /disk is full/);
  // The cloud link drops and comes back while the disk is full: the daemon stays up.
  await s.cloud.goDown();
  await s.cloud.comeBack();
  await until(() => up.online && up.state().reconnects >= 1, [up, 'state']);

  store.db.pragma('max_page_count = 1073741823');
  assert.deepEqual(await cp.call('MeterValues', sample), {}, 'taken once there is room');
  const stored = store.db.prepare(`SELECT count(*) FROM transaction_messages WHERE action = 'MeterValues' AND transaction_id = ?`).pluck().get(tx);
  assert.equal(stored, 1, 'and stored: the refused attempts did not make it look like a re-send');
  assert.deepEqual(events.map((e) => e.type), ['alarm', 'cleared'], 'cleared once a transaction message is stored again');
  assert.equal((s.site.daemon.snapshot().store as any).fault, null);
  await cp.stopTransaction(tx, 2000);
  await drained(up);
  const cloudTx = [...s.cloud.transactions.values()][0] as any;
  assert.equal(cloudTx.stopped, true);
  assert.deepEqual(rejections, []);
});

test('read-only store: connect attempts cannot be recorded, yet the daemon reconnects and charging is answered', async (t) => {
  const rejections = watchRejections(t);
  const s = await startCloudSite();
  t.after(() => s.stop());
  const { store } = s.site.daemon;
  const up = s.site.daemon.upstream!.service;
  await until(() => up.online, [up, 'state']);
  const cp = await s.charger('CP-3');
  store.db.pragma('query_only = ON');
  await s.cloud.goDown();
  await s.cloud.comeBack();
  await until(() => up.online && up.state().reconnects >= 1, [up, 'state']);
  assert.equal(up.state().attempts[0].outcome, 'connected', 'the attempt is kept in memory');
  assert.deepEqual(await cp.heartbeat().then((r: any) => typeof r.currentTime), 'string');
  assert.deepEqual(await cp.status(1, 'Preparing'), {}, 'what a charger says of itself is still taken (kept in memory)');
  await assert.rejects(cp.startTransaction(1, 'TAG-1', 1000), (err: any) => err.code === 'InternalError', 'a transaction message is refused, so the charger keeps it');
  assert.match((s.site.daemon.snapshot().store as any).fault.message, /read-only/);
  store.db.pragma('query_only = OFF');
  const tx = (await cp.startTransaction(1, 'TAG-1', 1000)).transactionId;
  assert.ok(Number.isInteger(tx));
  assert.deepEqual(rejections, []);
});
