// connectorId must name one of the charger's connectors: outside them a
// StartTransaction, StatusNotification or MeterValues gets a CALLERROR
// PropertyConstraintViolation naming the field and the valid range, nothing is
// stored and no event goes to the balancer or the cloud.
import test from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { startSite, type TestSite } from '../helpers/daemon.js';
import { connectRaw, simpleChargerAnswers } from '../helpers/raw-client.js';

const T0 = '2026-11-21T10:00:00.000Z';
const BAD = [-1, 100, 2 ** 31, 2 ** 53];

function counts(site: TestSite): Record<string, number> {
  const db = new Database(site.dbPath, { readonly: true });
  try {
    const n = (table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    return { transactions: n('transactions'), connectors: n('connectors'), transaction_messages: n('transaction_messages') };
  } finally {
    db.close();
  }
}

const start = (connectorId: number) => ['StartTransaction', { connectorId, idTag: 'TAG', meterStart: 0, timestamp: T0 }] as const;
const status = (connectorId: number) => ['StatusNotification', { connectorId, status: 'Available', errorCode: 'NoError' }] as const;
const meter = (connectorId: number, transactionId?: number) =>
  ['MeterValues', { connectorId, ...(transactionId === undefined ? {} : { transactionId }), meterValue: [{ timestamp: T0, sampledValue: [{ value: '10' }] }] }] as const;

test('connectorId outside the configured connectors is refused and nothing is stored', { timeout: 20_000 }, async (t) => {
  const site = await startSite({ logLevel: 'warn' }); // CP-1 has connectors 1..2
  t.after(() => site.stop());
  const cp = await connectRaw(`${site.url}/CP-1`, { auth: 'CP-1:secret-1', answer: simpleChargerAnswers });
  t.after(() => cp.close());
  const tx = (await cp.call(...start(1)))[2].transactionId as number;
  const events: string[] = [];
  for (const e of ['status', 'transactionStarted', 'meterValues'] as const) site.daemon.registry.on(e, () => events.push(e));
  const before = counts(site);

  const cases: Array<[string, readonly [string, object], string]> = [
    ['Start on connector 0', start(0), '1..2'],
    ['Start on connector 3', start(3), '1..2'],
    ...BAD.map((id): [string, readonly [string, object], string] => [`Start on ${id}`, start(id), '1..2']),
    ['Status on connector 3', status(3), '0..2'],
    ...BAD.map((id): [string, readonly [string, object], string] => [`Status on ${id}`, status(id), '0..2']),
    ...BAD.map((id): [string, readonly [string, object], string] => [`MeterValues on ${id}`, meter(id, tx), '0..2']),
    ...BAD.map((id): [string, readonly [string, object], string] => [`MeterValues without tx on ${id}`, meter(id), '0..2']),
  ];
  for (const [what, [action, payload], range] of cases) {
    const reply = await cp.call(action, payload);
    assert.equal(reply[0], 4, `${what}: expected a CALLERROR, got ${JSON.stringify(reply)}`);
    assert.equal(reply[2], 'PropertyConstraintViolation', `${what}: ${reply[3]}`);
    assert.match(reply[3], /connectorId/, `${what}: names the field`);
    assert.ok(reply[3].includes(range), `${what}: names the range ${range}: ${reply[3]}`);
  }
  assert.deepEqual(counts(site), before, 'nothing stored');
  assert.deepEqual(events, [], 'no event emitted');

  // The valid edges are served: status and meter values for the charger itself (0), a start on the last connector.
  assert.equal((await cp.call(...status(0)))[0], 3);
  assert.equal((await cp.call(...meter(0)))[0], 3);
  assert.equal((await cp.call(...start(2)))[0], 3);
});

test('an unknown charger: 1..8 until it reports NumberOfConnectors, then its own count', { timeout: 20_000 }, async (t) => {
  const site = await startSite({ logLevel: 'warn', overrides: { local: { allowUnknownChargers: true } } });
  t.after(() => site.stop());
  const answer = (action: string, payload: any) => {
    if (action !== 'GetConfiguration') return simpleChargerAnswers(action, payload);
    return { configurationKey: [{ key: 'NumberOfConnectors', readonly: true, value: '3' }], unknownKey: [] };
  };
  const cp = await connectRaw(`${site.url}/NEW-1`, { answer });
  t.after(() => cp.close());
  const before = counts(site);
  for (const id of [9, ...BAD]) {
    const reply = await cp.call(...status(id));
    assert.equal(reply[2], 'PropertyConstraintViolation', `status on ${id}`);
    assert.ok(reply[3].includes('0..8'), reply[3]);
  }
  assert.deepEqual(counts(site), before, 'nothing stored');
  assert.equal((await cp.call(...status(8)))[0], 3, 'connector 8 is within the bound while the count is unknown');

  let timer: NodeJS.Timeout | undefined;
  const configured = new Promise((resolve, reject) => {
    site.daemon.registry.once('configured', resolve);
    timer = setTimeout(() => reject(new Error('timed out waiting for NEW-1 to be configured')), 10_000);
  }).finally(() => clearTimeout(timer));
  await cp.call('BootNotification', { chargePointVendor: 'ACME', chargePointModel: 'Wallbox' });
  await configured;
  const reply = await cp.call(...start(4));
  assert.equal(reply[2], 'PropertyConstraintViolation');
  assert.ok(reply[3].includes('1..3'), reply[3]);
  assert.equal((await cp.call(...start(3)))[0], 3);
});
