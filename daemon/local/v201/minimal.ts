// A placeholder 2.0.1 session: answers BootNotification, Heartbeat and StatusNotification
// so the protocol layer (schemas, error spellings, subprotocol choice) can be exercised on
// a real 2.0.1 connection. It stores nothing and drives nothing. The 2.0.1 charger dialect
// (daemon/local/v201/, helper K) replaces it; nothing in the daemon wires it today.
import type { ChargerSession } from '../session.js';
import type { V201Actions } from '../../ocpp/v201/types.js';

export function wireMinimal201(session: ChargerSession, opts: { heartbeatIntervalS: number; now: () => number }): void {
  const currentTime = (): string => new Date(opts.now()).toISOString();
  session.rpc
    .handle('BootNotification', (): V201Actions['BootNotification']['conf'] => ({ currentTime: currentTime(), interval: opts.heartbeatIntervalS, status: 'Accepted' }))
    .handle('Heartbeat', (): V201Actions['Heartbeat']['conf'] => ({ currentTime: currentTime() }))
    .handle('StatusNotification', (): V201Actions['StatusNotification']['conf'] => ({}));
}
