// Benchmark of MQTT telemetry (issue 5), in-process against a real mosquitto
// (BENCH_ONLY=telemetry; BENCH_STEADY_S shortens the two real-time phases, at most 10 s each):
// the telemetry service is fed as the daemon would feed it (500 chargers'
// MeterValues and status changes through a real ChargerRegistry, a meter sample
// and a balancer state every second), and we measure
//  - publishes/s sustained at that load, and telemetry's CPU (minus the cost of
//    driving the inputs, measured alone first),
//  - the publish capacity with rate limits off,
//  - with the broker stopped, the heap after 10 and 20 minutes of simulated
//    operation (fed fast): it must stay flat, whatever the outage lasts,
//  - how long the republish of all retained state takes once the broker is back.
import { EventEmitter, once } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ChargerRegistry } from '../../daemon/local/registry.js';
import { ChargerSession } from '../../daemon/local/session.js';
import { TelemetryService } from '../../daemon/telemetry/service.js';
import { silentLogger } from '../../daemon/log.js';
import { startMosquitto, type Broker } from '../../test/helpers/mosquitto.js';
import { report } from './lib.js';

const CHARGERS = 500;
const CONNECTORS = 2;
const STEADY_S = Math.min(10, Number(process.env.BENCH_STEADY_S ?? 10));

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heapMb = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
};
const cpuS = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const turn = () => new Promise<void>((r) => setImmediate(r));

/** A site's inputs: registry with 500 chargers, a meter and a balancer that emit like the real ones. */
class SimulatedSite {
  readonly registry = new ChargerRegistry();
  readonly sessions: ChargerSession[] = [];
  readonly meter = Object.assign(new EventEmitter(), { last: null as any, stale: false });
  readonly balancer = Object.assign(new EventEmitter(), { state: () => this.balancerState });
  private balancerState: Record<string, unknown> = {};
  now = Date.now();

  constructor() {
    for (let i = 0; i < CHARGERS; i++) {
      const rpc = Object.assign(new EventEmitter(), { isOpen: true });
      const s = new ChargerSession(`CP-${String(i).padStart(4, '0')}`, undefined, rpc as any, '10.0.0.1', this.now);
      s.boot = { vendor: 'ACME', model: 'Wallbox 22', firmwareVersion: '1.2.3' };
      for (let c = 1; c <= CONNECTORS; c++) {
        const conn = s.connector(c, this.now);
        conn.status = 'Charging';
        conn.transactionId = i * 10 + c;
      }
      this.sessions.push(s);
      this.registry.attach(s);
    }
  }

  /** One MeterValues of one connector, as the local CSMS folds it in and announces it. */
  meterValues(i: number, c: number): void {
    const s = this.sessions[i]!;
    const conn = s.connector(c, this.now);
    const a = 6 + (i % 26);
    conn.live = { currentA: [a, a, a], currentUnphasedA: null, powerW: a * 690, energyWh: (conn.live?.energyWh ?? 0) + 20, offeredA: a, ts: this.now };
    s.lastSeenAt = this.now;
    this.registry.emit('meterValues', s, c);
  }

  status(i: number, c: number, status: string): void {
    const s = this.sessions[i]!;
    const conn = s.connector(c, this.now);
    conn.status = status;
    conn.updatedAt = this.now;
    this.registry.emit('status', s, c);
  }

  /** The grid meter's sample and the balancer's state, once a second. */
  second(): void {
    this.meter.last = { ts: this.now, currentA: [40, 41, 39], voltageV: [230, 231, 229], powerW: 27600, importEnergyWh: 1e7 };
    this.meter.emit('sample');
    this.balancerState = {
      ts: this.now, mode: 'normal', source: 'meter', stale: false, budgetA: [61, 61, 61],
      connectors: this.sessions.flatMap((s) => [...s.connectors].map(([c, x]) => ({ chargerId: s.id, connectorId: c, charging: true, limitA: x.live?.offeredA ?? 16 }))),
    };
    this.balancer.emit('state');
  }

  /**
   * One simulated second of a busy site: every connector sends MeterValues every
   * 10 s (100/s in all, staggered), and one connector per second changes status.
   */
  drive(second: number): void {
    const perSecond = (CHARGERS * CONNECTORS) / 10;
    for (let k = 0; k < perSecond; k++) {
      const n = ((second % 10) * perSecond + k) % (CHARGERS * CONNECTORS);
      this.meterValues(Math.floor(n / CONNECTORS), (n % CONNECTORS) + 1);
    }
    this.status(second % CHARGERS, 1, second % 2 ? 'SuspendedEV' : 'Charging');
    this.second();
  }
}

function telemetryFor(site: SimulatedSite, broker: Broker, meterIntervalS: number, now?: () => number): TelemetryService {
  const t = new TelemetryService(
    { url: broker.url, topicPrefix: 'bench/site', keepaliveS: 30, meterIntervalS, maxQueuedEvents: 1000, reconnectMaxS: 1 },
    { siteId: 'bench', registry: site.registry, chargerIds: site.sessions.map((s) => s.id), log: silentLogger, now, reconnectMinMs: 200 },
  );
  t.attach('balancer', site.balancer as any);
  t.attachMeter(site.meter);
  return t;
}

/** Runs `drive` once per real second for `seconds`; returns CPU seconds used meanwhile. */
async function realTime(seconds: number, drive: (s: number) => void): Promise<number> {
  const c0 = cpuS();
  for (let s = 0; s < seconds; s++) {
    drive(s);
    await new Promise((r) => setTimeout(r, 1000));
  }
  return cpuS() - c0;
}

async function waitDrained(t: TelemetryService): Promise<void> {
  while (t.stats().pendingTopics > 0 || t.stats().inFlight > 0 || t.stats().queuedEvents > 0) await turn();
}

export async function benchTelemetry(): Promise<void> {
  const broker = await startMosquitto();
  try {
    // 1. The cost of driving the inputs alone (no telemetry listening).
    const site = new SimulatedSite();
    const baseCpu = await realTime(STEADY_S, (s) => site.drive(s));

    // 2. Sustained load with the default rate limit (meterIntervalS 5).
    const t = telemetryFor(site, broker, 5);
    t.start();
    await once(t, 'connect');
    await waitDrained(t);
    // Warm-up: the rate limit's pattern (one publish at once, one trailing) needs a full cycle to settle.
    await realTime(STEADY_S, (s) => site.drive(s));
    const p0 = t.stats().published;
    const cpu = await realTime(STEADY_S, (s) => site.drive(s));
    report('telemetry.publishes_500_chargers', (t.stats().published - p0) / STEADY_S, 'msg/s');
    report('telemetry.cpu_500_chargers', (Math.max(0, cpu - baseCpu) / STEADY_S) * 100, '%');
    await t.stop();

    // 3. Capacity: rate limits off, MeterValues as fast as the loop takes them.
    const fast = telemetryFor(site, broker, 0);
    fast.start();
    await once(fast, 'connect');
    await waitDrained(fast);
    const f0 = fast.stats().published;
    const c0 = cpuS();
    const t0 = performance.now();
    for (let n = 0; performance.now() - t0 < 5000; n++) {
      site.meterValues(n % CHARGERS, (n % CONNECTORS) + 1);
      if (n % 200 === 0) await turn();
    }
    await waitDrained(fast);
    const secs = (performance.now() - t0) / 1000;
    const published = fast.stats().published - f0;
    report('telemetry.publish_capacity', published / secs, 'msg/s');
    report('telemetry.cpu_per_publish', ((cpuS() - c0) / published) * 1e6, 'us');
    await fast.stop();

    // 4. Broker down for 20 simulated minutes: memory must not grow with the outage.
    let simNow = Date.now();
    site.now = simNow;
    const off = telemetryFor(site, broker, 5, () => simNow);
    off.start();
    await once(off, 'connect');
    await waitDrained(off);
    const down = once(off, 'disconnect');
    await broker.stop();
    await down;
    const before = heapMb();
    const simulate = async (from: number, seconds: number) => {
      for (let s = from; s < from + seconds; s++) {
        simNow += 1000;
        site.now = simNow;
        site.drive(s);
        // An event a second (chargers dropping off and back, alarms): more than the queue holds.
        off.event('local', { type: 'info', code: 'charger-disconnected', charger: `CP-${s % CHARGERS}`, message: 'bench' });
        if (s % 50 === 0) await turn();
      }
    };
    await simulate(0, 600);
    const after10 = heapMb();
    await simulate(600, 600);
    const after20 = heapMb();
    const held = off.stats();
    report('telemetry.offline_heap_before', before, 'MB');
    report('telemetry.offline_heap_after_10min', after10, 'MB');
    report('telemetry.offline_heap_after_20min', after20, 'MB');
    report('telemetry.offline_queued_events', held.queuedEvents, 'events');
    report('telemetry.offline_dropped_events', held.droppedEvents, 'events');
    report('telemetry.offline_pending_topics', held.pendingTopics, 'topics');

    // 5. The broker is back: everything retained goes out again.
    const r0 = performance.now();
    const up = once(off, 'connect');
    await broker.start();
    await up;
    await waitDrained(off);
    report('telemetry.republish_after_reconnect', (performance.now() - r0) / 1000, 's');
    await off.stop();
  } finally {
    await broker.close();
  }
}
