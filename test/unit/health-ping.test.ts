import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parsePingOutput, parseRouteGet, type PingOutcome } from '../../daemon/health/mtu-parse.js';
import type { RunResult } from '../../daemon/health/exec.js';

function fixturesDir(): string {
  for (const start of [dirname(fileURLToPath(import.meta.url)), process.cwd()]) {
    for (let d = start; dirname(d) !== d; d = dirname(d)) {
      if (existsSync(join(d, 'test', 'fixtures', 'health'))) return join(d, 'test', 'fixtures', 'health');
    }
  }
  throw new Error('test/fixtures/health not found');
}
const capture = (name: string): RunResult => JSON.parse(readFileSync(join(fixturesDir(), 'ping', `${name}.json`), 'utf8')) as RunResult;

// Captured iputils outputs (see test/fixtures/health/README.md for how each was made).
const table: [string, PingOutcome | { kind: PingOutcome['kind']; match: RegExp }][] = [
  ['reply-v4', { kind: 'reply' }],
  ['reply-v6', { kind: 'reply' }],
  ['reply-below-black-hole', { kind: 'reply' }],
  ['frag-needed', { kind: 'too-big', mtu: 1400, message: 'From 10.9.1.1 icmp_seq=1 Frag needed and DF set (mtu = 1400)' }],
  ['frag-needed-unprivileged', { kind: 'too-big', mtu: 1400, message: 'From 10.9.1.1 icmp_seq=1 Frag needed and DF set (mtu = 1400)' }],
  ['local-too-long', { kind: 'too-big', mtu: 1400, message: 'ping: local error: message too long, mtu=1400' }],
  ['loopback-too-long', { kind: 'too-big', mtu: 65535, message: 'ping: local error: message too long, mtu=65535' }],
  ['lost-black-hole', { kind: 'lost' }],
  ['net-unreachable', { kind: 'icmp-error', message: 'Destination Net Unreachable' }],
  ['not-permitted', { kind: 'not-permitted', message: 'ping: socket: Operation not permitted' }],
  ['unknown-host', { kind: 'unknown-host', message: 'ping: no-such-host.invalid: Name or service not known' }],
];

for (const [name, expected] of table) {
  test(`ping output: ${name}`, () => {
    assert.deepEqual(parsePingOutput(capture(name)), expected);
  });
}

test('ping output: forms not captured here (IPv6 router, sendmsg EMSGSIZE, partial loss, busybox)', () => {
  const out = (stdout: string, stderr = '', code: number | null = 1) => parsePingOutput({ stdout, stderr, code });
  assert.deepEqual(out('PING 2001:db8::2(2001:db8::2) 1452 data bytes\nFrom 2001:db8::1 icmp_seq=1 Packet too big: mtu=1280\n'), {
    kind: 'too-big', mtu: 1280, message: 'From 2001:db8::1 icmp_seq=1 Packet too big: mtu=1280',
  });
  assert.deepEqual(out('', 'ping: sendmsg: Message too long\n'), { kind: 'too-big', mtu: null, message: 'ping: sendmsg: Message too long' });
  assert.deepEqual(out('1480 bytes from 10.0.0.1: icmp_seq=2 ttl=63 time=41 ms\n2 packets transmitted, 1 received, 50% packet loss, time 201ms\n', '', 0), { kind: 'reply' });
  assert.deepEqual(out('', "ping: unrecognized option: M\nBusyBox v1.36.1 multi-call binary.\n", 1), { kind: 'error', message: 'ping: unrecognized option: M' });
  assert.deepEqual(out('', '', 2), { kind: 'error', message: 'exit code 2' });
});

test('ip -o route get (captured)', () => {
  assert.deepEqual(parseRouteGet('local 127.0.0.1 dev lo src 127.0.0.1 uid 0 \\    cache <local> \n'), { dev: 'lo', mtu: null });
  assert.deepEqual(parseRouteGet('local ::1 from :: dev lo table local proto kernel src ::1 metric 0 pref medium\n'), { dev: 'lo', mtu: null });
  // after a "Frag needed": the kernel's cached path MTU shows on the route
  assert.deepEqual(parseRouteGet('10.9.2.2 via 10.9.1.1 dev va src 10.9.1.2 uid 0 \\    cache expires 599sec mtu 1400 \n'), { dev: 'va', mtu: 1400 });
  assert.deepEqual(parseRouteGet('RTNETLINK answers: Network is unreachable\n'), { dev: null, mtu: null });
});
