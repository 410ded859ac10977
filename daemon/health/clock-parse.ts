// Pure parsers for what the gateway's time daemon says about the clock.
// Sign convention everywhere: offsetMs > 0 means the local clock is BEHIND the
// reference (NTP's "server minus local"), so adding it would correct the clock.

export interface DaemonClockState {
  synchronised: boolean | null;
  offsetMs: number | null;
  source: string | null;
  stratum: number | null;
}

/**
 * `chronyc -c tracking` is one CSV line: ref id (hex), ref name/address, stratum,
 * ref time, system time offset (s), last offset (s), rms offset, frequency,
 * residual freq, skew, root delay, root dispersion, update interval, leap status.
 * chrony prints the system-time field as NTP time minus system time (negative
 * when "fast"), which is already our sign convention.
 */
export function parseChronyTracking(stdout: string): DaemonClockState {
  const line = stdout.split('\n').map((l) => l.trim()).find((l) => l.includes(','));
  if (!line) throw new Error('chronyc tracking: no CSV line in output');
  const f = line.split(',');
  if (f.length < 14) throw new Error(`chronyc tracking: expected 14 fields, got ${f.length}`);
  const [refId, refName, stratumText, , systemOffset] = f;
  const leap = f[13]!;
  const stratum = Number(stratumText);
  const offsetS = Number(systemOffset);
  if (!Number.isFinite(stratum) || !Number.isFinite(offsetS)) throw new Error(`chronyc tracking: bad numbers in "${line}"`);
  // Leap status is "Normal", "Insert second", "Delete second" or "Not synchronised";
  // a zero reference id means chronyd has never selected a source.
  const synchronised = leap !== 'Not synchronised' && refId !== '00000000' && stratum > 0;
  return {
    synchronised,
    offsetMs: synchronised ? offsetS * 1000 : null,
    source: synchronised ? refName || refId || null : null,
    stratum: synchronised ? stratum : null,
  };
}

/** `timedatectl show` style `Key=Value` lines. */
export function parseKeyValues(stdout: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) out.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  return out;
}

/**
 * `timedatectl show` + `timedatectl show-timesync --all`. NTPSynchronized is the
 * kernel's own "clock is disciplined" flag, so it holds whatever daemon runs.
 * NTPMessage carries the last packet's timestamps only to the second, too coarse
 * for an offset; the offset comes from `timesync-status` (see below) when present.
 */
export function parseTimedatectl(show: string, timesync = ''): DaemonClockState & { ntpEnabled: boolean | null } {
  const props = parseKeyValues(show);
  const sync = props.get('NTPSynchronized');
  if (sync === undefined) throw new Error('timedatectl show: no NTPSynchronized property');
  const ts = parseKeyValues(timesync);
  const name = ts.get('ServerName') || '';
  const addr = ts.get('ServerAddress') || '';
  const source = name && addr && name !== addr ? `${name} (${addr})` : name || addr || null;
  const stratumMatch = /Stratum=(\d+)/.exec(ts.get('NTPMessage') ?? '');
  const ntp = props.get('NTP');
  return {
    synchronised: sync === 'yes',
    offsetMs: null,
    source,
    stratum: stratumMatch ? Number(stratumMatch[1]) : null,
    ntpEnabled: ntp === undefined ? null : ntp === 'yes',
  };
}

const SPAN_UNITS_MS: Record<string, number> = {
  y: 31_557_600_000, month: 2_629_800_000, w: 604_800_000, d: 86_400_000, h: 3_600_000,
  min: 60_000, s: 1000, ms: 1, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ns: 1e-6,
};

/** systemd time spans as printed by format_timespan: "1min 2.5s", "-1.245ms", "+560us". */
export function parseTimespanMs(text: string): number | null {
  const t = text.trim();
  const sign = t.startsWith('-') ? -1 : 1;
  const body = t.replace(/^[+-]/, '');
  let total = 0;
  let parts = 0;
  for (const m of body.matchAll(/(\d+(?:\.\d+)?)\s*([a-zµμ]+)/g)) {
    const unit = SPAN_UNITS_MS[m[2]!];
    if (unit === undefined) return null;
    total += Number(m[1]) * unit;
    parts++;
  }
  return parts > 0 ? sign * total : null;
}

/** "Offset: -1.245ms" from `timedatectl timesync-status` (the only place systemd prints it). */
export function parseTimesyncStatusOffset(stdout: string): number | null {
  const m = /^\s*Offset:\s*(\S.*)$/m.exec(stdout);
  return m ? parseTimespanMs(m[1]!) : null;
}
