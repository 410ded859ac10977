// The chaos verdict's items for 2.0.1 chargers: a TransactionEvent counts as the 1.6
// messages the site makes of it (Started → Start + its samples, Updated → samples,
// Ended → Stop + the samples folded into the Stop), so that the same content match judges
// what the 1.6 cloud booked.
import test from 'node:test';
import assert from 'node:assert/strict';
import { itemsOf, itemsOf201 } from '../../scripts/chaos/verdict.js';

const sv201 = (wh: number, context: string) => ({ value: wh, context, measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'Wh' } });
const ev = (eventType: string, extra: object) => ({ eventType, timestamp: 't-ev', triggerReason: 'x', seqNo: 0, transactionInfo: { transactionId: 'abc' }, ...extra });

const cases: Array<{ name: string; payload: any; items: string[] }> = [
  {
    name: 'Started: a Start with the idToken as idTag, the event time and the Begin register, and its sample',
    payload: ev('Started', { idToken: { idToken: 'CP-3-1-1', type: 'ISO14443' }, meterValue: [{ timestamp: 't0', sampledValue: [sv201(500, 'Transaction.Begin')] }] }),
    items: ['start|CP-3-1-1|t-ev|500', 'sample|t0|500'],
  },
  {
    name: 'Updated: its samples',
    payload: ev('Updated', { meterValue: [{ timestamp: 't1', sampledValue: [sv201(510, 'Sample.Periodic'), { value: 16, measurand: 'Current.Import', phase: 'L1' }] }] }),
    items: ['sample|t1|510'],
  },
  { name: 'Updated without samples: nothing the cloud books', payload: ev('Updated', { triggerReason: 'ChargingStateChanged' }), items: [] },
  {
    name: 'Ended: a Stop with the event time and the End register, and the sample in its transactionData',
    payload: ev('Ended', { meterValue: [{ timestamp: 't2', sampledValue: [sv201(530, 'Transaction.End')] }] }),
    items: ['stop|t-ev|530', 'sample|t2|530'],
  },
];

for (const c of cases) test(`itemsOf201: ${c.name}`, () => assert.deepEqual(itemsOf201(c.payload), c.items));

test('itemsOf201 matches itemsOf of the 1.6 messages the site makes of the events', () => {
  const started = cases[0].payload;
  const start16 = { connectorId: 4, idTag: 'CP-3-1-1', meterStart: 500, timestamp: 't-ev' };
  const begin16 = { connectorId: 4, transactionId: 7, meterValue: [{ timestamp: 't0', sampledValue: [{ value: '500', context: 'Transaction.Begin', measurand: 'Energy.Active.Import.Register', unit: 'Wh' }] }] };
  assert.deepEqual(itemsOf201(started), [...itemsOf('StartTransaction', start16), ...itemsOf('MeterValues', begin16)]);
  const stop16 = { transactionId: 7, meterStop: 530, timestamp: 't-ev', transactionData: [{ timestamp: 't2', sampledValue: [{ value: '530', context: 'Transaction.End', measurand: 'Energy.Active.Import.Register', unit: 'Wh' }] }] };
  assert.deepEqual(itemsOf201(cases[3].payload), itemsOf('StopTransaction', stop16));
});

test('behind a 2.0.1 cloud, the site\'s own TransactionEvents are booked by content too; a Started\'s Begin reading is its start, not a sample', () => {
  const siteStarted = ev('Started', { idToken: { idToken: 'CP-1-1-1', type: 'ISO14443' }, meterValue: [{ timestamp: 't-ev', sampledValue: [sv201(500, 'Transaction.Begin')] }] });
  assert.deepEqual(itemsOf('TransactionEvent', siteStarted), ['start|CP-1-1-1|t-ev|500']);
  // The 2.0.1 charger's own Begin reading then comes in an Updated, where it is the sample it was answered for.
  const updated = ev('Updated', { meterValue: [{ timestamp: 't0', sampledValue: [sv201(500, 'Transaction.Begin')] }, { timestamp: 't1', sampledValue: [sv201(510, 'Sample.Periodic')] }] });
  assert.deepEqual(itemsOf('TransactionEvent', updated), ['sample|t0|500', 'sample|t1|510']);
  assert.deepEqual(itemsOf('TransactionEvent', cases[3].payload), itemsOf201(cases[3].payload));
});
