// Commissioning actions the page runs, through the daemon's own services: the meter
// service owns the meter's bus while the daemon runs (a second Modbus connection
// would fight it), and the health service owns the modem's port.
import { once } from 'node:events';
import type { EventEmitter } from 'node:events';

/** What the meter probe needs: the balancer's MeterService. */
export interface MeterProbeSource extends EventEmitter {
  readonly stale: boolean;
  readonly lastGoodAt: number | null;
}

export type ProbeResult = Record<string, unknown> & { ok: boolean };

/** Waits for `emitter` to emit one of `events`, or `timeoutMs`; the first event's name and args, else null. */
async function firstOf(emitter: EventEmitter, events: string[], timeoutMs: number): Promise<{ event: string; args: unknown[] } | null> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), timeoutMs);
  try {
    return await Promise.any(events.map((e) => once(emitter, e, { signal: ac.signal }).then((args) => ({ event: e, args }))));
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
    ac.abort();
  }
}

/** The meter service's next read, good or failed, as `probe meter` would say it. */
export async function probeMeterVia(meter: MeterProbeSource | undefined, timeoutMs: number): Promise<ProbeResult> {
  if (!meter) return { ok: false, error: 'no meter in the config: the balancer uses a static budget' };
  const r = await firstOf(meter, ['sample', 'readError'], timeoutMs);
  if (!r) return { ok: false, error: `no read finished within ${timeoutMs} ms (the meter service polls on its own schedule)` };
  if (r.event === 'readError') return { ok: false, error: (r.args[0] as Error)?.message ?? 'read failed' };
  return { ok: true, reading: r.args[0] };
}

/** The args of the first `event` whose args pass `match`, or null after timeoutMs. */
function firstMatching(emitter: EventEmitter, event: string, match: (...args: any[]) => boolean, timeoutMs: number): Promise<unknown[] | null> {
  return new Promise((resolve) => {
    const on = (...args: unknown[]) => {
      if (!match(...args)) return;
      done(args);
    };
    const timer = setTimeout(() => done(null), timeoutMs);
    const done = (v: unknown[] | null) => {
      clearTimeout(timer);
      emitter.off(event, on);
      resolve(v);
    };
    emitter.on(event, on);
  });
}

/** What the modem probe needs: the health service. */
export interface ModemProbeSource extends EventEmitter {
  readonly names: string[];
  runNow(name: string): boolean;
}

/** Runs the health service's modem check now and returns its result. */
export async function probeModemVia(health: ModemProbeSource, timeoutMs: number): Promise<ProbeResult> {
  if (!health.names.includes('modem')) return { ok: false, error: 'no health.modem in the config' };
  const wait = firstMatching(health, 'result', (name) => name === 'modem', timeoutMs);
  health.runNow('modem'); // false: a check is already running; its result is as fresh
  const args = await wait;
  const result = args?.[1];
  if (!args) return { ok: false, error: `the modem check did not finish within ${timeoutMs} ms` };
  return { ok: true, result };
}
