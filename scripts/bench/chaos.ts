// Chaos figures for `npm run bench`: a seeded run with kill -9s of the daemon (see
// scripts/chaos/run.ts). BENCH_CHAOS_KILLS (default 50) and BENCH_CHAOS_SEED (default 1).
import { runChaos } from '../chaos/run.js';
import { report } from './lib.js';

export async function benchChaos(): Promise<void> {
  const kills = Number(process.env.BENCH_CHAOS_KILLS ?? 50);
  const seed = Number(process.env.BENCH_CHAOS_SEED ?? 1);
  const v = await runChaos({ seed, kills });
  report('chaos_seed', v.seed, 'seed');
  report('chaos_kills', v.kills, 'kills');
  report('chaos_accepted', v.accepted, 'messages');
  report('chaos_lost', v.lost, 'messages');
  report('chaos_cloud_drops', v.cloudDrops, 'drops');
  // The bound beside the figure: at most one duplicate per broken link (kill or cloud drop).
  report('chaos_duplicates_bound', v.kills + v.cloudDrops, 'calls');
  report('chaos_duplicates', v.duplicates, 'calls');
  report('chaos_duplicates_unexplained', v.duplicatesUnexplained, 'calls');
  report('chaos_set_aside', v.setAside, 'messages');
  report('chaos_seconds', v.seconds, 's');
  for (const p of v.problems) process.stderr.write(`chaos problem: ${p}\n`);
}
