// Changing upstream.protocol on a site with a backlog: what was queued under one version is
// delivered in the other. A transaction whose start the old cloud got is opened at the new
// cloud first (from the site's journal), so nothing queued is set aside and nothing is lost.
import test from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { CloudSim } from '../../scripts/sim/cloud-sim.js';
import { CloudSim201 } from '../../scripts/sim/cloud201-sim.js';
import { makeTempDir } from '../helpers/daemon.js';
import { startCloudSite, drained, IDENTITY } from '../helpers/upstream-site.js';
import { until } from '../helpers/until.js';

const CHARGERS = [{ id: 'CP-1', password: 'secret-1', connectors: 2 }];
const energy201 = (e: any) => (e.meterValue ?? []).flatMap((mv: any) => mv.sampledValue.filter((s: any) => (s.measurand ?? 'Energy.Active.Import.Register') === 'Energy.Active.Import.Register').map((s: any) => s.value));
const energy16 = (c: { action: string; payload: any }) => {
  const mv = (list: any[] = []) => list.flatMap((m: any) => m.sampledValue.filter((s: any) => s.measurand === 'Energy.Active.Import.Register').map((s: any) => Number(s.value)));
  if (c.action === 'StartTransaction') return [c.payload.meterStart];
  if (c.action === 'StopTransaction') return [...mv(c.payload.transactionData), c.payload.meterStop];
  if (c.action === 'MeterValues') return mv(c.payload.meterValue);
  return [];
};

test('1.6 → 2.0.1 with a backlog: a transaction the 1.6 cloud saw start is opened at the 2.0.1 cloud from the journal; every queued message arrives', async (t) => {
  const dir = makeTempDir();
  const old = new CloudSim({ identities: { [IDENTITY]: 'cloud-secret' }, outage: 'reset' });
  const next = new CloudSim201({ identities: { [IDENTITY]: 'cloud-secret' } });
  await Promise.all([old.start(), next.start()]);
  t.after(async () => {
    await Promise.all([old.stop(), next.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });
  let s = await startCloudSite({ cloud: old, dir, chargers: CHARGERS });
  await old.waitFor((c) => c.action === 'BootNotification', { label: 'the 1.6 boot' });
  let cp1 = await s.charger('CP-1');
  const t1 = (await cp1.startTransaction(1, 'SW-1', 1000)).transactionId;
  await drained(s.site.daemon.upstream!.service);
  assert.equal(old.receivedOf('StartTransaction').length, 1, 'the 1.6 cloud saw the start');
  await old.goDown();
  await until(() => !s.site.daemon.upstream!.service.online, { label: 'the site to see the 1.6 cloud down' }, [s.site.daemon.upstream!.service, 'state']);
  await cp1.meterValues(1, t1, { energyWh: 1001 });
  await cp1.stopTransaction(t1, 1100);
  const t2 = (await cp1.startTransaction(2, 'SW-2', 2000)).transactionId;
  await cp1.meterValues(2, t2, { energyWh: 2001 });
  await s.stop();

  // The installer switches the site to the 2.0.1 cloud.
  s = await startCloudSite({ cloud: next, dir, chargers: CHARGERS, upstream: { protocol: 'ocpp2.0.1' } });
  t.after(() => s.stop());
  cp1 = await s.charger('CP-1');
  await cp1.stopTransaction(t2, 2100);
  await drained(s.site.daemon.upstream!.service);
  const report = next.ledgerReport();
  assert.deepEqual([report.gaps, report.repeats, report.unknown, report.anomalies], [[], [], [], []]);
  const byTag = (tag: string) => [...next.transactions.values()].find((x) => x.idToken?.idToken === tag)!;
  const a = byTag('SW-1');
  assert.equal(a.events[0].eventType, 'Started', 'made from the journal');
  assert.equal(a.events[0].timestamp, a.startedAt);
  assert.deepEqual([...new Set(a.events.flatMap(energy201))], [1000, 1001, 1100]);
  assert.equal(a.ended, true);
  const b = byTag('SW-2');
  assert.deepEqual([...new Set(b.events.flatMap(energy201))], [2000, 2001, 2100]);
  assert.equal(s.site.daemon.upstream!.service.state().undeliverable, 0);
});

test('2.0.1 → 1.6 with a backlog: the 1.6 cloud gets a StartTransaction for a transaction only the 2.0.1 cloud saw start, then the rest with its id', async (t) => {
  const dir = makeTempDir();
  const old = new CloudSim201({ identities: { [IDENTITY]: 'cloud-secret' }, outage: 'reset' });
  const next = new CloudSim({ identities: { [IDENTITY]: 'cloud-secret' } });
  await Promise.all([old.start(), next.start()]);
  t.after(async () => {
    await Promise.all([old.stop(), next.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });
  let s = await startCloudSite({ cloud: old, dir, chargers: CHARGERS, upstream: { protocol: 'ocpp2.0.1' } });
  await old.waitFor((c) => c.action === 'BootNotification', { label: 'the 2.0.1 boot' });
  let cp1 = await s.charger('CP-1', { protocol: 'ocpp2.0.1' });
  await cp1.startTransaction(1, 'SW-3', 3000);
  const h = cp1.connectors.get(1)!.transactionId!;
  await drained(s.site.daemon.upstream!.service);
  assert.equal(old.transactions.size, 1, 'the 2.0.1 cloud saw the start');
  await old.goDown();
  await until(() => !s.site.daemon.upstream!.service.online, { label: 'the site to see the 2.0.1 cloud down' }, [s.site.daemon.upstream!.service, 'state']);
  await cp1.meterValues(1, h, { energyWh: 3001 });
  await cp1.stopTransaction(h, 3100, { reason: 'EVDisconnected' });
  await s.stop();

  s = await startCloudSite({ cloud: next, dir, chargers: CHARGERS });
  t.after(() => s.stop());
  await next.waitFor((c) => c.action === 'StopTransaction', { label: 'the Stop at the 1.6 cloud' });
  await drained(s.site.daemon.upstream!.service);
  const calls = next.received.filter((c) => ['StartTransaction', 'MeterValues', 'StopTransaction'].includes(c.action));
  assert.deepEqual(calls.map((c) => c.action), ['StartTransaction', 'MeterValues', 'StopTransaction'].filter((a) => calls.some((c) => c.action === a)));
  assert.equal(calls[0].action, 'StartTransaction', 'the start first, from the journal');
  assert.deepEqual([...new Set(calls.flatMap(energy16))], [3000, 3001, 3100]);
  const [tx] = [...next.transactions.values()];
  assert.equal(next.transactions.size, 1);
  assert.equal(tx.stopped, true);
  assert.deepEqual(next.anomalies, []);
  assert.equal(s.site.daemon.upstream!.service.state().undeliverable, 0);
});
