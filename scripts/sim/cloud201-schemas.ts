// Schema checks of the simulated OCPP 2.0.1 cloud: the official OCA 2.0.1 JSON schemas
// (vendored in daemon/ocpp/schemas/ocpp2.0.1/, draft-06) compiled by the simulator's OWN
// Ajv instance. Nothing here is shared with the daemon's validator on purpose: the
// simulator is the independent peer, so a mistake in how the daemon validates (a wrong
// draft, a lax option, a wrong error code) must not be mirrored here.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import AjvModule from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { ErrorObject, ValidateFunction } from 'ajv';

// CommonJS default exports seen through NodeNext typings.
const Ajv = AjvModule.default;
const addFormats = addFormatsModule.default;

/** Beside the compiled simulator: dist/scripts/sim → dist/daemon/... (copy-assets puts them there). */
export const SCHEMA_DIR_201 = fileURLToPath(new URL('../../daemon/ocpp/schemas/ocpp2.0.1/', import.meta.url));

/** CALLs a charging station sends to a CSMS (OCPP 2.0.1 Part 2, per use case); DataTransfer goes both ways. */
export const STATION_ACTIONS = new Set([
  'Authorize', 'BootNotification', 'ClearedChargingLimit', 'DataTransfer', 'FirmwareStatusNotification',
  'Get15118EVCertificate', 'GetCertificateStatus', 'Heartbeat', 'LogStatusNotification', 'MeterValues',
  'NotifyChargingLimit', 'NotifyCustomerInformation', 'NotifyDisplayMessages', 'NotifyEVChargingNeeds',
  'NotifyEVChargingSchedule', 'NotifyEvent', 'NotifyMonitoringReport', 'NotifyReport',
  'PublishFirmwareStatusNotification', 'ReportChargingProfiles', 'ReservationStatusUpdate',
  'SecurityEventNotification', 'SignCertificate', 'StatusNotification', 'TransactionEvent',
]);

export interface SchemaProblem {
  /** The OCPP-J 2.0.1 RPC error code that fits the first violation. */
  code: string;
  text: string;
}

/**
 * The OCPP-J 2.0.1 meanings (§4.3): Occurrence = a field missing or an array of the
 * wrong size; Type = wrong JSON type; PropertyConstraint = right type, value out of its
 * enum/length/range/format; Format = not the shape of the PDU (e.g. an unknown property).
 */
export function codeForKeyword(keyword: string): string {
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
    case 'pattern':
    case 'format':
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return 'PropertyConstraintViolation';
    default:
      return 'FormatViolation';
  }
}

function describe(e: ErrorObject): string {
  const where = e.instancePath || '(payload)';
  const p = e.params as Record<string, unknown>;
  if (e.keyword === 'additionalProperties') return `${where}: unknown property ${String(p.additionalProperty)}`;
  if (e.keyword === 'enum') return `${where} must be one of ${(p.allowedValues as string[]).join(', ')}`;
  return `${where} ${e.message ?? e.keyword}`;
}

export class Schemas201 {
  private readonly ajv: InstanceType<typeof Ajv>;
  private readonly files: Set<string>;
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(readonly dir = SCHEMA_DIR_201) {
    this.files = new Set(readdirSync(dir).filter((f) => f.endsWith('.json')));
    // strict:false: the OCA files carry non-standard keywords ("comment", "javaType") as published.
    this.ajv = new Ajv({ strict: false, allErrors: false });
    // Ajv 8 speaks draft-07; the draft-06 meta schema lets it read the files' own $schema.
    this.ajv.addMetaSchema(createRequire(import.meta.url)('ajv/dist/refs/json-schema-draft-06.json'));
    addFormats(this.ajv);
  }

  /** Every action with a request schema. */
  get actions(): string[] {
    return [...this.files].filter((f) => f.endsWith('Request.json')).map((f) => f.slice(0, -'Request.json'.length)).sort();
  }

  has(action: string): boolean {
    return this.files.has(`${action}Request.json`);
  }

  /** Checks a request or response payload; null when valid. Unknown action: a FormatViolation naming it. */
  check(kind: 'Request' | 'Response', action: string, payload: unknown): SchemaProblem | null {
    const fn = this.validator(`${action}${kind}.json`);
    if (!fn) return { code: 'NotImplemented', text: `no ${action}${kind} schema in OCPP 2.0.1` };
    if (fn(payload)) return null;
    const e = fn.errors![0];
    return { code: codeForKeyword(e.keyword), text: describe(e) };
  }

  /** Compiled on first use: a test that boots and sends three messages compiles three schemas, not 128. */
  private validator(file: string): ValidateFunction | undefined {
    let fn = this.compiled.get(file);
    if (!fn && this.files.has(file)) {
      fn = this.ajv.compile(JSON.parse(readFileSync(join(this.dir, file), 'utf8')));
      this.compiled.set(file, fn);
    }
    return fn;
  }
}

let shared: Schemas201 | undefined;
/** One per process: every simulator instance reads the same files. */
export const schemas201 = (): Schemas201 => (shared ??= new Schemas201());
