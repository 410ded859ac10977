// A running daemon whose meter cannot be read says why, in the words of
// `site-controller probe meter`: in `status`, in the balancer's events (meter-lost
// carries the reason), and once in the log — against a real Modbus TCP server.
import test from 'node:test';
import assert from 'node:assert/strict';
import { startSite, type TestSite } from '../helpers/daemon.js';
import { sdm630Image } from '../helpers/modbus-images.js';
import { freeLoopbackPort, startModbusTcpServer } from '../helpers/modbus-tcp-server.js';
import { until } from '../helpers/until.js';
import type { BalancerEvent } from '../../daemon/balancer/events.js';

const WAIT_MS = 10_000;

function within<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${WAIT_MS} ms waiting for ${what}`)), WAIT_MS);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

async function siteWithMeter(t: test.TestContext, meter: Record<string, unknown>): Promise<{ site: TestSite; events: BalancerEvent[] }> {
  const site = await startSite({
    overrides: { meter: { model: 'sdm630', transport: 'tcp', pollIntervalMs: 100, timeoutMs: 100, staleAfterMs: 2000, ...meter } },
    deps: { meterBackoff: { initialMs: 20, maxMs: 100 } },
  });
  t.after(() => site.stop());
  const events: BalancerEvent[] = [];
  site.daemon.balancer!.on('event', (e) => events.push(e));
  return { site, events };
}

/** Waits for the meter to go stale and a few more failed reads, then checks every place an operator looks. */
async function assertReasonEverywhere(site: TestSite, events: BalancerEvent[], reason: RegExp): Promise<void> {
  const balancer = site.daemon.balancer!;
  const meter = balancer.meterService!;
  const lost = await within(until(() => events.find((e) => e.type === 'meter-lost'), [balancer, 'event']), 'a meter-lost event');
  assert.match(lost.detail ?? '', reason, 'meter-lost names the read error');
  assert.match(lost.reason ?? '', reason);
  const failuresAtLoss = meter.counters.failures;
  await within(until(() => meter.counters.failures >= failuresAtLoss + 3, [meter, 'readError']), 'three more failed reads');

  const snap = site.daemon.snapshot() as { meter: { stale: boolean; lastError: string; lastErrorSince: string; lastErrorAt: string } };
  assert.equal(snap.meter.stale, true);
  assert.match(snap.meter.lastError, reason);
  // Since: when reads began failing for this reason, not the latest failure.
  assert.ok(Date.parse(snap.meter.lastErrorSince) < Date.parse(snap.meter.lastErrorAt), JSON.stringify(snap.meter));

  // Once per change of the reason, not once per read.
  const warned = site.logs.filter((l) => l.startsWith('warn meter: read failing') && reason.test(l));
  assert.equal(warned.length, 1, `one warn line with the reason, got:\n${warned.join('\n')}`);
  assert.equal(events.filter((e) => e.type === 'meter-lost').length, 1);
}

test('wrong unit id: status, meter-lost and the log say "no answer from unit id 7 — wrong unit id?"', async (t) => {
  const server = await startModbusTcpServer(new Map([[1, sdm630Image()]]));
  t.after(() => server.stop());
  const { site, events } = await siteWithMeter(t, { host: server.host, port: server.port, unitId: 7 });
  await assertReasonEverywhere(site, events, /no answer from unit id 7 .*wrong unit id\?/);
});

test('nothing listening on the port: status, meter-lost and the log say "connection refused"', async (t) => {
  const port = await freeLoopbackPort();
  const { site, events } = await siteWithMeter(t, { host: '127.0.0.1', port, unitId: 1 });
  await assertReasonEverywhere(site, events, /connection refused/);
});

test('the reason changes while stale: one meter-error event with the new reason', async (t) => {
  const server = await startModbusTcpServer(new Map([[1, sdm630Image()]]));
  t.after(() => server.stop());
  const { site, events } = await siteWithMeter(t, { host: server.host, port: server.port, unitId: 7 });
  const balancer = site.daemon.balancer!;
  await within(until(() => events.find((e) => e.type === 'meter-lost'), [balancer, 'event']), 'a meter-lost event');
  // The gateway goes away: the reason is no longer the unit id but the connection.
  await server.stop();
  const changed = await within(until(() => events.find((e) => e.type === 'meter-error'), [balancer, 'event']), 'a meter-error event');
  assert.doesNotMatch(changed.reason ?? '', /unit id 7/);
  assert.match(changed.reason ?? '', /connection|closed|refused/);
  const snap = site.daemon.snapshot() as { meter: { lastError: string } };
  assert.equal(snap.meter.lastError, changed.reason);
});
