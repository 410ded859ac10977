// A car that pauses and resumes during a session (Charging → SuspendedEV → Charging) is news a
// 2.0.1 cloud bills and reports by (idle time, "car full"): a 2.0.1 station sends it as its own
// TransactionEvent Updated with triggerReason ChargingStateChanged. Behind the site, a 1.6
// charger says it with StatusNotification and a 2.0.1 charger with an Updated event without
// readings; both must reach a 2.0.1 cloud as such events, in order, also replayed after an
// outage, and never merged into a neighbouring reading. A 1.6 cloud has the statuses already
// and gets nothing more.
import test from 'node:test';
import assert from 'node:assert/strict';
import { CloudSim201 } from '../../scripts/sim/cloud201-sim.js';
import type { SimCharger } from '../../scripts/sim/charger-sim.js';
import { startCloudSite, drained, IDENTITY } from '../helpers/upstream-site.js';
import { until } from '../helpers/until.js';

const ONE_CHARGER = [{ id: 'CP-3', password: 'secret-3', connectors: 1 }];

/** The car pauses, then goes on, as each protocol's charger tells it. */
async function pauseAndResume(sim: SimCharger): Promise<void> {
  for (const state of ['SuspendedEV', 'Charging']) {
    if (!sim.v201) {
      await sim.status(1, state);
      continue;
    }
    sim.connectors.get(1)!.status = state;
    await sim.v201.updated(1, 'ChargingStateChanged', sim.readings(1));
  }
}

async function session(sim: SimCharger, tag: string): Promise<void> {
  await sim.plugIn(1);
  await sim.startCharging(1, tag);
  // The car may wait at 0 A (SuspendedEVSE) for its first limit: it charges once that came.
  await until(() => sim.connectors.get(1)!.status === 'Charging', { label: `${sim.id}'s car charging (its first limit in)` }, [sim, 'limit']);
  await sim.meterValues(1, undefined, { energyWh: 100 });
  await pauseAndResume(sim);
  await sim.meterValues(1, undefined, { energyWh: 200 });
  await sim.stopCharging(1, 'EVDisconnected');
}

for (const kind of ['1.6', '2.0.1'] as const) {
  test(`2.0.1 cloud, a ${kind} charger: a pause and resume in a session are their own Updated events (ChargingStateChanged), online and replayed after an outage`, async (t) => {
    const cloud = new CloudSim201({ identities: { [IDENTITY]: 'cloud-secret' }, outage: 'reset' });
    await cloud.start();
    // Merging on: the state changes must still stand alone between the readings.
    // One charger (no absent ones whose possible draw the balancer would hold back), unknown tags allowed offline.
    const s = await startCloudSite({ cloud, chargers: ONE_CHARGER, upstream: { protocol: 'ocpp2.0.1', maxMergedMeterValues: 10, offlineAuthorization: { allowUnknownIdTags: true } } });
    t.after(async () => {
      await s.stop();
      await cloud.stop();
    });
    const service = s.site.daemon.upstream!.service;
    await cloud.waitFor((c) => c.action === 'BootNotification', { label: "the site's BootNotification to the 2.0.1 cloud" });
    const sim = await s.charger('CP-3', kind === '2.0.1' ? { protocol: 'ocpp2.0.1' } : {});

    await session(sim, 'ON');
    await drained(service);
    await cloud.goDown();
    await until(() => service.state().state !== 'online', { label: 'the site to see the cloud link down' }, [service, 'state']);
    await session(sim, 'OFF');
    await cloud.comeBack();
    await drained(service);

    const report = cloud.ledgerReport();
    assert.deepEqual([report.gaps, report.repeats, report.unknown, report.anomalies], [[], [], [], []], 'the cloud\'s ledger is clean');
    for (const tag of ['ON', 'OFF']) {
      const tx = [...cloud.transactions.values()].find((x) => x.idToken?.idToken === tag);
      assert.ok(tx, `${tag}: a cloud transaction`);
      assert.deepEqual(tx.seqNos, tx.seqNos.map((_, i) => i), `${tag}: seqNos 0..n`);
      const changes = tx.events.filter((e) => e.triggerReason === 'ChargingStateChanged');
      const states = changes.map((e) => e.transactionInfo.chargingState);
      // Before: the 1.6 charger's Charging after its start (and a SuspendedEVSE if the car waited for
      // its first limit) is news too; the start said EVConnected (Preparing).
      assert.deepEqual(states.slice(kind === '1.6' ? -3 : -2), [...(kind === '1.6' ? ['Charging'] : []), 'SuspendedEV', 'Charging'], `${tag}: the changes in order`);
      assert.ok(changes.every((e) => e.eventType === 'Updated' && e.meterValue === undefined), `${tag}: each change stands alone, with no readings merged into it`);
      const suspended = tx.events.indexOf(changes.find((e) => e.transactionInfo.chargingState === 'SuspendedEV')!);
      const registers = (i: number) => (tx.events[i]!.meterValue ?? []).flatMap((mv) => mv.sampledValue.filter((v) => v.measurand === 'Energy.Active.Import.Register').map((v) => v.value));
      assert.ok(tx.events.slice(0, suspended).some((_, i) => registers(i).includes(100)) && tx.events.slice(suspended).some((_, i) => registers(suspended + i).includes(200)), `${tag}: the pause between the readings it came between`);
      assert.ok(changes.every((e) => Date.parse(e.timestamp) >= Date.parse(tx.startedAt)), `${tag}: timestamped when it happened, after the start`);
      assert.ok(tx.events.every((e) => (e.offline ?? false) === (tag === 'OFF')), `${tag}: offline flags`);
    }
  });
}

test('1.6 cloud: the same sessions give it no call beyond what it had before (it has the StatusNotifications), and no row is kept for them', async (t) => {
  const s = await startCloudSite({ chargers: ONE_CHARGER });
  t.after(() => s.stop());
  const service = s.site.daemon.upstream!.service;
  await s.cloud.waitFor((c) => c.action === 'BootNotification');
  const sim = await s.charger('CP-3');
  await session(sim, 'ON');
  await drained(service);
  const tx = [...s.cloud.transactions.values()][0] as { messages: Array<{ action: string; payload: any }> };
  assert.deepEqual(tx.messages.map((m) => m.action), ['StartTransaction', 'MeterValues', 'MeterValues', 'StopTransaction'], 'start, the two readings, stop');
  const told = s.cloud.receivedOf('StatusNotification').map((c) => c.payload as { connectorId: number; status: string }).filter((p) => p.connectorId === 1).map((p) => p.status);
  const changes = told.filter((st, i) => st !== told[i - 1]);
  // (A SuspendedEVSE may come between Preparing and Charging: the car waiting for its first limit.)
  assert.deepEqual(changes.slice(changes.indexOf('Preparing')).filter((st, i) => !(i === 1 && st === 'SuspendedEVSE')), ['Preparing', 'Charging', 'SuspendedEV', 'Charging', 'Finishing'], 'the statuses told it');
  assert.deepEqual(s.cloud.anomalies, []);
  // Nor does it keep rows for them: nothing that would never be sent, nothing in the outbox depth.
  assert.equal((s.site.daemon.store.db.prepare(`SELECT count(*) AS n FROM transaction_messages WHERE payload LIKE '%"meterValue":[]%'`).get() as { n: number }).n, 0);
});
