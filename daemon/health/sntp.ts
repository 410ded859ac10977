// A minimal SNTP client (RFC 4330 client mode) used as a cross-check of what the
// gateway's time daemon claims: a daemon can be "synchronised" to a bad source.
import dgram from 'node:dgram';
import { isIP } from 'node:net';
import { randomInt } from 'node:crypto';

export interface SntpSample {
  server: string;
  /** > 0: the local clock is behind the server. */
  offsetMs: number;
  delayMs: number;
  stratum: number;
}

export class SntpError extends Error {}
/** A datagram that is not the answer to our request (stray, late or forged): ignored, not fatal. */
export class SntpMismatch extends SntpError {}

const NTP_PACKET_BYTES = 48;
const NTP_UNIX_EPOCH_DELTA_S = 2_208_988_800; // 1900-01-01 → 1970-01-01
const TWO_POW_32 = 4_294_967_296;

/** Writes a Unix time in ms as a 64-bit NTP timestamp. */
export function writeNtpTimestamp(buf: Buffer, offset: number, unixMs: number): void {
  const secs = Math.floor(unixMs / 1000) + NTP_UNIX_EPOCH_DELTA_S;
  const frac = Math.floor(((unixMs % 1000) / 1000) * TWO_POW_32);
  buf.writeUInt32BE(secs % TWO_POW_32, offset); // era wrap in 2036 is intended
  buf.writeUInt32BE(frac, offset + 4);
}

/** Reads a 64-bit NTP timestamp as Unix ms; seconds with the top bit clear are era 1 (2036+), per RFC 4330 §3. */
export function readNtpTimestamp(buf: Buffer, offset: number): number {
  let secs = buf.readUInt32BE(offset);
  if ((secs & 0x80000000) === 0) secs += TWO_POW_32;
  const frac = buf.readUInt32BE(offset + 4);
  return (secs - NTP_UNIX_EPOCH_DELTA_S) * 1000 + (frac / TWO_POW_32) * 1000;
}

/**
 * The 48-byte client request: LI 0, version 4, mode 3, transmit timestamp t1.
 * Sub-millisecond bits of t1 are random so a reply must echo our exact value
 * (an off-path spoofer cannot guess it).
 */
export function buildRequest(t1Ms: number): Buffer {
  const buf = Buffer.alloc(NTP_PACKET_BYTES);
  buf[0] = (0 << 6) | (4 << 3) | 3;
  writeNtpTimestamp(buf, 40, t1Ms);
  buf.writeUInt32BE(((buf.readUInt32BE(44) & ~0x3ff) | randomInt(0x400)) >>> 0, 44);
  return buf;
}

/** Validates a server reply and computes offset = ((t2-t1)+(t3-t4))/2 and delay = (t4-t1)-(t3-t2). */
export function parseResponse(reply: Buffer, request: Buffer, t4Ms: number): Omit<SntpSample, 'server'> {
  if (reply.length < NTP_PACKET_BYTES) throw new SntpError(`short reply (${reply.length} bytes)`);
  const li = reply[0]! >> 6;
  const mode = reply[0]! & 7;
  const stratum = reply[1]!;
  if (mode !== 4) throw new SntpError(`unexpected mode ${mode}`);
  if (!reply.subarray(24, 32).equals(request.subarray(40, 48))) throw new SntpMismatch('reply does not echo our timestamp');
  if (stratum === 0) {
    const code = reply.subarray(12, 16).toString('latin1').replace(/[^\x20-\x7e]/g, '');
    throw new SntpError(`kiss-of-death${code ? ` ${code}` : ''} (stratum 0)`);
  }
  if (li === 3) throw new SntpError('server clock not synchronised (leap indicator 3)');
  if (stratum > 15) throw new SntpError(`server unsynchronised (stratum ${stratum})`);
  if (reply.readUInt32BE(40) === 0 && reply.readUInt32BE(44) === 0) throw new SntpError('zero transmit timestamp');
  const t1 = readNtpTimestamp(request, 40);
  const t2 = readNtpTimestamp(reply, 32);
  const t3 = readNtpTimestamp(reply, 40);
  const offsetMs = (t2 - t1 + (t3 - t4Ms)) / 2;
  const delayMs = Math.max(0, t4Ms - t1 - (t3 - t2));
  return { offsetMs, delayMs, stratum };
}

/** "host", "host:port", "[v6]:port" or a bare IPv6 address. */
export function parseServer(server: string): { host: string; port: number } {
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(server);
  if (bracket) return { host: bracket[1]!, port: bracket[2] ? Number(bracket[2]) : 123 };
  if (isIP(server) === 6) return { host: server, port: 123 };
  const i = server.lastIndexOf(':');
  if (i > 0 && /^\d+$/.test(server.slice(i + 1))) return { host: server.slice(0, i), port: Number(server.slice(i + 1)) };
  return { host: server, port: 123 };
}

export interface SntpOptions {
  timeoutMs?: number;
  /** Wall clock in Unix ms; injectable so tests can fake a skewed local clock. */
  now?: () => number;
}

/** One query to one server. Rejects with SntpError / a socket error; the socket is always closed. */
export function sntpQuery(server: string, opts: SntpOptions = {}): Promise<SntpSample> {
  const { host, port } = parseServer(server);
  const now = opts.now ?? Date.now;
  const timeoutMs = opts.timeoutMs ?? 2000;
  const socket = dgram.createSocket(isIP(host) === 6 ? 'udp6' : 'udp4');
  return new Promise<SntpSample>((resolve, reject) => {
    let request: Buffer | undefined;
    let finished = false;
    const done = (err: Error | null, sample?: SntpSample) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      socket.removeAllListeners('message');
      socket.close();
      if (err) reject(err);
      else resolve(sample!);
    };
    const timer = setTimeout(() => done(new SntpError(`no reply within ${timeoutMs} ms`)), timeoutMs);
    socket.on('error', (err) => done(err));
    socket.on('message', (msg) => {
      const t4 = now();
      if (!request) return;
      try {
        done(null, { server, ...parseResponse(msg, request, t4) });
      } catch (err) {
        // A stray or forged datagram is not the answer; a definite rejection from
        // the server (kiss-of-death, unsynchronised) is.
        if (err instanceof SntpMismatch) return;
        done(err as Error);
      }
    });
    // connect() makes the kernel drop datagrams from any other address:port.
    // A failed name lookup arrives as the callback's argument.
    socket.connect(port, host, (err?: Error) => {
      if (err) return done(err);
      try {
        request = buildRequest(now());
        socket.send(request, (err) => {
          if (err) done(err);
        });
      } catch (err) {
        done(err as Error); // never let a throw escape a socket callback
      }
    });
  });
}
