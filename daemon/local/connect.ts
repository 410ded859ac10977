// What happens when a charger connects, whether it rebooted or only lost its socket.
// OCPP 1.6 sends a BootNotification only after a reboot, so a new connection starts
// from what the store knows (last statuses, open transactions: a car may be charging),
// and the site configures the charger after its BootNotification, or, when none comes
// within the boot grace, as a reconnect (read its keys, ask for fresh statuses).
import type { ChargerSession } from './session.js';
import { configureCharger, storedKeys, type ConfigureDeps } from './configure.js';
import { numberOfConnectorsFrom, restoreConnectors } from './connectors.js';

export interface ConnectDeps extends ConfigureDeps {
  now: () => number;
  /** The charger's dialect's configure step (default: the 1.6 one). */
  configure?: (session: ChargerSession, deps: ConfigureDeps, reason: 'boot' | 'reconnect') => Promise<void>;
  /** How long to wait for a BootNotification before taking the connection for a reconnect. */
  bootGraceMs: number;
}

/** Restores the charger's connector state into a new session (before anyone sees it). */
export function restoreSession(session: ChargerSession, deps: Pick<ConnectDeps, 'store' | 'now' | 'log'>): void {
  const { store } = deps;
  if (!session.config) session.numberOfConnectors = numberOfConnectorsFrom(storedKeys(store, session.id));
  const restored = restoreConnectors(store.chargers.connectors(session.id), store.transactions.openFor(session.id), session.maxConnectorId, deps.now());
  for (const [id, c] of restored) session.connectors.set(id, c);
  const open = [...restored.values()].filter((c) => c.transactionId !== null).length;
  if (restored.size > 0) deps.log.child('local', { charger: session.id }).info('connector state restored from the store (unconfirmed)', { connectors: restored.size, openTransactions: open });
}

/** Call once per new session, before it is attached to the registry. */
export function onChargerConnect(session: ChargerSession, deps: ConnectDeps): void {
  restoreSession(session, deps);
  const configure = deps.configure ?? configureCharger;
  // Released when a boot comes or the connection ends, so a stopping daemon leaves no timer behind.
  let grace: NodeJS.Timeout | undefined = setTimeout(() => {
    grace = undefined;
    if (session.rpc.isOpen) void configure(session, deps, 'reconnect');
  }, deps.bootGraceMs);
  const endGrace = () => {
    clearTimeout(grace);
    grace = undefined;
  };
  session.rpc.on('responded', (action: string) => {
    if (action !== 'BootNotification') return;
    endGrace();
    void configure(session, deps, 'boot');
  });
  session.rpc.once('close', endGrace);
}
