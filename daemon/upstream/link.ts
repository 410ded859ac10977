// Opens the WebSocket to the cloud and measures each phase of the attempt (DNS,
// TCP, TLS, WebSocket upgrade), so a field technician can tell a cellular problem
// from a certificate problem: a failure names the phase it ended in.
import net from 'node:net';
import tls from 'node:tls';
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { clientTlsOptions } from '../tls-policy.js';

export type LinkPhase = 'dns' | 'tcp' | 'tls' | 'upgrade' | 'subprotocol' | 'boot' | 'connected';

export interface LinkTimings {
  dnsMs?: number;
  tcpMs?: number;
  tlsMs?: number;
  upgradeMs?: number;
  bootMs?: number;
}

export interface LinkSettings {
  url: string;
  identity: string;
  password?: string;
  ca?: string;
  cert?: string;
  key?: string;
  /** OpenSSL cipher string replacing the default AEAD-only list (upstream.ciphers). */
  ciphers?: string;
  protocol: string;
  handshakeTimeoutMs: number;
  maxPayload: number;
}

export class LinkError extends Error {
  constructor(readonly phase: LinkPhase, message: string, readonly timings: LinkTimings, readonly statusCode?: number) {
    super(message);
    this.name = 'LinkError';
  }
}

const CLOCK_HINT = new Set(['CERT_NOT_YET_VALID', 'CERT_HAS_EXPIRED', 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED']);

/**
 * A one-line reason for a socket-level failure, with a hint where the cause is typical.
 * Without a phase prefix: the caller records the phase beside it (`dns: ...` in status),
 * so a prefix here printed it twice (`dns: DNS: host not found`).
 */
export function describeSocketError(err: NodeJS.ErrnoException & { hostname?: string }, host?: string): string {
  const code = err.code ?? '';
  const name = err.hostname ?? host ?? 'the host';
  if (code === 'ENOTFOUND') return `host ${name} not found`;
  if (code === 'EAI_AGAIN') return `lookup of ${name} timed out (no DNS server reachable?)`;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ETIMEDOUT') return 'connect timed out';
  if (code === 'ECONNRESET') return 'connection reset by peer';
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return `${code} (no route: modem down?)`;
  if (CLOCK_HINT.has(code)) return `${code} (is the gateway clock right?)`;
  return code ? `${code}: ${err.message}` : err.message;
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).hostname;
  } catch {
    return undefined;
  }
}

export function linkUrl(base: string, identity: string): string {
  return `${base.replace(/\/+$/, '')}/${encodeURIComponent(identity)}`;
}

/** Connects and resolves with the open socket and timings; rejects with a LinkError naming the phase. */
export function openLink(s: LinkSettings): Promise<{ ws: WebSocket; timings: LinkTimings; remoteAddress: string }> {
  const t0 = performance.now();
  const timings: LinkTimings = {};
  let phase: LinkPhase = 'dns';
  const since = () => Math.round((performance.now() - t0) * 10) / 10;
  const isTls = s.url.startsWith('wss:');
  const headers: Record<string, string> = {};
  if (s.password !== undefined) headers.Authorization = 'Basic ' + Buffer.from(`${s.identity}:${s.password}`).toString('base64');

  const createConnection = (options: any): net.Socket => {
    const host: string = options.host;
    if (net.isIP(host)) {
      timings.dnsMs = 0;
      phase = 'tcp';
    }
    const socket: net.Socket = isTls
      ? tls.connect({ ...options, ...clientTlsOptions(s.ciphers), path: undefined, servername: options.servername ?? (net.isIP(host) ? '' : host) })
      : net.connect({ ...options, path: options.socketPath });
    socket.once('lookup', (err) => {
      if (err) return;
      timings.dnsMs = since();
      phase = 'tcp';
    });
    socket.once('connect', () => {
      timings.tcpMs = since() - (timings.dnsMs ?? 0);
      phase = isTls ? 'tls' : 'upgrade';
    });
    socket.once('secureConnect', () => {
      timings.tlsMs = since() - (timings.dnsMs ?? 0) - (timings.tcpMs ?? 0);
      phase = 'upgrade';
    });
    return socket;
  };

  return new Promise((resolve, reject) => {
    let ws: WebSocket;
    try {
      ws = new WebSocket(linkUrl(s.url, s.identity), [s.protocol], {
        headers,
        ca: s.ca ? readFileSync(s.ca) : undefined,
        cert: s.cert ? readFileSync(s.cert) : undefined,
        key: s.key ? readFileSync(s.key) : undefined,
        handshakeTimeout: s.handshakeTimeoutMs,
        maxPayload: s.maxPayload,
        perMessageDeflate: true,
        createConnection,
      } as WebSocket.ClientOptions);
    } catch (err) {
      reject(new LinkError('dns', (err as Error).message, timings));
      return;
    }
    const fail = (err: LinkError) => {
      ws.removeAllListeners();
      ws.on('error', () => {});
      ws.terminate();
      reject(err);
    };
    ws.once('unexpected-response', (_req, res) => {
      fail(new LinkError('upgrade', `HTTP ${res.statusCode} ${res.statusMessage ?? ''} at the WebSocket upgrade`.trim(), timings, res.statusCode));
    });
    ws.once('upgrade', () => {
      timings.upgradeMs = since() - (timings.dnsMs ?? 0) - (timings.tcpMs ?? 0) - (timings.tlsMs ?? 0);
    });
    ws.once('error', (err: NodeJS.ErrnoException) => {
      if (/subprotocol/i.test(err.message)) return fail(new LinkError('subprotocol', `the cloud did not accept subprotocol ${s.protocol}: ${err.message}`, timings));
      if (/handshake has timed out/i.test(err.message)) return fail(new LinkError(phase, `timed out in ${phase} after ${s.handshakeTimeoutMs} ms`, timings));
      fail(new LinkError(phase, describeSocketError(err, hostOf(s.url)), timings));
    });
    ws.once('open', () => {
      ws.removeAllListeners('error');
      ws.removeAllListeners('unexpected-response');
      ws.removeAllListeners('upgrade');
      if (ws.protocol !== s.protocol) {
        return fail(new LinkError('subprotocol', `the cloud selected "${ws.protocol}" instead of ${s.protocol}`, timings));
      }
      const sock = (ws as unknown as { _socket?: net.Socket })._socket;
      resolve({ ws, timings, remoteAddress: sock ? `${sock.remoteAddress}:${sock.remotePort}` : '' });
    });
  });
}

/** Exponential backoff with full jitter: a fleet of gateways does not reconnect in lockstep. */
export function backoffDelayMs(attempt: number, minMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 30));
  return Math.round(minMs + random() * (ceiling - minMs));
}
