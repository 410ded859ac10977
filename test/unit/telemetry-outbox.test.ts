// The outbox holds what waits for the broker: its bounds and its order.
import test from 'node:test';
import assert from 'node:assert/strict';
import { Outbox } from '../../daemon/telemetry/outbox.js';
import { silentLogger } from '../../daemon/log.js';

const drain = (o: Outbox) => {
  const out: Array<[string, unknown, boolean]> = [];
  for (let m = o.take(); m; m = o.take()) out.push([m.topic, m.payload, m.retain]);
  return out;
};

test('status first, then events in order, then retained state (latest only, built when taken), then live values', () => {
  const o = new Outbox('s/status', 10, silentLogger);
  let builds = 0;
  let value = 0;
  o.setLive('s/meter', { a: 1 });
  o.setLive('s/meter', { a: 2 });
  for (let i = 0; i < 1000; i++) {
    value = i;
    o.setRetained('s/chargers/CP-1', () => (builds++, { value }));
  }
  o.pushEvent('s/events', { n: 1 });
  o.setRetained('s/status', () => ({ state: 'online' }));
  o.pushEvent('s/events', { n: 2 });
  assert.equal(o.pendingTopics, 3);
  assert.deepEqual(drain(o), [
    ['s/status', { state: 'online' }, true],
    ['s/events', { n: 1 }, false],
    ['s/events', { n: 2 }, false],
    ['s/chargers/CP-1', { value: 999 }, true],
    ['s/meter', { a: 2 }, false],
  ]);
  assert.equal(builds, 1, 'a thousand updates while waiting cost one build');
});

test('the event queue is bounded: the oldest go and are counted', () => {
  const o = new Outbox('s/status', 3, silentLogger);
  const dropped = [1, 2, 3, 4, 5].map((n) => o.pushEvent('s/events', { n }));
  assert.deepEqual(dropped, [0, 0, 0, 1, 1]);
  assert.equal(o.dropped, 2);
  assert.equal(o.queuedEvents, 3);
  assert.deepEqual(drain(o).map(([, p]) => (p as any).n), [3, 4, 5]);
});

test('after a reconnect every retained topic goes again, status first; a failing builder is skipped', () => {
  const o = new Outbox('s/status', 3, silentLogger);
  o.setRetained('s/chargers/CP-1', () => ({ id: 1 }));
  o.setRetained('s/health/system', () => {
    throw new Error('broken');
  });
  o.setRetained('s/status', () => ({ state: 'online' }));
  drain(o);
  assert.equal(o.pendingTopics, 0);
  o.setLive('s/meter', {});
  o.dropLive();
  o.markAllRetained();
  assert.deepEqual(drain(o).map(([t]) => t), ['s/status', 's/chargers/CP-1']);
  assert.equal(o.retainedTopics, 3);
});
