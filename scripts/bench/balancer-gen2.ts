// Issue 13 figures, each beside its baseline from the same run:
// - SetChargingProfile per connector per minute on a steady site: the daemon's own plan() and
//   ChargerProfiles on a simulated clock for 10 minutes (meter noise ± 0.3 A), the default
//   validity against the old one (5 s: 5 meter periods);
// - first non-zero limit after StartTransaction: a real daemon on loopback, 1 s meter polls,
//   25 sessions (the old figure, measured on the fleet before, printed as a labelled constant);
// - fallback current per active session when the daemon dies (16 A fallback, 20 connectors):
//   fallbackShares() against the old per-connector split.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { parseConfig } from '../../daemon/config/load.js';
import { createDaemon } from '../../daemon/main.js';
import { silentLogger } from '../../daemon/log.js';
import { plan, type PlanConnector } from '../../daemon/balancer/plan.js';
import { fallbackShares } from '../../daemon/balancer/limits.js';
import { ChargerProfiles } from '../../daemon/balancer/sender.js';
import { profileLadder, stackLevels, unitsFor } from '../../daemon/balancer/profiles.js';
import { DEFAULT_PROFILE_VALIDITY_S } from '../../daemon/balancer/service.js';
import type { PerPhase } from '../../daemon/balancer/phases.js';
import { SimCharger } from '../sim/charger-sim.js';
import { MeterSim } from '../sim/meter-sim.js';
import { report, percentile, freePort, connectConfigured } from './lib.js';

/** Profiles per connector per minute over 10 simulated minutes of a steady site with meter noise. */
async function steadyProfiles(validityS: number): Promise<number> {
  const N = 12;
  let t = Date.parse('2026-03-01T12:00:00Z');
  let sent = 0;
  const ctls = Array.from({ length: N }, (_, i) => new ChargerProfiles(
    {
      chargerId: `S${i}`, ladder: profileLadder(null), fallbackUnits: unitsFor(null), stack: stackLevels({ fallback: 0, dynamic: 1 }, 10),
      chargerPhases: 3, nominalVoltageV: 230, validityS, rules: { increaseIntervalMs: 5000, minIncreaseA: 1 }, carReactionMs: 5000,
    },
    { send: async () => (sent++, { status: 'Accepted' as const }), now: () => t, log: silentLogger, event: () => {} },
  ));
  let seed = 7;
  const noise = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5) * 0.6;
  let held: PerPhase | null = null;
  const flush = async () => {
    for (let i = 0; i < 4; i++) await new Promise((r) => setImmediate(r));
  };
  const step = async (count: boolean) => {
    const before = sent;
    const conns: PlanConnector[] = ctls.map((c, i) => ({
      key: `S${i}/1`, wiring: { phases: 3, phaseRotation: 'L1L2L3' }, maxCurrentA: 32, priority: 0, charging: true, sessionStartedAt: 0,
      measuredA: null, limit: c.limitRange(1), managed: true,
    }));
    // 12 cars at their share of (250 − 2 − 40) A, plus 40 A of house load with noise.
    const ev = conns.reduce((s, c) => s + (c.limit?.highA ?? 0), 0);
    const meter: PerPhase = [40 + ev + noise(), 40 + ev + noise(), 40 + ev + noise()];
    const p = plan({
      gridMaxA: 250, marginA: 2, fallbackBudgetA: 16, minCurrentA: 6, minPauseMs: 60_000, source: { kind: 'meter', currentA: meter },
      connectors: conns, now: t, heldNonEvA: held,
    });
    held = p.trustedNonEvA;
    ctls.forEach((c, i) => c.update(new Map([[1, { wantA: p.limitsA.get(`S${i}/1`) ?? 0, charging: true, transactionId: 1, phases: 3, holdIncrease: p.increaseHeld.has(`S${i}/1`) }]]), 8));
    await flush();
    if (!count) sent = before;
  };
  for (let s = 0; s < 120; s++, t += 1000) await step(false); // settle
  sent = 0;
  for (let s = 0; s < 600; s++, t += 1000) await step(true);
  return sent / N / 10;
}

/** Seconds from StartTransaction to the first non-zero limit, over 25 sessions on a daemon with 1 s meter polls. */
async function admission(): Promise<number[]> {
  const dir = mkdtempSync(join(tmpdir(), 'sc-bench-adm-'));
  const N = 25;
  const meter = await MeterSim.start({ baseA: [20, 20, 20] });
  const config = parseConfig(stringify({
    site: { id: 'bench-adm', grid: { maxCurrentA: 1000, safetyMarginA: 5 } },
    local: { listen: { host: '127.0.0.1', port: await freePort() }, pingIntervalS: 0 },
    chargers: Array.from({ length: N }, (_, i) => ({ id: `F${i}`, password: 'pw', connectors: 1, phases: 3, maxCurrentA: 16 })),
    meter: { model: 'sdm630', transport: 'tcp', host: meter.host, port: meter.port, pollIntervalMs: 1000, timeoutMs: 500, staleAfterMs: 5000 },
    store: { path: join(dir, 'site.db') },
    log: { level: 'error' },
  }), 'bench.yaml');
  const daemon = createDaemon(config, { log: silentLogger });
  await daemon.start();
  const sims = Array.from({ length: N }, (_, i) => new SimCharger({ url: `ws://127.0.0.1:${daemon.local.port}/ocpp`, id: `F${i}`, password: 'pw', connectors: 1, maxCurrentA: 16 }));
  try {
    await connectConfigured(daemon.registry, sims);
    sims.forEach((s) => meter.attach(s, 'L1L2L3'));
    const out: number[] = [];
    for (const s of sims) {
      await s.plugIn(1);
      // Sessions start at random points of the meter's 1 s cycle.
      await new Promise((r) => setTimeout(r, Math.random() * 1000));
      const t0 = performance.now();
      const first = new Promise<void>((resolve) => {
        const on = (_c: number, a: number | null) => a !== null && a > 0 && (s.off('limit', on), resolve());
        s.on('limit', on);
      });
      await s.startCharging(1, 'TAG');
      await first;
      out.push((performance.now() - t0) / 1000);
    }
    return out;
  } finally {
    await Promise.all(sims.map((s) => s.close().catch(() => {})));
    await daemon.stop();
    await meter.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function fallbackPerSession(): void {
  const CONNECTORS = 20;
  for (const n of [2, 6, 20]) {
    const shares = fallbackShares(Array.from({ length: CONNECTORS }, (_, i) => ({
      key: `C${i}`, wiring: { phases: 3, phaseRotation: 'L1L2L3' as const }, maxCurrentA: 32, priority: 0, sessionStartedAt: i, session: i < n,
    })), 16, 6);
    const active = [...shares.entries()].filter(([k]) => Number(k.slice(1)) < n).map(([, a]) => a);
    const charging = active.filter((a) => a > 0);
    // Before issue 13: 16 A / 20 connectors = 0.8 A, below the 6 A minimum, so 0 A for every one.
    const old = 16 / CONNECTORS >= 6 ? Math.floor((16 / CONNECTORS) * 10) / 10 : 0;
    report(`balancer.fallback_${n}_sessions_mean`, active.reduce((s, a) => s + a, 0) / n, 'A/session');
    report(`balancer.fallback_${n}_sessions_charging`, charging.length, 'sessions');
    report(`balancer.fallback_${n}_sessions_mean_before`, old, 'A/session');
  }
}

export async function benchBalancerGen2(): Promise<void> {
  fallbackPerSession();
  report('balancer.steady_profiles_per_connector_minute', await steadyProfiles(DEFAULT_PROFILE_VALIDITY_S), 'profiles');
  report('balancer.steady_profiles_per_connector_minute_old_validity_5s', await steadyProfiles(5), 'profiles');
  const adm = await admission();
  report('balancer.first_limit_after_start_p50', percentile(adm, 50), 's');
  report('balancer.first_limit_after_start_max', Math.max(...adm), 's');
  // Measured on the simulator fleet before issue 13 (see issue 13 item 8); the old code cannot run here.
  report('balancer.first_limit_after_start_p50_before_constant', 5, 's');
  report('balancer.first_limit_after_start_max_before_constant', 12.5, 's');
}
