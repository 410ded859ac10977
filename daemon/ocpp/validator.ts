// Validates OCPP payloads against the official JSON schemas of a protocol version
// and turns the first violation into the CALLERROR code the spec prescribes.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import Ajv04Module from 'ajv-draft-04';
import AjvModule from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { RpcError, type RpcErrorCode } from './errors.js';

// CommonJS default exports seen through NodeNext typings.
const Ajv04 = Ajv04Module.default;
const Ajv = AjvModule.default;
const addFormats = addFormatsModule.default;
const DRAFT_06 = 'http://json-schema.org/draft-06/schema#';

export const SCHEMA_ROOT = fileURLToPath(new URL('./schemas/', import.meta.url));

/**
 * The spec's meanings: Occurrence = a field missing or repeated too often; Type = wrong
 * JSON type; PropertyConstraint = right type, invalid value; Format = not the PDU's shape.
 */
export function errorCodeFor(keyword: string): RpcErrorCode {
  switch (keyword) {
    case 'required':
    case 'minItems':
    case 'maxItems':
      return 'OccurrenceConstraintViolation';
    case 'type':
      return 'TypeConstraintViolation';
    case 'enum':
    case 'const':
    case 'maxLength':
    case 'minLength':
    case 'format':
    case 'pattern':
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
    case 'multipleOf':
      return 'PropertyConstraintViolation';
    default:
      return 'FormatViolation';
  }
}

export function describeViolation(action: string, e: ErrorObject): RpcError {
  const where = e.instancePath === '' ? '(payload)' : e.instancePath;
  let msg = e.message ?? e.keyword;
  if (e.keyword === 'additionalProperties') msg = `unexpected property "${(e.params as { additionalProperty: string }).additionalProperty}"`;
  if (e.keyword === 'enum') msg = `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
  return new RpcError(errorCodeFor(e.keyword), `${action}: ${where} ${msg}`, { path: e.instancePath, keyword: e.keyword });
}

/** Where a value sits in the payload; the path string is built only for a finding. */
interface Place {
  value: unknown;
  key: string | number;
  up: Place | null;
}

/** A JSON pointer (RFC 6901 escaping), so it reads like Ajv's instancePath. */
function pointer(place: Place): string {
  const tokens: string[] = [];
  for (let p: Place | null = place; p?.up; p = p.up) {
    tokens.push(typeof p.key === 'number' ? String(p.key) : p.key.replace(/~/g, '~0').replace(/\//g, '~1'));
  }
  return tokens.reverse().map((t) => `/${t}`).join('');
}

/**
 * The JSON pointer of the first NaN or ±Infinity in value (document order), or null.
 * JSON.parse turns an overflowing literal such as 1e400 into Infinity and Ajv's
 * integer/number checks accept it, yet no OCPP field can hold it (JSON.stringify
 * writes it as null). One pass over the value, with an explicit stack so a deeply
 * nested frame cannot overflow the call stack.
 */
export function firstNonFinite(value: unknown): string | null {
  const stack: Place[] = [{ value, key: '', up: null }];
  while (stack.length > 0) {
    const place = stack.pop()!;
    const v = place.value;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) return pointer(place);
    } else if (typeof v === 'object' && v !== null) {
      // Pushed in reverse so the first child is looked at first.
      if (Array.isArray(v)) {
        for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], key: i, up: place });
      } else {
        const keys = Object.keys(v);
        for (let i = keys.length - 1; i >= 0; i--) stack.push({ value: (v as Record<string, unknown>)[keys[i]], key: keys[i], up: place });
      }
    }
  }
  return null;
}

export class SchemaValidator {
  private readonly requests = new Map<string, ValidateFunction>();
  private readonly responses = new Map<string, ValidateFunction>();

  /**
   * Loads one version's schema files from dir: `<Action>Response.json` is the response,
   * the request is `<Action>Request.json` (2.0.1's naming) or `<Action>.json` (1.6's).
   * The draft comes from the files' own `$schema`: draft-04 (1.6) or draft-06 (2.0.1).
   */
  constructor(readonly dir: string) {
    const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
    const schemas = files.map((file) => ({ file, schema: JSON.parse(readFileSync(join(dir, file), 'utf8')) as { $schema?: string } }));
    const drafts = new Set(schemas.map((s) => s.schema.$schema));
    if (drafts.size > 1) throw new Error(`${dir}: schemas of more than one draft (${[...drafts].join(', ')})`);
    // strict:false because the official schemas carry keywords in odd places (1.6:
    // additionalProperties on string enums; 2.0.1: "comment", "javaType"); we use them as published.
    // multipleOfPrecision: limits like 6.3 A are multiples of 0.1 only up to float rounding.
    const opts = { strict: false, allErrors: false, multipleOfPrecision: 6 };
    let ajv: InstanceType<typeof Ajv04> | InstanceType<typeof Ajv>;
    if (drafts.has(DRAFT_06)) {
      // Ajv 8 speaks draft-07 and reads draft-06 once its meta schema is added.
      ajv = new Ajv(opts);
      ajv.addMetaSchema(createRequire(import.meta.url)('ajv/dist/refs/json-schema-draft-06.json'));
    } else {
      ajv = new Ajv04(opts);
    }
    addFormats(ajv);
    for (const { file, schema } of schemas) {
      const fn = ajv.compile(schema);
      if (file.endsWith('Response.json')) this.responses.set(file.slice(0, -'Response.json'.length), fn);
      else if (file.endsWith('Request.json')) this.requests.set(file.slice(0, -'Request.json'.length), fn);
      else this.requests.set(file.slice(0, -'.json'.length), fn);
    }
  }

  get actions(): string[] {
    return [...this.requests.keys()];
  }

  has(action: string): boolean {
    return this.requests.has(action);
  }

  /** null when valid. */
  request(action: string, payload: unknown): RpcError | null {
    return this.check(this.requests.get(action), action, payload);
  }

  response(action: string, payload: unknown): RpcError | null {
    return this.check(this.responses.get(action), action, payload);
  }

  /** Both directions come through here: their CALLs and CALLRESULTs, and ours. */
  private check(fn: ValidateFunction | undefined, action: string, payload: unknown): RpcError | null {
    if (!fn) return new RpcError('NotImplemented', `unknown action ${action}`);
    // Before the schema: -Infinity would otherwise be reported as "must be >= 0".
    const nonFinite = firstNonFinite(payload);
    if (nonFinite !== null) {
      return new RpcError('PropertyConstraintViolation', `${action}: ${nonFinite === '' ? '(payload)' : nonFinite} must be a finite number`, { path: nonFinite, keyword: 'finite' });
    }
    if (fn(payload)) return null;
    return describeViolation(action, fn.errors![0]);
  }
}
