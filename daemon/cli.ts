#!/usr/bin/env node
// site-controller command line: run | check | status | probe | demo | backup | --version (see README).
import { loadConfigFile, storePathOf, ConfigError } from './config/load.js';
import { createDaemon } from './main.js';
import { createLogger } from './log.js';
import { probeModem } from '../drivers/modem/index.js';
import { probeMeter } from '../drivers/meters/index.js';
import { queryControl, controlSocketPath } from './control/server.js';
import { renderSnapshot } from './control/render.js';
import { renderProbe } from './control/render-probe.js';
import type { ProbeReport } from './balancer/probe.js';
import { VERSION } from './version.js';
import { SystemdNotifier, notifySettings } from './notify.js';
import { backupStore, readStorePath } from './store/backup.js';

export const DEFAULT_CONFIG = '/etc/site-controller/config.yaml';

const USAGE = `usage: site-controller <command> [options]

commands:
  run   [-c FILE]   run the daemon
  check [-c FILE]   validate a config; prints every problem as "path: message"
  demo [--seconds N] [--cloud ocpp1.6|ocpp2.0.1]
                    a whole simulated site on loopback (daemon, chargers, meter, cloud)
                    with a live view; Ctrl-C stops it. --cloud: the simulated cloud's
                    OCPP version (default ocpp1.6; ocpp2.0.1 shows the translation)
  status [-c FILE] [--json]
                    ask the running daemon for its state (chargers, upstream link and
                    outbox, connection diagnostics, balancer, health)
  probe meter [-c FILE]
                    read the meter once with the meter: settings; prints the values or the failure
  probe modem [-c FILE]
                    read the modem once with health.modem settings; prints the reading or the failure
  probe charger ID [-c FILE] [--json]
                    ask the running daemon to test a connected charger's smart charging (keys,
                    measurands, which SetChargingProfile forms it accepts in A and W); the
                    report is kept, used by the balancer and shown by status
  backup -o FILE [-c FILE]
                    an online copy of the store (store.path) while the daemon runs; the copy is
                    checked (PRAGMA integrity_check) and written 0600
  --version         print the version

The config file comes from -c, else $SITE_CONTROLLER_CONFIG, else ${DEFAULT_CONFIG}.
`;

interface Args {
  command: string | undefined;
  config: string;
  json: boolean;
  /** demo: stop after this many seconds (0 = until Ctrl-C). */
  seconds: number;
  /** demo: print the live view even when stdout is not a terminal. */
  print: boolean;
  /** demo: the simulated cloud's OCPP version. */
  cloud: 'ocpp1.6' | 'ocpp2.0.1';
  /** backup: where the copy goes. */
  output: string | undefined;
  rest: string[];
}

export function parseArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): Args {
  const args: Args = { command: undefined, config: env.SITE_CONTROLLER_CONFIG || DEFAULT_CONFIG, json: false, seconds: 0, print: false, cloud: 'ocpp1.6', output: undefined, rest: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-c' || a === '--config') {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a file`);
      args.config = v;
    } else if (a.startsWith('--config=')) args.config = a.slice('--config='.length);
    else if (a === '--json') args.json = true;
    else if (a === '--print') args.print = true;
    else if (a === '--seconds') {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v) || v < 0) throw new Error('--seconds needs a number of seconds');
      args.seconds = v;
    }
    else if (a === '--cloud') {
      const v = argv[++i];
      if (v !== 'ocpp1.6' && v !== 'ocpp2.0.1') throw new Error('--cloud needs ocpp1.6 or ocpp2.0.1');
      args.cloud = v;
    }
    else if (a === '-o' || a === '--output') {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a file`);
      args.output = v;
    } else if (a.startsWith('--output=')) args.output = a.slice('--output='.length);
    else if (a === '-h' || a === '--help') args.command = 'help';
    else if (a === '-V' || a === '--version') args.command = 'version';
    else if (a.startsWith('-')) throw new Error(`unknown option ${a}`);
    else if (args.command === undefined) args.command = a;
    else args.rest.push(a);
  }
  return args;
}

function loadOrExit(path: string, onWarning?: (message: string) => void) {
  try {
    return loadConfigFile(path, { onWarning });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(err.message + '\n');
      process.exit(1);
    }
    throw err;
  }
}

async function run(configPath: string): Promise<void> {
  const warnings: string[] = [];
  const config = loadOrExit(configPath, (w) => warnings.push(w));
  const log = createLogger('site-controller', { level: config.log.level, levels: config.log.levels });
  for (const w of warnings) log.warn('config', { warning: w });
  // Under systemd (Type=notify, WatchdogSec): READY/WATCHDOG/STOPPING; without NOTIFY_SOCKET a no-op.
  const notifier = new SystemdNotifier(notifySettings(process.env, process.pid), { log: log.child('systemd') });
  notifier.startWatchdog();
  // A Hard reset from the cloud: stop cleanly and exit; systemd (Restart=always) starts us again.
  const daemon = createDaemon(config, { log, exitProcess: () => shutdown('Reset Hard from the cloud') });
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      log.warn('second signal: exiting now', { signal });
      process.exit(1);
    }
    stopping = true;
    log.info('shutting down', { signal });
    void notifier.stopping();
    // The exit waits (briefly) for STOPPING=1 to reach systemd, which kills the notify helper with us.
    daemon.stop().then(() => notifier.stop().then(() => process.exit(0)), (err) => {
      log.error('shutdown failed', { err });
      void notifier.stop().then(() => process.exit(1));
    });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  // Policy: a rejected promise nobody handled is a bug in one asynchronous task (a connect
  // attempt, a write); it is logged loudly and the daemon goes on. Exiting would drop every
  // charger and, with a lasting cause such as a full disk, loop forever under systemd.
  // A synchronous uncaught exception may have left state half-updated: exit, systemd restarts.
  process.on('unhandledRejection', (reason) => {
    const err = reason instanceof Error ? reason : new Error(String(reason));
    log.error('unhandled rejection (a bug; the daemon keeps running)', { err: err.stack ?? err.message });
    daemon.telemetry?.event('process', { type: 'alarm', code: 'unhandled-rejection', message: err.message });
  });
  process.on('uncaughtException', (err) => {
    // State may be inconsistent; the store is crash-safe, so exit and let systemd restart us.
    log.error('uncaught exception; exiting', { err: err.stack ?? err.message });
    process.exit(70);
  });
  try {
    await daemon.start();
  } catch (err) {
    log.error('could not start', { err: (err as Error).message });
    await daemon.stop().catch(() => {});
    await notifier.stop();
    process.exit(1);
  }
  // start() resolved: the store is open and migrated, the chargers' CSMS listens.
  if (!stopping) await notifier.ready(`serving ${config.chargers.length} charger${config.chargers.length === 1 ? '' : 's'} on port ${daemon.local.port}`);
}

/** Online copy of the store; needs only store.path from the config (no secrets). */
async function backup(configPath: string, output: string | undefined): Promise<void> {
  if (!output) {
    process.stderr.write(`site-controller backup: -o FILE is required\n\n${USAGE}`);
    process.exit(2);
  }
  try {
    const r = await backupStore(readStorePath(configPath), output);
    process.stdout.write(`${r.output}: ${r.bytes} bytes, integrity ok, ${r.transactions} transaction${r.transactions === 1 ? '' : 's'}\n`);
  } catch (err) {
    process.stderr.write(`site-controller backup: ${(err as Error).message}\n`);
    process.exit(1);
  }
}

function check(configPath: string): void {
  try {
    const config = loadConfigFile(configPath, { onWarning: (w) => process.stderr.write(`warning: ${w}\n`) });
    process.stdout.write(`${configPath}: valid (site ${config.site.id}, ${config.chargers.length} charger${config.chargers.length === 1 ? '' : 's'})\n`);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    for (const p of err.problems) process.stdout.write(`${p}\n`);
    process.stderr.write(`${configPath}: ${err.problems.length} problem${err.problems.length === 1 ? '' : 's'}\n`);
    process.exit(1);
  }
}

/** Commissioning: one modem reading, or the exact reason there is none. Exit 0 / 1. */
async function probeModemCommand(configPath: string): Promise<void> {
  const config = loadOrExit(configPath);
  const settings = config.health.modem;
  if (!settings) {
    process.stderr.write(`${configPath}: health.modem is not configured (device, baudRate)\n`);
    process.exit(1);
  }
  try {
    process.stdout.write((await probeModem(settings)) + '\n');
    process.exit(0);
  } catch (err) {
    process.stderr.write(`modem on ${settings.device}: ${(err as Error).message}\n`);
    process.exit(1);
  }
}

/** Commissioning: one meter sample, or the exact reason there is none. Exit 0 / 1. */
async function probeMeterCommand(configPath: string): Promise<void> {
  const config = loadOrExit(configPath);
  if (!config.meter) {
    process.stderr.write(`${configPath}: meter is not configured (model, transport, host/device)\n`);
    process.exit(1);
  }
  try {
    process.stdout.write((await probeMeter(config.meter)) + '\n');
    process.exit(0);
  } catch (err) {
    process.stderr.write(`meter: ${(err as Error).message}\n`);
    process.exit(1);
  }
}

/**
 * The control socket lives next to the store, so the config tells where to knock.
 * Only store.path is read: no validation, no secrets, so status works without the
 * service's environment (EnvironmentFile, credentials).
 */
async function probeChargerCommand(configPath: string, id: string | undefined, json: boolean): Promise<void> {
  if (!id) {
    process.stderr.write(`probe charger needs a charger id\n\n${USAGE}`);
    process.exit(2);
  }
  const { storePath, note } = storePathOf(configPath);
  try {
    // Up to 13 SetChargingProfile + ClearChargingProfile round trips to a charger on a slow link.
    const r = (await queryControl(controlSocketPath(storePath), 'probe-charger', 180_000, { id })) as Record<string, unknown>;
    if (typeof r.error === 'string') throw new Error(r.error);
    process.stdout.write(json ? JSON.stringify(r, null, 2) + '\n' : renderProbe(r as unknown as ProbeReport));
  } catch (err) {
    process.stderr.write(`site-controller probe charger: ${(err as Error).message}${note ? ` (${note})` : ''}\n`);
    process.exit(1);
  }
}

async function status(configPath: string, json: boolean): Promise<void> {
  const { storePath, note } = storePathOf(configPath);
  const path = controlSocketPath(storePath);
  try {
    const snap = await queryControl(path, 'status');
    process.stdout.write(json ? JSON.stringify(snap, null, 2) + '\n' : renderSnapshot(snap));
  } catch (err) {
    process.stderr.write(`site-controller status: ${(err as Error).message}${note ? ` (${note})` : ''}\n`);
    process.exit(1);
  }
}

export async function main(argv: string[]): Promise<void> {
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  switch (args.command) {
    case 'run':
      return run(args.config);
    case 'check':
      return check(args.config);
    case 'status':
      return status(args.config, args.json);
    case 'demo': {
      // The simulators live in scripts/: loaded only for the demo, never by the daemon.
      const { runDemo } = await import('../scripts/demo.js');
      await runDemo({ seconds: args.seconds, print: process.stdout.isTTY || args.print, cloud: args.cloud });
      return;
    }
    case 'probe':
      if (args.rest[0] === 'modem') return probeModemCommand(args.config);
      if (args.rest[0] === 'meter') return probeMeterCommand(args.config);
      if (args.rest[0] === 'charger') return probeChargerCommand(args.config, args.rest[1], args.json);
      process.stderr.write(`unknown probe target ${args.rest[0] ?? '(none)'}\n\n${USAGE}`);
      process.exit(2);
    case 'backup':
      return backup(args.config, args.output);
    case 'version':
      process.stdout.write(`site-controller ${VERSION}\n`);
      return;
    case 'help':
      process.stdout.write(USAGE);
      return;
    default:
      process.stderr.write((args.command ? `unknown command ${args.command}\n\n` : '') + USAGE);
      process.exit(2);
  }
}

void main(process.argv.slice(2));
