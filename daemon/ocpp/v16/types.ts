/**
 * OCPP 1.6J message payload types.
 *
 * Hand-written to match the official OCA JSON schemas vendored in
 * daemon/ocpp/schemas/ocpp1.6/ (urn:OCPP:1.6:2019:12:*): a field is optional
 * here exactly when it is absent from the schema's "required" list, and every
 * string enum is a string-literal union with the schema's values.
 *
 * Notes on mapping:
 * - JSON Schema "integer" and "number" are both `number` (integers are not
 *   distinguished by the type system; the schemas enforce them at run time).
 * - "format": "date-time" fields are ISO 8601 strings (`DateTime`).
 * - Length limits (CiStringNNType) are not expressible in types; the schemas
 *   enforce them.
 * - The schemas carry no minItems, so arrays may be empty even where the spec
 *   text says 1..* (e.g. MeterValues.req meterValue).
 * - Payloads without fields are `Record<string, never>` (the schemas forbid
 *   any property).
 */

// ---------------------------------------------------------------------------
// Primitive aliases
// ---------------------------------------------------------------------------

/** ISO 8601 date-time string (JSON Schema "format": "date-time"). */
export type DateTime = string;
/** IdToken: CiString20Type (maxLength 20). */
export type IdToken = string;
/** A payload with no fields ("properties": {}, "additionalProperties": false). */
export type EmptyPayload = Record<string, never>;

// ---------------------------------------------------------------------------
// Enumerations
// ---------------------------------------------------------------------------

export type AuthorizationStatus = 'Accepted' | 'Blocked' | 'Expired' | 'Invalid' | 'ConcurrentTx';

export type RegistrationStatus = 'Accepted' | 'Pending' | 'Rejected';

export type CancelReservationStatus = 'Accepted' | 'Rejected';

export type AvailabilityType = 'Inoperative' | 'Operative';

export type AvailabilityStatus = 'Accepted' | 'Rejected' | 'Scheduled';

export type ConfigurationStatus = 'Accepted' | 'Rejected' | 'RebootRequired' | 'NotSupported';

export type ClearCacheStatus = 'Accepted' | 'Rejected';

export type ChargingProfilePurposeType = 'ChargePointMaxProfile' | 'TxDefaultProfile' | 'TxProfile';

export type ChargingProfileKindType = 'Absolute' | 'Recurring' | 'Relative';

export type RecurrencyKindType = 'Daily' | 'Weekly';

export type ChargingRateUnitType = 'A' | 'W';

export type ClearChargingProfileStatus = 'Accepted' | 'Unknown';

export type DataTransferStatus = 'Accepted' | 'Rejected' | 'UnknownMessageId' | 'UnknownVendorId';

export type DiagnosticsStatus = 'Idle' | 'Uploaded' | 'UploadFailed' | 'Uploading';

export type FirmwareStatus =
  | 'Downloaded'
  | 'DownloadFailed'
  | 'Downloading'
  | 'Idle'
  | 'InstallationFailed'
  | 'Installing'
  | 'Installed';

export type GetCompositeScheduleStatus = 'Accepted' | 'Rejected';

export type ReadingContext =
  | 'Interruption.Begin'
  | 'Interruption.End'
  | 'Sample.Clock'
  | 'Sample.Periodic'
  | 'Transaction.Begin'
  | 'Transaction.End'
  | 'Trigger'
  | 'Other';

export type ValueFormat = 'Raw' | 'SignedData';

export type Measurand =
  | 'Energy.Active.Export.Register'
  | 'Energy.Active.Import.Register'
  | 'Energy.Reactive.Export.Register'
  | 'Energy.Reactive.Import.Register'
  | 'Energy.Active.Export.Interval'
  | 'Energy.Active.Import.Interval'
  | 'Energy.Reactive.Export.Interval'
  | 'Energy.Reactive.Import.Interval'
  | 'Power.Active.Export'
  | 'Power.Active.Import'
  | 'Power.Offered'
  | 'Power.Reactive.Export'
  | 'Power.Reactive.Import'
  | 'Power.Factor'
  | 'Current.Import'
  | 'Current.Export'
  | 'Current.Offered'
  | 'Voltage'
  | 'Frequency'
  | 'Temperature'
  | 'SoC'
  | 'RPM';

export type Phase = 'L1' | 'L2' | 'L3' | 'N' | 'L1-N' | 'L2-N' | 'L3-N' | 'L1-L2' | 'L2-L3' | 'L3-L1';

export type Location = 'Cable' | 'EV' | 'Inlet' | 'Outlet' | 'Body';

/**
 * Unit of measure as allowed by the MeterValues.req schema. Note the official
 * schemas list both the misspelled "Celcius" and "Celsius" here.
 */
export type UnitOfMeasure =
  | 'Wh'
  | 'kWh'
  | 'varh'
  | 'kvarh'
  | 'W'
  | 'kW'
  | 'VA'
  | 'kVA'
  | 'var'
  | 'kvar'
  | 'A'
  | 'V'
  | 'K'
  | 'Celcius'
  | 'Celsius'
  | 'Fahrenheit'
  | 'Percent';

/**
 * Unit of measure as allowed by the StopTransaction.req schema
 * (transactionData): the official schema lists only "Celcius", not "Celsius".
 */
export type StopTransactionUnitOfMeasure = Exclude<UnitOfMeasure, 'Celsius'>;

export type RemoteStartStopStatus = 'Accepted' | 'Rejected';

export type ReservationStatus = 'Accepted' | 'Faulted' | 'Occupied' | 'Rejected' | 'Unavailable';

export type ResetType = 'Hard' | 'Soft';

export type ResetStatus = 'Accepted' | 'Rejected';

export type UpdateType = 'Differential' | 'Full';

export type UpdateStatus = 'Accepted' | 'Failed' | 'NotSupported' | 'VersionMismatch';

export type ChargingProfileStatus = 'Accepted' | 'Rejected' | 'NotSupported';

export type ChargePointErrorCode =
  | 'ConnectorLockFailure'
  | 'EVCommunicationError'
  | 'GroundFailure'
  | 'HighTemperature'
  | 'InternalError'
  | 'LocalListConflict'
  | 'NoError'
  | 'OtherError'
  | 'OverCurrentFailure'
  | 'PowerMeterFailure'
  | 'PowerSwitchFailure'
  | 'ReaderFailure'
  | 'ResetFailure'
  | 'UnderVoltage'
  | 'OverVoltage'
  | 'WeakSignal';

export type ChargePointStatus =
  | 'Available'
  | 'Preparing'
  | 'Charging'
  | 'SuspendedEVSE'
  | 'SuspendedEV'
  | 'Finishing'
  | 'Reserved'
  | 'Unavailable'
  | 'Faulted';

export type Reason =
  | 'EmergencyStop'
  | 'EVDisconnected'
  | 'HardReset'
  | 'Local'
  | 'Other'
  | 'PowerLoss'
  | 'Reboot'
  | 'Remote'
  | 'SoftReset'
  | 'UnlockCommand'
  | 'DeAuthorized';

export type MessageTrigger =
  | 'BootNotification'
  | 'DiagnosticsStatusNotification'
  | 'FirmwareStatusNotification'
  | 'Heartbeat'
  | 'MeterValues'
  | 'StatusNotification';

export type TriggerMessageStatus = 'Accepted' | 'Rejected' | 'NotImplemented';

export type UnlockStatus = 'Unlocked' | 'UnlockFailed' | 'NotSupported';

// ---------------------------------------------------------------------------
// Shared structures
// ---------------------------------------------------------------------------

export interface IdTagInfo {
  expiryDate?: DateTime;
  /** maxLength 20 */
  parentIdTag?: IdToken;
  status: AuthorizationStatus;
}

export interface AuthorizationData {
  /** maxLength 20 */
  idTag: IdToken;
  idTagInfo?: IdTagInfo;
}

export interface KeyValue {
  /** maxLength 50 */
  key: string;
  readonly: boolean;
  /** maxLength 500 */
  value?: string;
}

/**
 * One sampled value. `U` is the allowed unit union: it defaults to the
 * MeterValues.req set; StopTransaction.req uses StopTransactionUnitOfMeasure.
 */
export interface SampledValue<U extends string = UnitOfMeasure> {
  value: string;
  context?: ReadingContext;
  format?: ValueFormat;
  measurand?: Measurand;
  phase?: Phase;
  location?: Location;
  unit?: U;
}

export interface MeterValue<U extends string = UnitOfMeasure> {
  timestamp: DateTime;
  sampledValue: SampledValue<U>[];
}

export interface ChargingSchedulePeriod {
  /** integer, seconds from the start of the schedule */
  startPeriod: number;
  /** multipleOf 0.1, in chargingRateUnit */
  limit: number;
  /** integer */
  numberPhases?: number;
}

export interface ChargingSchedule {
  /** integer, seconds */
  duration?: number;
  startSchedule?: DateTime;
  chargingRateUnit: ChargingRateUnitType;
  chargingSchedulePeriod: ChargingSchedulePeriod[];
  /** multipleOf 0.1 */
  minChargingRate?: number;
}

export interface ChargingProfile {
  /** integer */
  chargingProfileId: number;
  /** integer */
  transactionId?: number;
  /** integer */
  stackLevel: number;
  chargingProfilePurpose: ChargingProfilePurposeType;
  chargingProfileKind: ChargingProfileKindType;
  recurrencyKind?: RecurrencyKindType;
  validFrom?: DateTime;
  validTo?: DateTime;
  chargingSchedule: ChargingSchedule;
}

// ---------------------------------------------------------------------------
// Request / response payloads (alphabetical by action)
// ---------------------------------------------------------------------------

// Authorize
export interface AuthorizeRequest {
  /** maxLength 20 */
  idTag: IdToken;
}
export interface AuthorizeResponse {
  idTagInfo: IdTagInfo;
}

// BootNotification
export interface BootNotificationRequest {
  /** maxLength 20 */
  chargePointVendor: string;
  /** maxLength 20 */
  chargePointModel: string;
  /** maxLength 25 */
  chargePointSerialNumber?: string;
  /** maxLength 25 (deprecated) */
  chargeBoxSerialNumber?: string;
  /** maxLength 50 */
  firmwareVersion?: string;
  /** maxLength 20 */
  iccid?: string;
  /** maxLength 20 */
  imsi?: string;
  /** maxLength 25 */
  meterType?: string;
  /** maxLength 25 */
  meterSerialNumber?: string;
}
export interface BootNotificationResponse {
  status: RegistrationStatus;
  currentTime: DateTime;
  /** integer, seconds */
  interval: number;
}

// CancelReservation
export interface CancelReservationRequest {
  /** integer */
  reservationId: number;
}
export interface CancelReservationResponse {
  status: CancelReservationStatus;
}

// ChangeAvailability
export interface ChangeAvailabilityRequest {
  /** integer */
  connectorId: number;
  type: AvailabilityType;
}
export interface ChangeAvailabilityResponse {
  status: AvailabilityStatus;
}

// ChangeConfiguration
export interface ChangeConfigurationRequest {
  /** maxLength 50 */
  key: string;
  /** maxLength 500 */
  value: string;
}
export interface ChangeConfigurationResponse {
  status: ConfigurationStatus;
}

// ClearCache
export type ClearCacheRequest = EmptyPayload;
export interface ClearCacheResponse {
  status: ClearCacheStatus;
}

// ClearChargingProfile
export interface ClearChargingProfileRequest {
  /** integer */
  id?: number;
  /** integer */
  connectorId?: number;
  chargingProfilePurpose?: ChargingProfilePurposeType;
  /** integer */
  stackLevel?: number;
}
export interface ClearChargingProfileResponse {
  status: ClearChargingProfileStatus;
}

// DataTransfer
export interface DataTransferRequest {
  /** maxLength 255 */
  vendorId: string;
  /** maxLength 50 */
  messageId?: string;
  data?: string;
}
export interface DataTransferResponse {
  status: DataTransferStatus;
  data?: string;
}

// DiagnosticsStatusNotification
export interface DiagnosticsStatusNotificationRequest {
  status: DiagnosticsStatus;
}
export type DiagnosticsStatusNotificationResponse = EmptyPayload;

// FirmwareStatusNotification
export interface FirmwareStatusNotificationRequest {
  status: FirmwareStatus;
}
export type FirmwareStatusNotificationResponse = EmptyPayload;

// GetCompositeSchedule
export interface GetCompositeScheduleRequest {
  /** integer */
  connectorId: number;
  /** integer, seconds */
  duration: number;
  chargingRateUnit?: ChargingRateUnitType;
}
export interface GetCompositeScheduleResponse {
  status: GetCompositeScheduleStatus;
  /** integer */
  connectorId?: number;
  scheduleStart?: DateTime;
  chargingSchedule?: ChargingSchedule;
}

// GetConfiguration
export interface GetConfigurationRequest {
  /** each maxLength 50 */
  key?: string[];
}
export interface GetConfigurationResponse {
  configurationKey?: KeyValue[];
  /** each maxLength 50 */
  unknownKey?: string[];
}

// GetDiagnostics
export interface GetDiagnosticsRequest {
  /** format uri */
  location: string;
  /** integer */
  retries?: number;
  /** integer, seconds */
  retryInterval?: number;
  startTime?: DateTime;
  stopTime?: DateTime;
}
export interface GetDiagnosticsResponse {
  /** maxLength 255 */
  fileName?: string;
}

// GetLocalListVersion
export type GetLocalListVersionRequest = EmptyPayload;
export interface GetLocalListVersionResponse {
  /** integer */
  listVersion: number;
}

// Heartbeat
export type HeartbeatRequest = EmptyPayload;
export interface HeartbeatResponse {
  currentTime: DateTime;
}

// MeterValues
export interface MeterValuesRequest {
  /** integer */
  connectorId: number;
  /** integer */
  transactionId?: number;
  meterValue: MeterValue[];
}
export type MeterValuesResponse = EmptyPayload;

// RemoteStartTransaction
export interface RemoteStartTransactionRequest {
  /** integer */
  connectorId?: number;
  /** maxLength 20 */
  idTag: IdToken;
  chargingProfile?: ChargingProfile;
}
export interface RemoteStartTransactionResponse {
  status: RemoteStartStopStatus;
}

// RemoteStopTransaction
export interface RemoteStopTransactionRequest {
  /** integer */
  transactionId: number;
}
export interface RemoteStopTransactionResponse {
  status: RemoteStartStopStatus;
}

// ReserveNow
export interface ReserveNowRequest {
  /** integer */
  connectorId: number;
  expiryDate: DateTime;
  /** maxLength 20 */
  idTag: IdToken;
  /** maxLength 20 */
  parentIdTag?: IdToken;
  /** integer */
  reservationId: number;
}
export interface ReserveNowResponse {
  status: ReservationStatus;
}

// Reset
export interface ResetRequest {
  type: ResetType;
}
export interface ResetResponse {
  status: ResetStatus;
}

// SendLocalList
export interface SendLocalListRequest {
  /** integer */
  listVersion: number;
  localAuthorizationList?: AuthorizationData[];
  updateType: UpdateType;
}
export interface SendLocalListResponse {
  status: UpdateStatus;
}

// SetChargingProfile
export interface SetChargingProfileRequest {
  /** integer */
  connectorId: number;
  csChargingProfiles: ChargingProfile;
}
export interface SetChargingProfileResponse {
  status: ChargingProfileStatus;
}

// StartTransaction
export interface StartTransactionRequest {
  /** integer */
  connectorId: number;
  /** maxLength 20 */
  idTag: IdToken;
  /** integer, Wh */
  meterStart: number;
  /** integer */
  reservationId?: number;
  timestamp: DateTime;
}
export interface StartTransactionResponse {
  idTagInfo: IdTagInfo;
  /** integer */
  transactionId: number;
}

// StatusNotification
export interface StatusNotificationRequest {
  /** integer */
  connectorId: number;
  errorCode: ChargePointErrorCode;
  /** maxLength 50 */
  info?: string;
  status: ChargePointStatus;
  timestamp?: DateTime;
  /** maxLength 255 */
  vendorId?: string;
  /** maxLength 50 */
  vendorErrorCode?: string;
}
export type StatusNotificationResponse = EmptyPayload;

// StopTransaction
export interface StopTransactionRequest {
  /** maxLength 20 */
  idTag?: IdToken;
  /** integer, Wh */
  meterStop: number;
  timestamp: DateTime;
  /** integer */
  transactionId: number;
  reason?: Reason;
  transactionData?: MeterValue<StopTransactionUnitOfMeasure>[];
}
export interface StopTransactionResponse {
  idTagInfo?: IdTagInfo;
}

// TriggerMessage
export interface TriggerMessageRequest {
  requestedMessage: MessageTrigger;
  /** integer */
  connectorId?: number;
}
export interface TriggerMessageResponse {
  status: TriggerMessageStatus;
}

// UnlockConnector
export interface UnlockConnectorRequest {
  /** integer */
  connectorId: number;
}
export interface UnlockConnectorResponse {
  status: UnlockStatus;
}

// UpdateFirmware
export interface UpdateFirmwareRequest {
  /** format uri */
  location: string;
  /** integer */
  retries?: number;
  retrieveDate: DateTime;
  /** integer, seconds */
  retryInterval?: number;
}
export type UpdateFirmwareResponse = EmptyPayload;

// ---------------------------------------------------------------------------
// Action maps
// ---------------------------------------------------------------------------

/** Every OCPP 1.6 core action with its request (req) and response (conf) payload. */
export interface V16Actions {
  Authorize: { req: AuthorizeRequest; conf: AuthorizeResponse };
  BootNotification: { req: BootNotificationRequest; conf: BootNotificationResponse };
  CancelReservation: { req: CancelReservationRequest; conf: CancelReservationResponse };
  ChangeAvailability: { req: ChangeAvailabilityRequest; conf: ChangeAvailabilityResponse };
  ChangeConfiguration: { req: ChangeConfigurationRequest; conf: ChangeConfigurationResponse };
  ClearCache: { req: ClearCacheRequest; conf: ClearCacheResponse };
  ClearChargingProfile: { req: ClearChargingProfileRequest; conf: ClearChargingProfileResponse };
  DataTransfer: { req: DataTransferRequest; conf: DataTransferResponse };
  DiagnosticsStatusNotification: {
    req: DiagnosticsStatusNotificationRequest;
    conf: DiagnosticsStatusNotificationResponse;
  };
  FirmwareStatusNotification: {
    req: FirmwareStatusNotificationRequest;
    conf: FirmwareStatusNotificationResponse;
  };
  GetCompositeSchedule: { req: GetCompositeScheduleRequest; conf: GetCompositeScheduleResponse };
  GetConfiguration: { req: GetConfigurationRequest; conf: GetConfigurationResponse };
  GetDiagnostics: { req: GetDiagnosticsRequest; conf: GetDiagnosticsResponse };
  GetLocalListVersion: { req: GetLocalListVersionRequest; conf: GetLocalListVersionResponse };
  Heartbeat: { req: HeartbeatRequest; conf: HeartbeatResponse };
  MeterValues: { req: MeterValuesRequest; conf: MeterValuesResponse };
  RemoteStartTransaction: { req: RemoteStartTransactionRequest; conf: RemoteStartTransactionResponse };
  RemoteStopTransaction: { req: RemoteStopTransactionRequest; conf: RemoteStopTransactionResponse };
  ReserveNow: { req: ReserveNowRequest; conf: ReserveNowResponse };
  Reset: { req: ResetRequest; conf: ResetResponse };
  SendLocalList: { req: SendLocalListRequest; conf: SendLocalListResponse };
  SetChargingProfile: { req: SetChargingProfileRequest; conf: SetChargingProfileResponse };
  StartTransaction: { req: StartTransactionRequest; conf: StartTransactionResponse };
  StatusNotification: { req: StatusNotificationRequest; conf: StatusNotificationResponse };
  StopTransaction: { req: StopTransactionRequest; conf: StopTransactionResponse };
  TriggerMessage: { req: TriggerMessageRequest; conf: TriggerMessageResponse };
  UnlockConnector: { req: UnlockConnectorRequest; conf: UnlockConnectorResponse };
  UpdateFirmware: { req: UpdateFirmwareRequest; conf: UpdateFirmwareResponse };
}

export type V16Action = keyof V16Actions;

/** Actions a charge point sends to the CSMS (the CSMS answers with the conf). */
export const CHARGER_INITIATED_V16 = [
  'Authorize',
  'BootNotification',
  'DataTransfer',
  'DiagnosticsStatusNotification',
  'FirmwareStatusNotification',
  'Heartbeat',
  'MeterValues',
  'StartTransaction',
  'StatusNotification',
  'StopTransaction',
] as const satisfies readonly V16Action[];

/** Actions the CSMS sends to a charge point. DataTransfer goes both ways. */
export const CSMS_INITIATED_V16 = [
  'CancelReservation',
  'ChangeAvailability',
  'ChangeConfiguration',
  'ClearCache',
  'ClearChargingProfile',
  'DataTransfer',
  'GetCompositeSchedule',
  'GetConfiguration',
  'GetDiagnostics',
  'GetLocalListVersion',
  'RemoteStartTransaction',
  'RemoteStopTransaction',
  'ReserveNow',
  'Reset',
  'SendLocalList',
  'SetChargingProfile',
  'TriggerMessage',
  'UnlockConnector',
  'UpdateFirmware',
] as const satisfies readonly V16Action[];
