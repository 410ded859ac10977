// An external limit on the grid connection: an EMS, a grid operator's control box (§14a
// EnWG-style dimming) or a tariff engine lowers the site's limit for a while, over MQTT.
// It can only lower site.grid.maxCurrentA, never raise it; it lapses after validForS; a
// payload that does not parse changes nothing and is reported. Parsing is pure; the holder
// keeps the one limit in force and says when it changes (every change is an event).
import { EventEmitter } from 'node:events';
import type { PerPhase } from './phases.js';

export interface ExternalLimit {
  /** A per grid phase. */
  maxCurrentA: PerPhase;
  validForS: number;
}

export type ParsedLimit = { ok: true; limit: ExternalLimit | null } | { ok: false; error: string };

/**
 * `{"maxCurrentA": 40 | [40,40,32], "validForS": 900}`; `{"maxCurrentA": null}` or an empty
 * payload clears the limit. validForS is required (a limit that never lapses would outlive
 * the EMS that set it) and shortened to maxValidForS.
 */
export function parseExternalLimit(payload: Buffer | string, maxValidForS: number): ParsedLimit {
  const text = (typeof payload === 'string' ? payload : payload.toString('utf8')).trim();
  if (text === '') return { ok: true, limit: null };
  if (text.length > 1024) return { ok: false, error: `payload of ${text.length} bytes; at most 1024` };
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return { ok: false, error: 'payload is not JSON' };
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return { ok: false, error: 'payload must be a JSON object {"maxCurrentA": ..., "validForS": ...}' };
  const o = v as Record<string, unknown>;
  const extra = Object.keys(o).filter((k) => k !== 'maxCurrentA' && k !== 'validForS');
  if (extra.length) return { ok: false, error: `unknown key ${extra.join(', ')}` };
  if (o.maxCurrentA === null) return { ok: true, limit: null };
  const amp = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x) && x >= 0 && x <= 10_000;
  let per: PerPhase;
  if (amp(o.maxCurrentA)) per = [o.maxCurrentA, o.maxCurrentA, o.maxCurrentA];
  else if (Array.isArray(o.maxCurrentA) && o.maxCurrentA.length === 3 && o.maxCurrentA.every(amp)) per = [...o.maxCurrentA] as PerPhase;
  else return { ok: false, error: 'maxCurrentA must be a number of amperes (0..10000) or an array of three' };
  if (!(typeof o.validForS === 'number' && Number.isFinite(o.validForS) && o.validForS > 0)) {
    return { ok: false, error: 'validForS must be a positive number of seconds' };
  }
  return { ok: true, limit: { maxCurrentA: per, validForS: Math.min(o.validForS, maxValidForS) } };
}

export type ExternalLimitChange =
  | { kind: 'set'; maxCurrentA: PerPhase; until: number }
  | { kind: 'cleared' }
  | { kind: 'expired' }
  | { kind: 'rejected'; error: string };

export interface ExternalLimitView {
  maxCurrentA: PerPhase;
  /** ms */
  until: number;
  source: string;
}

/** The limit in force; 'change' on every change (set, cleared, expired) and on every rejected payload. */
export class ExternalLimitHolder extends EventEmitter<{ change: [ExternalLimitChange] }> {
  private current: ExternalLimitView | null = null;
  private timer: NodeJS.Timeout | undefined;
  readonly counters = { accepted: 0, rejected: 0 };

  constructor(private readonly opts: { source: string; maxValidForS: number; now?: () => number }) {
    super();
  }

  private get now(): number {
    return (this.opts.now ?? Date.now)();
  }

  /** The limit per phase at `now`, or undefined (none, or lapsed). */
  limitA(now = this.now): PerPhase | undefined {
    const c = this.current;
    if (!c) return undefined;
    if (now >= c.until) {
      this.expire();
      return undefined;
    }
    return c.maxCurrentA;
  }

  view(): ExternalLimitView | null {
    this.limitA();
    return this.current;
  }

  /** A message from the topic. */
  accept(payload: Buffer | string): void {
    const r = parseExternalLimit(payload, this.opts.maxValidForS);
    if (!r.ok) {
      this.counters.rejected++;
      this.emit('change', { kind: 'rejected', error: r.error });
      return;
    }
    this.counters.accepted++;
    clearTimeout(this.timer);
    if (r.limit === null) {
      const had = this.current !== null;
      this.current = null;
      if (had) this.emit('change', { kind: 'cleared' });
      return;
    }
    const until = this.now + r.limit.validForS * 1000;
    this.current = { maxCurrentA: r.limit.maxCurrentA, until, source: this.opts.source };
    // The lapse is news by itself (an event, and the balancer acts at once), not only at the next read.
    this.timer = setTimeout(() => this.limitA(), r.limit.validForS * 1000 + 5);
    this.timer.unref?.();
    this.emit('change', { kind: 'set', maxCurrentA: r.limit.maxCurrentA, until });
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  private expire(): void {
    clearTimeout(this.timer);
    this.current = null;
    this.emit('change', { kind: 'expired' });
  }
}
