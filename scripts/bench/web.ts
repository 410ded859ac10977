// Benchmark of the installer's page (issue 12), in-process like the telemetry bench
// (BENCH_ONLY=web; BENCH_STEADY_S shortens the two phases, at most 10 s each): 500
// chargers x 2 connectors send MeterValues every 10 s and the balancer publishes its
// state every second, through a real ChargerRegistry into the real status builder and
// WebService. Measured in the same run:
//  - web_cpu_no_pages: this process's CPU with the page served but no page open (the baseline),
//  - web_cpu_5_pages: the same load with 5 live pages (SSE clients in another process),
//  - web_loop_delay_p99_*: the event loop's p99 delay in both phases (what a charger's answer waits behind),
//  - web_bytes_per_update: the mean patch frame (what each page receives per update), beside
//    web_bytes_whole_status (what a page receives when it opens, and would per update without patches),
//  - web_updates_per_s: frames each page receives per second (pushes are coalesced),
//  - web_status_build_ms: building + serialising one status of the 500-charger site,
//  - web_api_status_ms: GET /api/status round trip (p50) with the 5 pages open.
import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { ChargerRegistry } from '../../daemon/local/registry.js';
import { ChargerSession } from '../../daemon/local/session.js';
import { buildSnapshot } from '../../daemon/control/snapshot.js';
import { RecentEvents } from '../../daemon/web/events.js';
import { WebService } from '../../daemon/web/server.js';
import { silentLogger } from '../../daemon/log.js';
import type { ChargerConfig } from '../../daemon/config/types.js';
import { percentile, report, startChild, stopChild } from './lib.js';

const CHARGERS = 500;
const CONNECTORS = 2;
const PAGES = 5;
const STEADY_S = Math.min(10, Number(process.env.BENCH_STEADY_S ?? 10));
const cpuS = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/** The site's inputs: sessions in a real registry, a balancer state with every connector. */
function site() {
  const registry = new ChargerRegistry();
  const sessions: ChargerSession[] = [];
  const chargers: ChargerConfig[] = [];
  const now = Date.now();
  for (let i = 0; i < CHARGERS; i++) {
    const id = `CP-${String(i).padStart(4, '0')}`;
    chargers.push({ id, connectors: CONNECTORS, maxCurrentA: 32, phases: 3, phaseRotation: 'L1L2L3', priority: 0 });
    const rpc = Object.assign(new EventEmitter(), { isOpen: true });
    const s = new ChargerSession(id, undefined, rpc as any, '10.0.0.1', now);
    s.boot = { vendor: 'ACME', model: 'Wallbox 22', firmwareVersion: '1.2.3' };
    for (let c = 1; c <= CONNECTORS; c++) {
      const conn = s.connector(c, now);
      conn.status = 'Charging';
      conn.transactionId = i * 10 + c;
    }
    sessions.push(s);
    registry.attach(s);
  }
  const connectors = chargers.flatMap((c) => [1, 2].map((k) => ({ chargerId: c.id, connectorId: k, charging: true, confirmed: true, wantA: 6, limitA: 6, acceptedA: 6 })));
  const views = chargers.map((c) => ({ chargerId: c.id, managed: true, unbalanceable: false, form: 'TxDefaultProfile', unit: 'A', fallbackA: 6, fallbackInstalled: true }));
  const emitter = new EventEmitter();
  let st: Record<string, unknown> = {};
  const balancer = Object.assign(emitter, {
    state: () => st,
    tick(ts: number) {
      st = { ts, mode: 'normal', source: 'meter', stale: false, budgetA: [60, 60, 60], headroomA: [2, 2, 2], reservedA: [0, 0, 0], evDrawA: [58, 58, 58], nonEvA: [3, 3, 3], meter: null, connectors, chargers: views };
      emitter.emit('state', st);
    },
  });
  balancer.tick(now);
  return { registry, sessions, chargers, balancer };
}

function get(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    request(url, (res) => {
      res.resume();
      res.on('end', () => resolve(performance.now() - t0));
    }).on('error', reject).end();
  });
}

export async function benchWeb(): Promise<void> {
  const s = site();
  const events = new RecentEvents();
  events.attachRegistry(s.registry);
  const startedAt = Date.now();
  const snapshot = () => buildSnapshot({ siteId: 'bench', startedAt, now: Date.now, chargers: s.chargers, registry: s.registry, balancer: s.balancer, events });
  const web = new WebService(
    { listen: { host: '127.0.0.1', port: 0 }, sessionTtlS: 600, maxClients: 20, maxBufferedKiB: 4096, pushIntervalMs: 250 },
    { snapshot, log: silentLogger, changes: [[s.registry, ['status', 'meterValues']], [s.balancer, ['state']], [events, ['event']]] },
  );
  await web.start();
  // 1000 connectors, one MeterValues each per 10 s: 100/s, spread over the second; the balancer every second.
  let k = 0;
  const feed = setInterval(() => {
    const now = Date.now();
    for (let n = 0; n < 10; n++, k++) {
      const i = (k >> 1) % CHARGERS;
      const c = (k & 1) + 1;
      const sess = s.sessions[i]!;
      const conn = sess.connector(c, now);
      const a = 6 + (i % 26);
      conn.live = { currentA: [a, a, a], currentUnphasedA: null, powerW: a * 690, energyWh: (conn.live?.energyWh ?? 0) + 20, offeredA: a, ts: now };
      sess.lastSeenAt = now;
      s.registry.emit('meterValues', sess, c);
    }
  }, 100);
  const tick = setInterval(() => s.balancer.tick(Date.now()), 1000);
  // CPU in % of one core, and the event loop's p99 delay: what a charger's answer would wait behind.
  const measure = async () => {
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const c0 = cpuS();
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, STEADY_S * 1000));
    loop.disable();
    return { cpu: ((cpuS() - c0) / ((performance.now() - t0) / 1000)) * 100, p99Ms: loop.percentile(99) / 1e6 };
  };
  const dir = mkdtempSync(join(tmpdir(), 'sc-bench-web-'));
  try {
    const builds: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      JSON.stringify(snapshot());
      builds.push(performance.now() - t0);
    }
    const idle = await measure();
    const out = join(dir, 'pages.json');
    const clients = await startChild(fileURLToPath(new URL('./sse-clients.js', import.meta.url)), [`http://127.0.0.1:${web.port}/api/events`, String(PAGES), out], /ready/);
    const pushes0 = web.stats().pushes;
    const t0 = performance.now();
    const busy = await measure();
    const seconds = (performance.now() - t0) / 1000;
    const pushes = web.stats().pushes - pushes0;
    const api: number[] = [];
    for (let i = 0; i < 20; i++) api.push(await get(`http://127.0.0.1:${web.port}/api/status`));
    await stopChild(clients);
    const pages = JSON.parse(readFileSync(out, 'utf8')) as Array<{ frames: number; bytes: number }>;
    report('web_cpu_no_pages', idle.cpu, '%cpu');
    report('web_cpu_5_pages', busy.cpu, '%cpu');
    report('web_loop_delay_p99_no_pages', idle.p99Ms, 'ms');
    report('web_loop_delay_p99_5_pages', busy.p99Ms, 'ms');
    // Mean patch size a page received (its bytes without the whole status it opened with, per frame after it).
    const perUpdate = pages.map((p) => (p.bytes - web.stats().lastFullBytes) / Math.max(1, p.frames - 1));
    report('web_bytes_per_update', perUpdate.reduce((a, b) => a + b, 0) / perUpdate.length, 'bytes');
    report('web_bytes_whole_status', web.stats().lastFullBytes, 'bytes');
    report('web_updates_per_s', pushes / seconds, 'updates/s');
    report('web_page_frames_min', Math.min(...pages.map((p) => p.frames)), 'frames');
    // Per page and second while open, without the whole status it got when it opened.
    report('web_page_bytes_per_s', (pages.reduce((a, p) => a + p.bytes, 0) / pages.length - web.stats().lastFullBytes) / seconds, 'bytes/s');
    report('web_status_build_ms', percentile(builds, 50), 'ms');
    report('web_api_status_ms', percentile(api, 50), 'ms');
  } finally {
    clearInterval(feed);
    clearInterval(tick);
    await web.stop();
    events.detach();
    rmSync(dir, { recursive: true, force: true });
  }
}
