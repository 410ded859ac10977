// The simulated cloud CSMS as a program, for demos and manual runs against the daemon.
// One log line per received CALL (and per connect, disconnect and anomaly). Lines typed
// on stdin drive it, so an outage or a cloud command can be played by hand:
//
//   node dist/scripts/sim/cloud.js --port 9100 [--delay-ms 100] [--identity SITE-001:secret]
//                                  [--protocol ocpp1.6|ocpp2.0.1]
//
//   down | up | delay <ms> | upgrade <status|off> | boot <Accepted|Pending|Rejected>
//   tag <idTag> <status> | call <identity> <Action> <json payload> | tx | anomalies
//   ledger (2.0.1: the transaction ledger's report: gaps, repeats, unknown ids, duplicates)
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { CloudSim, type BootStatus, type CloudSimOptions, type IdTagStatus, type ReceivedCall } from './cloud-sim.js';
import { CloudSim201, type AuthorizationStatus201 } from './cloud201-sim.js';

const USAGE = `usage: cloud [--protocol ocpp1.6|ocpp2.0.1] [--port 9100] [--host 127.0.0.1] [--path /ocpp] [--delay-ms 0]
       [--identity ID[:password]]... [--boot Accepted|Pending|Rejected] [--heartbeat 300]
       [--tls-cert FILE --tls-key FILE [--tls-ca FILE] [--request-cert]] [--deflate]
  --identity  accept only these identities (repeatable); without it any identity is accepted
  --protocol  the OCPP version the cloud speaks (default ocpp1.6); --port 0 takes a free port`;

function fail(text: string): never {
  console.error(`${text}\n${USAGE}`);
  process.exit(2);
}

function options(): CloudSimOptions & { protocol: string } {
  const { values } = parseArgs({
    options: {
      protocol: { type: 'string', default: 'ocpp1.6' },
      port: { type: 'string', default: '9100' },
      host: { type: 'string', default: '127.0.0.1' },
      path: { type: 'string', default: '/ocpp' },
      'delay-ms': { type: 'string', default: '0' },
      identity: { type: 'string', multiple: true },
      boot: { type: 'string', default: 'Accepted' },
      heartbeat: { type: 'string', default: '300' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'tls-ca': { type: 'string' },
      'request-cert': { type: 'boolean', default: false },
      deflate: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const num = (name: 'port' | 'delay-ms' | 'heartbeat'): number => {
    const n = Number(values[name]);
    if (!Number.isInteger(n) || n < 0) fail(`--${name}: expected an integer >= 0, got ${values[name]}`);
    return n;
  };
  if (!['Accepted', 'Pending', 'Rejected'].includes(values.boot!)) fail(`--boot: Accepted, Pending or Rejected`);
  if (!['ocpp1.6', 'ocpp2.0.1'].includes(values.protocol!)) fail(`--protocol: ocpp1.6 or ocpp2.0.1, got ${values.protocol}`);
  let identities: Record<string, string | null> | undefined;
  for (const spec of values.identity ?? []) {
    const i = spec.indexOf(':');
    identities ??= {};
    identities[i < 0 ? spec : spec.slice(0, i)] = i < 0 ? null : spec.slice(i + 1);
  }
  if (Boolean(values['tls-cert']) !== Boolean(values['tls-key'])) fail('--tls-cert and --tls-key go together');
  return {
    protocol: values.protocol!,
    port: num('port'),
    host: values.host,
    path: values.path,
    responseDelayMs: num('delay-ms'),
    identities,
    bootStatus: values.boot as BootStatus,
    heartbeatIntervalS: num('heartbeat'),
    perMessageDeflate: values.deflate,
    tls: values['tls-cert']
      ? {
          cert: readFileSync(values['tls-cert']),
          key: readFileSync(values['tls-key']!),
          ca: values['tls-ca'] ? readFileSync(values['tls-ca']) : undefined,
          requestCert: values['request-cert'],
        }
      : undefined,
  };
}

const log = (text: string): void => console.log(`${new Date().toISOString()} ${text}`);
const brief = (v: unknown): string => {
  const s = JSON.stringify(v) ?? '';
  return s.length > 160 ? `${s.slice(0, 160)}…` : s;
};

function describe(c: ReceivedCall): string {
  const answer = c.dropped ? 'dropped the connection' : c.error ? `CALLERROR ${c.error.code}` : brief(c.result);
  return `${c.identity} #${c.connection} ${c.action} ${brief(c.payload)} -> ${answer}`;
}

/** One stdin command; errors are printed, never fatal. */
async function command(sim: CloudSim | CloudSim201, line: string): Promise<void> {
  const [word, ...args] = line.trim().split(/\s+/);
  switch (word) {
    case '':
      return;
    case 'down':
      await sim.goDown();
      return log('down: refusing connections');
    case 'up':
      await sim.comeBack();
      return log(`up again on port ${sim.port}`);
    case 'delay':
      sim.responseDelayMs = Number(args[0]) || 0;
      return log(`response delay ${sim.responseDelayMs} ms`);
    case 'upgrade':
      sim.setUpgradeStatus(args[0] === 'off' ? null : Number(args[0]));
      return log(`upgrade ${args[0] === 'off' ? 'normal' : `refused with HTTP ${args[0]}`}`);
    case 'boot':
      sim.bootStatus = args[0] as BootStatus;
      return log(`next BootNotifications answered ${sim.bootStatus}`);
    case 'tag':
      if (sim instanceof CloudSim201) sim.setIdTokenStatus(args[0], args[1] as AuthorizationStatus201);
      else sim.setIdTagStatus(args[0], args[1] as IdTagStatus);
      return log(`idTag ${args[0]} → ${args[1]}`);
    case 'call': {
      const [identity, action] = args;
      const payload = JSON.parse(args.slice(2).join(' ') || '{}');
      return log(`${identity} ${action} answered ${brief(await sim.call(identity, action, payload))}`);
    }
    case 'tx':
      if (sim instanceof CloudSim201) {
        for (const tx of sim.transactions.values()) {
          const state = `${tx.ended ? `ended (${tx.stoppedReason ?? 'no reason'})` : 'open'}, ${tx.offline} offline, ${tx.duplicates} duplicates`;
          log(`tx ${tx.transactionId} ${tx.identity} evse ${tx.evseId} ${tx.idToken?.idToken ?? '-'} seqNo ${tx.seqNos.join(',')} ${state}`);
        }
        return;
      }
      for (const tx of sim.transactions.values()) {
        log(`tx ${tx.id} ${tx.identity} c${tx.connectorId} ${tx.idTag} ${tx.messages.length} messages${tx.stopped ? ' stopped' : ''}`);
      }
      return;
    case 'ledger': {
      if (!(sim instanceof CloudSim201)) return log('ledger: only with --protocol ocpp2.0.1 (use tx)');
      const r = sim.ledgerReport();
      const list = (xs: object[]) => (xs.length ? xs.map((x) => JSON.stringify(x)).join(' ') : 'none');
      log(`ledger: ${r.transactions.length} transactions, ${r.duplicates} duplicates, gaps ${list(r.gaps)}, repeats ${list(r.repeats)}, unknown ${list(r.unknown)}, ${r.anomalies.length} anomalies`);
      return;
    }
    case 'anomalies':
      return log(`${sim.anomalies.length} anomalies${sim.anomalies.map((a) => `\n  ${a}`).join('')}`);
    default:
      console.error('commands: down | up | delay <ms> | upgrade <status|off> | boot <status> | tag <idTag> <status> | call <identity> <Action> <json> | tx | ledger | anomalies');
  }
}

const { protocol, ...opts } = options();
const sim = protocol === 'ocpp2.0.1' ? new CloudSim201(opts) : new CloudSim(opts);
sim.on('call', (c: ReceivedCall) => log(describe(c)));
sim.on('connect', (identity: string) => log(`${identity} connected (connection ${sim.connectionCount})`));
sim.on('disconnect', (identity: string, code: number) => log(`${identity} disconnected (${code})`));
sim.on('anomaly', (text: string) => log(`ANOMALY ${text}`));
await sim.start();
log(`cloud CSMS simulator (${protocol}) listening on ${sim.url}/<identity>`);

const input = createInterface({ input: process.stdin, terminal: false });
input.on('line', (line) => command(sim, line).catch((err) => console.error(`${line.trim()}: ${err?.message ?? err}`)));

function shutdown(signal: string): void {
  log(`${signal}: stopping`);
  input.close();
  sim.stop().then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
