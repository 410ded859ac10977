// The seeded chaos run (issue 8, "What must exist"): the daemon as a real child process,
// chargers that re-send what was not answered and reconnect without a BootNotification, a
// cloud that drops, comes back and is sometimes slower than upstream.callTimeoutS, and
// `kills` kill -9s of the daemon at seeded instants. At the end the site drains to the
// cloud and the verdict counts what the promises allow: nothing lost, nothing set aside,
// at most one duplicate per broken link and only the call in flight.
//
// Used by the short test in `npm test`, by `npm run test:chaos` (cli.ts) and by the bench.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import Database from 'better-sqlite3';
import { CloudSim } from '../sim/cloud-sim.js';
import { CloudSim201 } from '../sim/cloud201-sim.js';
import { spawnDaemon, type DaemonProcess } from '../../test/helpers/child.js';
import { queryControl, controlSocketPath } from '../../daemon/control/server.js';
import { mulberry32, fork, type Rng } from './prng.js';
import { ChaosCharger } from './charger.js';
import { ChaosCharger201 } from './charger201.js';
import { itemsOf, judgeLedger, verdictProblems, type Verdict } from './verdict.js';

export interface ChaosOptions {
  seed: number;
  kills: number;
  chargers?: number; // default 3, two connectors each
  /** How many of the chargers (the last ones) speak OCPP 2.0.1; default 0. */
  v201?: number;
  /** The OCPP version the site speaks to the cloud (default ocpp1.6); a 2.0.1 cloud's ledger is judged too. */
  cloudProtocol?: 'ocpp1.6' | 'ocpp2.0.1';
  /** The daemon's upstream.callTimeoutS; a slow cloud answers after 1.5 x this. */
  callTimeoutS?: number;
  /** Time between one restart and the next kill, ms (seeded within the range). */
  killEveryMs?: [number, number];
  /** Bound of the final drain (chargers to the site, the site to the cloud). */
  drainTimeoutMs?: number;
  /** Progress lines (one per kill); silent when absent. */
  log?: (line: string) => void;
}

const IDENTITY = 'CHAOS-SITE';
const CLOUD_PASSWORD = 'chaos-cloud-secret';

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Rejects after ms with a message naming what was awaited (no wait in the run is unbounded). */
function bounded<T>(p: Promise<T>, what: string, ms: number): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_, reject) => (t = setTimeout(() => reject(new Error(`chaos: timed out after ${ms} ms waiting for ${what}`)), ms)))]).finally(() => clearTimeout(t));
}

/** The timestamp a transaction message carries (when the charger produced it). */
function producedAt(action: string, p: any): number {
  const ts = action === 'MeterValues' ? p.meterValue?.[0]?.timestamp : p.timestamp;
  return ts ? Date.parse(ts) : NaN;
}

export async function runChaos(opts: ChaosOptions): Promise<Verdict> {
  const started = Date.now();
  const rng = mulberry32(opts.seed);
  const log = opts.log ?? (() => {});
  const callTimeoutS = opts.callTimeoutS ?? 1;
  const [killMin, killMax] = opts.killEveryMs ?? [150, 1500];
  const drainTimeoutMs = opts.drainTimeoutMs ?? 60_000;
  const dir = mkdtempSync(join(tmpdir(), 'sc-chaos-'));
  const dbPath = join(dir, 'site.db');
  const cloudProtocol = opts.cloudProtocol ?? 'ocpp1.6';
  const cloud = cloudProtocol === 'ocpp2.0.1'
    ? new CloudSim201({ identities: { [IDENTITY]: CLOUD_PASSWORD }, outage: 'reset' })
    : new CloudSim({ identities: { [IDENTITY]: CLOUD_PASSWORD }, outage: 'reset' });
  const connectedAt = new Map<number, number>();
  cloud.on('connect', (_id: string, n: number) => connectedAt.set(n, Date.now()));
  const chargerRngs: Rng[] = [];
  const chargers: Array<ChaosCharger | ChaosCharger201> = [];
  let daemon: DaemonProcess | undefined;
  let kills = 0;
  let cloudDrops = 0;
  let cloudDown = false;
  const killsByPhase: Record<string, number> = { online: 0, offline: 0, replay: 0 };
  const problems: string[] = [];
  try {
    await cloud.start();
    const n = opts.chargers ?? 3;
    const config = {
      site: { id: 'chaos-site' },
      local: { listen: { host: '127.0.0.1', port: 0 }, pingIntervalS: 0 },
      chargers: Array.from({ length: n }, (_, i) => ({ id: `CP-${i + 1}`, password: `secret-${i + 1}`, connectors: 2 })),
      store: { path: dbPath },
      log: { level: 'info' },
      upstream: {
        url: cloud.url, identity: IDENTITY, password: CLOUD_PASSWORD, protocol: cloudProtocol,
        reconnect: { minS: 0.05, maxS: 0.5 }, handshakeTimeoutS: 2, callTimeoutS, authorizeTimeoutS: 1, pingIntervalS: 0,
      },
    };
    const configFile = join(dir, 'config.yaml');
    // 0600: the config carries charger and cloud passwords (the daemon refuses one others can read).
    writeFileSync(configFile, stringify(config), { mode: 0o600 });
    const start = async () => {
      daemon = await bounded(spawnDaemon(configFile), 'the daemon to listen', 30_000);
      return `ws://127.0.0.1:${daemon.port}/ocpp`;
    };
    let url = await start();
    for (let i = 0; i < n; i++) {
      chargerRngs.push(fork(rng));
      // The last `v201` chargers speak 2.0.1: the site serves both behind the one 1.6 cloud.
      const Kind = i >= n - (opts.v201 ?? 0) ? ChaosCharger201 : ChaosCharger;
      chargers.push(new Kind(i + 1, `CP-${i + 1}`, `secret-${i + 1}`, 2, chargerRngs[i], url));
    }
    await bounded(Promise.all(chargers.map((c) => c.connect(url, true))), 'the chargers to connect', 30_000);
    for (const c of chargers) c.startSessions();

    // What the cloud is doing now: down, replaying a backlog on this connection, or live.
    const phase = (): string => {
      if (cloudDown || !cloud.connected(IDENTITY)) return 'offline';
      const conn = cloud.connectionCount;
      const since = connectedAt.get(conn) ?? 0;
      const last = [...cloud.received].reverse().find((c) => c.connection === conn && itemsOf(c.action, c.payload).length > 0);
      return last && producedAt(last.action, last.payload) < since ? 'replay' : 'online';
    };

    for (let k = 1; k <= opts.kills; k++) {
      // Cloud weather for this round.
      let cameBack = false;
      if (cloudDown && rng.chance(0.5)) {
        await cloud.comeBack();
        cloudDown = false;
        cameBack = true;
      } else if (!cloudDown && rng.chance(0.25)) {
        await cloud.goDown();
        cloudDown = true;
        cloudDrops++;
      }
      cloud.responseDelayMs = rng.chance(0.2) ? callTimeoutS * 1500 : rng.int(0, 30);
      // Right after the cloud returns the site replays its backlog: kill into it often.
      await delay(cameBack && rng.chance(0.6) ? rng.int(20, 400) : rng.int(killMin, killMax));
      const ph = phase();
      killsByPhase[ph]++;
      daemon!.proc.kill('SIGKILL');
      await bounded(daemon!.exited, 'the killed daemon to exit', 10_000);
      kills++;
      log(`kill ${k}/${opts.kills} phase=${ph} cloud=${cloudDown ? 'down' : cloud.responseDelayMs > callTimeoutS * 1000 ? 'slow' : 'up'}`);
      await delay(rng.int(0, 300)); // the chargers go on queueing meanwhile
      url = await start();
      await bounded(
        Promise.all(chargers.map(async (c, i) => {
          await delay(chargerRngs[i].int(0, 150));
          await c.connect(url, chargerRngs[i].chance(0.3));
        })),
        'the chargers to reconnect',
        30_000,
      );
    }

    // Drain: no new sessions, the cloud up and fast, everything answered.
    if (cloudDown) await cloud.comeBack();
    cloudDown = false;
    cloud.responseDelayMs = 0;
    await Promise.all(chargers.map((c) => c.finishSessions()));
    try {
      await Promise.all(chargers.map((c) => c.idle(drainTimeoutMs)));
    } catch (err) {
      problems.push((err as Error).message);
    }
    const accepted = chargers.flatMap((c) => c.accepted);
    const wanted = new Set(accepted.flat());
    const booked = () => {
      const have = new Set(cloud.received.flatMap((c) => itemsOf(c.action, c.payload)));
      return [...wanted].every((k) => have.has(k));
    };
    const outboxDepth = async () => ((await queryControl(controlSocketPath(dbPath), 'status')) as any)?.upstream?.outboxDepth as number;
    // The daemon is another process: ask it, and look again whenever the cloud books something.
    const deadline = Date.now() + drainTimeoutMs;
    let depth = await outboxDepth().catch(() => -1);
    while (!(booked() && depth === 0) && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, 250);
        function done() {
          clearTimeout(t);
          cloud.off('call', done);
          resolve();
        }
        cloud.on('call', done);
      });
      depth = await outboxDepth().catch(() => -1);
    }
    if (depth !== 0) problems.push(`the site's outbox did not drain within ${drainTimeoutMs} ms (depth ${depth})`);

    await Promise.all(chargers.map((c) => c.close()));
    await daemon!.kill('SIGTERM');
    daemon = undefined;
    const db = new Database(dbPath, { readonly: true });
    const setAside = (db.prepare(`SELECT COUNT(*) AS n FROM outbox WHERE state = 'undeliverable'`).get() as { n: number }).n;
    db.close();

    const figures = judgeLedger(accepted, cloud.received);
    const base = {
      seed: opts.seed, kills, chargers: chargers.length, cloudProtocol, v201: chargers.filter((c) => c instanceof ChaosCharger201).length, killsByPhase, cloudDrops,
      accepted: accepted.length, lost: figures.lost.length, duplicates: figures.duplicates,
      duplicatesUnexplained: figures.duplicatesUnexplained.length, setAside,
      refused: chargers.reduce((a, c) => a + c.refused, 0), seconds: (Date.now() - started) / 1000,
    };
    problems.push(...verdictProblems(base, figures));
    if (cloud instanceof CloudSim201) {
      // The 2.0.1 cloud's own book: every transaction's seqNos 0..n, none reused for other content, no unknown id.
      const r = cloud.ledgerReport();
      for (const g of r.gaps.slice(0, 3)) problems.push(`seqNo gap in ${g.transactionId}: missing ${g.missing.join(',')}`);
      for (const x of r.repeats.slice(0, 3)) problems.push(`seqNo ${x.seqNo} of ${x.transactionId} sent with two contents`);
      for (const u of r.unknown.slice(0, 3)) problems.push(`${u.eventType} for ${u.transactionId}, which the cloud never saw start`);
    }
    return { ...base, ok: problems.length === 0, problems };
  } finally {
    await Promise.all(chargers.map((c) => c.close()));
    if (daemon) await daemon.kill('SIGKILL');
    await cloud.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
