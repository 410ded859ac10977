// Two steps both 2.0.1 handler files take: asking the Authorizer about an IdToken, and
// deriving EVSE k's model status from what the charger said about it.
import type { ChargerSession } from '../session.js';
import type { HandlerDeps } from '../handlers.js';
import type { IdTagInfo } from '../../ocpp/v16/types.js';
import { evseStatus, idTagOf, modelErrorCode, modelStatus, type IdToken201 } from '../../ocpp/v201/mapping.js';
import { v201State } from './state.js';

/** The Authorizer behind a 2.0.1 IdToken; a NoAuthorization token needs no one's consent. */
export async function authorizeToken(deps: HandlerDeps, chargerId: string, token: IdToken201, purpose: 'Authorize' | 'StartTransaction' | 'StopTransaction', connectorId?: number): Promise<IdTagInfo> {
  if (token.type === 'NoAuthorization') return { status: 'Accepted' };
  try {
    return await deps.authorizer.authorize({ chargerId, idTag: idTagOf(token), idToken: { idToken: token.idToken, type: token.type }, connectorId, purpose });
  } catch (err) {
    deps.log.error('authorizer failed; answering Invalid', { charger: chargerId, err: (err as Error).message });
    return { status: 'Invalid' };
  }
}

/** The model status of EVSE k from what the charger said, applied to the session; true when it changed. */
export function refreshStatus(session: ChargerSession, evseId: number, now: number): boolean {
  const e = v201State(session).evse(evseId);
  const c = session.connector(evseId, now);
  const connectorStatus = evseStatus(e.connectors.values());
  const status = modelStatus({ connectorStatus, chargingState: e.chargingState, transactionOpen: c.transactionId !== null, previous: c.status });
  const errorCode = connectorStatus ? modelErrorCode(connectorStatus) : c.errorCode;
  if (status === c.status && errorCode === c.errorCode) return false;
  c.status = status;
  c.errorCode = errorCode;
  c.updatedAt = now;
  return true;
}
