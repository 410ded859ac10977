// Loads the YAML config, validates it against schema.json (the contract installers'
// editors also use), fills defaults, resolves secrets and reports every problem as
// `path: message`, so an installer can fix a file in one pass.
import { readFileSync, accessSync, constants } from 'node:fs';
import { createRequire } from 'node:module';
import { parseDocument } from 'yaml';
import { Ajv, type ErrorObject } from 'ajv';
import type { Config } from './types.js';
import { semanticProblems } from './rules.js';
import { LOG_COMPONENTS } from '../log.js';

const require = createRequire(import.meta.url);
export const configSchema = require('./schema.json') as Record<string, unknown>;

export class ConfigError extends Error {
  constructor(readonly source: string, readonly problems: string[]) {
    super(`${source}: invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'})\n` + problems.map((p) => `  ${p}`).join('\n'));
    this.name = 'ConfigError';
  }
}

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true, allowUnionTypes: true });
const validate = ajv.compile(configSchema);

/** `/chargers/1/maxCurrentA` → `chargers[1].maxCurrentA` */
export function displayPath(instancePath: string, extra?: string): string {
  const parts = instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (extra !== undefined) parts.push(extra);
  let out = '';
  for (const p of parts) out += /^\d+$/.test(p) ? `[${p}]` : out === '' ? p : `.${p}`;
  return out === '' ? '(top level)' : out;
}

function describe(e: ErrorObject): [string, string] {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties':
      // An installer's typo in a component name: say which names exist.
      if (e.instancePath === '/log/levels') return [displayPath(e.instancePath, String(p.additionalProperty)), `unknown component; known: ${LOG_COMPONENTS.join(', ')}`];
      return [displayPath(e.instancePath, String(p.additionalProperty)), 'unknown key'];
    case 'required':
      return [displayPath(e.instancePath, String(p.missingProperty)), 'is required'];
    case 'enum':
      return [displayPath(e.instancePath), `must be one of: ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`];
    case 'oneOf':
      return [displayPath(e.instancePath), 'must be a string, { file: PATH } or { env: NAME }'];
    default:
      return [displayPath(e.instancePath), e.message ?? e.keyword];
  }
}

export function schemaProblems(errors: ErrorObject[]): string[] {
  // A bad secret fails every branch of its oneOf; report the oneOf once, not each branch.
  const oneOfPaths = new Set(errors.filter((e) => e.keyword === 'oneOf').map((e) => e.schemaPath));
  const kept = errors.filter((e) => ![...oneOfPaths].some((s) => e.schemaPath !== s && e.schemaPath.startsWith(s.replace(/oneOf$/, 'oneOf/'))));
  const seen = new Set<string>();
  const out: string[] = [];
  for (const e of kept) {
    const [path, msg] = describe(e);
    const line = `${path}: ${msg}`;
    if (!seen.has(line)) seen.add(line), out.push(line);
  }
  return out;
}

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  readFile?: (path: string) => string;
}

/** Parses, validates and resolves a config text; throws ConfigError naming `source`. */
export function parseConfig(text: string, source: string, opts: LoadOptions = {}): Config {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(source, doc.errors.map((e) => {
      const pos = e.linePos?.[0];
      return `${pos ? `line ${pos.line}, column ${pos.col}` : 'yaml'}: ${e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`;
    }));
  }
  const raw: unknown = doc.toJS() ?? {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError(source, ['(top level): must be a mapping of sections (site, local, chargers, ...)']);
  }
  const valid = validate(raw);
  const config = raw as Config;
  const problems = valid ? [] : schemaProblems(validate.errors ?? []);
  try {
    // Cross-field rules run on invalid configs too, so one pass reports everything.
    problems.push(...semanticProblems(config));
  } catch {
    // Shapes too broken for the rules are already reported by the schema.
  }
  if (!valid) throw new ConfigError(source, problems);
  problems.push(...resolveSecrets(config, opts));
  if (problems.length > 0) throw new ConfigError(source, problems);
  return config;
}

export function loadConfigFile(path: string, opts: LoadOptions = {}): Config {
  let text: string;
  try {
    text = (opts.readFile ?? ((p) => readFileSync(p, 'utf8')))(path);
  } catch (err) {
    throw new ConfigError(path, [`cannot read the file: ${(err as Error).message}`]);
  }
  return parseConfig(text, path, opts);
}

type SecretRef = string | { file: string } | { env: string } | undefined;

function resolveSecret(ref: SecretRef, path: string, opts: LoadOptions, problems: string[]): string | undefined {
  if (ref === undefined || typeof ref === 'string') return ref;
  if ('env' in ref) {
    const v = (opts.env ?? process.env)[ref.env];
    if (v === undefined || v === '') problems.push(`${path}: environment variable ${ref.env} is not set`);
    return v;
  }
  try {
    const v = (opts.readFile ?? ((p) => readFileSync(p, 'utf8')))(ref.file).split(/\r?\n/)[0];
    if (!v) problems.push(`${path}: secret file ${ref.file} is empty`);
    return v;
  } catch (err) {
    problems.push(`${path}: cannot read secret file ${ref.file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    return undefined;
  }
}

function resolveSecrets(config: Config, opts: LoadOptions): string[] {
  const problems: string[] = [];
  config.chargers.forEach((c, i) => {
    c.password = resolveSecret(c.password as SecretRef, `chargers[${i}].password`, opts, problems);
  });
  if (config.upstream) config.upstream.password = resolveSecret(config.upstream.password as SecretRef, 'upstream.password', opts, problems);
  if (config.mqtt) config.mqtt.password = resolveSecret(config.mqtt.password as SecretRef, 'mqtt.password', opts, problems);
  // Files the daemon will need at run time are checked now, not when a charger connects.
  const files: Array<[string, string | undefined]> = [
    ['local.tls.cert', config.local.tls?.cert], ['local.tls.key', config.local.tls?.key], ['local.tls.ca', config.local.tls?.ca],
    ['upstream.ca', config.upstream?.ca], ['upstream.cert', config.upstream?.cert], ['upstream.key', config.upstream?.key],
    ['mqtt.ca', config.mqtt?.ca], ['mqtt.cert', config.mqtt?.cert], ['mqtt.key', config.mqtt?.key],
  ];
  if (!opts.readFile) {
    for (const [path, file] of files) {
      if (file === undefined) continue;
      try {
        accessSync(file, constants.R_OK);
      } catch (err) {
        problems.push(`${path}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
    }
  }
  return problems;
}
