// Structured, one-line logs. journald adds the timestamp, so we print
// `level component: message key=value ...` and nothing else; when stderr is the journal,
// each line starts with its sd-daemon priority (`<4>`), so `journalctl -p warning` works.
import { fstatSync } from 'node:fs';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

export const LOG_LEVELS: readonly LogLevel[] = ['error', 'warn', 'info', 'debug', 'trace'];

/**
 * Every component a logger is named after (`log.levels` accepts these and nothing else;
 * schema.json lists the same names, a test keeps them equal). `ocpp` is the frame trace
 * of every OCPP connection, local chargers and the cloud link alike.
 */
export const LOG_COMPONENTS = [
  'site-controller', 'local', 'upstream', 'ocpp', 'balancer', 'meter', 'health', 'modem', 'telemetry', 'store', 'control', 'web',
] as const;
export type LogComponent = (typeof LOG_COMPONENTS)[number];

export interface Logger {
  trace(msg: string, fields?: LogFields): void;
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** Whether a line at this level would be printed: callers guard costly formatting with it. */
  enabled(level: LogLevel): boolean;
  /** A logger named `component` (not nested: `upstream`'s child `ocpp` prints as `ocpp`), with its own level. */
  child(component: string, fields?: LogFields): Logger;
}

const rank: Record<LogLevel, number> = { trace: 5, debug: 10, info: 20, warn: 30, error: 40 };

/** sd-daemon(3) priorities: LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG (trace is debug to syslog). */
const priority: Record<LogLevel, number> = { error: 3, warn: 4, info: 6, debug: 7, trace: 7 };

export function priorityPrefix(level: LogLevel): string {
  return `<${priority[level]}>`;
}

/**
 * True when JOURNAL_STREAM ("dev:inode", set by systemd) names the stream stderr is now
 * (systemd.exec(5): the variable alone is not enough, a service may have redirected
 * stderr of a process it started without unsetting it).
 */
export function isJournalStream(journalStream: string | undefined, stderr: { dev: bigint; ino: bigint } | null): boolean {
  if (!journalStream || !stderr) return false;
  const m = /^(\d+):(\d+)$/.exec(journalStream.trim());
  return m !== null && BigInt(m[1]) === stderr.dev && BigInt(m[2]) === stderr.ino;
}

function stderrStat(): { dev: bigint; ino: bigint } | null {
  try {
    return fstatSync(2, { bigint: true });
  } catch {
    return null;
  }
}

function formatValue(v: unknown): string {
  if (v instanceof Error) v = v.message;
  const s = typeof v === 'string' ? v : JSON.stringify(v) ?? String(v);
  return /^[\w.:/@+-]*$/.test(s) && s !== '' ? s : JSON.stringify(s);
}

export function formatLine(level: LogLevel, component: string, msg: string, fields: LogFields): string {
  let text = msg.replace(/\s*\n\s*/g, ' ');
  // A message that names its own component again (`balancer: balancer: ...`) says it once.
  if (text.startsWith(`${component}: `)) text = text.slice(component.length + 2);
  let line = `${level} ${component}: ${text}`;
  for (const [k, v] of Object.entries(fields)) {
    if (v !== undefined) line += ` ${k}=${formatValue(v)}`;
  }
  return line;
}

export interface LoggerOptions {
  /** Every component's level unless `levels` names it. */
  level?: LogLevel;
  /** Per component (`log.levels`), e.g. { ocpp: 'trace' } for the frame trace. */
  levels?: Partial<Record<string, LogLevel>>;
  /** Where finished lines go; stderr by default (journald captures both). */
  sink?: (line: string, level: LogLevel) => void;
}

/** Writes to stderr, with the priority prefix when stderr is the journal (decided once: fd 2 does not change). */
export function stderrSink(env: NodeJS.ProcessEnv = process.env): (line: string, level: LogLevel) => void {
  const journal = isJournalStream(env.JOURNAL_STREAM, stderrStat());
  return journal
    ? (line, level) => process.stderr.write(priorityPrefix(level) + line + '\n')
    : (line) => process.stderr.write(line + '\n');
}

export function createLogger(component = 'site-controller', opts: LoggerOptions = {}, base: LogFields = {}): Logger {
  const resolved: LoggerOptions = opts.sink ? opts : { ...opts, sink: stderrSink() };
  return make(component, resolved, base);
}

function make(component: string, opts: LoggerOptions, base: LogFields): Logger {
  const min = rank[opts.levels?.[component] ?? opts.level ?? 'info'];
  const sink = opts.sink!;
  const emit = (level: LogLevel, msg: string, fields?: LogFields) => {
    if (rank[level] < min) return;
    sink(formatLine(level, component, msg, { ...base, ...fields }), level);
  };
  return {
    trace: (m, f) => emit('trace', m, f),
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    enabled: (level) => rank[level] >= min,
    child: (c, f) => make(c, opts, { ...base, ...f }),
  };
}

/** A logger that drops everything; for tests and benchmarks that do not read logs. */
export const silentLogger: Logger = createLogger('silent', { sink: () => {}, level: 'error' });
