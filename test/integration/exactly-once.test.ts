// Transaction messages reach the cloud exactly once even when chargers re-send what
// they got no answer for (OCPP 1.6 §4.7) and when a charger sends two different ends
// for one transaction.
import test from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { startCloudSite, restartableCloudSite, drained } from '../helpers/upstream-site.js';

function journal(dbPath: string, action: string): Array<{ transaction_id: number; forwarded: number; payload: string }> {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.prepare('SELECT transaction_id, forwarded, payload FROM transaction_messages WHERE action = ? ORDER BY seq').all(action) as any[];
  } finally {
    db.close();
  }
}

test('a MeterValues the charger re-sends after a daemon restart is stored and forwarded once', async (t) => {
  const site = await restartableCloudSite(t);
  const { cloud, dir } = site;
  let s = await site.start();
  const cp = await s.charger('CP-3');
  const start = await cp.startTransaction(1, 'TAG-1', 1000);
  const tx = start.transactionId as number;
  const sample = {
    connectorId: 1, transactionId: tx,
    meterValue: [{ timestamp: '2026-11-28T06:00:00.000Z', sampledValue: [{ value: '1500', measurand: 'Energy.Active.Import.Register', unit: 'Wh' }] }],
  };
  assert.deepEqual(await cp.call('MeterValues', sample), {});
  // The daemon dies before the charger saw the answer: the charger sends it again to the new daemon.
  s = await site.start();
  const again = await s.charger('CP-3');
  // Same content, keys in another order: still the same message.
  assert.deepEqual(await again.call('MeterValues', { meterValue: sample.meterValue, transactionId: tx, connectorId: 1 }), {});
  await again.call('StopTransaction', { transactionId: tx, meterStop: 2000, timestamp: '2026-11-28T06:10:00.000Z' });
  await drained(s.site.daemon.upstream!.service);
  await s.stop();

  assert.equal(journal(`${dir}/site.db`, 'MeterValues').length, 1, 'journalled once');
  const cloudTx = [...cloud.transactions.values()][0] as any;
  const samples = cloudTx.messages.flatMap((m: any) => (m.action === 'MeterValues' ? m.payload.meterValue : m.payload.transactionData ?? []));
  assert.deepEqual(samples.map((mv: any) => mv.timestamp), ['2026-11-28T06:00:00.000Z'], 'the cloud got the sample once');
  assert.deepEqual(cloud.anomalies, []);
});

test('a MeterValues re-sent on a new connection (the daemon kept running) is stored once', async (t) => {
  const s = await startCloudSite();
  t.after(() => s.stop());
  const cp = await s.charger('CP-3');
  const tx = (await cp.startTransaction(1, 'TAG-1', 1000)).transactionId as number;
  const mv = (at: string) => ({ connectorId: 1, transactionId: tx, meterValue: [{ timestamp: at, sampledValue: [{ value: '1500', unit: 'Wh' }] }] });
  await cp.call('MeterValues', mv('2026-11-28T06:00:00.000Z'));
  await cp.call('MeterValues', mv('2026-11-28T06:00:10.000Z'));
  // The answer to the second was lost with the socket: the charger connects again and re-sends it.
  const again = await s.charger('CP-3');
  assert.deepEqual(await again.call('MeterValues', mv('2026-11-28T06:00:10.000Z')), {});
  assert.deepEqual(await again.call('MeterValues', mv('2026-11-28T06:00:20.000Z')), {});
  assert.deepEqual(journal(s.site.dbPath, 'MeterValues').map((r) => JSON.parse(r.payload).meterValue[0].timestamp),
    ['2026-11-28T06:00:00.000Z', '2026-11-28T06:00:10.000Z', '2026-11-28T06:00:20.000Z']);
});

test('a later MeterValues with new readings is not mistaken for a re-send', async (t) => {
  const s = await startCloudSite();
  t.after(() => s.stop());
  const cp = await s.charger('CP-3');
  const tx = (await cp.startTransaction(1, 'TAG-1', 1000)).transactionId as number;
  const at = '2026-11-28T06:00:00.000Z';
  const mv = (wh: string) => ({ connectorId: 1, transactionId: tx, meterValue: [{ timestamp: at, sampledValue: [{ value: wh, unit: 'Wh' }] }] });
  await cp.call('MeterValues', mv('1500'));
  await cp.call('MeterValues', mv('1600'));
  assert.equal(journal(s.site.dbPath, 'MeterValues').length, 2);
});

test('a second, conflicting StopTransaction is kept for audit, never sent to the cloud, and logged', async (t) => {
  const s = await startCloudSite();
  t.after(() => s.stop());
  await s.cloud.waitFor((c) => c.action === 'BootNotification');
  const cp = await s.charger('CP-3');
  const tx = (await cp.startTransaction(1, 'TAG-1', 1000)).transactionId as number;
  assert.deepEqual(await cp.call('StopTransaction', { transactionId: tx, meterStop: 2000, timestamp: '2026-11-28T06:10:00.000Z', reason: 'Local' }), {});
  assert.deepEqual(await cp.call('StopTransaction', { transactionId: tx, meterStop: 2100, timestamp: '2026-11-28T06:10:00.040Z', reason: 'EVDisconnected' }), {});
  // A plain re-send of the first Stop is neither journalled nor forwarded.
  await cp.call('StopTransaction', { transactionId: tx, meterStop: 2000, timestamp: '2026-11-28T06:10:00.000Z', reason: 'Local' });
  await drained(s.site.daemon.upstream!.service);
  assert.equal(s.cloud.receivedOf('StopTransaction').length, 1);
  assert.equal(s.cloud.receivedOf('StopTransaction')[0].payload.meterStop, 2000);
  const stops = journal(s.site.dbPath, 'StopTransaction');
  assert.deepEqual(stops.map((r) => r.forwarded), [1, 0], 'the conflicting Stop is kept, marked as not forwarded');
  assert.equal(JSON.parse(stops[1].payload).meterStop, 2100);
  assert.ok(s.site.logs.some((l) => l.includes('second StopTransaction') && l.includes('CP-3')), 'a warning names the charger');
});
