// Field-level helpers shared by the parsers: AT answers are comma-separated,
// strings may be quoted (and contain commas), "-" or an empty field means "not
// available", and some firmwares drop the space after the colon.

/** The part after `+NAME:` of the first line with that prefix, or undefined. */
export function payloadOf(lines: readonly string[], prefix: string): string | undefined {
  for (const line of lines) {
    const p = payload(line, prefix);
    if (p !== undefined) return p;
  }
  return undefined;
}

/** Every payload with that prefix, in order (multi-line answers). */
export function payloadsOf(lines: readonly string[], prefix: string): string[] {
  return lines.map((l) => payload(l, prefix)).filter((p): p is string => p !== undefined);
}

function payload(line: string, prefix: string): string | undefined {
  const head = `${prefix}:`;
  if (line.slice(0, head.length).toUpperCase() !== head.toUpperCase()) return undefined;
  return line.slice(head.length).trim();
}

/** Splits on commas outside double quotes and unquotes each field. */
export function splitFields(payload: string): string[] {
  const fields: string[] = [];
  let cur = '';
  let quoted = false;
  for (const ch of payload) {
    if (ch === '"') quoted = !quoted;
    else if (ch === ',' && !quoted) {
      fields.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  fields.push(cur.trim());
  return fields;
}

/** A number, or undefined for "-", "", "N/A" and anything else that is not one. */
export function num(field: string | undefined): number | undefined {
  if (field === undefined) return undefined;
  const t = field.trim();
  if (!/^[-+]?\d+(\.\d+)?$/.test(t)) return undefined;
  return Number(t);
}

/** A text field, or undefined when it is "-" or empty. */
export function text(field: string | undefined): string | undefined {
  const t = field?.trim();
  return t === undefined || t === '' || t === '-' ? undefined : t;
}

/** `x / scale + offset`, keeping undefined; rounds away float noise (-9.4, not -9.400000001). */
export function scaled(value: number | undefined, scale: number, offset = 0): number | undefined {
  if (value === undefined) return undefined;
  return Math.round((value / scale + offset) * 100) / 100;
}

/** "3" → "B3" (LTE), "78" → "n78" (NR); already-prefixed names pass through. */
export function bandName(raw: string | undefined, rat: 'lte' | 'nr'): string | undefined {
  const t = text(raw);
  if (t === undefined) return undefined;
  if (!/^\d+$/.test(t)) return t;
  return rat === 'nr' ? `n${t}` : `B${t}`;
}
