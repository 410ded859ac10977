// Waits, without polling or sleeping, until a condition holds: it is checked now and
// again whenever one of the given emitters fires one of the given events.
import type { EventEmitter } from 'node:events';

export function until<T>(check: () => T | undefined | null | false, ...sources: Array<[EventEmitter, string]>): Promise<T> {
  return new Promise((resolve) => {
    const probe = () => {
      const v = check();
      if (!v) return;
      for (const [e, ev] of sources) e.off(ev, probe);
      resolve(v);
    };
    for (const [e, ev] of sources) e.on(ev, probe);
    probe();
  });
}
