// The AT-command engine: one command on the wire at a time, a timeout per
// command, echo and URCs separated from answers (rules in at-lines.ts), and the
// port reopened with exponential backoff when a USB modem re-enumerates.
import { EventEmitter } from 'node:events';
import type { SerialPort } from 'serialport';
import { LineSplitter, classifyLine, finalResult } from './at-lines.js';
import { AtCmeError, AtCmsError, AtCommandError, AtError, AtNoAnswerError, AtPortClosedError, AtTimeoutError } from './errors.js';
import { closePort, openPort } from './serial.js';
import { silentModemLogger, type AtClient, type ModemLogger } from './types.js';

export interface AtEngineOptions {
  device: string;
  baudRate: number;
  /** Per-command timeout unless send() names another; default 2000 ms. */
  commandTimeoutMs?: number;
  /** Reopen by itself after the device vanishes or an open fails; default true. */
  reopen?: boolean;
  reopenInitialDelayMs?: number;
  reopenMaxDelayMs?: number;
  log?: ModemLogger;
}

type State = 'closed' | 'opening' | 'initializing' | 'ready';

interface Job {
  command: string;
  timeoutMs: number;
  /** Init commands (ATE0, AT+CMEE) run before the engine is ready; user commands wait. */
  init: boolean;
  lines: string[];
  timer?: NodeJS.Timeout;
  resolve(lines: string[]): void;
  reject(err: Error): void;
}

/**
 * Events: 'urc' (line), 'open' (after open + init), 'disconnect' (reason),
 * 'reopen-failed' (error, attempt, nextDelayMs).
 */
export class AtEngine extends EventEmitter implements AtClient {
  private readonly opts: Required<Omit<AtEngineOptions, 'log'>>;
  private readonly log: ModemLogger;
  private port?: SerialPort;
  private state: State = 'closed';
  private closedByUser = false;
  private readonly splitter = new LineSplitter();
  private queue: Job[] = [];
  private current?: Job;
  private reopenTimer?: NodeJS.Timeout;
  private reopenAttempt = 0;
  private connecting?: Promise<void>;
  private lastFailure = 'not opened yet';

  constructor(options: AtEngineOptions) {
    super();
    this.opts = {
      commandTimeoutMs: 2000,
      reopen: true,
      reopenInitialDelayMs: 500,
      reopenMaxDelayMs: 30_000,
      ...options,
    };
    this.log = options.log ?? silentModemLogger;
  }

  get isReady(): boolean {
    return this.state === 'ready';
  }

  /** Why the engine is not ready, for readings taken while it reconnects. */
  get notReadyReason(): string {
    return `${this.opts.device} is not open (${this.lastFailure})`;
  }

  /** First open. Rejects with the exact failure; with `reopen` it keeps trying in the background. */
  async start(): Promise<void> {
    if (this.closedByUser) throw new Error(`${this.opts.device}: engine was closed`);
    if (this.state !== 'closed') return this.connecting;
    // A caller's open replaces a pending background one rather than racing it.
    clearTimeout(this.reopenTimer);
    this.reopenTimer = undefined;
    try {
      await this.connect();
    } catch (err) {
      this.scheduleReopen();
      throw err;
    }
  }

  send(command: string, opts: { timeoutMs?: number } = {}): Promise<string[]> {
    return this.enqueue(command, opts.timeoutMs ?? this.opts.commandTimeoutMs, false);
  }

  async close(): Promise<void> {
    this.closedByUser = true;
    clearTimeout(this.reopenTimer);
    this.reopenTimer = undefined;
    this.failAll('was closed');
    await this.connecting?.catch(() => {});
    const port = this.port;
    this.port = undefined;
    this.state = 'closed';
    if (port) await closePort(port);
  }

  private enqueue(command: string, timeoutMs: number, init: boolean): Promise<string[]> {
    if (/[\r\n]/.test(command)) return Promise.reject(new AtError(`${command}: command contains a line break`, command));
    if (this.closedByUser) return Promise.reject(new AtPortClosedError(command, this.opts.device, 'was closed'));
    // Failing fast while the device is gone: a health reading must not hang for the backoff.
    if (this.state === 'closed') return Promise.reject(new AtPortClosedError(command, this.opts.device, `is not open (${this.lastFailure})`));
    return new Promise((resolve, reject) => {
      const job: Job = { command, timeoutMs, init, lines: [], resolve, reject };
      if (init) this.queue.unshift(job);
      else this.queue.push(job);
      this.pump();
    });
  }

  private pump(): void {
    if (this.current || !this.port) return;
    const index = this.queue.findIndex((j) => j.init || this.state === 'ready');
    if (index < 0) return;
    const job = this.queue.splice(index, 1)[0]!;
    this.current = job;
    job.timer = setTimeout(() => {
      if (this.current !== job) return;
      this.current = undefined;
      this.log.warn('AT command timed out', { command: job.command, timeoutMs: job.timeoutMs });
      job.reject(new AtTimeoutError(job.command, this.opts.device, job.timeoutMs));
      this.pump();
    }, job.timeoutMs);
    this.log.debug('AT send', { command: job.command });
    this.port.write(`${job.command}\r`);
  }

  private onLine(line: string): void {
    const job = this.current;
    const kind = classifyLine(line, job?.command);
    if (kind === 'urc' || !job) {
      this.log.debug('URC', { line });
      this.emit('urc', line);
      return;
    }
    if (kind === 'answer') job.lines.push(line);
    if (kind !== 'final') return;
    clearTimeout(job.timer);
    this.current = undefined;
    const result = finalResult(line, job.command)!;
    if (result.kind === 'ok') job.resolve(job.lines);
    else if (result.kind === 'cme') job.reject(new AtCmeError(job.command, result.detail));
    else if (result.kind === 'cms') job.reject(new AtCmsError(job.command, result.detail));
    else job.reject(new AtCommandError(job.command));
    this.pump();
  }

  /** One open + init attempt; on failure the port is closed again and the error thrown. */
  private connect(): Promise<void> {
    const attempt = this.openAndInit().catch((err: Error) => {
      this.lastFailure = err.message;
      this.failAll(`could not be opened (${err.message})`);
      throw err;
    });
    this.connecting = attempt;
    const forget = () => {
      if (this.connecting === attempt) this.connecting = undefined;
    };
    attempt.then(forget, forget);
    return attempt;
  }

  private async openAndInit(): Promise<void> {
    this.state = 'opening';
    const port = await openPort(this.opts.device, this.opts.baudRate).catch((err: Error) => {
      this.state = 'closed';
      throw err;
    });
    if (this.closedByUser) {
      this.state = 'closed';
      await closePort(port);
      throw new AtPortClosedError('open', this.opts.device, 'was closed');
    }
    this.attach(port);
    this.state = 'initializing';
    try {
      await this.enqueue('ATE0', this.opts.commandTimeoutMs, true);
    } catch (err) {
      // ERROR to ATE0 still proves a modem is there (echo is handled either way);
      // silence or a vanished port is a failed open.
      if (!(err instanceof AtCommandError || err instanceof AtCmeError)) {
        await this.detach(port);
        if (err instanceof AtTimeoutError) throw new AtNoAnswerError(this.opts.device, this.opts.baudRate, err.timeoutMs);
        throw err;
      }
    }
    // Numeric +CME codes; modems that refuse CMEE still work, their errors are just plain ERROR.
    await this.enqueue('AT+CMEE=1', this.opts.commandTimeoutMs, true).catch((err: Error) => {
      this.log.debug('AT+CMEE=1 refused', { error: err.message });
    });
    if (this.port !== port) throw new Error(`${this.opts.device} vanished during init`);
    this.state = 'ready';
    this.reopenAttempt = 0;
    this.log.info('modem port open', { device: this.opts.device, baudRate: this.opts.baudRate });
    this.emit('open');
    this.pump();
  }

  private attach(port: SerialPort): void {
    this.port = port;
    this.splitter.reset();
    // latin1 keeps every byte; modem answers are ASCII.
    port.on('data', (chunk: Buffer) => {
      for (const line of this.splitter.push(chunk.toString('latin1'))) this.onLine(line);
    });
    port.on('error', (err: Error) => this.log.warn('modem port error', { device: this.opts.device, error: err.message }));
    port.on('close', (err?: Error & { disconnected?: boolean }) => {
      if (this.port !== port) return;
      this.port = undefined;
      const wasReady = this.state === 'ready';
      this.state = 'closed';
      const why = err?.disconnected ? 'disconnected' : `closed (${err?.message ?? 'no reason given'})`;
      this.lastFailure = why;
      this.log.warn('modem port lost', { device: this.opts.device, reason: why });
      this.failAll(`${why} before the answer came`);
      this.emit('disconnect', why);
      // During init the connect() caller sees the failure and schedules the reopen itself.
      if (wasReady) this.scheduleReopen();
    });
  }

  /** Closes a port we gave up on, without the 'close' handler treating it as a loss. */
  private async detach(port: SerialPort): Promise<void> {
    if (this.port === port) this.port = undefined;
    this.state = 'closed';
    port.removeAllListeners('close');
    await closePort(port);
  }

  private failAll(why: string): void {
    const jobs = this.current ? [this.current, ...this.queue] : [...this.queue];
    this.current = undefined;
    this.queue = [];
    for (const job of jobs) {
      clearTimeout(job.timer);
      job.reject(new AtPortClosedError(job.command, this.opts.device, why));
    }
  }

  private scheduleReopen(): void {
    if (!this.opts.reopen || this.closedByUser || this.reopenTimer) return;
    this.reopenTimer = setTimeout(() => {
      this.reopenTimer = undefined;
      if (this.state !== 'closed') return;
      this.connect().catch((err: Error) => {
        this.reopenAttempt++;
        this.log.debug('modem reopen failed', { device: this.opts.device, error: err.message, attempt: this.reopenAttempt });
        this.emit('reopen-failed', err, this.reopenAttempt, this.backoffMs());
        this.scheduleReopen();
      });
    }, this.backoffMs());
  }

  /** initial · 2^attempt, capped: 0.5 s, 1 s, 2 s, ... 30 s by default. */
  private backoffMs(): number {
    return Math.min(this.opts.reopenMaxDelayMs, this.opts.reopenInitialDelayMs * 2 ** this.reopenAttempt);
  }
}
