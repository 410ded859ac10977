// `npm run bench`: every benchmark, one `name value unit` line per figure.
// BENCH_ONLY=local runs one group; BENCH_STEADY_S / BENCH_PEAK_S shorten runs.
import { benchLocalCsms } from './local-csms.js';

const groups: Record<string, () => Promise<void>> = {
  local: benchLocalCsms,
};

const only = process.env.BENCH_ONLY?.split(',');
for (const [name, run] of Object.entries(groups)) {
  if (only && !only.includes(name)) continue;
  await run();
}
