// Home Assistant discovery against a real mosquitto: the retained configs a Home
// Assistant finds when it subscribes (unique ids, one device per charger and one for the
// site, availability on `status`, state topics that exist), and the configs of a charger
// removed from the config cleared (empty retained payload) when the daemon restarts.
import test from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { startSite, makeTempDir } from '../helpers/daemon.js';
import { startMosquitto, subscribe, type Subscriber } from '../helpers/mosquitto.js';
import { discoveryConfigs } from '../../daemon/telemetry/homeassistant.js';
import { VERSION } from '../../daemon/version.js';

const P = 'site-controller/test-site';
const TWO = [
  { id: 'CP-1', password: 'secret-1', connectors: 2 },
  { id: 'CP-2', password: 'secret-2', connectors: 1, phases: 1, phaseRotation: 'L2' },
];

/** Everything retained has arrived once our own marker comes back after it. */
async function drained(sub: Subscriber): Promise<void> {
  const marker = `marker/${Math.random()}`;
  await sub.client.publishAsync(marker, '{}', { qos: 1 });
  await sub.next((m) => m.topic === marker);
}

async function retained(url: string): Promise<Map<string, any>> {
  const s = await subscribe(url, ['homeassistant/#', `${P}/#`, 'marker/#']);
  try {
    await drained(s);
    return new Map(s.messages.filter((m) => m.retain).map((m) => [m.topic, m.json]));
  } finally {
    await s.close();
  }
}

test('retained discovery configs for the site and every connector; a removed charger is cleared at restart', async (t) => {
  const broker = await startMosquitto();
  t.after(() => broker.close());
  const dir = makeTempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const mqtt = { url: broker.url, reconnectMaxS: 1, homeAssistant: {} };
  const expected = discoveryConfigs({ discoveryPrefix: 'homeassistant', topicPrefix: P, siteId: 'test-site', version: VERSION, chargers: TWO, meter: false, upstream: false, balancer: true });
  assert.equal(expected.length, 7 + 9 + 5);

  const watch = await subscribe(broker.url, 'homeassistant/#');
  t.after(() => watch.close());
  let site = await startSite({ dir, logLevel: 'warn', overrides: { chargers: TWO, mqtt } });
  for (const m of expected) await watch.next((x) => x.topic === m.topic);
  await site.stop();

  // What a Home Assistant finds when it subscribes (the daemon is stopped: all of it retained).
  let found = await retained(broker.url);
  const configs = [...found].filter(([topic]) => topic.startsWith('homeassistant/'));
  assert.deepEqual(configs.map(([topic]) => topic).sort(), expected.map((m) => m.topic).sort());
  const uniqueIds = configs.map(([, c]) => c.unique_id);
  assert.equal(new Set(uniqueIds).size, uniqueIds.length, 'unique_id unique');
  const devices = new Map<string, string[]>();
  for (const [, c] of configs) {
    assert.equal(c.availability_topic, `${P}/status`);
    // Every state topic an entity reads is published by the daemon (retained: it is there for a late subscriber).
    assert.ok(found.has(c.state_topic), `state topic ${c.state_topic} of ${c.unique_id} exists`);
    const dev = c.device.identifiers[0];
    devices.set(dev, [...(devices.get(dev) ?? []), c.unique_id]);
  }
  assert.deepEqual([...devices.keys()].sort(), ['site_controller_test-site', 'site_controller_test-site_CP-1', 'site_controller_test-site_CP-2']);
  assert.equal(devices.get('site_controller_test-site_CP-1')!.length, 9, 'CP-1: connected + 2 connectors x 4');
  assert.equal(found.get(`${P}/status`).state, 'offline', 'availability follows status (stopped cleanly)');

  // Restart with CP-2 gone from the config: its configs are withdrawn, CP-1's stay.
  const before = watch.messages.length;
  site = await startSite({ dir, logLevel: 'warn', overrides: { chargers: [TWO[0]], mqtt } });
  t.after(() => site.stop());
  const cleared = expected.filter((m) => m.topic.includes('/CP-2_'));
  assert.equal(cleared.length, 5);
  for (const m of cleared) {
    const got = await watch.next((x) => x.topic === m.topic, before);
    assert.equal(got.json, '', `${m.topic} cleared with an empty payload`);
  }
  found = await retained(broker.url);
  const left = [...found.keys()].filter((topic) => topic.startsWith('homeassistant/'));
  assert.equal(left.length, expected.length - 5);
  assert.ok(!left.some((topic) => topic.includes('CP-2')), 'no CP-2 config is retained any more');
  assert.equal(found.get(`${P}/status`).state, 'online');
});
