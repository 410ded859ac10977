// The control socket after a crash: a socket file with no daemon behind it. The
// client says the daemon is not running and that the file is stale; a daemon
// starting removes such a file, but never the socket of a daemon that still answers.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ControlServer, queryControl } from '../../daemon/control/server.js';
import { silentLogger } from '../../daemon/log.js';
import { makeTempDir } from '../helpers/daemon.js';

/** A socket file left behind by a process killed while listening (SIGKILL: no cleanup). */
async function staleSocket(path: string): Promise<void> {
  const child = spawn(process.execPath, ['-e', "require('net').createServer().listen(process.argv[1], () => process.kill(process.pid, 'SIGKILL'))", path], { stdio: 'ignore' });
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  const [code, signal] = await once(child, 'exit');
  clearTimeout(timer);
  assert.equal(signal, 'SIGKILL', `the listener was killed (exit ${code})`);
  assert.ok(existsSync(path), 'the killed listener left its socket file');
}

function tempSocket(t: test.TestContext): string {
  const dir = makeTempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'control.sock');
}

test('status against a stale socket file: "the daemon is not running (stale control socket ...)"', async (t) => {
  const path = tempSocket(t);
  await staleSocket(path);
  await assert.rejects(queryControl(path, 'status', 2000), (err: Error) => {
    assert.equal(err.message, `the daemon is not running (stale control socket ${path}: nothing listens on it)`);
    return true;
  });
});

test('status with no socket file at all says so', async (t) => {
  const path = tempSocket(t);
  await assert.rejects(queryControl(path, 'status', 2000), { message: `the daemon is not running (no control socket at ${path})` });
});

test('a daemon starting over a stale socket file replaces it and answers', async (t) => {
  const path = tempSocket(t);
  await staleSocket(path);
  const server = new ControlServer(path, () => ({ ok: true }), silentLogger);
  await server.start();
  t.after(() => server.stop());
  assert.deepEqual(await queryControl(path, 'status', 2000), { ok: true });
});

test('a second daemon does not take the socket of one that still answers', async (t) => {
  const path = tempSocket(t);
  const first = new ControlServer(path, () => ({ who: 'first' }), silentLogger);
  await first.start();
  t.after(() => first.stop());
  const second = new ControlServer(path, () => ({ who: 'second' }), silentLogger);
  t.after(() => second.stop());
  await assert.rejects(second.start(), (err: Error) => {
    assert.match(err.message, /another site-controller is running \(it answers on .*control\.sock\)/);
    return true;
  });
  assert.deepEqual(await queryControl(path, 'status', 2000), { who: 'first' });
});
