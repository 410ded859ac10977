// Issue 13 item 1, for real: the daemon process is killed (SIGKILL) while two of six
// connectors charge; what the chargers are left with is their own dead man's switch. The
// shares follow sessions, so both cars keep charging at ≥ 6 A (16 A over 2 sessions: 8 A
// each); the idle connectors carry 0 A. Before issue 13 the 16 A were split over all six
// connectors (2.7 A: below the minimum, so 0 A) and both cars stopped.
import test from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { makeTempDir, testConfigObject, writeConfig } from '../helpers/daemon.js';
import { spawnDaemon } from '../helpers/child.js';
import { SimCharger } from '../../scripts/sim/charger-sim.js';
import { until } from '../helpers/until.js';

const HOUR = 3_600_000;

test('daemon killed while two of six connectors charge: both keep >= 6 A by their fallback, idle connectors 0 A', { timeout: 60_000 }, async (t) => {
  const dir = makeTempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const ids = ['CP-A', 'CP-B', 'CP-C'];
  const file = writeConfig(dir, testConfigObject(dir, {
    log: { level: 'info' },
    site: { id: 'kill-site', grid: { maxCurrentA: 63, safetyMarginA: 2 } },
    chargers: ids.map((id) => ({ id, password: `pw-${id}-0123456789`, connectors: 2, phases: 3, maxCurrentA: 32 })),
    // A short validity so the test need not wait two minutes for the dynamic limits to lapse.
    balancer: { fallbackBudgetA: 16, profileValidityS: 3, increaseIntervalS: 0.3, carReactionS: 0.3 },
  }));
  const daemon = await spawnDaemon(file);
  t.after(() => daemon.kill('SIGKILL'));
  const url = `ws://127.0.0.1:${daemon.port}/ocpp`;
  const sims = ids.map((id) => new SimCharger({ url, id, password: `pw-${id}-0123456789`, connectors: 2, phases: 3, maxCurrentA: 32 }));
  t.after(() => Promise.all(sims.map((s) => s.close())));
  const [a, b] = [sims[0]!, sims[1]!];
  for (const s of sims) {
    await s.connect();
    await s.boot();
  }
  for (const s of [a, b]) {
    await s.plugIn(1);
    await s.startCharging(1, 'TAG');
  }
  /** The limit a charger applies on its own at t, from the profiles it holds. */
  const fallbackOf = (s: SimCharger, c: number) => s.profiles.limitAt(c, Date.now() + HOUR);
  // Wait until both chargers hold their share for the session, and the third its 0 A.
  await until(() => fallbackOf(a, 1) === 8 && fallbackOf(b, 1) === 8 && fallbackOf(sims[2]!, 1) === 0, {
    label: `dead man's switch shares 8/8/0 A (now ${fallbackOf(a, 1)}/${fallbackOf(b, 1)}/${fallbackOf(sims[2]!, 1)})`,
  }, [a, 'call'], [b, 'call'], [sims[2]!, 'call']);
  await until(() => a.connectors.get(1)!.limitA! > 8 && b.connectors.get(1)!.limitA! > 8, { label: 'both sessions at their dynamic limit' }, [a, 'limit'], [b, 'limit']);

  const gone = await daemon.kill('SIGKILL');
  assert.equal(gone.signal, 'SIGKILL');
  // Nobody refreshes the dynamic limits now: each charger falls to its own switch when they lapse.
  await until(() => a.connectors.get(1)!.limitA === 8 && b.connectors.get(1)!.limitA === 8, {
    label: `both sessions on their fallback (now ${a.connectors.get(1)!.limitA} / ${b.connectors.get(1)!.limitA} A)`, timeoutMs: 20_000,
  }, [a, 'limit'], [b, 'limit']);
  for (const s of [a, b]) {
    const conn = s.connectors.get(1)!;
    assert.ok(conn.drawA >= 6, `${s.id}/1 keeps charging at ${conn.drawA} A`);
  }
  // The phase sum of every fallback on the site stays within the 16 A budget; idle connectors get 0 A.
  const all = sims.flatMap((s) => [1, 2].map((c) => fallbackOf(s, c) ?? 0));
  assert.equal(all.reduce((x, y) => x + y, 0), 16);
  assert.deepEqual(all, [8, 0, 8, 0, 0, 0]);
});
