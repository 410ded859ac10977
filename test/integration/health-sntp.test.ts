// The SNTP client against tiny SNTP servers on loopback UDP ports.
import test from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { sntpQuery, writeNtpTimestamp } from '../../daemon/health/sntp.js';
import { ClockCheck } from '../../daemon/health/clock.js';
import type { CommandRunner } from '../../daemon/health/exec.js';

interface ServerOpts {
  /** Server clock minus the real clock. */
  skewMs?: number;
  stratum?: number;
  li?: number;
  refId?: string;
  /** Never answer. */
  silent?: boolean;
}

async function sntpServer(opts: ServerOpts): Promise<{ addr: string; requests: number; close(): Promise<void> }> {
  const sock = dgram.createSocket('udp4');
  const state = { requests: 0 };
  sock.on('message', (msg, from) => {
    state.requests++;
    if (opts.silent || msg.length < 48) return;
    const now = Date.now() + (opts.skewMs ?? 0);
    const r = Buffer.alloc(48);
    r[0] = ((opts.li ?? 0) << 6) | (4 << 3) | 4;
    r[1] = opts.stratum ?? 2;
    r.write((opts.refId ?? '').padEnd(4, '\0'), 12, 'latin1');
    msg.copy(r, 24, 40, 48); // originate = the client's transmit timestamp
    writeNtpTimestamp(r, 32, now);
    writeNtpTimestamp(r, 40, now);
    sock.send(r, from.port, from.address);
  });
  sock.bind(0, '127.0.0.1');
  await once(sock, 'listening');
  return {
    addr: `127.0.0.1:${sock.address().port}`,
    get requests() {
      return state.requests;
    },
    close: () => new Promise<void>((resolve) => sock.close(() => resolve())),
  };
}

/** A loopback port with nothing listening: the kernel answers ICMP port unreachable. */
async function closedPort(): Promise<string> {
  const s = dgram.createSocket('udp4');
  s.bind(0, '127.0.0.1');
  await once(s, 'listening');
  const port = s.address().port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return `127.0.0.1:${port}`;
}

test('SNTP measures a server running 5 s ahead', async (t) => {
  const srv = await sntpServer({ skewMs: 5000 });
  t.after(() => srv.close());
  const s = await sntpQuery(srv.addr, { timeoutMs: 2000 });
  assert.equal(s.server, srv.addr);
  assert.equal(s.stratum, 2);
  // Both clocks are the same machine's, read at 1 ms resolution: the error is bounded by half the delay plus rounding.
  assert.ok(Math.abs(s.offsetMs - 5000) <= s.delayMs / 2 + 2, `offset ${s.offsetMs}, delay ${s.delayMs}`);
  assert.ok(s.delayMs >= 0);
});

test('SNTP with a local clock 3 s behind reads +3000 ms', async (t) => {
  const srv = await sntpServer({});
  t.after(() => srv.close());
  const s = await sntpQuery(srv.addr, { now: () => Date.now() - 3000 });
  assert.ok(Math.abs(s.offsetMs - 3000) <= s.delayMs / 2 + 2, `offset ${s.offsetMs}`);
});

test('SNTP rejects kiss-of-death, unsynchronised servers, silence and closed ports', async (t) => {
  const kod = await sntpServer({ stratum: 0, refId: 'RATE' });
  const li3 = await sntpServer({ li: 3 });
  const silent = await sntpServer({ silent: true });
  t.after(() => Promise.all([kod.close(), li3.close(), silent.close()]));
  await assert.rejects(sntpQuery(kod.addr), /kiss-of-death RATE \(stratum 0\)/);
  await assert.rejects(sntpQuery(li3.addr), /leap indicator 3/);
  await assert.rejects(sntpQuery(silent.addr, { timeoutMs: 200 }), /no reply within 200 ms/);
  assert.equal(silent.requests, 1); // it did get our request
  await assert.rejects(sntpQuery(await closedPort(), { timeoutMs: 2000 }), /ECONNREFUSED/);
});

test('ClockCheck falls through a silent server to one that answers', async (t) => {
  const silent = await sntpServer({ silent: true });
  const good = await sntpServer({ skewMs: -4000 });
  t.after(() => Promise.all([silent.close(), good.close()]));
  const noDaemons: CommandRunner = async (cmd) => ({ stdout: '', stderr: `${cmd}: not found`, code: null, failure: 'missing' });
  const check = new ClockCheck({ intervalS: 300, maxOffsetMs: 1000, servers: [silent.addr, good.addr] }, { run: noDaemons, sntpTimeoutMs: 200 });
  const r = await check.run();
  assert.equal(r.method, 'sntp');
  assert.equal(r.source, good.addr);
  assert.ok(r.sntp && 'offsetMs' in r.sntp && Math.abs(r.sntp.offsetMs + 4000) <= r.sntp.delayMs / 2 + 2);
  assert.match(r.alarm ?? '', /clock offset -\d+(\.\d+)? ms exceeds 1000 ms \(sntp\)/);
});
