// mqtts:// to a mosquitto that checks the server against our CA and wants a
// client certificate: the daemon's config (mqtt.ca / cert / key) is all it takes.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { startSite, makeTempDir } from '../helpers/daemon.js';
import { makePki } from '../helpers/certs.js';
import { startMosquitto, subscribe } from '../helpers/mosquitto.js';

const P = 'site-controller/test-site';

test('mqtts with a private CA and a client certificate', async (t) => {
  const dir = makeTempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const pki = makePki(dir);
  const broker = await startMosquitto({ tls: { ca: pki.caCert, cert: pki.serverCert, key: pki.serverKey, requireClientCert: true } });
  t.after(() => broker.close());
  assert.match(broker.url, /^mqtts:/);
  const gw = pki.client('gateway-001');
  const dash = pki.client('dashboard');
  const sub = await subscribe(broker.url, `${P}/status`, { ca: readFileSync(pki.caCert), cert: readFileSync(dash.cert), key: readFileSync(dash.key) });
  t.after(() => sub.close());

  const site = await startSite({ overrides: { mqtt: { url: broker.url, ca: pki.caCert, cert: gw.cert, key: gw.key, reconnectMaxS: 1 } }, logLevel: 'info' });
  t.after(() => site.stop());
  await sub.next((m) => m.json.state === 'online');
  assert.equal(site.daemon.telemetry!.connected, true, site.logs.filter((l) => l.includes('MQTT')).join('\n'));
});

test('mqtts without a client certificate is refused, retried and logged once', async (t) => {
  const dir = makeTempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const pki = makePki(dir);
  const broker = await startMosquitto({ tls: { ca: pki.caCert, cert: pki.serverCert, key: pki.serverKey, requireClientCert: true } });
  t.after(() => broker.close());
  const site = await startSite({ overrides: { mqtt: { url: broker.url, ca: pki.caCert, reconnectMaxS: 1 } }, logLevel: 'info' });
  t.after(() => site.stop());
  // Two failed attempts (each ends in 'close'); once() would reject on the 'error' that comes with them.
  const client = (site.daemon.telemetry as any).publisher.client;
  for (let i = 0; i < 2; i++) await new Promise((resolve) => client.once('close', resolve));
  assert.equal(site.daemon.telemetry!.connected, false);
  const warned = site.logs.filter((l) => l.includes('MQTT'));
  assert.equal(warned.length, 1, warned.join('\n'));
  assert.match(warned[0]!, /MQTT broker unreachable/);
});
