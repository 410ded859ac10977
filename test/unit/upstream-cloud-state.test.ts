// What the site keeps of the cloud's commands across time and restarts, on a real
// SQLite file with a controlled clock: a RemoteStart TxProfile whose transaction never
// came is dropped once its window passes; reservations vanish at their expiryDate;
// TxProfiles stored by earlier versions (cloud ids) are converted by migration 4.
import test from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Store } from '../../daemon/store/store.js';
import { migrate } from '../../daemon/store/db.js';
import { migrations } from '../../daemon/store/migrations.js';
import { CloudProfiles, type CloudProfilesDeps } from '../../daemon/upstream/cloud-profiles.js';
import { Reservations } from '../../daemon/upstream/reservations.js';
import { makeTempDir } from '../helpers/daemon.js';
import type { ChargingProfile } from '../../daemon/ocpp/v16/types.js';

function tempDir(t: test.TestContext): string {
  const dir = makeTempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const tx = (id: number, limit: number): ChargingProfile => ({
  chargingProfileId: id, stackLevel: 0, chargingProfilePurpose: 'TxProfile', chargingProfileKind: 'Relative',
  chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit }] },
});

function profilesOn(store: Store, clock: { now: number }, running: Set<number>): CloudProfiles {
  const deps: CloudProfilesDeps = {
    db: store.db, write: (fn) => store.write(fn), now: () => clock.now, bindWindowMs: () => 1000,
    isRunning: (id) => running.has(id), startedSince: () => [],
  };
  return new CloudProfiles(deps);
}

test('a RemoteStart TxProfile caps nothing while it waits, binds within its window, and is gone once the window passed', async (t) => {
  const path = join(tempDir(t), 'site.db');
  const clock = { now: 1_000_000 };
  const running = new Set<number>();
  let store = new Store(path, () => clock.now);
  t.after(() => store.close());
  let profiles = profilesOn(store, clock, running);
  const remoteStart = { chargerId: 'CP-1', connectorId: 1, receivedAt: clock.now };
  await profiles.set(1, tx(1, 6), { remoteStart });
  await profiles.set(2, tx(2, 8), { remoteStart: { ...remoteStart, connectorId: 2 } });
  assert.deepEqual(profiles.all().map((p) => p.transactionId), [null, null]);
  assert.equal(profiles.limit(1, 'TxProfile', { voltsTimesPhases: 690, localTransactionId: 5 }), null, 'waiting: caps no transaction');

  // Connector 1's transaction starts inside the window; connector 2's after it.
  running.add(5).add(6);
  assert.equal(await profiles.transactionStarted(1, 5, clock.now + 400), 1);
  assert.equal(await profiles.transactionStarted(2, 6, clock.now + 1001), 0);
  assert.equal(profiles.limit(1, 'TxProfile', { voltsTimesPhases: 690, localTransactionId: 5 }), 6);
  assert.equal(profiles.limit(2, 'TxProfile', { voltsTimesPhases: 690, localTransactionId: 6 }), null);

  // Restart past the window: the bound one stays (its transaction runs), the waiting one is gone.
  clock.now += 5000;
  await store.close();
  store = new Store(path, () => clock.now);
  profiles = profilesOn(store, clock, running);
  assert.deepEqual(profiles.all().map((p) => [p.id, p.transactionId]), [[1, 5]]);

  // Its transaction stops: gone, durably.
  assert.equal(await profiles.transactionStopped(5), 1);
  const reader = new Database(path, { readonly: true });
  t.after(() => reader.close());
  assert.equal(reader.prepare('SELECT count(*) FROM cloud_profiles').pluck().get(), 0);
});

test('reservations: found by id until their expiryDate, replaced by the same id, pruned at start and on the next write', async (t) => {
  const path = join(tempDir(t), 'site.db');
  const clock = { now: Date.parse('2030-01-01T00:00:00Z') };
  let store = new Store(path, () => clock.now);
  t.after(() => store.close());
  let reservations = new Reservations(store.db, (fn) => store.write(fn), () => clock.now);
  const r = { reservationId: 7, connectorNumber: 4, chargerId: 'CP-3', connectorId: 1, idTag: 'TAG', parentIdTag: null, expiryDate: '2030-01-01T00:01:00Z' };
  await reservations.put(r);
  await reservations.put({ ...r, reservationId: 8, expiryDate: '2030-01-01T00:10:00Z' });
  assert.equal(reservations.get(7)?.chargerId, 'CP-3');
  await reservations.put({ ...r, connectorNumber: 5, chargerId: 'CP-4' });
  assert.equal(reservations.get(7)?.chargerId, 'CP-4');

  clock.now += 61_000;
  assert.equal(reservations.get(7), undefined, 'expired counts as gone');
  await store.close();
  store = new Store(path, () => clock.now);
  reservations = new Reservations(store.db, (fn) => store.write(fn), () => clock.now);
  assert.deepEqual(store.db.prepare('SELECT reservation_id FROM reservations').pluck().all(), [8]);
  assert.equal(await reservations.remove(8), true);
  assert.equal(await reservations.remove(8), false);
});

test('migration 4: TxProfiles stored with the cloud transaction id get the local id; unknown ones are left to expire', (t) => {
  const path = join(tempDir(t), 'site.db');
  const db = new Database(path);
  t.after(() => db.close());
  migrate(db, migrations.filter((m) => m.version < 4));
  db.exec(`INSERT INTO transactions (id, charger_id, connector_id, id_tag, auth_status, meter_start_wh, started_at, created_at) VALUES (3, 'CP-1', 1, 'T', 'Accepted', 0, 'x', 0);
    INSERT INTO cloud_transactions (transaction_id, cloud_transaction_id, sent_at) VALUES (3, 5000, 0);
    INSERT INTO cloud_profiles VALUES (1, 1, 'TxProfile', 0, 5000, '{}', 0), (2, 2, 'TxProfile', 0, 6000, '{}', 0), (3, 0, 'TxDefaultProfile', 0, NULL, '{}', 0);`);
  migrate(db, migrations);
  assert.deepEqual(db.prepare('SELECT id, transaction_id FROM cloud_profiles ORDER BY id').raw().all(), [[1, 3], [2, null], [3, null]]);
});
