// Waits, without polling or sleeping, until a condition holds: it is checked now and
// again whenever one of the given emitters fires one of the given events. Every wait is
// bounded: a condition that never holds fails the test with what it waited for, instead
// of hanging the suite (issue 8 item 16: a hung wait kept CI busy for 11 minutes).
import type { EventEmitter } from 'node:events';

/** Default bound of a wait; long enough for a loaded CI machine, short enough to fail fast. */
export const DEFAULT_WAIT_MS = 30_000;

export interface WaitOptions {
  /** What is awaited, for the error message (default: the check's source text, shortened). */
  label?: string;
  timeoutMs?: number;
}

export class WaitTimeoutError extends Error {
  constructor(label: string, timeoutMs: number) {
    super(`timed out after ${timeoutMs} ms waiting for ${label}`);
    this.name = 'WaitTimeoutError';
  }
}

/** A short description of a check function, used when the caller gave no label. */
export function describeCheck(check: (...args: any[]) => unknown): string {
  const src = String(check).replace(/\s+/g, ' ').trim();
  return src.length > 120 ? `${src.slice(0, 117)}...` : src;
}

/**
 * until(check, [emitter, 'event'], ...) or until(check, { label, timeoutMs }, [emitter, 'event'], ...).
 * Resolves with check()'s first truthy value; rejects with WaitTimeoutError naming the label.
 */
export function until<T>(check: () => T | undefined | null | false, ...rest: Array<[EventEmitter, string] | WaitOptions>): Promise<T> {
  const opts: WaitOptions = {};
  const sources: Array<[EventEmitter, string]> = [];
  for (const r of rest) {
    if (Array.isArray(r)) sources.push(r);
    else Object.assign(opts, r);
  }
  const timeoutMs = opts.timeoutMs ?? DEFAULT_WAIT_MS;
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const done = () => {
      clearTimeout(timer);
      for (const [e, ev] of sources) e.off(ev, probe);
    };
    const probe = () => {
      let v: T | undefined | null | false;
      try {
        v = check();
      } catch (err) {
        done();
        return reject(err);
      }
      if (!v) return;
      done();
      resolve(v);
    };
    for (const [e, ev] of sources) e.on(ev, probe);
    timer = setTimeout(() => {
      done();
      reject(new WaitTimeoutError(opts.label ?? describeCheck(check), timeoutMs));
    }, timeoutMs);
    probe();
  });
}

/** Bounds any promise: rejects with WaitTimeoutError(label) after timeoutMs; the timer never outlives it. */
export function within<T>(p: Promise<T>, label: string, timeoutMs = DEFAULT_WAIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new WaitTimeoutError(label, timeoutMs)), timeoutMs);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
