// `site-controller probe meter -c FILE`: one read with the configured settings,
// the values or the exact failure, exit 0 / 1. Run as the installer would.
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { CLI } from '../helpers/child.js';
import { makeTempDir, testConfigObject, writeConfig } from '../helpers/daemon.js';
import { MeterSim } from '../../scripts/sim/meter-sim.js';
import { freeLoopbackPort } from '../helpers/modbus-tcp-server.js';

function probe(configFile: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, 'probe', 'meter', '-c', configFile], (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

function config(t: test.TestContext, meter: Record<string, unknown> | undefined): string {
  const dir = makeTempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const obj = testConfigObject(dir);
  if (meter) obj.meter = meter;
  return writeConfig(dir, obj);
}

test('probe meter prints one sample and exits 0', async (t) => {
  const sim = await MeterSim.start({ baseA: [12.5, 8.25, 3.125] });
  t.after(() => sim.stop());
  const r = await probe(config(t, { model: 'sdm630', transport: 'tcp', host: sim.host, port: sim.port, unitId: 1, timeoutMs: 300 }));
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Eastron SDM630, unit 1 via Modbus TCP 127\.0\.0\.1:\d+/);
  assert.match(r.stdout, /current \(A\)\s+12\.50\s+8\.25\s+3\.13/);
  assert.match(r.stdout, /voltage \(V\)\s+230\.0\s+230\.0\s+230\.0/);
  assert.equal(sim.reads, 1);
});

test('probe meter names the failure and exits 1: nothing listening, wrong unit id, NaN values', async (t) => {
  const port = await freeLoopbackPort();
  const refused = await probe(config(t, { model: 'sdm630', transport: 'tcp', host: '127.0.0.1', port, timeoutMs: 300 }));
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /^meter: .*connection refused/m);

  const sim = await MeterSim.start({ baseA: [10, 10, 10] });
  t.after(() => sim.stop());
  const wrongUnit = await probe(config(t, { model: 'sdm630', transport: 'tcp', host: sim.host, port: sim.port, unitId: 7, timeoutMs: 200 }));
  assert.equal(wrongUnit.code, 1);
  assert.match(wrongUnit.stderr, /no answer from unit id 7 .*wrong unit id\?/);

  sim.mode = 'nan';
  const garbage = await probe(config(t, { model: 'sdm630', transport: 'tcp', host: sim.host, port: sim.port, unitId: 1, timeoutMs: 300 }));
  assert.equal(garbage.code, 1);
  assert.match(garbage.stderr, /implausible values, sample rejected: current L1 is NaN A/);
});

test('probe meter without a meter section says so', async (t) => {
  const r = await probe(config(t, undefined));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /meter is not configured/);
});
