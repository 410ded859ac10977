// The OCPP frame trace an operator turns on with `log.levels: { ocpp: trace }` to
// diagnose an interop problem: every frame in and out, local chargers and the cloud link,
// one line each with who sent it, secrets hidden; and nothing of it at the normal level.
import test, { type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { CloudSim } from '../../scripts/sim/cloud-sim.js';
import { SimCharger } from '../../scripts/sim/charger-sim.js';
import { startSite, type TestSite } from '../helpers/daemon.js';
import { upstreamSection, IDENTITY } from '../helpers/upstream-site.js';
import { until } from '../helpers/until.js';
import type { LogLevel } from '../../daemon/log.js';

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const limit = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)));
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

const CHARGER_KEY = 'charger-auth-key-0123456789abcdef';
const CLOUD_KEY = 'cloud-sets-this-key-fedcba9876543210';

/** A site with a cloud and CP-1 booted; then a ChangeConfiguration AuthorizationKey each way. */
async function run(t: TestContext, log: { level: LogLevel; levels?: Record<string, LogLevel> }): Promise<TestSite> {
  const cloud = new CloudSim({ identities: { [IDENTITY]: 'cloud-secret' } });
  await cloud.start();
  t.after(() => cloud.stop());
  const site = await startSite({ logLevel: log.level, overrides: { upstream: upstreamSection(cloud.url), log } });
  const sim = new SimCharger({ url: site.url, id: 'CP-1', password: 'secret-1', connectors: 2 });
  t.after(async () => {
    await sim.close();
    await site.stop();
  });
  const service = site.daemon.upstream!.service;
  await within(until(() => service.online, [service, 'state']), 5000, 'the cloud link to come up');
  await within(sim.connect().then(() => sim.boot()), 5000, 'CP-1 to boot');
  const session = site.daemon.registry.get('CP-1')!;
  await within(session.send('ChangeConfiguration', { key: 'AuthorizationKey', value: CHARGER_KEY }), 5000, 'CP-1 to answer ChangeConfiguration');
  await within(cloud.changeConfiguration(IDENTITY, 'AuthorizationKey', CLOUD_KEY), 5000, 'the site to answer the cloud\'s ChangeConfiguration');
  return site;
}

const frames = (logs: string[]) => logs.filter((l) => l.startsWith('trace ocpp: '));

test('ocpp: trace prints every frame in and out with the charger id or "cloud", secrets redacted', async (t) => {
  const site = await run(t, { level: 'info', levels: { ocpp: 'trace' } });
  const lines = frames(site.logs);
  const cp1 = lines.filter((l) => / charger=CP-1$/.test(l));
  const boot = cp1.find((l) => l.startsWith('trace ocpp: in [2,') && l.includes('"BootNotification"'));
  assert.ok(boot, `the BootNotification from CP-1 is traced:\n${lines.join('\n')}`);
  const bootId = JSON.parse(boot.slice('trace ocpp: in '.length, boot.lastIndexOf(' charger='))) [1];
  assert.ok(cp1.some((l) => l.startsWith(`trace ocpp: out [3,"${bootId}",{`) && l.includes('"status":"Accepted"')), 'the answer to that Boot is traced as out, same id');

  // Site -> charger: the key is named, its value is not.
  const change = cp1.find((l) => l.startsWith('trace ocpp: out [2,') && l.includes('"ChangeConfiguration"'));
  assert.ok(change, 'the ChangeConfiguration to CP-1 is traced');
  assert.match(change, /"key":"AuthorizationKey","value":"\*\*\*"/);

  // Cloud -> site, on the upstream link.
  const cloudLines = lines.filter((l) => / peer=cloud$/.test(l));
  assert.ok(cloudLines.some((l) => l.startsWith('trace ocpp: out [2,') && l.includes('"BootNotification"')), 'the site\'s own Boot to the cloud is traced');
  const fromCloud = cloudLines.find((l) => l.startsWith('trace ocpp: in [2,') && l.includes('"ChangeConfiguration"'));
  assert.ok(fromCloud, `the cloud's ChangeConfiguration is traced:\n${cloudLines.join('\n')}`);
  assert.match(fromCloud, /"key":"AuthorizationKey","value":"\*\*\*"/);

  const all = site.logs.join('\n');
  for (const secret of [CHARGER_KEY, CLOUD_KEY, 'secret-1', 'cloud-secret']) assert.ok(!all.includes(secret), `${secret} appears nowhere in the log`);
  // The rest of the daemon stays at info.
  assert.ok(!site.logs.some((l) => l.startsWith('debug ') || (l.startsWith('trace ') && !l.startsWith('trace ocpp: '))), 'only ocpp is at trace');
});

test('at info no frame is printed', async (t) => {
  const site = await run(t, { level: 'info' });
  assert.ok(site.logs.some((l) => l.startsWith('info local: connected')), 'the run did log at info');
  assert.deepEqual(site.logs.filter((l) => /^trace |\[2,"/.test(l)), []);
});

test('log.level: trace turns the frame trace on for every component', async (t) => {
  const site = await run(t, { level: 'trace' });
  assert.ok(frames(site.logs).some((l) => l.includes('"BootNotification"') && l.endsWith(' charger=CP-1')));
});
