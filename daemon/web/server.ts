// The installer's web page and its HTTP API, served by the daemon itself on node:http
// (or node:https with web.tls). Routes:
//   GET  /, /style.css, /app.js          the page (public: it holds no data)
//   GET  /api/session                    whether a login is needed, who is logged in, the CSRF token
//   POST /api/login, /api/logout         session cookie (HttpOnly, SameSite=Strict, Secure under TLS)
//   GET  /api/status                     what `site-controller status --json` prints
//   GET  /api/events                     the same, live (Server-Sent Events)
//   POST /api/probe/meter | modem | charger/<id>   commissioning actions
// Every /api route but session and login needs a login when web.users is set (cookie or
// HTTP Basic). The work per request is bounded (body size, live pages, unsent bytes per
// page), so a slow or hostile browser never holds up charging in the same process.
import { createServer as createHttp, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttps } from 'node:https';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { WebConfig } from '../config/types.js';
import type { Logger } from '../log.js';
import { createHash } from 'node:crypto';
import { checkPassword, LoginLimiter, parseBasic, parseCookies, Sessions, type LimiterOptions, type Session } from './auth.js';
import { clientAddress, HttpError, isLocalHostHeader, readJson, sameOrigin, SECURITY_HEADERS, sendJson } from './http.js';
import { LiveFeed, type LiveStats } from './live.js';
import { loadStatic, type StaticFile } from './static.js';

type Listener = (...args: any[]) => void;
export interface ChangeSource {
  on(e: any, l: Listener): unknown;
  off(e: any, l: Listener): unknown;
}

export interface WebDeps {
  /** The control socket's status (daemon/control/snapshot.ts): /api/status returns exactly this. */
  snapshot: () => unknown;
  /** Emitters whose events mean "the status changed" (pushed to open pages, coalesced). */
  changes: Array<[ChangeSource, string[]]>;
  log: Logger;
  now?: () => number;
  probeMeter?: () => Promise<object>;
  probeModem?: () => Promise<object>;
  /** The compatibility probe of a connected charger (`site-controller probe charger ID`). */
  probeCharger?: (chargerId: string) => Promise<object>;
  /** Where index.html, style.css and app.js are (default dist/web/). */
  staticDir?: string;
  limiter?: LimiterOptions;
  /** Keeps logins across a restart (the store's kv); without it a restart asks for the login again. */
  kv?: { get<T>(key: string): T | undefined; set(key: string, value: unknown): void };
}

const SESSIONS_KEY = 'web.sessions';

const COOKIE = 'sc_session';
const MAX_BODY = 4096;

/** Events: 'clients' (the number of open live pages) whenever it changes. */
export class WebService extends EventEmitter<{ clients: [number] }> {
  private server: Server | null = null;
  private files: Map<string, StaticFile> | null = null;
  private readonly sessions: Sessions;
  private readonly limiter: LoginLimiter;
  private readonly live: LiveFeed;
  private readonly now: () => number;
  private readonly users: Array<{ name: string; password: string }>;
  /** Without users: one CSRF token for the process, handed out by /api/session. */
  private readonly anonymousCsrf = randomBytes(32).toString('base64url');
  private readonly running = new Set<string>();
  private readonly offs: Array<() => void> = [];

  constructor(private readonly config: WebConfig, private readonly deps: WebDeps) {
    super();
    this.now = deps.now ?? Date.now;
    this.users = (config.users ?? []).map((u) => ({ name: u.name, password: String(u.password) }));
    this.sessions = new Sessions(config.sessionTtlS * 1000, this.now, 1000, deps.kv && this.users.length > 0 ? this.sessionStore(deps.kv) : undefined);
    this.limiter = new LoginLimiter(this.now, deps.limiter);
    this.live = new LiveFeed(deps.snapshot, { maxClients: config.maxClients, maxBufferedBytes: config.maxBufferedKiB * 1024, pushIntervalMs: config.pushIntervalMs, now: this.now, onClients: (n) => this.emit('clients', n) });
  }

  /**
   * Sessions kept in the store, valid only for the same users and passwords: they are
   * saved with a digest of the users list salted with a random per-store value, and all
   * dropped when it differs at start (a user removed or a password changed).
   */
  private sessionStore(kv: NonNullable<WebDeps['kv']>) {
    let salt = kv.get<string>(`${SESSIONS_KEY}.salt`);
    if (!salt) kv.set(`${SESSIONS_KEY}.salt`, (salt = randomBytes(16).toString('base64url')));
    const users = createHash('sha256').update(salt).update(JSON.stringify(this.users)).digest('base64url');
    return {
      load: () => {
        const v = kv.get<{ users: string; sessions: Record<string, Session> }>(SESSIONS_KEY);
        return v?.users === users ? v.sessions : undefined;
      },
      save: (sessions: Record<string, Session>) => {
        try {
          kv.set(SESSIONS_KEY, { users, sessions });
        } catch (err) {
          // A store that cannot write (disk full) costs the logins a restart, nothing else.
          this.deps.log.warn('web sessions not saved', { err: (err as Error).message });
        }
      },
    };
  }

  get loginRequired(): boolean {
    return this.users.length > 0;
  }

  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? 0;
  }

  get url(): string {
    const host = this.config.listen.host.includes(':') ? `[${this.config.listen.host}]` : this.config.listen.host;
    return `${this.config.tls ? 'https' : 'http'}://${host}:${this.port}/`;
  }

  stats(): LiveStats & { sessions: number } {
    return { ...this.live.stats(), sessions: this.sessions.size };
  }

  async start(): Promise<void> {
    this.files = loadStatic(this.deps.staticDir);
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.handle(req, res);
    const tls = this.config.tls;
    const server = tls ? createHttps({ cert: readFileSync(tls.cert), key: readFileSync(tls.key) }, handler) : createHttp(handler);
    server.requestTimeout = 15_000;
    server.headersTimeout = 10_000;
    server.keepAliveTimeout = 5_000;
    server.maxHeadersCount = 64;
    server.maxConnections = this.config.maxClients * 2 + 32;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.config.listen.port, this.config.listen.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => this.deps.log.error('web server error', { err: err.message }));
    server.on('clientError', (_err, socket) => socket.destroy());
    this.server = server;
    for (const [emitter, events] of this.deps.changes) {
      for (const e of events) {
        const on = () => this.live.changed();
        emitter.on(e, on);
        this.offs.push(() => emitter.off(e, on));
      }
    }
    this.live.start();
    this.deps.log.info('web page served', { url: this.url, login: this.loginRequired });
  }

  async stop(): Promise<void> {
    for (const off of this.offs.splice(0)) off();
    this.live.stop();
    const server = this.server;
    this.server = null;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      await this.route(req, res);
    } catch (err) {
      if (res.headersSent) return void res.destroy();
      if (err instanceof HttpError) return sendJson(res, err.status, { error: err.message }, err.headers);
      this.deps.log.error('web request failed', { path: req.url?.slice(0, 200), err: (err as Error).message });
      sendJson(res, 500, { error: 'internal error (see the daemon log)' });
    }
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    const method = req.method ?? 'GET';
    // Without users the page is for this machine only: refuse a Host a rebinding site would send.
    if (!this.loginRequired && !isLocalHostHeader(req.headers.host)) throw new HttpError(403, 'this page answers only as localhost / 127.0.0.1 (set web.users to serve it under other names)');
    const file = this.files!.get(path);
    if (file) {
      if (method !== 'GET' && method !== 'HEAD') throw new HttpError(405, 'method not allowed', { allow: 'GET' });
      if (req.headers['if-none-match'] === file.etag) {
        res.writeHead(304, { ...SECURITY_HEADERS, etag: file.etag });
        return void res.end();
      }
      res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': file.type, 'content-length': file.body.length, etag: file.etag, 'cache-control': 'no-cache' });
      return void res.end(method === 'HEAD' ? undefined : file.body);
    }
    if (!path.startsWith('/api/')) throw new HttpError(404, 'not found');
    const key = `${method} ${path}`;
    if (key === 'GET /api/session') return this.sessionInfo(req, res);
    if (key === 'POST /api/login') return this.login(req, res);
    if (key === 'POST /api/logout') return this.logout(req, res);
    const who = this.authenticate(req);
    if (key === 'GET /api/status') return sendJson(res, 200, this.deps.snapshot());
    if (key === 'GET /api/events') {
      if (!this.live.add(res)) throw new HttpError(503, `too many live pages open (web.maxClients ${this.config.maxClients})`, { 'retry-after': '5' });
      return;
    }
    if (method === 'POST' && path.startsWith('/api/probe/')) return this.probe(req, res, path.slice('/api/probe/'.length), who);
    throw new HttpError(path.startsWith('/api/probe/') ? 405 : 404, path.startsWith('/api/probe/') ? 'method not allowed' : 'not found');
  }

  /** The user (or 'anonymous' without users) and the session's CSRF token; 401 when a login is needed. */
  private authenticate(req: IncomingMessage): { user: string; csrf: string | null } {
    if (!this.loginRequired) return { user: 'anonymous', csrf: this.anonymousCsrf };
    const session = this.sessions.get(parseCookies(req.headers.cookie).get(COOKIE));
    if (session) return { user: session.user, csrf: session.csrf };
    const basic = parseBasic(req.headers.authorization);
    if (basic) {
      const addr = clientAddress(req);
      const wait = this.limiter.retryAfterS(addr);
      if (wait > 0) throw new HttpError(429, `too many failed logins from ${addr}; try again in ${wait} s`, { 'retry-after': String(wait) });
      const user = checkPassword(this.users, basic.name, basic.password);
      if (user) return { user, csrf: null };
      this.limiter.failed(addr);
      this.deps.log.warn('web login failed', { remote: addr, user: basic.name.slice(0, 64), via: 'basic' });
    }
    throw new HttpError(401, 'login required');
  }

  private sessionInfo(req: IncomingMessage, res: ServerResponse): void {
    if (!this.loginRequired) return sendJson(res, 200, { loginRequired: false, user: null, csrf: this.anonymousCsrf });
    const session = this.sessions.get(parseCookies(req.headers.cookie).get(COOKIE));
    sendJson(res, 200, { loginRequired: true, user: session?.user ?? null, csrf: session?.csrf ?? null });
  }

  private async login(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!sameOrigin(req)) throw new HttpError(403, 'cross-site request refused');
    if (!this.loginRequired) return sendJson(res, 200, { user: null, csrf: this.anonymousCsrf });
    const addr = clientAddress(req);
    const wait = this.limiter.retryAfterS(addr);
    if (wait > 0) throw new HttpError(429, `too many failed logins from ${addr}; try again in ${wait} s`, { 'retry-after': String(wait) });
    const body = await readJson(req, MAX_BODY);
    const name = typeof body.name === 'string' ? body.name : '';
    const password = typeof body.password === 'string' ? body.password : '';
    const user = name && password ? checkPassword(this.users, name, password) : null;
    if (!user) {
      this.limiter.failed(addr);
      this.deps.log.warn('web login failed', { remote: addr, user: name.slice(0, 64) });
      throw new HttpError(401, 'wrong name or password');
    }
    this.limiter.succeeded(addr);
    const { token, session } = this.sessions.create(user);
    this.deps.log.info('web login', { remote: addr, user });
    const secure = this.config.tls ? '; Secure' : '';
    sendJson(res, 200, { user, csrf: session.csrf }, { 'set-cookie': `${COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${this.config.sessionTtlS}${secure}` });
  }

  private logout(req: IncomingMessage, res: ServerResponse): void {
    if (!sameOrigin(req)) throw new HttpError(403, 'cross-site request refused');
    this.sessions.delete(parseCookies(req.headers.cookie).get(COOKIE));
    sendJson(res, 200, { user: null }, { 'set-cookie': `${COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${this.config.tls ? '; Secure' : ''}` });
  }

  private async probe(req: IncomingMessage, res: ServerResponse, what: string, who: { user: string; csrf: string | null }): Promise<void> {
    // A session (or the anonymous page) proves the action comes from our page by the token only our page can read.
    if (!sameOrigin(req)) throw new HttpError(403, 'cross-site request refused');
    if (who.csrf !== null && req.headers['x-csrf-token'] !== who.csrf) throw new HttpError(403, 'missing or wrong X-CSRF-Token (reload the page)');
    await readJson(req, MAX_BODY); // drained and bounded; the actions take no body
    let run: (() => Promise<object>) | undefined;
    if (what === 'meter') run = this.deps.probeMeter;
    else if (what === 'modem') run = this.deps.probeModem;
    else if (what.startsWith('charger/')) {
      let id = '';
      try {
        id = decodeURIComponent(what.slice('charger/'.length));
      } catch {
        throw new HttpError(400, 'charger id is not valid percent-encoding');
      }
      if (!id || id.length > 128) throw new HttpError(400, 'charger id missing or too long');
      const p = this.deps.probeCharger;
      if (!p) throw new HttpError(501, 'the charger compatibility probe is not available in this build');
      run = () => p(id);
      what = `charger ${id}`;
    } else throw new HttpError(404, `no probe ${what}`);
    if (!run) throw new HttpError(501, `probe ${what} is not available`);
    // One probe of a kind at a time: a button pressed twice (or a script) does not pile up reads on the bus.
    if (this.running.has(what)) throw new HttpError(409, `a ${what} probe is already running`);
    this.running.add(what);
    this.deps.log.info('web probe', { what, user: who.user });
    try {
      sendJson(res, 200, await run());
    } finally {
      this.running.delete(what);
    }
  }
}
