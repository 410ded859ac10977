// The 2.0.1 cloud's transaction ledger as pure logic: sequences of TransactionEvents in,
// what a CSMS would flag out. These are the verdicts the daemon's tests rely on (no gaps,
// no repeats, no unknown ids, duplicates only from re-sends), so each rule has a row here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonical, missingSeqNos, TransactionLedger201, type EventVerdict, type TransactionEventRequest } from '../../scripts/sim/cloud201-ledger.js';

const T0 = '2026-01-01T10:00:00.000Z';
type Kind = TransactionEventRequest['eventType'];

/** One event of transaction tx (default 'tx-1') on EVSE 1; extra overrides anything. */
function ev(eventType: Kind, seqNo: number, extra: Partial<TransactionEventRequest> & { tx?: string } = {}): TransactionEventRequest {
  const { tx = 'tx-1', ...rest } = extra;
  return {
    eventType,
    timestamp: T0,
    triggerReason: eventType === 'Started' ? 'CablePluggedIn' : eventType === 'Ended' ? 'EVDeparted' : 'MeterValuePeriodic',
    seqNo,
    transactionInfo: { transactionId: tx, ...(eventType === 'Ended' ? { stoppedReason: 'EVDisconnected' } : {}) },
    ...(eventType === 'Started' ? { evse: { id: 1, connectorId: 1 } } : {}),
    ...rest,
  };
}
/** The same event with its keys in reverse order (a re-send that re-serialised it). */
const reordered = (e: TransactionEventRequest): TransactionEventRequest => Object.fromEntries(Object.entries(e).reverse()) as TransactionEventRequest;
const mv = (wh: number) => [{ timestamp: T0, sampledValue: [{ value: wh, measurand: 'Energy.Active.Import.Register' }] }];

interface Row {
  name: string;
  events: Array<TransactionEventRequest | [string, TransactionEventRequest]>; // [identity, event] for another site
  verdicts: EventVerdict[];
  gaps?: Array<{ transactionId: string; missing: number[] }>;
  repeats?: number[];
  unknown?: string[];
  duplicates?: number;
  /** Each must match one anomaly; the count of anomalies must equal the list's length. */
  anomalies?: RegExp[];
}

const rows: Row[] = [
  {
    name: 'a clean Started / Updated / Ended is booked with nothing flagged',
    events: [ev('Started', 0), ev('Updated', 1), ev('Ended', 2)],
    verdicts: ['new', 'new', 'new'],
  },
  {
    name: 'an exact re-send is a duplicate, counted, not an anomaly',
    events: [ev('Started', 0), ev('Updated', 1), ev('Updated', 1), ev('Ended', 2), ev('Ended', 2)],
    verdicts: ['new', 'new', 'duplicate', 'new', 'duplicate'],
    duplicates: 2,
  },
  {
    name: 'a re-send with its keys in another order is still a duplicate',
    events: [ev('Started', 0), ev('Updated', 1, { offline: true }), reordered(ev('Updated', 1, { offline: true }))],
    verdicts: ['new', 'new', 'duplicate'],
    duplicates: 1,
  },
  {
    name: 'the same seqNo with different content is a repeat',
    events: [ev('Started', 0), ev('Updated', 1, { meterValue: mv(10) }), ev('Updated', 1, { meterValue: mv(20) })],
    verdicts: ['new', 'new', 'repeat'],
    repeats: [1],
    anomalies: [/tx-1: TransactionEvent Updated seqNo 1 repeats seqNo 1 with different content/],
  },
  {
    name: 'a hole in seqNo is flagged when Ended arrives and stays in the report',
    events: [ev('Started', 0), ev('Updated', 1), ev('Ended', 3)],
    verdicts: ['new', 'new', 'new'],
    gaps: [{ transactionId: 'tx-1', missing: [2] }],
    anomalies: [/tx-1: TransactionEvent Ended seqNo 3: seqNo gap at Ended, missing 2/],
  },
  {
    name: 'a hole in an open transaction is found by the report',
    events: [ev('Started', 0), ev('Updated', 2)],
    verdicts: ['new', 'new'],
    gaps: [{ transactionId: 'tx-1', missing: [1] }],
    anomalies: [/tx-1: seqNo gap \(not Ended yet\), missing 1/],
  },
  {
    name: 'Updated and Ended for an id never Started are unknown',
    events: [ev('Updated', 1, { tx: 'ghost' }), ev('Ended', 2, { tx: 'ghost' })],
    verdicts: ['unknown', 'unknown'],
    unknown: ['ghost', 'ghost'],
    anomalies: [/transaction ghost: TransactionEvent Updated seqNo 1 .*unknown transaction/, /transaction ghost: TransactionEvent Ended seqNo 2 .*unknown/],
  },
  {
    name: 'events after Ended are flagged',
    events: [ev('Started', 0), ev('Ended', 1), ev('Updated', 2)],
    verdicts: ['new', 'new', 'new'],
    anomalies: [/seqNo 2 after the transaction Ended/],
  },
  {
    name: 'a second Started for the same id is flagged',
    events: [ev('Started', 0), ev('Started', 1)],
    verdicts: ['new', 'new'],
    anomalies: [/Started seqNo 1: a second Started/],
  },
  {
    name: 'a change of EVSE within a transaction is flagged',
    events: [ev('Started', 0), ev('Updated', 1, { evse: { id: 2 } })],
    verdicts: ['new', 'new'],
    anomalies: [/evse 2, but the transaction is on evse 1/],
  },
  {
    name: 'a change of connector on the same EVSE is flagged',
    events: [ev('Started', 0), ev('Updated', 1, { evse: { id: 1, connectorId: 2 } })],
    verdicts: ['new', 'new'],
    anomalies: [/connector 2, but the transaction is on connector 1/],
  },
  {
    name: 'Started not first: an Updated before it is unknown, Started at seqNo 1 leaves a gap',
    events: [ev('Updated', 0), ev('Started', 1), ev('Ended', 2)],
    verdicts: ['unknown', 'new', 'new'],
    unknown: ['tx-1'],
    gaps: [{ transactionId: 'tx-1', missing: [0] }],
    anomalies: [/unknown transaction/, /Started must be the first event, seqNo 0/, /gap at Ended, missing 0/],
  },
  {
    name: 'an earlier seqNo after a later one is out of order (no gap once both arrived)',
    events: [ev('Started', 0), ev('Updated', 2), ev('Updated', 1)],
    verdicts: ['new', 'new', 'new'],
    anomalies: [/Updated seqNo 1 out of order \(after seqNo 2\)/],
  },
  {
    name: 'Started without evse is flagged (the cloud cannot place it); a later evse fills it',
    events: [ev('Started', 0, { evse: undefined }), ev('Updated', 1, { evse: { id: 3, connectorId: 1 } })],
    verdicts: ['new', 'new'],
    anomalies: [/Started without evse/],
  },
  {
    name: 'an event from another site for a transaction is flagged',
    events: [ev('Started', 0), ['SITE-2', ev('Updated', 1)]],
    verdicts: ['new', 'new'],
    anomalies: [/Updated seqNo 1 from SITE-2, but SITE-1 started it/],
  },
  {
    name: 'transactions are independent: a duplicate in one, a repeat in another',
    events: [ev('Started', 0, { tx: 'a' }), ev('Started', 0, { tx: 'b' }), ev('Started', 0, { tx: 'a' }), ev('Started', 0, { tx: 'b', triggerReason: 'Authorized' })],
    verdicts: ['new', 'new', 'duplicate', 'repeat'],
    duplicates: 1,
    repeats: [0],
    anomalies: [/transaction b: TransactionEvent Started seqNo 0 repeats/],
  },
];

for (const row of rows) {
  test(`ledger: ${row.name}`, () => {
    const seen: string[] = [];
    const book = new TransactionLedger201((identity, text) => seen.push(`${identity}: ${text}`));
    const verdicts = row.events.map((e) => (Array.isArray(e) ? book.record(e[0], e[1]) : book.record('SITE-1', e)));
    assert.deepEqual(verdicts, row.verdicts);
    const r = book.report();
    assert.deepEqual(r.gaps.map((g) => ({ transactionId: g.transactionId, missing: g.missing })), row.gaps ?? []);
    assert.deepEqual(r.repeats.map((x) => x.seqNo), row.repeats ?? []);
    assert.deepEqual(r.unknown.map((x) => x.transactionId), row.unknown ?? []);
    assert.equal(r.duplicates, row.duplicates ?? 0);
    const expected = row.anomalies ?? [];
    assert.equal(r.anomalies.length, expected.length, `anomalies: ${JSON.stringify(r.anomalies)}`);
    for (const re of expected) assert.ok(r.anomalies.some((a) => re.test(a)), `${re} in ${JSON.stringify(r.anomalies)}`);
    // Each anomaly names the site; those recorded as they happened also reached the simulator.
    for (const a of r.anomalies) assert.match(a, /^SITE-\d: /);
    assert.deepEqual(seen, book.anomalies);
  });
}

test('ledger: a transaction keeps every arrival but books meter values, offline flags and reasons from distinct events only', () => {
  const book = new TransactionLedger201();
  const idToken = { idToken: 'TAG-1', type: 'ISO14443' };
  const updated = ev('Updated', 1, { offline: true, meterValue: mv(150), idToken, triggerReason: 'Authorized' });
  book.record('SITE-1', ev('Started', 0, { offline: true, meterValue: mv(100), evse: { id: 2, connectorId: 1 } }));
  book.record('SITE-1', updated);
  book.record('SITE-1', structuredClone(updated)); // re-send after a crash
  book.record('SITE-1', ev('Ended', 2, { meterValue: mv(300), transactionInfo: { transactionId: 'tx-1', stoppedReason: 'Remote' }, triggerReason: 'RemoteStop' }));
  const tx = book.transactions.get('tx-1')!;
  assert.equal(tx.events.length, 4, 'every arrival, the duplicate included');
  assert.deepEqual(tx.seqNos, [0, 1, 2]);
  assert.equal(tx.duplicates, 1);
  assert.deepEqual(tx.meterValues.map((m) => m.sampledValue[0].value), [100, 150, 300]);
  assert.equal(tx.offline, 2);
  assert.deepEqual([tx.evseId, tx.connectorId, tx.startedAt], [2, 1, T0]);
  assert.deepEqual(tx.idToken, idToken, 'the first idToken any event carried');
  assert.deepEqual([tx.ended, tx.stoppedReason, tx.lastTriggerReason], [true, 'Remote', 'RemoteStop']);
  assert.deepEqual(tx.anomalies, []);
  assert.deepEqual(book.report().transactions, [tx]);
});

test('ledger helpers: missing seqNos and canonical JSON', () => {
  const table: Array<[number[], number[]]> = [
    [[], []],
    [[0], []],
    [[0, 1, 2], []],
    [[2, 0, 1], []],
    [[1], [0]],
    [[0, 3], [1, 2]],
  ];
  for (const [seqNos, missing] of table) assert.deepEqual(missingSeqNos(seqNos), missing, JSON.stringify(seqNos));
  assert.equal(canonical({ b: 1, a: [{ d: 2, c: null }] }), canonical({ a: [{ c: null, d: 2 }], b: 1 }));
  assert.notEqual(canonical({ a: [1, 2] }), canonical({ a: [2, 1] }), 'array order matters');
  assert.equal(canonical({ a: 1, b: undefined }), canonical({ a: 1 }), 'an undefined field is no field (JSON)');
});
