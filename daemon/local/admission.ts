// Bookkeeping for refused charger connections, pure over the times it is given:
// what each charger was last refused for (shown by status and MQTT), which unknown
// identities knocked recently (an installer's typo), and the per-address limiter
// that stops password guessing. Every table is bounded, because whoever is on the
// network chooses the identities and addresses that fill them.

export type RefusalReason = 'unknown-id' | 'password' | 'client-certificate' | 'subprotocol' | 'rate-limited';

export interface Refusal {
  /** When, ms since the epoch. */
  at: number;
  reason: RefusalReason;
  /** What a person reads: the cause and, where there is one, the fix. */
  message: string;
  /** address:port of the connection that was refused. */
  remote: string;
  /** How many refusals in a row had this reason and address (1 = first). */
  count: number;
}

export interface UnknownCharger {
  id: string;
  count: number;
  firstAt: number;
  lastAt: number;
  remote: string;
}

/** `::ffff:10.0.0.5` and `10.0.0.5` are one host; the port is not part of it. */
export function hostOf(remote: string): string {
  const addr = /^\[?(.*?)\]?:\d+$/.exec(remote)?.[1] ?? remote;
  return addr.startsWith('::ffff:') && addr.includes('.') ? addr.slice(7) : addr;
}

/** Re-inserting moves a key to the end of a Map; the first key is then the least recently touched. */
function touch<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  while (map.size > max) map.delete(map.keys().next().value as K);
}

export class RefusalBook {
  private readonly last = new Map<string, Refusal>();
  private readonly unknownIds = new Map<string, UnknownCharger>();

  /** maxIds bounds per-charger records (identities beyond the config only with allowUnknownChargers). */
  constructor(private readonly maxUnknown = 20, private readonly maxIds = 1000) {}

  /**
   * Records a refusal; returns true when it is news (a different reason or address
   * than this identity's previous refusal, or an unknown identity not seen before), so
   * logs and events say each change once while a charger retrying every few seconds
   * only counts up.
   */
  record(id: string, r: Omit<Refusal, 'count'>): boolean {
    if (r.reason === 'unknown-id') {
      const u = this.unknownIds.get(id);
      touch(this.unknownIds, id, u ? { ...u, count: u.count + 1, lastAt: r.at, remote: r.remote } : { id, count: 1, firstAt: r.at, lastAt: r.at, remote: r.remote }, this.maxUnknown);
      return u === undefined;
    }
    const prev = this.last.get(id);
    const same = prev !== undefined && prev.reason === r.reason && hostOf(prev.remote) === hostOf(r.remote);
    touch(this.last, id, { ...r, count: same ? prev.count + 1 : 1 }, this.maxIds);
    return !same;
  }

  lastRefusal(id: string): Refusal | undefined {
    return this.last.get(id);
  }

  /** Unknown identities seen recently, the most recent first. */
  unknown(): UnknownCharger[] {
    return [...this.unknownIds.values()].reverse();
  }
}

export interface LimiterOptions {
  /** Failed logins from one address within windowMs that start a block. */
  maxFailures: number;
  windowMs: number;
  /** The first block; each further block of the same address doubles it, up to maxBlockMs. */
  blockMs: number;
  maxBlockMs: number;
  /** Addresses tracked at once; the least recently active is forgotten first. */
  maxEntries: number;
}

/** The whitepaper asks for 16+ character passwords; 5 guesses a minute, then blocks growing to 15 min, makes guessing hopeless. */
export const DEFAULT_LIMITER: LimiterOptions = { maxFailures: 5, windowMs: 60_000, blockMs: 60_000, maxBlockMs: 15 * 60_000, maxEntries: 1024 };

interface Entry {
  failures: number[];
  blockedUntil: number;
  blocks: number;
  /** Attempts refused during the current block. */
  refusedWhileBlocked: number;
}

export interface Block {
  address: string;
  until: number;
  failures: number;
  refusedWhileBlocked: number;
}

export class FailureLimiter {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly opts: LimiterOptions = DEFAULT_LIMITER) {}

  /** The end of the address's block, or 0 when it may try; counts the attempt when blocked. */
  blockedUntil(address: string, now: number): number {
    const e = this.entries.get(address);
    if (!e || e.blockedUntil <= now) return 0;
    e.refusedWhileBlocked++;
    return e.blockedUntil;
  }

  /** Counts a failed login; returns the new block when this failure starts one. */
  fail(address: string, now: number): Block | undefined {
    const e = this.entries.get(address) ?? { failures: [], blockedUntil: 0, blocks: 0, refusedWhileBlocked: 0 };
    e.failures = e.failures.filter((t) => t > now - this.opts.windowMs);
    e.failures.push(now);
    // An address quiet for a whole block length starts again from the first block.
    if (e.blockedUntil > 0 && now - e.blockedUntil > this.opts.maxBlockMs) e.blocks = 0;
    let block: Block | undefined;
    if (e.failures.length >= this.opts.maxFailures) {
      e.blocks++;
      e.blockedUntil = now + Math.min(this.opts.blockMs * 2 ** (e.blocks - 1), this.opts.maxBlockMs);
      e.refusedWhileBlocked = 0;
      block = { address, until: e.blockedUntil, failures: e.failures.length, refusedWhileBlocked: 0 };
      e.failures = [];
    }
    touch(this.entries, address, e, this.opts.maxEntries);
    return block;
  }

  /** A good login (never during a block: those are refused before the password is looked at) forgets the address. */
  succeed(address: string, now: number): void {
    const e = this.entries.get(address);
    if (e && e.blockedUntil <= now) this.entries.delete(address);
  }

  /** Addresses blocked now, for status. */
  blocked(now: number): Block[] {
    return [...this.entries].filter(([, e]) => e.blockedUntil > now)
      .map(([address, e]) => ({ address, until: e.blockedUntil, failures: this.opts.maxFailures, refusedWhileBlocked: e.refusedWhileBlocked }));
  }

  get size(): number {
    return this.entries.size;
  }
}
