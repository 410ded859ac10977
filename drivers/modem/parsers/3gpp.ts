// Parsers for the 3GPP TS 27.007 answers every modem gives. Pure functions of
// the answer lines (as the engine returns them: no echo, no OK, no URCs).
import type { Registration, SimState } from '../types.js';
import { num, payloadOf, payloadsOf, splitFields, text } from './fields.js';

function required(lines: readonly string[], prefix: string): string[] {
  const p = payloadOf(lines, prefix);
  if (p === undefined) throw new Error(`no ${prefix}: line in the answer (${JSON.stringify(lines)})`);
  return splitFields(p);
}

export interface Csq {
  rssiDbm?: number;
  ber?: number;
}

/** `+CSQ: <rssi>,<ber>`: rssi 0..31 → -113 + 2·rssi dBm (0 means ≤ -113, 31 means ≥ -51), 99 unknown. */
export function parseCsq(lines: readonly string[]): Csq {
  const [rssi, ber] = required(lines, '+CSQ').map(num);
  return {
    rssiDbm: rssi !== undefined && rssi >= 0 && rssi <= 31 ? -113 + 2 * rssi : undefined,
    ber: ber !== undefined && ber >= 0 && ber <= 7 ? ber : undefined,
  };
}

export interface Cesq {
  rxlevDbm?: number;
  rscpDbm?: number;
  rsrqDb?: number;
  rsrpDbm?: number;
}

/**
 * `+CESQ: <rxlev>,<ber>,<rscp>,<ecno>,<rsrq>,<rsrp>`, each an index whose lower
 * bin edge we report: rxlev 0..63 → -111+n, rscp 0..96 → -121+n,
 * rsrq 0..34 → -20+n/2 dB, rsrp 0..97 → -141+n dBm; 99 / 255 = not known.
 */
export function parseCesq(lines: readonly string[]): Cesq {
  const [rxlev, , rscp, , rsrq, rsrp] = required(lines, '+CESQ').map(num);
  const inRange = (v: number | undefined, max: number) => (v !== undefined && v >= 0 && v <= max ? v : undefined);
  const rx = inRange(rxlev, 63);
  const rs = inRange(rscp, 96);
  const q = inRange(rsrq, 34);
  const p = inRange(rsrp, 97);
  return {
    rxlevDbm: rx === undefined ? undefined : -111 + rx,
    rscpDbm: rs === undefined ? undefined : -121 + rs,
    rsrqDb: q === undefined ? undefined : -20 + q / 2,
    rsrpDbm: p === undefined ? undefined : -141 + p,
  };
}

/** 27.007 <AcT> values. */
export const ACCESS_TECHNOLOGIES: Readonly<Record<number, string>> = {
  0: 'GSM',
  1: 'GSM Compact',
  2: 'UMTS',
  3: 'EDGE',
  4: 'HSDPA',
  5: 'HSUPA',
  6: 'HSPA',
  7: 'LTE',
  8: 'EC-GSM-IoT',
  9: 'NB-IoT',
  10: 'LTE (5GC)',
  11: 'NR5G-SA',
  12: 'NG-RAN',
  13: 'NR5G-NSA',
};

export interface RegistrationInfo {
  registration: Registration;
  stat?: number;
  /** LAC (CREG) or TAC (CEREG), hex as the modem gives it. */
  areaCode?: string;
  cellId?: string;
  accessTechnology?: string;
}

const REGISTRATION_BY_STAT: Readonly<Record<number, Registration>> = {
  0: 'not-registered',
  1: 'home',
  2: 'searching',
  3: 'denied',
  4: 'unknown',
  5: 'roaming',
  6: 'home', // registered for SMS only, home
  7: 'roaming', // registered for SMS only, roaming
  8: 'not-registered', // attached for emergency bearer services only
  9: 'home', // CSFB not preferred, home
  10: 'roaming', // CSFB not preferred, roaming
};

/**
 * `AT+CEREG?` / `AT+CREG?` / `AT+CGREG?` / `AT+C5GREG?` read answers:
 * `+CEREG: <n>,<stat>[,[<tac>],[<ci>],[<AcT>]...]`. The URC forms lack <n>
 * (`+CEREG: <stat>[,"<tac>",...]`), so a URC of the same prefix that slipped into
 * the answer is skipped: the read form's second field is a bare number, a URC's is
 * missing or a quoted area code.
 */
export function parseRegistration(lines: readonly string[], prefix: '+CREG' | '+CEREG' | '+CGREG' | '+C5GREG'): RegistrationInfo {
  for (const p of payloadsOf(lines, prefix)) {
    const raw = p.split(',');
    if (raw.length < 2 || !/^\s*\d+\s*$/.test(raw[1]!)) continue;
    const f = splitFields(p);
    const stat = num(f[1])!;
    const act = num(f[4]);
    return {
      registration: REGISTRATION_BY_STAT[stat] ?? 'unknown',
      stat,
      areaCode: text(f[2])?.toUpperCase(),
      cellId: text(f[3])?.toUpperCase(),
      accessTechnology: act === undefined ? undefined : (ACCESS_TECHNOLOGIES[act] ?? `AcT ${act}`),
    };
  }
  throw new Error(`no ${prefix}: <n>,<stat> line in the answer (${JSON.stringify(lines)})`);
}

export interface Cops {
  mode?: number;
  /** Long/short name or numeric MCC+MNC, whichever format the modem is set to. */
  operator?: string;
  accessTechnology?: string;
}

/** `+COPS: <mode>[,<format>,<oper>[,<AcT>]]`; just `+COPS: 0` when not registered. */
export function parseCops(lines: readonly string[]): Cops {
  const f = required(lines, '+COPS');
  const act = num(f[3]);
  return {
    mode: num(f[0]),
    operator: text(f[2]),
    accessTechnology: act === undefined ? undefined : (ACCESS_TECHNOLOGIES[act] ?? `AcT ${act}`),
  };
}

/** `+CPIN: READY | SIM PIN | SIM PUK | PH-SIM PIN | SIM PIN2 | SIM PUK2`. */
export function parseCpin(lines: readonly string[]): SimState {
  const code = required(lines, '+CPIN').join(',').toUpperCase();
  if (code === 'READY') return 'ready';
  // PIN2/PUK2 guard only some phonebook and call-meter operations; data service works.
  if (code === 'SIM PIN2' || code === 'SIM PUK2') return 'ready';
  if (code.includes('PUK')) return 'puk-required';
  if (code.includes('PIN')) return 'pin-required';
  return 'error';
}

/** What `AT+CPIN?` failing with `+CME ERROR` says about the SIM (10 = not inserted, ...). */
export function simStateFromCme(code: number | undefined, reason = ''): SimState {
  if (code === 10 || /not inserted/i.test(reason)) return 'not-inserted';
  if (code === 11) return 'pin-required';
  if (code === 12) return 'puk-required';
  if (code === 14) return 'unknown'; // SIM busy: transient, ask again next time
  return 'error';
}

export interface PdpAddress {
  cid: number;
  ipv4?: string;
  ipv6?: string;
}

/**
 * `+CGPADDR: <cid>[,<addr_1>[,<addr_2>]]`, one line per context. Addresses may be
 * quoted or not; IPv6 comes as 16 dotted octets unless +CGPIAF selected colons;
 * some firmwares put both in one string separated by a space. Unassigned
 * addresses (0.0.0.0, all-zero IPv6) are left out.
 */
export function parseCgpaddr(lines: readonly string[]): PdpAddress[] {
  return payloadsOf(lines, '+CGPADDR').flatMap((p) => {
    const f = splitFields(p);
    const cid = num(f[0]);
    if (cid === undefined) return [];
    const ctx: PdpAddress = { cid };
    for (const token of f.slice(1).flatMap((x) => x.split(/\s+/))) {
      const addr = normaliseAddress(token);
      if (addr?.includes(':')) ctx.ipv6 ??= addr;
      else if (addr) ctx.ipv4 ??= addr;
    }
    return [ctx];
  });
}

function normaliseAddress(token: string): string | undefined {
  const octets = token.split('.');
  if (octets.length === 4 && octets.every((o) => /^\d{1,3}$/.test(o) && Number(o) <= 255)) {
    return token === '0.0.0.0' ? undefined : octets.map(Number).join('.');
  }
  if (octets.length === 16 && octets.every((o) => /^\d{1,3}$/.test(o) && Number(o) <= 255)) {
    const groups = [];
    for (let i = 0; i < 16; i += 2) groups.push(((Number(octets[i]) << 8) | Number(octets[i + 1])).toString(16));
    return compressIpv6(groups);
  }
  if (/^[0-9a-f:]+$/i.test(token) && token.includes(':')) {
    return /^[0:]+$/.test(token) ? undefined : token.toLowerCase();
  }
  return undefined;
}

/** RFC 5952 text form: the longest run (≥ 2) of zero groups becomes "::". */
function compressIpv6(groups: string[]): string | undefined {
  if (groups.every((g) => g === '0')) return undefined;
  let best = { at: -1, len: 0 };
  for (let i = 0; i < groups.length; ) {
    let j = i;
    while (j < groups.length && groups[j] === '0') j++;
    if (j - i > best.len) best = { at: i, len: j - i };
    i = j === i ? i + 1 : j;
  }
  if (best.len < 2) return groups.join(':');
  return `${groups.slice(0, best.at).join(':')}::${groups.slice(best.at + best.len).join(':')}`;
}
