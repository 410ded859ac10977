// What the OCPP frame trace must not print: passwords and keys that travel inside
// frames. OCPP 1.6 sets them as configuration keys (ChangeConfiguration AuthorizationKey,
// the security extension's BasicAuthPassword), may report them back (GetConfiguration),
// and 2.0.1 sets them as variables (SetVariables). Pure: returns a copy where something
// was hidden and the same object elsewhere.

export const REDACTED = '***';

/**
 * A configuration key, variable or property name whose value is a secret. Anchored at the
 * end: idTag / idToken are identifiers, not secrets, and stay readable (SendLocalList too).
 */
const SECRET_NAME = /(password|passwd|secret|authorizationkey|privatekey)$|^authorization$/i;

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

function nameOf(o: Record<string, unknown>): string | null {
  if (typeof o.key === 'string') return o.key; // 1.6 ChangeConfiguration / GetConfiguration entries
  const variable = o.variable as Record<string, unknown> | undefined;
  if (variable && typeof variable === 'object' && typeof variable.name === 'string') return variable.name; // 2.0.1
  return null;
}

/** The value fields that carry a named key's or variable's content. */
const VALUE_FIELDS = ['value', 'attributeValue'];

export function redactSecrets(v: unknown): unknown {
  if (Array.isArray(v)) {
    let changed = false;
    const out = v.map((x) => {
      const r = redactSecrets(x);
      if (r !== x) changed = true;
      return r;
    });
    return changed ? out : v;
  }
  if (v === null || typeof v !== 'object') return v;
  const o = v as Record<string, unknown>;
  const name = nameOf(o);
  const secretEntry = name !== null && isSecretName(name);
  let out: Record<string, unknown> | null = null;
  for (const [k, x] of Object.entries(o)) {
    let r: unknown;
    if (typeof x === 'string' && (isSecretName(k) || (secretEntry && VALUE_FIELDS.includes(k)))) r = REDACTED;
    else r = redactSecrets(x);
    if (r !== x) {
      out ??= { ...o };
      out[k] = r;
    }
  }
  return out ?? v;
}
