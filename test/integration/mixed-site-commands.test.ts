// The 1.6 cloud's commands reach a 2.0.1 charger on a mixed site: each routed 1.6
// command arrives as its 2.0.1 request on the owning EVSE (with the charger's own string
// transactionId where one is named), the charger's answer reaches the cloud in 1.6 terms,
// and what the charger does in reply (a session, a stop, a status) reaches the cloud on
// the right cloud connector. A cloud TxDefaultProfile becomes a cap the charger's limit honours.
import test from 'node:test';
import assert from 'node:assert/strict';
import { startCloudSite, drained, nextCallAt, IDENTITY } from '../helpers/upstream-site.js';
import { until } from '../helpers/until.js';

test('routed cloud commands reach a 2.0.1 charger as 2.0.1 requests on the owning EVSE', async (t) => {
  const s = await startCloudSite();
  t.after(() => s.stop());
  await s.cloud.waitFor((c) => c.action === 'BootNotification', { label: "the site's BootNotification to the cloud" });
  // CP-1 (1.6) has cloud connectors 1 and 2, CP-2 (1.6) has 3, CP-3 (2.0.1) EVSE 1 is 4.
  const [cp1, cp2, cp3] = await Promise.all([s.charger('CP-1'), s.charger('CP-2'), s.charger('CP-3', { protocol: 'ocpp2.0.1' })]);
  assert.equal(cp3.v201 !== undefined && cp1.v201 === undefined && cp2.v201 === undefined, true, 'CP-3 alone speaks 2.0.1');
  const violations: string[] = [];
  cp3.on('violation', (v: string) => violations.push(v));

  // RemoteStart on cloud connector 4 → RequestStartTransaction on EVSE 1; the session it starts is the cloud's connector 4.
  const rs = nextCallAt(cp3, 'RequestStartTransaction');
  assert.equal((await s.cloud.remoteStart(IDENTITY, 'TAG-R', 4)).status, 'Accepted');
  const req = await rs;
  assert.equal(req.evseId, 1);
  assert.deepEqual(req.idToken, { idToken: 'TAG-R', type: 'Central' });
  assert.ok(Number.isInteger(req.remoteStartId), 'a remoteStartId is given');
  const started = await s.cloud.waitFor((c) => c.action === 'StartTransaction' && c.payload.idTag === 'TAG-R', { label: 'the remote-started session reaching the cloud' });
  assert.equal(started.payload.connectorId, 4);
  await drained(s.site.daemon.upstream!.service);
  const cloudId = [...s.cloud.transactions.values()].find((x) => x.idTag === 'TAG-R')!.id;
  const chargerRef = cp3.connectors.get(1)!.transactionRef;
  assert.ok(chargerRef, 'the 2.0.1 charger runs the transaction under its own string id');

  // A cloud TxDefaultProfile of 10 A on connector 4 → a cap; the limit the site gives CP-3's EVSE 1 honours it.
  const before = await until(() => cp3.connectors.get(1)!.limitA ?? undefined, { label: 'a limit from the balancer on CP-3 EVSE 1' }, [cp3, 'limit']);
  assert.ok(before > 10, `the limit before the cap (${before} A) is above it, so the cap is what lowers it`);
  const txDefault = {
    chargingProfileId: 2, stackLevel: 0, chargingProfilePurpose: 'TxDefaultProfile', chargingProfileKind: 'Absolute',
    chargingSchedule: { chargingRateUnit: 'A', startSchedule: new Date(Date.now() - 1000).toISOString(), chargingSchedulePeriod: [{ startPeriod: 0, limit: 10 }] },
  };
  assert.equal((await s.cloud.setChargingProfile(IDENTITY, 4, txDefault)).status, 'Accepted');
  assert.equal(s.site.daemon.upstream!.caps.connectorCapA('CP-3', 1), 10);
  await until(() => (cp3.connectors.get(1)!.limitA ?? Infinity) <= 10, { label: 'CP-3 EVSE 1 limited to the cloud cap of 10 A' }, [cp3, 'limit']);
  assert.ok(cp3.connectors.get(1)!.drawA <= 10, `the car draws ${cp3.connectors.get(1)!.drawA} A, within the cap`);
  // The cloud's profile became a cap, not a raw 2.0.1 profile with the cloud's id.
  assert.ok(!cp3.received.some((c) => c.action === 'SetChargingProfile' && c.payload.chargingProfile.id === 2));
  assert.equal((await s.cloud.clearChargingProfile(IDENTITY, { id: 2 })).status, 'Accepted');

  // RemoteStop by the cloud's id → RequestStopTransaction with the charger's string id; the stop reaches the cloud.
  const stop = nextCallAt(cp3, 'RequestStopTransaction');
  assert.equal((await s.cloud.remoteStop(IDENTITY, cloudId)).status, 'Accepted');
  assert.deepEqual(await stop, { transactionId: chargerRef });
  const stopped = await s.cloud.waitFor((c) => c.action === 'StopTransaction' && c.payload.transactionId === cloudId, { label: 'the remote stop reaching the cloud' });
  assert.equal(stopped.payload.reason, 'Remote');

  // UnlockConnector 4 → EVSE 1 connector 1.
  const unlock = nextCallAt(cp3, 'UnlockConnector');
  assert.equal((await s.cloud.unlock(IDENTITY, 4)).status, 'Unlocked');
  assert.deepEqual(await unlock, { evseId: 1, connectorId: 1 });

  // ChangeAvailability on connector 4 → EVSE 1; the charger's new status reaches the cloud on connector 4.
  await cp3.unplug(1);
  const inop = nextCallAt(cp3, 'ChangeAvailability');
  const sent = new Set(s.cloud.received);
  assert.equal((await s.cloud.changeAvailability(IDENTITY, 4, 'Inoperative')).status, 'Accepted');
  assert.deepEqual(await inop, { operationalStatus: 'Inoperative', evse: { id: 1 } });
  await s.cloud.waitFor((c) => !sent.has(c) && c.action === 'StatusNotification' && c.payload.connectorId === 4 && c.payload.status === 'Unavailable',
    { label: 'the cloud seeing connector 4 Unavailable' });
  // ChangeAvailability 0 → the whole site: the 2.0.1 charger gets it without an EVSE (the whole station).
  const whole = nextCallAt(cp3, 'ChangeAvailability');
  const whole16 = nextCallAt(cp1, 'ChangeAvailability');
  assert.equal((await s.cloud.changeAvailability(IDENTITY, 0, 'Operative')).status, 'Accepted');
  assert.deepEqual(await whole, { operationalStatus: 'Operative' });
  assert.deepEqual(await whole16, { connectorId: 0, type: 'Operative' });

  // ReserveNow on connector 4 → EVSE 1 with the idTag as an IdToken; cancelled there.
  const reserve = nextCallAt(cp3, 'ReserveNow');
  const expiry = new Date(Date.now() + 3600_000).toISOString();
  assert.equal((await s.cloud.reserveNow(IDENTITY, { connectorId: 4, expiryDate: expiry, idTag: 'TAG-RES', reservationId: 7 })).status, 'Accepted');
  const r = await reserve;
  assert.equal(r.evseId, 1);
  assert.equal(r.expiryDateTime, expiry);
  assert.equal(r.idToken.idToken, 'TAG-RES');
  const cancel = nextCallAt(cp3, 'CancelReservation');
  assert.equal((await s.cloud.cancelReservation(IDENTITY, 7)).status, 'Accepted');
  assert.deepEqual(await cancel, { reservationId: r.id });

  // TriggerMessage StatusNotification on connector 4: answered by the site from its own state (DESIGN
  // "Upstream"), which is the 2.0.1 charger's status in the 1.6 vocabulary.
  const earlier = new Set(s.cloud.received);
  const status = s.cloud.waitFor((c) => !earlier.has(c) && c.action === 'StatusNotification' && c.payload.connectorId === 4, { label: 'the triggered status of connector 4 at the cloud' });
  assert.equal((await s.cloud.triggerMessage(IDENTITY, 'StatusNotification', 4)).status, 'Accepted');
  assert.equal((await status).payload.status, 'Available');

  await drained(s.site.daemon.upstream!.service);
  assert.deepEqual(s.cloud.anomalies, []);
  assert.deepEqual(violations, [], 'the site never broke OCPP 2.0.1 towards CP-3');
});
