// MeterService against a scripted meter: never two reads at once, samples out,
// stale after staleAfterMs (counted in ticks, not wall time), restored on the next good one.
import test from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { MeterService } from '../../daemon/balancer/meter-service.js';
import { MeterRangeError, type Meter, type MeterReading } from '../../drivers/meters/index.js';

const reading = (l1: number): MeterReading => ({ ts: 0, currentA: [l1, 0, 0], voltageV: [230, 230, 230], powerW: l1 * 230, importEnergyWh: 1 });

/** A meter whose reads resolve when the test says so (or at once in auto mode). */
class ScriptedMeter implements Meter {
  readonly description = 'scripted';
  inFlight = 0;
  maxInFlight = 0;
  closed = false;
  auto: (() => MeterReading | Error) | null = null;
  private pending: Array<{ resolve: (r: MeterReading) => void; reject: (e: Error) => void }> = [];

  read(): Promise<MeterReading> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    return new Promise<MeterReading>((resolve, reject) => {
      const done = { resolve: (r: MeterReading) => (this.inFlight--, resolve(r)), reject: (e: Error) => (this.inFlight--, reject(e)) };
      const a = this.auto?.();
      if (a instanceof Error) done.reject(a);
      else if (a) done.resolve(a);
      else this.pending.push(done);
    });
  }

  answer(r: MeterReading | Error): void {
    const p = this.pending.shift();
    if (!p) throw new Error('no read pending');
    if (r instanceof Error) p.reject(r);
    else p.resolve(r);
  }

  get waiting(): number {
    return this.pending.length;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.pending.splice(0).forEach((p) => p.reject(new Error('closed')));
  }
}

test('a slow read makes the next ticks skip: never two reads at once', async () => {
  const meter = new ScriptedMeter();
  const svc = new MeterService(meter, { pollIntervalMs: 10, staleAfterMs: 10_000 });
  svc.start();
  for (let i = 0; i < 5; i++) await once(svc, 'tick');
  assert.equal(meter.maxInFlight, 1);
  assert.ok(svc.counters.skipped >= 4);
  const sample = once(svc, 'sample');
  meter.answer(reading(12));
  const [r] = await sample;
  assert.equal((r as MeterReading).currentA[0], 12);
  assert.equal(svc.fresh()?.currentA[0], 12);
  await svc.stop();
  assert.equal(meter.closed, true);
});

test('stale once no good sample came for staleAfterMs: within staleAfterMs/period + 1 ticks; restored on the next good one', async () => {
  const meter = new ScriptedMeter();
  let l1 = 10;
  meter.auto = () => reading(l1);
  const periodMs = 20;
  const staleAfterMs = 100;
  const svc = new MeterService(meter, { pollIntervalMs: periodMs, staleAfterMs });
  const events: string[] = [];
  svc.on('stale', () => events.push('stale'));
  svc.on('restored', () => events.push('restored'));
  svc.start();
  await once(svc, 'sample');
  // From here on every read fails: a range error is "no data", never "no load".
  meter.auto = () => new MeterRangeError(['current L1 is NaN A']);
  let ticks = 0;
  const counting = () => ticks++;
  svc.on('tick', counting);
  await once(svc, 'stale');
  svc.off('tick', counting);
  assert.ok(ticks <= staleAfterMs / periodMs + 1, `stale after ${ticks} ticks`);
  assert.equal(svc.stale, true);
  assert.equal(svc.fresh(), null);
  assert.equal(svc.last?.currentA[0], 10, 'the last good sample is kept for display');
  l1 = 20;
  meter.auto = () => reading(l1);
  const [restored] = await once(svc, 'restored');
  assert.equal((restored as MeterReading).currentA[0], 20);
  assert.equal(svc.stale, false);
  assert.deepEqual(events, ['stale', 'restored']);
  await svc.stop();
});

test('a meter that never answered is stale too (after staleAfterMs from start), once', async () => {
  const meter = new ScriptedMeter();
  meter.auto = () => new Error('connection refused');
  const svc = new MeterService(meter, { pollIntervalMs: 10, staleAfterMs: 50 });
  let stale = 0;
  svc.on('stale', () => stale++);
  svc.start();
  const [at] = await once(svc, 'stale');
  assert.equal(at, null);
  for (let i = 0; i < 5; i++) await once(svc, 'tick');
  assert.equal(stale, 1);
  assert.ok(svc.counters.failures >= 5);
  await svc.stop();
});
