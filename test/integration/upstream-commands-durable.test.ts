// Cloud commands keep their promises: a RemoteStart's TxProfile caps exactly the
// transaction it started; what the site answers Accepted to is on disk first;
// reservations survive upstream reconnects and daemon restarts.
import test from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import type { SimCharger } from '../../scripts/sim/charger-sim.js';
import { startCloudSite, restartableCloudSite, IDENTITY, type CloudSite } from '../helpers/upstream-site.js';
import { until, within as bounded } from '../helpers/until.js';

/** The shared bounded wait, with this file's argument order. */
const within = <T>(p: Promise<T>, ms: number, what: string): Promise<T> => bounded(p, what, ms);

function nextCall(sim: SimCharger, action: string): Promise<any> {
  return new Promise((resolve) => {
    const on = (a: string, payload: any) => {
      if (a !== action) return;
      sim.off('call', on);
      resolve(payload);
    };
    sim.on('call', on);
  });
}

const txProfile = (id: number, limit: number) => ({
  chargingProfileId: id, stackLevel: 0, chargingProfilePurpose: 'TxProfile', chargingProfileKind: 'Relative',
  chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit }] },
});

function txProfiles(s: CloudSite) {
  return s.site.daemon.upstream!.profiles.all().filter((p) => p.purpose === 'TxProfile');
}

/** Resolves once the charger's connector runs a transaction the site knows; returns its local id. */
function running(s: CloudSite, chargerId: string, connectorId: number): Promise<number> {
  const registry = s.site.daemon.registry;
  return within(until(() => registry.get(chargerId)?.connectors.get(connectorId)?.transactionId ?? undefined,
    [registry, 'transactionStarted']), 5000, `a transaction on ${chargerId}/${connectorId}`);
}

test('a RemoteStart TxProfile caps only the transaction it started, and survives a restart while it runs', async (t) => {
  const site = await restartableCloudSite(t);
  const { cloud } = site;
  let s = await site.start();
  await within(cloud.waitFor((c) => c.action === 'BootNotification'), 5000, 'the site\'s BootNotification');
  let cp2 = await s.charger('CP-2');
  await cp2.status(1, 'Available');

  // A connector the site does not have: Rejected, nothing stored.
  assert.equal((await cloud.remoteStart(IDENTITY, 'TAG', 99, txProfile(1, 6))).status, 'Rejected');
  assert.deepEqual(txProfiles(s), []);

  // The charger refuses: Rejected, nothing stored.
  cp2.handle('RemoteStartTransaction', () => ({ status: 'Rejected' }));
  assert.equal((await cloud.remoteStart(IDENTITY, 'TAG', 3, txProfile(2, 6))).status, 'Rejected');
  assert.deepEqual(txProfiles(s), []);
  cp2.handle('RemoteStartTransaction', undefined);

  // The charger accepts: while it decides, nothing is stored yet; then its transaction gets the cap.
  let storedWhileDeciding: unknown[] | undefined;
  const first = s;
  cp2.on('call', (action: string) => {
    if (action === 'RemoteStartTransaction') storedWhileDeciding = txProfiles(first);
  });
  assert.equal((await cloud.remoteStart(IDENTITY, 'TAG', 3, txProfile(3, 6))).status, 'Accepted');
  assert.deepEqual(storedWhileDeciding, []);
  const tx = await running(s, 'CP-2', 1);
  await within(until(() => first.site.daemon.upstream!.caps.connectorCapA('CP-2', 1) === 6, [first.site.daemon.upstream!.caps, 'change']),
    5000, 'the RemoteStart TxProfile to cap CP-2/1');
  assert.deepEqual(txProfiles(s).map((p) => p.transactionId), [tx]);

  // A daemon restart while it runs keeps the cap of that transaction.
  s = await site.start();
  assert.equal(s.site.daemon.upstream!.caps.connectorCapA('CP-2', 1), 6);
  cp2 = await s.charger('CP-2');

  // The transaction ends: the cap goes with it; the next transaction there is not capped.
  const stopped = within(new Promise((resolve) => s.site.daemon.registry.once('transactionStopped', resolve)), 5000, 'transactionStopped');
  await cp2.stopTransaction(tx, 5000, { reason: 'EVDisconnected' });
  await stopped;
  await within(until(() => txProfiles(s).length === 0, [s.site.daemon.upstream!.caps, 'change']), 5000, 'the TxProfile to be dropped');
  await cp2.startTransaction(1, 'OTHER', 5000);
  await running(s, 'CP-2', 1);
  assert.equal(s.site.daemon.upstream!.caps.connectorCapA('CP-2', 1), undefined);
});

/**
 * Holds every group commit's answer until released, after it is durable: a command
 * answered while its write is held shows that the answer did not wait for the disk.
 */
function holdCommits(s: CloudSite) {
  const commits = s.site.daemon.store.commits;
  const run = commits.run.bind(commits);
  const held: Array<{ durable: Promise<unknown>; release: () => void }> = [];
  let onQueued: (() => void) | undefined;
  commits.run = <T>(fn: () => T): Promise<T> => {
    const durable = run(fn);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    held.push({ durable, release });
    onQueued?.();
    return Promise.all([durable, gate]).then(([v]) => v);
  };
  return {
    /** Resolves when a write is queued, or with 'answered' when `answer` comes first. */
    queuedOrAnswered(answer: Promise<unknown>): Promise<'queued' | 'answered'> {
      return Promise.race([new Promise<'queued'>((resolve) => (onQueued = () => resolve('queued'))), answer.then(() => 'answered' as const)]);
    },
    async durable(): Promise<void> {
      await Promise.all(held.map((h) => h.durable));
    },
    /** Releases every held write; the next one queued counts as the next command's. */
    releaseAll(): void {
      held.splice(0).forEach((h) => h.release());
      onQueued = undefined;
    },
    restore(): void {
      commits.run = run;
      this.releaseAll();
    },
  };
}

test('SetChargingProfile, ClearChargingProfile, SendLocalList and ClearCache are answered only after a durable write', async (t) => {
  const s = await startCloudSite();
  t.after(() => s.stop());
  await within(s.cloud.waitFor((c) => c.action === 'BootNotification'), 5000, 'the site\'s BootNotification');
  const reader = new Database(s.site.dbPath, { readonly: true, fileMustExist: true });
  t.after(() => reader.close());
  const count = (sql: string) => reader.prepare(sql).pluck().get() as number;
  // Something for ClearCache to clear.
  s.site.daemon.upstream!.auth.cache('CACHED', { status: 'Accepted' });

  const maxProfile = { chargingProfileId: 11, stackLevel: 0, chargingProfilePurpose: 'ChargePointMaxProfile', chargingProfileKind: 'Absolute',
    chargingSchedule: { chargingRateUnit: 'A', startSchedule: new Date(Date.now() - 1000).toISOString(), chargingSchedulePeriod: [{ startPeriod: 0, limit: 40 }] } };
  const steps: Array<{ name: string; send: () => Promise<any>; expect: string; onDisk: () => boolean }> = [
    { name: 'SetChargingProfile', send: () => s.cloud.setChargingProfile(IDENTITY, 0, maxProfile), expect: 'Accepted',
      onDisk: () => count('SELECT count(*) FROM cloud_profiles WHERE id = 11') === 1 },
    { name: 'ClearChargingProfile', send: () => s.cloud.clearChargingProfile(IDENTITY, { id: 11 }), expect: 'Accepted',
      onDisk: () => count('SELECT count(*) FROM cloud_profiles WHERE id = 11') === 0 },
    { name: 'SendLocalList', send: () => s.cloud.sendLocalList(IDENTITY, 3, 'Full', [{ idTag: 'LISTED', idTagInfo: { status: 'Accepted' } }]), expect: 'Accepted',
      onDisk: () => count("SELECT count(*) FROM auth_list WHERE id_tag = 'LISTED'") === 1 },
    { name: 'ClearCache', send: () => s.cloud.clearCache(IDENTITY), expect: 'Accepted',
      onDisk: () => count('SELECT count(*) FROM auth_cache') === 0 },
  ];
  const hold = holdCommits(s);
  t.after(() => hold.restore());
  for (const step of steps) {
    const answer = step.send();
    let answered = false;
    answer.then(() => (answered = true), () => {});
    assert.equal(await within(hold.queuedOrAnswered(answer), 5000, `${step.name}: its write or its answer`), 'queued',
      `${step.name} was answered before anything was written through the commit queue`);
    await within(hold.durable(), 5000, `${step.name}: the durable write`);
    assert.ok(step.onDisk(), `${step.name}: the committed row`);
    // The write is durable but held back from the handler: the answer must still wait.
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    assert.equal(answered, false, `${step.name} answered while its write was held`);
    hold.releaseAll();
    assert.equal((await within(answer, 5000, `${step.name}: the answer`)).status, step.expect, step.name);
  }
});

test('a reservation can be cancelled after an upstream reconnect and after a daemon restart; a used one is gone', async (t) => {
  const site = await restartableCloudSite(t);
  const { cloud } = site;
  let s = await site.start();
  await within(cloud.waitFor((c) => c.action === 'BootNotification'), 5000, 'the site\'s BootNotification');
  let cp3 = await s.charger('CP-3');
  await cp3.status(1, 'Available');
  const until1h = new Date(Date.now() + 3600_000).toISOString();

  // Reserve, the cloud drops the link, the site reconnects: Cancel still reaches the charger.
  assert.equal((await cloud.reserveNow(IDENTITY, { connectorId: 4, expiryDate: until1h, idTag: 'TAG', reservationId: 7 })).status, 'Accepted');
  const boots = cloud.receivedOf('BootNotification').length;
  await cloud.goDown('reset');
  await cloud.comeBack();
  await within(cloud.waitFor((c) => c.action === 'BootNotification' && cloud.receivedOf('BootNotification').length > boots), 5000, 'the site to reconnect');
  await within(cloud.waitForConnection(IDENTITY), 5000, 'the site\'s connection');
  const cancel = nextCall(cp3, 'CancelReservation');
  assert.equal((await cloud.cancelReservation(IDENTITY, 7)).status, 'Accepted');
  assert.deepEqual(await within(cancel, 5000, 'CancelReservation at CP-3'), { reservationId: 7 });

  // Reserve again, restart the daemon: the charger still holds it and the site still knows it.
  assert.equal((await cloud.reserveNow(IDENTITY, { connectorId: 4, expiryDate: until1h, idTag: 'TAG', reservationId: 8 })).status, 'Accepted');
  const held = new Map(cp3.reservations);
  s = await site.start();
  await within(cloud.waitForConnection(IDENTITY), 5000, 'the restarted site\'s connection');
  cp3 = await s.charger('CP-3');
  for (const [id, r] of held) cp3.reservations.set(id, r);
  const cancel2 = nextCall(cp3, 'CancelReservation');
  assert.equal((await cloud.cancelReservation(IDENTITY, 8)).status, 'Accepted');
  assert.deepEqual(await within(cancel2, 5000, 'CancelReservation at CP-3 after the restart'), { reservationId: 8 });

  // The charger uses a reservation (StartTransaction with its reservationId): it is gone.
  await cp3.status(1, 'Available');
  assert.equal((await cloud.reserveNow(IDENTITY, { connectorId: 4, expiryDate: until1h, idTag: 'USER', reservationId: 9 })).status, 'Accepted');
  await cp3.startCharging(1, 'USER');
  await running(s, 'CP-3', 1);
  const before = cp3.received.filter((c) => c.action === 'CancelReservation').length;
  assert.equal((await cloud.cancelReservation(IDENTITY, 9)).status, 'Rejected');
  assert.equal(cp3.received.filter((c) => c.action === 'CancelReservation').length, before, 'a used reservation is not forwarded');
});
