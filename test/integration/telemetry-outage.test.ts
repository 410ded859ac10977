// The broker goes away: charging goes on untouched, and when the broker is back
// the daemon says `online` again and republishes its whole retained state.
import test from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import Database from 'better-sqlite3';
import { startSite } from '../helpers/daemon.js';
import { startMosquitto, subscribe } from '../helpers/mosquitto.js';
import { SimCharger } from '../../scripts/sim/charger-sim.js';

const P = 'site-controller/test-site';

test('a charging session runs undisturbed while the broker is down; state is republished when it returns', async (t) => {
  const broker = await startMosquitto();
  t.after(() => broker.close());
  const site = await startSite({ overrides: { mqtt: { url: broker.url, reconnectMaxS: 1, meterIntervalS: 0 } }, logLevel: 'info' });
  t.after(() => site.stop());
  const telemetry = site.daemon.telemetry!;
  const sub = await subscribe(broker.url, `${P}/#`);
  t.after(() => sub.close());

  const cp = new SimCharger({ url: site.url, id: 'CP-1', password: 'secret-1', connectors: 2 });
  t.after(() => cp.close());
  const violations: string[] = [];
  cp.on('violation', (v: string) => violations.push(v));
  await cp.connect();
  await cp.boot();
  await sub.next((m) => m.topic === `${P}/chargers/CP-1` && m.json.vendor === 'SimVendor');

  const down = once(telemetry, 'disconnect');
  await broker.stop();
  await down;

  // Every CALL of a whole session is answered while telemetry has nowhere to go.
  assert.ok(await cp.plugIn(1));
  const txId = await cp.startCharging(1, 'TAG-1');
  assert.equal(typeof txId, 'number');
  for (let i = 0; i < 3; i++) assert.deepEqual(await cp.meterValues(1), {});
  const stop = await cp.stopCharging(1);
  assert.equal(stop.idTagInfo.status, 'Accepted');
  assert.deepEqual(violations, []);
  assert.equal(telemetry.connected, false);

  const db = new Database(site.dbPath, { readonly: true });
  t.after(() => db.close());
  const tx = db.prepare('SELECT charger_id, connector_id, meter_stop_wh FROM transactions WHERE id = ?').get(txId) as any;
  assert.equal(tx.charger_id, 'CP-1');
  assert.equal(tx.connector_id, 1);
  assert.notEqual(tx.meter_stop_wh, null);
  const journal = db.prepare('SELECT action FROM transaction_messages WHERE transaction_id = ? ORDER BY seq').all(txId).map((r: any) => r.action);
  assert.deepEqual(journal, ['StartTransaction', 'MeterValues', 'MeterValues', 'MeterValues', 'StopTransaction']);
  // Held while offline: one latest state per retained topic, nothing piling up.
  const held = telemetry.stats();
  assert.equal(held.inFlight, 0);
  assert.ok(held.pendingTopics <= held.retainedTopics);

  // The broker comes back empty (no persistence): only a republish can fill it again.
  const mark = sub.messages.length;
  const up = once(telemetry, 'connect');
  await broker.start();
  await up;
  const online = await sub.next((m) => m.topic === `${P}/status` && m.json.state === 'online', mark);
  assert.equal(online.json.connects, 2);
  const charger = await sub.next((m) => m.topic === `${P}/chargers/CP-1` && m.json.connectors['1']?.status === 'Finishing', mark);
  assert.equal(charger.json.connected, true);
  assert.equal(charger.json.connectors['1'].transactionId, null);
  assert.ok(charger.json.connectors['1'].energyWh >= 0);
  await sub.next((m) => m.topic === `${P}/chargers/CP-2` && m.json.connected === false, mark);
  await sub.next((m) => m.topic === `${P}/health/system`, mark);
  // Logged once per transition, not once per retry.
  const lines = site.logs.filter((l) => /MQTT (connected|disconnected)/.test(l));
  assert.deepEqual(lines.map((l) => /MQTT (\w+)/.exec(l)![1]), ['connected', 'disconnected', 'connected']);
});

test('a broker that accepts the connection and never answers: charging is answered, telemetry holds its bounds, stop() does not hang', async (t) => {
  // A "broker" that takes TCP connections and says nothing (no CONNACK), like one stuck under load.
  const sockets: Socket[] = [];
  const silent = createServer((sock) => sockets.push(sock.on('error', () => {})));
  silent.listen(0, '127.0.0.1');
  await once(silent, 'listening');
  t.after(() => {
    for (const s of sockets) s.destroy();
    silent.close();
  });
  const url = `mqtt://127.0.0.1:${(silent.address() as { port: number }).port}`;
  const site = await startSite({ overrides: { mqtt: { url, maxQueuedEvents: 3 } }, logLevel: 'info' });
  const accepted = once(silent, 'connection');
  const cp = new SimCharger({ url: site.url, id: 'CP-1', password: 'secret-1', connectors: 2 });
  await cp.connect();
  await accepted;
  await cp.boot();
  const txId = await cp.startCharging(1, 'TAG-1');
  assert.equal(typeof txId, 'number');
  assert.deepEqual(await cp.meterValues(1), {});
  await cp.stopCharging(1);
  await cp.close();
  for (let i = 0; i < 10; i++) site.daemon.telemetry!.event('test', { code: 'tick', n: i });
  const s = site.daemon.telemetry!.stats();
  assert.equal(s.connected, false);
  assert.equal(s.inFlight, 0);
  assert.equal(s.queuedEvents, 3);
  assert.ok(s.droppedEvents >= 7);
  await site.stop();
});
