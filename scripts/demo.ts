// `site-controller demo`: a whole simulated site on loopback for a first look — the
// daemon, three simulated chargers with cars (a mixed site: CP-1 speaks OCPP 1.6J, CP-2
// and CP-3 OCPP 2.0.1, all behind the one cloud link), a simulated grid meter whose reading is
// a base load plus what the cars draw, and a simulated cloud (OCPP 1.6, or 2.0.1 with --cloud)
// — with a live view.
// At 30 s the base load jumps by 30 A on L1, at 40 s the cloud goes away for 10 s, so
// the balancer and the store-and-forward can be watched at work.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { CloudSim } from './sim/cloud-sim.js';
import { CloudSim201 } from './sim/cloud201-sim.js';
import { MeterSim } from './sim/meter-sim.js';
import { SimCharger } from './sim/charger-sim.js';
import { parseConfig } from '../daemon/config/load.js';
import { createDaemon } from '../daemon/main.js';
import { createLogger } from '../daemon/log.js';
import { renderSnapshot } from '../daemon/control/render.js';

const CHARGERS = [
  { id: 'CP-1', password: 'demo-1', connectors: 2, maxCurrentA: 32, phases: 3, phaseRotation: 'L1L2L3' },
  { id: 'CP-2', password: 'demo-2', connectors: 1, maxCurrentA: 16, phases: 1, phaseRotation: 'L2' },
  { id: 'CP-3', password: 'demo-3', connectors: 1, maxCurrentA: 32, phases: 3, phaseRotation: 'L2L3L1' },
] as const;
/** The version each simulated charger speaks: the site's config does not say it, the charger's handshake does. */
const PROTOCOL: Record<string, 'ocpp1.6' | 'ocpp2.0.1'> = { 'CP-1': 'ocpp1.6', 'CP-2': 'ocpp2.0.1', 'CP-3': 'ocpp2.0.1' };

export interface DemoOptions {
  /** Stop by itself after this many seconds (0 = until Ctrl-C). */
  seconds: number;
  /** Print the live view (tests turn it off). */
  print: boolean;
  /** The simulated cloud's OCPP version (the site's upstream.protocol); default 1.6. */
  cloud?: 'ocpp1.6' | 'ocpp2.0.1';
}

export async function runDemo(opts: DemoOptions): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'site-controller-demo-'));
  const protocol = opts.cloud ?? 'ocpp1.6';
  // The same outage and connection API in both versions; the 2.0.1 one keeps a TransactionEvent ledger.
  const cloud = protocol === 'ocpp2.0.1' ? new CloudSim201() : new CloudSim();
  await cloud.start();
  const meter = new MeterSim({ baseA: [8, 5, 6] });
  await meter.listen();
  const logs: string[] = [];
  const config = parseConfig(stringify({
    site: { id: 'demo', grid: { maxCurrentA: 40, safetyMarginA: 2 } },
    local: { listen: { host: '127.0.0.1', port: 0 }, pingIntervalS: 0 },
    chargers: CHARGERS,
    upstream: { url: cloud.url, identity: 'DEMO-SITE', protocol, reconnect: { minS: 0.5, maxS: 2 }, pingIntervalS: 5 },
    meter: { model: 'sdm630', transport: 'tcp', host: meter.host, port: meter.port, pollIntervalMs: 1000, staleAfterMs: 4000 },
    balancer: { fallbackBudgetA: 16, increaseIntervalS: 2 },
    store: { path: join(dir, 'site.db') },
    // The installer's page of the simulated site, on a free port (printed in the live view).
    web: { listen: { host: '127.0.0.1', port: 0 } },
    log: { level: 'info' },
  }), 'demo');
  const daemon = createDaemon(config, { log: createLogger('site-controller', { level: 'info', sink: (l) => logs.push(l) }), controlSocket: null });
  await daemon.start();
  const sims = CHARGERS.map((c) => new SimCharger({
    url: `ws://127.0.0.1:${daemon.local.port}/ocpp`, id: c.id, password: c.password, connectors: c.connectors, phases: c.phases, maxCurrentA: c.maxCurrentA,
    protocol: PROTOCOL[c.id],
  }));
  let timer: NodeJS.Timeout | undefined;
  const stop = async () => {
    if (timer) clearInterval(timer);
    await Promise.all(sims.map((s) => s.close().catch(() => {})));
    await daemon.stop();
    await meter.stop();
    await cloud.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const [i, sim] of sims.entries()) {
      await sim.connect();
      await sim.boot();
      meter.attach(sim, CHARGERS[i].phaseRotation);
    }
    let tick = 0;
    const script: Record<number, () => Promise<unknown> | void> = {
      2: () => sims[0].startCharging(1, 'CARD-A'),
      6: () => sims[1].startCharging(1, 'CARD-B'),
      10: () => sims[2].startCharging(1, 'CARD-C'),
      14: () => sims[0].startCharging(2, 'CARD-D'),
      30: () => void (meter.baseA = [38, 5, 6]),
      40: () => cloud.goDown(),
      50: () => cloud.comeBack(),
      55: () => void (meter.baseA = [8, 5, 6]),
      65: () => sims[1].stopCharging(1, 'EVDisconnected'),
    };
    const events: string[] = [];
    daemon.balancer?.on('event', (e: { type: string }) => events.push(`balancer: ${e.type}`));
    daemon.upstream?.service.on('event', (e: { type: string }) => events.push(`upstream: ${e.type}`));
    await new Promise<void>((resolve) => {
      const onSignal = () => resolve();
      process.once('SIGINT', onSignal);
      timer = setInterval(() => {
        tick++;
        void Promise.resolve(script[tick]?.()).catch((err) => events.push(`demo: ${(err as Error).message}`));
        if (opts.print) {
          const m = meter.currentA();
          process.stdout.write('\x1b[2J\x1b[H');
          process.stdout.write(`site-controller demo — t=${tick}s  (Ctrl-C to stop)   web page: ${daemon.web?.url ?? 'none'}\n`);
          process.stdout.write(`grid meter: ${m.map((a) => a.toFixed(1)).join(' / ')} A   limit 40 A per phase   cloud (${protocol}): ${cloud.connected('DEMO-SITE') ? 'up' : 'DOWN'}, ${cloud.transactions.size} transactions received\n\n`);
          process.stdout.write(renderSnapshot(daemon.snapshot()));
          process.stdout.write(`\nrecent events:\n${events.slice(-5).map((e) => `  ${e}`).join('\n')}\n`);
        }
        if (opts.seconds > 0 && tick >= opts.seconds) {
          process.off('SIGINT', onSignal);
          resolve();
        }
      }, 1000);
    });
  } finally {
    await stop();
  }
}
