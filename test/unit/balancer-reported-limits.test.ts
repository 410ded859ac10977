// The pure part of charger-reported limits (2.0.1 NotifyChargingLimit → balancer caps):
// when a schedule stands, W → A, EVSE vs station limits, and the 2.0.1 → model mapping.
import test from 'node:test';
import assert from 'node:assert/strict';
import { reportedCapA, scheduleLimitA, tighter, type LimitSchedule, type ReportedLimit } from '../../daemon/balancer/reported-limits.js';
import { reportedLimitFrom201 } from '../../daemon/local/v201/state.js';

const T0 = Date.parse('2025-01-01T12:00:00Z');
const ctx3 = { voltageV: 230, chargerPhases: 3 };

test('scheduleLimitA: the period in force at now, or none', () => {
  const steps: LimitSchedule = { unit: 'A', periods: [{ startS: 0, limit: 16 }, { startS: 60, limit: 8 }] };
  const rows: Array<[string, LimitSchedule, number, number | undefined]> = [
    ['first period, from the report', steps, T0 + 1_000, 16],
    ['second period', steps, T0 + 60_000, 8],
    ['before its absolute start: not yet', { ...steps, startMs: T0 + 10_000 }, T0 + 5_000, undefined],
    ['absolute start passed', { ...steps, startMs: T0 - 70_000 }, T0, 8],
    ['duration over: no longer stands', { ...steps, durationS: 30 }, T0 + 30_000, undefined],
    ['inside its duration', { ...steps, durationS: 30 }, T0 + 29_999, 16],
    ['first period starts later: nothing before it', { unit: 'A', periods: [{ startS: 10, limit: 6 }] }, T0 + 5_000, undefined],
    ['W over the period\'s phases', { unit: 'W', periods: [{ startS: 0, limit: 6900, numberPhases: 3 }] }, T0, 10],
    ['W on one phase', { unit: 'W', periods: [{ startS: 0, limit: 2300, numberPhases: 1 }] }, T0, 10],
    ['W without numberPhases: over the charger\'s phases', { unit: 'W', periods: [{ startS: 0, limit: 6900 }] }, T0, 10],
    ['a negative limit caps to 0', { unit: 'A', periods: [{ startS: 0, limit: -5 }] }, T0, 0],
    ['NaN caps to 0, never "no limit"', { unit: 'A', periods: [{ startS: 0, limit: NaN }] }, T0, 0],
  ];
  for (const [name, s, now, want] of rows) assert.equal(scheduleLimitA(s, T0, now, ctx3), want, name);
  assert.equal(scheduleLimitA({ unit: 'W', periods: [{ startS: 0, limit: 2300 }] }, T0, T0, { voltageV: 230, chargerPhases: 1 }), 10, 'a 1-phase charger');
});

test('reportedCapA: EVSE limits bind their connector, a station limit is shared by the connectors drawing', () => {
  const lim = (evseId: number, a: number, extra: Partial<ReportedLimit> = {}): ReportedLimit =>
    ({ evseId, source: 'EMS', at: T0, schedules: [{ unit: 'A', periods: [{ startS: 0, limit: a }] }], ...extra });
  const at = (connectorId: number, chargingConnectors = 1) => ({ connectorId, chargingConnectors, voltageV: 230, chargerPhases: 3, now: T0 });
  const rows: Array<[string, ReportedLimit[], ReturnType<typeof at>, number | undefined]> = [
    ['none reported', [], at(1), undefined],
    ['its own EVSE', [lim(1, 10)], at(1), 10],
    ['another EVSE\'s limit does not bind it', [lim(2, 10)], at(1), undefined],
    ['station limit, one car', [lim(0, 20)], at(1), 20],
    ['station limit, two cars', [lim(0, 20)], at(1, 2), 10],
    ['station limit, nobody charging yet: as for one', [lim(0, 20)], at(1, 0), 20],
    ['the tightest of EVSE and station', [lim(1, 12), lim(0, 20)], at(1, 2), 10],
    ['the tightest of two sources', [lim(1, 12), lim(1, 9, { source: 'SO' })], at(1), 9],
    ['several schedules in one report all bind', [lim(1, 12, { schedules: [{ unit: 'A', periods: [{ startS: 0, limit: 12 }] }, { unit: 'W', periods: [{ startS: 0, limit: 4140, numberPhases: 3 }] }] })], at(1), 6],
    ['a report without a schedule caps nothing', [lim(1, 0, { schedules: [] })], at(1), undefined],
    ['an ended schedule caps nothing', [lim(1, 10, { schedules: [{ unit: 'A', durationS: 1, startMs: T0 - 5_000, periods: [{ startS: 0, limit: 10 }] }] })], at(1), undefined],
  ];
  for (const [name, limits, c, want] of rows) assert.equal(reportedCapA(limits, c), want, name);
});

test('tighter: the least of two caps, undefined meaning none', () => {
  const rows: Array<[number | undefined, number | undefined, number | undefined]> = [[undefined, undefined, undefined], [5, undefined, 5], [undefined, 7, 7], [9, 7, 7], [0, 7, 0]];
  for (const [a, b, want] of rows) assert.equal(tighter(a, b), want, `${a} ${b}`);
});

test('reportedLimitFrom201: a NotifyChargingLimit in the model\'s terms', () => {
  const limit = reportedLimitFrom201({
    chargingLimit: { chargingLimitSource: 'SO', isGridCritical: true },
    chargingSchedule: [{
      id: 3, startSchedule: '2025-01-01T12:00:10Z', duration: 600, chargingRateUnit: 'W',
      // Out of order on the wire: sorted by start.
      chargingSchedulePeriod: [{ startPeriod: 300, limit: 11000, numberPhases: 3 }, { startPeriod: 0, limit: 7400 }],
    }],
  }, T0);
  assert.deepEqual(limit, {
    evseId: 0, source: 'SO', isGridCritical: true, at: T0,
    schedules: [{ startMs: T0 + 10_000, durationS: 600, unit: 'W', periods: [{ startS: 0, limit: 7400 }, { startS: 300, limit: 11000, numberPhases: 3 }] }],
  });
  const relative = reportedLimitFrom201({ chargingLimit: { chargingLimitSource: 'EMS' }, evseId: 2, chargingSchedule: [{ id: 1, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 6 }] }] }, T0);
  assert.deepEqual(relative.schedules, [{ unit: 'A', periods: [{ startS: 0, limit: 6 }] }], 'no startSchedule: from the report');
  assert.equal(relative.evseId, 2);
  assert.deepEqual(reportedLimitFrom201({ chargingLimit: { chargingLimitSource: 'CSO' } }, T0).schedules, [], 'no schedule at all');
});
