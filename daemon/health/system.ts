// Gateway vitals: CPU, memory, the store's disk, temperature, uptime, and the
// daemon's own RSS and event-loop delay (a blocked loop delays charging work).
import os from 'node:os';
import { statfs } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { createHistogram, performance, type RecordableHistogram } from 'node:perf_hooks';
import si from 'systeminformation';
import { errorMessage, withTimeout, isoTs } from './exec.js';

export interface SystemSettings {
  intervalS: number;
  thresholds?: Partial<SystemThresholds>;
}

export interface SystemThresholds {
  diskFreeMinPercent: number;
  diskFreeMinBytes: number;
  tempMaxC: number;
  memAvailableMinPercent: number;
}

export const DEFAULT_SYSTEM_THRESHOLDS: Readonly<SystemThresholds> = Object.freeze({
  diskFreeMinPercent: 5,
  diskFreeMinBytes: 200 * 1024 * 1024,
  tempMaxC: 85,
  memAvailableMinPercent: 5,
});

export interface SystemResult {
  ts: string;
  load1: number;
  load5: number;
  load15: number;
  /** Busy share of all CPUs since the previous run (the first run: since boot), 0–100. */
  cpuPercent: number | null;
  cpuCount: number;
  memTotalBytes: number;
  memAvailableBytes: number;
  memAvailablePercent: number;
  /** Filesystem holding `diskPath`; space usable by the (unprivileged) daemon. */
  diskPath: string;
  diskTotalBytes: number | null;
  diskFreeBytes: number | null;
  diskFreePercent: number | null;
  /** null when the machine exposes no CPU temperature sensor. */
  tempC: number | null;
  uptimeS: number;
  processRssBytes: number;
  /** Event-loop delay since the previous run; null before any sample. */
  eventLoopDelayP50Ms: number | null;
  eventLoopDelayP99Ms: number | null;
  eventLoopDelayMaxMs: number | null;
  /** Readings that failed, by field, so a gap is explained rather than silent. */
  errors?: Record<string, string>;
  alarm: string | null;
}

export interface SystemDeps {
  now?: () => number;
  /** Per-reading timeout: systeminformation runs commands that could hang. */
  readTimeoutMs?: number;
}

const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;
const MB = 1024 * 1024;

/**
 * Event-loop delay since the previous read. perf_hooks' monitorEventLoopDelay
 * forgets its last tick on reset(), so a stall starting just after a read was
 * never recorded (checked on Node 20); this sampler keeps its last tick across
 * resets. A 20 ms unref'd timer costs next to nothing and catches stalls that
 * matter for a 1 s control loop.
 */
class LoopDelaySampler {
  private readonly periodMs = 20;
  private readonly hist: RecordableHistogram = createHistogram();
  private last = performance.now();
  private readonly timer = setInterval(() => {
    const now = performance.now();
    const lateUs = (now - this.last - this.periodMs) * 1000;
    this.last = now;
    this.hist.record(Math.max(1, Math.round(lateUs))); // the histogram takes integers >= 1
  }, this.periodMs).unref();

  /** p50 / p99 / max in ms since the previous read, then starts over; null before the first tick. */
  read(): { p50: number; p99: number; max: number } | null {
    const h = this.hist;
    const ms = (us: number) => round(us / 1000, 2);
    const out = h.count > 0 ? { p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max) } : null;
    h.reset();
    return out;
  }

  close(): void {
    clearInterval(this.timer);
  }
}

/** Alarms from a reading against thresholds; pure so limits are testable. */
export function systemAlarms(r: SystemResult, t: SystemThresholds): string | null {
  const alarms: string[] = [];
  if (r.diskFreeBytes !== null && r.diskFreePercent !== null) {
    if (r.diskFreePercent < t.diskFreeMinPercent || r.diskFreeBytes < t.diskFreeMinBytes) {
      alarms.push(`disk almost full: ${round(r.diskFreeBytes / MB)} MB (${r.diskFreePercent} %) free on ${r.diskPath}`);
    }
  }
  if (r.tempC !== null && r.tempC > t.tempMaxC) alarms.push(`CPU temperature ${r.tempC} °C above ${t.tempMaxC} °C`);
  if (r.memAvailablePercent < t.memAvailableMinPercent) alarms.push(`memory low: ${r.memAvailablePercent} % available`);
  return alarms.length ? alarms.join('; ') : null;
}

/** statfs needs an existing path; the store file may not exist yet, its directory usually does. */
async function statfsNearest(path: string) {
  let p = resolve(path);
  for (;;) {
    try {
      return await statfs(p);
    } catch (err) {
      const parent = dirname(p);
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || parent === p) throw err;
      p = parent;
    }
  }
}

export class SystemCheck {
  readonly name = 'system';
  private readonly thresholds: SystemThresholds;
  private readonly now: () => number;
  private readonly readTimeoutMs: number;
  private readonly loopDelay = new LoopDelaySampler();

  /** `diskPath`: the store's database path (its filesystem is the one that matters). */
  constructor(settings: SystemSettings, private readonly diskPath: string, deps: SystemDeps = {}) {
    this.thresholds = { ...DEFAULT_SYSTEM_THRESHOLDS, ...settings.thresholds };
    this.now = deps.now ?? Date.now;
    this.readTimeoutMs = deps.readTimeoutMs ?? 10_000;
  }

  /** Stops the event-loop sampler's timer. */
  close(): void {
    this.loopDelay.close();
  }

  async run(): Promise<SystemResult> {
    const errors: Record<string, string> = {};
    const read = <T>(field: string, work: () => Promise<T>, fallback: T): Promise<T> =>
      withTimeout(
        work().catch((err) => {
          errors[field] = errorMessage(err);
          return fallback;
        }),
        this.readTimeoutMs,
        () => {
          errors[field] = `no answer within ${this.readTimeoutMs} ms`;
          return fallback;
        },
      );

    const [load, mem, disk, temp] = await Promise.all([
      read('cpuPercent', () => si.currentLoad(), null),
      read('mem', () => si.mem(), null),
      read('disk', () => statfsNearest(this.diskPath), null),
      read('tempC', () => si.cpuTemperature(), null),
    ]);
    const [load1, load5, load15] = os.loadavg() as [number, number, number];
    // si.mem() reads MemAvailable from /proc/meminfo; os.freemem() is the fallback (it ignores reclaimable cache).
    const memTotalBytes = mem?.total || os.totalmem();
    const memAvailableBytes = mem?.available || os.freemem();
    const diskTotal = disk ? disk.blocks * disk.bsize : null;
    const diskFree = disk ? disk.bavail * disk.bsize : null;
    // systeminformation reports a missing sensor as null, -1 or 0 depending on version and platform.
    const t = temp?.main;
    const tempC = typeof t === 'number' && Number.isFinite(t) && t > 0 ? round(t) : null;

    const loop = this.loopDelay.read();
    const result: SystemResult = {
      ts: isoTs(this.now()),
      load1: round(load1, 2),
      load5: round(load5, 2),
      load15: round(load15, 2),
      cpuPercent: load && Number.isFinite(load.currentLoad) ? round(load.currentLoad) : null,
      cpuCount: os.availableParallelism(),
      memTotalBytes,
      memAvailableBytes,
      memAvailablePercent: round((memAvailableBytes / memTotalBytes) * 100),
      diskPath: this.diskPath,
      diskTotalBytes: diskTotal,
      diskFreeBytes: diskFree,
      diskFreePercent: diskTotal && diskFree !== null ? round((diskFree / diskTotal) * 100) : null,
      tempC,
      uptimeS: Math.round(os.uptime()),
      processRssBytes: process.memoryUsage.rss(),
      eventLoopDelayP50Ms: loop?.p50 ?? null,
      eventLoopDelayP99Ms: loop?.p99 ?? null,
      eventLoopDelayMaxMs: loop?.max ?? null,
      alarm: null,
    };
    if (Object.keys(errors).length) result.errors = errors;
    result.alarm = systemAlarms(result, this.thresholds);
    return result;
  }
}
