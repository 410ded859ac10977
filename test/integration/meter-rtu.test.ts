// Meter drivers over Modbus RTU through a socat pseudo-terminal pair: the meter
// opens `a`, a server on `b` answers.
import test from 'node:test';
import assert from 'node:assert/strict';
import {
  createMeter, ModbusConnectionError, ModbusFrameError, NoAnswerError, type MeterSettings, type ModbusMeter,
} from '../../drivers/meters/index.js';
import { em24Image, sdm630Image, SAMPLE } from '../helpers/modbus-images.js';
import { RTU_BAUD, startCorruptingResponder, startRtuServer } from '../helpers/modbus-rtu-server.js';
import { openPtyPair, type PtyPair } from '../helpers/pty.js';

function rtuSettings(device: string, model: MeterSettings['model'], unitId: number): MeterSettings {
  return { model, transport: 'rtu', device, baudRate: RTU_BAUD, parity: 'none', dataBits: 8, stopBits: 1, unitId, timeoutMs: 200, pollIntervalMs: 1000, staleAfterMs: 5000 };
}

async function ptyPair(t: test.TestContext): Promise<PtyPair> {
  const pair = await openPtyPair();
  t.after(() => pair.close());
  return pair;
}

function meterOn(t: test.TestContext, s: MeterSettings): ModbusMeter {
  const meter = createMeter(s, undefined, { backoff: { initialMs: 20, maxMs: 160 } }) as ModbusMeter;
  t.after(() => meter.close());
  return meter;
}

test('SDM630 and EM24 on one RS-485 line: values, one request at a time', async (t) => {
  const pair = await ptyPair(t);
  const server = await startRtuServer(pair.b, new Map([[1, sdm630Image()], [2, em24Image()]]));
  t.after(() => server.close());
  const sdm = meterOn(t, rtuSettings(pair.a, 'sdm630', 1));
  const em24 = meterOn(t, rtuSettings(pair.a, 'em24', 2));
  assert.equal(sdm.bus, em24.bus);
  const [a, b] = await Promise.all([sdm.read(), em24.read()]);
  for (const r of [a, b]) {
    r.currentA.forEach((x, i) => assert.ok(Math.abs(x - SAMPLE.currentA[i]!) < 1e-6));
    assert.ok(Math.abs(r.importEnergyWh - SAMPLE.importKWh * 1000) < 1e-6);
  }
  assert.equal(server.served.maxInFlight, 1);
  assert.match(sdm.description, /Modbus RTU .* \(19200 8N1\)/);
});

test('RTU wrong unit id: NoAnswerError mentioning unit id and serial settings', async (t) => {
  const pair = await ptyPair(t);
  const server = await startRtuServer(pair.b, new Map([[1, sdm630Image()]]));
  t.after(() => server.close());
  await assert.rejects(meterOn(t, rtuSettings(pair.a, 'sdm630', 5)).read(),
    (err: Error) => err instanceof NoAnswerError && /unit id 5 .*wrong unit id, baud rate, parity or A\/B wiring\?/.test(err.message));
});

test('CRC-corrupted reply: a clear CRC error; the next clean reply is read fine', async (t) => {
  const pair = await ptyPair(t);
  const responder = await startCorruptingResponder(pair.b, 1, sdm630Image());
  t.after(() => responder.close());
  const meter = meterOn(t, rtuSettings(pair.a, 'sdm630', 1));
  await assert.rejects(meter.read(), (err: Error) => {
    assert.ok(err instanceof ModbusFrameError);
    assert.equal(err.kind, 'crc');
    assert.match(err.message, /CRC error in the reply/);
    return true;
  });
  responder.corruptCrc = false;
  const r = await meter.read();
  assert.deepEqual(r.currentA, SAMPLE.currentA);
});

test('pty vanishes mid-read: an error at once, not a hang; then "device does not exist"', async (t) => {
  const pair = await ptyPair(t);
  const server = await startRtuServer(pair.b, new Map([[1, sdm630Image()]]));
  t.after(() => server.close());
  const meter = meterOn(t, rtuSettings(pair.a, 'sdm630', 1));
  await meter.read();

  server.served.silent = true;
  const inFlight = assert.rejects(meter.read(), (err: Error) => err instanceof ModbusConnectionError && /serial port closed/.test(err.message));
  await server.served.nextRequest();
  await pair.close(); // unplug: socat exits, both ptys disappear
  await inFlight;
  await assert.rejects(meter.read(), (err: Error) => err instanceof ModbusConnectionError && /does not exist/.test(err.message));
});
