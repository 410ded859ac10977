// A mixed site (OCPP 1.6 and 2.0.1 chargers) behind today's 1.6 cloud: online, through an
// outage with replay, and with the daemon (a real process) kill -9'ed during a 2.0.1
// transaction and during replay. What the user checks at the cloud: every message a charger
// got an answer for is there, on the right cloud connector, in order per transaction; each
// charger transaction is one cloud transaction; a repeat only for a call in flight at a break;
// a TransactionEvent the 2.0.1 charger re-sends after the kill is stored once.
import test from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { CloudSim } from '../../scripts/sim/cloud-sim.js';
import { SimCharger } from '../../scripts/sim/charger-sim.js';
import { judgeLedger } from '../../scripts/chaos/verdict.js';
import { makeTempDir, testConfigObject, writeConfig } from '../helpers/daemon.js';
import { spawnDaemon, type DaemonProcess } from '../helpers/child.js';
import { startCloudSite, upstreamSection, drained, chargeSession, IDENTITY, THREE_CHARGERS } from '../helpers/upstream-site.js';
import { until, within } from '../helpers/until.js';

const TX_ACTIONS = ['StartTransaction', 'MeterValues', 'StopTransaction'];
const energies = (meterValue: any[] = []) => meterValue.map((mv: any) => Number(mv.sampledValue.find((s: any) => s.measurand === 'Energy.Active.Import.Register')?.value));

/** The energy register values a cloud call carries (Start's meterStart, samples, Stop's transactionData and meterStop). */
function valuesOf(call: { action: string; payload: any }): number[] {
  if (call.action === 'StartTransaction') return [call.payload.meterStart];
  if (call.action === 'StopTransaction') return [...energies(call.payload.transactionData), call.payload.meterStop];
  if (call.action === 'MeterValues') return energies(call.payload.meterValue);
  return [];
}

/** What one charger transaction must look like at the cloud: its idTag (unique per test), cloud connector and acknowledged registers. */
interface Expected {
  idTag: string;
  connector: number;
  values: number[];
}

/**
 * The user's check at the cloud. Per charger transaction: exactly one cloud transaction carries
 * its messages (a Start repeated at a break may leave a second one holding only that Start),
 * on the expected connector, stopped, with every acknowledged register, nothing from another
 * transaction, in order of first arrival. Repeats: at most one per break, only of the call in flight.
 */
function checkCloud(cloud: CloudSim, expected: Expected[], breaks: number): void {
  // On failure, what the cloud got, call by call: the connection, the action, the cloud id, the registers.
  const trace = () => '\n' + cloud.received.filter((c) => TX_ACTIONS.includes(c.action))
    .map((c) => `conn ${c.connection} ${c.action} tx ${c.transactionId ?? '-'} [${valuesOf(c).join(',')}]`).join('\n');
  let repeatedStarts = 0;
  for (const e of expected) {
    const all = [...cloud.transactions.values()].filter((x) => x.idTag === e.idTag);
    const main = all.filter((x) => x.messages.length > 1 || x.stopped);
    assert.equal(main.length, 1, `${e.idTag}: one cloud transaction carries it (cloud ids ${all.map((x) => x.id).join(',')})`);
    repeatedStarts += all.length - 1;
    const tx = main[0];
    assert.equal(tx.connectorId, e.connector, `${e.idTag}: on cloud connector ${e.connector}`);
    assert.equal(tx.stopped, true, `${e.idTag}: stopped at the cloud`);
    // In order of first arrival: a call repeated after a break (counted below) brings nothing new.
    const vals = [...new Set(tx.messages.flatMap(valuesOf))];
    assert.deepEqual(e.values.filter((v) => !vals.includes(v)), [], `${e.idTag}: every acknowledged register reached the cloud${trace()}`);
    assert.deepEqual(vals.filter((v) => !e.values.includes(v)), [], `${e.idTag}: nothing from another transaction${trace()}`);
    for (let i = 1; i < vals.length; i++) assert.ok(vals[i] > vals[i - 1], `${e.idTag}: in order at the cloud: ${vals.join(',')}${trace()}`);
  }
  const ledger = judgeLedger([], cloud.received);
  assert.deepEqual(ledger.duplicatesUnexplained, [], `only a call in flight at a break is repeated${trace()}`);
  // A repeated Start is one of the repeated calls (its content repeats), not one more.
  assert.ok(repeatedStarts <= ledger.duplicates, 'a second cloud transaction only from a repeated Start');
  assert.ok(ledger.duplicates <= breaks, `${ledger.duplicates} repeated call(s) (${repeatedStarts} of them a Start) for ${breaks} break(s)${trace()}`);
}


test('mixed site: online, then an outage with replay; every message on the right cloud connector, in order', async (t) => {
  const s = await startCloudSite({ upstream: { maxMergedMeterValues: 1 } });
  t.after(() => s.stop());
  await s.cloud.waitFor((c) => c.action === 'BootNotification', { label: "the site's BootNotification to the cloud" });
  const [cp1, cp3] = await Promise.all([s.charger('CP-1'), s.charger('CP-3', { protocol: 'ocpp2.0.1' })]);
  const acked: number[] = [];
  const ack = (v: number) => acked.push(v);

  // Online: one transaction each; the cloud sees them at once, on connectors 2 (CP-1 #2) and 4 (CP-3 EVSE 1).
  await Promise.all([chargeSession(cp1, 2, 'ON-16', 10_000, 2, ack), chargeSession(cp3, 1, 'ON-201', 20_000, 2, ack)]);
  await drained(s.site.daemon.upstream!.service);
  assert.equal(s.cloud.transactions.size, 2);

  // Outage: both chargers run transactions; the site answers them, the cloud sees nothing meanwhile.
  await s.cloud.goDown();
  const during = s.cloud.received.length;
  await Promise.all([
    chargeSession(cp1, 1, 'OFF-16', 30_000, 3, ack).then(() => chargeSession(cp1, 2, 'OFF-16b', 40_000, 1, ack)),
    chargeSession(cp3, 1, 'OFF-201', 50_000, 3, ack).then(() => chargeSession(cp3, 1, 'OFF-201b', 60_000, 2, ack)),
  ]);
  assert.equal(s.cloud.received.length, during, 'nothing reached the cloud while it was down');
  assert.ok(s.site.daemon.upstream!.service.state().outboxDepth > 0, 'the site holds the outage\'s messages');
  await s.cloud.comeBack();
  await drained(s.site.daemon.upstream!.service);

  const expected: Expected[] = [
    ['ON-16', 2, 10_000, 2], ['ON-201', 4, 20_000, 2], ['OFF-16', 1, 30_000, 3], ['OFF-16b', 2, 40_000, 1], ['OFF-201', 4, 50_000, 3], ['OFF-201b', 4, 60_000, 2],
  ].map(([idTag, connector, base, meters]) => ({
    idTag: idTag as string, connector: connector as number,
    values: acked.filter((v) => Math.floor(v / 10_000) === (base as number) / 10_000),
  }));
  for (const e of expected) assert.ok(e.values.length >= 3, `${e.idTag}: its messages were acknowledged`);
  checkCloud(s.cloud, expected, 0);
  assert.deepEqual(s.cloud.anomalies, []);
  assert.equal(s.site.daemon.upstream!.service.state().undeliverable, 0);
});

/**
 * A TCP relay between a charger and the daemon whose answers can be lost on the way back
 * (`dropAnswers`): the charger's frames still reach the site, the site's never reach the
 * charger, as on a link that dies after the charger sent. `target` follows a restarted daemon.
 */
class LossyRelay {
  target = 0;
  dropAnswers = false;
  private server?: Server;
  private readonly sockets = new Set<Socket>();

  async start(): Promise<number> {
    this.server = createServer((down) => {
      const up = connect(this.target, '127.0.0.1');
      for (const s of [down, up]) {
        this.sockets.add(s);
        s.on('error', () => {});
        s.on('close', () => {
          this.sockets.delete(s);
          down.destroy();
          up.destroy();
        });
      }
      down.on('data', (d) => up.write(d));
      up.on('data', (d) => {
        if (!this.dropAnswers) down.write(d);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as { port: number }).port;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

test('kill -9 during a 2.0.1 transaction and during replay: nothing lost, one cloud transaction each, a re-sent TransactionEvent stored once', async (t) => {
  const dir = makeTempDir();
  const cloud = new CloudSim({ identities: { [IDENTITY]: 'cloud-secret' }, outage: 'reset' });
  await cloud.start();
  const relay = new LossyRelay();
  const relayPort = await relay.start();
  let daemon: DaemonProcess | null = null;
  const sims: SimCharger[] = [];
  t.after(async () => {
    await Promise.all(sims.map((s) => s.close().catch(() => {})));
    await daemon?.kill('SIGKILL');
    await relay.stop();
    await cloud.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const config = writeConfig(dir, testConfigObject(dir, { chargers: THREE_CHARGERS, upstream: upstreamSection(cloud.url, { maxMergedMeterValues: 1 }), log: { level: 'info' } }));
  const start = async () => {
    daemon = await spawnDaemon(config);
    relay.target = daemon.port;
  };
  // CP-1 speaks 1.6 straight to the daemon (a new socket per daemon life); CP-3 speaks 2.0.1 through
  // the relay, one simulator for the whole test so that its queue of unanswered events survives the kills.
  const cp1At = async () => {
    const sim = new SimCharger({ url: `ws://127.0.0.1:${daemon!.port}/ocpp`, id: 'CP-1', password: 'secret-1', connectors: 2, callTimeoutMs: 5000 });
    sims.push(sim);
    await sim.connect();
    return sim;
  };
  const cp3 = new SimCharger({ url: `ws://127.0.0.1:${relayPort}/ocpp`, id: 'CP-3', password: 'secret-3', connectors: 1, protocol: 'ocpp2.0.1', callTimeoutMs: 60_000 });
  sims.push(cp3);
  cp3.on('warning', () => {});
  const cp3Closed = () => within(new Promise<void>((resolve) => (cp3.connected ? cp3.once('close', () => resolve()) : resolve())), 'CP-3 to see its link drop');
  const acked: number[] = [];
  const ack = (v: number) => acked.push(v);
  const kill = async () => {
    const closed = cp3Closed();
    daemon!.proc.kill('SIGKILL');
    await daemon!.exited;
    await closed;
  };

  await start();
  await cloud.waitFor((c) => c.action === 'BootNotification', { label: "the site's BootNotification to the cloud" });
  let cp1 = await cp1At();
  await cp3.connect();
  await cp3.boot();

  // Online: a transaction on each charger.
  const tx16 = (await cp1.startTransaction(1, 'K-16', 10_000)).transactionId as number;
  ack(10_000);
  await cp1.meterValues(1, tx16, { energyWh: 10_001 }).then(() => ack(10_001));
  await cp3.startTransaction(1, 'K-201', 40_000);
  ack(40_000);
  const h201 = cp3.connectors.get(1)!.transactionId!;
  await cp3.meterValues(1, h201, { energyWh: 40_001 }).then(() => ack(40_001));
  await cloud.waitFor((c) => c.action === 'MeterValues' && energies(c.payload.meterValue).includes(40_001), { label: 'CP-3\'s first sample at the cloud' });

  // Kill 1, during the 2.0.1 transaction: the site stored (and forwarded) CP-3's next event, but
  // its answer is lost on the way back; the daemon dies before CP-3 hears anything.
  relay.dropAnswers = true;
  const lost = cp3.meterValues(1, h201, { energyWh: 40_002 }).then(() => ack(40_002));
  await cloud.waitFor((c) => c.action === 'MeterValues' && energies(c.payload.meterValue).includes(40_002), { label: 'the unanswered event forwarded to the cloud' });
  await kill();
  relay.dropAnswers = false;
  // The car goes on charging while the site is dead: CP-3 queues its events.
  const queued = cp3.meterValues(1, h201, { energyWh: 40_003 }).then(() => ack(40_003));
  await start();
  cp1 = await cp1At();
  await cp3.connect(); // a socket reconnect, not a reboot: the unanswered event goes first, unchanged
  await within(Promise.all([lost, queued]), 'CP-3\'s re-sent and queued events answered');
  await until(() => /TransactionEvent re-sent by the charger: already recorded/.test(daemon!.output()), { label: 'the restarted site logging the re-sent event as already recorded' }, [daemon!.proc.stdout!, 'data'], [daemon!.proc.stderr!, 'data']);
  // The site's journal (what goes to the cloud) holds that sample once: the re-send changed nothing.
  const db = new Database(join(dir, 'site.db'), { readonly: true });
  const journalled = (db.prepare(`SELECT COUNT(*) AS n FROM transaction_messages WHERE charger_id = 'CP-3' AND action = 'MeterValues' AND payload LIKE '%"40002"%'`).get() as { n: number }).n;
  db.close();
  assert.equal(journalled, 1, 'the re-sent TransactionEvent is journalled once');

  // An outage: both chargers finish their transactions, CP-3 runs another one.
  await cloud.goDown();
  await cp1.meterValues(1, tx16, { energyWh: 10_002 }).then(() => ack(10_002));
  await cp1.stopTransaction(tx16, 10_100).then(() => ack(10_100));
  await cp3.meterValues(1, h201, { energyWh: 40_004 }).then(() => ack(40_004));
  await cp3.stopTransaction(h201, 40_100, { reason: 'EVDisconnected' }).then(() => ack(40_100));
  await chargeSession(cp3, 1, 'K-201b', 50_000, 3, ack);
  await Promise.all(sims.filter((s) => s !== cp3).map((s) => s.close()));

  // Replay, killed twice while the cloud receives it (merging is off, so it takes several calls).
  let kills = 1;
  for (const after of [2, 4]) {
    let count = 0;
    const reached = new Promise<void>((resolve) => {
      const onCall = (c: { action: string }) => {
        if (!TX_ACTIONS.includes(c.action) || ++count < after) return;
        cloud.off('call', onCall);
        daemon!.proc.kill('SIGKILL'); // as the cloud receives it: the site never records the answer
        resolve();
      };
      cloud.on('call', onCall);
    });
    await cloud.comeBack();
    await within(reached, `the replay's transaction message #${after} at the cloud`);
    await kill();
    kills++;
    await cloud.goDown();
    await start();
    await cp3.connect();
  }
  await cloud.comeBack();
  for (const v of [10_100, 40_100, 50_100]) await cloud.waitFor((c) => c.action === 'StopTransaction' && c.payload.meterStop === v, { label: `the Stop with meterStop ${v} at the cloud` });

  const inBlock = (b: number) => acked.filter((v) => Math.floor(v / 10_000) === b);
  checkCloud(cloud, [
    { idTag: 'K-16', connector: 1, values: inBlock(1) },
    { idTag: 'K-201', connector: 4, values: inBlock(4) },
    { idTag: 'K-201b', connector: 4, values: inBlock(5) },
  ], kills);
  assert.deepEqual([...inBlock(4)].sort(), [40_000, 40_001, 40_002, 40_003, 40_004, 40_100], 'every event of CP-3\'s first transaction was answered in the end');
  // A Stop in flight at a kill comes again (counted above); the cloud notes it, and nothing else.
  assert.deepEqual(cloud.anomalies.filter((a) => !/StopTransaction .* already stopped$/.test(a)), []);
});
