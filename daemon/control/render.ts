// Renders a status snapshot for a human at a terminal: short lines, the things a
// technician looks at first (is the cloud up, is the meter fresh, who is charging).
type Any = any;

/** A timing for the eye: whole ms from 10 ms up, else one decimal (never 14.900000000000006). */
export const fmtMs = (v: number): string => (Math.abs(v) >= 10 ? String(Math.round(v)) : (Math.round(v * 10) / 10).toString());
const ms = (v: unknown) => (typeof v === 'number' ? `${fmtMs(v)} ms` : '-');
const when = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? new Date(v).toISOString() : '-');
const age = (s: unknown) => (typeof s !== 'number' ? '-' : s < 120 ? `${s}s` : s < 7200 ? `${Math.round(s / 60)}m` : `${Math.round(s / 3600)}h`);

export function renderSnapshot(s: Any): string {
  const out: string[] = [];
  out.push(`site ${s.site}   up ${age(s.uptimeS)}`);
  out.push('');
  out.push(`chargers (${s.chargers.filter((c: Any) => c.connected).length}/${s.chargers.length} connected)`);
  for (const c of s.chargers) {
    const about = [c.connected ? 'connected' : 'OFFLINE  ', protocolName(c.protocol).padEnd(10), c.vendor, c.model, c.firmware ? `fw ${c.firmware}` : ''];
    out.push(`  ${c.id.padEnd(16)} ${about.filter((x) => typeof x === 'string' && x.trim() !== '').join(' ')}`.trimEnd());
    const r = c.lastRefusal;
    if (r && !c.connected) out.push(`    last refused ${when(r.at)} from ${r.remote}: ${r.message}${r.count > 1 ? ` (${r.count} times)` : ''}`);
    for (const k of c.connectors) {
      const amps = Array.isArray(k.currentA) ? k.currentA.map((a: number | null) => (a === null ? '-' : a.toFixed(1))).join('/') + ' A' : '';
      out.push(`    #${k.connector}${k.cloudConnector !== undefined ? ` (cloud ${k.cloudConnector})` : ''} ${k.status}${k.errorCode !== 'NoError' ? ` ${k.errorCode}` : ''}${k.transactionId ? ` tx ${k.transactionId}` : ''} ${amps}`.trimEnd());
    }
  }
  for (const u of s.admission?.unknownChargers ?? []) out.push(`  unknown charger id ${u.id} tried ${u.count} times (last ${when(u.lastAt)} from ${u.remote}): not in the config's chargers list — a typo?`);
  for (const b of s.admission?.blocked ?? []) out.push(`  address ${b.address} blocked until ${when(b.until)} after repeated wrong passwords`);
  out.push('');
  if (s.store?.fault) out.push(`STORE FAULT since ${new Date(s.store.fault.since).toISOString()}: ${s.store.fault.message}`, '');
  const u = s.upstream;
  if (!u) out.push('upstream: none (standalone site)');
  else {
    out.push(`upstream: ${u.protocol ?? 'ocpp1.6'} ${u.state}${u.connected ? ` since ${new Date(u.since).toISOString()}` : ''}   rtt ${ms(u.roundTripMs)}   reconnects ${u.reconnects}`);
    out.push(`  outbox ${u.outboxDepth} queued${u.oldestQueuedAgeS !== null ? `, oldest ${age(u.oldestQueuedAgeS)}` : ''}, ${u.undeliverable} undeliverable`);
    if (u.awaitingAnswerS !== null && u.awaitingAnswerS !== undefined) out.push(`  the cloud has not answered the message in flight for ${age(u.awaitingAnswerS)} (waiting; sent again only after a reconnect)`);
    if (u.lastError) out.push(`  last error: ${u.lastError}`);
    for (const a of u.attempts ?? []) {
      const phases = ['dnsMs', 'tcpMs', 'tlsMs', 'upgradeMs', 'bootMs'].filter((k) => typeof a[k] === 'number').map((k) => `${k.replace('Ms', '')} ${fmtMs(a[k])}`).join(', ');
      out.push(`  ${new Date(a.startedAt).toISOString()} ${a.outcome.padEnd(9)} ${a.outcome === 'failed' ? `in ${a.phase}: ${a.error}` : ''} ${phases ? `(${phases} ms)` : ''}`.trimEnd());
    }
  }
  const b = s.balancer;
  if (b) {
    const phases = (v: unknown) => (Array.isArray(v) ? v.map((x) => (typeof x === 'number' ? x.toFixed(1) : '-')).join(' / ') + ' A' : '-');
    out.push('');
    out.push(`balancer: ${b.mode} (budget from ${b.source}${b.stale ? ', METER STALE' : ''})`);
    out.push(`  budget   ${phases(b.budgetA)}`);
    if (b.meter) out.push(`  meter    ${phases(b.meter.currentA)}`);
    out.push(`  EV draw  ${phases(b.evDrawA)}`);
    if (b.nonEvA) out.push(`  other    ${phases(b.nonEvA)}`);
    const settling = Array.isArray(b.settling) ? b.settling.flatMap((x: unknown, i: number) => (x ? [`L${i + 1}`] : [])) : [];
    if (settling.length) out.push(`  settling on ${settling.join(', ')}: a car may still be following a changed limit; the other load is held, not read from the meter`);
    if (b.externalLimit) out.push(`  external limit ${phases(b.externalLimit.maxCurrentA)} until ${new Date(b.externalLimit.until).toISOString()}`);
    for (const c of b.connectors ?? []) {
      if (!c.charging && !c.limitA) continue;
      const extra = `${c.fallbackA ? `, fallback ${c.fallbackA} A` : ''}${c.numberPhases ? `, ${c.numberPhases} phase${c.numberPhases === 1 ? '' : 's'}` : ''}`;
      out.push(`  ${c.chargerId}/${c.connectorId}: limit ${c.limitA ?? '-'} A (accepted ${c.acceptedA ?? '-'} A${extra})${c.paused ? ` paused: ${c.paused}${c.pausedWhy ? ` (${c.pausedWhy})` : ''}` : ''}`);
    }
    for (const c of b.chargers ?? []) {
      if (c.smartCharging === false) out.push(`  ${c.chargerId}: smartCharging false: reserved at its max, never sent profiles`);
      else if (c.unbalanceable) out.push(`  ${c.chargerId}: accepts no charging profile; counted at its max`);
      if (c.probe) out.push(`  ${c.chargerId}: probed ${c.probe.at}: ${c.probe.summary}`);
    }
  }
  const m = s.meter;
  if (m) {
    out.push('');
    if (m.stale) out.push(`meter: STALE${m.lastSampleAt ? ` (last good sample ${when(m.lastSampleAt)})` : ' (no sample yet)'}`);
    else out.push(`meter: ok, last sample ${when(m.lastSampleAt)}`);
    if (m.lastError) {
      const current = m.stale || !m.lastSampleAt || Date.parse(m.lastErrorAt) >= Date.parse(m.lastSampleAt);
      out.push(current ? `  failing since ${when(m.lastErrorSince)}: ${m.lastError}` : `  last read error ${when(m.lastErrorAt)}: ${m.lastError}`);
    }
  }
  if (s.health) {
    out.push('');
    out.push('health:');
    for (const [name, r] of Object.entries(s.health as Record<string, Any>)) out.push(`  ${name.padEnd(7)} ${healthWord(r)}`);
  }
  return out.join('\n') + '\n';
}

/** 'ocpp2.0.1' → 'OCPP 2.0.1' (how installers and vendors name it); nothing for a charger without a session. */
export function protocolName(subprotocol: unknown): string {
  return typeof subprotocol === 'string' ? subprotocol.replace(/^ocpp/, 'OCPP ') : '';
}

/** An alarm wins; a check that could not look is "not checked", never "ok". */
function healthWord(r: Any): string {
  if (r?.alarm) return `ALARM ${r.alarm}`;
  if (r?.checked === false) return `not checked: ${r.reason ?? 'no reason given'}`;
  return 'ok';
}
