// A charger's whole session against the real daemon over a real socket, checked
// in the SQLite file the way an operator would look at it.
import test from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import Database from 'better-sqlite3';
import { startSite, makeTempDir } from '../helpers/daemon.js';
import { connectRaw, simpleChargerAnswers } from '../helpers/raw-client.js';

const T0 = '2026-11-21T10:00:00.000Z';

test('boot, status, authorize, start, meter values, stop: answered and stored', async (t) => {
  const site = await startSite();
  t.after(() => site.stop());
  const configured = once(site.daemon.registry, 'configured');
  const cp = await connectRaw(`${site.url}/CP-1`, { auth: 'CP-1:secret-1', answer: simpleChargerAnswers });
  t.after(() => cp.close());

  const boot = await cp.call('BootNotification', { chargePointVendor: 'ACME', chargePointModel: 'Wallbox', chargePointSerialNumber: 'SN-42', firmwareVersion: '1.2.3' });
  assert.equal(boot[0], 3);
  assert.equal(boot[2].status, 'Accepted');
  assert.equal(boot[2].interval, 300);
  assert.ok(!Number.isNaN(Date.parse(boot[2].currentTime)));

  // The site configures the charger right after boot and reads its smart-charging keys.
  const [session] = await configured;
  assert.deepEqual(session.capabilities.rateUnits, ['Current']);
  assert.equal(session.capabilities.maxStackLevel, 8);

  const hb = await cp.call('Heartbeat', {});
  assert.ok(Date.parse(hb[2].currentTime) > 0);
  assert.deepEqual((await cp.call('StatusNotification', { connectorId: 1, status: 'Preparing', errorCode: 'NoError' }))[2], {});
  assert.deepEqual((await cp.call('Authorize', { idTag: 'TAG-1' }))[2], { idTagInfo: { status: 'Accepted' } });

  const start = await cp.call('StartTransaction', { connectorId: 1, idTag: 'TAG-1', meterStart: 1000, timestamp: T0 });
  const txId = start[2].transactionId;
  assert.equal(typeof txId, 'number');
  assert.equal(start[2].idTagInfo.status, 'Accepted');

  const mv = {
    connectorId: 1, transactionId: txId,
    meterValue: [{ timestamp: '2026-11-21T10:00:10.000Z', sampledValue: [
      { value: '1500', measurand: 'Energy.Active.Import.Register', unit: 'Wh' },
      { value: '16.2', measurand: 'Current.Import', phase: 'L1', unit: 'A' },
      { value: '15.9', measurand: 'Current.Import', phase: 'L2', unit: 'A' },
      { value: '16.0', measurand: 'Current.Import', phase: 'L3', unit: 'A' },
    ] }],
  };
  assert.deepEqual((await cp.call('MeterValues', mv))[2], {});
  const stop = await cp.call('StopTransaction', {
    transactionId: txId, idTag: 'TAG-1', meterStop: 9000, timestamp: '2026-11-21T11:00:00.000Z', reason: 'EVDisconnected',
    transactionData: [{ timestamp: '2026-11-21T11:00:00.000Z', sampledValue: [{ value: '9000', unit: 'Wh' }] }],
  });
  assert.deepEqual(stop[2], { idTagInfo: { status: 'Accepted' } });
  assert.deepEqual((await cp.call('DataTransfer', { vendorId: 'com.example' }))[2], { status: 'UnknownVendorId' });
  assert.deepEqual((await cp.call('FirmwareStatusNotification', { status: 'Idle' }))[2], {});
  assert.deepEqual((await cp.call('DiagnosticsStatusNotification', { status: 'Idle' }))[2], {});

  // The live view the balancer reads.
  const live = session.connectors.get(1).live;
  assert.deepEqual(live.currentA, [16.2, 15.9, 16]);
  assert.equal(live.energyWh, 1500);

  const db = new Database(site.dbPath, { readonly: true });
  t.after(() => db.close());
  const tx = db.prepare('SELECT * FROM transactions WHERE id = ?').get(txId) as any;
  assert.equal(tx.charger_id, 'CP-1');
  assert.equal(tx.connector_id, 1);
  assert.equal(tx.meter_start_wh, 1000);
  assert.equal(tx.meter_stop_wh, 9000);
  assert.equal(tx.stop_reason, 'EVDisconnected');
  const journal = db.prepare('SELECT action, transaction_id FROM transaction_messages ORDER BY seq').all();
  assert.deepEqual(journal, [
    { action: 'StartTransaction', transaction_id: txId },
    { action: 'MeterValues', transaction_id: txId },
    { action: 'StopTransaction', transaction_id: txId },
  ]);
  const stored = JSON.parse((db.prepare("SELECT payload FROM transaction_messages WHERE action = 'StopTransaction'").get() as any).payload);
  assert.equal(stored.transactionData[0].sampledValue[0].value, '9000');
  const charger = db.prepare('SELECT * FROM chargers WHERE id = ?').get('CP-1') as any;
  assert.equal(charger.vendor, 'ACME');
  assert.equal(charger.serial_number, 'SN-42');
  assert.equal(charger.firmware_version, '1.2.3');
  assert.equal(charger.firmware_status, 'Idle');
  assert.equal(JSON.parse(charger.config_json).ChargeProfileMaxStackLevel, '8');
  const conn = db.prepare('SELECT status, error_code FROM connectors WHERE charger_id = ? AND connector_id = 1').get('CP-1');
  assert.deepEqual(conn, { status: 'Preparing', error_code: 'NoError' });
});

test('a StopTransaction for an unknown transaction is acknowledged and recorded', async (t) => {
  const site = await startSite();
  t.after(() => site.stop());
  const cp = await connectRaw(`${site.url}/CP-1`, { auth: 'CP-1:secret-1' });
  t.after(() => cp.close());
  const r = await cp.call('StopTransaction', { transactionId: 777, meterStop: 5, timestamp: T0 });
  assert.deepEqual(r, [3, r[1], {}]);
  const db = new Database(site.dbPath, { readonly: true });
  t.after(() => db.close());
  assert.deepEqual(db.prepare('SELECT action, transaction_id, charger_id FROM transaction_messages').all(), [
    { action: 'StopTransaction', transaction_id: null, charger_id: 'CP-1' },
  ]);
  assert.ok(site.logs.some((l) => l.includes('unknown transaction')));
});

test('a retried StartTransaction (same content) gets the same id, not a second transaction', async (t) => {
  const site = await startSite();
  t.after(() => site.stop());
  const cp = await connectRaw(`${site.url}/CP-1`, { auth: 'CP-1:secret-1' });
  t.after(() => cp.close());
  const req = { connectorId: 2, idTag: 'T', meterStart: 10, timestamp: T0 };
  const a = await cp.call('StartTransaction', req);
  const b = await cp.call('StartTransaction', req);
  assert.equal(a[2].transactionId, b[2].transactionId);
  const c = await cp.call('StartTransaction', { ...req, timestamp: '2026-11-21T10:05:00.000Z' });
  assert.notEqual(c[2].transactionId, a[2].transactionId);
});

test('transaction ids are never reused across a restart', async (t) => {
  const dir = makeTempDir();
  const ids: number[] = [];
  for (let round = 0; round < 2; round++) {
    const site = await startSite({ dir });
    const cp = await connectRaw(`${site.url}/CP-1`, { auth: 'CP-1:secret-1' });
    const r = await cp.call('StartTransaction', { connectorId: 1, idTag: 'T', meterStart: round, timestamp: T0 });
    ids.push(r[2].transactionId);
    await cp.call('StopTransaction', { transactionId: r[2].transactionId, meterStop: 100, timestamp: T0 });
    await cp.close();
    await site.stop();
  }
  t.after(() => import('node:fs').then((fs) => fs.rmSync(dir, { recursive: true, force: true })));
  assert.equal(new Set(ids).size, 2);
  assert.ok(ids[1] > ids[0]);
});

test('local-list policy refuses tags not on the list', async (t) => {
  const site = await startSite({ overrides: { local: { authorization: { policy: 'local-list', idTags: ['GOOD'] } } } });
  t.after(() => site.stop());
  const cp = await connectRaw(`${site.url}/CP-2`, { auth: 'CP-2:secret-2' });
  t.after(() => cp.close());
  assert.equal((await cp.call('Authorize', { idTag: 'good' }))[2].idTagInfo.status, 'Accepted');
  assert.equal((await cp.call('Authorize', { idTag: 'BAD' }))[2].idTagInfo.status, 'Invalid');
  // A refused tag's StartTransaction still gets an id (the charger then stops), and is stored.
  const r = await cp.call('StartTransaction', { connectorId: 1, idTag: 'BAD', meterStart: 0, timestamp: T0 });
  assert.equal(r[2].idTagInfo.status, 'Invalid');
  assert.equal(typeof r[2].transactionId, 'number');
});

test('a second connection for the same charger replaces the first cleanly', async (t) => {
  const site = await startSite();
  t.after(() => site.stop());
  const first = await connectRaw(`${site.url}/CP-1`, { auth: 'CP-1:secret-1' });
  const second = await connectRaw(`${site.url}/CP-1`, { auth: 'CP-1:secret-1' });
  t.after(() => second.close());
  const closed = await first.closed;
  assert.equal(closed.reason, 'replaced by a new connection');
  assert.equal(site.daemon.registry.size, 1);
  assert.equal((await second.call('Heartbeat', {}))[0], 3);
  // The registry still has the charger: the old session's close did not remove the new one.
  assert.ok(site.daemon.registry.get('CP-1')?.rpc.isOpen);
});
