// Structured, one-line logs. journald adds the timestamp, so we print
// `level component: message key=value ...` and nothing else.
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(component: string, fields?: LogFields): Logger;
}

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

function formatValue(v: unknown): string {
  if (v instanceof Error) v = v.message;
  const s = typeof v === 'string' ? v : JSON.stringify(v) ?? String(v);
  return /^[\w.:/@+-]*$/.test(s) && s !== '' ? s : JSON.stringify(s);
}

export function formatLine(level: LogLevel, component: string, msg: string, fields: LogFields): string {
  let line = `${level} ${component}: ${msg.replace(/\s*\n\s*/g, ' ')}`;
  for (const [k, v] of Object.entries(fields)) {
    if (v !== undefined) line += ` ${k}=${formatValue(v)}`;
  }
  return line;
}

export interface LoggerOptions {
  level?: LogLevel;
  /** Where finished lines go; stderr by default (journald captures both). */
  sink?: (line: string, level: LogLevel) => void;
}

export function createLogger(component = 'site-controller', opts: LoggerOptions = {}, base: LogFields = {}): Logger {
  const min = rank[opts.level ?? 'info'];
  const sink = opts.sink ?? ((line: string) => process.stderr.write(line + '\n'));
  const emit = (level: LogLevel, msg: string, fields?: LogFields) => {
    if (rank[level] < min) return;
    sink(formatLine(level, component, msg, { ...base, ...fields }), level);
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (c, f) => createLogger(c, opts, { ...base, ...f }),
  };
}

/** A logger that drops everything; for tests and benchmarks that do not read logs. */
export const silentLogger: Logger = createLogger('silent', { sink: () => {} , level: 'error' });
