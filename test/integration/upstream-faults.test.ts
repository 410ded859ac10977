// Store-and-forward under faults: the daemon (a real process) kill -9'ed during an
// outage and during replay, and a cloud that drops every few calls during a busy
// period. Every message a charger got a CALLRESULT for reaches the cloud, in order;
// at most the one message in flight at each kill or drop arrives twice.
import test from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { CloudSim } from '../../scripts/sim/cloud-sim.js';
import { SimCharger } from '../../scripts/sim/charger-sim.js';
import { makeTempDir, testConfigObject, writeConfig } from '../helpers/daemon.js';
import { spawnDaemon, type DaemonProcess } from '../helpers/child.js';
import { startCloudSite, upstreamSection, drained, IDENTITY, THREE_CHARGERS } from '../helpers/upstream-site.js';

const energies = (meterValue: any[] = []) => meterValue.map((mv: any) => Number(mv.sampledValue.find((s: any) => s.measurand === 'Energy.Active.Import.Register')?.value));

/**
 * The energy values that identify a message: Start's meterStart, a sample's register, Stop's
 * meterStop (after the samples folded into its transactionData on replay).
 */
function valueOf(call: { action: string; payload: any }): number[] {
  if (call.action === 'StartTransaction') return [call.payload.meterStart];
  if (call.action === 'StopTransaction') return [...energies(call.payload.transactionData), call.payload.meterStop];
  if (call.action === 'MeterValues') return energies(call.payload.meterValue);
  return [];
}

/** Checks the cloud got every acknowledged value, per transaction in order, with few duplicates. */
function checkDelivery(cloud: CloudSim, acknowledged: number[], maxDuplicates: number): void {
  const seen = new Map<number, number>();
  for (const c of cloud.received) for (const v of valueOf(c)) seen.set(v, (seen.get(v) ?? 0) + 1);
  const missing = acknowledged.filter((v) => !seen.has(v));
  assert.deepEqual(missing, [], 'every acknowledged message reached the cloud');
  const extra = [...seen.keys()].filter((v) => !acknowledged.includes(v));
  assert.deepEqual(extra, [], 'nothing the chargers did not send');
  const dups = [...seen.values()].reduce((n, k) => n + (k - 1), 0);
  assert.ok(dups <= maxDuplicates, `${dups} duplicates, at most ${maxDuplicates} allowed`);
  // Per cloud transaction: values never go backwards (a duplicate may repeat the last one).
  for (const [id, tx] of cloud.transactions) {
    const vals = tx.messages.flatMap((m: any) => valueOf(m));
    for (let i = 1; i < vals.length; i++) assert.ok(vals[i] >= vals[i - 1], `cloud transaction ${id} in order: ${vals.join(',')}`);
    // One transaction's messages all come from one local transaction's value block.
    assert.equal(new Set(vals.map((v) => Math.floor(v / 10_000))).size, 1, `cloud transaction ${id} consistent`);
  }
}

test('kill -9 during an outage and during replay: every acknowledged message arrives, in order', async (t) => {
  const dir = makeTempDir();
  // 'reset' outages keep the port: tests running in parallel cannot take it while the cloud is down.
  const cloud = new CloudSim({ identities: { [IDENTITY]: 'cloud-secret' }, outage: 'reset' });
  await cloud.start();
  let daemon: DaemonProcess | null = null;
  const sims: SimCharger[] = [];
  t.after(async () => {
    await Promise.all(sims.map((s) => s.close().catch(() => {})));
    await daemon?.kill('SIGKILL');
    await cloud.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const config = writeConfig(dir, testConfigObject(dir, { chargers: THREE_CHARGERS, upstream: upstreamSection(cloud.url, { maxMergedMeterValues: 1 }), log: { level: 'info' } }));
  const connect = async (id: string) => {
    const n = Number(id.slice(3));
    const sim = new SimCharger({ url: `ws://127.0.0.1:${daemon!.port}/ocpp`, id, password: `secret-${n}`, connectors: n === 1 ? 2 : 1, callTimeoutMs: 5000 });
    sims.push(sim);
    await sim.connect();
    return sim;
  };
  const acknowledged: number[] = [];
  const ack = (v: number) => acknowledged.push(v);

  daemon = await spawnDaemon(config);
  await cloud.waitFor((c) => c.action === 'BootNotification');
  await cloud.goDown();
  // Three transactions, each in its own 10 000 Wh block; a kill in the middle of them.
  const chargers = ['CP-1', 'CP-2', 'CP-3'];
  const txIds: number[] = [];
  let sessions = await Promise.all(chargers.map(connect));
  for (let i = 0; i < 3; i++) {
    const base = (i + 1) * 10_000;
    txIds.push((await sessions[i].startTransaction(1, `TAG-${i}`, base)).transactionId);
    ack(base);
    for (let k = 1; k <= 3; k++) await sessions[i].meterValues(1, txIds[i], { energyWh: base + k }).then(() => ack(base + k));
  }
  daemon.proc.kill('SIGKILL');
  await daemon.exited;
  daemon = await spawnDaemon(config);
  sessions = await Promise.all(chargers.map(connect));
  for (let i = 0; i < 3; i++) {
    const base = (i + 1) * 10_000;
    for (let k = 4; k <= 6; k++) await sessions[i].meterValues(1, txIds[i], { energyWh: base + k }).then(() => ack(base + k));
    await sessions[i].stopTransaction(txIds[i], base + 100);
    ack(base + 100);
  }
  await Promise.all(sims.splice(0).map((s) => s.close()));

  // Replay, killed twice while the cloud is receiving. Merging is off so the replay
  // takes several calls and the kills land in the middle of it.
  let kills = 0;
  for (const after of [3, 5]) {
    let count = 0;
    const reached = new Promise<void>((resolve) => {
      const onCall = (c: { action: string }) => {
        if (!['StartTransaction', 'MeterValues', 'StopTransaction'].includes(c.action) || ++count < after) return;
        cloud.off('call', onCall);
        // Killed right as the cloud receives this message: its answer never reaches the site.
        daemon!.proc.kill('SIGKILL');
        resolve();
      };
      cloud.on('call', onCall);
    });
    await cloud.comeBack();
    await reached;
    await daemon.exited;
    kills++;
    await cloud.goDown();
    daemon = await spawnDaemon(config);
  }
  await cloud.comeBack();
  await cloud.waitFor((c) => c.action === 'StopTransaction' && c.payload.meterStop === 30_100 && cloud.receivedOf('StopTransaction').length >= 3);
  // The last Stop arriving does not mean the earlier ones did: wait until each is there.
  for (const v of [10_100, 20_100, 30_100]) await cloud.waitFor((c) => c.action === 'StopTransaction' && c.payload.meterStop === v);
  checkDelivery(cloud, acknowledged, kills);
  assert.equal(cloud.transactions.size >= 3, true);
});

test('flapping: the cloud drops every few calls during a busy period; nothing is lost or reordered', async (t) => {
  const s = await startCloudSite({ upstream: { maxMergedMeterValues: 1 } });
  t.after(() => s.stop());
  await s.cloud.waitFor((c) => c.action === 'BootNotification');
  let drops = 0;
  let txMessages = 0;
  s.cloud.on('call', (c: { action: string }) => {
    // Drop the link on every 7th transaction message, while chargers send and during the replays.
    if (!['StartTransaction', 'MeterValues', 'StopTransaction'].includes(c.action)) return;
    if (++txMessages % 7 !== 0 || drops >= 8) return;
    drops++;
    void s.cloud.goDown().then(() => s.cloud.comeBack());
  });
  const sims = await Promise.all([s.charger('CP-1'), s.charger('CP-2'), s.charger('CP-3')]);
  const acknowledged: number[] = [];
  await Promise.all(sims.map(async (sim, i) => {
    for (let round = 0; round < 2; round++) {
      const base = (i * 2 + round + 1) * 10_000;
      const tx = (await sim.startTransaction(1, 'TAG', base)).transactionId;
      acknowledged.push(base);
      for (let k = 1; k <= 8; k++) {
        await sim.meterValues(1, tx, { energyWh: base + k });
        acknowledged.push(base + k);
      }
      await sim.stopTransaction(tx, base + 100);
      acknowledged.push(base + 100);
    }
  }));
  await drained(s.site.daemon.upstream!.service);
  assert.equal(drops, 8, 'the link dropped 8 times');
  checkDelivery(s.cloud, acknowledged, drops);
  assert.equal(s.site.daemon.upstream!.service.state().undeliverable, 0);
});
