// The site as one charge point towards a simulated cloud: a transaction arrives
// with the cloud's connector number and id; an outage loses and reorders nothing;
// a poisoned message is set aside after the bound and the queue drains.
import test from 'node:test';
import assert from 'node:assert/strict';
import { startCloudSite, runTransaction, drained, IDENTITY } from '../helpers/upstream-site.js';

/** Checks the cloud's view of one transaction: Start, MeterValues..., Stop, all with its cloud id. */
function assertWholeTransaction(cloud: any, cloudTxId: number, connectorId: number, meters: number): void {
  const tx = cloud.transactions.get(cloudTxId);
  assert.ok(tx, `cloud transaction ${cloudTxId} exists`);
  assert.equal(tx.connectorId, connectorId);
  assert.equal(tx.stopped, true);
  const actions = tx.messages.map((m: any) => m.action);
  assert.equal(actions[0], 'StartTransaction');
  assert.equal(actions.at(-1), 'StopTransaction');
  // Samples come as MeterValues, or folded into the Stop's transactionData on replay.
  const meterValues = tx.messages.flatMap((m: any) => (m.action === 'MeterValues' ? m.payload.meterValue : m.action === 'StopTransaction' ? m.payload.transactionData ?? [] : []));
  assert.equal(meterValues.length, meters, 'every sample delivered once');
  const energies = meterValues.map((mv: any) => Number(mv.sampledValue.find((s: any) => s.measurand === 'Energy.Active.Import.Register').value));
  assert.deepEqual(energies, [...energies].sort((a, b) => a - b), 'samples in order');
}

test('a full transaction appears in the cloud with the right connector and cloud id', async (t) => {
  const s = await startCloudSite();
  t.after(() => s.stop());
  await s.cloud.waitFor((c) => c.action === 'BootNotification');
  const cp2 = await s.charger('CP-2');
  await cp2.status(1, 'Preparing');
  await s.cloud.waitFor((c) => c.action === 'StatusNotification' && c.payload.connectorId === 3 && c.payload.status === 'Preparing');
  await runTransaction(cp2, 1, 'TAG-1', 2);
  await drained(s.site.daemon.upstream!.service);
  const [cloudTxId] = [...s.cloud.transactions.keys()];
  // CP-1 has connectors 1 and 2 in the cloud; CP-2's only connector is 3.
  assertWholeTransaction(s.cloud, cloudTxId, 3, 2);
  assert.deepEqual(s.cloud.anomalies, []);
  const boot = s.cloud.receivedOf('BootNotification')[0];
  assert.equal(boot.identity, IDENTITY);
  assert.equal(boot.payload.chargePointVendor, 'site-controller');
  assert.equal(s.site.daemon.upstream!.service.state().outboxDepth, 0);
});

test('outage: three chargers run whole transactions offline; the cloud receives every message, in order, and nothing else', async (t) => {
  const s = await startCloudSite();
  t.after(() => s.stop());
  await s.cloud.waitFor((c) => c.action === 'BootNotification');
  const sims = await Promise.all([s.charger('CP-1'), s.charger('CP-2'), s.charger('CP-3')]);
  await s.cloud.goDown();
  // While the cloud is away every charger is still answered at once.
  await Promise.all(sims.map((sim, i) => runTransaction(sim, 1, `TAG-${i}`, 5)));
  await runTransaction(sims[0], 2, 'TAG-X', 3);
  const depth = s.site.daemon.upstream!.service.state().outboxDepth;
  assert.equal(depth, 4 * 2 + 3 * 5 + 3);
  await s.cloud.comeBack();
  await drained(s.site.daemon.upstream!.service);
  const byConnector = new Map([...s.cloud.transactions.entries()].map(([id, tx]: [number, any]) => [tx.connectorId, id]));
  assert.deepEqual([...byConnector.keys()].sort(), [1, 2, 3, 4]);
  for (const [k, id] of byConnector) assertWholeTransaction(s.cloud, id, k, k === 2 ? 3 : 5);
  assert.equal(s.cloud.receivedOf('StartTransaction').length, 4);
  assert.deepEqual(s.cloud.anomalies, []);
  assert.equal(s.site.daemon.upstream!.service.state().outboxDepth, 0);
});

test('a poisoned message is retried up to the bound, set aside and reported; the queue behind it drains', async (t) => {
  const s = await startCloudSite({ upstream: { maxAttempts: 2 } });
  t.after(() => s.stop());
  await s.cloud.waitFor((c) => c.action === 'BootNotification');
  const events: any[] = [];
  s.site.daemon.upstream!.service.on('event', (e) => events.push(e));
  const cp3 = await s.charger('CP-3');
  // The cloud always refuses any message carrying a 1100 Wh sample.
  s.cloud.failAction((c) => c.action !== 'StatusNotification' && JSON.stringify(c.payload).includes('"1100"'), { code: 'InternalError', description: 'poison' });
  await s.cloud.goDown();
  await runTransaction(cp3, 1, 'TAG', 3);
  await s.cloud.comeBack();
  await drained(s.site.daemon.upstream!.service);
  const outbox = s.site.daemon.upstream!.service.outbox;
  const aside = outbox.undeliverable();
  assert.equal(aside.length, 1);
  assert.equal(aside[0].action, 'MeterValues');
  assert.equal(aside[0].attempts, 2);
  assert.match(aside[0].lastError, /poison/);
  assert.ok(events.some((e) => e.type === 'message-undeliverable'));
  const tx = [...s.cloud.transactions.values()][0] as any;
  const accepted = tx.messages.filter((m: any) => !m.error);
  const delivered = accepted.flatMap((m: any) => (m.payload.meterValue ?? m.payload.transactionData ?? []).map((v: any) => v.sampledValue[0].value));
  assert.ok(!delivered.includes('1100'));
  assert.deepEqual(delivered, ['1200', '1300'], 'the samples behind the poisoned one arrive');
  assert.equal(s.site.daemon.upstream!.service.state().outboxDepth, 0);
  assert.equal(s.site.daemon.upstream!.service.state().undeliverable, 1);
});

test('the cloud refusing a replayed StartTransaction makes the site tell the charger to stop', async (t) => {
  // Offline, unknown tags may charge on this site; the cloud knows better once back.
  const s = await startCloudSite({ upstream: { offlineAuthorization: { allowUnknownIdTags: true } } });
  t.after(() => s.stop());
  await s.cloud.waitFor((c) => c.action === 'BootNotification');
  const cp1 = await s.charger('CP-1');
  await s.cloud.goDown();
  s.cloud.setIdTagStatus('STOLEN', 'Blocked');
  const start = await cp1.startTransaction(1, 'STOLEN', 0);
  assert.equal(start.idTagInfo.status, 'Accepted');
  const told = new Promise<[string, any]>((resolve) => {
    const onCall = (action: string, payload: any) => {
      if (action !== 'RemoteStopTransaction') return;
      cp1.off('call', onCall);
      resolve([action, payload]);
    };
    cp1.on('call', onCall);
  });
  await s.cloud.comeBack();
  const [, payload] = await told;
  assert.equal(payload.transactionId, start.transactionId, 'the charger is told its own (local) transaction id');
});
