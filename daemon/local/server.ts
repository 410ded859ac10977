// The chargers' CSMS endpoint: ws(s)://<host>:<port><path>/<chargerId>.
// Admission happens at the HTTP upgrade: unknown identity → 404, bad credentials →
// 401, so a misconfigured charger sees a clear status instead of a dropped socket.
// Every refusal is recorded in the registry (status, MQTT), and an address that
// keeps failing to log in is answered 429 for a while (password guessing).
import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { readFileSync } from 'node:fs';
import { timingSafeEqual, createHash } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from '../log.js';
import type { ChargerConfig, LocalConfig } from '../config/types.js';
import { RpcConnection } from '../ocpp/rpc.js';
import { getProtocol } from '../ocpp/protocols.js';
import { ChargerSession } from './session.js';
import type { ChargerRegistry } from './registry.js';
import { hostOf, type RefusalReason } from './admission.js';
import { serverTlsOptions } from '../tls-policy.js';

export interface LocalServerDeps {
  config: LocalConfig;
  chargers: ChargerConfig[];
  registry: ChargerRegistry;
  log: Logger;
  now: () => number;
  /** Wires handlers onto a new session (kept outside so the server only does transport). */
  onSession: (session: ChargerSession) => void;
  /**
   * The subprotocols to accept, in order of preference: those with a charger dialect
   * (daemon/local/dialects.ts). When a charger offers several, ours decides, not the order
   * of its header.
   */
  protocols: readonly string[];
}

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 404: 'Not Found', 429: 'Too Many Requests' };

function refuse(socket: Duplex, status: number, headers: Record<string, string> = {}): void {
  const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  socket.end(`HTTP/1.1 ${status} ${STATUS_TEXT[status]}\r\nConnection: close\r\nContent-Length: 0\r\n${extra}\r\n`);
}

/** Compares secrets without leaking their length or content through timing. */
function sameSecret(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

export function parseBasicAuth(header: string | undefined): { user: string; password: string } | null {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!m) return null;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export class LocalServer {
  private server: Server | null = null;
  private readonly wss: WebSocketServer;
  private readonly byId: Map<string, ChargerConfig>;
  private readonly log: Logger;
  private readonly protocols: readonly string[];

  constructor(private readonly deps: LocalServerDeps) {
    this.log = deps.log.child('local');
    this.protocols = deps.protocols;
    this.byId = new Map(deps.chargers.map((c) => [c.id, c]));
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: deps.config.maxFrameBytes,
      perMessageDeflate: false,
      // No subprotocol in common: OCPP-J (1.6 and 2.0.1, section 3.1.2) says the CSMS
      // MUST complete the handshake without a Sec-WebSocket-Protocol header and close
      // at once; we do, with a close reason naming what was offered and what we speak.
      // Many client libraries (ws among them) fail on the missing header before they
      // read that reason, so the charger may only log "no subprotocol": the full story
      // is in our log, status (lastRefusal) and MQTT.
      handleProtocols: (offered) => this.protocols.find((p) => offered.has(p)) ?? false,
    });
  }

  /** The bound address, once started (port 0 in tests picks a free one). */
  get port(): number {
    const a = this.server?.address();
    return typeof a === 'object' && a ? a.port : 0;
  }

  async start(): Promise<void> {
    const { tls, listen } = this.deps.config;
    this.server = tls
      ? createHttpsServer({
          cert: readFileSync(tls.cert), key: readFileSync(tls.key), ca: tls.ca ? readFileSync(tls.ca) : undefined,
          requestCert: tls.requireClientCert, rejectUnauthorized: tls.requireClientCert,
          ...serverTlsOptions(tls.ciphers),
        })
      : createHttpServer();
    this.server.on('request', (_req, res) => {
      res.writeHead(426, { Connection: 'close', Upgrade: 'websocket' }).end('OCPP-J endpoint: connect with a WebSocket\n');
    });
    this.server.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket, head));
    this.server.on('tlsClientError', (err) => this.log.warn('TLS handshake failed', { err: err.message }));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(listen.port, listen.host, () => {
        this.server!.off('error', reject);
        resolve();
      });
    });
    this.log.info('listening', { host: listen.host, port: this.port, path: this.deps.config.path, tls: tls ? (tls.requireClientCert ? 'mutual' : 'server') : 'off' });
  }

  async stop(): Promise<void> {
    const sessions = this.deps.registry.all();
    await Promise.all(sessions.map((s) => s.rpc.close(1001, 'site controller shutting down')));
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
    if (this.server) {
      const server = this.server;
      this.server = null;
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  private identityFrom(url: string | undefined): string | null {
    const base = this.deps.config.path + '/';
    const path = (url ?? '').split('?')[0];
    if (!path.startsWith(base)) return null;
    const rest = path.slice(base.length);
    if (rest === '' || rest.includes('/')) return null;
    try {
      return decodeURIComponent(rest);
    } catch {
      return null;
    }
  }

  /** Records a refusal in the registry; the log line is a warning when it is news, else debug (a charger retrying every few seconds). */
  private refused(id: string, configured: boolean, reason: RefusalReason, message: string, remote: string, fields: Record<string, unknown> = {}): void {
    const news = this.deps.registry.refuse(id, configured, { at: this.deps.now(), reason, message, remote });
    this.log[news ? 'warn' : 'debug'](`refused: ${message}`, { charger: id, remote, ...fields });
  }

  /** A failed login (401 for a wrong password or certificate): counted against the address; the failure that starts a block is logged and emitted once. */
  private loginFailed(address: string): void {
    const block = this.deps.registry.limiter.fail(address, this.deps.now());
    if (!block) return;
    const seconds = Math.ceil((block.until - this.deps.now()) / 1000);
    this.log.warn('too many failed logins: address blocked', { address, failures: block.failures, blockS: seconds });
    this.deps.registry.emit('blocked', block);
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const remote = `${req.socket.remoteAddress}:${req.socket.remotePort}`;
    const address = hostOf(remote);
    const id = this.identityFrom(req.url);
    if (id === null) {
      this.log.warn('refused: not a charger path', { url: req.url, remote });
      return refuse(socket, 404);
    }
    const charger = this.byId.get(id);
    // Checked before the password is even looked at: during a block the right password
    // is refused too, so guessing learns nothing (a charger sharing the address waits it out).
    const blockedUntil = this.deps.registry.limiter.blockedUntil(address, this.deps.now());
    if (blockedUntil > 0) {
      const retryS = Math.max(1, Math.ceil((blockedUntil - this.deps.now()) / 1000));
      if (charger) this.refused(id, true, 'rate-limited', `too many failed logins from ${address}: refused for ${retryS} s more`, remote);
      return refuse(socket, 429, { 'Retry-After': String(retryS) });
    }
    if (!charger && !this.deps.config.allowUnknownChargers) {
      this.refused(id, false, 'unknown-id', `unknown charger ${id} (not in the config's chargers list)`, remote);
      return refuse(socket, 404);
    }
    const tls = this.deps.config.tls;
    if (tls?.requireClientCert) {
      // The TLS layer already checked the chain against `ca`; the certificate must also be this charger's.
      const cn = (req.socket as TLSSocket).getPeerCertificate?.()?.subject?.CN;
      if (cn !== id) {
        this.refused(id, charger !== undefined, 'client-certificate', `client certificate is for ${cn ?? 'nobody'}, not for this charger`, remote, { cn });
        this.loginFailed(address);
        return refuse(socket, 401);
      }
    }
    if (charger?.password !== undefined) {
      const auth = parseBasicAuth(req.headers.authorization);
      if (!auth || auth.user !== id || !sameSecret(auth.password, charger.password)) {
        const what = !auth ? 'missing password (no HTTP Basic Authorization header)' : auth.user !== id ? `wrong user name ${auth.user} (must be the charger id)` : 'wrong password';
        this.refused(id, true, 'password', what, remote, { given: auth ? 'wrong' : 'none' });
        // No Authorization header is not a guess: some clients send credentials only after a 401 challenge.
        if (auth) this.loginFailed(address);
        return refuse(socket, 401, { 'WWW-Authenticate': 'Basic realm="site-controller", charset="UTF-8"' });
      }
    }
    this.deps.registry.limiter.succeed(address, this.deps.now());
    const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim()).filter((p) => p !== '');
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, id, charger, remote, offered));
  }

  private onConnection(ws: WebSocket, id: string, charger: ChargerConfig | undefined, remote: string, offered: string[]): void {
    const protocol = ws.protocol ? getProtocol(ws.protocol) : undefined;
    if (!protocol) {
      const supported = this.protocols.join(', ');
      const message = `no OCPP subprotocol in common: offered ${offered.length ? offered.join(', ') : 'none'}; supported ${supported}`;
      this.refused(id, charger !== undefined, 'subprotocol', message, remote, { offered: offered.join(',') || 'none', supported: this.protocols.join(',') });
      // A close reason is at most 123 bytes.
      ws.close(1002, Buffer.from(message).subarray(0, 123).toString());
      return;
    }
    const { config } = this.deps;
    const log = this.log.child('local', { charger: id });
    const rpc = new RpcConnection(ws, {
      protocol, log, callTimeoutMs: config.callTimeoutS * 1000, pingIntervalMs: config.pingIntervalS * 1000, maxBadFrames: config.maxBadFrames,
    });
    const session = new ChargerSession(id, charger, rpc, remote, this.deps.now());
    this.deps.onSession(session);
    const old = this.deps.registry.attach(session);
    if (old) {
      log.info('new connection replaces the previous one', { remote });
      void old.rpc.close(1000, 'replaced by a new connection');
    }
    log.info('connected', { remote, protocol: protocol.name, known: charger !== undefined });
    rpc.on('close', (code: number, reason: string) => log.info('disconnected', { code, reason: reason || undefined }));
  }
}
