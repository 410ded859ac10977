// Benchmark of the chargers' CSMS (issue 2): 500 chargers on one daemon process,
// steady CPU/RSS and CALL→CALLRESULT latency — once with 1.6 chargers (local.v16.*), then
// with 2.0.1 chargers doing the same work as TransactionEvents (local.v201.*), each on a
// fresh daemon so the figures compare — then peak durable transaction messages/s with
// 100 chargers, against a bare ws server doing nothing.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { SimCharger } from '../sim/charger-sim.js';
import { queryControl } from '../../daemon/control/server.js';
import { report, percentile, freePort, sampleProc, cpuPercent, startChild, stopChild, timed } from './lib.js';

const CLI = fileURLToPath(new URL('../../daemon/cli.js', import.meta.url));
const BARE = fileURLToPath(new URL('./bare-server.js', import.meta.url));
const STEADY_S = Number(process.env.BENCH_STEADY_S ?? 30);
const PEAK_S = Number(process.env.BENCH_PEAK_S ?? 10);

async function startDaemon(dir: string): Promise<{ child: ChildProcess; url: string; control: string }> {
  const port = await freePort();
  const file = join(dir, 'config.yaml');
  writeFileSync(file, [
    'site: { id: bench }',
    `local: { listen: { host: 127.0.0.1, port: ${port} }, allowUnknownChargers: true, meterValueSampleIntervalS: 10 }`,
    `store: { path: ${join(dir, 'site.db')} }`,
    'log: { level: info }',
  ].join('\n'));
  const child = await startChild(CLI, ['run', '-c', file], /listening/);
  return { child, url: `ws://127.0.0.1:${port}/ocpp`, control: join(dir, 'control.sock') };
}

type Protocol = 'ocpp1.6' | 'ocpp2.0.1';

async function connectAll(url: string, n: number, prefix: string, protocol: Protocol = 'ocpp1.6'): Promise<SimCharger[]> {
  const sims = Array.from({ length: n }, (_, i) => new SimCharger({ url, id: `${prefix}${i}`, connectors: 1, callTimeoutMs: 30_000, protocol }));
  await Promise.all(sims.map(async (s) => {
    await s.connect();
    await s.boot();
  }));
  return sims;
}

/**
 * What each version calls the four kinds of message the steady load sends: 1.6 has one action
 * per kind; 2.0.1 sends start, samples and stop as TransactionEvent Started/Updated/Ended
 * (`txevent` is the three together, the figure to set beside 1.6's start/meter/stop).
 */
const KINDS: Record<Protocol, { tag: string; start: string; meter: string; stop: string }> = {
  'ocpp1.6': { tag: 'v16', start: 'start', meter: 'meter', stop: 'stop' },
  'ocpp2.0.1': { tag: 'v201', start: 'txevent_started', meter: 'txevent_updated', stop: 'txevent_ended' },
};

/**
 * 500 chargers of one version: MeterValues (2.0.1: Updated) every 10 s each, spread evenly;
 * a stop/start cycle and a heartbeat on random chargers 10 times a second each. The 2.0.1
 * simulator's start/stop resolve on the TransactionEvent's CALLRESULT, like 1.6's.
 */
async function steadyState(protocol: Protocol): Promise<void> {
  const k = KINDS[protocol];
  const name = (what: string) => `local.${k.tag}.${what}`;
  const dir = mkdtempSync(join(tmpdir(), 'sc-bench-'));
  const { child, url, control } = await startDaemon(dir);
  const lat: Record<string, number[]> = { [k.start]: [], [k.stop]: [], [k.meter]: [], heartbeat: [] };
  const timers: NodeJS.Timeout[] = [];
  let sims: SimCharger[] = [];
  try {
    const t0 = performance.now();
    sims = await connectAll(url, 500, 'B', protocol);
    report(name('connect_500_chargers'), (performance.now() - t0) / 1000, 's');
    // The simulator's handle of the connector's transaction (2.0.1: its own string id is sent on the wire).
    const txOf = new Map<SimCharger, number>();
    const start = async (s: SimCharger, meterStartWh: number) => {
      const res = await s.startTransaction(1, 'TAG', meterStartWh);
      txOf.set(s, protocol === 'ocpp1.6' ? res.transactionId : s.connectors.get(1)!.transactionId!);
    };
    await Promise.all(sims.map((s) => start(s, 0)));

    let measuring = false;
    const rec = (into: number[]) => (measuring ? into : []);
    sims.forEach((s, i) => {
      const first = setTimeout(() => {
        const tick = () => void timed(() => s.meterValues(1, txOf.get(s)), rec(lat[k.meter])).catch(() => {});
        tick();
        timers.push(setInterval(tick, 10_000));
      }, (i / sims.length) * 10_000);
      timers.push(first);
    });
    const pick = () => sims[Math.floor(Math.random() * sims.length)];
    const busy = new Set<SimCharger>();
    timers.push(setInterval(() => {
      const s = pick();
      if (busy.has(s)) return;
      busy.add(s);
      void (async () => {
        await timed(() => s.stopTransaction(txOf.get(s)!, 1000), rec(lat[k.stop]));
        await timed(() => start(s, 1000), rec(lat[k.start]));
      })().catch(() => {}).finally(() => busy.delete(s));
    }, 100));
    timers.push(setInterval(() => void timed(() => pick().heartbeat(), rec(lat.heartbeat)).catch(() => {}), 100));

    await new Promise((r) => setTimeout(r, 10_000)); // warm-up: one full MeterValues round
    measuring = true;
    // Where latency comes from: the daemon's event loop and this load generator's (same 2 cores).
    await queryControl(control, 'loop');
    const genLoop = monitorEventLoopDelay({ resolution: 10 });
    genLoop.enable();
    const a = sampleProc(child.pid!);
    let maxRss = a.rssBytes;
    for (let i = 0; i < STEADY_S; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      maxRss = Math.max(maxRss, sampleProc(child.pid!).rssBytes);
    }
    const b = sampleProc(child.pid!);
    measuring = false;
    genLoop.disable();
    const daemonLoop = (await queryControl(control, 'loop')) as { p99Ms: number; maxMs: number };
    report(name('steady_500_daemon_event_loop_delay_p99'), daemonLoop.p99Ms, 'ms');
    report(name('steady_500_daemon_event_loop_delay_max'), daemonLoop.maxMs, 'ms');
    report(name('steady_500_loadgen_event_loop_delay_p99'), genLoop.percentile(99) / 1e6, 'ms');
    report(name('steady_500_cpu'), cpuPercent(a, b), '%_of_one_core');
    report(name('steady_500_rss_max'), maxRss / 1024 / 1024, 'MB');
    if (protocol === 'ocpp2.0.1') lat.txevent = [...lat[k.start], ...lat[k.meter], ...lat[k.stop]];
    for (const [kind, xs] of Object.entries(lat)) {
      report(name(`${kind}_latency_p50`), percentile(xs, 50), 'ms');
      report(name(`${kind}_latency_p99`), percentile(xs, 99), 'ms');
      report(name(`${kind}_latency_samples`), xs.length, 'calls');
    }
  } finally {
    timers.forEach((t) => clearInterval(t));
    await Promise.all(sims.map((s) => s.close().catch(() => {})));
    await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every charger sends transaction MeterValues back to back for PEAK_S seconds. */
async function peak(url: string, prefix: string, withTransaction: boolean): Promise<number> {
  const sims = await connectAll(url, 100, prefix);
  try {
    const txIds = await Promise.all(sims.map(async (s) => (withTransaction ? (await s.startTransaction(1, 'TAG', 0)).transactionId : 1)));
    let count = 0;
    const end = performance.now() + PEAK_S * 1000;
    const t0 = performance.now();
    await Promise.all(sims.map(async (s, i) => {
      while (performance.now() < end) {
        await s.meterValues(1, txIds[i], { energyWh: count });
        count++;
      }
    }));
    return count / ((performance.now() - t0) / 1000);
  } finally {
    await Promise.all(sims.map((s) => s.close().catch(() => {})));
  }
}

async function peakComparison(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sc-bench-'));
  const daemon = await startDaemon(dir);
  let daemonRate: number;
  try {
    daemonRate = await peak(daemon.url, 'P', true);
  } finally {
    await stopChild(daemon.child);
    rmSync(dir, { recursive: true, force: true });
  }
  const port = await freePort();
  const bare = await startChild(BARE, [String(port)], /ready/);
  let bareRate: number;
  try {
    bareRate = await peak(`ws://127.0.0.1:${port}/ocpp`, 'W', false);
  } finally {
    await stopChild(bare);
  }
  report('local.peak_durable_tx_messages', daemonRate, 'msg/s');
  report('local.peak_bare_ws_messages', bareRate, 'msg/s');
  report('local.peak_ratio_daemon_over_bare', daemonRate / bareRate, 'ratio');
}

export async function benchLocalCsms(): Promise<void> {
  await steadyState('ocpp1.6');
  await steadyState('ocpp2.0.1');
  await peakComparison();
}
