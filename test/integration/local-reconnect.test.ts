// Chargers that reconnect without a BootNotification, and a daemon that restarts
// under a charging car: the site restores what it knew from SQLite, asks for fresh
// StatusNotifications, and keeps managing the car (never 0 A for a connector that
// may be charging while the budget allows more).
import test from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { startSite, makeTempDir, type TestSite } from '../helpers/daemon.js';
import { SimCharger } from '../../scripts/sim/charger-sim.js';
import { until } from '../helpers/until.js';
import { connectRaw, simpleChargerAnswers } from '../helpers/raw-client.js';
import type { EventEmitter } from 'node:events';

/** until(), bounded by `ms` and naming what it waited for. */
const within = <T>(what: string, ms: number, check: () => T | undefined | null | false, ...sources: Array<[EventEmitter, string]>): Promise<T> =>
  until(check, ...sources, { label: what, timeoutMs: ms });

const BALANCER = { fallbackBudgetA: 16, increaseIntervalS: 0.3, profileValidityS: 4, carReactionS: 0.3 };
/** A short boot grace keeps the tests quick; production keeps the default. */
const LOCAL = { bootGraceS: 0.3 };

function siteOverrides(chargers: Array<{ id: string; maxA: number }>, extra: Record<string, any> = {}): Record<string, any> {
  return {
    site: { grid: { maxCurrentA: 40, safetyMarginA: 2, nominalVoltageV: 230 } },
    chargers: chargers.map((c) => ({ id: c.id, password: `pw-${c.id}`, connectors: 1, phases: 3, maxCurrentA: c.maxA })),
    balancer: BALANCER,
    local: { ...LOCAL, ...(extra.local ?? {}) },
  };
}

/** Dynamic limits (stack level above 0) a charger received for connector 1 (or the whole charger), from index `from` on. */
function dynamicLimitsFor1(sim: SimCharger, from = 0): number[] {
  return sim.received.slice(from)
    .filter((c) => c.action === 'SetChargingProfile' && c.payload.csChargingProfiles.stackLevel > 0 && c.payload.connectorId <= 1)
    .map((c) => c.payload.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0].limit as number);
}

async function bootAndCharge(site: TestSite, sim: SimCharger): Promise<void> {
  const balancer = site.daemon.balancer!;
  const managed = within(`${sim.id} managed`, 10_000, () => balancer.state().chargers.some((k) => k.chargerId === sim.id && k.managed), [balancer, 'state']);
  await sim.connect();
  await sim.boot();
  await managed;
  await sim.plugIn(1);
  await sim.startCharging(1, 'TAG');
}

const limitIs = (sim: SimCharger, limitA: number) =>
  within(`${sim.id} connector 1 limited to ${limitA} A`, 10_000, () => sim.connectors.get(1)!.limitA === limitA, [sim, 'limit']);

async function dropAndReconnect(site: TestSite, sim: SimCharger): Promise<void> {
  const gone = within(`${sim.id} disconnected at the site`, 5000, () => !site.daemon.registry.get(sim.id), [site.daemon.registry, 'disconnected']);
  await sim.close(1001, 'network blip');
  await gone;
  await sim.connect(); // no BootNotification: the charger did not reboot
}

test('a charging charger that reconnects without BootNotification keeps a non-zero limit and is asked for its statuses', { timeout: 30_000 }, async (t) => {
  const site = await startSite({ logLevel: 'warn', overrides: siteOverrides([{ id: 'CP-R', maxA: 16 }]) });
  const sim = new SimCharger({ url: site.url, id: 'CP-R', password: 'pw-CP-R', connectors: 1, phases: 3, maxCurrentA: 16 });
  t.after(async () => {
    await sim.close();
    await site.stop();
  });
  await bootAndCharge(site, sim);
  await limitIs(sim, 16);
  // A plain boot with nothing uncertain needs no TriggerMessage: the charger reports by itself.
  assert.equal(sim.received.filter((c) => c.action === 'TriggerMessage').length, 0);

  const mark = sim.received.length;
  await dropAndReconnect(site, sim);
  // The site takes the charger up again and limits the charging connector: never to 0 A.
  await within('a dynamic limit for connector 1 after the reconnect', 10_000, () => dynamicLimitsFor1(sim, mark).length > 0, [sim, 'call']);
  assert.ok(dynamicLimitsFor1(sim, mark).every((a) => a > 0), `limits after reconnect: ${dynamicLimitsFor1(sim, mark).join(', ')} A`);
  // It asked for fresh StatusNotifications; once the charger has answered, its state is confirmed.
  const trig = sim.received.slice(mark).find((c) => c.action === 'TriggerMessage');
  assert.deepEqual(trig?.payload, { requestedMessage: 'StatusNotification' });
  const balancer = site.daemon.balancer!;
  const view = await within('connector 1 confirmed', 10_000, () => balancer.state().connectors.find((c) => c.chargerId === 'CP-R' && c.connectorId === 1 && c.confirmed), [balancer, 'state']);
  assert.equal(view.charging, true);
  // A few refreshes later still nothing at 0 A.
  const more = sim.received.length;
  await within('a refresh of the dynamic limit', 10_000, () => dynamicLimitsFor1(sim, more).length > 0, [sim, 'call']);
  assert.ok(dynamicLimitsFor1(sim, mark).every((a) => a > 0), `limits after reconnect: ${dynamicLimitsFor1(sim, mark).join(', ')} A`);
  assert.equal(sim.connectors.get(1)!.limitA, 16);
  // Its configuration was read again, and not rewritten: it kept what was set at boot.
  assert.ok(sim.received.slice(mark).some((c) => c.action === 'GetConfiguration'));
  assert.equal(sim.received.slice(mark).filter((c) => c.action === 'ChangeConfiguration').length, 0);
});

test('after a daemon restart a charger that reconnects without BootNotification is managed and counted', { timeout: 40_000 }, async (t) => {
  const dir = makeTempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const chargers = [{ id: 'CP-A', maxA: 32 }, { id: 'CP-B', maxA: 32 }];
  const first = await startSite({ dir, logLevel: 'warn', overrides: siteOverrides(chargers) });
  const simA = new SimCharger({ url: first.url, id: 'CP-A', password: 'pw-CP-A', connectors: 1, phases: 3, maxCurrentA: 32 });
  let simB: SimCharger | undefined;
  let second: TestSite | undefined;
  t.after(async () => {
    await simA.close();
    await simB?.close();
    await second?.stop();
    await first.stop();
  });
  await bootAndCharge(first, simA);
  await limitIs(simA, 32);

  // The daemon stops (the charger's socket closes with it) and a new one starts on the same file and port.
  const port = first.daemon.local.port;
  const closed = within('CP-A socket closed by the daemon stopping', 5000, () => !simA.connected, [simA, 'close']);
  await first.stop();
  await closed;
  second = await startSite({ dir, logLevel: 'warn', overrides: { ...siteOverrides(chargers), local: { ...LOCAL, listen: { host: '127.0.0.1', port } } } });
  const mark = simA.received.length;
  await simA.connect(); // its car is still charging; it did not reboot, so no BootNotification

  await within('a dynamic limit for CP-A after the restart', 10_000, () => dynamicLimitsFor1(simA, mark).length > 0, [simA, 'call']);
  assert.ok(dynamicLimitsFor1(simA, mark).every((a) => a > 0), `CP-A limits after restart: ${dynamicLimitsFor1(simA, mark).join(', ')} A`);
  const balancer = second.daemon.balancer!;
  const a = balancer.state().connectors.find((c) => c.chargerId === 'CP-A' && c.connectorId === 1)!;
  assert.equal(a.charging, true, 'the open transaction was restored from the store');

  // A second car now gets what is left beside CP-A, not the whole budget: 38 A shared, 19 A each.
  simB = new SimCharger({ url: second.url, id: 'CP-B', password: 'pw-CP-B', connectors: 1, phases: 3, maxCurrentA: 32 });
  await bootAndCharge(second, simB);
  await limitIs(simB, 19);
  await limitIs(simA, 19);
  assert.deepEqual(balancer.state().reservedA, [0, 0, 0], 'CP-A is managed, not merely reserved');
});

test('on a connect without BootNotification the site sends TriggerMessage(StatusNotification)', { timeout: 20_000 }, async (t) => {
  const site = await startSite({ logLevel: 'warn', overrides: { local: LOCAL } });
  t.after(() => site.stop());
  const auth = { auth: 'CP-1:secret-1', answer: simpleChargerAnswers };
  const first = await connectRaw(`${site.url}/CP-1`, auth);
  await first.call('BootNotification', { chargePointVendor: 'ACME', chargePointModel: 'Wallbox' });
  await first.call('StatusNotification', { connectorId: 1, status: 'Charging', errorCode: 'NoError' });
  await first.call('StartTransaction', { connectorId: 1, idTag: 'TAG', meterStart: 0, timestamp: new Date().toISOString() });
  await first.close();

  const triggers: unknown[] = [];
  const again = await connectRaw(`${site.url}/CP-1`, {
    ...auth,
    answer: (action, payload) => (action === 'TriggerMessage' ? (triggers.push(payload), { status: 'Accepted' }) : simpleChargerAnswers(action, payload)),
  });
  t.after(() => again.close());
  const session = site.daemon.registry.get('CP-1')!;
  // Restored from the store at once, before the charger says anything: unconfirmed until it reports.
  assert.equal(session.connectors.get(1)?.status, 'Charging');
  assert.equal(typeof session.connectors.get(1)?.transactionId, 'number');
  assert.equal(session.connectors.get(1)?.confirmed, false);
  await within('TriggerMessage from the site', 10_000, () => triggers.length > 0, [again.ws, 'message']);
  assert.deepEqual(triggers, [{ requestedMessage: 'StatusNotification' }]);
  await again.call('StatusNotification', { connectorId: 1, status: 'Charging', errorCode: 'NoError' });
  assert.equal(session.connectors.get(1)?.confirmed, true);
});
