// The site as one OCPP 2.0.1 station towards a 2.0.1 cloud, with 1.6 chargers, 2.0.1
// chargers and both behind it: online, through an outage with replay, and with the daemon
// (a real process) kill -9'ed during an offline transaction and during replay. What the
// user checks at the cloud's transaction ledger: every message a charger got an answer for
// is there, in one cloud transaction per charger transaction, on the right EVSE; seqNos
// 0..n with no gap and no seqNo reused for other content; offline flags on what happened
// while the link was down; a re-sent event only for one in flight at a kill.
import test from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { CloudSim201, type Cloud201Transaction } from '../../scripts/sim/cloud201-sim.js';
import { SimCharger } from '../../scripts/sim/charger-sim.js';
import { makeTempDir, testConfigObject, writeConfig } from '../helpers/daemon.js';
import { spawnDaemon, type DaemonProcess } from '../helpers/child.js';
import { startCloudSite, upstreamSection, drained, chargeSession, IDENTITY, THREE_CHARGERS } from '../helpers/upstream-site.js';
import { until, within } from '../helpers/until.js';

/** Energy registers (Wh) an event carries, in its order. */
function registers(e: { meterValue?: Array<{ sampledValue: Array<{ value: number; measurand?: string; unitOfMeasure?: { unit?: string } }> }> }): number[] {
  return (e.meterValue ?? []).flatMap((mv) => mv.sampledValue
    .filter((s) => (s.measurand ?? 'Energy.Active.Import.Register') === 'Energy.Active.Import.Register' && (s.unitOfMeasure?.unit ?? 'Wh') === 'Wh')
    .map((s) => s.value));
}

interface Expected {
  idTag: string;
  evse: number;
  values: number[];
  /** Every event of it happened while the cloud link was down (true), or none did (false); undefined: mixed. */
  offline?: boolean;
}

function checkLedger(cloud: CloudSim201, expected: Expected[], kills: number): void {
  const report = cloud.ledgerReport();
  const trace = () => '\n' + [...cloud.transactions.values()].map((t) => `${t.transactionId} evse ${t.evseId} ${t.idToken?.idToken}: ` +
    t.events.map((e) => `${e.seqNo}${e.eventType[0]}${e.offline ? '*' : ''}[${registers(e).join(',')}]`).join(' ')).join('\n');
  assert.deepEqual(report.gaps, [], `no seqNo gaps${trace()}`);
  assert.deepEqual(report.repeats, [], `no seqNo used for two contents${trace()}`);
  assert.deepEqual(report.unknown, [], `no event for a transaction the cloud never saw start${trace()}`);
  assert.deepEqual(report.anomalies, [], `the cloud found nothing wrong${trace()}`);
  assert.ok(report.duplicates <= kills, `${report.duplicates} re-sent event(s) for ${kills} kill(s)${trace()}`);
  for (const e of expected) {
    const txs: Cloud201Transaction[] = [...cloud.transactions.values()].filter((t) => t.idToken?.idToken === e.idTag);
    assert.equal(txs.length, 1, `${e.idTag}: one cloud transaction${trace()}`);
    const tx = txs[0];
    assert.equal(tx.evseId, e.evse, `${e.idTag}: on EVSE ${e.evse}`);
    assert.equal(tx.connectorId, 1, `${e.idTag}: connector 1 of its EVSE`);
    assert.equal(tx.ended, true, `${e.idTag}: ended at the cloud${trace()}`);
    assert.deepEqual(tx.seqNos, tx.seqNos.map((_, i) => i), `${e.idTag}: seqNo 0..n in order${trace()}`);
    const distinct = tx.events.filter((ev, i) => tx.events.findIndex((x) => x.seqNo === ev.seqNo) === i);
    const vals = [...new Set(distinct.flatMap(registers))];
    assert.deepEqual(e.values.filter((v) => !vals.includes(v)), [], `${e.idTag}: every acknowledged register reached the cloud${trace()}`);
    assert.deepEqual(vals.filter((v) => !e.values.includes(v)), [], `${e.idTag}: nothing from another transaction${trace()}`);
    for (let i = 1; i < vals.length; i++) assert.ok(vals[i] > vals[i - 1], `${e.idTag}: in order: ${vals.join(',')}`);
    if (e.offline !== undefined) assert.ok(distinct.every((ev) => (ev.offline ?? false) === e.offline), `${e.idTag}: offline ${e.offline} on every event${trace()}`);
  }
}


const block = (acked: number[], base: number) => acked.filter((v) => Math.floor(v / 10_000) === base / 10_000);

for (const kind of ['1.6', '2.0.1', 'mixed'] as const) {
  test(`2.0.1 cloud, ${kind} chargers: online, then an outage with replay; one cloud transaction each, seqNos continuous, offline flags right`, async (t) => {
    const cloud = new CloudSim201({ identities: { [IDENTITY]: 'cloud-secret' }, outage: 'reset' });
    await cloud.start();
    const s = await startCloudSite({ cloud, upstream: { protocol: 'ocpp2.0.1', maxMergedMeterValues: 10 } });
    t.after(async () => {
      await s.stop();
      await cloud.stop();
    });
    await cloud.waitFor((c) => c.action === 'BootNotification', { label: "the site's BootNotification to the 2.0.1 cloud" });
    const boot = cloud.receivedOf('BootNotification')[0].payload as any;
    assert.equal(boot.reason, 'PowerUp');
    assert.equal(typeof boot.chargingStation.model, 'string');
    const v = (id: 'CP-1' | 'CP-3') => (kind === '2.0.1' || (kind === 'mixed' && id === 'CP-3') ? { protocol: 'ocpp2.0.1' as const } : {});
    const [cp1, cp3] = await Promise.all([s.charger('CP-1', v('CP-1')), s.charger('CP-3', v('CP-3'))]);
    const acked: number[] = [];
    const ack = (x: number) => acked.push(x);

    await Promise.all([chargeSession(cp1, 2, `ON-${kind}-a`, 10_000, 2, ack), chargeSession(cp3, 1, `ON-${kind}-b`, 20_000, 2, ack)]);
    await drained(s.site.daemon.upstream!.service);
    // Status per EVSE: connector 1 of each, 2.0.1 vocabulary.
    const statuses = cloud.receivedOf('StatusNotification').map((c) => c.payload as any);
    assert.ok(statuses.length > 0 && statuses.every((p) => p.connectorId === 1 && ['Available', 'Occupied', 'Reserved', 'Unavailable', 'Faulted'].includes(p.connectorStatus)));
    assert.ok(statuses.some((p) => p.evseId === 4), 'CP-3 EVSE 1 is the site\'s EVSE 4');

    await cloud.goDown();
    // What happens from the moment the site knows its link is down is offline (it cannot know sooner).
    await until(() => s.site.daemon.upstream!.service.state().state !== 'online', { label: 'the site to see the cloud link down' }, [s.site.daemon.upstream!.service, 'state']);
    await Promise.all([
      chargeSession(cp1, 1, `OFF-${kind}-a`, 30_000, 4, ack),
      chargeSession(cp3, 1, `OFF-${kind}-b`, 50_000, 5, ack),
    ]);
    assert.ok(s.site.daemon.upstream!.service.state().outboxDepth > 0, 'the site holds the outage\'s messages');
    await cloud.comeBack();
    await drained(s.site.daemon.upstream!.service);

    checkLedger(cloud, [
      { idTag: `ON-${kind}-a`, evse: 2, values: block(acked, 10_000), offline: false },
      { idTag: `ON-${kind}-b`, evse: 4, values: block(acked, 20_000), offline: false },
      { idTag: `OFF-${kind}-a`, evse: 1, values: block(acked, 30_000), offline: true },
      { idTag: `OFF-${kind}-b`, evse: 4, values: block(acked, 50_000), offline: true },
    ], 0);
    // Merging: the outage's MeterValues went in fewer events than messages (at most 10 readings each).
    const off = [...cloud.transactions.values()].find((x) => x.idToken?.idToken === `OFF-${kind}-b`)!;
    assert.ok(off.events.length < 7, `merged replay: ${off.events.length} events for 7 messages: ${JSON.stringify(off.events.map((e) => [e.seqNo, e.offline, e.meterValue?.length]))}`);
    assert.equal(s.site.daemon.upstream!.service.state().undeliverable, 0);
  });
}

for (const kind of ['1.6', '2.0.1', 'mixed'] as const) {
  test(`2.0.1 cloud, ${kind} chargers, kill -9 during an offline transaction and twice during replay: nothing lost, seqNos continuous, duplicates <= kills`, async (t) => {
    const dir = makeTempDir();
    const cloud = new CloudSim201({ identities: { [IDENTITY]: 'cloud-secret' }, outage: 'reset' });
    await cloud.start();
    let daemon: DaemonProcess | null = null;
    const sims: SimCharger[] = [];
    t.after(async () => {
      await Promise.all(sims.map((x) => x.close().catch(() => {})));
      await daemon?.kill('SIGKILL');
      await cloud.stop();
      rmSync(dir, { recursive: true, force: true });
    });
    const config = writeConfig(dir, testConfigObject(dir, {
      chargers: THREE_CHARGERS, upstream: upstreamSection(cloud.url, { protocol: 'ocpp2.0.1', maxMergedMeterValues: 1 }), log: { level: 'info' },
    }));
    // One simulator per charger for the whole test, so that the 2.0.1 one keeps its transaction id and seqNos across daemon lives.
    const v = (p: boolean) => (p ? { protocol: 'ocpp2.0.1' as const } : {});
    const cp1 = new SimCharger({ url: 'ws://127.0.0.1:1/ocpp', id: 'CP-1', password: 'secret-1', connectors: 2, callTimeoutMs: 5000, ...v(kind === '2.0.1') });
    const cp3 = new SimCharger({ url: 'ws://127.0.0.1:1/ocpp', id: 'CP-3', password: 'secret-3', connectors: 1, callTimeoutMs: 5000, ...v(kind !== '1.6') });
    for (const x of [cp1, cp3]) x.on('warning', () => {});
    const handle = (sim: SimCharger, c: number, res: any) => (sim.v201 ? sim.connectors.get(c)!.transactionId! : res.transactionId);
    sims.push(cp1, cp3);
    const reconnect = async () => {
      for (const x of sims) x.retarget(`ws://127.0.0.1:${daemon!.port}/ocpp`);
      await Promise.all(sims.map((x) => x.connect()));
    };
    const acked: number[] = [];
    const ack = (x: number) => acked.push(x);
    let kills = 0;
    const kill = async () => {
      const closed = sims.filter((x) => x.connected).map((x) => within(new Promise<void>((resolve) => x.once('close', () => resolve())), `${x.id} to see its link drop`));
      daemon!.proc.kill('SIGKILL');
      await daemon!.exited;
      kills++;
      await Promise.all(closed);
    };

    daemon = await spawnDaemon(config);
    await cloud.waitFor((c) => c.action === 'BootNotification', { label: "the site's BootNotification" });
    await reconnect();
    await Promise.all([cp1.boot(), cp3.boot()]);

    // Offline: a transaction on each charger starts, the daemon dies in the middle of them.
    await cloud.goDown();
    await until(() => /cloud link down/.test(daemon!.output()), { label: 'the site logging the cloud link down' }, [daemon.proc.stdout!, 'data'], [daemon.proc.stderr!, 'data']);
    const tx16 = handle(cp1, 1, await cp1.startTransaction(1, 'K-16', 10_000));
    ack(10_000);
    await cp1.meterValues(1, tx16, { energyWh: 10_001 }).then(() => ack(10_001));
    const h201 = handle(cp3, 1, await cp3.startTransaction(1, 'K-201', 40_000));
    ack(40_000);
    await cp3.meterValues(1, h201, { energyWh: 40_001 }).then(() => ack(40_001));
    await kill();
    daemon = await spawnDaemon(config);
    await reconnect();
    // The chargers carry on with the same transactions.
    await cp1.meterValues(1, tx16, { energyWh: 10_002 }).then(() => ack(10_002));
    await cp1.stopTransaction(tx16, 10_100).then(() => ack(10_100));
    await cp3.meterValues(1, h201, { energyWh: 40_002 }).then(() => ack(40_002));
    await cp3.stopTransaction(h201, 40_100, { reason: 'EVDisconnected' }).then(() => ack(40_100));
    await chargeSession(cp1, 2, 'K-16b', 20_000, 3, ack);
    await Promise.all(sims.map((x) => x.close()));

    // Replay, killed twice as the cloud receives a TransactionEvent (merging off: many calls).
    for (const after of [3, 6]) {
      let count = 0;
      const reached = new Promise<void>((resolve) => {
        const onCall = (c: { action: string }) => {
          if (c.action !== 'TransactionEvent' || ++count < after) return;
          cloud.off('call', onCall);
          daemon!.proc.kill('SIGKILL');
          resolve();
        };
        cloud.on('call', onCall);
      });
      await cloud.comeBack();
      await within(reached, `the replay's TransactionEvent #${after} at the cloud`);
      await kill();
      await cloud.goDown();
      daemon = await spawnDaemon(config);
    }
    await cloud.comeBack();
    const ended = () => [...cloud.transactions.values()].filter((x) => x.ended).length;
    await cloud.waitFor(() => ended() === 3, { label: 'all three transactions Ended at the cloud' });

    checkLedger(cloud, [
      { idTag: 'K-16', evse: 1, values: block(acked, 10_000) },
      { idTag: 'K-201', evse: 4, values: block(acked, 40_000) },
      { idTag: 'K-16b', evse: 2, values: block(acked, 20_000), offline: true },
    ], kills);
    // Everything was stored while the cloud was down: every event says offline.
    for (const tx of cloud.transactions.values()) assert.ok(tx.events.every((e) => e.offline === true), `${tx.transactionId}: offline events`);
  });
}
