// systemd's notify protocol (Type=notify, WatchdogSec): READY=1, WATCHDOG=1, STOPPING=1.
//
// Node cannot open the AF_UNIX datagram socket that NOTIFY_SOCKET names (net is stream-only,
// dgram is UDP-only), so each message is sent by the `systemd-notify` binary, which ships with
// systemd itself: wherever NOTIFY_SOCKET is set, it is there. The alternatives were a native
// addon (sd-notify needs libsystemd headers at build time; unix-dgram builds from source with
// node-gyp, no prebuilt ARM binaries) for three short messages a minute.
//
// The binary sends from its own PID, so the unit needs NotifyAccess=all. Its default (blocking)
// mode waits on a BARRIER=1 until PID 1 has read the message, which closes the race the man page
// describes (a sender that exits before PID 1 attributes its message to the unit): never pass
// --no-block here. Needs systemd >= 246 for that barrier (Debian 11+, Ubuntu 22.04+).
import { execFile } from 'node:child_process';
import type { Logger } from './log.js';

export interface NotifySettings {
  /** NOTIFY_SOCKET; null: not started by systemd with Type=notify, so nothing is sent. */
  socket: string | null;
  /** How often to send WATCHDOG=1 (half of WatchdogSec); null: no watchdog for this process. */
  watchdogIntervalMs: number | null;
}

/** What systemd asked of this process, from its environment (pure). */
export function notifySettings(env: NodeJS.ProcessEnv, pid: number): NotifySettings {
  const socket = env.NOTIFY_SOCKET ? env.NOTIFY_SOCKET : null;
  if (!socket) return { socket: null, watchdogIntervalMs: null };
  const usec = Number(env.WATCHDOG_USEC);
  // WATCHDOG_PID names the process systemd watches; a child that inherited it must stay quiet.
  const forUs = env.WATCHDOG_PID === undefined || env.WATCHDOG_PID === '' || Number(env.WATCHDOG_PID) === pid;
  const watchdog = Number.isInteger(usec) && usec > 0 && forUs;
  // Half the timeout, as sd_watchdog_enabled(3) recommends: one late tick is not fatal.
  return { socket, watchdogIntervalMs: watchdog ? Math.max(1, Math.floor(usec / 2000)) : null };
}

/** Sends one notify message (its assignments); resolves when delivered, rejects with why not. */
export type NotifySend = (assignments: string[]) => Promise<void>;

/** The default sender: `systemd-notify A=1 B=2` with the daemon's environment (NOTIFY_SOCKET). */
export const systemdNotifySend: NotifySend = (assignments) =>
  new Promise((resolve, reject) => {
    // The barrier waits at most 5 s for PID 1; the timeout is only a backstop.
    execFile('systemd-notify', assignments, { timeout: 15_000, killSignal: 'SIGKILL' }, (err, _stdout, stderr) => {
      if (!err) return resolve();
      const e = err as NodeJS.ErrnoException;
      reject(new Error(e.code === 'ENOENT' ? 'systemd-notify not found (Type=notify needs the systemd package)' : (stderr.trim() || e.message)));
    });
  });

export interface NotifierDeps {
  log: Logger;
  send?: NotifySend;
}

/** Tells systemd how the daemon is doing; does nothing at all when NOTIFY_SOCKET is unset. */
export class SystemdNotifier {
  private readonly send: NotifySend;
  private readonly log: Logger;
  private timer: NodeJS.Timeout | null = null;
  /** Messages go out one at a time, in order (READY before STOPPING). */
  private chain: Promise<void> = Promise.resolve();
  private watchdogInFlight = false;
  private lastError = '';

  constructor(private readonly settings: NotifySettings, deps: NotifierDeps) {
    this.send = deps.send ?? systemdNotifySend;
    this.log = deps.log;
  }

  get enabled(): boolean {
    return this.settings.socket !== null;
  }

  /**
   * Starts WATCHDOG=1 pings. They come from a timer on the event loop, so a loop that is stuck
   * (a runaway synchronous task) stops them and systemd restarts the service. Started before
   * the daemon's own start: systemd's watchdog already runs while we start up.
   */
  startWatchdog(): void {
    const every = this.settings.watchdogIntervalMs;
    if (!this.enabled || every === null || this.timer) return;
    this.timer = setInterval(() => {
      // A ping still waiting on PID 1 is not doubled: at most one systemd-notify at a time.
      if (this.watchdogInFlight) return;
      this.watchdogInFlight = true;
      void this.enqueue(['WATCHDOG=1']).finally(() => { this.watchdogInFlight = false; });
    }, every);
  }

  /** The store is open and the chargers' CSMS listens. */
  ready(status?: string): Promise<void> {
    return this.enqueue(status ? ['READY=1', `STATUS=${status}`] : ['READY=1']);
  }

  /** Shutdown has begun: systemd shows "deactivating" instead of waiting on a silent process. */
  stopping(): Promise<void> {
    return this.enqueue(['STOPPING=1']);
  }

  /** Stops the watchdog pings and waits, at most `maxWaitMs`, for messages still being sent. */
  async stop(maxWaitMs = 3000): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    let guard: NodeJS.Timeout | undefined;
    await Promise.race([this.chain, new Promise<void>((resolve) => { guard = setTimeout(resolve, maxWaitMs); })]);
    clearTimeout(guard);
  }

  private enqueue(assignments: string[]): Promise<void> {
    if (!this.enabled) return Promise.resolve();
    const next = this.chain.then(() => this.send(assignments)).then(
      () => {
        if (this.lastError) this.log.info('systemd notify works again');
        this.lastError = '';
      },
      (err: Error) => {
        // Said once per distinct reason, not on every watchdog tick.
        if (err.message !== this.lastError) this.log.error('systemd notify failed', { message: assignments.join(' '), err: err.message });
        this.lastError = err.message;
      },
    );
    this.chain = next;
    return next;
  }
}
