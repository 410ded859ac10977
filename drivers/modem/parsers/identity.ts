// Who the modem is: ATI, AT+CGMI / AT+CGMM / AT+CGSN. These answers are bare
// text (see the answer rule in at-lines.ts), sometimes with a `+CGMI:`-style prefix.
import { text } from './fields.js';

export type Vendor = 'quectel' | 'simcom' | 'generic';

export interface Identity {
  manufacturer?: string;
  model?: string;
  revision?: string;
  imei?: string;
}

/**
 * ATI comes in two shapes: Quectel prints three bare lines (maker, model,
 * "Revision: x"); SIMCom and others print "Key: value" lines.
 */
export function parseAti(lines: readonly string[]): Identity {
  const id: Identity = {};
  const bare: string[] = [];
  for (const line of lines) {
    const kv = /^(Manufacturer|Model|Revision|IMEI(?:SV)?)\s*:\s*(.*)$/i.exec(line);
    if (!kv) {
      if (!line.startsWith('+')) bare.push(line);
      continue;
    }
    const key = kv[1]!.toLowerCase();
    const value = text(kv[2]);
    if (key === 'manufacturer') id.manufacturer = value;
    else if (key === 'model') id.model = value;
    else if (key === 'revision') id.revision = value;
    else if (key === 'imei' && value && isImei(value)) id.imei = value;
  }
  id.manufacturer ??= bare[0];
  id.model ??= bare[1];
  return id;
}

/** The value of a one-line identity answer (`Quectel`, or `+CGMI: "Quectel"`). */
export function parseBareValue(lines: readonly string[]): string {
  const line = lines.find((l) => l.trim() !== '');
  if (line === undefined) throw new Error('empty answer');
  return line.replace(/^\+[A-Z]+:\s*/i, '').replace(/^"(.*)"$/, '$1').trim();
}

/** AT+CGSN → IMEI (14–16 digits); anything else is a wrong answer, not an IMEI. */
export function parseImei(lines: readonly string[]): string {
  const value = parseBareValue(lines);
  if (!isImei(value)) throw new Error(`not an IMEI: ${JSON.stringify(value)}`);
  return value;
}

function isImei(value: string): boolean {
  return /^\d{14,16}$/.test(value);
}

/** Which vendor extensions to use, from ATI / AT+CGMI text. */
export function detectVendor(identityText: string): Vendor {
  if (/quectel/i.test(identityText)) return 'quectel';
  if (/simcom|\bSIM7\d{3}|\bSIM8\d{3}|\bA76\d\d/i.test(identityText)) return 'simcom';
  return 'generic';
}
