// The AT engine against a scripted modem over a real socat pty pair.
import test from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { AtEngine } from '../../drivers/modem/at-engine.js';
import { AtCmeError, AtCommandError, AtPortClosedError, AtTimeoutError } from '../../drivers/modem/errors.js';
import { openRestartablePty, type RestartablePty } from '../helpers/modem-pty.js';
import { ModemSim, type SimAnswer } from '../helpers/modem-sim.js';

const TABLE: Record<string, SimAnswer> = {
  'AT+CSQ': ['+CSQ: 20,99', 'OK'],
  'AT+CGSN': ['867698041234567', 'OK'],
  'AT+CESQ': ['ERROR'],
  'AT+CPIN?': ['+CME ERROR: 10'],
  'AT+CGMR': 'silent',
  // A registration URC and a socket URC land in the middle of the answer.
  'AT+QENG="servingcell"': [
    '+QENG: "servingcell","NOCONN"',
    '+CEREG: 1',
    '+QENG: "LTE","FDD",262,01,2FAA03,87,1300,3,5,5,B1E3,-95,-11,-66,12,9,-,-',
    '+QIURC: "recv",0,4',
    '+QENG: "NR5G-NSA",262,01,371,-89,14,-11,632448,78,12,1',
    'OK',
  ],
};

interface Rig {
  pty: RestartablePty;
  sim: ModemSim;
  engine: AtEngine;
  close(): Promise<void>;
}

async function rig(timeoutMs = 1000): Promise<Rig> {
  const pty = await openRestartablePty();
  const sim = await ModemSim.open(pty.b, TABLE);
  const engine = new AtEngine({
    device: pty.a,
    baudRate: 115200,
    commandTimeoutMs: timeoutMs,
    reopenInitialDelayMs: 20,
    reopenMaxDelayMs: 200,
  });
  await engine.start();
  return {
    pty,
    sim,
    engine,
    close: async () => {
      await engine.close();
      await sim.close();
      await pty.dispose();
    },
  };
}

test('opening turns echo off, asks for numeric CME codes, and answers come back without echo', async () => {
  const r = await rig();
  try {
    assert.deepEqual(r.sim.received.slice(0, 2), ['ATE0', 'AT+CMEE=1']);
    assert.equal(r.sim.echo, false);
    assert.deepEqual(await r.engine.send('AT+CSQ'), ['+CSQ: 20,99']);
    assert.deepEqual(await r.engine.send('AT+CGSN'), ['867698041234567'], 'bare answer lines belong to AT+CGSN');
  } finally {
    await r.close();
  }
});

test('echo is recognised while the modem still echoes', async () => {
  const r = await rig();
  try {
    await r.engine.send('ATE1');
    assert.equal(r.sim.echo, true);
    assert.deepEqual(await r.engine.send('AT+CSQ'), ['+CSQ: 20,99']);
    assert.deepEqual(await r.engine.send('AT+CGSN'), ['867698041234567'], 'the echoed command is not taken for the bare answer');
  } finally {
    await r.close();
  }
});

test('ERROR and +CME ERROR become typed errors', async () => {
  const r = await rig();
  try {
    await assert.rejects(r.engine.send('AT+CESQ'), (err: unknown) => err instanceof AtCommandError && err.command === 'AT+CESQ');
    await assert.rejects(r.engine.send('AT+CPIN?'), (err: unknown) => {
      assert.ok(err instanceof AtCmeError);
      assert.equal(err.code, 10);
      assert.equal(err.reason, 'SIM not inserted');
      assert.equal(err.message, 'AT+CPIN?: +CME ERROR: 10 (SIM not inserted)');
      return true;
    });
    assert.deepEqual(await r.engine.send('AT+CSQ'), ['+CSQ: 20,99'], 'the engine goes on after an error');
  } finally {
    await r.close();
  }
});

test('a silent modem times the command out and the next command still works', async () => {
  const r = await rig(150);
  try {
    await assert.rejects(r.engine.send('AT+CGMR'), (err: unknown) => {
      assert.ok(err instanceof AtTimeoutError);
      assert.equal(err.message, `AT+CGMR: no answer from ${r.pty.a} within 150 ms`);
      return true;
    });
    assert.deepEqual(await r.engine.send('AT+CSQ'), ['+CSQ: 20,99']);
  } finally {
    await r.close();
  }
});

test('commands are sent one at a time, in order', async () => {
  const r = await rig();
  try {
    const before = r.sim.received.length;
    const answers = await Promise.all([r.engine.send('AT+CSQ'), r.engine.send('AT+CGSN'), r.engine.send('AT+CSQ')]);
    assert.deepEqual(answers, [['+CSQ: 20,99'], ['867698041234567'], ['+CSQ: 20,99']]);
    assert.deepEqual(r.sim.received.slice(before), ['AT+CSQ', 'AT+CGSN', 'AT+CSQ']);
  } finally {
    await r.close();
  }
});

test('URCs in the middle of an answer are split off and emitted', async () => {
  const r = await rig();
  try {
    const urcs: string[] = [];
    r.engine.on('urc', (line: string) => urcs.push(line));
    const lines = await r.engine.send('AT+QENG="servingcell"');
    assert.deepEqual(lines, [
      '+QENG: "servingcell","NOCONN"',
      '+QENG: "LTE","FDD",262,01,2FAA03,87,1300,3,5,5,B1E3,-95,-11,-66,12,9,-,-',
      '+QENG: "NR5G-NSA",262,01,371,-89,14,-11,632448,78,12,1',
    ]);
    assert.deepEqual(urcs, ['+CEREG: 1', '+QIURC: "recv",0,4']);

    // With no command pending, everything is a URC.
    const ring = once(r.engine, 'urc');
    r.sim.sendUrc('RING');
    assert.deepEqual(await ring, ['RING']);
  } finally {
    await r.close();
  }
});

test('the port vanishing fails the pending command, and the engine reopens by itself when it returns', async () => {
  // Short init timeout: if the engine reopens before the new sim listens, its ATE0 is
  // lost and it simply tries again. The pending command gets a long one of its own.
  const r = await rig(300);
  let sim2: ModemSim | undefined;
  try {
    r.sim.setAnswer('AT+COPS?', 'silent');
    // The check is attached now: the rejection arrives while pty.stop() is awaited.
    const pendingFails = assert.rejects(r.engine.send('AT+COPS?', { timeoutMs: 60_000 }), (err: unknown) => {
      assert.ok(err instanceof AtPortClosedError);
      assert.equal(err.message, `AT+COPS?: ${r.pty.a} disconnected before the answer came`);
      return true;
    });
    await r.sim.nextCommand('AT+COPS?');
    const disconnected = once(r.engine, 'disconnect');
    const retried = once(r.engine, 'reopen-failed');
    await r.pty.stop();

    await pendingFails;
    assert.deepEqual(await disconnected, ['disconnected']);
    // While it is gone, commands fail at once instead of hanging.
    await assert.rejects(r.engine.send('AT+CSQ'), /is not open/);
    const [openError] = (await retried) as [Error];
    assert.match(openError.message, /^cannot open .*: No such file or directory$/);

    await r.sim.close();
    const reopened = once(r.engine, 'open');
    await r.pty.start();
    sim2 = await ModemSim.open(r.pty.b, TABLE);
    await reopened;
    assert.equal(sim2.echo, false, 'ATE0 is sent again to the re-enumerated modem');
    assert.deepEqual(await r.engine.send('AT+CSQ'), ['+CSQ: 20,99']);
  } finally {
    await sim2?.close();
    await r.close();
  }
});

test('close() fails queued commands and releases the port', async () => {
  const r = await rig(5000);
  try {
    r.sim.setAnswer('AT+COPS?', 'silent');
    const pending = assert.rejects(r.engine.send('AT+COPS?'), (err: unknown) => err instanceof AtPortClosedError && /was closed/.test(err.message));
    const queued = assert.rejects(r.engine.send('AT+CSQ'), AtPortClosedError);
    await r.sim.nextCommand('AT+COPS?');
    await r.engine.close();
    await pending;
    await queued;
    await assert.rejects(r.engine.send('AT+CSQ'), /was closed/);
  } finally {
    await r.close();
  }
});
