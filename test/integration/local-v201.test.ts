// An OCPP 2.0.1 charger against the real daemon over a real socket: its messages land in
// the same model as a 1.6 charger's (connector state in the 1.6 vocabulary, one
// transaction store, the journal in the 1.6 shapes), checked in the SQLite file.
import test from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { startSite, makeTempDir } from '../helpers/daemon.js';
import { connect201, sv } from '../helpers/v201-client.js';
import { until, within } from '../helpers/until.js';
import type { ChargerSession } from '../../daemon/local/session.js';

const T0 = '2026-11-21T10:00:00.000Z';
const T1 = '2026-11-21T10:00:10.000Z';
const T2 = '2026-11-21T11:00:00.000Z';

function rows(dbPath: string, sql: string, ...args: unknown[]): any[] {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.prepare(sql).all(...args);
  } finally {
    db.close();
  }
}

test('2.0.1: boot, configure, status, authorize, Started/Updated/Ended durable into the one transaction model', async (t) => {
  const site = await startSite({ overrides: { local: { listen: { host: '127.0.0.1', port: 0 }, pingIntervalS: 0, authorization: { policy: 'local-list', idTags: ['TAG-1'] } } } });
  t.after(() => site.stop());
  const configured = once(site.daemon.registry, 'configured');
  const cp = await connect201(site.url, 'CP-1', 'secret-1');
  t.after(() => cp.close());
  assert.equal(cp.raw.ws.protocol, 'ocpp2.0.1');

  const boot = await cp.call('BootNotification', { reason: 'PowerUp', chargingStation: { vendorName: 'ACME', model: 'Wallbox-2', serialNumber: 'SN-7', firmwareVersion: '2.0.1-a' } });
  assert.equal(boot[0], 3, JSON.stringify(boot));
  assert.equal(boot[2].status, 'Accepted');
  assert.equal(boot[2].interval, 300);
  const [session] = (await within(configured, "the site's configure step after the 2.0.1 boot")) as [ChargerSession];
  assert.equal(session.protocol, 'ocpp2.0.1');
  assert.deepEqual(session.capabilities!.rateUnits, ['Current', 'Power'], 'RateUnit "A,W"');
  assert.equal(session.capabilities!.maxStackLevel, 8);
  assert.equal(session.capabilities!.maxPeriods, 24);
  assert.equal(session.capabilities!.maxProfiles, 16);
  assert.equal(session.boot!.vendor, 'ACME');
  // The sample interval and measurands the site needs, set through the device model.
  const set = cp.calls.find((c) => c.action === 'SetVariables')!;
  assert.ok(set, 'SetVariables sent');
  assert.deepEqual(set.payload.setVariableData.map((d: any) => [d.component.name, d.variable.name, d.attributeValue]), [
    ['SampledDataCtrlr', 'TxUpdatedInterval', String(site.config.local.meterValueSampleIntervalS)],
    ['SampledDataCtrlr', 'TxUpdatedMeasurands', 'Energy.Active.Import.Register,Power.Active.Import,Current.Import,Current.Offered'],
  ]);
  assert.equal(cp.calls.find((c) => c.action === 'GetVariables')!.payload.getVariableData.length, 8);

  assert.equal((await cp.call('Heartbeat', {}))[0], 3);
  assert.deepEqual((await cp.call('StatusNotification', { timestamp: T0, connectorStatus: 'Occupied', evseId: 1, connectorId: 1 }))[2], {});
  assert.equal(session.connectors.get(1)!.status, 'Preparing', 'Occupied without a transaction: Preparing');
  assert.deepEqual((await cp.call('Authorize', { idToken: { idToken: 'TAG-1', type: 'ISO14443' } }))[2], { idTokenInfo: { status: 'Accepted' } });
  assert.deepEqual((await cp.call('Authorize', { idToken: { idToken: 'NOBODY', type: 'ISO14443' } }))[2], { idTokenInfo: { status: 'Invalid' } });

  const started = once(site.daemon.registry, 'transactionStarted');
  const s = await cp.tx('Started', 'TX-A', {
    timestamp: T0, evse: { id: 1, connectorId: 1 }, idToken: { idToken: 'TAG-1', type: 'ISO14443' },
    transactionInfo: { transactionId: 'TX-A', chargingState: 'Charging' },
    meterValue: [{ timestamp: T0, sampledValue: [sv(1.2, 'Energy.Active.Import.Register', 'kWh', { context: 'Transaction.Begin' })] }],
  });
  assert.deepEqual(s[2], { idTokenInfo: { status: 'Accepted' } });
  const [, startedConnector, localId] = await within(started, 'transactionStarted for the 2.0.1 Started');
  assert.equal(startedConnector, 1);
  assert.equal(session.connectors.get(1)!.transactionId, localId);
  assert.equal(session.connectors.get(1)!.status, 'Charging');

  const u = await cp.tx('Updated', 'TX-A', {
    timestamp: T1, transactionInfo: { transactionId: 'TX-A', chargingState: 'SuspendedEV' }, numberOfPhasesUsed: 3,
    meterValue: [{ timestamp: T1, sampledValue: [
      sv(1500, 'Energy.Active.Import.Register', 'Wh'), sv(16.2, 'Current.Import', 'A', { phase: 'L1' }), sv(15.9, 'Current.Import', 'A', { phase: 'L2' }),
      { value: 11, measurand: 'Power.Active.Import', unitOfMeasure: { unit: 'W', multiplier: 3 } },
    ] }],
  });
  assert.deepEqual(u[2], {});
  assert.equal(session.connectors.get(1)!.status, 'SuspendedEV');
  assert.deepEqual(session.connectors.get(1)!.live!.currentA, [16.2, 15.9, null]);
  assert.equal(session.connectors.get(1)!.live!.powerW, 11000);
  // Updated with no meter values: state only, nothing journalled (no 2.0.1 cloud here to tell; see upstream-charging-state).
  await cp.tx('Updated', 'TX-A', { timestamp: T1, triggerReason: 'ChargingStateChanged', transactionInfo: { transactionId: 'TX-A', chargingState: 'Charging' } });
  assert.equal(session.connectors.get(1)!.status, 'Charging');

  const stopped = once(site.daemon.registry, 'transactionStopped');
  const e = await cp.tx('Ended', 'TX-A', {
    timestamp: T2, triggerReason: 'EVCommunicationLost', transactionInfo: { transactionId: 'TX-A', stoppedReason: 'EVDisconnected', chargingState: 'Idle' },
    meterValue: [{ timestamp: T2, sampledValue: [sv(9000, 'Energy.Active.Import.Register', 'Wh', { context: 'Transaction.End' })] }],
  });
  assert.deepEqual(e[2], {});
  assert.equal((await within(stopped, 'transactionStopped for the 2.0.1 Ended'))[1], localId);
  assert.equal(session.connectors.get(1)!.transactionId, null);
  await cp.call('StatusNotification', { timestamp: T2, connectorStatus: 'Occupied', evseId: 1, connectorId: 1 });
  assert.equal(session.connectors.get(1)!.status, 'Finishing', 'Occupied after the transaction: Finishing');

  // What an operator sees in the store: one transaction, the charger's id beside the local one.
  const [tx] = rows(site.dbPath, 'SELECT * FROM transactions');
  assert.equal(tx.id, localId);
  assert.equal(tx.charger_tx_id, 'TX-A');
  assert.equal(tx.connector_id, 1);
  assert.equal(tx.id_tag, 'TAG-1');
  assert.equal(tx.meter_start_wh, 1200);
  assert.equal(tx.meter_stop_wh, 9000);
  assert.equal(tx.stop_reason, 'EVDisconnected');
  // The 1.6 shapes of the model; what only 2.0.1 can say rides beside them in `extra` (a 1.6 cloud never sees it).
  const journalled = rows(site.dbPath, 'SELECT action, payload FROM transaction_messages ORDER BY seq').map((r) => [r.action, JSON.parse(r.payload)]);
  assert.deepEqual(journalled[0][1].extra, { triggerReason: 'Authorized', idToken: { idToken: 'TAG-1', type: 'ISO14443' }, chargingState: 'Charging' });
  const journal = journalled.map(([a, { extra: _extra, ...p }]) => [a, p]);
  assert.deepEqual(journal, [
    ['StartTransaction', { connectorId: 1, idTag: 'TAG-1', meterStart: 1200, timestamp: T0 }],
    ['MeterValues', { connectorId: 1, transactionId: localId, meterValue: [{ timestamp: T0, sampledValue: [{ value: '1.2', context: 'Transaction.Begin', measurand: 'Energy.Active.Import.Register', unit: 'kWh' }] }] }],
    ['MeterValues', { connectorId: 1, transactionId: localId, meterValue: [{ timestamp: T1, sampledValue: [
      { value: '1500', measurand: 'Energy.Active.Import.Register', unit: 'Wh' },
      { value: '16.2', measurand: 'Current.Import', phase: 'L1', unit: 'A' },
      { value: '15.9', measurand: 'Current.Import', phase: 'L2', unit: 'A' },
      { value: '11000', measurand: 'Power.Active.Import', unit: 'W' },
    ] }] }],
    ['StopTransaction', { transactionId: localId, meterStop: 9000, timestamp: T2, reason: 'EVDisconnected',
      transactionData: [{ timestamp: T2, sampledValue: [{ value: '9000', context: 'Transaction.End', measurand: 'Energy.Active.Import.Register', unit: 'Wh' }] }] }],
  ]);
  // Every event as the charger sent it, in order.
  assert.deepEqual(rows(site.dbPath, 'SELECT seq_no, event_type, transaction_id FROM charger_tx_events ORDER BY id').map((r) => [r.seq_no, r.event_type, r.transaction_id]),
    [[0, 'Started', localId], [1, 'Updated', localId], [2, 'Updated', localId], [3, 'Ended', localId]]);
});

test('2.0.1: a re-sent TransactionEvent is answered and stored once; seqNo gaps and conflicting repeats are logged', async (t) => {
  const site = await startSite();
  t.after(() => site.stop());
  const cp = await connect201(site.url, 'CP-1', 'secret-1');
  t.after(() => cp.close());
  const startedEvent = {
    eventType: 'Started', timestamp: T0, triggerReason: 'CablePluggedIn', seqNo: 0, evse: { id: 2, connectorId: 1 },
    transactionInfo: { transactionId: 'TX-R', chargingState: 'EVConnected' },
  };
  const first = await cp.call('TransactionEvent', startedEvent);
  const again = await cp.call('TransactionEvent', startedEvent);
  assert.deepEqual(first[2], {});
  assert.deepEqual(again[2], {}, 'the re-send is answered like the first');
  const mv = { ...startedEvent, eventType: 'Updated', triggerReason: 'MeterValuePeriodic', seqNo: 1, timestamp: T1,
    meterValue: [{ timestamp: T1, sampledValue: [sv(500, 'Energy.Active.Import.Register', 'Wh')] }] };
  await cp.call('TransactionEvent', mv);
  await cp.call('TransactionEvent', mv);
  assert.deepEqual(rows(site.dbPath, 'SELECT action FROM transaction_messages ORDER BY seq').map((r) => r.action), ['StartTransaction', 'MeterValues'], 'stored once each');
  assert.equal(rows(site.dbPath, 'SELECT * FROM transactions').length, 1);
  assert.ok(site.logs.some((l) => l.includes('TransactionEvent re-sent by the charger') && l.includes('CP-1')));

  // seqNo 2 and 3 never came.
  await cp.call('TransactionEvent', { ...mv, seqNo: 4, timestamp: T2, meterValue: [{ timestamp: T2, sampledValue: [sv(700, 'Energy.Active.Import.Register', 'Wh')] }] });
  const gap = site.logs.find((l) => l.includes('seqNo gap'));
  assert.ok(gap, 'gap logged');
  assert.match(gap!, /^warn local: /);
  assert.match(gap!, / charger=CP-1 /);
  assert.match(gap!, / seqNo=4 /);
  assert.match(gap!, / expected=2/);
  // seqNo 1 again with other values: not applied, said.
  await cp.call('TransactionEvent', { ...mv, meterValue: [{ timestamp: T1, sampledValue: [sv(999, 'Energy.Active.Import.Register', 'Wh')] }] });
  assert.ok(site.logs.some((l) => l.startsWith('warn ') && l.includes('repeats a seqNo with other content') && l.includes('charger=CP-1')));
  assert.equal(rows(site.dbPath, "SELECT * FROM transaction_messages WHERE payload LIKE '%999%'").length, 0);
  assert.equal(rows(site.dbPath, 'SELECT * FROM charger_tx_events WHERE applied = 0').length, 1, 'kept for audit');
});

test('2.0.1: local ids survive a restart; an Updated for a transaction the site never saw start creates it', async (t) => {
  const dir = makeTempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  let site = await startSite({ dir });
  let cp = await connect201(site.url, 'CP-1', 'secret-1');
  await cp.tx('Started', 'TX-1', { evse: { id: 1 }, idToken: { idToken: 'TAG-1', type: 'ISO14443' } });
  const before = rows(site.dbPath, 'SELECT id FROM transactions')[0].id;
  await cp.close();
  await site.stop();

  site = await startSite({ dir });
  t.after(() => site.stop());
  cp = await connect201(site.url, 'CP-1', 'secret-1');
  t.after(() => cp.close());
  // The open transaction goes on under the same local id after the restart.
  await cp.tx('Updated', 'TX-1', { meterValue: [{ timestamp: T1, sampledValue: [sv(321, 'Energy.Active.Import.Register', 'Wh')] }] }, 1);
  const session = site.daemon.registry.get('CP-1')!;
  await until(() => session.connectors.get(1)?.transactionId === before, { label: 'connector 1 bound to the restored transaction' });
  // A transaction whose Started the site missed (no evse yet known: it is in this event).
  await cp.tx('Updated', 'TX-2', { evse: { id: 2 }, meterValue: [{ timestamp: T1, sampledValue: [sv(50, 'Energy.Active.Import.Register', 'Wh')] }] }, 5);
  const txs = rows(site.dbPath, 'SELECT id, charger_tx_id, connector_id, id_tag, meter_start_wh FROM transactions ORDER BY id');
  assert.equal(txs.length, 2);
  assert.equal(txs[0].id, before);
  assert.ok(txs[1].id > before, 'a new local id, never a reused one');
  // No Transaction.Begin reading: the first register the site saw of it.
  assert.deepEqual({ ...txs[1], id: 0 }, { id: 0, charger_tx_id: 'TX-2', connector_id: 2, id_tag: 'NoAuthorization', meter_start_wh: 50 });
  assert.ok(site.logs.some((l) => l.includes('did not see start') && l.includes('TX-2')));
  // Without evse, an unknown transaction cannot be placed: refused, nothing stored.
  const bad = await cp.tx('Updated', 'TX-3', {});
  assert.equal(bad[0], 4);
  assert.equal(bad[2], 'OccurrenceConstraintViolation');
  assert.equal(rows(site.dbPath, 'SELECT * FROM transactions').length, 2);
});

test('2.0.1: the other charger-initiated messages are answered (valid 2.0.1 responses) and recorded', async (t) => {
  const site = await startSite();
  t.after(() => site.stop());
  const cp = await connect201(site.url, 'CP-1', 'secret-1');
  t.after(() => cp.close());
  const ok = async (action: string, payload: unknown) => {
    const f = await cp.call(action, payload);
    assert.equal(f[0], 3, `${action}: ${JSON.stringify(f)}`);
    return f[2];
  };
  await ok('BootNotification', { reason: 'Watchdog', chargingStation: { vendorName: 'ACME', model: 'W' } });
  assert.deepEqual(await ok('MeterValues', { evseId: 2, meterValue: [{ timestamp: T1, sampledValue: [sv(7.5, 'Current.Import', 'A', { phase: 'L3' })] }] }), {});
  assert.deepEqual(site.daemon.registry.get('CP-1')!.connectors.get(2)!.live!.currentA, [null, null, 7.5]);
  assert.deepEqual(await ok('NotifyEvent', { generatedAt: T1, seqNo: 0, eventData: [{ eventId: 1, timestamp: T1, trigger: 'Alerting', actualValue: 'true', eventNotificationType: 'HardWiredMonitor', component: { name: 'EVSE', evse: { id: 1 } }, variable: { name: 'Problem' } }] }), {});
  assert.ok(site.logs.some((l) => l.startsWith('warn ') && l.includes('charger event') && l.includes('variable=Problem')));
  assert.deepEqual(await ok('NotifyReport', { requestId: 1, generatedAt: T1, seqNo: 0 }), {});
  assert.deepEqual(await ok('SecurityEventNotification', { type: 'TamperDetectionActivated', timestamp: T1 }), {});
  assert.deepEqual(await ok('FirmwareStatusNotification', { status: 'Installed' }), {});
  assert.deepEqual(await ok('LogStatusNotification', { status: 'Uploaded', requestId: 3 }), {});
  assert.deepEqual(await ok('NotifyChargingLimit', { evseId: 1, chargingLimit: { chargingLimitSource: 'EMS', isGridCritical: true } }), {});
  assert.deepEqual(await ok('ClearedChargingLimit', { evseId: 1, chargingLimitSource: 'EMS' }), {});
  assert.deepEqual(await ok('ReportChargingProfiles', { requestId: 2, chargingLimitSource: 'CSO', evseId: 1, chargingProfile: [{ id: 1, stackLevel: 0, chargingProfilePurpose: 'TxDefaultProfile', chargingProfileKind: 'Absolute', chargingSchedule: [{ id: 1, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }] }] }] }), {});
  assert.deepEqual(await ok('DataTransfer', { vendorId: 'com.example' }), { status: 'UnknownVendorId' });
  const [charger] = rows(site.dbPath, "SELECT firmware_status, diagnostics_status FROM chargers WHERE id = 'CP-1'");
  assert.deepEqual(charger, { firmware_status: 'Installed', diagnostics_status: 'Uploaded' });
  // An EVSE the charger does not have is refused before anything is stored.
  const bad = await cp.call('StatusNotification', { timestamp: T1, connectorStatus: 'Available', evseId: 3, connectorId: 1 });
  assert.equal(bad[0], 4);
  assert.equal(bad[2], 'PropertyConstraintViolation');
});

test('2.0.1 is preferred when a charger offers both versions, and its session speaks the 2.0.1 dialect', async (t) => {
  const site = await startSite();
  t.after(() => site.stop());
  const { connectRaw } = await import('../helpers/raw-client.js');
  const cp = await connectRaw(`${site.url}/CP-2`, { auth: 'CP-2:secret-2', protocols: ['ocpp1.6', 'ocpp2.0.1'] });
  t.after(() => cp.close());
  assert.equal(cp.ws.protocol, 'ocpp2.0.1');
  const boot = await cp.call('BootNotification', { reason: 'PowerUp', chargingStation: { vendorName: 'ACME', model: 'Dual' } });
  assert.equal(boot[0], 3, JSON.stringify(boot));
  assert.equal(site.daemon.registry.get('CP-2')!.protocol, 'ocpp2.0.1');
});
