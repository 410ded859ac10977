// SIMCom extension: AT+CPSI? (SIM7000/7080/7500/7600/8200 families).
// LTE and NR levels come in tenths (-850 = -85.0 dBm); the LTE <RSSNR> is an
// index: SINR = 2·RSSNR − 20 dB (SIM7500/7600 and SIM7080 manuals).
import type { RadioInfo } from '../types.js';
import { bandName, num, payloadsOf, scaled, splitFields, text } from './fields.js';

/**
 * `+CPSI: <system mode>,<operation mode>[,...]`, per system mode:
 *   LTE:      <MCC>-<MNC>,<TAC>,<SCellID>,<PCellID>,<band>,<earfcn>,<dlbw>,<ulbw>,<RSRQ>,<RSRP>,<RSSI>,<RSSNR>
 *   NR5G_SA:  <MCC>-<MNC>,<TAC>,<SCellID>,<PCellID>,<band>,<ARFCN>,<RSRP>,<RSRQ>,<SNR>
 *   NR5G_NSA: <PCellID>,<band>,<ARFCN>,<RSRP>,<RSRQ>,<SNR>   (no operation mode; after an LTE line)
 *   GSM:      <MCC>-<MNC>,<LAC>,<CellID>,<ARFCN> <band>,<RxLev dBm>,<TrackLO>,<C1>-<C2>
 *   WCDMA:    <MCC>-<MNC>,<LAC>,<CellID>,<band>,...
 *   NO SERVICE
 */
export function parseCpsi(lines: readonly string[]): RadioInfo {
  const payloads = payloadsOf(lines, '+CPSI');
  if (payloads.length === 0) throw new Error(`no +CPSI: line in the answer (${JSON.stringify(lines)})`);
  let main: RadioInfo | undefined;
  let nsa: RadioInfo | undefined;
  for (const p of payloads) {
    const f = splitFields(p);
    const mode = f[0]!.toUpperCase();
    if (mode === 'NO SERVICE') return { noService: true };
    if (mode === 'LTE' || mode.startsWith('LTE ') || mode === 'CAT-M1' || mode === 'CAT-NB') main = lte(f);
    else if (mode === 'NR5G_SA') main = nrSa(f);
    else if (mode === 'NR5G_NSA') nsa = { rsrpDbm: scaled(num(f[4]), 10), rsrqDb: scaled(num(f[5]), 10), sinrDb: scaled(num(f[6]), 10), band: cpsiBand(f[2]) };
    else if (mode === 'GSM') main = gsm(f);
    else if (mode === 'WCDMA') main = { accessTechnology: 'UMTS', plmn: plmn(f[2]), cellId: hexCell(f[4]), band: text(f[5]) };
    else main = { accessTechnology: text(f[0]) };
  }
  if (main && nsa && (nsa.rsrpDbm !== undefined || nsa.band)) {
    // EN-DC: the LTE anchor carries signalling, so its figures stay the reading's.
    return { ...main, accessTechnology: 'NR5G-NSA', band: [main.band, nsa.band].filter(Boolean).join('+') };
  }
  return main ?? { ...nsa, accessTechnology: 'NR5G-NSA' };
}

function lte(f: string[]): RadioInfo {
  const mode = f[0]!.toUpperCase();
  const rssnr = num(f[13]);
  return {
    accessTechnology: mode.includes('NB') ? 'NB-IoT' : mode.includes('M1') ? 'LTE-M' : 'LTE',
    plmn: plmn(f[2]),
    cellId: hexCell(f[4]),
    band: cpsiBand(f[6]),
    rsrqDb: scaled(num(f[10]), 10),
    rsrpDbm: scaled(num(f[11]), 10),
    rssiDbm: scaled(num(f[12]), 10),
    sinrDb: rssnr === undefined ? undefined : 2 * rssnr - 20,
  };
}

function nrSa(f: string[]): RadioInfo {
  return {
    accessTechnology: 'NR5G-SA',
    plmn: plmn(f[2]),
    cellId: hexCell(f[4]),
    band: cpsiBand(f[6]),
    rsrpDbm: scaled(num(f[8]), 10),
    rsrqDb: scaled(num(f[9]), 10),
    sinrDb: scaled(num(f[10]), 10),
  };
}

function gsm(f: string[]): RadioInfo {
  // "<ARFCN> <band>", e.g. "27 EGSM 900"; some firmwares print only the ARFCN.
  const band = text(f[5])?.replace(/^\d+\s*/, '');
  return { accessTechnology: 'GSM', plmn: plmn(f[2]), cellId: hexCell(f[4]), band: band || undefined, rssiDbm: num(f[6]) };
}

/** "EUTRAN-BAND3" → "B3", "NR5G_BAND78" → "n78". */
function cpsiBand(raw: string | undefined): string | undefined {
  const t = text(raw);
  const m = t && /^(EUTRAN|NR5G)[-_ ]?BAND\s*(\d+)$/i.exec(t);
  if (!m) return t;
  return bandName(m[2], m[1]!.toUpperCase() === 'NR5G' ? 'nr' : 'lte');
}

/** Cell ids come in decimal here; hex keeps them comparable with CEREG and Quectel. */
function hexCell(raw: string | undefined): string | undefined {
  const t = text(raw);
  if (t === undefined) return undefined;
  if (/^0x[0-9a-f]+$/i.test(t)) return t.slice(2).toUpperCase();
  return /^\d+$/.test(t) ? Number(t).toString(16).toUpperCase() : t;
}

function plmn(raw: string | undefined): string | undefined {
  const m = raw && /^(\d{3})-(\d{2,3})$/.exec(raw.trim());
  return m ? m[1]! + m[2]! : undefined;
}
