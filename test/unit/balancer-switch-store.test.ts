// The phase-switch history of a session outlives the daemon: a restart (a new log on the same
// SQLite file) neither resets the per-session count nor the minimum interval, and the history of
// sessions that ended while the daemon was down is pruned at start.
import test from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Store } from '../../daemon/store/store.js';
import { PhaseSwitchLog } from '../../daemon/balancer/phase-switch.js';
import { PhaseSwitchStore } from '../../daemon/balancer/switch-store.js';
import { silentLogger } from '../../daemon/log.js';
import { makeTempDir } from '../helpers/daemon.js';

const rules = { minIntervalMs: 300_000, maxPerSession: 3 };

test('phase switches: count and interval survive a restart; an ended session\'s history goes, also one that ended while the daemon was down', async (t) => {
  const dir = makeTempDir();
  const path = join(dir, 'site.db');
  let store = new Store(path);
  t.after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const start = (connectorId: number, at: string) => store.write(() => store.transactions.start({
    chargerId: 'CP', connectorId, idTag: 'T', authStatus: 'Accepted', meterStartWh: 0, startedAt: at, payload: {},
  }).id);
  const tx1 = await start(1, '2026-11-28T10:00:00Z');
  const tx2 = await start(2, '2026-11-28T10:00:00Z');
  // Every write through the store's group commit, as in the daemon; settled() waits for them.
  let pending: Promise<unknown>[] = [];
  const persistence = () => new PhaseSwitchStore(store.db, (fn) => {
    const p = store.write(fn);
    pending.push(p);
    return p;
  }, silentLogger);
  const settled = async () => {
    await Promise.all(pending);
    pending = [];
  };

  let log = new PhaseSwitchLog(rules, persistence());
  assert.equal(log.apply('CP/1', 1, 0, tx1), true);
  assert.equal(log.apply('CP/2', 3, 0, tx2), false, 'no switch: nothing stored');
  assert.equal(log.apply('CP/1', 3, 400_000, tx1), true);
  await settled();
  assert.deepEqual(store.db.prepare('SELECT transaction_id, phases, last_switch_at, switches FROM phase_switches').all(),
    [{ transaction_id: tx1, phases: 3, last_switch_at: 400_000, switches: 2 }]);

  // Restart: the same file, a new process's log.
  await store.close();
  store = new Store(path);
  log = new PhaseSwitchLog(rules, persistence());
  assert.deepEqual(log.view('CP/1', 500_000, tx1), { phases: 3, mayChange: false }, 'the interval runs from the switch before the restart');
  assert.deepEqual(log.view('CP/1', 700_000, tx1), { phases: 3, mayChange: true });
  assert.equal(log.apply('CP/1', 1, 700_000, tx1), true);
  assert.deepEqual(log.view('CP/1', 10_000_000, tx1), { phases: 1, mayChange: false }, 'the third switch of the session was its last (maxPerSession 3)');
  assert.deepEqual(log.view('CP/2', 0, tx2), { phases: 3, mayChange: true }, 'a session never switched starts fresh');

  // The session ends: its history goes. A session that ended while the daemon was down: pruned at start.
  log.end('CP/1');
  await settled();
  assert.equal((store.db.prepare('SELECT count(*) AS n FROM phase_switches').get() as { n: number }).n, 0);
  assert.equal(log.apply('CP/2', 1, 0, tx2), true);
  await settled();
  await store.write(() => store.transactions.stop({ chargerId: 'CP', transactionId: tx2, meterStopWh: 10, stoppedAt: '2026-11-28T11:00:00Z', payload: {} }));
  const fresh = persistence();
  fresh.prune();
  await settled();
  assert.equal((store.db.prepare('SELECT count(*) AS n FROM phase_switches').get() as { n: number }).n, 0);
});

test('phase switches: a new session on the connector replaces the one before (its history goes), garbage in the table reads as none', async (t) => {
  const dir = makeTempDir();
  const store = new Store(join(dir, 'site.db'));
  t.after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const writes: Promise<unknown>[] = [];
  const persist = new PhaseSwitchStore(store.db, (fn) => {
    const p = store.write(fn);
    writes.push(p);
    return p;
  }, silentLogger);
  const [a, b] = await store.write(() => [1, 2].map((k) => store.transactions.start({
    chargerId: 'CP', connectorId: 1, idTag: 'T', authStatus: 'Accepted', meterStartWh: k, startedAt: `2026-11-28T1${k}:00:00Z`, payload: {},
  }).id));
  const log = new PhaseSwitchLog(rules, persist);
  log.apply('CP/1', 1, 0, a!);
  log.apply('CP/1', 3, 0, b!);
  await Promise.all(writes);
  assert.deepEqual(store.db.prepare('SELECT transaction_id FROM phase_switches').all(), [], 'a\'s history went when b took the connector; b never switched');
  await store.write(() => store.db.prepare('INSERT INTO phase_switches VALUES (?, 2, 0, 1)').run(b!));
  assert.equal(persist.load(b!), undefined, 'a phase count that is neither 1 nor 3 reads as no history');
});
