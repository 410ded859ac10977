// Polls the grid meter at a fixed period and says when its data is too old to use.
// One read at a time: a read still running when the next tick comes makes that
// tick skip (a slow RS-485 line must not pile requests up). Staleness is checked
// on every tick whether or not a read answers, so a hung meter is noticed within
// staleAfterMs + one period.
import { EventEmitter } from 'node:events';
import type { Meter, MeterReading } from '../../drivers/meters/index.js';
import type { Logger } from '../log.js';

export interface MeterServiceOptions {
  pollIntervalMs: number;
  staleAfterMs: number;
  now?: () => number;
  log?: Logger;
}

export interface MeterServiceEvents {
  /** A good, range-checked sample; `at` is the service clock when it arrived. */
  sample: [reading: MeterReading, at: number];
  /** A read failed (the reading is dropped: no data is never "no load"). Not 'error': that would throw unheard. */
  readError: [err: Error];
  /** Reads fail for a reason not announced yet (the first, or a new one): once per change, not per read. */
  errorChanged: [error: MeterReadError];
  /** No good sample for staleAfterMs (emitted once per outage; also when none ever came). */
  stale: [lastGoodAt: number | null];
  /** The first good sample after `stale`. */
  restored: [reading: MeterReading, outageMs: number];
  /** Every period, after the staleness check: a clock for whoever counts control periods. */
  tick: [at: number];
}

/** The last failed read, in the words `site-controller probe meter` prints. */
export interface MeterReadError {
  reason: string;
  /** When reads began failing for this reason (a good sample or another reason ends a run). */
  since: number;
  /** The latest read that failed for it. */
  at: number;
}

/**
 * What an operator needs of a read error: the driver's message without its retry
 * countdown ("; next attempt in 812 ms"), which changes on every read while the
 * reason does not, so that "once per change" means once per reason.
 */
export function readErrorReason(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.replace(/; (next attempt in \d+ ms|reconnecting)$/, '');
}

export class MeterService extends EventEmitter<MeterServiceEvents> {
  private timer: NodeJS.Timeout | undefined;
  private reading: Promise<void> | null = null;
  private lastGood: { reading: MeterReading; at: number } | null = null;
  private startedAt = 0;
  private isStale = false;
  private error: MeterReadError | null = null;
  /** The reason last logged and announced; forgotten when the meter recovers from an outage. */
  private announced: string | null = null;
  private readonly now: () => number;
  readonly counters = { reads: 0, failures: 0, skipped: 0 };

  constructor(readonly meter: Meter, private readonly opts: MeterServiceOptions) {
    super();
    this.now = opts.now ?? Date.now;
  }

  /** The last good sample, however old (check `stale`). */
  get last(): MeterReading | null {
    return this.lastGood?.reading ?? null;
  }

  get lastGoodAt(): number | null {
    return this.lastGood?.at ?? null;
  }

  /** The last failed read (kept after the meter recovers: compare `at` with lastGoodAt). */
  get lastError(): MeterReadError | null {
    return this.error;
  }

  /** The read error behind the current run of failures: none once a good sample came after it. */
  get currentError(): MeterReadError | null {
    return this.error && this.error.at >= (this.lastGood?.at ?? -Infinity) ? this.error : null;
  }

  /** True once no good sample came for staleAfterMs, until the next good one. */
  get stale(): boolean {
    return this.isStale;
  }

  /** A sample the balancer may use now: fresh enough, else null. */
  fresh(): MeterReading | null {
    if (!this.lastGood || this.isStale) return null;
    return this.now() - this.lastGood.at < this.opts.staleAfterMs ? this.lastGood.reading : null;
  }

  start(): void {
    if (this.timer) return;
    this.startedAt = this.now();
    this.tick();
    this.timer = setInterval(() => this.tick(), this.opts.pollIntervalMs);
  }

  /** Stops polling and closes the meter; a read in progress ends with it (and is ignored). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.meter.close();
    await this.reading;
  }

  private tick(): void {
    if (this.reading) this.counters.skipped++;
    else this.reading = this.readOnce().finally(() => (this.reading = null));
    this.checkStale();
    this.emit('tick', this.now());
  }

  private async readOnce(): Promise<void> {
    this.counters.reads++;
    let reading: MeterReading;
    try {
      reading = await this.meter.read();
    } catch (err) {
      this.counters.failures++;
      this.opts.log?.debug('read failed', { err: (err as Error).message });
      if (!this.timer) return; // stopped meanwhile: the read failed because we closed the meter
      this.failed(readErrorReason(err));
      this.emit('readError', err as Error);
      return;
    }
    if (!this.timer) return; // stopped meanwhile: nobody wants it
    const at = this.now();
    const wasStale = this.isStale;
    const since = this.lastGood?.at ?? this.startedAt;
    this.lastGood = { reading, at };
    this.isStale = false;
    if (wasStale) {
      // A failure after an outage is news again, even for the same reason as before.
      this.announced = null;
      this.emit('restored', reading, at - since);
    }
    this.emit('sample', reading, at);
  }

  private failed(reason: string): void {
    const at = this.now();
    const current = this.currentError;
    this.error = current && current.reason === reason ? { ...current, at } : { reason, since: at, at };
    if (reason === this.announced) return;
    this.announced = reason;
    this.opts.log?.warn('read failing', { reason });
    this.emit('errorChanged', this.error);
  }

  private checkStale(): void {
    if (this.isStale) return;
    const since = this.lastGood?.at ?? this.startedAt;
    if (this.now() - since < this.opts.staleAfterMs) return;
    this.isStale = true;
    this.emit('stale', this.lastGood?.at ?? null);
  }
}
