// The dead man's switch against a simulated charger over real sockets (issue 8 items 7, 8):
// what a charger is left with once the site controller is gone.
import test, { type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { startSite, type TestSite } from '../helpers/daemon.js';
import { SimCharger, type SimChargerOptions } from '../../scripts/sim/charger-sim.js';
import type { BalancerEvent } from '../../daemon/balancer/events.js';
import { until, within as bounded } from '../helpers/until.js';

const HOUR = 3_600_000;

/** The shared bounded wait, with this file's argument order. */
const within = <T>(ms: number, what: string, p: Promise<T>): Promise<T> => bounded(p, what, ms);

/** One charger (1 connector, 16 A), booted and managed, charging on connector 1 with the given car. */
async function charging(t: TestContext, sim: Partial<SimChargerOptions>, car: { carPhases: 1 | 3 }, before?: (s: SimCharger) => void) {
  const site: TestSite = await startSite({
    logLevel: 'error',
    overrides: {
      site: { grid: { maxCurrentA: 40, safetyMarginA: 2, nominalVoltageV: 230 } },
      chargers: [{ id: 'CP-D', password: 'pw-D', connectors: 1, phases: 3, phaseRotation: 'L1L2L3', maxCurrentA: 16 }],
      balancer: { fallbackBudgetA: 8, increaseIntervalS: 0.3, profileValidityS: 4, carReactionS: 0.3 },
    },
  });
  const events: BalancerEvent[] = [];
  const balancer = site.daemon.balancer!;
  balancer.on('event', (e) => events.push(e));
  const charger = new SimCharger({ url: site.url, id: 'CP-D', password: 'pw-D', connectors: 1, phases: 3, maxCurrentA: 16, ...sim });
  before?.(charger);
  let stopped = false;
  const stopSite = async () => {
    if (!stopped) (stopped = true), await site.stop();
  };
  t.after(async () => {
    await charger.close();
    await stopSite();
  });
  const managed = until(() => balancer.state().chargers.some((k) => k.chargerId === 'CP-D' && k.managed), [balancer, 'state']);
  await charger.connect();
  await charger.boot();
  await within(10_000, 'CP-D to be managed by the balancer', managed);
  await charger.plugIn(1, car);
  await charger.startCharging(1, 'TAG');
  await within(10_000, 'CP-D connector 1 to be limited to 16 A', until(() => charger.connectors.get(1)!.limitA === 16, [charger, 'limit']));
  return { site, balancer, charger, events, stopSite };
}

test('ChargeProfileMaxStackLevel 0: once the controller is gone the last limit stays in force, and the charger is reported', { timeout: 30_000 }, async (t) => {
  const { charger, events, balancer, stopSite } = await charging(t, {}, { carPhases: 3 }, (s) => {
    s.configuration.get('ChargeProfileMaxStackLevel')!.value = '0';
  });
  const reported = events.filter((e) => e.type === 'fallback-unavailable');
  assert.equal(reported.length, 1, 'reported once');
  assert.equal(reported[0]!.chargerId, 'CP-D');
  assert.match(reported[0]!.detail ?? '', /CP-D.*last limit sent stays in force/);
  assert.deepEqual(
    balancer.state().chargers.find((c) => c.chargerId === 'CP-D')!.fallbackInstalled,
    false,
    'no dead man\'s switch shown as installed',
  );
  // The controller dies. What does the charger apply an hour later, by its own profiles?
  await stopSite();
  assert.equal(charger.profiles.limitAt(1, Date.now() + HOUR), 16, 'a charger with no profile left runs at its maximum');
});

test('W-only charger: the dead man\'s switch it is left with holds a 1-phase car to its share', { timeout: 30_000 }, async (t) => {
  const { charger, balancer, stopSite } = await charging(t, { allowedRateUnits: 'Power' }, { carPhases: 1 });
  const view = await within(10_000, "CP-D's dead man's switch to be installed", until(() => balancer.state().chargers.find((c) => c.chargerId === 'CP-D' && c.fallbackInstalled), [balancer, 'state']));
  assert.equal(view.fallbackA, 8, 'one charger, one connector: the whole 8 A fallback budget');
  await stopSite();
  // Only the switch is left once the dynamic limit has lapsed.
  // Per connector since issue 13: 0 A on connector 0 (any connector without its own), the share on connector 1.
  const left = charger.profiles.list().filter((p) => !p.profile.validTo);
  assert.deepEqual(left.map((p) => p.connectorId).sort(), [0, 1]);
  assert.equal(left.find((p) => p.connectorId === 0)!.profile.chargingSchedule.chargingSchedulePeriod[0]!.limit, 0);
  const s = left.find((p) => p.connectorId === 1)!.profile.chargingSchedule;
  assert.equal(s.chargingRateUnit, 'W');
  const limitW = s.chargingSchedulePeriod[0]!.limit;
  // A charger that divides by the car's real phase count gives this 1-phase car limitW / V on its phase.
  assert.ok(limitW / 230 <= 8, `a 1-phase car under ${limitW} W draws ${(limitW / 230).toFixed(1)} A > 8 A`);
  assert.ok(charger.profiles.limitAt(1, Date.now() + HOUR)! <= 8);
});
