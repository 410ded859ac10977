// Quectel extensions: AT+QENG="servingcell", AT+QNWINFO, AT+QCSQ.
// Field orders follow Quectel's EC2x/EG2x, BG9x and RG50xQ/RM5xxQ/RM520N AT
// manuals; units are noted where the manuals differ between commands.
import type { RadioInfo } from '../types.js';
import { bandName, num, payloadsOf, scaled, splitFields, text } from './fields.js';

export interface Qeng extends RadioInfo {
  /** SEARCH (no cell), LIMSRV (camped, limited service), NOCONN (idle), CONNECT. */
  state?: string;
  /** The NR leg of an EN-DC (NSA) connection; the top-level figures are the LTE anchor's. */
  nr?: { rsrpDbm?: number; rsrqDb?: number; sinrDb?: number; band?: string };
}

/**
 * One-line forms: `"servingcell",<state>,"LTE"|"NR5G-SA"|"GSM"|"WCDMA",...`;
 * EN-DC form: `"servingcell",<state>` then an `"LTE",...` line and an
 * `"NR5G-NSA",...` line. LTE SINR here is already in dB (unlike AT+QCSQ).
 */
export function parseQeng(lines: readonly string[]): Qeng {
  const out: Qeng = {};
  let lte: string[] | undefined;
  let nsa: string[] | undefined;
  let seen = false;
  for (const p of payloadsOf(lines, '+QENG')) {
    const f = splitFields(p);
    if (f[0] === 'servingcell') {
      seen = true;
      out.state = text(f[1]);
      const rat = text(f[2]);
      if (rat === 'LTE') lte = f.slice(3);
      else if (rat === 'NR5G-SA') Object.assign(out, nrSa(f.slice(3)));
      else if (rat === 'GSM' || rat === 'WCDMA') Object.assign(out, legacy(rat, f.slice(3)));
      else if (rat) out.accessTechnology = rat;
    } else if (f[0] === 'LTE') lte = f.slice(1);
    else if (f[0] === 'NR5G-NSA') nsa = f.slice(1);
  }
  if (!seen && !lte) throw new Error(`no +QENG: "servingcell" line in the answer (${JSON.stringify(lines)})`);
  if (lte) Object.assign(out, lteFields(lte));
  const nr = nsa && nsaFields(nsa);
  // The NSA line is printed but empty ("-" fields) while the NR leg is not up.
  if (nr && (nr.rsrpDbm !== undefined || nr.band !== undefined)) {
    out.nr = nr;
    out.accessTechnology = 'NR5G-NSA';
    out.band = [out.band, nr.band].filter(Boolean).join('+');
  }
  if (out.state === 'SEARCH' || out.state === 'LIMSRV') out.noService = true;
  return out;
}

// <is_tdd>,<MCC>,<MNC>,<cellID>,<PCID>,<earfcn>,<band>,<UL_bw>,<DL_bw>,<TAC>,<RSRP>,<RSRQ>,<RSSI>,<SINR>,...
function lteFields(f: string[]): RadioInfo {
  return {
    accessTechnology: 'LTE',
    plmn: plmn(f[1], f[2]),
    cellId: text(f[3])?.toUpperCase(),
    band: bandName(f[6], 'lte'),
    rsrpDbm: num(f[10]),
    rsrqDb: num(f[11]),
    rssiDbm: num(f[12]),
    sinrDb: num(f[13]),
  };
}

// <duplex>,<MCC>,<MNC>,<cellID>,<PCID>,<TAC>,<ARFCN>,<band>,<NR_DL_bw>,<RSRP>,<RSRQ>,<SINR>,<scs>,<srxlev>
function nrSa(f: string[]): RadioInfo {
  return {
    accessTechnology: 'NR5G-SA',
    plmn: plmn(f[1], f[2]),
    cellId: text(f[3])?.toUpperCase(),
    band: bandName(f[7], 'nr'),
    rsrpDbm: num(f[9]),
    rsrqDb: num(f[10]),
    sinrDb: num(f[11]),
  };
}

// <MCC>,<MNC>,<PCID>,<RSRP>,<SINR>,<RSRQ>,<ARFCN>,<band>,<NR_DL_bw>,<scs> — note SINR before RSRQ.
function nsaFields(f: string[]) {
  return { rsrpDbm: num(f[3]), sinrDb: num(f[4]), rsrqDb: num(f[5]), band: bandName(f[7], 'nr') };
}

// GSM / WCDMA: <MCC>,<MNC>,<LAC>,<cellID>,... — only identity is used; their level fields vary by firmware.
function legacy(rat: string, f: string[]): RadioInfo {
  return { accessTechnology: rat === 'WCDMA' ? 'UMTS' : 'GSM', plmn: plmn(f[0], f[1]), cellId: text(f[3])?.toUpperCase() };
}

function plmn(mcc?: string, mnc?: string): string | undefined {
  const a = text(mcc);
  const b = text(mnc);
  return a && b && /^\d+$/.test(a + b) ? a + b : undefined;
}

export interface QnwinfoEntry {
  act: string;
  plmn?: string;
  band?: string;
  channel?: number;
}

/** `+QNWINFO: <AcT>,<oper>,<band>,<channel>` (one line per RAT in EN-DC), or `+QNWINFO: No Service`. */
export function parseQnwinfo(lines: readonly string[]): RadioInfo & { entries: QnwinfoEntry[] } {
  const payloads = payloadsOf(lines, '+QNWINFO');
  if (payloads.length === 0) throw new Error(`no +QNWINFO: line in the answer (${JSON.stringify(lines)})`);
  if (payloads.some((p) => /^no service$/i.test(p))) return { entries: [], noService: true };
  const entries = payloads.map((p) => {
    const f = splitFields(p);
    return { act: f[0]!, plmn: text(f[1]), band: qnwBand(f[2]), channel: num(f[3]) };
  });
  const hasNr = entries.some((e) => /NR5G/i.test(e.act));
  const hasLte = entries.some((e) => /LTE|eMTC|NB-IoT/i.test(e.act));
  const accessTechnology = hasNr && hasLte ? 'NR5G-NSA' : hasNr ? 'NR5G-SA' : entries[0]!.act.replace(/^(FDD|TDD) /, '');
  return {
    entries,
    accessTechnology,
    plmn: entries[0]!.plmn,
    band: entries.map((e) => e.band).filter(Boolean).join('+') || undefined,
  };
}

/** "LTE BAND 3" → "B3", "NR5G BAND 78" → "n78"; "GSM 900", "WCDMA 2100" stay as they are. */
function qnwBand(raw: string | undefined): string | undefined {
  const t = text(raw);
  const m = t && /^(LTE|NR5G) BAND (\d+)$/i.exec(t);
  if (m) return bandName(m[2], m[1]!.toUpperCase() === 'LTE' ? 'lte' : 'nr');
  return t;
}

/**
 * `+QCSQ: <sysmode>[,...]`: "NOSERVICE"; "GSM",<rssi>; "WCDMA",<rssi>,<rscp>,<ecio>;
 * "LTE"/"CAT-M1"/"eMTC"/"CAT-NB1"/"NBIoT",<rssi>,<rsrp>,<sinr>,<rsrq> with SINR in
 * 1/5 dB from -20 dB (0..250 → -20..+30 dB); "NR5G-SA"/"NR5G-NSA",<rsrp>,<sinr>,<rsrq>
 * with SINR in dB. In EN-DC both an LTE and an NR5G-NSA line come; the LTE
 * anchor's figures are reported, as for AT+QENG.
 */
export function parseQcsq(lines: readonly string[]): RadioInfo {
  const payloads = payloadsOf(lines, '+QCSQ');
  if (payloads.length === 0) throw new Error(`no +QCSQ: line in the answer (${JSON.stringify(lines)})`);
  let lte: RadioInfo | undefined;
  let nr: RadioInfo | undefined;
  let other: RadioInfo | undefined;
  for (const p of payloads) {
    const f = splitFields(p);
    const mode = f[0]!.toUpperCase();
    if (mode === 'NOSERVICE' || mode === 'NO SERVICE') return { noService: true };
    if (/^(LTE|CAT-M1|EMTC|CAT-NB1|NBIOT)$/.test(mode)) {
      lte = { accessTechnology: mode === 'LTE' ? 'LTE' : f[0], rssiDbm: num(f[1]), rsrpDbm: num(f[2]), sinrDb: scaled(num(f[3]), 5, -20), rsrqDb: num(f[4]) };
    } else if (mode.startsWith('NR5G')) {
      nr = { accessTechnology: mode, rsrpDbm: num(f[1]), sinrDb: num(f[2]), rsrqDb: num(f[3]) };
    } else if (mode === 'GSM' || mode === 'WCDMA' || mode === 'TDSCDMA') {
      other = { accessTechnology: mode === 'WCDMA' ? 'UMTS' : mode, rssiDbm: num(f[1]) };
    } else other = { accessTechnology: f[0] };
  }
  if (lte && nr) return { ...lte, accessTechnology: 'NR5G-NSA' };
  return lte ?? nr ?? other ?? {};
}
