// The logger's rules as tables: which lines a level lets through per component, the
// journald priority of each level and when to print it, one prefix per component, and
// the `log` config section an installer writes.
import test from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import {
  createLogger, formatLine, isJournalStream, priorityPrefix, LOG_COMPONENTS, LOG_LEVELS, type LogLevel, type LoggerOptions,
} from '../../daemon/log.js';
import { parseConfig, ConfigError } from '../../daemon/config/load.js';

function capture(opts: Omit<LoggerOptions, 'sink'>) {
  const lines: string[] = [];
  const root = createLogger('site-controller', { ...opts, sink: (l) => lines.push(l) });
  return { lines, root };
}

const EVERY: LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error'];

test('a level lets through itself and everything more severe', () => {
  const table: Array<[LogLevel, LogLevel[]]> = [
    ['error', ['error']],
    ['warn', ['warn', 'error']],
    ['info', ['info', 'warn', 'error']],
    ['debug', ['debug', 'info', 'warn', 'error']],
    ['trace', EVERY],
  ];
  for (const [level, shown] of table) {
    const { lines, root } = capture({ level });
    for (const l of EVERY) root[l]('x');
    assert.deepEqual(lines.map((s) => s.split(' ')[0]), shown, `level ${level}`);
    assert.deepEqual(EVERY.filter((l) => root.enabled(l)), shown, `enabled() at ${level}`);
  }
});

test('log.levels sets a component apart from the rest; children take the level of their own name', () => {
  const { lines, root } = capture({ level: 'warn', levels: { ocpp: 'trace', balancer: 'error' } });
  const local = root.child('local', { charger: 'CP-1' });
  const ocpp = local.child('ocpp');
  local.info('hidden');
  ocpp.trace('in [2,"1","Heartbeat",{}]');
  root.child('balancer').warn('hidden too');
  root.child('balancer').error('shown');
  assert.deepEqual(lines, ['trace ocpp: in [2,"1","Heartbeat",{}] charger=CP-1', 'error balancer: shown']);
  assert.equal(ocpp.enabled('trace'), true);
  assert.equal(local.enabled('debug'), false);
});

test('a component is named once per line', () => {
  const table: Array<[string, string, string]> = [
    ['balancer', 'balancer: charger-unbalanceable', 'warn balancer: charger-unbalanceable'],
    ['upstream', 'cloud link up', 'warn upstream: cloud link up'],
    ['local', 'balancer: x', 'warn local: balancer: x'],
  ];
  for (const [component, msg, line] of table) assert.equal(formatLine('warn', component, msg, {}), line);
});

test('journald priorities: err, warning, info, debug (trace is debug)', () => {
  const table: Array<[LogLevel, string]> = [['error', '<3>'], ['warn', '<4>'], ['info', '<6>'], ['debug', '<7>'], ['trace', '<7>']];
  for (const [level, prefix] of table) assert.equal(priorityPrefix(level), prefix);
});

test('the journal is stderr only when JOURNAL_STREAM names the stream stderr is', () => {
  const stderr = { dev: 8n, ino: 123456789012n };
  const table: Array<[string | undefined, typeof stderr | null, boolean]> = [
    ['8:123456789012', stderr, true],
    [' 8:123456789012\n', stderr, true],
    [undefined, stderr, false],
    ['', stderr, false],
    ['8:1', stderr, false], // stderr was redirected by whoever started us
    ['9:123456789012', stderr, false],
    ['garbage', stderr, false],
    ['8:123456789012', null, false], // no fd 2
  ];
  for (const [env, st, want] of table) assert.equal(isJournalStream(env, st), want, `JOURNAL_STREAM=${JSON.stringify(env)}`);
});

function problems(yaml: string): string[] {
  try {
    parseConfig(`site: { id: s1 }\n${yaml}`, 'test.yaml');
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}

test('log config: levels per known component; an unknown one is named with the known ones', () => {
  assert.deepEqual(parseConfig('site: { id: s1 }\nlog: { level: debug, levels: { ocpp: trace, meter: warn } }\n', 't').log, { level: 'debug', levels: { ocpp: 'trace', meter: 'warn' } });
  assert.deepEqual(parseConfig('site: { id: s1 }\n', 't').log, { level: 'info', levels: {} });
  assert.deepEqual(problems('log: { levels: { ocpp: verbose } }\n'), ['log.levels.ocpp: must be one of: "error", "warn", "info", "debug", "trace"']);
  assert.deepEqual(problems('log: { levels: { ocp: trace } }\n'), [`log.levels.ocp: unknown component; known: ${LOG_COMPONENTS.join(', ')}`]);
});

test('the schema knows exactly the components and levels log.ts does', () => {
  const schema = createRequire(import.meta.url)('../../daemon/config/schema.json');
  const log = schema.properties.log.properties;
  assert.deepEqual(Object.keys(log.levels.properties), [...LOG_COMPONENTS]);
  assert.deepEqual(log.level.enum, [...LOG_LEVELS]);
  for (const c of LOG_COMPONENTS) assert.deepEqual(log.levels.properties[c].enum, [...LOG_LEVELS], c);
});
