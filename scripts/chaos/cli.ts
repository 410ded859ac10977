// `npm run test:chaos [-- --seed N --kills N --chargers N]`: a long seeded chaos run;
// prints the verdict and exits 1 when a promise is broken. Without --seed a fresh seed is
// drawn (and printed, so a failure can be replayed).
import { runChaos } from './run.js';
import { formatVerdict } from './verdict.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v < 0) {
    process.stderr.write(`--${name} needs a non-negative integer\n`);
    process.exit(2);
  }
  return v;
}

const seed = arg('seed', Math.floor(Math.random() * 2 ** 31));
const kills = arg('kills', 60);
const chargers = arg('chargers', 3);
process.stdout.write(`chaos: seed ${seed}, ${kills} kills, ${chargers} chargers\n`);
const verdict = await runChaos({ seed, kills, chargers, log: (l) => process.stdout.write(`${l}\n`) });
process.stdout.write(`${formatVerdict(verdict)}\n`);
process.exit(verdict.ok ? 0 : 1);
