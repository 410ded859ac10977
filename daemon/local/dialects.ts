// The charger dialects, one per OCPP version: the handlers that turn a version's
// charger-initiated messages into the model, and the configure step after a boot or
// reconnect. The composition root picks one per session by its subprotocol; nothing
// else in the daemon asks which version a charger speaks.
import type { ChargerSession } from './session.js';
import type { ConfigureDeps } from './configure.js';
import { registerHandlers, type HandlerDeps } from './handlers.js';
import { configureCharger } from './configure.js';
import { registerV201Handlers } from './v201/handlers.js';
import { configureV201 } from './v201/configure.js';
import { KNOWN_PROTOCOLS } from '../ocpp/protocols.js';

export interface ChargerDialect {
  register(session: ChargerSession, deps: HandlerDeps): void;
  configure(session: ChargerSession, deps: ConfigureDeps, reason: 'boot' | 'reconnect'): Promise<void>;
}

export const DIALECTS: Readonly<Record<string, ChargerDialect>> = {
  'ocpp1.6': { register: registerHandlers, configure: configureCharger },
  'ocpp2.0.1': { register: registerV201Handlers, configure: configureV201 },
};

/** The subprotocols the local server may accept: those with a dialect, in order of preference. */
export const DIALECT_PROTOCOLS: readonly string[] = KNOWN_PROTOCOLS.filter((p) => DIALECTS[p] !== undefined);

export function dialectOf(session: ChargerSession): ChargerDialect {
  const d = DIALECTS[session.protocol];
  // The server only accepts DIALECT_PROTOCOLS, so this is a wiring error, not a charger's.
  if (!d) throw new Error(`no charger dialect for subprotocol ${session.protocol}`);
  return d;
}
