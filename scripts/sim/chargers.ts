// A crowd of simulated chargers against a CSMS (normally the daemon), for demos and soak
// runs: each boots, reports Available, and each connector now and then gets a car that
// authorizes, charges (MeterValues every --interval s) and leaves. One log line per event.
//
//   node dist/scripts/sim/chargers.js --url ws://127.0.0.1:9000/ocpp --count 10 \
//        [--prefix SIM- --password x --connectors 2 --interval 10 --idle 60 --session 300]
//        [--protocol ocpp1.6|ocpp2.0.1]
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { SimCharger } from './charger-sim.js';

const USAGE = `usage: chargers --url ws://host:port/ocpp [--count N] [--prefix SIM-] [--password P]
       [--connectors 2] [--phases 3] [--max-current 32] [--interval 10]
       [--idle 60] [--session 300] [--protocol ocpp1.6|ocpp2.0.1]
  --protocol  OCPP version the chargers speak (2.0.1: connectors are EVSEs)
  --interval  seconds between MeterValues of a running transaction
  --idle      mean seconds a connector stays free between sessions
  --session   mean seconds a session lasts`;

function options() {
  const { values } = parseArgs({
    options: {
      url: { type: 'string', default: 'ws://127.0.0.1:9000/ocpp' },
      count: { type: 'string', default: '10' },
      prefix: { type: 'string', default: 'SIM-' },
      password: { type: 'string' },
      connectors: { type: 'string', default: '2' },
      phases: { type: 'string', default: '3' },
      'max-current': { type: 'string', default: '32' },
      interval: { type: 'string', default: '10' },
      idle: { type: 'string', default: '60' },
      session: { type: 'string', default: '300' },
      protocol: { type: 'string', default: 'ocpp1.6' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const num = (name: keyof typeof values, min: number): number => {
    const n = Number(values[name]);
    if (!Number.isFinite(n) || n < min) {
      console.error(`--${name}: expected a number >= ${min}, got ${String(values[name])}\n${USAGE}`);
      process.exit(2);
    }
    return n;
  };
  const phases = num('phases', 1);
  if (phases !== 1 && phases !== 3) {
    console.error(`--phases: 1 or 3\n${USAGE}`);
    process.exit(2);
  }
  if (values.protocol !== 'ocpp1.6' && values.protocol !== 'ocpp2.0.1') {
    console.error(`--protocol: ocpp1.6 or ocpp2.0.1\n${USAGE}`);
    process.exit(2);
  }
  return {
    protocol: values.protocol as 'ocpp1.6' | 'ocpp2.0.1',
    url: values.url!,
    count: Math.floor(num('count', 1)),
    prefix: values.prefix!,
    password: values.password,
    connectors: Math.floor(num('connectors', 1)),
    phases: phases as 1 | 3,
    maxCurrentA: num('max-current', 6),
    intervalS: num('interval', 1),
    idleS: num('idle', 1),
    sessionS: num('session', 1),
  };
}

const opts = options();
const stop = new AbortController();
const width = String(opts.count).length < 3 ? 3 : String(opts.count).length;

function log(sim: SimCharger, connectorId: number | null, text: string): void {
  console.log(`${new Date().toISOString()} ${sim.id}${connectorId === null ? '' : ` c${connectorId}`} ${text}`);
}

const errText = (err: any): string => (err?.statusCode ? `HTTP ${err.statusCode}` : String(err?.message ?? err));

/** Exponentially distributed wait around a mean, so that sessions do not march in step. */
const randomS = (meanS: number): number => Math.max(1, -Math.log(1 - Math.random()) * meanS);

/** Sockets that opened and have not closed since: their close means "reconnect". */
const up = new WeakSet<SimCharger>();
/** Chargers booted and reported since their last (re)connect: sessions may run. */
const ready = new WeakSet<SimCharger>();

/** Connects (retrying with backoff), boots until Accepted and reports every connector. */
async function bringUp(sim: SimCharger): Promise<void> {
  for (let delayS = 1; ; delayS = Math.min(delayS * 2, 30)) {
    try {
      await sim.connect();
      break;
    } catch (err) {
      log(sim, null, `connect failed: ${errText(err)}; retry in ${delayS}s`);
      await sleep(delayS * 1000, undefined, { signal: stop.signal });
    }
  }
  log(sim, null, 'connected');
  for (;;) {
    try {
      const res = await sim.boot();
      log(sim, null, `boot ${res.status} (interval ${res.interval}s)`);
      if (res.status === 'Accepted') break;
      await sleep(Math.max(1, res.interval || 10) * 1000, undefined, { signal: stop.signal });
    } catch (err) {
      if (!sim.connected) throw err; // the close handler starts over
      log(sim, null, `boot failed: ${errText(err)}; retry in 10s`);
      await sleep(10_000, undefined, { signal: stop.signal });
    }
  }
  await sim.status(0, 'Available');
  for (const [c, conn] of sim.connectors) await sim.status(c, conn.transactionId === undefined ? 'Available' : conn.status);
  sim.startHeartbeat();
  sim.startMeterValues(opts.intervalS * 1000);
  ready.add(sim);
}

function bringUpLogged(sim: SimCharger): void {
  bringUp(sim).catch((err) => stop.signal.aborted || log(sim, null, `bring-up failed: ${errText(err)}`));
}

/** One connector's life: wait, a car comes, charges for a while, leaves. */
async function sessions(sim: SimCharger, c: number): Promise<void> {
  while (!stop.signal.aborted) {
    await sleep(randomS(opts.idleS) * 1000, undefined, { signal: stop.signal });
    if (!ready.has(sim) || !sim.canStart(c)) continue;
    const idTag = `TAG${Math.floor(Math.random() * 1e6).toString().padStart(6, '0')}`;
    const car = { carPhases: (Math.random() < 0.2 ? 1 : opts.phases) as 1 | 3, carMaxA: [16, 32][Math.floor(Math.random() * 2)] };
    try {
      await sim.plugIn(c, car);
      log(sim, c, `car plugged in (${car.carPhases}-phase, max ${car.carMaxA} A)`);
      const auth = await sim.authorize(idTag);
      log(sim, c, `authorize ${idTag}: ${sim.idStatus(auth)}`);
      const txId = sim.idStatus(auth) === 'Accepted' ? await sim.startCharging(c, idTag) : undefined;
      if (txId === undefined) {
        await sim.unplug(c);
        log(sim, c, 'car left without charging');
        continue;
      }
      // 2.0.1: the charger's own transaction id is what the CSMS knows; txId is the simulator's handle.
      const shownId = sim.connectors.get(c)!.transactionRef ?? txId;
      log(sim, c, `transaction ${shownId} started, drawing ${sim.connectors.get(c)!.drawA} A`);
      await sleep(randomS(opts.sessionS) * 1000, undefined, { signal: stop.signal });
      const conn = sim.connectors.get(c)!;
      if (conn.transactionId !== txId) continue; // stopped remotely meanwhile
      await sim.unplug(c);
      log(sim, c, `transaction ${shownId} stopped at ${Math.round(conn.energyWh)} Wh, car left`);
    } catch (err) {
      if (stop.signal.aborted) return;
      log(sim, c, `session error: ${errText(err)}`);
    }
  }
}

function wire(sim: SimCharger): void {
  sim.on('limit', (c: number, limitA: number | null) => log(sim, c, `limit ${limitA === null ? 'none' : `${limitA} A`}, drawing ${sim.connectors.get(c)!.drawA} A`));
  sim.on('call', (action: string) => log(sim, null, `CSMS called ${action}`));
  sim.on('violation', (text: string) => log(sim, null, `CSMS violation: ${text}`));
  sim.on('warning', (err: Error) => log(sim, null, `warning: ${errText(err)}`));
  sim.on('open', () => up.add(sim));
  sim.on('close', (code: number, reason: string) => {
    ready.delete(sim);
    sim.stopHeartbeat();
    sim.stopMeterValues();
    // A refused handshake also ends in 'close'; bringUp's connect loop retries that itself.
    if (stop.signal.aborted || !up.delete(sim)) return;
    log(sim, null, `connection closed (${code}${reason ? ` ${reason}` : ''}); reconnecting in 2s`);
    sleep(2000, undefined, { signal: stop.signal }).then(() => bringUpLogged(sim), () => undefined);
  });
}

function main(): void {
  const sims: SimCharger[] = [];
  for (let i = 1; i <= opts.count; i++) {
    const sim = new SimCharger({
      url: opts.url,
      id: `${opts.prefix}${String(i).padStart(width, '0')}`,
      protocol: opts.protocol,
      password: opts.password,
      connectors: opts.connectors,
      phases: opts.phases,
      maxCurrentA: opts.maxCurrentA,
    });
    wire(sim);
    sims.push(sim);
  }

  let shuttingDown = false;
  const shutdown = () => {
    if (shuttingDown) process.exit(130); // a second Ctrl-C does not wait
    shuttingDown = true;
    stop.abort();
    console.log(`${new Date().toISOString()} stopping ${sims.length} chargers`);
    // Running transactions are stopped (bounded) so that the CSMS sees complete sessions.
    const ending = sims.flatMap((sim) =>
      [...sim.connectors].filter(([, conn]) => sim.connected && conn.transactionId !== undefined).map(([c]) => sim.stopCharging(c, 'Local').catch(() => undefined)),
    );
    Promise.race([Promise.all(ending), sleep(5000)])
      .then(() => Promise.all(sims.map((s) => s.close(1000, 'simulator stopping'))))
      .finally(() => process.exit(0));
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);

  for (const sim of sims) {
    bringUpLogged(sim);
    // Connector loops run from the start and skip their turn while the charger is not ready.
    for (const c of sim.connectors.keys()) sessions(sim, c).catch(() => undefined);
  }
}

main();
