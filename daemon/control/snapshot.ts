// What `site-controller status` shows: one JSON snapshot of the running site,
// built from the services' own state. Pure over its inputs.
import type { ChargerRegistry } from '../local/registry.js';
import type { ChargerConfig } from '../config/types.js';
import type { Upstream } from '../upstream/index.js';

export interface SnapshotSources {
  siteId: string;
  startedAt: number;
  now: () => number;
  chargers: ChargerConfig[];
  registry: ChargerRegistry;
  upstream?: Upstream;
  balancer?: { state(): unknown };
  health?: { results(): Record<string, unknown> };
  telemetry?: { stats(): unknown; connected: boolean };
  store?: { fault: unknown };
}

export function buildSnapshot(s: SnapshotSources): Record<string, unknown> {
  const now = s.now();
  const ids = new Set([...s.chargers.map((c) => c.id), ...s.registry.all().map((x) => x.id)]);
  const iso = (ms: number) => new Date(ms).toISOString();
  const chargers = [...ids].map((id) => {
    const session = s.registry.get(id);
    const refusal = s.registry.lastRefusal(id);
    const numberOf = (c: number) => s.upstream?.service.connectors.numberOf(id, c);
    return {
      id,
      configured: s.chargers.some((c) => c.id === id),
      connected: session?.rpc.isOpen ?? false,
      remote: session?.remoteAddress,
      connectedSinceS: session ? Math.round((now - session.connectedAt) / 1000) : undefined,
      lastSeenAgoS: session ? Math.round((now - session.lastSeenAt) / 1000) : undefined,
      vendor: session?.boot?.vendor,
      model: session?.boot?.model,
      firmware: session?.boot?.firmwareVersion,
      rateUnits: session?.capabilities?.rateUnits,
      // Why the charger was last turned away (wrong password, no common subprotocol, ...): kept after it connects, for the record.
      lastRefusal: refusal ? { ...refusal, at: iso(refusal.at) } : null,
      connectors: session
        ? [...session.connectors.entries()].filter(([c]) => c > 0).sort(([a], [b]) => a - b).map(([c, st]) => ({
            connector: c, cloudConnector: numberOf(c), status: st.status, errorCode: st.errorCode, transactionId: st.transactionId,
            currentA: st.live?.currentA, powerW: st.live?.powerW, energyWh: st.live?.energyWh,
          }))
        : [],
    };
  });
  return {
    site: s.siteId,
    uptimeS: Math.round((now - s.startedAt) / 1000),
    store: s.store ? { fault: s.store.fault } : null,
    chargers,
    // Identities nobody configured (an installer's typo) and addresses blocked for failed logins.
    admission: {
      unknownChargers: s.registry.unknownChargers().map((u) => ({ ...u, firstAt: iso(u.firstAt), lastAt: iso(u.lastAt) })),
      blocked: s.registry.blockedAddresses(now).map((b) => ({ address: b.address, until: iso(b.until), refusedWhileBlocked: b.refusedWhileBlocked })),
    },
    upstream: s.upstream
      ? { ...s.upstream.service.state(), attempts: s.upstream.service.diagnostics(5), undeliverableMessages: s.upstream.service.outbox.undeliverable().slice(-5).map((r) => ({ seq: r.seq, action: r.action, error: r.lastError })) }
      : null,
    balancer: s.balancer ? s.balancer.state() : null,
    health: s.health ? s.health.results() : null,
    telemetry: s.telemetry ? { connected: s.telemetry.connected, ...(s.telemetry.stats() as object) } : null,
  };
}
