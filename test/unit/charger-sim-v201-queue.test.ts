// The 2.0.1 simulator's TransactionEvent queue on its own, over a fake RPC: order, one at a
// time, kept across disconnections, re-sent unchanged, given up after the attempts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { TxEventQueue } from '../../scripts/sim/v201/tx-queue.js';
import { CallError, CallTimeoutError, ConnectionClosedError } from '../../scripts/sim/sim-rpc.js';

/** A fake RPC whose CALLs the test settles by hand. */
class FakeRpc extends EventEmitter {
  connected = true;
  readonly calls: Array<{ payload: any; resolve: (v: unknown) => void; reject: (e: Error) => void }> = [];
  call(_action: string, payload: object): Promise<any> {
    if (!this.connected) return Promise.reject(new ConnectionClosedError('TransactionEvent', 'not connected'));
    return new Promise((resolve, reject) => {
      this.calls.push({ payload, resolve, reject });
      this.emit('called');
    });
  }
  /** The next CALL made (now or later). */
  nextCall(): Promise<(typeof this.calls)[number]> {
    const have = this.calls.shift();
    if (have) return Promise.resolve(have);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out waiting for the queue to send a TransactionEvent')), 5000);
      this.once('called', () => {
        clearTimeout(timer);
        resolve(this.calls.shift()!);
      });
    });
  }
}

test('events go one at a time, in order; a lost answer means the same event again after reconnecting', async () => {
  const rpc = new FakeRpc();
  const q = new TxEventQueue(rpc, () => 3);
  const a = q.push({ seqNo: 0 });
  const b = q.push({ seqNo: 1 });
  const first = await rpc.nextCall();
  assert.equal(rpc.calls.length, 0, 'the second waits for the first');
  first.resolve({ ok: 'a' });
  assert.deepEqual(await a, { ok: 'a' });

  const second = await rpc.nextCall();
  assert.deepEqual(second.payload, { seqNo: 1 });
  rpc.connected = false;
  second.reject(new ConnectionClosedError('TransactionEvent', 'connection closed (1006)'));
  const c = q.push({ seqNo: 2 }); // created offline: waits
  await new Promise((r) => setImmediate(r));
  assert.deepEqual([q.length, rpc.calls.length], [2, 0]);

  rpc.connected = true;
  rpc.emit('open');
  const again = await rpc.nextCall();
  assert.equal(again.payload, second.payload, 'the very same payload object');
  // A timeout re-sends at once while connected.
  again.reject(new CallTimeoutError('TransactionEvent', 100));
  (await rpc.nextCall()).resolve({});
  await b;
  (await rpc.nextCall()).resolve({});
  await c;
  assert.equal(q.length, 0);
});

test('CALLERRORs count as attempts; after the last one the event is given up and the next goes', async () => {
  const rpc = new FakeRpc();
  const q = new TxEventQueue(rpc, () => 2);
  const a = q.push({ seqNo: 5 });
  const b = q.push({ seqNo: 6 });
  (await rpc.nextCall()).reject(new CallError('TransactionEvent', 'InternalError', '', {}));
  (await rpc.nextCall()).reject(new CallError('TransactionEvent', 'InternalError', '', {}));
  await assert.rejects(a, CallError);
  const next = await rpc.nextCall();
  assert.deepEqual(next.payload, { seqNo: 6 });
  next.resolve({});
  await b;
});
