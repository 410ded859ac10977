// Runs named async jobs on node-cron schedules, one run of a job at a time.
// A tick that finds the previous run still going is skipped and counted: a
// check stuck on a dead modem or a lossy ping must not pile up behind itself.
// Jobs are never awaited by the timer, so however slow a check is, the timer
// callback returns at once and the event loop stays free for charging work.
import { EventEmitter } from 'node:events';
import cron from 'node-cron';
import type { Logger } from '../log.js';

/** Starts calling `tick` on a cron expression; the returned handle stops it. */
export type ScheduleFn = (expression: string, tick: () => void, name: string) => { stop(): void | Promise<void> };

/** The real thing: a node-cron task (seconds-granularity expressions). */
export function cronSchedule(log?: Logger): ScheduleFn {
  // node-cron reports "missed execution" when the loop was busy at a tick; that is
  // worth a debug line, not a warning in the journal.
  const logger = {
    info: (m: string) => log?.debug(m),
    warn: (m: string) => log?.debug(m),
    error: (m: string | Error) => log?.warn(String(m)),
    debug: (m: string | Error) => log?.debug(String(m)),
  };
  return (expression, tick, name) => {
    const task = cron.createTask(expression, () => tick(), { name, logger, suppressMissedWarning: true });
    void task.start();
    return { stop: () => task.destroy() };
  };
}

const MINUTE_DIVISORS = [1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30];
const DAY_HOUR_DIVISORS = [1, 2, 3, 4, 6, 8, 12];
const largestAtMost = (list: number[], n: number) => list.filter((d) => d <= n).pop() ?? list[0]!;

/**
 * A cron expression firing every `intervalS` seconds, shifted by `offsetS` so that
 * checks do not all start in the same second. Cron steps restart at each minute,
 * hour or day, so only divisors of those are even; other intervals are rounded
 * down to the nearest even one (reported as `intervalS`, which the caller logs).
 */
export function cronForInterval(intervalS: number, offsetS = 0): { expression: string; intervalS: number } {
  const s = Math.max(1, Math.floor(intervalS));
  const off = Math.max(0, Math.floor(offsetS));
  if (s < 60) {
    const step = largestAtMost(MINUTE_DIVISORS, s);
    return { expression: `${off % step}-59/${step} * * * * *`, intervalS: step };
  }
  const sec = off % 60;
  if (s < 3600) {
    const step = largestAtMost(MINUTE_DIVISORS, Math.floor(s / 60));
    return { expression: `${sec} ${Math.floor(off / 60) % step}-59/${step} * * * *`, intervalS: step * 60 };
  }
  if (s < 86_400) {
    const step = largestAtMost(DAY_HOUR_DIVISORS, Math.floor(s / 3600));
    return { expression: `${sec} ${Math.floor(off / 60) % 60} 0-23/${step} * * *`, intervalS: step * 3600 };
  }
  return { expression: `${sec} ${Math.floor(off / 60) % 60} 0 * * *`, intervalS: 86_400 };
}

export interface JobStats {
  expression: string;
  intervalS: number;
  runs: number;
  /** Ticks dropped because the previous run had not finished. */
  skipped: number;
  /** Runs that threw (checks should not; counted in case one does). */
  failures: number;
  running: boolean;
  lastStartedAt: number | null;
  lastDurationMs: number | null;
}

export interface SchedulerEvents {
  finished: [name: string, value: unknown, durationMs: number];
  failed: [name: string, error: unknown];
  skipped: [name: string, skippedTotal: number];
}

interface Job {
  name: string;
  run: () => Promise<unknown>;
  stats: JobStats;
  handle?: { stop(): void | Promise<void> };
}

export class CheckScheduler extends EventEmitter<SchedulerEvents> {
  private readonly jobs = new Map<string, Job>();
  private readonly schedule: ScheduleFn;
  private readonly now: () => number;
  private active = false;

  constructor(private readonly deps: { log: Logger; schedule?: ScheduleFn; now?: () => number }) {
    super();
    this.schedule = deps.schedule ?? cronSchedule(deps.log);
    this.now = deps.now ?? Date.now;
  }

  /** Registers a job; it starts ticking on start(). Offsets stagger jobs by their order. */
  add(name: string, intervalS: number, run: () => Promise<unknown>): JobStats {
    if (this.jobs.has(name)) throw new Error(`job ${name} already scheduled`);
    const { expression, intervalS: effective } = cronForInterval(intervalS, this.jobs.size * 7);
    if (effective !== intervalS) this.deps.log.info('health check interval rounded to one cron runs evenly', { check: name, configuredS: intervalS, intervalS: effective });
    const stats: JobStats = { expression, intervalS: effective, runs: 0, skipped: 0, failures: 0, running: false, lastStartedAt: null, lastDurationMs: null };
    this.jobs.set(name, { name, run, stats });
    return stats;
  }

  /** Starts every job's schedule; with `runNow`, each job also runs once at once. */
  start(opts: { runNow?: boolean } = {}): void {
    if (this.active) return;
    this.active = true;
    for (const job of this.jobs.values()) {
      job.handle = this.schedule(job.stats.expression, () => this.trigger(job.name), `health:${job.name}`);
      if (opts.runNow) this.trigger(job.name);
    }
  }

  /**
   * Runs a job now unless it is already running (then the tick is skipped and
   * counted). Returns whether a run started. Never throws, never awaits.
   */
  trigger(name: string): boolean {
    const job = this.jobs.get(name);
    if (!job || !this.active) return false;
    const s = job.stats;
    if (s.running) {
      s.skipped++;
      this.deps.log.debug('health check still running: tick skipped', { check: name, skipped: s.skipped });
      this.emit('skipped', name, s.skipped);
      return false;
    }
    s.running = true;
    s.runs++;
    const started = this.now();
    s.lastStartedAt = started;
    // Promise.resolve().then: even a job that throws synchronously stays off this stack.
    Promise.resolve()
      .then(() => job.run())
      .then(
        (value) => {
          s.running = false;
          s.lastDurationMs = this.now() - started;
          if (this.active) this.emit('finished', name, value, s.lastDurationMs);
        },
        (err) => {
          s.running = false;
          s.lastDurationMs = this.now() - started;
          s.failures++;
          if (this.active) this.emit('failed', name, err);
        },
      );
    return true;
  }

  stats(): Record<string, JobStats> {
    return Object.fromEntries([...this.jobs].map(([k, j]) => [k, { ...j.stats }]));
  }

  /**
   * Stops every schedule. Runs in progress are not waited for (each is bounded by
   * its own timeouts); their results are dropped because the scheduler is inactive.
   */
  async stop(): Promise<void> {
    this.active = false;
    const handles = [...this.jobs.values()].map((j) => j.handle).filter((h) => h !== undefined);
    for (const j of this.jobs.values()) j.handle = undefined;
    await Promise.all(handles.map((h) => h.stop()));
  }
}
