// Clock health: is the gateway's clock disciplined, and by how much is it off?
// A wrong clock breaks TLS to the cloud and stamps transactions wrongly, so this
// asks the time daemon the gateway actually runs and cross-checks with SNTP.
import { execRunner, firstLine, errorMessage, withTimeout, isoTs, type CommandRunner, type RunResult } from './exec.js';
import { parseChronyTracking, parseTimedatectl, parseTimesyncStatusOffset, type DaemonClockState } from './clock-parse.js';
import { sntpQuery, type SntpSample, type SntpOptions } from './sntp.js';

export interface NtpSettings {
  intervalS: number;
  maxOffsetMs: number;
  /** SNTP cross-check servers: "host", "host:port" or "[v6]:port". */
  servers?: string[];
}

export type ClockMethod = 'chrony' | 'timesyncd' | 'sntp' | 'none';

export interface ClockResult {
  ts: string;
  /** null: nothing on this machine could tell. */
  synchronised: boolean | null;
  /** > 0: the local clock is behind the reference. */
  offsetMs: number | null;
  source: string | null;
  method: ClockMethod;
  stratum?: number | null;
  /** Why the daemon's view is missing or partial (e.g. neither chrony nor timesyncd answered). */
  reason?: string;
  sntp?: { server: string; offsetMs: number; delayMs: number } | { server: string; error: string };
  alarm: string | null;
}

export interface ClockDeps {
  run?: CommandRunner;
  /** Wall clock, Unix ms. */
  now?: () => number;
  sntp?: (server: string, opts: SntpOptions) => Promise<SntpSample>;
  commandTimeoutMs?: number;
  sntpTimeoutMs?: number;
}

interface DaemonView {
  method: ClockMethod;
  state?: DaemonClockState;
  ntpEnabled?: boolean | null;
  reason?: string;
}

/** Why a command gave nothing usable, in words an operator can act on. */
function describeFailure(r: RunResult): string {
  if (r.failure === 'missing') return 'not installed';
  if (r.failure === 'timeout') return 'timed out';
  return firstLine(r.stderr) || firstLine(r.stdout) || `exit code ${r.code}`;
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

export class ClockCheck {
  readonly name = 'ntp';
  private readonly run_: CommandRunner;
  private readonly now: () => number;
  private readonly sntp: (server: string, opts: SntpOptions) => Promise<SntpSample>;
  private readonly cmdTimeoutMs: number;
  private readonly sntpTimeoutMs: number;

  constructor(private readonly settings: NtpSettings, deps: ClockDeps = {}) {
    this.run_ = deps.run ?? execRunner;
    this.now = deps.now ?? Date.now;
    this.sntp = deps.sntp ?? sntpQuery;
    this.cmdTimeoutMs = deps.commandTimeoutMs ?? 5000;
    this.sntpTimeoutMs = deps.sntpTimeoutMs ?? 2000;
  }

  async run(): Promise<ClockResult> {
    // Up to four commands and one query per server; beyond that something hangs.
    const budget = 4 * this.cmdTimeoutMs + (this.settings.servers?.length ?? 0) * this.sntpTimeoutMs + 1000;
    return withTimeout(this.check().catch((err) => this.failed(`clock check failed: ${errorMessage(err)}`)), budget, () =>
      this.failed(`clock check did not finish within ${budget} ms`),
    );
  }

  private failed(reason: string): ClockResult {
    return { ts: isoTs(this.now()), synchronised: null, offsetMs: null, source: null, method: 'none', reason, alarm: null };
  }

  private async check(): Promise<ClockResult> {
    const daemon = await this.readDaemon();
    const sntp = await this.crossCheck();
    const s = daemon.state;
    const result: ClockResult = {
      ts: isoTs(this.now()),
      synchronised: s?.synchronised ?? null,
      offsetMs: s?.offsetMs == null ? null : round3(s.offsetMs),
      source: s?.source ?? null,
      method: daemon.method,
      alarm: null,
    };
    if (s) result.stratum = s.stratum;
    if (daemon.reason) result.reason = daemon.reason;
    if (sntp) result.sntp = sntp;
    // No daemon to ask: our own SNTP measurement is the best offset we have.
    if (daemon.method === 'none' && sntp && 'offsetMs' in sntp) {
      Object.assign(result, { method: 'sntp', offsetMs: sntp.offsetMs, source: sntp.server });
    }
    result.alarm = this.alarm(result, daemon.ntpEnabled);
    return result;
  }

  private alarm(r: ClockResult, ntpEnabled: boolean | null | undefined): string | null {
    const max = this.settings.maxOffsetMs;
    const alarms: string[] = [];
    if (r.synchronised === false) alarms.push(`clock not synchronised (${r.method}${ntpEnabled === false ? ', NTP disabled' : ''})`);
    if (r.offsetMs != null && Math.abs(r.offsetMs) > max) alarms.push(`clock offset ${r.offsetMs} ms exceeds ${max} ms (${r.method})`);
    // The cross-check catches a daemon that is "synchronised" to a wrong source.
    if (r.method !== 'sntp' && r.sntp && 'offsetMs' in r.sntp && Math.abs(r.sntp.offsetMs) > max) {
      alarms.push(`SNTP cross-check: clock off by ${r.sntp.offsetMs} ms against ${r.sntp.server}`);
    }
    return alarms.length ? alarms.join('; ') : null;
  }

  /** chrony first (its own numbers are the richest), then systemd-timesyncd. */
  private async readDaemon(): Promise<DaemonView> {
    const reasons: string[] = [];
    const opts = { timeoutMs: this.cmdTimeoutMs };
    // -n: no reverse DNS for the source name; on a dead cellular link it would stall.
    const chrony = await this.run_('chronyc', ['-c', '-n', 'tracking'], opts);
    if (chrony.code === 0) {
      try {
        return { method: 'chrony', state: parseChronyTracking(chrony.stdout) };
      } catch (err) {
        reasons.push(errorMessage(err));
      }
    } else reasons.push(`chronyc: ${describeFailure(chrony)}`);

    const show = await this.run_('timedatectl', ['show'], opts);
    if (show.code === 0) {
      try {
        const sync = await this.run_('timedatectl', ['show-timesync', '--all'], opts);
        const state = { ...parseTimedatectl(show.stdout, sync.code === 0 ? sync.stdout : '') };
        if (sync.code === 0) {
          const status = await this.run_('timedatectl', ['timesync-status'], opts);
          if (status.code === 0) state.offsetMs = parseTimesyncStatusOffset(status.stdout);
        }
        const { ntpEnabled, ...rest } = state;
        // The kernel's sync flag is still right when timesyncd itself is not running.
        const partial = sync.code === 0 ? {} : { reason: `timedatectl show-timesync: ${describeFailure(sync)}` };
        return { method: 'timesyncd', state: rest, ntpEnabled, ...partial };
      } catch (err) {
        reasons.push(errorMessage(err));
      }
    } else reasons.push(`timedatectl: ${describeFailure(show)}`);
    return { method: 'none', reason: `no time daemon answered (${reasons.join('; ')})` };
  }

  /** First configured server that answers; otherwise every server's error. */
  private async crossCheck(): Promise<ClockResult['sntp']> {
    const servers = this.settings.servers ?? [];
    if (servers.length === 0) return undefined;
    const errors: string[] = [];
    for (const server of servers) {
      try {
        const s = await this.sntp(server, { timeoutMs: this.sntpTimeoutMs, now: this.now });
        return { server, offsetMs: round3(s.offsetMs), delayMs: round3(s.delayMs) };
      } catch (err) {
        errors.push(servers.length > 1 ? `${server}: ${errorMessage(err)}` : errorMessage(err));
      }
    }
    return { server: servers.join(', '), error: errors.join('; ') };
  }
}
