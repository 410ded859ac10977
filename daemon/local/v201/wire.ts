// The fields of the charger-initiated OCPP 2.0.1 requests this dialect reads, written
// from the OCA schemas (the RPC layer has validated every frame against them before a
// handler sees it). Kept to what the handlers use; ../../ocpp/v201/types.ts has the rest.
import type { ChargingState201, ConnectorStatus201, IdToken201, MeterValue201 } from '../../ocpp/v201/mapping.js';

export interface Component201 {
  name: string;
  instance?: string;
  evse?: { id: number; connectorId?: number };
}
export interface Variable201 {
  name: string;
  instance?: string;
}

export interface BootNotification201 {
  reason: string;
  chargingStation: { model: string; vendorName: string; serialNumber?: string; firmwareVersion?: string; modem?: { iccid?: string; imsi?: string } };
}
export interface StatusNotification201 {
  timestamp: string;
  connectorStatus: ConnectorStatus201;
  evseId: number;
  connectorId: number;
}
export interface TransactionEvent201 {
  eventType: 'Started' | 'Updated' | 'Ended';
  timestamp: string;
  triggerReason: string;
  seqNo: number;
  offline?: boolean;
  numberOfPhasesUsed?: number;
  cableMaxCurrent?: number;
  reservationId?: number;
  transactionInfo: { transactionId: string; chargingState?: ChargingState201; timeSpentCharging?: number; stoppedReason?: string; remoteStartId?: number };
  evse?: { id: number; connectorId?: number };
  idToken?: IdToken201;
  meterValue?: MeterValue201[];
}
export interface MeterValues201 {
  evseId: number;
  meterValue: MeterValue201[];
}
export interface NotifyEvent201 {
  generatedAt: string;
  seqNo: number;
  tbc?: boolean;
  eventData: Array<{ eventId: number; timestamp: string; trigger: string; actualValue: string; eventNotificationType: string; component: Component201; variable: Variable201; cleared?: boolean; techCode?: string }>;
}
export interface NotifyReport201 {
  requestId: number;
  generatedAt: string;
  seqNo: number;
  tbc?: boolean;
  reportData?: unknown[];
}
export interface ChargingLimit201 {
  chargingLimit: { chargingLimitSource: string; isGridCritical?: boolean };
  evseId?: number;
  chargingSchedule?: unknown[];
}
export interface GetVariableResult201 {
  attributeStatus: string;
  attributeValue?: string;
  component: Component201;
  variable: Variable201;
}
export interface SetVariableResult201 {
  attributeStatus: string;
  component: Component201;
  variable: Variable201;
}
