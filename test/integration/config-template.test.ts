// The minimal config template install.sh puts in /etc/site-controller: as shipped, `check`
// names every field still to fill; filled, it passes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI } from '../helpers/child.js';
import { FILL, fillTemplate, templateText } from '../helpers/template.js';

function check(file: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [CLI, 'check', '-c', file], { timeout: 30_000 }, (err, stdout, stderr) => {
      if (err && (err as { killed?: boolean }).killed) return reject(new Error(`site-controller check -c ${file} did not finish within 30 s`));
      resolve({ code: err ? Number((err as { code?: number }).code) : 0, out: stdout + stderr });
    });
  });
}

function withConfig(text: string): { file: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'sc-template-'));
  const file = join(dir, 'config.yaml');
  // As install.sh installs it: 0640, not readable by others.
  writeFileSync(file, text, { mode: 0o640 });
  return { file, done: () => rmSync(dir, { recursive: true, force: true }) };
}

test('the unfilled template fails check, naming each field marked FILL and nothing else', async () => {
  const text = templateText();
  const placeholders = text.match(FILL) ?? [];
  assert.equal(placeholders.length, 4, 'the template marks site.id, the fuse, the charger id and its password');
  const { file, done } = withConfig(text);
  try {
    const { code, out } = await check(file);
    assert.equal(code, 1, out);
    const problems = out.split('\n').filter((l) => /^[a-z[\]0-9.]+: /i.test(l) && !l.startsWith(file));
    assert.deepEqual(problems.map((l) => l.split(':')[0]), ['site.id', 'site.grid.maxCurrentA', 'chargers[0].id', 'chargers[0].password'], out);
    assert.match(out, /4 problems/);
  } finally {
    done();
  }
});

test('the template with its FILL values given passes check', async () => {
  const { file, done } = withConfig(fillTemplate(templateText()));
  try {
    const { code, out } = await check(file);
    assert.equal(code, 0, out);
  } finally {
    done();
  }
});
