// Meter drivers against a real Modbus TCP server on loopback.
import test from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import {
  createMeter, probeMeter, ModbusMeter, ModbusConnectionError, ModbusExceptionError, ModbusTimeoutError,
  MeterRangeError, NoAnswerError, type DriverLogger, type MeterModelName, type MeterSettings, type MeterReading,
} from '../../drivers/meters/index.js';
import { em24Image, sdm630Image, setFloatBE, SAMPLE, type RegisterImage } from '../helpers/modbus-images.js';
import { startModbusTcpServer, type TestModbusTcpServer } from '../helpers/modbus-tcp-server.js';

const SDM630_UNIT = 1;
const EM24_UNIT = 2;
const FAST_BACKOFF = { backoff: { initialMs: 20, maxMs: 160 } };

function settings(server: TestModbusTcpServer, model: MeterModelName, unitId: number): MeterSettings {
  return { model, transport: 'tcp', host: server.host, port: server.port, unitId, timeoutMs: 200, pollIntervalMs: 1000, staleAfterMs: 5000 };
}

async function serverWith(t: test.TestContext, images: Array<[number, RegisterImage]>): Promise<TestModbusTcpServer> {
  const server = await startModbusTcpServer(new Map(images));
  t.after(() => server.stop());
  return server;
}

function meterOn(t: test.TestContext, s: MeterSettings, log?: DriverLogger): ModbusMeter {
  const meter = createMeter(s, log, FAST_BACKOFF) as ModbusMeter;
  t.after(() => meter.close());
  return meter;
}

function assertSample(r: MeterReading): void {
  const close = (a: readonly number[], b: readonly number[]) =>
    a.forEach((x, i) => assert.ok(Math.abs(x - b[i]!) < 1e-6, `${x} != ${b[i]}`));
  close(r.currentA, SAMPLE.currentA);
  close(r.voltageV, SAMPLE.voltageV);
  close(r.phasePowerW!, SAMPLE.phasePowerW);
  close([r.powerW, r.importEnergyWh], [SAMPLE.powerW, SAMPLE.importKWh * 1000]);
}

test('SDM630 over TCP: values decoded from the input registers', async (t) => {
  const server = await serverWith(t, [[SDM630_UNIT, sdm630Image()]]);
  const meter = meterOn(t, settings(server, 'sdm630', SDM630_UNIT));
  assertSample(await meter.read());
  assert.match(meter.description, /Eastron SDM630, unit 1 via Modbus TCP 127\.0\.0\.1:\d+/);
});

test('EM24 over TCP: INT32 low word first, scaled to A, V, W, Wh', async (t) => {
  const server = await serverWith(t, [[EM24_UNIT, em24Image()]]);
  assertSample(await meterOn(t, settings(server, 'em24', EM24_UNIT)).read());
});

test('two meters behind one gateway share one bus and take turns', async (t) => {
  const server = await serverWith(t, [[SDM630_UNIT, sdm630Image()], [EM24_UNIT, em24Image()]]);
  const a = meterOn(t, settings(server, 'sdm630', SDM630_UNIT));
  const b = meterOn(t, settings(server, 'em24', EM24_UNIT));
  assert.equal(a.bus, b.bus);
  const readings = await Promise.all([a.read(), b.read(), a.read(), b.read()]);
  readings.forEach(assertSample);
  assert.equal(server.served.maxInFlight, 1);
});

test('wrong unit id: a NoAnswerError that says so', async (t) => {
  const server = await serverWith(t, [[SDM630_UNIT, sdm630Image()]]);
  const meter = meterOn(t, settings(server, 'sdm630', 9));
  await assert.rejects(meter.read(), (err: Error) => err instanceof NoAnswerError && /no answer from unit id 9 .*wrong unit id\?/.test(err.message));
});

test('register map mismatch: exception 2 with its code and name', async (t) => {
  const server = await serverWith(t, [[EM24_UNIT, em24Image()]]);
  // An SDM630 configured, but an EM24 answers: its table ends at 0037h.
  const meter = meterOn(t, settings(server, 'sdm630', EM24_UNIT));
  await assert.rejects(meter.read(), (err: Error) => {
    assert.ok(err instanceof ModbusExceptionError);
    assert.equal(err.code, 2);
    assert.equal(err.codeName, 'illegal data address');
    assert.match(err.message, /exception 2 \(illegal data address — wrong register map for this model\?\)/);
    return true;
  });
});

test('a server that stops answering: timeout, then the next read succeeds', async (t) => {
  const server = await serverWith(t, [[SDM630_UNIT, sdm630Image()]]);
  const meter = meterOn(t, settings(server, 'sdm630', SDM630_UNIT));
  await meter.read();
  server.served.silent = true;
  await assert.rejects(meter.read(), (err: Error) => err instanceof ModbusTimeoutError && /no reply within 200 ms/.test(err.message));
  server.served.silent = false;
  assertSample(await meter.read());
});

test('garbage values (NaN) reject the whole sample; good values are accepted again', async (t) => {
  const image = sdm630Image();
  const server = await serverWith(t, [[SDM630_UNIT, image]]);
  const meter = meterOn(t, settings(server, 'sdm630', SDM630_UNIT));
  setFloatBE(image.input!, 8, NaN); // current L2
  await assert.rejects(meter.read(), (err: Error) => err instanceof MeterRangeError && /current L2 is NaN/.test(err.message));
  setFloatBE(image.input!, 8, SAMPLE.currentA[1]);
  assertSample(await meter.read());
});

test('server closed mid-read, then restarted: error at once, reconnect with growing backoff', async (t) => {
  const server = await serverWith(t, [[SDM630_UNIT, sdm630Image()]]);
  const delays: number[] = [];
  const log: DriverLogger = {
    debug: (msg, fields) => { if (msg === 'modbus reconnect scheduled') delays.push(fields?.delayMs as number); },
    info() {}, warn() {}, error() {},
  };
  const meter = meterOn(t, settings(server, 'sdm630', SDM630_UNIT), log);
  await meter.read();

  server.served.silent = true;
  const inFlight = assert.rejects(meter.read(), (err: Error) => err instanceof ModbusConnectionError && /connection closed/.test(err.message));
  await server.served.nextRequest();
  await server.stop();
  await inFlight;

  // While the server is down, attempts fail with the exact reason and back off.
  await once(meter.bus.events, 'connect-failed');
  await once(meter.bus.events, 'connect-failed');
  await assert.rejects(meter.read(), (err: Error) => err instanceof ModbusConnectionError && /connection refused/.test(err.message));
  assert.deepEqual(delays.slice(0, 3), [20, 40, 80]);

  server.served.silent = false;
  await server.start();
  await once(meter.bus.events, 'open');
  assertSample(await meter.read());
});

test('probeMeter prints the values, or throws the exact failure', async (t) => {
  const server = await serverWith(t, [[SDM630_UNIT, sdm630Image()]]);
  const text = await probeMeter(settings(server, 'sdm630', SDM630_UNIT));
  assert.match(text, /^Eastron SDM630, unit 1 via Modbus TCP/);
  assert.match(text, /current \(A\)\s+12\.50\s+8\.25\s+3\.13/);
  assert.match(text, /import energy\s+12345\.500 kWh/);
  await assert.rejects(probeMeter(settings(server, 'abb-b23', SDM630_UNIT)), /exception 2 \(illegal data address/);
  await server.stop();
  await assert.rejects(probeMeter(settings(server, 'sdm630', SDM630_UNIT)), /connection refused/);
});
