// A site with a cloud for upstream tests: the simulated cloud CSMS, a daemon whose
// upstream points at it (fast reconnects), and simulated chargers.
import { CloudSim } from '../../scripts/sim/cloud-sim.js';
import { SimCharger } from '../../scripts/sim/charger-sim.js';
import type { EventEmitter } from 'node:events';
import { rmSync } from 'node:fs';
import { startSite, makeTempDir, type TestSite } from './daemon.js';
import { until, within, DEFAULT_WAIT_MS } from './until.js';

export const IDENTITY = 'SITE-1';

export interface CloudSite {
  cloud: CloudSim;
  site: TestSite;
  charger(id: 'CP-1' | 'CP-2' | 'CP-3', opts?: Partial<ConstructorParameters<typeof SimCharger>[0]>): Promise<SimCharger>;
  stop(): Promise<void>;
}

export function upstreamSection(cloudUrl: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    url: cloudUrl, identity: IDENTITY, password: 'cloud-secret',
    reconnect: { minS: 0.05, maxS: 0.2 }, handshakeTimeoutS: 2, callTimeoutS: 2, authorizeTimeoutS: 1, pingIntervalS: 0,
    ...extra,
  };
}

export const THREE_CHARGERS = [
  { id: 'CP-1', password: 'secret-1', connectors: 2 },
  { id: 'CP-2', password: 'secret-2', connectors: 1, phases: 1, phaseRotation: 'L2' },
  { id: 'CP-3', password: 'secret-3', connectors: 1 },
];

/** `cloud`: a running simulator of either version (a 2.0.1 one: keep your own reference to it; `site.cloud` is typed for 1.6). */
export async function startCloudSite(opts: { upstream?: Record<string, unknown>; dir?: string; chargers?: unknown[]; cloud?: { url: string }; overrides?: Record<string, unknown> } = {}): Promise<CloudSite> {
  // 'reset' outages keep the port, so a parallel test cannot take it while the cloud is down.
  const cloud = (opts.cloud as CloudSim | undefined) ?? new CloudSim({ identities: { [IDENTITY]: 'cloud-secret' }, outage: 'reset' });
  if (!opts.cloud) await cloud.start();
  const site = await startSite({
    dir: opts.dir,
    logLevel: 'info',
    overrides: { ...opts.overrides, upstream: upstreamSection(cloud.url, opts.upstream), chargers: opts.chargers ?? THREE_CHARGERS },
  });
  const sims: SimCharger[] = [];
  return {
    cloud,
    site,
    async charger(id, extra = {}) {
      const n = Number(id.slice(3));
      const sim = new SimCharger({ url: site.url, id, password: `secret-${n}`, connectors: n === 1 ? 2 : 1, ...extra });
      sims.push(sim);
      await sim.connect();
      await sim.boot();
      return sim;
    },
    async stop() {
      await Promise.all(sims.map((s) => s.close().catch(() => {})));
      await site.stop();
      if (!opts.cloud) await cloud.stop();
    },
  };
}

/** Runs a whole transaction on a simulated charger: start, `meters` MeterValues, stop. Returns the local id. */
export async function runTransaction(sim: SimCharger, connectorId: number, idTag: string, meters = 2): Promise<number> {
  const start = await sim.startTransaction(connectorId, idTag, 1000);
  const tx = start.transactionId as number;
  for (let i = 1; i <= meters; i++) await sim.meterValues(connectorId, tx, { energyWh: 1000 + i * 100, currentA: 16 });
  await sim.stopTransaction(tx, 1000 + (meters + 1) * 100, { reason: 'EVDisconnected' });
  return tx;
}

/** Resolves once the site's outbox is empty (the cloud answered and the answer is recorded); bounded. */
export function drained(
  service: { state(): { outboxDepth: number }; on(e: 'state', fn: (st: { outboxDepth: number }) => void): unknown; off(e: 'state', fn: (st: { outboxDepth: number }) => void): unknown },
  timeoutMs = DEFAULT_WAIT_MS,
): Promise<void> {
  return until(() => service.state().outboxDepth === 0, { label: "the site's outbox to drain (outboxDepth 0)", timeoutMs }, [service as unknown as EventEmitter, 'state']).then(() => undefined);
}

/**
 * A cloud and a store directory that outlive the site, for tests that restart the daemon
 * on the same SQLite file. Everything is stopped and removed after the test.
 */
export async function restartableCloudSite(t: { after(fn: () => Promise<void>): void }): Promise<{ cloud: CloudSim; dir: string; start(): Promise<CloudSite> }> {
  const dir = makeTempDir();
  const cloud = new CloudSim({ identities: { [IDENTITY]: 'cloud-secret' }, outage: 'reset' });
  await cloud.start();
  let current: CloudSite | undefined;
  t.after(async () => {
    await current?.stop();
    await cloud.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    cloud,
    dir,
    async start() {
      await current?.stop();
      current = await startCloudSite({ dir, cloud });
      return current;
    },
  };
}

/** The next CALL `action` the site sends to `sim` (attach before the command that causes it); bounded. */
export function nextCallAt(sim: SimCharger, action: string): Promise<any> {
  let on: (a: string, payload: any) => void = () => {};
  const p = new Promise((resolve) => {
    on = (a: string, payload: any) => {
      if (a !== action) return;
      sim.off('call', on);
      resolve(payload);
    };
    sim.on('call', on);
  });
  return within(p, `${action} from the site at ${sim.id}`).finally(() => sim.off('call', on));
}

/**
 * One session on a simulated charger of either version; registers base, base+1.., base+100 at
 * the stop. `ack` gets each register once the site answered the message carrying it.
 */
export async function chargeSession(sim: SimCharger, c: number, idTag: string, base: number, meters: number, ack: (v: number) => void): Promise<void> {
  const res = await sim.startTransaction(c, idTag, base);
  ack(base);
  const handle = sim.v201 ? sim.connectors.get(c)!.transactionId! : res.transactionId;
  for (let k = 1; k <= meters; k++) await sim.meterValues(c, handle, { energyWh: base + k }).then(() => ack(base + k));
  await sim.stopTransaction(handle, base + 100, { reason: 'EVDisconnected' });
  ack(base + 100);
}
