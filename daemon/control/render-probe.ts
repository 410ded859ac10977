// The text `site-controller probe charger ID` prints: the compatibility report.
import type { ProbeReport } from '../balancer/probe.js';

export function renderProbe(r: ProbeReport): string {
  const out: string[] = [];
  out.push(`charger ${r.chargerId} (${r.protocol}), probed ${r.at}`);
  out.push(`  ${r.summary}`);
  out.push('  smart-charging keys:');
  for (const [k, v] of Object.entries(r.keys)) out.push(`    ${k} = ${v}`);
  if (r.unknownKeys.length) out.push(`    unknown: ${r.unknownKeys.join(', ')}`);
  out.push(`  measurands: ${r.measurands.length ? r.measurands.join(', ') : '(none reported)'}`);
  out.push(`  phases in its MeterValues: ${r.phasesReported.length ? r.phasesReported.join(', ') : '(none yet)'}`);
  out.push('  SetChargingProfile forms (each cleared again):');
  for (const t of r.tries) {
    const where = t.form === 'charger' ? 'connector 0' : t.form === 'transaction' ? `TxProfile, connector ${t.connectorId}` : `connector ${t.connectorId}`;
    out.push(`    ${t.form.padEnd(11)} ${t.unit} stack ${t.stackLevel} (${where}, ${t.limit} ${t.unit}): ${t.result}${t.cleared && t.cleared !== 'Accepted' ? ` [clear: ${t.cleared}]` : ''}`);
  }
  out.push(`  balancer will use: ${r.accepted.length ? r.accepted.map((s) => `${s.form}/${s.unit}`).join(' > ') : 'none (reserved at its max)'}`);
  return out.join('\n') + '\n';
}
