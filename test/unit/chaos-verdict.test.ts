// The chaos verdict's accounting, on hand-made ledgers: items are matched by content
// (the site renumbers and merges), a duplicate is excused only when its earlier copy was
// the call in flight when the link broke, and the PRNG is deterministic per seed.
import test from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32 } from '../../scripts/chaos/prng.js';
import { itemsOf, judgeLedger, verdictProblems } from '../../scripts/chaos/verdict.js';

const mv = (ts: string, wh: number) => ({ timestamp: ts, sampledValue: [{ value: String(wh), measurand: 'Energy.Active.Import.Register', unit: 'Wh' }] });
const start = { connectorId: 1, idTag: 'A', meterStart: 100, timestamp: 't0' };
const s1 = mv('t1', 110);
const s2 = mv('t2', 120);
const stop = { transactionId: 9, meterStop: 130, timestamp: 't3' };
const call = (connection: number, action: string, payload: any) => ({ connection, action, payload });

test('items: merged MeterValues and samples folded into the Stop count as the samples they carry', () => {
  assert.deepEqual(itemsOf('MeterValues', { connectorId: 3, transactionId: 1, meterValue: [s1, s2] }), ['sample|t1|110', 'sample|t2|120']);
  assert.deepEqual(itemsOf('StopTransaction', { ...stop, transactionData: [s2] }), ['stop|t3|130', 'sample|t2|120']);
  assert.deepEqual(itemsOf('MeterValues', { connectorId: 1, meterValue: [s1] }), []); // no transaction: not a transaction message
  assert.deepEqual(itemsOf('Heartbeat', {}), []);
});

const accepted = [itemsOf('StartTransaction', start), itemsOf('MeterValues', { transactionId: 1, meterValue: [s1] }), itemsOf('MeterValues', { transactionId: 1, meterValue: [s2] }), itemsOf('StopTransaction', stop)];

const cases: Array<{ name: string; calls: ReturnType<typeof call>[]; lost: number; duplicates: number; unexplained: number }> = [
  {
    name: 'each item once, samples merged into one call',
    calls: [call(1, 'StartTransaction', start), call(1, 'MeterValues', { transactionId: 5, meterValue: [s1, s2] }), call(1, 'StopTransaction', stop)],
    lost: 0, duplicates: 0, unexplained: 0,
  },
  {
    name: 'a sample never booked is lost',
    calls: [call(1, 'StartTransaction', start), call(1, 'StopTransaction', { ...stop, transactionData: [s1] })],
    lost: 1, duplicates: 0, unexplained: 0,
  },
  {
    name: 'the call in flight when the link broke, re-sent on the next connection: one excused duplicate',
    calls: [call(1, 'StartTransaction', start), call(1, 'MeterValues', { transactionId: 5, meterValue: [s1] }), call(2, 'MeterValues', { transactionId: 5, meterValue: [s1, s2] }), call(2, 'StopTransaction', stop)],
    lost: 0, duplicates: 1, unexplained: 0,
  },
  {
    name: 'a re-send of a call the cloud had answered on a live link is not excused',
    calls: [call(1, 'StartTransaction', start), call(1, 'MeterValues', { transactionId: 5, meterValue: [s1] }), call(1, 'MeterValues', { transactionId: 5, meterValue: [s1] }), call(1, 'MeterValues', { transactionId: 5, meterValue: [s2] }), call(1, 'StopTransaction', stop)],
    lost: 0, duplicates: 1, unexplained: 1,
  },
  {
    name: 'a Start booked twice (a second booking) across a reconnect, first copy answered before other calls: not excused',
    calls: [call(1, 'StartTransaction', start), call(1, 'Heartbeat', {}), call(2, 'StartTransaction', start), call(2, 'MeterValues', { transactionId: 6, meterValue: [s1, s2] }), call(2, 'StopTransaction', stop)],
    lost: 0, duplicates: 1, unexplained: 1,
  },
];

for (const c of cases) {
  test(`ledger: ${c.name}`, () => {
    const f = judgeLedger(accepted, c.calls);
    assert.deepEqual([f.lost.length, f.duplicates, f.duplicatesUnexplained.length], [c.lost, c.duplicates, c.unexplained]);
  });
}

test('verdict: more duplicates than broken links, or any loss or set-aside message, is a broken promise', () => {
  const base = { seed: 1, kills: 1, chargers: 1, killsByPhase: {}, cloudDrops: 0, accepted: 4, lost: 0, duplicates: 1, duplicatesUnexplained: 0, setAside: 0, refused: 0, seconds: 1 };
  const none = { lost: [], duplicates: 1, duplicatesUnexplained: [] };
  assert.deepEqual(verdictProblems(base, none), []);
  assert.equal(verdictProblems({ ...base, duplicates: 2 }, none).length, 1);
  assert.equal(verdictProblems({ ...base, setAside: 1 }, none).length, 1);
  assert.equal(verdictProblems({ ...base, lost: 1 }, { ...none, lost: ['x'] }).length, 1);
});

test('mulberry32: the same seed gives the same draws, another seed others', () => {
  const a = mulberry32(42);
  const b = mulberry32(42);
  const xs = Array.from({ length: 5 }, () => a.next());
  assert.deepEqual(Array.from({ length: 5 }, () => b.next()), xs);
  assert.notDeepEqual(Array.from({ length: 5 }, () => mulberry32(43).next()), xs);
  for (const x of xs) assert.ok(x >= 0 && x < 1);
  const r = mulberry32(7);
  for (let i = 0; i < 100; i++) {
    const v = r.int(3, 5);
    assert.ok(v >= 3 && v <= 5 && Number.isInteger(v));
  }
});
