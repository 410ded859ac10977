// Telemetry against a real mosquitto: what a dashboard that subscribes late
// finds (retained state, no stale events), and what it sees when the daemon dies
// (the Last Will) or stops cleanly.
import test from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { startSite, makeTempDir, testConfigObject, writeConfig } from '../helpers/daemon.js';
import { spawnDaemon } from '../helpers/child.js';
import { startMosquitto, subscribe, type Subscriber } from '../helpers/mosquitto.js';
import { SimCharger } from '../../scripts/sim/charger-sim.js';

const P = 'site-controller/test-site';

/** Everything the broker delivers on subscribe (retained) has arrived once our own marker comes back after it. */
async function drained(sub: Subscriber): Promise<void> {
  const marker = `marker/${Math.random()}`;
  await sub.client.publishAsync(marker, '{}', { qos: 1 });
  await sub.next((m) => m.topic === marker);
}

test('a fresh subscriber finds status, chargers and health retained, and no events', async (t) => {
  const broker = await startMosquitto();
  t.after(() => broker.close());
  const site = await startSite({ overrides: { mqtt: { url: broker.url, reconnectMaxS: 1 } }, logLevel: 'info' });
  t.after(() => site.stop());
  const live = await subscribe(broker.url, `${P}/#`);
  t.after(() => live.close());

  const cp = new SimCharger({ url: site.url, id: 'CP-1', password: 'secret-1', connectors: 2, vendor: 'ACME', model: 'Wallbox' });
  t.after(() => cp.close());
  await cp.connect();
  await cp.boot();
  await cp.status(1, 'Available');
  await cp.status(2, 'Faulted', 'GroundFailure');

  // What the live subscriber sees first: the charger's state, its health, the events as a stream.
  await live.next((m) => m.topic === `${P}/chargers/CP-1` && m.json.vendor === 'ACME' && m.json.connectors['2']?.status === 'Faulted');
  await live.next((m) => m.topic === `${P}/health/system`);
  await live.next((m) => m.topic === `${P}/health/ntp`);
  const connected = await live.next((m) => m.topic === `${P}/events` && m.json.code === 'charger-connected');
  assert.equal(connected.retain, false);
  assert.equal(connected.json.charger, 'CP-1');
  const fault = await live.next((m) => m.topic === `${P}/events` && m.json.code === 'connector-fault');
  assert.equal(fault.json.type, 'alarm');
  assert.equal(fault.json.errorCode, 'GroundFailure');

  const fresh = await subscribe(broker.url, [`${P}/#`, 'marker/#']);
  t.after(() => fresh.close());
  await drained(fresh);
  const got = new Map(fresh.messages.filter((m) => m.topic.startsWith(P)).map((m) => [m.topic.slice(P.length + 1), m]));
  assert.ok([...got.values()].every((m) => m.retain), 'everything a fresh subscriber gets at once is retained state');
  assert.equal(got.has('events'), false, 'events are not retained');
  assert.equal(got.has('meter'), false, 'meter is a stream (and there is no meter here)');

  const status = got.get('status')!.json;
  assert.equal(status.state, 'online');
  assert.ok(Date.parse(status.ts) > 0 && Date.parse(status.since) > 0);
  assert.equal(status.droppedEvents, 0);

  const cp1 = got.get('chargers/CP-1')!.json;
  assert.equal(cp1.connected, true);
  assert.equal(cp1.model, 'Wallbox');
  assert.equal(cp1.connectors['1'].status, 'Available');
  assert.equal(cp1.connectors['2'].errorCode, 'GroundFailure');
  // A configured charger that never connected is on the dashboard too.
  const cp2 = got.get('chargers/CP-2')!.json;
  assert.deepEqual([cp2.connected, cp2.connectors], [false, {}]);

  // The balancer runs on a static budget here (no meter); no upstream configured, so no upstream topic.
  const balancer = got.get('balancer')!.json;
  assert.equal(balancer.source, 'static');
  assert.ok(Array.isArray(balancer.budgetA));
  assert.equal(got.has('upstream'), false);

  const system = got.get('health/system')!.json;
  for (const k of ['ts', 'load1', 'memTotalBytes', 'memAvailableBytes', 'diskFreeBytes', 'uptimeS', 'processRssBytes', 'alarm']) assert.ok(k in system, `health/system.${k}`);
  assert.ok('synchronised' in got.get('health/ntp')!.json);
  for (const m of got.values()) assert.ok(typeof m.json.ts === 'string', `${m.topic} has ts`);

  // The same fault reported again is no new alarm; its end is one 'cleared'.
  const refault = live.messages.length;
  await cp.status(2, 'Faulted', 'GroundFailure');
  await cp.status(2, 'Available');
  const cleared = await live.next((m) => m.topic === `${P}/events` && m.json.code === 'connector-fault', refault);
  assert.deepEqual([cleared.json.type, cleared.json.connector], ['cleared', 2]);

  // The charger leaves: its retained state says so, with its last connectors.
  const gone = live.messages.length;
  await cp.close();
  const left = await live.next((m) => m.topic === `${P}/chargers/CP-1` && m.json.connected === false, gone);
  assert.equal(left.json.connectors['2'].status, 'Available');
  assert.equal(left.json.connectors['1'].status, 'Available');
  await live.next((m) => m.topic === `${P}/events` && m.json.code === 'charger-disconnected', gone);
});

test('Last Will: the daemon killed with SIGKILL leaves {"state":"offline"} on status; SIGTERM leaves a clean offline', async (t) => {
  const broker = await startMosquitto();
  t.after(() => broker.close());
  const dir = makeTempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // keepaliveS 1: had the TCP close been lost too, the broker would still notice within ~1.5 s.
  const config = writeConfig(dir, testConfigObject(dir, { log: { level: 'info' }, mqtt: { url: broker.url, keepaliveS: 1, reconnectMaxS: 1 } }));
  const sub = await subscribe(broker.url, `${P}/status`);
  t.after(() => sub.close());

  const first = await spawnDaemon(config);
  t.after(() => first.kill('SIGKILL'));
  await sub.next((m) => m.json.state === 'online');
  const before = sub.messages.length;
  first.proc.kill('SIGKILL');
  const will = await sub.next((m) => m.json.state === 'offline', before);
  assert.deepEqual(will.json, { state: 'offline' });
  // And a dashboard that looks later finds it retained.
  const late = await subscribe(broker.url, `${P}/status`);
  t.after(() => late.close());
  assert.deepEqual((await late.next(() => true)).json, { state: 'offline' });

  const second = await spawnDaemon(config);
  t.after(() => second.kill('SIGKILL'));
  const mark = sub.messages.length;
  await sub.next((m) => m.json.state === 'online', mark);
  assert.equal((await second.kill('SIGTERM')).code, 0);
  const clean = await sub.next((m) => m.json.state === 'offline', mark);
  assert.equal(clean.json.reason, 'stopped');
  assert.ok(Date.parse(clean.json.ts) > 0);
  assert.match(second.output(), /MQTT connected/);
});
