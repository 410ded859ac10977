// The charger simulator against a tiny CSMS written here on `ws`: every frame the
// simulator sends is looked at, every answer it gives is checked. Ordering is proven by
// what arrives on the socket, never by sleeping.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage } from 'node:http';
import { WebSocketServer, type WebSocket, type ServerOptions } from 'ws';
import { SimCharger, CallError, CallTimeoutError, ConnectionClosedError, type SimChargerOptions } from '../../scripts/sim/charger-sim.js';

/** The CSMS end of one connection: frames in arrival order, and ways to answer or call. */
class Peer {
  private frames: unknown[] = [];
  private waiters: Array<{ match: (f: any) => boolean; resolve: (f: unknown) => void }> = [];
  private seq = 0;

  constructor(
    readonly ws: WebSocket,
    readonly req: IncomingMessage,
  ) {
    ws.on('message', (data) => {
      let f: unknown;
      try {
        f = JSON.parse(data.toString());
      } catch {
        f = data.toString(); // garbage stays visible as a string
      }
      const i = this.waiters.findIndex((w) => w.match(f));
      if (i >= 0) this.waiters.splice(i, 1)[0].resolve(f);
      else this.frames.push(f);
    });
  }

  /** The first frame (already received or coming) that `match` accepts; others stay queued in order. */
  next(match: (f: any) => boolean = () => true): Promise<any> {
    const i = this.frames.findIndex(match);
    if (i >= 0) return Promise.resolve(this.frames.splice(i, 1)[0]);
    return new Promise((resolve) => this.waiters.push({ match, resolve }));
  }

  /** Next frame must be a CALL of `action`; gives its id and payload. */
  async expectCall(action: string): Promise<{ id: string; payload: any }> {
    const f = await this.next();
    assert.equal(f[0], 2, `expected a CALL ${action}, got ${JSON.stringify(f)}`);
    assert.equal(f[2], action);
    assert.ok(typeof f[1] === 'string' && f[1].length > 0 && f[1].length <= 36, `message id ${f[1]}`);
    return { id: f[1], payload: f[3] };
  }

  /** Expects a CALL of `action`, answers it with `result`, and gives its payload. */
  async answer(action: string, result: object): Promise<any> {
    const { id, payload } = await this.expectCall(action);
    this.result(id, result);
    return payload;
  }

  result(id: string, payload: object): void {
    this.ws.send(JSON.stringify([3, id, payload]));
  }

  /** Sends a CALL to the charger; resolves with its answer frame. */
  async call(action: string, payload: object): Promise<any[]> {
    const id = `csms-${++this.seq}`;
    this.ws.send(JSON.stringify([2, id, action, payload]));
    // The charger's own CALLs may arrive meanwhile (follow-ups); they stay queued.
    return this.next((f) => Array.isArray(f) && f[0] !== 2 && f[1] === id);
  }

  /** Sends a CALL and returns the CALLRESULT payload (fails on a CALLERROR). */
  async ask(action: string, payload: object): Promise<any> {
    const f = await this.call(action, payload);
    assert.equal(f[0], 3, `${action} answered ${JSON.stringify(f)}`);
    return f[2];
  }
}

async function startCsms(opts: Partial<ServerOptions> = {}) {
  const wss = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    handleProtocols: (protocols) => (protocols.has('ocpp1.6') ? 'ocpp1.6' : false),
    ...opts,
  });
  await once(wss, 'listening');
  const ready: Peer[] = [];
  const waiting: Array<(p: Peer) => void> = [];
  wss.on('connection', (ws, req) => {
    const p = new Peer(ws, req);
    const w = waiting.shift();
    if (w) w(p);
    else ready.push(p);
  });
  return {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/ocpp`,
    accept: (): Promise<Peer> => (ready.length > 0 ? Promise.resolve(ready.shift()!) : new Promise((r) => waiting.push(r))),
    close: (): Promise<void> => {
      for (const c of wss.clients) c.terminate();
      return new Promise((r) => wss.close(() => r()));
    },
  };
}

/** A CSMS, a connected simulator and its peer; both closed when the test ends. */
async function setup(t: TestContext, opts: Partial<SimChargerOptions> = {}) {
  const csms = await startCsms();
  const sim = new SimCharger({ url: csms.url, id: 'CP-1', password: 'secret', ...opts });
  t.after(async () => {
    await sim.close();
    await csms.close();
  });
  const [peer] = await Promise.all([csms.accept(), sim.connect()]);
  return { csms, sim, peer };
}

/** Resolves with the next 'limit' value for one connector. */
function nextLimit(sim: SimCharger, connectorId: number): Promise<number | null> {
  return new Promise((resolve) => {
    const f = (c: number, limitA: number | null) => {
      if (c !== connectorId) return;
      sim.off('limit', f);
      resolve(limitA);
    };
    sim.on('limit', f);
  });
}

/** Starts a transaction on a connector through the peer; gives its id. */
async function startTx(sim: SimCharger, peer: Peer, connectorId: number, transactionId: number): Promise<void> {
  const started = sim.startTransaction(connectorId, 'TAG-1');
  await peer.answer('StartTransaction', { transactionId, idTagInfo: { status: 'Accepted' } });
  await started;
}

const profile = (over: Record<string, unknown>, schedule: Record<string, unknown>) => ({
  chargingProfileId: 1,
  stackLevel: 1,
  chargingProfilePurpose: 'TxDefaultProfile',
  chargingProfileKind: 'Absolute',
  ...over,
  chargingSchedule: { chargingRateUnit: 'A', startSchedule: new Date(Date.now() - 1000).toISOString(), ...schedule },
});
const periods = (...limits: number[]) => ({ chargingSchedulePeriod: limits.map((limit, i) => ({ startPeriod: i * 60, limit })) });

test('connects to <url>/<id> with subprotocol ocpp1.6 and HTTP Basic id:password', async (t) => {
  const { sim, peer } = await setup(t);
  assert.equal(peer.req.url, '/ocpp/CP-1');
  const auth = peer.req.headers.authorization ?? '';
  assert.equal(Buffer.from(auth.replace(/^Basic /, ''), 'base64').toString(), 'CP-1:secret');
  assert.equal(sim.protocol, 'ocpp1.6');
  assert.equal(sim.connected, true);
});

test('boot, status, authorize, start, meter values and stop round trips', async (t) => {
  const { sim, peer } = await setup(t);
  const boot = sim.boot();
  const bootReq = await peer.answer('BootNotification', { status: 'Accepted', currentTime: new Date().toISOString(), interval: 60 });
  assert.equal(bootReq.chargePointVendor, 'SimVendor');
  assert.equal((await boot).status, 'Accepted');
  assert.equal(sim.configuration.get('HeartbeatInterval')!.value, '60');

  const hb = sim.heartbeat();
  await peer.answer('Heartbeat', { currentTime: new Date().toISOString() });
  assert.ok((await hb).currentTime);

  const st = sim.status(1, 'Available');
  const stReq = await peer.answer('StatusNotification', {});
  await st;
  assert.deepEqual([stReq.connectorId, stReq.status, stReq.errorCode], [1, 'Available', 'NoError']);

  const au = sim.authorize('TAG-1');
  assert.equal((await peer.answer('Authorize', { idTagInfo: { status: 'Accepted' } })).idTag, 'TAG-1');
  assert.equal((await au).idTagInfo.status, 'Accepted');

  const plug = sim.plugIn(1, { carPhases: 1, carMaxA: 16 });
  assert.equal((await peer.answer('StatusNotification', {})).status, 'Preparing');
  await plug;

  const start = sim.startTransaction(1, 'TAG-1', 1000);
  const startReq = await peer.answer('StartTransaction', { transactionId: 7, idTagInfo: { status: 'Accepted' } });
  assert.deepEqual([startReq.connectorId, startReq.idTag, startReq.meterStart], [1, 'TAG-1', 1000]);
  assert.equal((await start).transactionId, 7);
  assert.equal(sim.connectors.get(1)!.transactionId, 7);
  assert.equal(sim.connectors.get(1)!.drawA, 16, 'no profile: the car takes its own maximum');

  const mv = sim.meterValues(1);
  const mvReq = await peer.answer('MeterValues', {});
  await mv;
  assert.equal(mvReq.transactionId, 7);
  const sv: any[] = mvReq.meterValue[0].sampledValue;
  const find = (m: string, phase?: string) => sv.find((s) => s.measurand === m && s.phase === phase);
  assert.equal(find('Energy.Active.Import.Register').unit, 'Wh');
  assert.equal(find('Power.Active.Import').unit, 'W');
  assert.equal(find('Power.Active.Import').value, String(16 * 230));
  assert.deepEqual(['L1', 'L2', 'L3'].map((ph) => find('Current.Import', ph).value), ['16.0', '0.0', '0.0'], '1-phase car on L1');
  assert.equal(find('Current.Import', 'L1').unit, 'A');
  assert.equal(find('Current.Offered').value, '32.0');

  const stop = sim.stopTransaction(7, 1500, { idTag: 'TAG-1', reason: 'Local' });
  assert.equal(sim.connectors.get(1)!.transactionId, undefined, 'the transaction ends when StopTransaction is sent');
  const stopReq = await peer.answer('StopTransaction', { idTagInfo: { status: 'Accepted' } });
  await stop;
  assert.deepEqual([stopReq.transactionId, stopReq.meterStop, stopReq.reason, stopReq.idTag], [7, 1500, 'Local', 'TAG-1']);
  assert.equal(sim.connectors.get(1)!.drawA, 0);
  assert.deepEqual(sim.violations, []);
});

test('startCharging and stopCharging sequence a session as a charger does', async (t) => {
  const { sim, peer } = await setup(t);
  const run = sim.startCharging(2, 'TAG-2');
  assert.equal((await peer.answer('StatusNotification', {})).status, 'Preparing');
  await peer.answer('StartTransaction', { transactionId: 11, idTagInfo: { status: 'Accepted' } });
  assert.equal((await peer.answer('StatusNotification', {})).status, 'Charging');
  assert.equal(await run, 11);

  // Limit 0 pauses the car: SuspendedEVSE, reported after the CALLRESULT; a limit resumes it.
  const pause = { connectorId: 2, csChargingProfiles: profile({ chargingProfilePurpose: 'TxProfile' }, periods(0)) };
  peer.ws.send(JSON.stringify([2, 'pause', 'SetChargingProfile', pause]));
  assert.deepEqual(await peer.next(), [3, 'pause', { status: 'Accepted' }]);
  assert.equal((await peer.answer('StatusNotification', {})).status, 'SuspendedEVSE');
  assert.equal(sim.connectors.get(2)!.drawA, 0);
  const resume = { connectorId: 2, csChargingProfiles: profile({ chargingProfilePurpose: 'TxProfile' }, periods(8)) };
  assert.equal((await peer.ask('SetChargingProfile', resume)).status, 'Accepted');
  assert.equal((await peer.answer('StatusNotification', {})).status, 'Charging');
  assert.equal(sim.connectors.get(2)!.drawA, 8);

  const stop = sim.stopCharging(2);
  const req = await peer.answer('StopTransaction', {});
  assert.deepEqual([req.transactionId, req.reason, req.idTag], [11, 'Local', 'TAG-2']);
  assert.equal((await peer.answer('StatusNotification', {})).status, 'Finishing');
  await stop;

  // An idTag the CSMS refuses in StartTransaction ends the transaction at once.
  const refused = sim.startCharging(1, 'BAD');
  await peer.answer('StatusNotification', {});
  await peer.answer('StartTransaction', { transactionId: 12, idTagInfo: { status: 'Invalid' } });
  assert.equal((await peer.answer('StopTransaction', {})).reason, 'DeAuthorized');
  await peer.answer('StatusNotification', {});
  assert.equal(await refused, undefined);
});

test('answers GetConfiguration and ChangeConfiguration', async (t) => {
  const { sim, peer } = await setup(t);
  const calls: string[] = [];
  sim.on('call', (action: string) => calls.push(action));

  const all = await peer.ask('GetConfiguration', {});
  const key = (k: string) => all.configurationKey.find((e: any) => e.key === k);
  assert.deepEqual(key('ChargeProfileMaxStackLevel'), { key: 'ChargeProfileMaxStackLevel', readonly: true, value: '10' });
  assert.equal(key('ChargingScheduleAllowedChargingRateUnit').value, 'Current,Power');
  assert.equal(key('NumberOfConnectors').value, '2');
  assert.equal(all.unknownKey, undefined);

  const some = await peer.ask('GetConfiguration', { key: ['HeartbeatInterval', 'NoSuchKey'] });
  assert.deepEqual(some.configurationKey, [{ key: 'HeartbeatInterval', readonly: false, value: '300' }]);
  assert.deepEqual(some.unknownKey, ['NoSuchKey']);

  assert.equal((await peer.ask('ChangeConfiguration', { key: 'HeartbeatInterval', value: '120' })).status, 'Accepted');
  assert.equal(sim.configuration.get('HeartbeatInterval')!.value, '120');
  assert.equal((await peer.ask('ChangeConfiguration', { key: 'HeartbeatInterval', value: 'soon' })).status, 'Rejected');
  assert.equal((await peer.ask('ChangeConfiguration', { key: 'ChargeProfileMaxStackLevel', value: '3' })).status, 'Rejected');
  assert.equal((await peer.ask('ChangeConfiguration', { key: 'NoSuchKey', value: '1' })).status, 'NotSupported');
  assert.equal(sim.configuration.get('ChargeProfileMaxStackLevel')!.value, '10');

  assert.deepEqual(calls, ['GetConfiguration', 'GetConfiguration', 'ChangeConfiguration', 'ChangeConfiguration', 'ChangeConfiguration', 'ChangeConfiguration']);
  assert.equal(sim.received.length, 6);
  assert.deepEqual(sim.received[2], { action: 'ChangeConfiguration', payload: { key: 'HeartbeatInterval', value: '120' } });
});

test('SetChargingProfile: stack levels, TxProfile over TxDefaultProfile, W units, the site cap', async (t) => {
  const { sim, peer } = await setup(t);
  await startTx(sim, peer, 1, 5);

  let limit = nextLimit(sim, 1);
  const set = (connectorId: number, p: object) => peer.ask('SetChargingProfile', { connectorId, csChargingProfiles: p });
  assert.equal((await set(1, profile({}, periods(16)))).status, 'Accepted');
  assert.equal(await limit, 16);
  assert.equal(sim.connectors.get(1)!.drawA, 16);

  // A TxProfile wins over the TxDefaultProfile whatever the stack levels; W → A at 230 V × 3.
  limit = nextLimit(sim, 1);
  assert.equal((await set(1, profile({ chargingProfileId: 2, chargingProfilePurpose: 'TxProfile', stackLevel: 0 }, { chargingRateUnit: 'W', ...periods(4140) }))).status, 'Accepted');
  assert.equal(await limit, 6);
  assert.equal(sim.connectors.get(1)!.drawA, 6);

  // Same purpose and stack level replaces; numberPhases 1 converts with one phase.
  limit = nextLimit(sim, 1);
  const onePhase = { chargingRateUnit: 'W', chargingSchedulePeriod: [{ startPeriod: 0, limit: 2760, numberPhases: 1 }] };
  assert.equal((await set(1, profile({ chargingProfileId: 3, chargingProfilePurpose: 'TxProfile', stackLevel: 0 }, onePhase))).status, 'Accepted');
  assert.equal(await limit, 12);
  assert.equal(sim.profiles.list().filter((p) => p.profile.chargingProfilePurpose === 'TxProfile').length, 1);

  // The ChargePointMaxProfile on connector 0 caps every connector.
  const l1 = nextLimit(sim, 1);
  const l2 = nextLimit(sim, 2);
  assert.equal((await set(0, profile({ chargingProfileId: 9, chargingProfilePurpose: 'ChargePointMaxProfile' }, periods(10)))).status, 'Accepted');
  assert.deepEqual([await l1, await l2], [10, 10]);
  assert.equal(sim.connectors.get(1)!.drawA, 10);
  assert.equal(sim.connectors.get(2)!.drawA, 0, 'no transaction, no draw');

  limit = nextLimit(sim, 1);
  assert.equal((await peer.ask('ClearChargingProfile', { id: 9 })).status, 'Accepted');
  assert.equal(await limit, 12);
  assert.equal(sim.connectors.get(2)!.limitA, null);
  assert.equal((await peer.ask('ClearChargingProfile', { id: 9 })).status, 'Unknown');

  // The TxProfile ends with its transaction; the TxDefaultProfile applies again.
  limit = nextLimit(sim, 1);
  const stop = sim.stopTransaction(5, 100);
  await peer.answer('StopTransaction', {});
  await stop;
  assert.equal(await limit, 16);
  assert.deepEqual(sim.violations, []);
});

test('SetChargingProfile is Rejected where a charger would reject it, and malformed ones get a CALLERROR', async (t) => {
  const { sim, peer } = await setup(t);
  const set = (connectorId: number, p: object) => peer.call('SetChargingProfile', { connectorId, csChargingProfiles: p });
  const reasons: string[] = [];
  sim.on('profile-rejected', (_c: number, _p: unknown, why: string) => reasons.push(why));

  assert.equal((await set(1, profile({ chargingProfilePurpose: 'TxProfile' }, periods(16))))[2].status, 'Rejected');
  assert.equal((await set(1, profile({ chargingProfilePurpose: 'ChargePointMaxProfile' }, periods(16))))[2].status, 'Rejected');
  assert.equal((await set(1, profile({ stackLevel: 11 }, periods(16))))[2].status, 'Rejected');
  assert.equal((await set(3, profile({}, periods(16))))[2].status, 'Rejected');
  assert.equal(reasons.length, 4);
  assert.equal(sim.profiles.size, 0);

  const frac = await set(1, profile({}, periods(16.05)));
  assert.deepEqual(frac.slice(0, 3), [4, frac[1], 'PropertyConstraintViolation']);
  const missing = await peer.call('SetChargingProfile', { connectorId: 1 });
  assert.equal(missing[2], 'OccurenceConstraintViolation');
  assert.equal(sim.violations.length, 2, 'malformed requests are recorded as the CSMS’s violations');
});

test('rejectProfiles and allowedRateUnits make a charger that only takes some forms', async (t) => {
  const { peer } = await setup(t, { rejectProfiles: (req) => req.csChargingProfiles.chargingSchedule.chargingRateUnit === 'A' });
  const set = (unit: string) => peer.ask('SetChargingProfile', { connectorId: 1, csChargingProfiles: profile({}, { chargingRateUnit: unit, ...periods(unit === 'A' ? 16 : 11040) }) });
  assert.equal((await set('A')).status, 'Rejected');
  assert.equal((await set('W')).status, 'Accepted');

  const other = await setup(t, { id: 'CP-2', allowedRateUnits: 'Power' });
  const cfg = await other.peer.ask('GetConfiguration', { key: ['ChargingScheduleAllowedChargingRateUnit'] });
  assert.equal(cfg.configurationKey[0].value, 'Power');
  const a = await other.peer.ask('SetChargingProfile', { connectorId: 1, csChargingProfiles: profile({}, periods(16)) });
  assert.equal(a.status, 'Rejected');
});

test('a short-lived profile falls back to the lower stack level when it expires', async (t) => {
  const { sim, peer } = await setup(t);
  const set = (p: object) => peer.ask('SetChargingProfile', { connectorId: 0, csChargingProfiles: p });
  await set(profile({ chargingProfileId: 1, stackLevel: 0 }, periods(6)));
  await set(profile({ chargingProfileId: 3, stackLevel: 7, validFrom: new Date(Date.now() + 3_600_000).toISOString() }, periods(20)));
  const fallback = nextLimit(sim, 1).then(() => nextLimit(sim, 1));
  await set(profile({ chargingProfileId: 2, stackLevel: 5, validTo: new Date(Date.now() + 200).toISOString() }, periods(16)));
  assert.equal(sim.connectors.get(1)!.limitA, 16, 'validFrom in the future: stack 7 does not apply yet');
  assert.equal(await fallback, 6);
  assert.equal(sim.connectors.get(2)!.limitA, 6);
});

test('GetCompositeSchedule follows the stored profiles, in A or W', async (t) => {
  const { peer } = await setup(t);
  const set = (p: object) => peer.ask('SetChargingProfile', { connectorId: 1, csChargingProfiles: p });
  await set(profile({ chargingProfileId: 1, stackLevel: 1 }, periods(16)));
  await set(profile({ chargingProfileId: 2, stackLevel: 2, validFrom: new Date(Date.now() + 3_600_000).toISOString() }, periods(20)));
  const a = await peer.ask('GetCompositeSchedule', { connectorId: 1, duration: 7200 });
  assert.equal(a.status, 'Accepted');
  assert.deepEqual(a.chargingSchedule.chargingSchedulePeriod, [
    { startPeriod: 0, limit: 16 },
    { startPeriod: 3600, limit: 20 },
  ]);
  const w = await peer.ask('GetCompositeSchedule', { connectorId: 1, duration: 7200, chargingRateUnit: 'W' });
  assert.deepEqual(w.chargingSchedule.chargingSchedulePeriod.map((p: any) => p.limit), [11040, 13800]);
  assert.equal((await peer.ask('GetCompositeSchedule', { connectorId: 9, duration: 60 })).status, 'Rejected');
});

test('only one CALL is outstanding: the second waits for the answer to the first', async (t) => {
  const { sim, peer } = await setup(t);
  const first = sim.heartbeat();
  const second = sim.authorize('TAG-9');
  const { id: firstId } = await peer.expectCall('Heartbeat');
  // The charger answers our CALL while its own is unanswered. Frames keep their order on
  // the socket, so had the second CALL been sent, it would arrive before this answer.
  peer.ws.send(JSON.stringify([2, 'probe', 'DataTransfer', { vendorId: 'x' }]));
  const probe = await peer.next();
  assert.deepEqual(probe, [3, 'probe', { status: 'UnknownVendorId' }]);
  assert.equal(sim.pendingCalls, 2);
  peer.result(firstId, { currentTime: new Date().toISOString() });
  await first;
  await peer.answer('Authorize', { idTagInfo: { status: 'Accepted' } });
  assert.equal((await second).idTagInfo.status, 'Accepted');
});

test('an upgrade refused with 401 or 404 rejects connect() with that statusCode', async (t) => {
  const csms = await startCsms({
    verifyClient: (info: { req: IncomingMessage }, cb: (ok: boolean, code?: number) => void) => cb(false, info.req.url === '/ocpp/CP-1' ? 401 : 404),
  });
  t.after(() => csms.close());
  const bad = new SimCharger({ url: csms.url, id: 'CP-1', password: 'wrong' });
  await assert.rejects(bad.connect(), (err: any) => err.statusCode === 401);
  const unknown = new SimCharger({ url: csms.url, id: 'CP-X' });
  await assert.rejects(unknown.connect(), (err: any) => err.statusCode === 404);
  assert.equal(bad.connected, false);
  await assert.rejects(bad.heartbeat(), ConnectionClosedError);
});

test('a CALL without an answer times out; the next CALL then goes out; the late answer is flagged', async (t) => {
  const { sim, peer } = await setup(t, { callTimeoutMs: 50 });
  const first = sim.heartbeat();
  const { id } = await peer.expectCall('Heartbeat');
  await assert.rejects(first, CallTimeoutError);
  peer.result(id, { currentTime: new Date().toISOString() });
  const second = sim.heartbeat();
  await peer.answer('Heartbeat', { currentTime: new Date().toISOString() });
  await second;
  assert.match(sim.violations.join('\n'), /unknown or expired CALL id/);
});

test('a CALLERROR surfaces as CallError with code, description and details', async (t) => {
  const { sim, peer } = await setup(t);
  const p = sim.authorize('TAG');
  const { id } = await peer.expectCall('Authorize');
  peer.ws.send(JSON.stringify([4, id, 'SecurityError', 'not you', { hint: 1 }]));
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof CallError);
    assert.deepEqual([err.code, err.description, err.details], ['SecurityError', 'not you', { hint: 1 }]);
    return true;
  });
});

test('closing the connection rejects the outstanding and the queued CALLs', async (t) => {
  const { sim, peer } = await setup(t);
  const a = sim.heartbeat();
  const b = sim.authorize('TAG');
  await peer.expectCall('Heartbeat');
  const closed = once(sim, 'close');
  peer.ws.close(1001, 'going away');
  await assert.rejects(a, ConnectionClosedError);
  await assert.rejects(b, ConnectionClosedError);
  assert.equal((await closed)[0], 1001);
});

test('RemoteStart runs a session, RemoteStop ends it', async (t) => {
  const { sim, peer } = await setup(t);
  const start = await peer.ask('RemoteStartTransaction', { connectorId: 1, idTag: 'R-1' });
  assert.equal(start.status, 'Accepted');
  assert.equal((await peer.ask('RemoteStartTransaction', { connectorId: 1, idTag: 'R-2' })).status, 'Rejected', 'connector busy starting');
  assert.equal((await peer.answer('StatusNotification', {})).status, 'Preparing');
  assert.equal((await peer.answer('StartTransaction', { transactionId: 42, idTagInfo: { status: 'Accepted' } })).idTag, 'R-1');
  assert.equal((await peer.answer('StatusNotification', {})).status, 'Charging');

  assert.equal((await peer.ask('RemoteStopTransaction', { transactionId: 99 })).status, 'Rejected');
  assert.equal((await peer.ask('RemoteStopTransaction', { transactionId: 42 })).status, 'Accepted');
  const stop = await peer.answer('StopTransaction', {});
  assert.deepEqual([stop.transactionId, stop.reason], [42, 'Remote']);
  assert.equal((await peer.answer('StatusNotification', {})).status, 'Finishing');
  assert.equal(sim.connectors.get(1)!.transactionId, undefined);
});

test('TriggerMessage is Accepted and then the requested message is sent', async (t) => {
  const { peer } = await setup(t);
  assert.equal((await peer.ask('TriggerMessage', { requestedMessage: 'StatusNotification', connectorId: 2 })).status, 'Accepted');
  assert.deepEqual(await peer.answer('StatusNotification', {}).then((p) => [p.connectorId, p.status]), [2, 'Available']);
  assert.equal((await peer.ask('TriggerMessage', { requestedMessage: 'Heartbeat' })).status, 'Accepted');
  await peer.answer('Heartbeat', { currentTime: new Date().toISOString() });
  assert.equal((await peer.ask('TriggerMessage', { requestedMessage: 'Bogus' })).status, 'NotImplemented');
  assert.equal((await peer.ask('TriggerMessage', { requestedMessage: 'Heartbeat', connectorId: 5 })).status, 'Rejected');
});

test('availability, reservations, local list, unlock and data transfer', async (t) => {
  const { sim, peer } = await setup(t);
  assert.equal((await peer.ask('ChangeAvailability', { connectorId: 2, type: 'Inoperative' })).status, 'Accepted');
  assert.equal((await peer.answer('StatusNotification', {})).status, 'Unavailable');
  assert.equal((await peer.ask('ReserveNow', { connectorId: 2, expiryDate: new Date().toISOString(), idTag: 'T', reservationId: 1 })).status, 'Unavailable');

  const expiry = new Date(Date.now() + 60_000).toISOString();
  assert.equal((await peer.ask('ReserveNow', { connectorId: 1, expiryDate: expiry, idTag: 'T', reservationId: 2 })).status, 'Accepted');
  assert.equal((await peer.answer('StatusNotification', {})).status, 'Reserved');
  assert.equal((await peer.ask('CancelReservation', { reservationId: 2 })).status, 'Accepted');
  assert.equal((await peer.answer('StatusNotification', {})).status, 'Available');
  assert.equal((await peer.ask('CancelReservation', { reservationId: 2 })).status, 'Rejected');

  const list = { listVersion: 3, updateType: 'Full', localAuthorizationList: [{ idTag: 'A', idTagInfo: { status: 'Accepted' } }] };
  assert.equal((await peer.ask('SendLocalList', list)).status, 'Accepted');
  assert.equal((await peer.ask('GetLocalListVersion', {})).listVersion, 3);
  assert.equal(sim.localList.entries.size, 1);

  assert.equal((await peer.ask('UnlockConnector', { connectorId: 1 })).status, 'Unlocked');
  assert.equal((await peer.ask('DataTransfer', { vendorId: 'acme' })).status, 'UnknownVendorId');
  assert.equal((await peer.ask('Reset', { type: 'Soft' })).status, 'Accepted');
});

test('unknown actions, malformed CALLs and garbage from the CSMS', async (t) => {
  const { sim, peer } = await setup(t);
  const unknown = await peer.call('FrobnicateConnector', {});
  assert.deepEqual(unknown.slice(0, 3), [4, unknown[1], 'NotImplemented']);
  assert.equal((await peer.call('RemoteStopTransaction', {}))[2], 'OccurenceConstraintViolation');
  assert.equal((await peer.call('RemoteStopTransaction', { transactionId: 'x' }))[2], 'TypeConstraintViolation');

  peer.ws.send('{ not json');
  peer.ws.send(JSON.stringify([2, 'bad']));
  assert.deepEqual((await peer.next()).slice(0, 3), [4, 'bad', 'FormationViolation']);
  assert.match(sim.violations.join('\n'), /unparsable frame/);

  // sendRaw puts bytes on the wire as they are, for the daemon's garbage tests.
  sim.sendRaw('[2, "x"');
  assert.equal(await peer.next(), '[2, "x"');
});

test('an override replaces one answer; startMeterValues samples running transactions', async (t) => {
  const { sim, peer } = await setup(t);
  sim.handle('RemoteStartTransaction', () => ({ status: 'Rejected' }));
  assert.equal((await peer.ask('RemoteStartTransaction', { idTag: 'T' })).status, 'Rejected');
  sim.handle('RemoteStartTransaction', undefined);

  await startTx(sim, peer, 2, 8);
  sim.startMeterValues(20);
  const mv = await peer.answer('MeterValues', {});
  sim.stopMeterValues();
  assert.deepEqual([mv.connectorId, mv.transactionId], [2, 8]);
});
