// Commands to an OCPP 2.0.1 charger through the same typed API as to a 1.6 one, over a
// real socket: the unchanged balancer and the unchanged 1.6 configure step drive a raw
// 2.0.1 client, which checks every CALL it gets against the OCA 2.0.1 schemas.
// The session is wired here by hand (the 2.0.1 charger dialect that answers Boot and
// TransactionEvent is another part of the work); the command path is the daemon's own.
import test, { type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { connectRaw } from '../helpers/raw-client.js';
import { until } from '../helpers/until.js';
import { getProtocol } from '../../daemon/ocpp/protocols.js';
import { RpcConnection } from '../../daemon/ocpp/rpc.js';
import { RpcError } from '../../daemon/ocpp/errors.js';
import { ChargerSession } from '../../daemon/local/session.js';
import { ChargerRegistry } from '../../daemon/local/registry.js';
import { configureCharger } from '../../daemon/local/configure.js';
import { BalancerService } from '../../daemon/balancer/service.js';
import type { BalancerEvent } from '../../daemon/balancer/events.js';
import { parseConfig } from '../../daemon/config/load.js';
import type { ChargerConfig } from '../../daemon/config/types.js';
import { Store } from '../../daemon/store/store.js';
import { silentLogger } from '../../daemon/log.js';

const v201 = getProtocol('ocpp2.0.1')!.validator;
const CHARGER: ChargerConfig = { id: 'CP201', connectors: 1, maxCurrentA: 16, phases: 3, phaseRotation: 'L1L2L3', priority: 0 };
/** The charger calls local transaction 7 "tx-7-abc". */
const CHARGER_TX: Record<number, string> = { 7: 'tx-7-abc' };

interface Received { action: string; payload: any }

interface Charger201Options {
  /** SmartChargingCtrlr.RateUnit as the charger reports it. */
  rateUnit: string;
  /** Its answer to a SetChargingProfile (default Accepted). */
  onProfile?: (p: any) => 'Accepted' | 'Rejected';
  /** Its answer to RequestStopTransaction (default Accepted); anything returned is sent as is. */
  onStop?: (p: any) => unknown;
}

/** What a simple 2.0.1 charger answers; every CALL is checked against the 2.0.1 request schema first. */
function answers(opts: Charger201Options, received: Received[], feed: EventEmitter) {
  const vars: Record<string, string> = { 'SmartChargingCtrlr/RateUnit': opts.rateUnit, 'SmartChargingCtrlr/ProfileStackLevel': '8', 'SmartChargingCtrlr/PeriodsPerSchedule': '24' };
  return (action: string, payload: any): unknown => {
    const invalid = v201.request(action, payload);
    received.push({ action, payload });
    feed.emit('call');
    if (invalid) throw new Error(`the site sent an invalid 2.0.1 ${action}: ${invalid.message}`);
    switch (action) {
      case 'GetVariables':
        return { getVariableResult: payload.getVariableData.map((d: any) => {
          const value = vars[`${d.component.name}/${d.variable.name}`];
          return value === undefined ? { attributeStatus: 'UnknownVariable', component: d.component, variable: d.variable } : { attributeStatus: 'Accepted', attributeValue: value, component: d.component, variable: d.variable };
        }) };
      case 'SetVariables':
        return { setVariableResult: payload.setVariableData.map((d: any) => ({ attributeStatus: 'Accepted', component: d.component, variable: d.variable })) };
      case 'TriggerMessage':
        return { status: 'Accepted' };
      case 'SetChargingProfile':
        return { status: opts.onProfile?.(payload) ?? 'Accepted' };
      case 'RequestStopTransaction':
        return opts.onStop?.(payload) ?? { status: 'Accepted' };
      default:
        return undefined;
    }
  };
}

interface Site {
  registry: ChargerRegistry;
  session: ChargerSession;
  balancer: BalancerService;
  received: Received[];
  feed: EventEmitter;
  events: BalancerEvent[];
}

/**
 * A 2.0.1 charger connected and configured through the 1.6 configure step, with a car
 * charging on its connector 1 in local transaction 7, and the balancer running on a
 * static 32 A budget.
 */
async function setup(t: TestContext, opts: Charger201Options): Promise<Site> {
  const dir = mkdtempSync(join(tmpdir(), 'v201-cmd-'));
  const store = new Store(join(dir, 'site.db'));
  const registry = new ChargerRegistry();
  const http = createServer();
  const wss = new WebSocketServer({ server: http, handleProtocols: (offered) => (offered.has('ocpp2.0.1') ? 'ocpp2.0.1' : false) });
  const attached = new Promise<ChargerSession>((resolve) => wss.on('connection', (ws) => {
    const rpc = new RpcConnection(ws, { protocol: getProtocol('ocpp2.0.1')!, log: silentLogger, pingIntervalMs: 0, callTimeoutMs: 5000 });
    const session = new ChargerSession(CHARGER.id, CHARGER, rpc, 'loopback', Date.now());
    session.chargerTxIdOf = (id) => CHARGER_TX[id];
    registry.attach(session);
    resolve(session);
  }));
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const defaults = parseConfig('site: { id: s1 }\n', 'test.yaml');
  const balancer = new BalancerService(
    { grid: { maxCurrentA: 32, safetyMarginA: 0, nominalVoltageV: 230 }, balancer: { ...defaults.balancer, increaseIntervalS: 0.2 }, chargers: [CHARGER], periodMs: 200 },
    { registry, log: silentLogger },
  );
  const received: Received[] = [];
  const feed = new EventEmitter();
  const events: BalancerEvent[] = [];
  balancer.on('event', (e) => events.push(e));
  const client = await connectRaw(`ws://127.0.0.1:${(http.address() as AddressInfo).port}/ocpp/${CHARGER.id}`, { protocols: ['ocpp2.0.1'], answer: answers(opts, received, feed) });
  t.after(async () => {
    await balancer.stop();
    await client.close();
    for (const s of registry.all()) await s.rpc.close();
    wss.close();
    await new Promise<void>((resolve) => http.close(() => resolve()));
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const session = await attached;
  assert.equal(client.ws.protocol, 'ocpp2.0.1');
  const c = session.connector(1, Date.now());
  Object.assign(c, { status: 'Charging', transactionId: 7, confirmed: true });
  balancer.start();
  await configureCharger(session, { store, registry, log: silentLogger, meterValueSampleIntervalS: 10 });
  return { registry, session, balancer, received, feed, events };
}

const profiles = (s: Site) => s.received.filter((r) => r.action === 'SetChargingProfile').map((r) => r.payload);

test('a 2.0.1 charger is configured through the 1.6 configure step: GetVariables / SetVariables, its RateUnit read as capabilities', { timeout: 30_000 }, async (t) => {
  const s = await setup(t, { rateUnit: 'W' });
  const actions = s.received.map((r) => r.action);
  assert.equal(actions[0], 'GetVariables');
  assert.deepEqual(s.session.capabilities?.rateUnits, ['Power']);
  assert.equal(s.session.capabilities?.maxStackLevel, 8);
  const set = s.received.filter((r) => r.action === 'SetVariables').map((r) => r.payload.setVariableData[0]);
  assert.deepEqual(set.map((d: any) => `${d.component.name}.${d.variable.name}=${d.attributeValue}`), [
    'SampledDataCtrlr.TxUpdatedInterval=10',
    'SampledDataCtrlr.TxUpdatedMeasurands=Energy.Active.Import.Register,Power.Active.Import,Current.Import,Current.Offered',
  ]);
});

test('the balancer\'s SetChargingProfile reaches a W-only 2.0.1 charger as a valid 2.0.1 profile with evseId, in W', { timeout: 30_000 }, async (t) => {
  const s = await setup(t, { rateUnit: 'W' });
  // 16 A (its max) on 3 phases at 230 V, on EVSE 1, above the dead man's switch.
  const dynamic = await until(() => profiles(s).find((p) => p.evseId === 1 && p.chargingProfile.stackLevel > 0), { label: 'a dynamic SetChargingProfile on EVSE 1' }, [s.feed, 'call']);
  assert.equal(dynamic.chargingProfile.chargingProfilePurpose, 'TxDefaultProfile');
  assert.equal(dynamic.chargingProfile.chargingSchedule.length, 1);
  assert.equal(dynamic.chargingProfile.chargingSchedule[0].chargingRateUnit, 'W');
  assert.deepEqual(dynamic.chargingProfile.chargingSchedule[0].chargingSchedulePeriod, [{ startPeriod: 0, limit: 16 * 230 * 3, numberPhases: 3 }]);
  // The dead man's switch goes to EVSE 0: every EVSE.
  const fallback = await until(() => profiles(s).find((p) => p.evseId === 0), { label: 'the dead man\'s switch on EVSE 0' }, [s.feed, 'call']);
  assert.equal(fallback.chargingProfile.stackLevel, 0);
  assert.equal(fallback.chargingProfile.chargingSchedule[0].chargingRateUnit, 'W');
  assert.ok(!s.events.some((e) => e.type === 'profile-rejected'), 'no form was refused');
});

test('an A-only 2.0.1 charger gets amperes', { timeout: 30_000 }, async (t) => {
  const s = await setup(t, { rateUnit: 'A' });
  const dynamic = await until(() => profiles(s).find((p) => p.evseId === 1 && p.chargingProfile.stackLevel > 0), { label: 'a dynamic SetChargingProfile on EVSE 1' }, [s.feed, 'call']);
  assert.equal(dynamic.chargingProfile.chargingSchedule[0].chargingRateUnit, 'A');
  assert.deepEqual(dynamic.chargingProfile.chargingSchedule[0].chargingSchedulePeriod, [{ startPeriod: 0, limit: 16 }]);
});

test('down the ladder to a TxProfile: it carries the charger\'s own transactionId', { timeout: 30_000 }, async (t) => {
  const s = await setup(t, { rateUnit: 'A', onProfile: (p) => (p.chargingProfile.chargingProfilePurpose === 'TxProfile' ? 'Accepted' : 'Rejected') });
  const tx = await until(() => profiles(s).find((p) => p.chargingProfile.chargingProfilePurpose === 'TxProfile'), { label: 'a TxProfile after the other forms were refused' }, [s.feed, 'call']);
  assert.equal(tx.evseId, 1);
  assert.equal(tx.chargingProfile.transactionId, 'tx-7-abc');
  assert.deepEqual(s.events.filter((e) => e.type === 'profile-rejected').map((e) => (e as { form?: string }).form), ['connector', 'charger']);
});

test('RemoteStopTransaction by local id reaches the charger as RequestStopTransaction of its own id; a bad answer is an error, not a guess', { timeout: 30_000 }, async (t) => {
  let stopAnswer: unknown = { status: 'Accepted' };
  const s = await setup(t, { rateUnit: 'A', onStop: () => stopAnswer });
  assert.deepEqual(await s.registry.send(CHARGER.id, 'RemoteStopTransaction', { transactionId: 7 }), { status: 'Accepted' });
  assert.deepEqual(s.received.filter((r) => r.action === 'RequestStopTransaction').map((r) => r.payload), [{ transactionId: 'tx-7-abc' }]);
  stopAnswer = { status: 'Stopped' };
  await assert.rejects(s.registry.send(CHARGER.id, 'RemoteStopTransaction', { transactionId: 7 }), (e: unknown) => e instanceof RpcError && /RequestStopTransaction/.test(e.message));
  // A transaction the charger never named: nothing is sent.
  const before = s.received.length;
  await assert.rejects(s.registry.send(CHARGER.id, 'RemoteStopTransaction', { transactionId: 99 }), /transaction 99 has no OCPP 2\.0\.1 transactionId/);
  assert.equal(s.received.length, before);
});
