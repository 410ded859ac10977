// Issue 13 item 5 against a real mosquitto: an EMS / grid operator's box publishes a lower
// grid limit; the balancer follows it, never above site.grid.maxCurrentA, drops it when it
// expires, ignores (and reports) garbage, and every change is an event.
import test from 'node:test';
import assert from 'node:assert/strict';
import { startMosquitto, subscribe } from '../helpers/mosquitto.js';
import { startSite } from '../helpers/daemon.js';
import { SimCharger } from '../../scripts/sim/charger-sim.js';
import type { BalancerEvent } from '../../daemon/balancer/events.js';
import { until } from '../helpers/until.js';

const TOPIC = 'site-controller/ext-site/set/limit';

test('external limit over MQTT: lowers the grid limit per phase, cannot raise it, expires, garbage changes nothing', { timeout: 60_000 }, async (t) => {
  const broker = await startMosquitto();
  t.after(() => broker.close());
  // No meter: the static budget is grid max − margin = 38 A per phase for one 3-phase car (max 32 A).
  const site = await startSite({
    logLevel: 'warn',
    overrides: {
      site: { id: 'ext-site', grid: { maxCurrentA: 40, safetyMarginA: 2 } },
      chargers: [{ id: 'CP-E', password: 'pw-E', connectors: 1, phases: 3, maxCurrentA: 32 }],
      mqtt: { url: broker.url, reconnectMaxS: 1 },
      balancer: { increaseIntervalS: 0.2, carReactionS: 0.2, externalLimit: { mqttTopic: TOPIC } },
    },
  });
  t.after(() => site.stop());
  const events: BalancerEvent[] = [];
  const balancer = site.daemon.balancer!;
  balancer.on('event', (e) => e.type === 'external-limit' && events.push(e));
  const ems = await subscribe(broker.url, 'site-controller/ext-site/events');
  t.after(() => ems.close());
  const sim = new SimCharger({ url: site.url, id: 'CP-E', password: 'pw-E', connectors: 1, phases: 3, maxCurrentA: 32 });
  t.after(() => sim.close());
  await sim.connect();
  await sim.boot();
  await sim.plugIn(1);
  await sim.startCharging(1, 'TAG');
  const limit = () => sim.connectors.get(1)!.limitA;
  const limitBecomes = (a: number, why: string) => until(() => limit() === a, { label: `${why}: CP-E/1 at ${a} A (now ${limit()})` }, [sim, 'limit']);
  await limitBecomes(32, 'no external limit');

  // Retained, as an EMS would publish it: it reaches the daemon whenever it (re)subscribes.
  await ems.client.publishAsync(TOPIC, JSON.stringify({ maxCurrentA: [20, 40, 40], validForS: 600 }), { qos: 1, retain: true });
  // L1: 20 − 2 margin = 18 A.
  await limitBecomes(18, 'external limit 20/40/40 A');
  assert.deepEqual(balancer.state().externalLimit?.maxCurrentA, [20, 40, 40]);
  const snap = site.daemon.snapshot() as { balancer: { externalLimit: { maxCurrentA: number[] } } };
  assert.deepEqual(snap.balancer.externalLimit.maxCurrentA, [20, 40, 40], 'status shows the external limit');
  const onMqtt = await ems.next((m) => m.json.code === 'external-limit' && m.json.reason === 'set');
  assert.match(onMqtt.json.message, /20\/40\/40 A/);

  // Garbage: reported, nothing changes.
  const before = events.length;
  for (const bad of ['not json', '{"maxCurrentA": "lots", "validForS": 60}', '{"maxCurrentA": 10}', '{"maxCurrentA": [1,2], "validForS": 5}', '{"maxCurrentA": 10, "validForS": 5, "x": 1}']) {
    await ems.client.publishAsync(TOPIC, bad, { qos: 1 });
  }
  await until(() => events.length >= before + 5, { label: 'five rejected payloads reported' }, [balancer, 'event']);
  assert.ok(events.slice(before).every((e) => e.reason === 'rejected' && e.kind === 'alarm'), events.slice(before).map((e) => e.detail).join('; '));
  assert.equal(limit(), 18, 'the limit in force is unchanged');
  assert.deepEqual(balancer.state().externalLimit?.maxCurrentA, [20, 40, 40]);

  // It can only lower: 100 A is above the 40 A grid limit, so the site's own limit holds.
  await ems.client.publishAsync(TOPIC, JSON.stringify({ maxCurrentA: 100, validForS: 600 }), { qos: 1 });
  await limitBecomes(32, 'an external limit above the grid');
  assert.ok(balancer.state().budgetA.every((b) => b <= 38), `budget ${balancer.state().budgetA} never above grid max − margin`);

  // It expires by itself.
  await ems.client.publishAsync(TOPIC, JSON.stringify({ maxCurrentA: 14, validForS: 1 }), { qos: 1 });
  await limitBecomes(12, 'external limit 14 A');
  await until(() => events.some((e) => e.reason === 'expired'), { label: 'the external limit expiring' }, [balancer, 'event']);
  await limitBecomes(32, 'after the external limit expired');
  assert.equal(balancer.state().externalLimit, null);
  await ems.client.publishAsync(TOPIC, '', { qos: 1, retain: true }); // clear the retained message
});
