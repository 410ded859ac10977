// until() is bounded: a condition that never holds fails with what was awaited, instead
// of hanging the suite; the old call signature (check, ...[emitter, event]) still works.
import test from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { until, within, WaitTimeoutError } from '../helpers/until.js';

test('until resolves with the first truthy value, checked on each event', async () => {
  const e = new EventEmitter();
  let n = 0;
  const p = until(() => (n >= 2 ? n : undefined), [e, 'tick']);
  n = 1;
  e.emit('tick');
  n = 2;
  e.emit('tick');
  assert.equal(await p, 2);
  assert.equal(e.listenerCount('tick'), 0);
});

test('until rejects after its timeout with the label, and removes its listeners', async () => {
  const e = new EventEmitter();
  const err = await until(() => false, { label: 'the meter to come back', timeoutMs: 20 }, [e, 'tick']).catch((x) => x);
  assert.ok(err instanceof WaitTimeoutError);
  assert.match(err.message, /timed out after 20 ms waiting for the meter to come back/);
  assert.equal(e.listenerCount('tick'), 0);
});

test('without a label the error shows the check itself', async () => {
  const err = await until(() => 1 > 2, { timeoutMs: 10 }).catch((x) => x);
  assert.match(err.message, /waiting for \(\) => 1 > 2/);
});

test('within bounds any promise and names it', async () => {
  assert.equal(await within(Promise.resolve(3), 'three'), 3);
  const err: any = await within(new Promise(() => {}), "an answer that never comes", 15).catch((x) => x);
  assert.match(err.message, /waiting for an answer that never comes/);
});
