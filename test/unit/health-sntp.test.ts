import test from 'node:test';
import assert from 'node:assert/strict';
import { buildRequest, parseResponse, parseServer, readNtpTimestamp, writeNtpTimestamp } from '../../daemon/health/sntp.js';

interface ReplyOpts {
  /** Server clock minus client clock. */
  skewMs?: number;
  oneWayMs?: number;
  serverHoldMs?: number;
  li?: number;
  mode?: number;
  stratum?: number;
  refId?: string;
}

/** A server reply to `request` as a server `skewMs` ahead would send it, plus the client's receive time t4. */
function reply(request: Buffer, o: ReplyOpts = {}): { buf: Buffer; t4: number } {
  const { skewMs = 0, oneWayMs = 2, serverHoldMs = 1, li = 0, mode = 4, stratum = 2, refId = '' } = o;
  const t1 = readNtpTimestamp(request, 40);
  const buf = Buffer.alloc(48);
  buf[0] = (li << 6) | (4 << 3) | mode;
  buf[1] = stratum;
  buf.write(refId.padEnd(4, '\0'), 12, 'latin1');
  request.copy(buf, 24, 40, 48);
  const t2 = t1 + oneWayMs + skewMs;
  writeNtpTimestamp(buf, 32, t2);
  writeNtpTimestamp(buf, 40, t2 + serverHoldMs);
  return { buf, t4: t1 + 2 * oneWayMs + serverHoldMs };
}

const near = (a: number, b: number, eps = 1e-3) => assert.ok(Math.abs(a - b) < eps, `${a} ≉ ${b}`);

test('NTP timestamps round-trip, including after the 2036 era wrap', () => {
  for (const ms of [Date.UTC(2026, 10, 21, 12, 0, 0, 123), Date.UTC(2036, 1, 7, 6, 28, 16), Date.UTC(2040, 0, 1, 0, 0, 0, 999)]) {
    const b = Buffer.alloc(8);
    writeNtpTimestamp(b, 0, ms);
    near(readNtpTimestamp(b, 0), ms);
  }
});

test('request is 48 bytes, version 4 client mode, carrying t1', () => {
  const t1 = Date.UTC(2026, 0, 1);
  const req = buildRequest(t1);
  assert.equal(req.length, 48);
  assert.equal(req[0], 0x23); // LI 0, VN 4, mode 3
  near(readNtpTimestamp(req, 40), t1);
});

test('offset = ((t2-t1)+(t3-t4))/2 and delay = (t4-t1)-(t3-t2)', () => {
  const req = buildRequest(Date.UTC(2026, 5, 1));
  for (const skewMs of [0, 5000, -250.5]) {
    const { buf, t4 } = reply(req, { skewMs, oneWayMs: 7, serverHoldMs: 3 });
    const r = parseResponse(buf, req, t4);
    near(r.offsetMs, skewMs);
    near(r.delayMs, 14);
    assert.equal(r.stratum, 2);
  }
});

test('replies that must not be trusted are rejected with the reason', () => {
  const req = buildRequest(Date.now());
  const cases: [ReplyOpts, RegExp][] = [
    [{ stratum: 0, refId: 'RATE' }, /kiss-of-death RATE/],
    [{ stratum: 0, refId: 'DENY' }, /kiss-of-death DENY/],
    [{ li: 3 }, /not synchronised \(leap indicator 3\)/],
    [{ li: 3, stratum: 16 }, /leap indicator 3/],
    [{ stratum: 16 }, /stratum 16/],
    [{ mode: 3 }, /unexpected mode 3/],
  ];
  for (const [opts, re] of cases) {
    const { buf, t4 } = reply(req, opts);
    assert.throws(() => parseResponse(buf, req, t4), re);
  }
  const { buf, t4 } = reply(buildRequest(Date.now() - 10_000));
  assert.throws(() => parseResponse(buf, req, t4), /does not echo our timestamp/);
  assert.throws(() => parseResponse(Buffer.alloc(20), req, t4), /short reply/);
});

test('server strings', () => {
  assert.deepEqual(parseServer('pool.ntp.org'), { host: 'pool.ntp.org', port: 123 });
  assert.deepEqual(parseServer('127.0.0.1:12345'), { host: '127.0.0.1', port: 12345 });
  assert.deepEqual(parseServer('[::1]:1123'), { host: '::1', port: 1123 });
  assert.deepEqual(parseServer('2001:db8::1'), { host: '2001:db8::1', port: 123 });
});
