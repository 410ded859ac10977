// The store: versioned migrations, group commit with per-job rollback, durability
// promises that resolve only after the WAL sync, transaction journal semantics.
import test from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openDatabase, migrate } from '../../daemon/store/db.js';
import { migrations } from '../../daemon/store/migrations.js';
import { Store } from '../../daemon/store/store.js';
import { makeTempDir } from '../helpers/daemon.js';

function tempStore(t: test.TestContext): { store: Store; path: string } {
  const dir = makeTempDir();
  const path = join(dir, 'nested', 'dir', 'site.db');
  const store = new Store(path);
  t.after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { store, path };
}

test('the database directory is created, WAL is on, migrations are recorded once', (t) => {
  const { store } = tempStore(t);
  assert.equal(store.db.pragma('journal_mode', { simple: true }), 'wal');
  const rows = store.db.prepare('SELECT version FROM schema_migrations').all();
  assert.deepEqual(rows, migrations.map((m) => ({ version: m.version })));
  assert.deepEqual(migrate(store.db, migrations), []);
});

test('a database from a newer build is refused instead of being damaged', (t) => {
  const dir = makeTempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'site.db');
  const db = openDatabase({ path, migrations: [...migrations, { version: 99, name: 'future', sql: 'CREATE TABLE future (x)' }] });
  db.close();
  assert.throws(() => openDatabase({ path }), /schema version 99 is newer than this build knows/);
});

test('group commit: concurrent writes share one commit; a failing job rolls back alone', async (t) => {
  const { store } = tempStore(t);
  const before = store.commits.commits;
  const results = await Promise.allSettled([
    store.write(() => store.kv.set('a', 1)),
    store.write(() => {
      store.kv.set('b', 2);
      throw new Error('job failed');
    }),
    store.write(() => store.kv.set('c', 3)),
  ]);
  assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
  assert.equal(store.commits.commits - before, 1);
  assert.equal(store.kv.get('a'), 1);
  assert.equal(store.kv.get('b'), undefined);
  assert.equal(store.kv.get('c'), 3);
  assert.ok(store.commits.syncs >= 1);
});

test('a write is visible to another connection (on disk) when its promise resolves', async (t) => {
  const { store, path } = tempStore(t);
  const { id } = await store.write(() => store.transactions.start({
    chargerId: 'CP', connectorId: 1, idTag: 'T', authStatus: 'Accepted', meterStartWh: 0, startedAt: '2026-01-01T00:00:00Z', payload: {},
  }));
  const other = new Database(path, { readonly: true });
  t.after(() => other.close());
  assert.equal((other.prepare('SELECT count(*) AS n FROM transactions WHERE id = ?').get(id) as { n: number }).n, 1);
});

test('journal listeners run inside the same SQLite transaction (a throwing one rolls the message back)', async (t) => {
  const { store } = tempStore(t);
  const seen: string[] = [];
  store.transactions.onJournal((e) => {
    seen.push(e.action);
    if (e.transactionId === null) throw new Error('outbox refused');
  });
  await assert.rejects(store.write(() => store.transactions.stop({ chargerId: 'CP', transactionId: 5, meterStopWh: 1, stoppedAt: 'x', payload: {} })), /outbox refused/);
  assert.equal(store.transactions.messages(null).length, 0);
  assert.deepEqual(seen, ['StopTransaction']);
});

test('stop semantics: unknown id journalled as orphan, repeated stop not journalled twice, conflicting stop kept', async (t) => {
  const { store } = tempStore(t);
  const tx = store.transactions;
  const { id } = await store.write(() => tx.start({ chargerId: 'CP', connectorId: 1, idTag: 'T', authStatus: 'Accepted', meterStartWh: 0, startedAt: 's', payload: {} }));
  const stop = { chargerId: 'CP', transactionId: id, meterStopWh: 10, stoppedAt: 'e', payload: {} };
  assert.deepEqual(await store.write(() => tx.stop(stop)), { known: true, duplicate: false, conflict: false });
  assert.deepEqual(await store.write(() => tx.stop(stop)), { known: true, duplicate: true, conflict: false });
  assert.deepEqual(await store.write(() => tx.stop({ ...stop, meterStopWh: 11 })), { known: true, duplicate: false, conflict: true });
  assert.deepEqual(tx.messages(id).map((m) => m.action), ['StartTransaction', 'StopTransaction', 'StopTransaction']);
  // Another charger naming this id is not matched to it.
  assert.deepEqual(await store.write(() => tx.stop({ ...stop, chargerId: 'OTHER' })), { known: false, duplicate: false, conflict: false });
  assert.equal(tx.get(id)!.meter_stop_wh, 10);
});

test('writes after close are refused, not lost silently', async (t) => {
  const { store } = tempStore(t);
  await store.close();
  await assert.rejects(store.write(() => 1), /store is closed/);
});

test('WAL checkpoints run on a worker thread: the main connection keeps writing, nothing is lost', async (t) => {
  const { store, path } = tempStore(t);
  assert.equal(store.db.pragma('wal_autocheckpoint', { simple: true }), 20000);
  const payload = 'x'.repeat(2000);
  await store.write(() => {
    for (let i = 0; i < 1000; i++) store.kv.set(`k${i}`, payload);
  });
  assert.ok(store.checkpointer!.walBytes() > 1024 * 1024, 'WAL grew past the threshold');
  const r = await store.checkpointer!.checkpoint();
  assert.equal(r.ok, true, r.error);
  assert.ok(r.checkpointed! > 0);
  assert.equal(r.checkpointed, r.log);
  // The main thread goes on writing after (and during) the checkpoint.
  await store.write(() => store.kv.set('after', 1));
  const other = new Database(path, { readonly: true });
  t.after(() => other.close());
  assert.equal((other.prepare('SELECT count(*) AS n FROM kv').get() as { n: number }).n, 1001);
  assert.equal(store.checkpointer!.checkpoints, 1);
});

test('a MeterValues content key ignores key order and sees every value, timestamp, charger and transaction', async () => {
  const { meterValuesKey } = await import('../../daemon/store/transactions.js');
  const a = [{ timestamp: '2026-11-28T06:00:00Z', sampledValue: [{ value: '1500', measurand: 'Energy.Active.Import.Register', unit: 'Wh' }, { value: '16.0', phase: 'L1', unit: 'A', measurand: 'Current.Import' }] }];
  const reordered = [{ sampledValue: [{ unit: 'Wh', measurand: 'Energy.Active.Import.Register', value: '1500' }, { measurand: 'Current.Import', unit: 'A', value: '16.0', phase: 'L1' }], timestamp: '2026-11-28T06:00:00Z' }];
  const key = meterValuesKey('CP-1', 7, a);
  assert.equal(meterValuesKey('CP-1', 7, reordered), key);
  const variants: unknown[][] = [
    [{ ...a[0], timestamp: '2026-11-28T06:00:01Z' }],
    [{ ...a[0], sampledValue: [{ ...a[0].sampledValue[0], value: '1501' }, a[0].sampledValue[1]] }],
    [{ ...a[0], sampledValue: [a[0].sampledValue[0], { ...a[0].sampledValue[1], phase: 'L2' }] }],
    [{ ...a[0], sampledValue: [a[0].sampledValue[0]] }],
  ];
  for (const v of variants) assert.notEqual(meterValuesKey('CP-1', 7, v), key);
  assert.notEqual(meterValuesKey('CP-2', 7, a), key);
  assert.notEqual(meterValuesKey('CP-1', 8, a), key);
  // Not the 1.6 shape (an extra field): still order-independent through the general path.
  assert.equal(meterValuesKey('CP-1', 7, [{ x: 1, ...a[0] }]), meterValuesKey('CP-1', 7, [{ ...a[0], x: 1 }]));
});
