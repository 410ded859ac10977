// The gateway health service: builds the configured checks, runs each on its
// cron schedule (scheduler.ts), keeps the latest result of each and turns alarm
// changes into events. Results are facts for telemetry and `status`; events are
// what a dashboard alerts on (clock unsynced, MTU black hole, disk low, modem
// not registered...), sent once when an alarm appears and once when it clears.
import { EventEmitter } from 'node:events';
import type { Config } from '../config/types.js';
import type { Logger } from '../log.js';
import { createModem, type Modem, type ModemReading } from '../../drivers/modem/index.js';
import { ClockCheck } from './clock.js';
import { MtuCheck, targetHost } from './mtu.js';
import { SystemCheck } from './system.js';
import { errorMessage, isoTs, withTimeout } from './exec.js';
import { CheckScheduler, type JobStats, type ScheduleFn } from './scheduler.js';

/** What every check's run() resolves to: its own fields, an ISO `ts` and an alarm text (null when fine). */
export interface HealthResult {
  ts: string;
  alarm: string | null;
}

export interface HealthCheck {
  readonly name: string;
  /** Resolves, never rejects; bounded by the check's own timeouts. */
  run(): Promise<HealthResult>;
  /** Releases ports and timers. */
  close?(): void | Promise<void>;
  /** Lets a check ask for an unscheduled run (e.g. the modem reporting lost registration). */
  watch?(runNow: () => void): void;
}

export interface ScheduledCheck {
  check: HealthCheck;
  intervalS: number;
}

export interface HealthEvent {
  ts: string;
  /** 'alarm' when a condition appears, 'cleared' when it goes away. */
  type: 'alarm' | 'cleared';
  /** Stable machine name: clock-unsynced, mtu-black-hole, disk-low, modem-not-registered, ... */
  code: string;
  /** The check: ntp, mtu, system, modem. */
  source: string;
  message: string;
}

export interface HealthServiceEvents {
  result: [name: string, result: HealthResult];
  event: [event: HealthEvent];
}

// Alarm texts come from our own checks; each part ("a; b") maps to one code so a
// dashboard can key on it while the text stays readable.
const ALARM_CODES: Array<[RegExp, string]> = [
  [/not synchronised/i, 'clock-unsynced'],
  [/clock (offset|off by)|cross-check/i, 'clock-offset'],
  [/black hole/i, 'mtu-black-hole'],
  [/disk/i, 'disk-low'],
  [/temperature/i, 'temperature-high'],
  [/memory/i, 'memory-low'],
  [/not registered/i, 'modem-not-registered'],
  [/\bSIM\b/, 'sim-not-ready'],
  [/modem unreachable/i, 'modem-unreachable'],
];

export function alarmCodes(source: string, alarm: string | null): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (alarm ?? '').split('; ').filter(Boolean)) {
    const code = ALARM_CODES.find(([re]) => re.test(part))?.[1] ?? `${source}-alarm`;
    out.set(code, out.has(code) ? `${out.get(code)}; ${part}` : part);
  }
  return out;
}

export class HealthService extends EventEmitter<HealthServiceEvents> {
  private readonly scheduler: CheckScheduler;
  private readonly latest = new Map<string, HealthResult>();
  private readonly active = new Map<string, Map<string, string>>();
  private readonly now: () => number;
  private started = false;

  constructor(
    private readonly checks: ScheduledCheck[],
    private readonly deps: { log: Logger; schedule?: ScheduleFn; now?: () => number; runAtStart?: boolean; skipped?: Record<string, string> },
  ) {
    super();
    this.now = deps.now ?? Date.now;
    this.scheduler = new CheckScheduler({ log: deps.log, schedule: deps.schedule, now: this.now });
    for (const { check, intervalS } of checks) {
      this.scheduler.add(check.name, intervalS, () => check.run());
      check.watch?.(() => this.runNow(check.name));
    }
    this.scheduler.on('finished', (name, value) => this.record(name, value as HealthResult));
    this.scheduler.on('failed', (name, err) => this.deps.log.warn('health check threw', { check: name, err: errorMessage(err) }));
  }

  get names(): string[] {
    return this.checks.map((c) => c.check.name);
  }

  /** Starts the schedules; every check also runs once at once (unless runAtStart is false) so state is known early. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.scheduler.start({ runNow: this.deps.runAtStart ?? true });
    this.deps.log.info('health checks scheduled', Object.fromEntries(Object.entries(this.scheduler.stats()).map(([k, s]) => [k, `${s.intervalS}s`])));
  }

  /** Runs a check now unless it is running (then counted as skipped). */
  runNow(name: string): boolean {
    return this.scheduler.trigger(name);
  }

  result(name: string): HealthResult | undefined {
    return this.latest.get(name);
  }

  results(): Record<string, HealthResult> {
    return Object.fromEntries(this.latest);
  }

  /** Checks the config leaves out, with why (see skippedChecks). */
  skipped(): Record<string, string> {
    return { ...this.deps.skipped };
  }

  stats(): Record<string, JobStats> {
    return this.scheduler.stats();
  }

  /** Stops the schedules and releases every check's resources (modem port, sampler timer). */
  async stop(): Promise<void> {
    this.started = false;
    await this.scheduler.stop();
    await Promise.all(
      this.checks.map(async ({ check }) => {
        try {
          // A port that does not close (a wedged USB modem) must not hold up the daemon's shutdown.
          await withTimeout(Promise.resolve(check.close?.()), 5000, () => this.deps.log.warn('health check did not close within 5 s', { check: check.name }));
        } catch (err) {
          this.deps.log.warn('closing health check failed', { check: check.name, err: errorMessage(err) });
        }
      }),
    );
  }

  private record(name: string, result: HealthResult): void {
    this.latest.set(name, result);
    this.emit('result', name, result);
    const before = this.active.get(name) ?? new Map<string, string>();
    const after = alarmCodes(name, result.alarm ?? null);
    const ts = isoTs(this.now());
    // Only changes make events: a disk that stays full is one alarm, not one per minute.
    for (const [code, message] of after) {
      if (before.has(code)) continue;
      this.deps.log.warn('health alarm', { check: name, code, message });
      this.emit('event', { ts, type: 'alarm', code, source: name, message });
    }
    for (const [code, message] of before) {
      if (after.has(code)) continue;
      this.deps.log.info('health alarm cleared', { check: name, code });
      this.emit('event', { ts, type: 'cleared', code, source: name, message: `cleared: ${message}` });
    }
    this.active.set(name, after);
  }
}

/** The modem reading as a health result: ISO ts and an alarm an operator can act on. */
export function modemResult(r: ModemReading): Omit<ModemReading, 'ts'> & HealthResult {
  const alarms: string[] = [];
  const answered = r.simState !== 'unknown' || r.registration !== 'unknown';
  if (!answered && r.errors.length) alarms.push(`modem unreachable: ${r.errors[0]}`);
  if (r.simState !== 'ready' && r.simState !== 'unknown') alarms.push(`SIM ${r.simState}`);
  if (r.registration !== 'home' && r.registration !== 'roaming' && r.registration !== 'unknown') alarms.push(`modem not registered (${r.registration})`);
  return { ...r, ts: isoTs(r.ts), alarm: alarms.length ? alarms.join('; ') : null };
}

/** Adapts the modem driver to a check; the port stays open between runs. */
export class ModemCheck implements HealthCheck {
  readonly name = 'modem';
  private readonly modem: Modem;
  private lastUrcRunAt = 0;

  constructor(private readonly settings: NonNullable<Config['health']['modem']>, log: Logger, private readonly now: () => number = Date.now) {
    this.modem = createModem(settings, log.child('modem'));
  }

  async run(): Promise<HealthResult> {
    // The driver bounds each AT command; this guards a whole reading (≈10 commands).
    const budget = 12 * this.settings.commandTimeoutMs + 5000;
    const failed = (why: string): ModemReading => ({ ts: this.now(), simState: 'unknown', registration: 'unknown', ipAddresses: [], quality: 'none', errors: [why] });
    const reading = await withTimeout(this.modem.read().catch((err) => failed(errorMessage(err))), budget, () => failed(`no reading within ${budget} ms`));
    return modemResult(reading);
  }

  /** A registration URC (+CREG/+CGREG/+CEREG/+C5GREG) means the network state changed: read now, not at the next tick. */
  watch(runNow: () => void): void {
    this.modem.on('urc', (line) => {
      if (!/^\+C(?:E|G|5G)?REG:/.test(line)) return;
      // A flapping modem can spit URCs back to back; one extra reading per 5 s is plenty.
      if (this.now() - this.lastUrcRunAt < 5000) return;
      this.lastUrcRunAt = this.now();
      runNow();
    });
  }

  close(): Promise<void> {
    return this.modem.close();
  }
}

/** The checks the config asks for. The MTU target defaults to the upstream host; without either there is no MTU check. */
export function checksFromConfig(config: Config, log: Logger): ScheduledCheck[] {
  const h = config.health;
  const checks: ScheduledCheck[] = [
    { check: new SystemCheck(h.system, config.store.path), intervalS: h.system.intervalS },
    { check: new ClockCheck(h.ntp), intervalS: h.ntp.intervalS },
  ];
  const target = mtuTarget(config);
  if (target) checks.push({ check: new MtuCheck({ target, intervalS: h.mtu?.intervalS ?? 3600 }), intervalS: h.mtu?.intervalS ?? 3600 });
  if (h.modem) checks.push({ check: new ModemCheck(h.modem, log), intervalS: h.modem.intervalS });
  return checks;
}

function mtuTarget(config: Config): string | undefined {
  return config.health.mtu?.target ?? (config.upstream ? targetHost(config.upstream.url) : undefined);
}

/** Checks the config leaves out, with why: `status` lists them as not checked rather than leaving them out silently. */
export function skippedChecks(config: Config): Record<string, string> {
  const out: Record<string, string> = {};
  if (!mtuTarget(config)) out.mtu = 'no target (no health.mtu.target and no upstream section)';
  if (!config.health.modem) out.modem = 'no modem configured (health.modem)';
  return out;
}

export function createHealthService(config: Config, deps: { log: Logger; schedule?: ScheduleFn; now?: () => number }): HealthService {
  const log = deps.log.child('health');
  return new HealthService(checksFromConfig(config, log), { ...deps, log, skipped: skippedChecks(config) });
}
