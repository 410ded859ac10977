// The installer's page end to end in a real headless Chromium: a simulated site (daemon,
// simulated chargers, meter and cloud, a real mosquitto for telemetry) behind a login,
// served beyond loopback when this machine has such an address. What an installer sees:
// the site, a transaction appearing within a second, the meter moving the numbers, the
// cloud going down, a charger refused for its password; no secret of the config in any
// response; a phone-width layout without sideways scrolling. Screenshots are kept in
// test-artifacts/ (web.png, web-phone.png).
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSite, type TestSite } from '../helpers/daemon.js';
import { SimCharger } from '../../scripts/sim/charger-sim.js';
import { MeterSim } from '../../scripts/sim/meter-sim.js';
import { CloudSim } from '../../scripts/sim/cloud-sim.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { upstreamSection, IDENTITY } from '../helpers/upstream-site.js';
import { launchBrowser } from '../helpers/browser.js';
import { req, sse } from '../helpers/web.js';

// These run in the browser (page.waitForFunction / evaluate); the test program itself has no DOM types.
declare const document: any;
declare const window: any;

export const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'test-artifacts');

/** A non-loopback IPv4 address of this machine, if it has one (the page is then served there). */
function lanAddress(): string | undefined {
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return undefined;
}

const SECRETS = { cp1: 'cp1-secret-0123456789', cp2: 'cp2-secret-0123456789', cloud: 'cloud-secret', mqtt: 'mqtt-secret-pw-42', web: 'web-secret-pw-42' };

test('the page shows the simulated site live, behind a login, and sends no secret', async (t) => {
  const stops: Array<() => Promise<unknown> | unknown> = [];
  t.after(async () => {
    for (const s of stops.reverse()) await s();
  });
  const meter = await MeterSim.start({ baseA: [5, 5, 5] });
  stops.push(() => meter.stop());
  const cloud = new CloudSim({ identities: { [IDENTITY]: SECRETS.cloud }, outage: 'reset' });
  await cloud.start();
  stops.push(() => cloud.stop());
  const broker = await startMosquitto({ users: { site: SECRETS.mqtt } });
  stops.push(() => broker.close());
  const host = lanAddress() ?? '127.0.0.1';
  const site: TestSite = await startSite({
    logLevel: 'warn',
    deps: { meterBackoff: { initialMs: 20, maxMs: 100 } },
    overrides: {
      chargers: [
        { id: 'CP-1', password: SECRETS.cp1, connectors: 2 },
        { id: 'CP-2', password: SECRETS.cp2, connectors: 1, phases: 1, phaseRotation: 'L2' },
      ],
      upstream: upstreamSection(cloud.url, { password: SECRETS.cloud }),
      meter: { model: 'sdm630', transport: 'tcp', host: meter.host, port: meter.port, unitId: 1, pollIntervalMs: 200, timeoutMs: 400, staleAfterMs: 2000 },
      mqtt: { url: broker.url, username: 'site', password: SECRETS.mqtt, homeAssistant: {} },
      web: { listen: { host, port: 0 }, users: [{ name: 'installer', password: SECRETS.web }] },
    },
  });
  stops.push(() => site.stop());
  const url = `http://${host}:${site.daemon.web!.port}/`;

  const cp1 = new SimCharger({ url: site.url, id: 'CP-1', password: SECRETS.cp1, connectors: 2 });
  stops.push(() => cp1.close());
  await cp1.connect();
  await cp1.boot();
  await cp1.status(1, 'Available');
  // CP-2 comes with the wrong password: refused, and the page says why.
  const cp2 = new SimCharger({ url: site.url, id: 'CP-2', password: 'not-the-password', connectors: 1 });
  await assert.rejects(cp2.connect(), /401/);

  const browser = await launchBrowser();
  stops.push(() => browser.close());
  const page = await browser.context.newPage();
  const bodies: Array<{ url: string; body: string }> = [];
  page.on('response', (r) => {
    if (r.url().endsWith('/api/events')) return; // a stream: checked below from its frames
    void r.text().then((body) => bodies.push({ url: r.url(), body }), () => {});
  });

  // Login beyond loopback (or on loopback when the machine has no other address): the form first.
  await page.goto(url);
  await page.waitForSelector('#login:not([hidden])', { timeout: 10_000 });
  await page.fill('input[name=name]', 'installer');
  await page.fill('input[name=password]', 'wrong');
  await page.click('#login button[type=submit]');
  await page.waitForFunction(() => document.getElementById('login-error')!.textContent!.includes('wrong name or password'), undefined, { timeout: 10_000 });
  await page.fill('input[name=password]', SECRETS.web);
  await page.click('#login button[type=submit]');
  await page.waitForSelector('#main:not([hidden])', { timeout: 10_000 });
  await page.waitForFunction(() => document.getElementById('live')!.textContent === 'live', undefined, { timeout: 10_000 });

  const text = (sel: string) => page.locator(sel).innerText();
  assert.equal(await text('#site'), 'test-site');
  // Chargers: CP-1 connected; CP-2 refused for its password.
  await page.waitForFunction(() => document.querySelector('[data-charger="CP-1"]')?.textContent?.includes('connected'), undefined, { timeout: 10_000 });
  const cp2Text = await text('[data-charger="CP-2"]');
  assert.match(cp2Text, /not connected/);
  assert.match(cp2Text, /Refused .*password.*wrong password/s);
  // The cloud link is up, the meter is read.
  await page.waitForFunction(() => document.getElementById('cloud-state')!.textContent === 'connected', undefined, { timeout: 15_000 });
  await page.waitForFunction(() => document.getElementById('grid')!.textContent!.includes('5 A'), undefined, { timeout: 10_000 });

  // A transaction started by a charger appears within a second of the daemon accepting it.
  await cp1.status(1, 'Preparing');
  const started = cp1.startTransaction(1, 'TAG-E2E', 1000);
  await started;
  await page.waitForFunction(() => document.querySelector('[data-charger="CP-1"]')?.textContent?.includes('TAG-E2E'), undefined, { timeout: 1000 });
  await page.waitForFunction(() => document.getElementById('events')!.textContent!.includes('transaction'), undefined, { timeout: 5000 });

  // The meter changes: the numbers move.
  meter.baseA = [21, 22, 23];
  await page.waitForFunction(() => /22 A/.test(document.getElementById('grid')!.textContent!), undefined, { timeout: 10_000 });

  // Commissioning: probe the meter through the daemon's meter service.
  await page.click('#probe-meter');
  await page.waitForFunction(() => /Meter probe\s*done/.test(document.getElementById('probe-result')!.textContent!), undefined, { timeout: 10_000 });
  assert.match(await text('#probe-result'), /currentA/);

  await mkdirOk();
  await page.screenshot({ path: join(ARTIFACTS, 'web.png'), fullPage: true });

  // The cloud goes down: the page says so.
  await cloud.goDown();
  await page.waitForFunction(() => document.getElementById('cloud-state')!.textContent !== 'connected', undefined, { timeout: 15_000 });
  assert.match(await text('#cloud-state'), /.+/);

  // Phone width: readable without sideways scrolling of the page.
  await page.setViewportSize({ width: 390, height: 844 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow} px on a phone`);
  await page.screenshot({ path: join(ARTIFACTS, 'web-phone.png'), fullPage: true });

  // No secret of the config in anything the page loaded, the API, or the live stream.
  const cookieHeader = (await browser.context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
  const api = await req(`${url}api/status`, { headers: { cookie: cookieHeader } });
  assert.equal(api.status, 200);
  const stream = await sse(`${url}api/events`, { cookie: cookieHeader });
  await stream.next(() => true, 0, 'a status frame for the secret check');
  stream.close();
  const all = [...bodies, { url: 'api/status', body: api.text }, { url: 'api/events', body: JSON.stringify(stream.frames) }];
  assert.ok(bodies.some((b) => b.url.endsWith('/app.js')) && bodies.some((b) => b.url.endsWith('/api/session')), 'the page loaded its files and API');
  for (const { url: u, body } of all) for (const [name, secret] of Object.entries(SECRETS)) assert.ok(!body.includes(secret), `${name}'s secret is in ${u}`);
  assert.equal(broker.running, true);
});

async function mkdirOk(): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
}

test('the page recovers by itself when the daemon restarts, still logged in', async (t) => {
  const stops: Array<() => Promise<unknown> | unknown> = [];
  t.after(async () => {
    for (const s of stops.reverse()) await s();
  });
  const web = (port: number) => ({ web: { listen: { host: '127.0.0.1', port }, users: [{ name: 'installer', password: SECRETS.web }] } });
  let site = await startSite({ logLevel: 'warn', overrides: web(0) });
  const port = site.daemon.web!.port;
  const dir = site.dir;
  let current = site;
  stops.push(() => rmSync(dir, { recursive: true, force: true }));
  stops.push(() => current.stop());
  const browser = await launchBrowser({ width: 1024, height: 768 });
  stops.push(() => browser.close());
  const page = await browser.context.newPage();
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.waitForSelector('#login:not([hidden])', { timeout: 10_000 });
  await page.fill('input[name=name]', 'installer');
  await page.fill('input[name=password]', SECRETS.web);
  await page.click('#login button[type=submit]');
  await page.waitForFunction(() => document.getElementById('live')!.textContent === 'live', undefined, { timeout: 10_000 });
  assert.match(await page.locator('#updated').innerText(), /daemon up/);
  // Same store, same port: what a systemd restart does.
  await site.daemon.stop();
  await page.waitForFunction(() => document.getElementById('live')!.textContent === 'reconnecting', undefined, { timeout: 10_000 });
  site = await startSite({ dir, logLevel: 'warn', overrides: web(port) });
  current = site;
  await page.waitForFunction(() => document.getElementById('live')!.textContent === 'live', undefined, { timeout: 20_000 });
  assert.equal(await page.locator('#login').isHidden(), true, 'no new login needed');
  assert.equal(await page.locator('#site').innerText(), 'test-site');
});
