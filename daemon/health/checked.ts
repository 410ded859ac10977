// Whether a health result says anything: a check that could not look (no time
// daemon and no SNTP server answered, ping not permitted...) has no alarm, and
// "ok" would be a lie. Pure; `status` prints "not checked" with the reason.

type Result = Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** Why this result checked nothing, or null when it did. */
export function uncheckedReason(name: string, r: Result): string | null {
  if (name === 'ntp' && r.method === 'none') {
    const sntp = r.sntp as { server?: string; error?: string } | undefined;
    const parts = [str(r.reason) ?? 'no time daemon answered', sntp?.error ? `SNTP ${sntp.server}: ${sntp.error}` : 'no health.ntp.servers to ask'];
    return parts.join('; ');
  }
  if (name === 'mtu' && r.probed === false) return str(r.reason) ?? 'not probed';
  return null;
}

/** A result as `status` shows it: `checked`, and the reason when false. */
export function withChecked(name: string, r: Result): Result {
  const why = uncheckedReason(name, r);
  return why === null ? { ...r, checked: true } : { ...r, checked: false, reason: why };
}
