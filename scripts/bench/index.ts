// `npm run bench`: every benchmark, one `name value unit` line per figure.
// BENCH_ONLY=local runs one group; BENCH_STEADY_S / BENCH_PEAK_S shorten runs.
import { benchLocalCsms } from './local-csms.js';
import { benchBalancer } from './balancer.js';
import { benchTelemetry } from './telemetry.js';
import { benchUpstream } from './upstream.js';
import { benchChaos } from './chaos.js';
import { benchWeb } from './web.js';

const groups: Record<string, () => Promise<void>> = {
  local: benchLocalCsms,
  balancer: benchBalancer,
  telemetry: benchTelemetry,
  upstream: benchUpstream,
  chaos: benchChaos,
  web: benchWeb,
};

const only = process.env.BENCH_ONLY?.split(',');
for (const [name, run] of Object.entries(groups)) {
  if (only && !only.includes(name)) continue;
  await run();
}
