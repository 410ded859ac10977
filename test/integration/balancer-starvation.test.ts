// Silent starvation no more: when the budget cannot give every session its minimum,
// the balancer says so once — a log line and an event for the mode change and for
// each paused connector — not once per control step; and once again when it is over.
import test from 'node:test';
import assert from 'node:assert/strict';
import { startSite } from '../helpers/daemon.js';
import { SimCharger } from '../../scripts/sim/charger-sim.js';
import { MeterSim } from '../../scripts/sim/meter-sim.js';
import type { BalancerEvent } from '../../daemon/balancer/events.js';
import { renderSnapshot } from '../../daemon/control/render.js';
import { until } from '../helpers/until.js';

const WAIT_MS = 15_000;

function within<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${WAIT_MS} ms waiting for ${what}`)), WAIT_MS);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

test('a budget too small for every minimum: one line and one event per transition, not per step', { timeout: 60_000 }, async (t) => {
  const meter = await MeterSim.start({ baseA: [0, 0, 0] });
  t.after(() => meter.stop());
  // 10 A per phase, 6 A minimum: two 3-phase sessions cannot both run.
  const site = await startSite({
    overrides: {
      site: { grid: { maxCurrentA: 10, safetyMarginA: 0, nominalVoltageV: 230 } },
      chargers: ['CP-A', 'CP-B'].map((id) => ({ id, password: `pw-${id}`, connectors: 1, phases: 3, maxCurrentA: 16 })),
      meter: { model: 'sdm630', transport: 'tcp', host: meter.host, port: meter.port, pollIntervalMs: 100, timeoutMs: 400, staleAfterMs: 3000 },
      balancer: { minCurrentA: 6, fallbackBudgetA: 8, minPauseS: 0.2, increaseIntervalS: 0.2, carReactionS: 0.2, profileValidityS: 4 },
    },
  });
  const balancer = site.daemon.balancer!;
  const events: BalancerEvent[] = [];
  balancer.on('event', (e) => events.push(e));
  const sims: SimCharger[] = [];
  t.after(async () => {
    await Promise.all(sims.map((s) => s.close()));
    await site.stop();
  });
  for (const id of ['CP-A', 'CP-B']) {
    const sim = new SimCharger({ url: site.url, id, password: `pw-${id}`, connectors: 1, phases: 3, maxCurrentA: 16 });
    sims.push(sim);
    const configured = until(() => balancer.state().chargers.some((k) => k.chargerId === id && k.managed), [balancer, 'state']);
    await sim.connect();
    await sim.boot();
    await within(configured, `${id} configured`);
    meter.attach(sim, 'L1L2L3');
  }
  for (const sim of sims) {
    await sim.plugIn(1);
    await sim.startCharging(1, 'TAG');
  }
  const paused = await within(until(() => events.find((e) => e.type === 'connector-paused'), [balancer, 'event']), 'a connector-paused event');
  assert.equal(paused.reason, 'no-room');
  const samples = () => balancer.meterService!.counters.reads;
  const seen = samples();
  // Twenty more control steps (one per meter sample) while the site stays starved.
  await within(until(() => samples() >= seen + 20, [balancer.meterService!, 'tick']), 'twenty more control steps');
  assert.equal(balancer.state().mode, 'insufficient');

  const modeEvents = events.filter((e) => e.type === 'mode-changed');
  assert.deepEqual(modeEvents.map((e) => [e.mode, e.previousMode]), [['insufficient', 'normal']]);
  assert.equal(events.filter((e) => e.type === 'connector-paused').length, 1);
  const lines = (what: RegExp) => site.logs.filter((l) => what.test(l));
  assert.equal(lines(/^warn balancer: mode-changed .*mode=insufficient/).length, 1, site.logs.join('\n'));
  assert.equal(lines(/^warn balancer: connector-paused .*reason=no-room/).length, 1);

  // status shows who waits and why.
  const text = renderSnapshot(site.daemon.snapshot());
  assert.match(text, /balancer: insufficient/);
  assert.match(text, new RegExp(`${paused.chargerId}/1: .*paused: no-room`));

  // The session that runs ends: the waiting one gets the room, the site is back to normal.
  const running = sims.find((s) => s.id !== paused.chargerId)!;
  await running.stopCharging(1);
  await within(until(() => events.find((e) => e.type === 'connector-resumed'), [balancer, 'event']), 'a connector-resumed event');
  await within(until(() => events.filter((e) => e.type === 'mode-changed').length === 2 || undefined, [balancer, 'event']), 'the mode back to normal');
  const back = events.filter((e) => e.type === 'mode-changed')[1]!;
  assert.deepEqual([back.mode, back.previousMode], ['normal', 'insufficient']);
  const seen2 = samples();
  await within(until(() => samples() >= seen2 + 10, [balancer.meterService!, 'tick']), 'ten more control steps');
  assert.equal(events.filter((e) => e.type === 'connector-resumed').length, 1);
  assert.equal(events.filter((e) => e.type === 'mode-changed').length, 2);
  assert.equal(lines(/^info balancer: mode-changed .*mode=normal/).length, 1);
  assert.equal(lines(/^info balancer: connector-resumed/).length, 1);
});
