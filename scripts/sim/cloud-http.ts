// The HTTP side of the simulated cloud: the listening server (plain or TLS) and the
// verdict on each WebSocket upgrade — which identity, whether it may connect, and the
// HTTP status a real CSMS would refuse it with (404 unknown, 401 bad credentials).
import { createServer as createHttpServer, STATUS_CODES, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';

export interface TlsOptions {
  cert: string | Buffer;
  key: string | Buffer;
  ca?: string | Buffer;
  requestCert?: boolean;
}

export interface ListenOptions {
  port: number;
  host: string;
  tls?: TlsOptions;
  /** Every raw TCP socket, so an outage can cut them all (upgraded or mid-handshake). */
  onSocket: (s: Socket) => void;
  onUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
}

export async function listen(o: ListenOptions): Promise<{ server: Server; port: number }> {
  const server = o.tls
    ? createHttpsServer({ cert: o.tls.cert, key: o.tls.key, ca: o.tls.ca, requestCert: o.tls.requestCert ?? false, rejectUnauthorized: o.tls.requestCert ?? false })
    : createHttpServer();
  server.on('connection', o.onSocket);
  // Plain HTTP requests are not OCPP: tell them to upgrade.
  server.on('request', (_req, res) => res.writeHead(426, { Connection: 'close' }).end());
  server.on('upgrade', o.onUpgrade);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return { server, port: (server.address() as AddressInfo).port };
}

export type UpgradeVerdict = { identity: string } | { status: number; headers?: string };

/**
 * Who is connecting and may they: the identity is the last path segment under basePath;
 * with an identities table, unknown ones get 404 and a wrong or missing Basic password
 * 401 (the username must be the identity, as in OCPP security profile 1/2).
 */
export function judgeUpgrade(
  req: IncomingMessage,
  basePath: string,
  identities: Record<string, string | null> | undefined,
  forcedStatus: number | null,
): UpgradeVerdict {
  if (forcedStatus !== null) return { status: forcedStatus };
  const pathname = new URL(req.url ?? '/', 'http://x').pathname;
  const prefix = `${basePath}/`;
  let identity = '';
  try {
    identity = pathname.startsWith(prefix) ? decodeURIComponent(pathname.slice(prefix.length)) : '';
  } catch {
    // a malformed %-escape is an unknown identity
  }
  if (!identity || identity.includes('/')) return { status: 404 };
  if (!identities) return { identity };
  if (!Object.hasOwn(identities, identity)) return { status: 404 };
  const password = identities[identity];
  if (password !== null && !basicAuthMatches(req.headers.authorization, identity, password)) {
    return { status: 401, headers: 'WWW-Authenticate: Basic realm="ocpp"\r\n' };
  }
  return { identity };
}

/** Answers an upgrade with an HTTP error and closes once it is written. */
export function refuseUpgrade(socket: Duplex, status: number, headers = ''): void {
  socket.once('finish', () => socket.destroy());
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Refused'}\r\nConnection: close\r\nContent-Length: 0\r\n${headers}\r\n`);
}

function basicAuthMatches(header: string | undefined, user: string, password: string): boolean {
  const m = /^Basic\s+(\S+)$/i.exec(header ?? '');
  return m !== null && Buffer.from(m[1], 'base64').toString('utf8') === `${user}:${password}`;
}
