// Logins for the installer's page: password check in constant time, sessions that
// expire, and a per-address limit on failed logins. Pure over an injected clock; the
// HTTP service owns the instances (no timers here: expired entries are swept on use).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export interface WebUser {
  name: string;
  password: string;
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/**
 * The user whose name and password match, else null. Both are compared as SHA-256
 * digests with timingSafeEqual (equal lengths whatever was typed), and every user is
 * compared whatever matched before, so the time taken says nothing about either.
 */
export function checkPassword(users: readonly WebUser[], name: string, password: string): string | null {
  const n = digest(name);
  const p = digest(password);
  let found: string | null = null;
  for (const u of users) {
    const nameOk = timingSafeEqual(n, digest(u.name));
    const passOk = timingSafeEqual(p, digest(u.password));
    if (nameOk && passOk && found === null) found = u.name;
  }
  return found;
}

/** `user:password` of an `Authorization: Basic` header, or null when the header is not one. */
export function parseBasic(header: string | undefined): { name: string; password: string } | null {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!m) return null;
  const text = Buffer.from(m[1]!, 'base64').toString('utf8');
  const i = text.indexOf(':');
  return i < 0 ? null : { name: text.slice(0, i), password: text.slice(i + 1) };
}

/** Cookie header → name/value pairs; malformed parts are skipped, never thrown on. */
export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    const name = i < 0 ? '' : part.slice(0, i).trim();
    if (name) out.set(name, part.slice(i + 1).trim());
  }
  return out;
}

export interface Session {
  user: string;
  /** Sent back in the X-CSRF-Token header of every action: another site's page cannot read it. */
  csrf: string;
  expiresAt: number;
}

const token = () => randomBytes(32).toString('base64url');

/** Where sessions outlive a daemon restart (the store's kv): keyed by the token's SHA-256, never the token. */
export interface SessionPersistence {
  load(): Record<string, Session> | undefined;
  save(sessions: Record<string, Session>): void;
}

const tokenKey = (t: string) => createHash('sha256').update(t).digest('base64url');

/**
 * Sessions by cookie token; each use extends it by ttlMs. At most `max` live: the oldest
 * goes first. With `persist`, they survive a restart (the page reconnects without a new
 * login); saved on create and delete, and when a use extended one by more than a tenth of the TTL.
 */
export class Sessions {
  private readonly byKey = new Map<string, Session>();
  private readonly saved = new Map<string, number>();

  constructor(private readonly ttlMs: number, private readonly now: () => number, private readonly max = 1000, private readonly persist?: SessionPersistence) {
    const now0 = now();
    for (const [k, v] of Object.entries(persist?.load() ?? {})) {
      if (v && typeof v.user === 'string' && typeof v.csrf === 'string' && typeof v.expiresAt === 'number' && v.expiresAt > now0) {
        this.byKey.set(k, { user: v.user, csrf: v.csrf, expiresAt: v.expiresAt });
        this.saved.set(k, v.expiresAt);
      }
    }
  }

  create(user: string): { token: string; session: Session } {
    this.sweep();
    while (this.byKey.size >= this.max) this.byKey.delete(this.byKey.keys().next().value!);
    const t = token();
    const session = { user, csrf: token(), expiresAt: this.now() + this.ttlMs };
    this.byKey.set(tokenKey(t), session);
    this.save();
    return { token: t, session };
  }

  /** The live session of this token (and extends it), else undefined. */
  get(t: string | undefined): Session | undefined {
    if (!t) return undefined;
    const k = tokenKey(t);
    const s = this.byKey.get(k);
    if (!s) return undefined;
    if (s.expiresAt <= this.now()) {
      this.byKey.delete(k);
      return undefined;
    }
    s.expiresAt = this.now() + this.ttlMs;
    if (s.expiresAt - (this.saved.get(k) ?? 0) > this.ttlMs / 10) this.save();
    return s;
  }

  delete(t: string | undefined): void {
    if (t && this.byKey.delete(tokenKey(t))) this.save();
  }

  private save(): void {
    if (!this.persist) return;
    this.saved.clear();
    for (const [k, s] of this.byKey) this.saved.set(k, s.expiresAt);
    this.persist.save(Object.fromEntries(this.byKey));
  }

  get size(): number {
    return this.byKey.size;
  }

  private sweep(): void {
    const now = this.now();
    for (const [k, s] of this.byKey) if (s.expiresAt <= now) this.byKey.delete(k);
  }
}

export interface LimiterOptions {
  /** Failed logins allowed per address within windowMs before it is blocked. */
  maxFailures: number;
  windowMs: number;
  blockMs: number;
  /** Addresses remembered at most (a spray from many addresses cannot grow memory). */
  maxAddresses: number;
}

export const DEFAULT_LIMITER: LimiterOptions = { maxFailures: 5, windowMs: 60_000, blockMs: 60_000, maxAddresses: 10_000 };

/** Failed logins per client address: after maxFailures within windowMs, refused for blockMs. */
export class LoginLimiter {
  private readonly byAddress = new Map<string, { failures: number; firstAt: number; blockedUntil: number }>();

  constructor(private readonly now: () => number, private readonly opts: LimiterOptions = DEFAULT_LIMITER) {}

  /** Seconds until this address may try again; 0: it may now. */
  retryAfterS(address: string): number {
    const e = this.byAddress.get(address);
    const now = this.now();
    return e && e.blockedUntil > now ? Math.ceil((e.blockedUntil - now) / 1000) : 0;
  }

  failed(address: string): void {
    const now = this.now();
    let e = this.byAddress.get(address);
    if (!e || now - e.firstAt > this.opts.windowMs) {
      this.byAddress.delete(address);
      if (this.byAddress.size >= this.opts.maxAddresses) this.byAddress.delete(this.byAddress.keys().next().value!);
      e = { failures: 0, firstAt: now, blockedUntil: 0 };
      this.byAddress.set(address, e);
    }
    e.failures++;
    if (e.failures >= this.opts.maxFailures) e.blockedUntil = now + this.opts.blockMs;
  }

  succeeded(address: string): void {
    this.byAddress.delete(address);
  }
}
