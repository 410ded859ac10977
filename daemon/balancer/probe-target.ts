// A connected charger as the probe sees it (probe.ts): its wiring, what its connectors do,
// the limit each has from the balancer, and a way to send it commands.
import type { ChargerRegistry } from '../local/registry.js';
import type { ChargerSession } from '../local/session.js';
import type { ProbeTarget } from './probe.js';
import type { ChargerProfiles } from './sender.js';
import { isCharging, wiringOf } from './site-view.js';

export function probeTarget(
  s: ChargerSession, ctl: ChargerProfiles | undefined, registry: ChargerRegistry,
  o: { nominalVoltageV: number; dynamicStackLevel: number; minCurrentA: number; now: () => number },
): ProbeTarget {
  const w = wiringOf(s);
  return {
    id: s.id, protocol: s.protocol, connectors: w.connectors, phases: w.phases, ...o,
    connector: (id) => {
      const st = s.connectors.get(id);
      const live = st?.live?.currentA ?? [null, null, null];
      return {
        charging: isCharging(st), transactionId: st?.transactionId ?? null, limitA: ctl?.view(id).acceptedA ?? null,
        phasesReported: live.flatMap((a, i) => (a !== null ? [i] : [])),
      };
    },
    send: (action, req, timeoutMs) => registry.send(s.id, action, req as never, { timeoutMs }),
  };
}
