// Loads the YAML config, validates it against schema.json (the contract installers'
// editors also use), fills defaults, resolves secrets and reports every problem as
// `path: message`, so an installer can fix a file in one pass.
import { readFileSync, accessSync, statSync, constants } from 'node:fs';
import { createRequire } from 'node:module';
import { parseDocument } from 'yaml';
import { Ajv, type ErrorObject } from 'ajv';
import type { Config } from './types.js';
import { semanticProblems, semanticWarnings } from './rules.js';
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
  /** Problems that do not stop the daemon (short passwords; readable secret files under the switch below). */
  onWarning?: (message: string) => void;
  /** Internal: the config file's permission bits, from loadConfigFile. */
  configFileMode?: number;
}

/**
 * Set to 1 to only warn about secret files other users can read (a test bench, a
 * container whose only user is the daemon). Without it they are refused.
 */
export const ALLOW_WORLD_READABLE = 'SITE_CONTROLLER_ALLOW_WORLD_READABLE';

/** The permission bits of a file when others may read it, else undefined (also when it cannot be stat'ed: reading it reports that). */
function worldReadable(file: string): number | undefined {
  try {
    const mode = statSync(file).mode & 0o777;
    return mode & 0o004 ? mode : undefined;
  } catch {
    return undefined;
  }
}

const readableMessage = (file: string, mode: number) => `is readable by other users (mode ${mode.toString(8)}); run: chmod 640 ${file}`;

/** Whether the YAML holds a secret inline (any `password` given as a string), so the config file itself must be private. */
function hasInlineSecret(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(hasInlineSecret);
  if (node === null || typeof node !== 'object') return false;
  return Object.entries(node).some(([k, v]) => (k === 'password' && typeof v === 'string') || hasInlineSecret(v));
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
  // Readable secrets: refused, or warned about under the documented switch.
  const exposed: string[] = [];
  if (opts.configFileMode !== undefined && opts.configFileMode & 0o004 && hasInlineSecret(raw)) {
    exposed.push(`(config file): ${source} contains secrets and ${readableMessage(source, opts.configFileMode)}`);
  }
  problems.push(...resolveSecrets(config, opts, exposed));
  const allow = (opts.env ?? process.env)[ALLOW_WORLD_READABLE] === '1';
  const warnings = semanticWarnings(config);
  if (allow) warnings.push(...exposed);
  else problems.push(...exposed);
  if (problems.length > 0) throw new ConfigError(source, problems);
  for (const w of warnings) opts.onWarning?.(w);
  return config;
}

export function loadConfigFile(path: string, opts: LoadOptions = {}): Config {
  let text: string;
  try {
    text = (opts.readFile ?? ((p) => readFileSync(p, 'utf8')))(path);
  } catch (err) {
    throw new ConfigError(path, [`cannot read the file: ${(err as Error).message}`]);
  }
  return parseConfig(text, path, { ...opts, configFileMode: opts.readFile ? undefined : statSync(path).mode & 0o777 });
}

/**
 * Where the store (and the control socket beside it) lives, read without validating
 * the config or resolving its secrets: `status` runs without the service's
 * environment. A file that cannot be read or parsed gives the default path.
 */
/**
 * store.path from a config file's text without validating or resolving anything else: `status`
 * and `backup` must work from a shell that lacks the service's environment (secrets in env
 * variables). Absent: the schema's default.
 */
export function storePathFromConfig(text: string): string {
  const raw = parseDocument(text).toJS() as { store?: { path?: unknown } } | null;
  const p = raw?.store?.path;
  if (p === undefined) return defaultStorePath();
  if (typeof p !== 'string' || p === '') throw new Error('store.path must be a non-empty string');
  return p;
}

export function defaultStorePath(): string {
  return (configSchema.properties as any).store.properties.path.default as string;
}

/** For `status`: the store path, or the default one with a note when the file cannot be read. */
export function storePathOf(path: string): { storePath: string; note?: string } {
  try {
    return { storePath: storePathFromConfig(readFileSync(path, 'utf8')) };
  } catch (err) {
    return { storePath: defaultStorePath(), note: `${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; trying the default store path` };
  }
}

type SecretRef = string | { file: string } | { env: string } | undefined;

function resolveSecret(ref: SecretRef, path: string, opts: LoadOptions, problems: string[], exposed: string[]): string | undefined {
  if (ref === undefined || typeof ref === 'string') return ref;
  if ('env' in ref) {
    const v = (opts.env ?? process.env)[ref.env];
    if (v === undefined || v === '') problems.push(`${path}: environment variable ${ref.env} is not set`);
    return v;
  }
  try {
    const v = (opts.readFile ?? ((p) => readFileSync(p, 'utf8')))(ref.file).split(/\r?\n/)[0];
    if (!v) problems.push(`${path}: secret file ${ref.file} is empty`);
    const mode = opts.readFile ? undefined : worldReadable(ref.file);
    if (mode !== undefined) exposed.push(`${path}: secret file ${ref.file} ${readableMessage(ref.file, mode)}`);
    return v;
  } catch (err) {
    problems.push(`${path}: cannot read secret file ${ref.file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    return undefined;
  }
}

/** Resolves secret references; problems stop the daemon, `exposed` collects secrets others can read. */
function resolveSecrets(config: Config, opts: LoadOptions, exposed: string[]): string[] {
  const problems: string[] = [];
  config.chargers.forEach((c, i) => {
    c.password = resolveSecret(c.password as SecretRef, `chargers[${i}].password`, opts, problems, exposed);
  });
  if (config.upstream) config.upstream.password = resolveSecret(config.upstream.password as SecretRef, 'upstream.password', opts, problems, exposed);
  if (config.mqtt) config.mqtt.password = resolveSecret(config.mqtt.password as SecretRef, 'mqtt.password', opts, problems, exposed);
  config.web?.users?.forEach((u, i) => {
    u.password = resolveSecret(u.password as SecretRef, `web.users[${i}].password`, opts, problems, exposed) as string;
  });
  // Files the daemon will need at run time are checked now, not when a charger connects.
  const files: Array<[string, string | undefined]> = [
    ['local.tls.cert', config.local.tls?.cert], ['local.tls.key', config.local.tls?.key], ['local.tls.ca', config.local.tls?.ca],
    ['upstream.ca', config.upstream?.ca], ['upstream.cert', config.upstream?.cert], ['upstream.key', config.upstream?.key],
    ['mqtt.ca', config.mqtt?.ca], ['mqtt.cert', config.mqtt?.cert], ['mqtt.key', config.mqtt?.key],
    ['web.tls.cert', config.web?.tls?.cert], ['web.tls.key', config.web?.tls?.key],
  ];
  if (!opts.readFile) {
    for (const [path, file] of files) {
      if (file === undefined) continue;
      try {
        accessSync(file, constants.R_OK);
      } catch (err) {
        problems.push(`${path}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
        continue;
      }
      // Private keys are secrets; certificates and CAs are public.
      const mode = path.endsWith('.key') ? worldReadable(file) : undefined;
      if (mode !== undefined) exposed.push(`${path}: ${file} ${readableMessage(file, mode)}`);
    }
  }
  return problems;
}
