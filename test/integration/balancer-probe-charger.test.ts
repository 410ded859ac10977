// Issue 13 item 6: `probe charger ID` against simulated chargers of each kind (1.6 taking
// everything, W only, no smart charging at all, 2.0.1), over the control socket and the CLI.
// The report is stored, orders the balancer's ladder and shows in status.
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startSite, testConfigObject, writeConfig } from '../helpers/daemon.js';
import { CLI } from '../helpers/child.js';
import { SimCharger, type SimChargerOptions } from '../../scripts/sim/charger-sim.js';
import { controlSocketPath, queryControl } from '../../daemon/control/server.js';
import { renderSnapshot } from '../../daemon/control/render.js';
import type { ProbeReport } from '../../daemon/balancer/probe.js';
import type { BalancerEvent } from '../../daemon/balancer/events.js';
import { until } from '../helpers/until.js';

const run = promisify(execFile);
const KINDS: Record<string, Partial<SimChargerOptions>> = {
  'CP-ALL': {},
  'CP-W': { allowedRateUnits: 'Power' },
  'CP-NONE': { smartCharging: false },
  'CP-201': { protocol: 'ocpp2.0.1' },
};

test('probe charger: each kind of charger gets an honest report; what was there stays; the ladder and status use it', { timeout: 90_000 }, async (t) => {
  const ids = Object.keys(KINDS);
  const site = await startSite({
    logLevel: 'warn',
    overrides: {
      chargers: ids.map((id) => ({ id, password: `pw-${id}`, connectors: 1, phases: 3, maxCurrentA: 16 })),
      balancer: { increaseIntervalS: 0.2, carReactionS: 0.2 },
    },
  });
  t.after(() => site.stop());
  const events: BalancerEvent[] = [];
  const balancer = site.daemon.balancer!;
  balancer.on('event', (e) => events.push(e));
  const sims = new Map(ids.map((id) => [id, new SimCharger({ url: site.url, id, password: `pw-${id}`, connectors: 1, phases: 3, maxCurrentA: 16, ...KINDS[id] })]));
  t.after(() => Promise.all([...sims.values()].map((s) => s.close())));
  for (const s of sims.values()) {
    await s.connect();
    await s.boot();
  }
  await until(() => balancer.state().chargers.filter((c) => c.managed || c.unbalanceable).length === 4, { label: 'all four chargers known to the balancer' }, [balancer, 'state']);
  const all = sims.get('CP-ALL')!;
  await all.plugIn(1);
  await all.startCharging(1, 'TAG');
  await until(() => all.connectors.get(1)!.limitA === 16, { label: 'CP-ALL/1 limited to 16 A' }, [all, 'limit']);
  const before = all.profiles.list().map((p) => p.profile.chargingProfileId).sort();

  // Over the control socket, as the CLI does.
  const sock = controlSocketPath(site.dbPath);
  const r = (await queryControl(sock, 'probe-charger', 60_000, { id: 'CP-ALL' })) as ProbeReport;
  assert.deepEqual(r.accepted.map((s) => `${s.form}/${s.unit}`), ['connector/A', 'connector/W', 'charger/A', 'charger/W', 'transaction/A', 'transaction/W']);
  assert.equal(r.keys.ChargeProfileMaxStackLevel, '10');
  assert.ok(r.measurands.includes('Current.Import'));
  // Harmless: each try carried the minimum (6 A) for the charging session, never more than it had.
  assert.ok(r.tries.filter((x) => x.unit === 'A').every((x) => x.limit === 6), JSON.stringify(r.tries));
  assert.ok(r.tries.every((x) => x.cleared === 'Accepted'), 'every probe profile cleared again');
  assert.deepEqual(all.profiles.list().map((p) => p.profile.chargingProfileId).sort(), before, 'the balancer\'s profiles are what is left');
  assert.equal(all.connectors.get(1)!.limitA, 16);

  const w = await site.daemon.probeCharger('CP-W') as ProbeReport;
  assert.deepEqual(w.accepted.map((s) => `${s.form}/${s.unit}`), ['connector/W', 'charger/W'], 'W only; TxProfile untested without a session');
  assert.match(w.summary, /TxProfile not tested/);
  const none = await site.daemon.probeCharger('CP-NONE') as ProbeReport;
  assert.deepEqual(none.accepted, []);
  assert.ok(none.tries.filter((x) => !x.result.startsWith('skipped')).every((x) => x.result.startsWith('NotSupported')));
  assert.match(none.summary, /accepts no profile form/);
  const v201 = await site.daemon.probeCharger('CP-201') as ProbeReport;
  assert.equal(v201.protocol, 'ocpp2.0.1');
  assert.deepEqual(v201.accepted.map((s) => `${s.form}/${s.unit}`), ['connector/A', 'connector/W', 'charger/A', 'charger/W']);

  // The balancer uses the reports: CP-NONE is unbalanceable at once (and says why), CP-W starts in W.
  await until(() => balancer.state().chargers.find((c) => c.chargerId === 'CP-NONE')?.unbalanceable, { label: 'CP-NONE unbalanceable from its probe' }, [balancer, 'state']);
  assert.ok(events.some((e) => e.type === 'charger-unbalanceable' && e.chargerId === 'CP-NONE' && /probe/.test(e.detail ?? '')));
  await until(() => balancer.state().chargers.find((c) => c.chargerId === 'CP-W')?.unit === 'W', { label: 'CP-W balanced in W' }, [balancer, 'state']);
  // Status shows each charger's report summary.
  const text = renderSnapshot(site.daemon.snapshot());
  assert.match(text, /CP-NONE: probed .*accepts no profile form/);
  assert.match(text, /CP-ALL: probed .*accepts connector\/A/);

  // The CLI, as an installer runs it (a config that points at the same store).
  const cfg = writeConfig(site.dir, testConfigObject(site.dir, { store: { path: site.dbPath } }));
  const out = await run(process.execPath, [CLI, 'probe', 'charger', 'CP-W', '-c', cfg], { timeout: 60_000 });
  assert.match(out.stdout, /charger CP-W \(ocpp1\.6\)/);
  assert.match(out.stdout, /connector +A stack \d+ .*: Rejected/);
  assert.match(out.stdout, /balancer will use: connector\/W > charger\/W/);
  // Garbage: an unknown charger, and no id at all.
  const unknown = await run(process.execPath, [CLI, 'probe', 'charger', 'CP-NOPE', '-c', cfg]).catch((e) => e);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /charger CP-NOPE is not connected/);
  const noId = await run(process.execPath, [CLI, 'probe', 'charger', '-c', cfg]).catch((e) => e);
  assert.equal(noId.code, 2);
  assert.match(noId.stderr, /probe charger needs a charger id/);
});
