// A real mosquitto broker for a test: its own config in a temp dir, a free
// loopback port, no persistence. stop()/start() keep the port so a client can
// reconnect to the "same" broker after an outage.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';

export const MOSQUITTO = process.env.MOSQUITTO ?? '/usr/sbin/mosquitto';

/** PEM files for a TLS listener; with requireClientCert, clients need a certificate signed by `ca`. */
export interface MosquittoTls {
  ca: string;
  cert: string;
  key: string;
  requireClientCert?: boolean;
}

export interface Broker {
  port: number;
  url: string;
  running: boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Stops the broker (if running) and removes its files. */
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  const srv = createServer().listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const { port } = srv.address() as { port: number };
  await new Promise((r) => srv.close(r));
  return port;
}

/**
 * Starts mosquitto; with `users`, anonymous clients are refused and a password file is used.
 * With `persistence`, sessions of clean:false clients (and their queued QoS 1 messages)
 * survive stop()/start(), as a broker with a disk would.
 */
export async function startMosquitto(opts: { users?: Record<string, string>; persistence?: boolean; tls?: MosquittoTls } = {}): Promise<Broker> {
  const dir = mkdtempSync(join(tmpdir(), 'sc-mqtt-'));
  const port = await freePort();
  const lines = [`listener ${port} 127.0.0.1`, opts.persistence ? `persistence true\npersistence_location ${dir}/` : 'persistence false', 'log_dest stderr', 'log_type error', 'log_type warning', 'log_type notice', 'log_type information'];
  // As root, mosquitto drops to user "mosquitto", who cannot read our 0700 temp dir.
  if (process.getuid?.() === 0) lines.push('user root');
  else lines.push(`user ${userInfo().username}`);
  if (opts.users) {
    const pw = join(dir, 'passwd');
    writeFileSync(pw, '', { mode: 0o600 });
    for (const [u, p] of Object.entries(opts.users)) execFileSync('mosquitto_passwd', ['-b', pw, u, p]);
    lines.push('allow_anonymous false', `password_file ${pw}`);
  } else lines.push('allow_anonymous true');
  if (opts.tls) {
    lines.push(`cafile ${opts.tls.ca}`, `certfile ${opts.tls.cert}`, `keyfile ${opts.tls.key}`);
    if (opts.tls.requireClientCert) lines.push('require_certificate true');
  }
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, lines.join('\n') + '\n');

  let proc: ChildProcess | undefined;
  const broker: Broker = {
    port,
    url: `${opts.tls ? 'mqtts' : 'mqtt'}://127.0.0.1:${port}`,
    get running() {
      return proc !== undefined;
    },
    async start() {
      if (proc) return;
      const child = spawn(MOSQUITTO, ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      await new Promise<void>((resolve, reject) => {
        const onData = (d: Buffer) => {
          out += d.toString();
          // Printed once the listener is bound (stderr: stdout to a pipe is block-buffered).
          if (/mosquitto version \S+ running/.test(out)) resolve();
        };
        child.stdout!.on('data', onData);
        child.stderr!.on('data', onData);
        child.once('exit', (code) => reject(new Error(`mosquitto exited with ${code}:\n${out}`)));
        child.once('error', reject);
      });
      child.removeAllListeners('exit');
      proc = child;
    },
    async stop() {
      const child = proc;
      if (!child) return;
      proc = undefined;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
    async close() {
      await broker.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await broker.start();
  return broker;
}

type Message = { topic: string; json: any; retain: boolean };

/** A subscriber that records every message; `next` awaits the first one at index >= `from` (past or future) that matches. */
export interface Subscriber {
  client: MqttClient;
  messages: Message[];
  /** `from`: a `messages.length` taken earlier, to ignore what came before it. */
  next(match: (m: Message) => boolean, from?: number): Promise<Message>;
  close(): Promise<void>;
}

export async function subscribe(url: string, topic: string | string[], opts: { username?: string; password?: string; clientId?: string; clean?: boolean; ca?: Buffer; cert?: Buffer; key?: Buffer } = {}): Promise<Subscriber> {
  const client = mqtt.connect(url, { reconnectPeriod: 200, clean: true, ...opts });
  const messages: Message[] = [];
  const waiters: Array<{ match: (m: Message) => boolean; resolve: (m: Message) => void }> = [];
  client.on('message', (t, payload, packet) => {
    let json: any;
    try {
      json = JSON.parse(payload.toString());
    } catch {
      json = payload.toString();
    }
    const m = { topic: t, json, retain: packet.retain };
    messages.push(m);
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (waiters[i]!.match(m)) waiters.splice(i, 1)[0]!.resolve(m);
    }
  });
  await new Promise<void>((resolve) => client.once('connect', () => resolve()));
  await client.subscribeAsync(topic, { qos: 1 });
  return {
    client,
    messages,
    next(match, from = 0) {
      const found = messages.slice(from).find(match);
      return found ? Promise.resolve(found) : new Promise((resolve) => waiters.push({ match, resolve }));
    },
    close: () => client.endAsync(true),
  };
}
