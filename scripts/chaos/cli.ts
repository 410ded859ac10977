// `npm run test:chaos [-- --seed N --kills N --chargers N --v201 N --cloud-v201]`: a long seeded chaos run
// (--v201 N: the last N chargers speak OCPP 2.0.1; default 0; --cloud-v201: the site speaks 2.0.1 to the cloud); prints the verdict and exits 1
// when a promise is broken. Without --seed a fresh seed is drawn (and printed, so a failure
// can be replayed).
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
const v201 = arg('v201', 0);
if (v201 > chargers) {
  process.stderr.write('--v201 cannot exceed --chargers\n');
  process.exit(2);
}
const cloudProtocol = process.argv.includes('--cloud-v201') ? 'ocpp2.0.1' : 'ocpp1.6';
process.stdout.write(`chaos: seed ${seed}, ${kills} kills, ${chargers} chargers (${v201} on OCPP 2.0.1), cloud ${cloudProtocol}\n`);
const verdict = await runChaos({ seed, kills, chargers, v201, cloudProtocol, log: (l) => process.stdout.write(`${l}\n`) });
process.stdout.write(`${formatVerdict(verdict)}\n`);
process.exit(verdict.ok ? 0 : 1);
