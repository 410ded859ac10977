// Benchmarks of the upstream side (issue 3): replay of a 100,000-message backlog to a
// loopback cloud with and without MeterValues merging, the same with 100 ms added
// round trip, and the latency the site adds to an online Authorize.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { CloudSim } from '../sim/cloud-sim.js';
import { CloudSim201 } from '../sim/cloud201-sim.js';
import { SimCharger } from '../sim/charger-sim.js';
import { Store } from '../../daemon/store/store.js';
import { ChargerRegistry } from '../../daemon/local/registry.js';
import { UpstreamService } from '../../daemon/upstream/service.js';
import { parseConfig } from '../../daemon/config/load.js';
import { createDaemon } from '../../daemon/main.js';
import { silentLogger } from '../../daemon/log.js';
import { report, percentile } from './lib.js';

const TRANSACTIONS = Number(process.env.BENCH_REPLAY_TX ?? 1000);
const PER_TX = 100; // Start + 98 MeterValues + Stop

function upstreamConfig(url: string, maxMerged: number, fold: boolean, protocol: 'ocpp1.6' | 'ocpp2.0.1'): any {
  return parseConfig(stringify({
    site: { id: 'bench' },
    chargers: [{ id: 'CP', password: 'x', connectors: 10 }],
    upstream: { url, identity: 'SITE', protocol, reconnect: { minS: 0.05, maxS: 0.5 }, pingIntervalS: 0, maxMergedMeterValues: maxMerged, foldMeterValuesIntoStop: fold, callTimeoutS: 30 },
  }), 'bench').upstream;
}

/** Fills the journal (and so the outbox) with TRANSACTIONS × PER_TX messages, as the local CSMS would. */
function fillBacklog(store: Store): void {
  const tx = store.transactions;
  const t0 = Date.parse('2026-11-21T00:00:00Z');
  for (let i = 0; i < TRANSACTIONS; i++) {
    store.db.transaction(() => {
      const connectorId = (i % 10) + 1;
      const ts = (k: number) => new Date(t0 + i * 3_600_000 + k * 10_000).toISOString();
      const { id } = tx.start({ chargerId: 'CP', connectorId, idTag: 'TAG', authStatus: 'Accepted', meterStartWh: 0, startedAt: ts(0), payload: { connectorId, idTag: 'TAG', meterStart: 0, timestamp: ts(0) } });
      for (let k = 1; k <= PER_TX - 2; k++) {
        tx.meterValues('CP', id, { connectorId, transactionId: id, meterValue: [{ timestamp: ts(k), sampledValue: [
          { value: String(k * 100), measurand: 'Energy.Active.Import.Register', unit: 'Wh' },
          { value: '16.0', measurand: 'Current.Import', phase: 'L1', unit: 'A' },
        ] }] });
      }
      tx.stop({ chargerId: 'CP', transactionId: id, meterStopWh: PER_TX * 100, stoppedAt: ts(PER_TX), payload: { transactionId: id, meterStop: PER_TX * 100, timestamp: ts(PER_TX) } });
    })();
  }
}

async function replay(label: string, opts: { maxMerged: number; fold?: boolean; delayMs: number; limitS?: number; protocol?: 'ocpp1.6' | 'ocpp2.0.1' }): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sc-bench-up-'));
  const protocol = opts.protocol ?? 'ocpp1.6';
  const cloud = protocol === 'ocpp2.0.1' ? new CloudSim201({ responseDelayMs: opts.delayMs }) : new CloudSim({ responseDelayMs: opts.delayMs });
  await cloud.start();
  const store = new Store(join(dir, 'site.db'));
  const service = new UpstreamService({
    config: upstreamConfig(cloud.url, opts.maxMerged, opts.fold ?? false, protocol), chargerOrder: [{ id: 'CP', connectors: 10 }], store,
    registry: new ChargerRegistry(), log: silentLogger, now: Date.now, firmwareVersion: 'bench',
  });
  try {
    fillBacklog(store);
    const total = service.state().outboxDepth;
    const t0 = performance.now();
    const done = new Promise<void>((resolve) => service.on('state', (st: { outboxDepth: number }) => st.outboxDepth === 0 && resolve()));
    const limit = new Promise<'limit'>((resolve) => opts.limitS && setTimeout(() => resolve('limit'), opts.limitS * 1000).unref());
    service.start();
    const outcome = await Promise.race([done, limit]);
    const s = (performance.now() - t0) / 1000;
    const delivered = total - service.state().outboxDepth;
    report(`upstream.replay_${label}_messages`, delivered, 'msg');
    report(`upstream.replay_${label}_rate`, delivered / s, 'msg/s');
    report(`upstream.replay_${label}_calls`, service.pump.calls, 'calls');
    if (outcome === 'limit') report(`upstream.replay_${label}_projected_total`, (total / delivered) * s, 's');
    else report(`upstream.replay_${label}_total`, s, 's');
    // One CALL outstanding at a time: no replay can be faster than calls × round trip.
    if (opts.delayMs > 0) report(`upstream.replay_${label}_rtt_bound`, (service.pump.calls * opts.delayMs) / 1000, 's');
    if (protocol === 'ocpp2.0.1') {
      const r = (cloud as CloudSim201).ledgerReport();
      report(`upstream.replay_${label}_ledger_problems`, r.gaps.length + r.repeats.length + r.unknown.length, 'count');
    }
  } finally {
    await service.stop();
    await store.close();
    await cloud.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Charger → site → cloud → site → charger, minus the cloud's own round trip. */
async function authorizeLatency(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sc-bench-up-'));
  const cloud = new CloudSim();
  await cloud.start();
  const config = parseConfig(stringify({
    site: { id: 'bench' }, local: { listen: { host: '127.0.0.1', port: 0 }, pingIntervalS: 0 },
    chargers: [{ id: 'CP', password: 'x', connectors: 1 }], store: { path: join(dir, 'site.db') }, log: { level: 'error' },
    upstream: { url: cloud.url, identity: 'SITE', pingIntervalS: 0 },
  }), 'bench');
  const daemon = createDaemon(config, { log: silentLogger });
  await daemon.start();
  const sim = new SimCharger({ url: `ws://127.0.0.1:${daemon.local.port}/ocpp`, id: 'CP', password: 'x', connectors: 1 });
  try {
    await cloud.waitFor((c) => c.action === 'BootNotification');
    await sim.connect();
    await sim.boot();
    // The cloud's own round trip: the time between the site's Authorize reaching the cloud and
    // the site's answer is not visible from here, so measure the cloud leg with a direct client.
    const direct = new SimCharger({ url: cloud.url, id: 'DIRECT', connectors: 1 });
    await direct.connect();
    await direct.boot();
    const viaSite: number[] = [];
    const cloudOnly: number[] = [];
    // The first 200 pairs warm up (JIT, the health checks' first runs at start) and are not kept.
    for (let i = 0; i < 1200; i++) {
      let t = performance.now();
      await direct.authorize(`T${i}`);
      const c = performance.now() - t;
      t = performance.now();
      await sim.authorize(`T${i}`);
      const v = performance.now() - t;
      if (i < 200) continue;
      cloudOnly.push(c);
      viaSite.push(v);
    }
    await direct.close();
    // Paired: each site round trip minus the direct cloud round trip measured just before it.
    const added = viaSite.map((v, i) => v - cloudOnly[i]);
    report('upstream.authorize_cloud_rtt_p50', percentile(cloudOnly, 50), 'ms');
    report('upstream.authorize_added_latency_p50', percentile(added, 50), 'ms');
    report('upstream.authorize_added_latency_p99', percentile(added, 99), 'ms');
  } finally {
    await sim.close();
    await daemon.stop();
    await cloud.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchUpstream(): Promise<void> {
  if (process.env.BENCH_UPSTREAM_ONLY === 'authorize') return authorizeLatency();
  if (process.env.BENCH_UPSTREAM_ONLY === 'v201') {
    await replay('merged_folded', { maxMerged: 500, fold: true, delayMs: 0 });
    await replay('v201_merged_folded', { maxMerged: 500, fold: true, delayMs: 0, protocol: 'ocpp2.0.1' });
    await replay('merged_folded_rtt100ms', { maxMerged: 500, fold: true, delayMs: 100 });
    await replay('v201_merged_folded_rtt100ms', { maxMerged: 500, fold: true, delayMs: 100, protocol: 'ocpp2.0.1' });
    return;
  }
  await replay('merged', { maxMerged: 500, delayMs: 0 });
  await replay('v201_merged', { maxMerged: 500, delayMs: 0, protocol: 'ocpp2.0.1' });
  await replay('merged_folded', { maxMerged: 500, fold: true, delayMs: 0 });
  await replay('v201_merged_folded', { maxMerged: 500, fold: true, delayMs: 0, protocol: 'ocpp2.0.1' });
  await replay('unmerged', { maxMerged: 1, delayMs: 0, limitS: 60 });
  await replay('v201_unmerged', { maxMerged: 1, delayMs: 0, limitS: 60, protocol: 'ocpp2.0.1' });
  await replay('merged_rtt100ms', { maxMerged: 500, delayMs: 100 });
  await replay('merged_folded_rtt100ms', { maxMerged: 500, fold: true, delayMs: 100 });
  await replay('v201_merged_folded_rtt100ms', { maxMerged: 500, fold: true, delayMs: 100, protocol: 'ocpp2.0.1' });
  // One outstanding call: 100,000 calls at 100 ms each take at least 10,000 s; not run.
  report('upstream.replay_unmerged_rtt100ms_lower_bound', (TRANSACTIONS * PER_TX * 100) / 1000, 's');
  await authorizeLatency();
}
