// The pure parts of a charger's (re)connect: which connectorIds it may use, the state
// restored from the store, which configuration keys need setting again, and how the
// plan counts a connector whose state the charger has not confirmed yet.
import test from 'node:test';
import assert from 'node:assert/strict';
import { connectorIdProblem, mayBeCharging, numberOfConnectorsFrom, restoreConnectors } from '../../daemon/local/connectors.js';
import { changesNeeded, SAMPLED_DATA, wantedKeys } from '../../daemon/local/configure.js';
import { plan, type PlanConnector, type PlanInput } from '../../daemon/balancer/plan.js';

test('connectorId ranges: Start 1..N, StatusNotification and MeterValues 0..N', () => {
  const table: Array<[Parameters<typeof connectorIdProblem>[0], number, number, boolean]> = [
    ['StartTransaction', 1, 2, true],
    ['StartTransaction', 2, 2, true],
    ['StartTransaction', 0, 2, false],
    ['StartTransaction', 3, 2, false],
    ['StatusNotification', 0, 2, true],
    ['StatusNotification', 2, 2, true],
    ['MeterValues', 0, 2, true],
    ...[-1, 100, 2 ** 31, 2 ** 53, 1.5, Infinity, NaN].flatMap((id) =>
      (['StartTransaction', 'StatusNotification', 'MeterValues'] as const).map((a): [typeof a, number, number, boolean] => [a, id, 2, false])),
  ];
  for (const [action, id, n, ok] of table) {
    const problem = connectorIdProblem(action, id, n);
    assert.equal(problem === null, ok, `${action} ${id} of ${n}: ${problem}`);
    if (problem) assert.match(problem, new RegExp(`^${action}\\.connectorId .* valid ${action === 'StartTransaction' ? 1 : 0}\\.\\.${n}$`));
  }
});

test('NumberOfConnectors: a sane count or nothing', () => {
  const table: Array<[string | undefined, number | null]> = [
    ['2', 2], [' 4 ', 4], ['64', 64], ['0', null], ['65', null], ['-1', null], ['2.5', null], ['two', null], ['', null], [undefined, null],
  ];
  for (const [v, want] of table) assert.equal(numberOfConnectorsFrom(v === undefined ? {} : { NumberOfConnectors: v }), want, `${v}`);
  assert.equal(numberOfConnectorsFrom(null), null);
});

test('restored state: last statuses and the newest open transaction per connector, all unconfirmed, within range', () => {
  const rows = [
    { connector_id: 0, status: 'Available', error_code: 'NoError', updated_at: 5 },
    { connector_id: 1, status: 'Charging', error_code: 'NoError', updated_at: 6 },
    { connector_id: 2, status: 'Faulted', error_code: 'GroundFailure', updated_at: 7 },
    { connector_id: 100, status: 'Charging', error_code: 'NoError', updated_at: 8 },
  ];
  const open = [{ id: 12, connector_id: 3 }, { id: 9, connector_id: 3 }, { id: 10, connector_id: 1 }, { id: 11, connector_id: -1 }];
  const m = restoreConnectors(rows, open, 3, 1000);
  assert.deepEqual([...m.keys()].sort(), [1, 2, 3]);
  assert.deepEqual(m.get(1), { status: 'Charging', errorCode: 'NoError', transactionId: 10, live: undefined, updatedAt: 6, confirmed: false });
  assert.deepEqual(m.get(2), { status: 'Faulted', errorCode: 'GroundFailure', transactionId: null, live: undefined, updatedAt: 7, confirmed: false });
  assert.deepEqual(m.get(3), { status: 'Unknown', errorCode: 'NoError', transactionId: 12, live: undefined, updatedAt: 1000, confirmed: false });
  assert.equal(mayBeCharging(m.get(1)), true);
  assert.equal(mayBeCharging(m.get(2)), false);
  assert.equal(mayBeCharging(m.get(3)), true, 'an open transaction, whatever the status');
});

test('configuration keys are set only where the charger holds something else', () => {
  const wanted = wantedKeys(10);
  assert.deepEqual(changesNeeded(null, wanted), Object.entries(wanted), 'unreadable: set everything');
  assert.deepEqual(changesNeeded({}, wanted), Object.entries(wanted));
  const reordered = SAMPLED_DATA.split(',').reverse().join(', ');
  assert.deepEqual(changesNeeded({ MeterValueSampleInterval: '10', MeterValuesSampledData: reordered }, wanted), [], 'same set, other order');
  assert.deepEqual(changesNeeded({ MeterValueSampleInterval: '60', MeterValuesSampledData: SAMPLED_DATA }, wanted), [['MeterValueSampleInterval', '10']]);
  assert.deepEqual(changesNeeded({ MeterValueSampleInterval: '10', MeterValuesSampledData: 'Energy.Active.Import.Register' }, wanted), [['MeterValuesSampledData', SAMPLED_DATA]]);
});

function conn(key: string, over: Partial<PlanConnector> = {}): PlanConnector {
  return {
    key, wiring: { phases: 3, phaseRotation: 'L1L2L3' }, maxCurrentA: 32, priority: 0, charging: true,
    sessionStartedAt: 0, measuredA: null, limit: null, managed: true, ...over,
  };
}

function input(connectors: PlanConnector[], over: Partial<PlanInput> = {}): PlanInput {
  return { gridMaxA: 63, marginA: 2, fallbackBudgetA: 16, minCurrentA: 6, minPauseMs: 60_000, source: { kind: 'static' }, connectors, now: 1000, ...over };
}

test('an unconfirmed charging connector is drawn at its max and wants its max; it is lowered by the budget, never zeroed for being idle', () => {
  const p = plan(input([conn('R/1', { unconfirmed: true }), conn('B/1')], { gridMaxA: 40 }));
  assert.deepEqual(p.evDrawA, [32, 32, 32], 'possibly at its max');
  assert.equal(p.limitsA.get('R/1'), 19);
  assert.equal(p.limitsA.get('B/1'), 19);
  // Unmanaged as long as it is not configured: reserved in full, nothing sent.
  const q = plan(input([conn('R/1', { unconfirmed: true, managed: false }), conn('B/1')], { gridMaxA: 40 }));
  assert.deepEqual(q.reservedA, [32, 32, 32]);
  assert.equal(q.limitsA.get('B/1'), 6);
});

test('with a meter, an unconfirmed car is not read into the non-EV load: held value, else the larger estimate', () => {
  // First step after a restart: nothing held; the meter's 40 A may all be non-EV (the smaller budget).
  const first = plan(input([conn('R/1', { unconfirmed: true })], { source: { kind: 'meter', currentA: [40, 40, 40] } }));
  assert.deepEqual(first.nonEvA, [40, 40, 40]);
  assert.equal(first.limitsA.get('R/1'), 21);
  // After a reconnect the non-EV load from before is held while the car's draw is uncertain.
  const held = plan(input([conn('R/1', { unconfirmed: true })], { source: { kind: 'meter', currentA: [40, 40, 40] }, heldNonEvA: [8, 8, 8] }));
  assert.deepEqual(held.nonEvA, [8, 8, 8]);
  assert.equal(held.limitsA.get('R/1'), 32);
  // Once it reports its own current it counts by measurement like any other car.
  const measured = plan(input([conn('R/1', { unconfirmed: true, measuredA: [30, 30, 30] })], { source: { kind: 'meter', currentA: [40, 40, 40] } }));
  assert.deepEqual(measured.nonEvA, [10, 10, 10]);
});
