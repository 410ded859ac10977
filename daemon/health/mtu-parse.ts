// Pure parsers for iputils `ping` and iproute2 `ip route get` outputs, used by
// the path-MTU probe. Kept apart so they can be table-tested on captured text.

export type PingOutcome =
  /** At least one echo reply came back. */
  | { kind: 'reply' }
  /** Too big: an ICMP "fragmentation needed" / "packet too big", or the kernel's
   *  cached path MTU refusing the send locally. `mtu` is the hop's MTU when told. */
  | { kind: 'too-big'; mtu: number | null; message: string }
  /** Some other ICMP error (host/net unreachable...): the packet did not vanish silently. */
  | { kind: 'icmp-error'; message: string }
  /** No reply and no error: the packet vanished. */
  | { kind: 'lost' }
  | { kind: 'not-permitted'; message: string }
  | { kind: 'unknown-host'; message: string }
  /** ping itself failed for another reason (bad option, e.g. busybox without -M). */
  | { kind: 'error'; message: string }
  /** No ping binary at all (set by the caller's runner, never parsed). */
  | { kind: 'unavailable'; message: string };

const lineMatching = (text: string, re: RegExp) => text.split('\n').find((l) => re.test(l))?.trim() ?? '';

export function parsePingOutput(out: { stdout: string; stderr: string; code: number | null }): PingOutcome {
  const text = `${out.stdout}\n${out.stderr}`;
  const received = /(\d+) (?:packets )?received/.exec(text);
  if ((received && Number(received[1]) > 0) || /^\d+ bytes from /m.test(out.stdout)) return { kind: 'reply' };

  // IPv4 router: "From 10.9.1.1 icmp_seq=1 Frag needed and DF set (mtu = 1400)"
  // local (cached PMTU or interface): "ping: local error: message too long, mtu=1400"
  // IPv6 router: "From 2001:db8::1 icmp_seq=1 Packet too big: mtu=1280"
  const tooBig = /Frag(?:mentation)? needed and DF set \(mtu = (\d+)\)|message too long, mtu=(\d+)|Packet too big: mtu=(\d+)|Message too long/i;
  const m = tooBig.exec(text);
  if (m) {
    const mtu = m[1] ?? m[2] ?? m[3];
    return { kind: 'too-big', mtu: mtu ? Number(mtu) : null, message: lineMatching(text, tooBig) };
  }
  if (/Operation not permitted|Permission denied|missing cap_net_raw/i.test(text)) {
    return { kind: 'not-permitted', message: lineMatching(text, /Operation not permitted|Permission denied/i) || 'not permitted' };
  }
  const unknown = /Name or service not known|Temporary failure in name resolution|unknown host|No address associated/i;
  if (unknown.test(text)) return { kind: 'unknown-host', message: lineMatching(text, unknown) };
  const icmp = /^From \S+ icmp_seq=\d+ (.+)$/m.exec(out.stdout);
  if (icmp) return { kind: 'icmp-error', message: icmp[1]!.trim() };
  if (/100% packet loss/.test(text)) {
    // "+1 errors" without a printed reason still means something answered with an error.
    return /\+\d+ errors/.test(text) ? { kind: 'icmp-error', message: 'ICMP error' } : { kind: 'lost' };
  }
  // ping exits 1 for "no reply" and 2 for everything else.
  return { kind: 'error', message: lineMatching(out.stderr, /\S/) || lineMatching(out.stdout, /\S/) || `exit code ${out.code}` };
}

/** `ip -o route get ADDR`: the outgoing device, and a route MTU when the kernel has learnt or been told one. */
export function parseRouteGet(stdout: string): { dev: string | null; mtu: number | null } {
  const dev = /\bdev (\S+)/.exec(stdout);
  const mtu = /\bmtu (?:lock )?(\d+)/.exec(stdout);
  return { dev: dev ? dev[1]! : null, mtu: mtu ? Number(mtu[1]) : null };
}
