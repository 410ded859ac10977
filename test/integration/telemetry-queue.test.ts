// The publisher's bounds, against a real mosquitto: events queued while the
// broker is away are capped (oldest dropped, the count published), live values
// are not kept, and a broker that refuses the login is retried quietly.
import test from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import { TelemetryService } from '../../daemon/telemetry/service.js';
import { MqttPublisher } from '../../daemon/telemetry/mqtt-client.js';
import { ChargerRegistry } from '../../daemon/local/registry.js';
import { createLogger } from '../../daemon/log.js';
import { startMosquitto, subscribe } from '../helpers/mosquitto.js';

const P = 'site-controller/q';

function config(url: string, extra: object = {}) {
  return { url, topicPrefix: P, keepaliveS: 5, meterIntervalS: 0, maxQueuedEvents: 5, reconnectMaxS: 1, ...extra };
}

function capture() {
  const lines: string[] = [];
  return { lines, log: createLogger('t', { level: 'debug', sink: (l) => lines.push(l) }) };
}

test('events beyond the queue bound are dropped oldest-first and counted on status; live values are not kept offline', async (t) => {
  // A dashboard with a persistent session: it gets every QoS 1 message published
  // while it was away too, so what arrives is exactly what the daemon sent.
  const broker = await startMosquitto({ persistence: true });
  t.after(() => broker.close());
  const sub = await subscribe(broker.url, `${P}/#`, { clientId: 'dashboard', clean: false });
  t.after(() => sub.close());
  await broker.stop();

  const { log } = capture();
  const meter = Object.assign(new EventEmitter(), { state: () => ({ currentA: [10, 11, 12] }) });
  const svc = new TelemetryService(config(broker.url), { siteId: 'q', registry: new ChargerRegistry(), chargerIds: ['CP-1'], log, reconnectMinMs: 100 });
  svc.attach('meter', meter);
  svc.start();
  t.after(() => svc.stop());
  for (let i = 0; i < 12; i++) {
    svc.event('test', { type: 'info', code: 'tick', n: i, message: `tick ${i}` });
    meter.emit('state');
  }
  const s = svc.stats();
  assert.equal(s.connected, false);
  assert.equal(s.queuedEvents, 5);
  assert.equal(s.droppedEvents, 7);
  // status + chargers/CP-1 pending; the meter is a stream and nothing of it is held.
  assert.equal(s.pendingTopics, 2);

  const mark = sub.messages.length;
  await broker.start();
  const status = await sub.next((m) => m.topic === `${P}/status` && m.json.state === 'online', mark);
  assert.equal(status.json.droppedEvents, 7);
  await sub.next((m) => m.topic === `${P}/events` && m.json.n === 11, mark);
  const ticks = sub.messages.slice(mark).filter((m) => m.topic === `${P}/events`).map((m) => m.json.n);
  assert.deepEqual(ticks, [7, 8, 9, 10, 11]);
  assert.equal(sub.messages.slice(mark).find((m) => m.topic === `${P}/events`)!.retain, false);

  // Connected, the meter flows (rate limit off here) and is not retained.
  meter.emit('state');
  const m = await sub.next((x) => x.topic === `${P}/meter`, mark);
  assert.deepEqual(m.json.currentA, [10, 11, 12]);
  assert.equal(m.retain, false);
});

test('a broker refusing the login is retried with one log line per outage; the right password connects', async (t) => {
  const broker = await startMosquitto({ users: { site: 'right' } });
  t.after(() => broker.close());
  const { lines, log } = capture();
  const base = { url: broker.url, clientId: 'q-bad', keepaliveS: 5, statusTopic: `${P}/status`, willPayload: '{"state":"offline"}', maxQueuedEvents: 10, reconnectMinMs: 20, reconnectMaxMs: 40, log };
  const bad = new MqttPublisher({ ...base, username: 'site', password: 'wrong' });
  bad.start();
  t.after(() => bad.stop());
  const client = (bad as any).client as EventEmitter;
  for (let i = 0; i < 3; i++) await once(client, 'error');
  assert.equal(bad.connected, false);
  const warned = lines.filter((l) => l.startsWith('warn'));
  assert.equal(warned.length, 1, warned.join('\n'));
  assert.match(warned[0]!, /MQTT broker unreachable.*Not authorized/);
  assert.doesNotMatch(lines.join('\n'), /wrong/, 'no password in the logs');

  const good = new MqttPublisher({ ...base, clientId: 'q-good', username: 'site', password: 'right' });
  const sub = await subscribe(broker.url, `${P}/#`, { username: 'site', password: 'right' });
  t.after(() => sub.close());
  good.setRetained(`${P}/status`, () => ({ state: 'online', ts: new Date().toISOString() }));
  good.start();
  t.after(() => good.stop());
  await once(good, 'connect');
  assert.equal((await sub.next((m) => m.topic === `${P}/status`)).json.state, 'online');
});
