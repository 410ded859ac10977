// A simulated cloud CSMS for the upstream tests, benchmarks and demos: it accepts the
// site as one OCPP 1.6J charge point, assigns transaction ids, records every message,
// can go down and come back, answer slowly or with errors, and send the site every
// command the routing table in DESIGN.md ("Upstream") covers.
//
//   const cloud = new CloudSim({ identities: { 'SITE-001': 'secret' } });
//   await cloud.start();            // cloud.url = ws://127.0.0.1:<port>/ocpp
//   await cloud.waitForConnection('SITE-001');
//   await cloud.remoteStart('SITE-001', 'TAG-1', 3);
//
// The server mechanics are in cloud-server.ts, framing in cloud-rpc.ts, the answers and
// the transaction book in cloud-ledger.ts, payload checks in cloud-payloads.ts.
import { CloudSimServer } from './cloud-server.js';
import type { CloudTransaction, IdTagInfo, IdTagStatus } from './cloud-ledger.js';

export { CloudSimServer, type CloudSimOptions, type CloudProtocol } from './cloud-server.js';
export { CloudCallError, type ReceivedCall, type SentCommand, type Scheduler } from './cloud-rpc.js';
export type { CloudTransaction, IdTagInfo, IdTagStatus, BootStatus } from './cloud-ledger.js';

export type AvailabilityType = 'Inoperative' | 'Operative';
export type TriggerableMessage =
  | 'BootNotification'
  | 'DiagnosticsStatusNotification'
  | 'FirmwareStatusNotification'
  | 'Heartbeat'
  | 'MeterValues'
  | 'StatusNotification';

/** Drops undefined optional fields, so payloads carry only what the caller gave. */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** The cloud simulator with one method per routed command (OCPP 1.6 §5). Each resolves with the CALLRESULT payload. */
export class CloudSim extends CloudSimServer {
  get transactions(): Map<number, CloudTransaction> {
    return this.ledger.transactions;
  }

  setIdTagStatus(idTag: string, status: IdTagStatus, extra: Omit<IdTagInfo, 'status'> = {}): void {
    this.ledger.setIdTag(idTag, { status, ...extra });
  }
  /** idTagInfo for tags without setIdTagStatus (default Accepted). */
  setDefaultIdTagStatus(status: IdTagStatus, extra: Omit<IdTagInfo, 'status'> = {}): void {
    this.ledger.defaultIdTag = { status, ...extra };
  }

  remoteStart(identity: string, idTag: string, connectorId?: number, chargingProfile?: object): Promise<any> {
    return this.call(identity, 'RemoteStartTransaction', defined({ connectorId, idTag, chargingProfile }));
  }

  remoteStop(identity: string, transactionId: number): Promise<any> {
    return this.call(identity, 'RemoteStopTransaction', { transactionId });
  }

  unlock(identity: string, connectorId: number): Promise<any> {
    return this.call(identity, 'UnlockConnector', { connectorId });
  }

  reserveNow(
    identity: string,
    r: { connectorId: number; expiryDate: string; idTag: string; reservationId: number; parentIdTag?: string },
  ): Promise<any> {
    return this.call(identity, 'ReserveNow', defined({ ...r }));
  }

  cancelReservation(identity: string, reservationId: number): Promise<any> {
    return this.call(identity, 'CancelReservation', { reservationId });
  }

  changeAvailability(identity: string, connectorId: number, type: AvailabilityType): Promise<any> {
    return this.call(identity, 'ChangeAvailability', { connectorId, type });
  }

  reset(identity: string, type: 'Hard' | 'Soft'): Promise<any> {
    return this.call(identity, 'Reset', { type });
  }

  setChargingProfile(identity: string, connectorId: number, csChargingProfiles: object): Promise<any> {
    return this.call(identity, 'SetChargingProfile', { connectorId, csChargingProfiles });
  }

  clearChargingProfile(
    identity: string,
    criteria: { id?: number; connectorId?: number; chargingProfilePurpose?: string; stackLevel?: number } = {},
  ): Promise<any> {
    return this.call(identity, 'ClearChargingProfile', defined({ ...criteria }));
  }

  getCompositeSchedule(identity: string, connectorId: number, duration: number, chargingRateUnit?: 'A' | 'W'): Promise<any> {
    return this.call(identity, 'GetCompositeSchedule', defined({ connectorId, duration, chargingRateUnit }));
  }

  triggerMessage(identity: string, requestedMessage: TriggerableMessage, connectorId?: number): Promise<any> {
    return this.call(identity, 'TriggerMessage', defined({ requestedMessage, connectorId }));
  }

  getConfiguration(identity: string, key?: string[]): Promise<any> {
    return this.call(identity, 'GetConfiguration', defined({ key }));
  }

  changeConfiguration(identity: string, key: string, value: string): Promise<any> {
    return this.call(identity, 'ChangeConfiguration', { key, value });
  }

  sendLocalList(
    identity: string,
    listVersion: number,
    updateType: 'Differential' | 'Full',
    localAuthorizationList?: Array<{ idTag: string; idTagInfo?: object }>,
  ): Promise<any> {
    return this.call(identity, 'SendLocalList', defined({ listVersion, updateType, localAuthorizationList }));
  }

  getLocalListVersion(identity: string): Promise<any> {
    return this.call(identity, 'GetLocalListVersion', {});
  }

  clearCache(identity: string): Promise<any> {
    return this.call(identity, 'ClearCache', {});
  }

  dataTransfer(identity: string, vendorId: string, messageId?: string, data?: string): Promise<any> {
    return this.call(identity, 'DataTransfer', defined({ vendorId, messageId, data }));
  }
}
