// Path MTU to the cloud host. Cellular links often carry less than 1500 bytes,
// and a hop that drops big packets without the ICMP "fragmentation needed"
// answer (a black hole) makes TLS handshakes and large records hang while small
// pings look fine. We find the largest don't-fragment ping that gets through.
import { readFile } from 'node:fs/promises';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import si from 'systeminformation';
import { execRunner, errorMessage, withTimeout, isoTs, type CommandRunner } from './exec.js';
import { parsePingOutput, parseRouteGet, type PingOutcome } from './mtu-parse.js';

export interface MtuSettings {
  /** Host name, address or URL of the upstream (cloud) host. */
  target: string;
  intervalS: number;
}

export interface MtuResult {
  ts: string;
  target: string;
  address?: string;
  interface?: string;
  interfaceMtu?: number;
  /** Largest IP packet (bytes, headers included) that reached the target with DF set. */
  pathMtu?: number;
  blackHole: boolean;
  probed: boolean;
  reason?: string;
  pings?: number;
  alarm: string | null;
}

export interface ProbeOutcome {
  probed: boolean;
  pathMtu?: number;
  blackHole: boolean;
  reason?: string;
  pings: number;
}

/** Sends one don't-fragment probe of `packetSize` bytes (IP packet, headers included). */
export type PingProbe = (packetSize: number) => Promise<PingOutcome>;

const ETHERNET_MTU = 1500;
const MAX_PINGS = 20; // hard stop; the search needs about log2(range) + 3

function whyNotProbed(size: number, r: PingOutcome): string {
  switch (r.kind) {
    case 'not-permitted':
      return `ping not permitted (${r.message}): give ping cap_net_raw or widen net.ipv4.ping_group_range to the daemon's group`;
    case 'unknown-host':
      return `cannot resolve target (${r.message})`;
    case 'lost':
      return `no answer to a ${size}-byte ping: the host drops ICMP echo or is unreachable`;
    case 'unavailable':
      return r.message;
    case 'too-big':
    case 'icmp-error':
    case 'error':
      return `${size}-byte ping failed: ${r.message}`;
    case 'reply':
      return 'unexpected reply';
  }
}

/**
 * Binary search for the largest packet size in [low, high] that gets an echo
 * reply. Invariant: `lo` got a reply, `hi` did not (or is beyond the range).
 * A size that fails with an MTU in the ICMP error jumps straight to that MTU.
 */
export async function probePathMtu(ping: PingProbe, low: number, high: number): Promise<ProbeOutcome> {
  let pings = 0;
  const first = await ping(low);
  pings++;
  if (first.kind !== 'reply') return { probed: false, blackHole: false, reason: whyNotProbed(low, first), pings };

  let lo = low;
  let hi = high + 1;
  let hiSilent = false; // did the smallest failing size vanish without any answer?
  // Likely answers first: Ethernet's 1500 (most Internet paths), then the
  // interface MTU (loopback, LAN); only then bisect.
  const likely = [Math.min(high, ETHERNET_MTU), high];
  while (hi - lo > 1 && pings < MAX_PINGS) {
    let size = Math.floor((lo + hi) / 2);
    while (likely.length) {
      const c = likely.shift()!;
      if (c > lo && c < hi) {
        size = c;
        break;
      }
    }
    const r = await ping(size);
    pings++;
    if (r.kind === 'reply') {
      lo = size;
      continue;
    }
    if (r.kind === 'not-permitted' || r.kind === 'error' || r.kind === 'unknown-host' || r.kind === 'unavailable') {
      return { probed: false, blackHole: false, reason: whyNotProbed(size, r), pings };
    }
    hi = size;
    hiSilent = r.kind === 'lost';
    if (r.kind === 'too-big' && r.mtu !== null && r.mtu > lo && r.mtu < size) {
      // The hop told us its MTU: bigger fails for sure, so only the hint needs checking.
      hi = r.mtu + 1;
      hiSilent = false;
      likely.unshift(r.mtu);
    }
  }
  if (hi - lo > 1) return { probed: false, blackHole: false, reason: `gave up after ${pings} pings between ${lo} and ${hi} bytes`, pings };
  return { probed: true, pathMtu: lo, blackHole: hi <= high && hiSilent, pings };
}

export interface MtuDeps {
  run?: CommandRunner;
  now?: () => number;
  resolve?: (host: string) => Promise<{ address: string; family: number }>;
  /** Outgoing interface towards an address. */
  routeInterface?: (address: string) => Promise<string | null>;
  interfaceMtu?: (iface: string) => Promise<number | null>;
  /** Seconds ping waits for an answer (-W). */
  pingWaitS?: number;
  /** Echo requests per probed size: more than one keeps a single lost packet on a lossy cellular link from reading as "too big". */
  pingsPerProbe?: number;
}

/** Accepts "host", "host:port"-less URLs like wss://host/ocpp, or an address. */
export function targetHost(target: string): string {
  if (target.includes('://')) {
    try {
      return new URL(target).hostname.replace(/^\[|\]$/g, '');
    } catch {
      /* not a URL after all */
    }
  }
  return target;
}

export class MtuCheck {
  readonly name = 'mtu';
  private readonly run_: CommandRunner;
  private readonly now: () => number;
  private readonly waitS: number;
  private readonly count: number;

  constructor(private readonly settings: MtuSettings, private readonly deps: MtuDeps = {}) {
    this.run_ = deps.run ?? execRunner;
    this.now = deps.now ?? Date.now;
    this.waitS = deps.pingWaitS ?? 2;
    this.count = deps.pingsPerProbe ?? 2;
  }

  async run(): Promise<MtuResult> {
    const budget = MAX_PINGS * this.pingTimeoutMs() + 15_000;
    const base = () => ({ ts: isoTs(this.now()), target: this.settings.target, blackHole: false, probed: false, alarm: null });
    return withTimeout(
      this.check().catch((err) => ({ ...base(), reason: `MTU check failed: ${errorMessage(err)}` })),
      budget,
      () => ({ ...base(), reason: `MTU check did not finish within ${budget} ms` }),
    );
  }

  private pingTimeoutMs(): number {
    return (this.waitS + 0.2 * this.count + 2) * 1000;
  }

  private async check(): Promise<MtuResult> {
    const host = targetHost(this.settings.target);
    const result: MtuResult = { ts: '', target: this.settings.target, blackHole: false, probed: false, alarm: null };
    let address: string;
    let family: number;
    try {
      ({ address, family } = await withTimeout((this.deps.resolve ?? defaultResolve)(host), 10_000, () => {
        throw new Error('lookup timed out');
      }));
    } catch (err) {
      return { ...result, ts: isoTs(this.now()), reason: `cannot resolve ${host}: ${errorMessage(err)}` };
    }
    result.address = address;
    const iface = await (this.deps.routeInterface ?? ((a) => this.defaultRouteInterface(a)))(address).catch(() => null);
    if (iface) result.interface = iface;
    const ifMtu = iface ? await (this.deps.interfaceMtu ?? defaultInterfaceMtu)(iface).catch(() => null) : null;
    if (ifMtu) result.interfaceMtu = ifMtu;

    // ICMP echo adds 8 bytes to the IP header (20 for IPv4, 40 for IPv6);
    // an IPv4 packet can never exceed 65535 bytes whatever the interface says.
    const v6 = family === 6;
    const overhead = v6 ? 48 : 28;
    const low = v6 ? 1280 : 576;
    const high = Math.max(low, Math.min(ifMtu ?? ETHERNET_MTU, v6 ? 65535 + 40 : 65535));
    const ping: PingProbe = async (size) => {
      const args = ['-n', '-M', 'do', '-s', String(size - overhead), '-c', String(this.count), '-i', '0.2', '-W', String(this.waitS), address];
      const r = await this.run_('ping', args, { timeoutMs: this.pingTimeoutMs() });
      if (r.failure === 'missing') return { kind: 'unavailable', message: 'ping is not installed (Debian package iputils-ping)' };
      if (r.failure === 'timeout') return { kind: 'lost' };
      return parsePingOutput(r);
    };
    const probe = await probePathMtu(ping, low, high);
    Object.assign(result, probe);
    if (probe.pathMtu === undefined) delete result.pathMtu;
    if (probe.reason === undefined) delete result.reason;
    result.ts = isoTs(this.now());
    if (probe.blackHole) {
      result.alarm = `path MTU black hole towards ${host}: packets over ${probe.pathMtu} bytes vanish without an ICMP error`;
    }
    return result;
  }

  /** `ip route get` names the device the kernel would really use; without iproute2, guess. */
  private async defaultRouteInterface(address: string): Promise<string | null> {
    const r = await this.run_('ip', ['-o', 'route', 'get', address], { timeoutMs: 5000 });
    const dev = r.code === 0 ? parseRouteGet(r.stdout).dev : null;
    if (dev) return dev;
    if (/^127\./.test(address) || address === '::1') return 'lo';
    return (await si.networkInterfaceDefault()) || null;
  }
}

async function defaultResolve(host: string): Promise<{ address: string; family: number }> {
  // Resolve once so every probe goes to the same address even behind round-robin DNS.
  const fam = isIP(host);
  if (fam) return { address: host, family: fam };
  return lookup(host);
}

/** sysfs is exact and cheap; systeminformation covers systems without it. */
async function defaultInterfaceMtu(iface: string): Promise<number | null> {
  try {
    const n = Number((await readFile(`/sys/class/net/${iface}/mtu`, 'utf8')).trim());
    if (Number.isInteger(n) && n > 0) return n;
  } catch {
    /* fall through */
  }
  const all = await si.networkInterfaces();
  const found = (Array.isArray(all) ? all : [all]).find((i) => i.iface === iface);
  return found?.mtu ?? null;
}
