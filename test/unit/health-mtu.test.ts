import test from 'node:test';
import assert from 'node:assert/strict';
import { probePathMtu, MtuCheck, targetHost, type PingProbe } from '../../daemon/health/mtu.js';
import type { PingOutcome } from '../../daemon/health/mtu-parse.js';
import type { CommandRunner } from '../../daemon/health/exec.js';

interface Path {
  /** Largest packet the path carries. */
  mtu: number;
  /** Does the narrow hop send "fragmentation needed" (true) or drop silently (a black hole)? */
  icmp: boolean;
}

/** A simulated path: answers, ICMP errors or silence, counting the pings sent. */
function simulate(path: Path): PingProbe & { sizes: number[] } {
  const sizes: number[] = [];
  const ping = async (size: number): Promise<PingOutcome> => {
    sizes.push(size);
    if (size <= path.mtu) return { kind: 'reply' };
    return path.icmp ? { kind: 'too-big', mtu: path.mtu, message: `Frag needed and DF set (mtu = ${path.mtu})` } : { kind: 'lost' };
  };
  return Object.assign(ping, { sizes });
}

test('a clean 1500 path takes two pings', async () => {
  const ping = simulate({ mtu: 1500, icmp: true });
  assert.deepEqual(await probePathMtu(ping, 576, 1500), { probed: true, pathMtu: 1500, blackHole: false, pings: 2 });
  assert.deepEqual(ping.sizes, [576, 1500]);
});

test('a router answering "Frag needed, mtu = 1400" is believed and checked: three pings', async () => {
  const ping = simulate({ mtu: 1400, icmp: true });
  assert.deepEqual(await probePathMtu(ping, 576, 1500), { probed: true, pathMtu: 1400, blackHole: false, pings: 3 });
  assert.deepEqual(ping.sizes, [576, 1500, 1400]);
  // the same behind a jumbo/loopback-sized interface
  assert.equal((await probePathMtu(simulate({ mtu: 1400, icmp: true }), 576, 65535)).pings, 3);
});

test('black holes: exact path MTU, flagged, in at most 12 pings', async () => {
  for (const mtu of [577, 1000, 1280, 1400, 1419, 1433, 1480, 1492, 1499]) {
    for (const high of [1500, 9000, 65535]) {
      const ping = simulate({ mtu, icmp: false });
      const r = await probePathMtu(ping, 576, high);
      assert.deepEqual(r, { probed: true, pathMtu: mtu, blackHole: true, pings: ping.sizes.length }, `mtu ${mtu} high ${high}`);
      assert.ok(r.pings <= 12, `mtu ${mtu} high ${high}: ${r.pings} pings (${ping.sizes.join(' ')})`);
    }
  }
});

test('paths wider than Ethernet are found too', async () => {
  const loop = simulate({ mtu: 65535, icmp: true });
  assert.deepEqual(await probePathMtu(loop, 576, 65535), { probed: true, pathMtu: 65535, blackHole: false, pings: 3 });
  const jumbo = await probePathMtu(simulate({ mtu: 9000, icmp: false }), 576, 65535);
  assert.equal(jumbo.pathMtu, 9000);
  assert.equal(jumbo.blackHole, true);
  // above Ethernet sizes plain bisection: 3 pings + log2 of the remaining range
  assert.ok(jumbo.pings <= 3 + Math.ceil(Math.log2(65535 - 1500)), `${jumbo.pings}`);
});

test('when even the smallest probe fails there is no path MTU, only a reason', async () => {
  const cases: [PingOutcome, RegExp][] = [
    [{ kind: 'lost' }, /no answer to a 576-byte ping: the host drops ICMP echo or is unreachable/],
    [{ kind: 'not-permitted', message: 'ping: socket: Operation not permitted' }, /^ping not permitted \(ping: socket: Operation not permitted\): give ping cap_net_raw/],
    [{ kind: 'icmp-error', message: 'Destination Net Unreachable' }, /576-byte ping failed: Destination Net Unreachable/],
  ];
  for (const [outcome, re] of cases) {
    const r = await probePathMtu(async () => outcome, 576, 1500);
    assert.equal(r.probed, false);
    assert.equal(r.pathMtu, undefined);
    assert.equal(r.blackHole, false);
    assert.match(r.reason ?? '', re);
  }
});

/** A fake `ping` command: looks at -s and answers with iputils-format text for the simulated path. */
function pingCommand(path: Path, overhead = 28): CommandRunner & { argv: string[][] } {
  const argv: string[][] = [];
  const run: CommandRunner = async (cmd, args) => {
    argv.push([cmd, ...args]);
    if (cmd !== 'ping') return { stdout: '', stderr: `${cmd}: not found`, code: null, failure: 'missing' };
    const size = Number(args[args.indexOf('-s') + 1]) + overhead;
    const head = `PING 10.0.0.9 (10.0.0.9) ${size - overhead}(${size}) bytes of data.\n`;
    if (size <= path.mtu) return { stdout: `${head}${size - 20} bytes from 10.0.0.9: icmp_seq=1 ttl=60 time=48.1 ms\n\n--- 10.0.0.9 ping statistics ---\n2 packets transmitted, 2 received, 0% packet loss, time 201ms\n`, stderr: '', code: 0 };
    if (path.icmp) return { stdout: `${head}From 10.0.0.1 icmp_seq=1 Frag needed and DF set (mtu = ${path.mtu})\n\n--- 10.0.0.9 ping statistics ---\n2 packets transmitted, 0 received, +2 errors, 100% packet loss, time 201ms\n`, stderr: `ping: local error: message too long, mtu=${path.mtu}\n`, code: 1 };
    return { stdout: `${head}\n--- 10.0.0.9 ping statistics ---\n2 packets transmitted, 0 received, 100% packet loss, time 1203ms\n`, stderr: '', code: 1 };
  };
  return Object.assign(run, { argv });
}

const NOW = Date.UTC(2026, 10, 21, 12, 0, 0);
const deps = (run: CommandRunner) => ({
  run,
  now: () => NOW,
  resolve: async () => ({ address: '10.0.0.9', family: 4 }),
  interfaceMtu: async () => 1500,
});

test('MtuCheck: a cellular black hole raises the alarm', async () => {
  const run = pingCommand({ mtu: 1430, icmp: false });
  const r = await new MtuCheck({ target: 'wss://csms.example.com/ocpp', intervalS: 3600 }, { ...deps(run), routeInterface: async () => 'wwan0' }).run();
  assert.deepEqual(r, {
    ts: '2026-11-21T12:00:00.000Z', target: 'wss://csms.example.com/ocpp', address: '10.0.0.9', interface: 'wwan0', interfaceMtu: 1500,
    pathMtu: 1430, blackHole: true, probed: true, pings: run.argv.length,
    alarm: 'path MTU black hole towards csms.example.com: packets over 1430 bytes vanish without an ICMP error',
  });
  assert.deepEqual(run.argv[0], ['ping', '-n', '-M', 'do', '-s', '548', '-c', '2', '-i', '0.2', '-W', '2', '10.0.0.9']);
});

test('MtuCheck: the route comes from `ip route get`, the hint from "Frag needed"', async () => {
  const path = pingCommand({ mtu: 1400, icmp: true });
  const run: CommandRunner = async (cmd, args, o) =>
    cmd === 'ip' ? { stdout: '10.0.0.9 via 10.0.0.1 dev wwan0 src 10.0.0.2 uid 1000 \\    cache \n', stderr: '', code: 0 } : path(cmd, args, o);
  const r = await new MtuCheck({ target: 'csms.example.com', intervalS: 3600 }, deps(run)).run();
  assert.equal(r.interface, 'wwan0');
  assert.equal(r.pathMtu, 1400);
  assert.equal(r.blackHole, false);
  assert.equal(r.alarm, null);
  assert.equal(r.pings, 3);
});

test('MtuCheck: IPv6 probes start at 1280 with 48 bytes of headers', async () => {
  const run = pingCommand({ mtu: 1500, icmp: true }, 48);
  const r = await new MtuCheck({ target: '2001:db8::9', intervalS: 3600 }, { ...deps(run), resolve: async () => ({ address: '2001:db8::9', family: 6 }), routeInterface: async () => 'eth0' }).run();
  assert.equal(r.pathMtu, 1500);
  assert.deepEqual(run.argv.map((a) => a[a.indexOf('-s') + 1]), ['1232', '1452']);
});

test('MtuCheck: missing ping, unresolvable target → probed:false with the reason', async () => {
  const missing: CommandRunner = async (cmd) => ({ stdout: '', stderr: `${cmd}: not found`, code: null, failure: 'missing' });
  const r1 = await new MtuCheck({ target: 'csms.example.com', intervalS: 1 }, { ...deps(missing), routeInterface: async () => 'eth0' }).run();
  assert.equal(r1.probed, false);
  assert.equal(r1.reason, 'ping is not installed (Debian package iputils-ping)');
  assert.equal(r1.interfaceMtu, 1500);

  const nx = async () => {
    throw new Error('getaddrinfo ENOTFOUND csms.invalid');
  };
  const r2 = await new MtuCheck({ target: 'csms.invalid', intervalS: 1 }, { ...deps(missing), resolve: nx }).run();
  assert.deepEqual(r2, {
    ts: '2026-11-21T12:00:00.000Z', target: 'csms.invalid', blackHole: false, probed: false, alarm: null,
    reason: 'cannot resolve csms.invalid: getaddrinfo ENOTFOUND csms.invalid',
  });
});

test('targets may be hosts, addresses or the upstream URL', () => {
  assert.equal(targetHost('csms.example.com'), 'csms.example.com');
  assert.equal(targetHost('wss://csms.example.com:443/ocpp/SITE-1'), 'csms.example.com');
  assert.equal(targetHost('wss://[2001:db8::1]/ocpp'), '2001:db8::1');
  assert.equal(targetHost('10.1.2.3'), '10.1.2.3');
});
