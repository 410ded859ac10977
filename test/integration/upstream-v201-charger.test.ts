// A 2.0.1 charger behind today's 1.6 cloud: its transaction reaches the cloud as
// StartTransaction / MeterValues / StopTransaction on its stable cloud connector, with
// the cloud's id, the IdToken as idTag, stoppedReason as reason, and its status in the
// 1.6 vocabulary.
import test from 'node:test';
import assert from 'node:assert/strict';
import { startCloudSite, drained } from '../helpers/upstream-site.js';
import { connect201, sv } from '../helpers/v201-client.js';

test('a 2.0.1 charger\'s transaction reaches the 1.6 cloud on its cloud connector, whole and in the 1.6 shapes', async (t) => {
  const s = await startCloudSite();
  t.after(() => s.stop());
  await s.cloud.waitFor((c) => c.action === 'BootNotification', { label: "the site's BootNotification to the cloud" });
  const cp3 = await connect201(s.site.url, 'CP-3', 'secret-3');
  t.after(() => cp3.close());
  await cp3.call('BootNotification', { reason: 'PowerUp', chargingStation: { vendorName: 'ACME', model: 'W201' } });
  await cp3.call('StatusNotification', { timestamp: new Date().toISOString(), connectorStatus: 'Occupied', evseId: 1, connectorId: 1 });
  // CP-1 has cloud connectors 1 and 2, CP-2 has 3: CP-3's EVSE 1 is cloud connector 4.
  await s.cloud.waitFor((c) => c.action === 'StatusNotification' && c.payload.connectorId === 4 && c.payload.status === 'Preparing',
    { label: 'the cloud seeing CP-3 EVSE 1 Occupied as connector 4 Preparing' });

  const t0 = new Date(Date.now() - 60_000).toISOString();
  const t1 = new Date(Date.now() - 30_000).toISOString();
  const t2 = new Date().toISOString();
  await cp3.tx('Started', 'a6f1-uuid-like-transaction-id', {
    timestamp: t0, evse: { id: 1, connectorId: 1 }, idToken: { idToken: 'TAG-201', type: 'ISO14443' },
    transactionInfo: { transactionId: 'a6f1-uuid-like-transaction-id', chargingState: 'Charging' },
    meterValue: [{ timestamp: t0, sampledValue: [sv(2000, 'Energy.Active.Import.Register', 'Wh', { context: 'Transaction.Begin' })] }],
  });
  await cp3.tx('Updated', 'a6f1-uuid-like-transaction-id', {
    timestamp: t1, meterValue: [{ timestamp: t1, sampledValue: [sv(2.5, 'Energy.Active.Import.Register', 'kWh'), sv(16, 'Current.Import', 'A', { phase: 'L1' })] }],
  });
  await cp3.tx('Ended', 'a6f1-uuid-like-transaction-id', {
    timestamp: t2, transactionInfo: { transactionId: 'a6f1-uuid-like-transaction-id', stoppedReason: 'StoppedByEV' },
    idToken: { idToken: 'TAG-201', type: 'ISO14443' },
    meterValue: [{ timestamp: t2, sampledValue: [sv(3100, 'Energy.Active.Import.Register', 'Wh', { context: 'Transaction.End' })] }],
  });
  await drained(s.site.daemon.upstream!.service);

  const txs = [...s.cloud.transactions.values()] as any[];
  assert.equal(txs.length, 1);
  const tx = txs[0];
  assert.equal(tx.connectorId, 4);
  assert.equal(tx.stopped, true);
  const actions = tx.messages.map((m: any) => m.action);
  assert.equal(actions[0], 'StartTransaction');
  assert.equal(actions.at(-1), 'StopTransaction');
  const start = s.cloud.receivedOf('StartTransaction')[0]!.payload;
  assert.deepEqual({ ...start }, { connectorId: 4, idTag: 'TAG-201', meterStart: 2000, timestamp: t0 });
  const stop = s.cloud.receivedOf('StopTransaction')[0]!.payload;
  assert.equal(stop.meterStop, 3100);
  assert.equal(stop.reason, 'Other', 'StoppedByEV has no 1.6 reason');
  assert.equal(stop.idTag, 'TAG-201');
  assert.equal(stop.timestamp, t2);
  // Every sample, in order, as 1.6 sampled values (kWh kept as the charger said it).
  const samples = tx.messages.flatMap((m: any) => (m.action === 'MeterValues' ? m.payload.meterValue : m.action === 'StopTransaction' ? m.payload.transactionData ?? [] : []))
    .flatMap((mv: any) => mv.sampledValue.map((v: any) => `${v.measurand ?? ''}${v.phase ? `/${v.phase}` : ''}=${v.value}${v.unit ?? ''}`));
  assert.deepEqual(samples, [
    'Energy.Active.Import.Register=2000Wh',
    'Energy.Active.Import.Register=2.5kWh', 'Current.Import/L1=16A',
    'Energy.Active.Import.Register=3100Wh',
  ]);
  assert.deepEqual(s.cloud.anomalies, []);
});
