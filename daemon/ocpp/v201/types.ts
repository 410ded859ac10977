/**
 * OCPP 2.0.1 message payload types, for the messages the site handles and sends.
 *
 * Written from the OCA JSON schemas vendored in daemon/ocpp/schemas/ocpp2.0.1/
 * (urn:OCPP:Cp:2:2020:3:*), and named as there (…Type for a class, …EnumType for an
 * enumeration), so a type here can be looked up in part 2 of the specification. A field
 * is optional exactly when it is absent from the schema's "required" list; every enum
 * is a union of the schema's values.
 *
 * Notes on mapping:
 * - "integer" and "number" (decimal) are both `number`; the schemas enforce integers,
 *   lengths, minimums and array sizes at run time (noted on the field).
 * - "format": "date-time" fields are ISO 8601 strings (`DateTime`).
 * - Every payload and class may carry `customData` (CustomDataType: a vendorId plus any
 *   vendor fields); apart from that the schemas forbid properties they do not list.
 * - Actions the site neither handles nor sends (certificates, display messages,
 *   monitoring, ...) are not typed here; the schemas still validate them.
 */

/** ISO 8601 date-time string (JSON Schema "format": "date-time"). */
export type DateTime = string;

// ---------------------------------------------------------------------------
// Enumerations
// ---------------------------------------------------------------------------

export type AttributeEnumType = 'Actual' | 'Target' | 'MinSet' | 'MaxSet';
export type AuthorizationStatusEnumType =
  | 'Accepted'
  | 'Blocked'
  | 'ConcurrentTx'
  | 'Expired'
  | 'Invalid'
  | 'NoCredit'
  | 'NotAllowedTypeEVSE'
  | 'NotAtThisLocation'
  | 'NotAtThisTime'
  | 'Unknown';
export type AuthorizeCertificateStatusEnumType =
  | 'Accepted'
  | 'SignatureError'
  | 'CertificateExpired'
  | 'CertificateRevoked'
  | 'NoCertificateAvailable'
  | 'CertChainError'
  | 'ContractCancelled';
export type BootReasonEnumType =
  | 'ApplicationReset'
  | 'FirmwareUpdate'
  | 'LocalReset'
  | 'PowerUp'
  | 'RemoteReset'
  | 'ScheduledReset'
  | 'Triggered'
  | 'Unknown'
  | 'Watchdog';
export type CancelReservationStatusEnumType = 'Accepted' | 'Rejected';
export type ChangeAvailabilityStatusEnumType = 'Accepted' | 'Rejected' | 'Scheduled';
export type ChargingLimitSourceEnumType = 'EMS' | 'Other' | 'SO' | 'CSO';
export type ChargingProfileKindEnumType = 'Absolute' | 'Recurring' | 'Relative';
export type ChargingProfilePurposeEnumType =
  | 'ChargingStationExternalConstraints'
  | 'ChargingStationMaxProfile'
  | 'TxDefaultProfile'
  | 'TxProfile';
export type ChargingProfileStatusEnumType = 'Accepted' | 'Rejected';
export type ChargingRateUnitEnumType = 'W' | 'A';
export type ChargingStateEnumType = 'Charging' | 'EVConnected' | 'SuspendedEV' | 'SuspendedEVSE' | 'Idle';
export type ClearCacheStatusEnumType = 'Accepted' | 'Rejected';
export type ClearChargingProfileStatusEnumType = 'Accepted' | 'Unknown';
export type ConnectorEnumType =
  | 'cCCS1'
  | 'cCCS2'
  | 'cG105'
  | 'cTesla'
  | 'cType1'
  | 'cType2'
  | 's309-1P-16A'
  | 's309-1P-32A'
  | 's309-3P-16A'
  | 's309-3P-32A'
  | 'sBS1361'
  | 'sCEE-7-7'
  | 'sType2'
  | 'sType3'
  | 'Other1PhMax16A'
  | 'Other1PhOver16A'
  | 'Other3Ph'
  | 'Pan'
  | 'wInductive'
  | 'wResonant'
  | 'Undetermined'
  | 'Unknown';
export type ConnectorStatusEnumType = 'Available' | 'Occupied' | 'Reserved' | 'Unavailable' | 'Faulted';
export type CostKindEnumType =
  | 'CarbonDioxideEmission'
  | 'RelativePricePercentage'
  | 'RenewableGenerationPercentage';
export type DataEnumType =
  | 'string'
  | 'decimal'
  | 'integer'
  | 'dateTime'
  | 'boolean'
  | 'OptionList'
  | 'SequenceList'
  | 'MemberList';
export type DataTransferStatusEnumType = 'Accepted' | 'Rejected' | 'UnknownMessageId' | 'UnknownVendorId';
export type EventNotificationEnumType =
  | 'HardWiredNotification'
  | 'HardWiredMonitor'
  | 'PreconfiguredMonitor'
  | 'CustomMonitor';
export type EventTriggerEnumType = 'Alerting' | 'Delta' | 'Periodic';
export type FirmwareStatusEnumType =
  | 'Downloaded'
  | 'DownloadFailed'
  | 'Downloading'
  | 'DownloadScheduled'
  | 'DownloadPaused'
  | 'Idle'
  | 'InstallationFailed'
  | 'Installing'
  | 'Installed'
  | 'InstallRebooting'
  | 'InstallScheduled'
  | 'InstallVerificationFailed'
  | 'InvalidSignature'
  | 'SignatureVerified';
export type GenericDeviceModelStatusEnumType = 'Accepted' | 'Rejected' | 'NotSupported' | 'EmptyResultSet';
export type GenericStatusEnumType = 'Accepted' | 'Rejected';
export type GetVariableStatusEnumType =
  | 'Accepted'
  | 'Rejected'
  | 'UnknownComponent'
  | 'UnknownVariable'
  | 'NotSupportedAttributeType';
export type HashAlgorithmEnumType = 'SHA256' | 'SHA384' | 'SHA512';
export type IdTokenEnumType =
  | 'Central'
  | 'eMAID'
  | 'ISO14443'
  | 'ISO15693'
  | 'KeyCode'
  | 'Local'
  | 'MacAddress'
  | 'NoAuthorization';
export type LocationEnumType = 'Body' | 'Cable' | 'EV' | 'Inlet' | 'Outlet';
export type MeasurandEnumType =
  | 'Current.Export'
  | 'Current.Import'
  | 'Current.Offered'
  | 'Energy.Active.Export.Register'
  | 'Energy.Active.Import.Register'
  | 'Energy.Reactive.Export.Register'
  | 'Energy.Reactive.Import.Register'
  | 'Energy.Active.Export.Interval'
  | 'Energy.Active.Import.Interval'
  | 'Energy.Active.Net'
  | 'Energy.Reactive.Export.Interval'
  | 'Energy.Reactive.Import.Interval'
  | 'Energy.Reactive.Net'
  | 'Energy.Apparent.Net'
  | 'Energy.Apparent.Import'
  | 'Energy.Apparent.Export'
  | 'Frequency'
  | 'Power.Active.Export'
  | 'Power.Active.Import'
  | 'Power.Factor'
  | 'Power.Offered'
  | 'Power.Reactive.Export'
  | 'Power.Reactive.Import'
  | 'SoC'
  | 'Voltage';
export type MessageFormatEnumType = 'ASCII' | 'HTML' | 'URI' | 'UTF8';
export type MessageTriggerEnumType =
  | 'BootNotification'
  | 'LogStatusNotification'
  | 'FirmwareStatusNotification'
  | 'Heartbeat'
  | 'MeterValues'
  | 'SignChargingStationCertificate'
  | 'SignV2GCertificate'
  | 'StatusNotification'
  | 'TransactionEvent'
  | 'SignCombinedCertificate'
  | 'PublishFirmwareStatusNotification';
export type MutabilityEnumType = 'ReadOnly' | 'WriteOnly' | 'ReadWrite';
export type OperationalStatusEnumType = 'Inoperative' | 'Operative';
export type PhaseEnumType = 'L1' | 'L2' | 'L3' | 'N' | 'L1-N' | 'L2-N' | 'L3-N' | 'L1-L2' | 'L2-L3' | 'L3-L1';
export type ReadingContextEnumType =
  | 'Interruption.Begin'
  | 'Interruption.End'
  | 'Other'
  | 'Sample.Clock'
  | 'Sample.Periodic'
  | 'Transaction.Begin'
  | 'Transaction.End'
  | 'Trigger';
export type ReasonEnumType =
  | 'DeAuthorized'
  | 'EmergencyStop'
  | 'EnergyLimitReached'
  | 'EVDisconnected'
  | 'GroundFault'
  | 'ImmediateReset'
  | 'Local'
  | 'LocalOutOfCredit'
  | 'MasterPass'
  | 'Other'
  | 'OvercurrentFault'
  | 'PowerLoss'
  | 'PowerQuality'
  | 'Reboot'
  | 'Remote'
  | 'SOCLimitReached'
  | 'StoppedByEV'
  | 'TimeLimitReached'
  | 'Timeout';
export type RecurrencyKindEnumType = 'Daily' | 'Weekly';
export type RegistrationStatusEnumType = 'Accepted' | 'Pending' | 'Rejected';
export type ReportBaseEnumType = 'ConfigurationInventory' | 'FullInventory' | 'SummaryInventory';
export type RequestStartStopStatusEnumType = 'Accepted' | 'Rejected';
export type ReserveNowStatusEnumType = 'Accepted' | 'Faulted' | 'Occupied' | 'Rejected' | 'Unavailable';
export type ResetEnumType = 'Immediate' | 'OnIdle';
export type ResetStatusEnumType = 'Accepted' | 'Rejected' | 'Scheduled';
export type SendLocalListStatusEnumType = 'Accepted' | 'Failed' | 'VersionMismatch';
export type SetVariableStatusEnumType =
  | 'Accepted'
  | 'Rejected'
  | 'UnknownComponent'
  | 'UnknownVariable'
  | 'NotSupportedAttributeType'
  | 'RebootRequired';
export type TransactionEventEnumType = 'Ended' | 'Started' | 'Updated';
export type TriggerMessageStatusEnumType = 'Accepted' | 'Rejected' | 'NotImplemented';
export type TriggerReasonEnumType =
  | 'Authorized'
  | 'CablePluggedIn'
  | 'ChargingRateChanged'
  | 'ChargingStateChanged'
  | 'Deauthorized'
  | 'EnergyLimitReached'
  | 'EVCommunicationLost'
  | 'EVConnectTimeout'
  | 'MeterValueClock'
  | 'MeterValuePeriodic'
  | 'TimeLimitReached'
  | 'Trigger'
  | 'UnlockCommand'
  | 'StopAuthorized'
  | 'EVDeparted'
  | 'EVDetected'
  | 'RemoteStop'
  | 'RemoteStart'
  | 'AbnormalCondition'
  | 'SignedDataReceived'
  | 'ResetCommand';
export type UnlockStatusEnumType =
  | 'Unlocked'
  | 'UnlockFailed'
  | 'OngoingAuthorizedTransaction'
  | 'UnknownConnector';
export type UpdateEnumType = 'Differential' | 'Full';
export type UploadLogStatusEnumType =
  | 'BadMessage'
  | 'Idle'
  | 'NotSupportedOperation'
  | 'PermissionDenied'
  | 'Uploaded'
  | 'UploadFailure'
  | 'Uploading'
  | 'AcceptedCanceled';

// ---------------------------------------------------------------------------
// Classes
// ---------------------------------------------------------------------------

export interface AdditionalInfoType {
  customData?: CustomDataType;
  /** maxLength 36 */
  additionalIdToken: string;
  /** maxLength 50 */
  type: string;
}

export interface AuthorizationData {
  customData?: CustomDataType;
  idToken: IdTokenType;
  idTokenInfo?: IdTokenInfoType;
}

export interface ChargingLimitType {
  customData?: CustomDataType;
  chargingLimitSource: ChargingLimitSourceEnumType;
  isGridCritical?: boolean;
}

export interface ChargingProfileType {
  customData?: CustomDataType;
  /** integer */
  id: number;
  /** integer */
  stackLevel: number;
  chargingProfilePurpose: ChargingProfilePurposeEnumType;
  chargingProfileKind: ChargingProfileKindEnumType;
  recurrencyKind?: RecurrencyKindEnumType;
  validFrom?: DateTime;
  validTo?: DateTime;
  /** minItems 1, maxItems 3 */
  chargingSchedule: ChargingScheduleType[];
  /** maxLength 36 */
  transactionId?: string;
}

export interface ChargingSchedulePeriodType {
  customData?: CustomDataType;
  /** integer */
  startPeriod: number;
  /** decimal */
  limit: number;
  /** integer */
  numberPhases?: number;
  /** integer */
  phaseToUse?: number;
}

export interface ChargingScheduleType {
  customData?: CustomDataType;
  /** integer */
  id: number;
  startSchedule?: DateTime;
  /** integer */
  duration?: number;
  chargingRateUnit: ChargingRateUnitEnumType;
  /** minItems 1, maxItems 1024 */
  chargingSchedulePeriod: ChargingSchedulePeriodType[];
  /** decimal */
  minChargingRate?: number;
  salesTariff?: SalesTariffType;
}

export interface ChargingStationType {
  customData?: CustomDataType;
  /** maxLength 25 */
  serialNumber?: string;
  /** maxLength 20 */
  model: string;
  modem?: ModemType;
  /** maxLength 50 */
  vendorName: string;
  /** maxLength 50 */
  firmwareVersion?: string;
}

export interface ClearChargingProfileType {
  customData?: CustomDataType;
  /** integer */
  evseId?: number;
  chargingProfilePurpose?: ChargingProfilePurposeEnumType;
  /** integer */
  stackLevel?: number;
}

export interface ComponentType {
  customData?: CustomDataType;
  evse?: EVSEType;
  /** maxLength 50 */
  name: string;
  /** maxLength 50 */
  instance?: string;
}

export interface CompositeScheduleType {
  customData?: CustomDataType;
  /** minItems 1 */
  chargingSchedulePeriod: ChargingSchedulePeriodType[];
  /** integer */
  evseId: number;
  /** integer */
  duration: number;
  scheduleStart: DateTime;
  chargingRateUnit: ChargingRateUnitEnumType;
}

export interface ConsumptionCostType {
  customData?: CustomDataType;
  /** decimal */
  startValue: number;
  /** minItems 1, maxItems 3 */
  cost: CostType[];
}

export interface CostType {
  customData?: CustomDataType;
  costKind: CostKindEnumType;
  /** integer */
  amount: number;
  /** integer */
  amountMultiplier?: number;
}

/** Vendor extension: the only class without additionalProperties false. */
export interface CustomDataType {
  /** maxLength 255 */
  vendorId: string;
  [vendorField: string]: unknown;
}

export interface EVSEType {
  customData?: CustomDataType;
  /** integer */
  id: number;
  /** integer */
  connectorId?: number;
}

export interface EventDataType {
  customData?: CustomDataType;
  /** integer */
  eventId: number;
  timestamp: DateTime;
  trigger: EventTriggerEnumType;
  /** integer */
  cause?: number;
  /** maxLength 2500 */
  actualValue: string;
  /** maxLength 50 */
  techCode?: string;
  /** maxLength 500 */
  techInfo?: string;
  cleared?: boolean;
  /** maxLength 36 */
  transactionId?: string;
  component: ComponentType;
  /** integer */
  variableMonitoringId?: number;
  eventNotificationType: EventNotificationEnumType;
  variable: VariableType;
}

export interface GetVariableDataType {
  customData?: CustomDataType;
  attributeType?: AttributeEnumType;
  component: ComponentType;
  variable: VariableType;
}

export interface GetVariableResultType {
  customData?: CustomDataType;
  attributeStatusInfo?: StatusInfoType;
  attributeStatus: GetVariableStatusEnumType;
  attributeType?: AttributeEnumType;
  /** maxLength 2500 */
  attributeValue?: string;
  component: ComponentType;
  variable: VariableType;
}

export interface IdTokenInfoType {
  customData?: CustomDataType;
  status: AuthorizationStatusEnumType;
  cacheExpiryDateTime?: DateTime;
  /** integer */
  chargingPriority?: number;
  /** maxLength 8 */
  language1?: string;
  /** minItems 1, items integer */
  evseId?: number[];
  groupIdToken?: IdTokenType;
  /** maxLength 8 */
  language2?: string;
  personalMessage?: MessageContentType;
}

export interface IdTokenType {
  customData?: CustomDataType;
  /** minItems 1 */
  additionalInfo?: AdditionalInfoType[];
  /** maxLength 36 */
  idToken: string;
  type: IdTokenEnumType;
}

export interface MessageContentType {
  customData?: CustomDataType;
  format: MessageFormatEnumType;
  /** maxLength 8 */
  language?: string;
  /** maxLength 512 */
  content: string;
}

export interface MeterValueType {
  customData?: CustomDataType;
  /** minItems 1 */
  sampledValue: SampledValueType[];
  timestamp: DateTime;
}

export interface ModemType {
  customData?: CustomDataType;
  /** maxLength 20 */
  iccid?: string;
  /** maxLength 20 */
  imsi?: string;
}

export interface OCSPRequestDataType {
  customData?: CustomDataType;
  hashAlgorithm: HashAlgorithmEnumType;
  /** maxLength 128 */
  issuerNameHash: string;
  /** maxLength 128 */
  issuerKeyHash: string;
  /** maxLength 40 */
  serialNumber: string;
  /** maxLength 512 */
  responderURL: string;
}

export interface RelativeTimeIntervalType {
  customData?: CustomDataType;
  /** integer */
  start: number;
  /** integer */
  duration?: number;
}

export interface ReportDataType {
  customData?: CustomDataType;
  component: ComponentType;
  variable: VariableType;
  /** minItems 1, maxItems 4 */
  variableAttribute: VariableAttributeType[];
  variableCharacteristics?: VariableCharacteristicsType;
}

export interface SalesTariffEntryType {
  customData?: CustomDataType;
  relativeTimeInterval: RelativeTimeIntervalType;
  /** integer, minimum 0 */
  ePriceLevel?: number;
  /** minItems 1, maxItems 3 */
  consumptionCost?: ConsumptionCostType[];
}

export interface SalesTariffType {
  customData?: CustomDataType;
  /** integer */
  id: number;
  /** maxLength 32 */
  salesTariffDescription?: string;
  /** integer */
  numEPriceLevels?: number;
  /** minItems 1, maxItems 1024 */
  salesTariffEntry: SalesTariffEntryType[];
}

export interface SampledValueType {
  customData?: CustomDataType;
  /** decimal */
  value: number;
  context?: ReadingContextEnumType;
  measurand?: MeasurandEnumType;
  phase?: PhaseEnumType;
  location?: LocationEnumType;
  signedMeterValue?: SignedMeterValueType;
  unitOfMeasure?: UnitOfMeasureType;
}

export interface SetVariableDataType {
  customData?: CustomDataType;
  attributeType?: AttributeEnumType;
  /** maxLength 1000 */
  attributeValue: string;
  component: ComponentType;
  variable: VariableType;
}

export interface SetVariableResultType {
  customData?: CustomDataType;
  attributeType?: AttributeEnumType;
  attributeStatus: SetVariableStatusEnumType;
  attributeStatusInfo?: StatusInfoType;
  component: ComponentType;
  variable: VariableType;
}

export interface SignedMeterValueType {
  customData?: CustomDataType;
  /** maxLength 2500 */
  signedMeterData: string;
  /** maxLength 50 */
  signingMethod: string;
  /** maxLength 50 */
  encodingMethod: string;
  /** maxLength 2500 */
  publicKey: string;
}

export interface StatusInfoType {
  customData?: CustomDataType;
  /** maxLength 20 */
  reasonCode: string;
  /** maxLength 512 */
  additionalInfo?: string;
}

export interface TransactionType {
  customData?: CustomDataType;
  /** maxLength 36 */
  transactionId: string;
  chargingState?: ChargingStateEnumType;
  /** integer */
  timeSpentCharging?: number;
  stoppedReason?: ReasonEnumType;
  /** integer */
  remoteStartId?: number;
}

export interface UnitOfMeasureType {
  customData?: CustomDataType;
  /** maxLength 20, default "Wh" */
  unit?: string;
  /** integer, default 0 */
  multiplier?: number;
}

export interface VariableAttributeType {
  customData?: CustomDataType;
  type?: AttributeEnumType;
  /** maxLength 2500 */
  value?: string;
  mutability?: MutabilityEnumType;
  /** default false */
  persistent?: boolean;
  /** default false */
  constant?: boolean;
}

export interface VariableCharacteristicsType {
  customData?: CustomDataType;
  /** maxLength 16 */
  unit?: string;
  dataType: DataEnumType;
  /** decimal */
  minLimit?: number;
  /** decimal */
  maxLimit?: number;
  /** maxLength 1000 */
  valuesList?: string;
  supportsMonitoring: boolean;
}

export interface VariableType {
  customData?: CustomDataType;
  /** maxLength 50 */
  name: string;
  /** maxLength 50 */
  instance?: string;
}

// ---------------------------------------------------------------------------
// Payloads
// ---------------------------------------------------------------------------

export interface AuthorizeRequest {
  customData?: CustomDataType;
  idToken: IdTokenType;
  /** maxLength 5500 */
  certificate?: string;
  /** minItems 1, maxItems 4 */
  iso15118CertificateHashData?: OCSPRequestDataType[];
}

export interface AuthorizeResponse {
  customData?: CustomDataType;
  idTokenInfo: IdTokenInfoType;
  certificateStatus?: AuthorizeCertificateStatusEnumType;
}

export interface BootNotificationRequest {
  customData?: CustomDataType;
  chargingStation: ChargingStationType;
  reason: BootReasonEnumType;
}

export interface BootNotificationResponse {
  customData?: CustomDataType;
  currentTime: DateTime;
  /** integer */
  interval: number;
  status: RegistrationStatusEnumType;
  statusInfo?: StatusInfoType;
}

export interface CancelReservationRequest {
  customData?: CustomDataType;
  /** integer */
  reservationId: number;
}

export interface CancelReservationResponse {
  customData?: CustomDataType;
  status: CancelReservationStatusEnumType;
  statusInfo?: StatusInfoType;
}

export interface ChangeAvailabilityRequest {
  customData?: CustomDataType;
  evse?: EVSEType;
  operationalStatus: OperationalStatusEnumType;
}

export interface ChangeAvailabilityResponse {
  customData?: CustomDataType;
  status: ChangeAvailabilityStatusEnumType;
  statusInfo?: StatusInfoType;
}

export interface ClearCacheRequest {
  customData?: CustomDataType;
}

export interface ClearCacheResponse {
  customData?: CustomDataType;
  status: ClearCacheStatusEnumType;
  statusInfo?: StatusInfoType;
}

export interface ClearChargingProfileRequest {
  customData?: CustomDataType;
  /** integer */
  chargingProfileId?: number;
  chargingProfileCriteria?: ClearChargingProfileType;
}

export interface ClearChargingProfileResponse {
  customData?: CustomDataType;
  status: ClearChargingProfileStatusEnumType;
  statusInfo?: StatusInfoType;
}

export interface ClearedChargingLimitRequest {
  customData?: CustomDataType;
  chargingLimitSource: ChargingLimitSourceEnumType;
  /** integer */
  evseId?: number;
}

export interface ClearedChargingLimitResponse {
  customData?: CustomDataType;
}

export interface DataTransferRequest {
  customData?: CustomDataType;
  /** maxLength 50 */
  messageId?: string;
  data?: unknown;
  /** maxLength 255 */
  vendorId: string;
}

export interface DataTransferResponse {
  customData?: CustomDataType;
  status: DataTransferStatusEnumType;
  statusInfo?: StatusInfoType;
  data?: unknown;
}

export interface FirmwareStatusNotificationRequest {
  customData?: CustomDataType;
  status: FirmwareStatusEnumType;
  /** integer */
  requestId?: number;
}

export interface FirmwareStatusNotificationResponse {
  customData?: CustomDataType;
}

export interface GetBaseReportRequest {
  customData?: CustomDataType;
  /** integer */
  requestId: number;
  reportBase: ReportBaseEnumType;
}

export interface GetBaseReportResponse {
  customData?: CustomDataType;
  status: GenericDeviceModelStatusEnumType;
  statusInfo?: StatusInfoType;
}

export interface GetCompositeScheduleRequest {
  customData?: CustomDataType;
  /** integer */
  duration: number;
  chargingRateUnit?: ChargingRateUnitEnumType;
  /** integer */
  evseId: number;
}

export interface GetCompositeScheduleResponse {
  customData?: CustomDataType;
  status: GenericStatusEnumType;
  statusInfo?: StatusInfoType;
  schedule?: CompositeScheduleType;
}

export interface GetLocalListVersionRequest {
  customData?: CustomDataType;
}

export interface GetLocalListVersionResponse {
  customData?: CustomDataType;
  /** integer */
  versionNumber: number;
}

export interface GetVariablesRequest {
  customData?: CustomDataType;
  /** minItems 1 */
  getVariableData: GetVariableDataType[];
}

export interface GetVariablesResponse {
  customData?: CustomDataType;
  /** minItems 1 */
  getVariableResult: GetVariableResultType[];
}

export interface HeartbeatRequest {
  customData?: CustomDataType;
}

export interface HeartbeatResponse {
  customData?: CustomDataType;
  currentTime: DateTime;
}

export interface LogStatusNotificationRequest {
  customData?: CustomDataType;
  status: UploadLogStatusEnumType;
  /** integer */
  requestId?: number;
}

export interface LogStatusNotificationResponse {
  customData?: CustomDataType;
}

export interface MeterValuesRequest {
  customData?: CustomDataType;
  /** integer */
  evseId: number;
  /** minItems 1 */
  meterValue: MeterValueType[];
}

export interface MeterValuesResponse {
  customData?: CustomDataType;
}

export interface NotifyChargingLimitRequest {
  customData?: CustomDataType;
  /** minItems 1 */
  chargingSchedule?: ChargingScheduleType[];
  /** integer */
  evseId?: number;
  chargingLimit: ChargingLimitType;
}

export interface NotifyChargingLimitResponse {
  customData?: CustomDataType;
}

export interface NotifyEventRequest {
  customData?: CustomDataType;
  generatedAt: DateTime;
  /** default false */
  tbc?: boolean;
  /** integer */
  seqNo: number;
  /** minItems 1 */
  eventData: EventDataType[];
}

export interface NotifyEventResponse {
  customData?: CustomDataType;
}

export interface NotifyReportRequest {
  customData?: CustomDataType;
  /** integer */
  requestId: number;
  generatedAt: DateTime;
  /** minItems 1 */
  reportData?: ReportDataType[];
  /** default false */
  tbc?: boolean;
  /** integer */
  seqNo: number;
}

export interface NotifyReportResponse {
  customData?: CustomDataType;
}

export interface ReportChargingProfilesRequest {
  customData?: CustomDataType;
  /** integer */
  requestId: number;
  chargingLimitSource: ChargingLimitSourceEnumType;
  /** minItems 1 */
  chargingProfile: ChargingProfileType[];
  /** default false */
  tbc?: boolean;
  /** integer */
  evseId: number;
}

export interface ReportChargingProfilesResponse {
  customData?: CustomDataType;
}

export interface RequestStartTransactionRequest {
  customData?: CustomDataType;
  /** integer */
  evseId?: number;
  groupIdToken?: IdTokenType;
  idToken: IdTokenType;
  /** integer */
  remoteStartId: number;
  chargingProfile?: ChargingProfileType;
}

export interface RequestStartTransactionResponse {
  customData?: CustomDataType;
  status: RequestStartStopStatusEnumType;
  statusInfo?: StatusInfoType;
  /** maxLength 36 */
  transactionId?: string;
}

export interface RequestStopTransactionRequest {
  customData?: CustomDataType;
  /** maxLength 36 */
  transactionId: string;
}

export interface RequestStopTransactionResponse {
  customData?: CustomDataType;
  status: RequestStartStopStatusEnumType;
  statusInfo?: StatusInfoType;
}

export interface ReserveNowRequest {
  customData?: CustomDataType;
  /** integer */
  id: number;
  expiryDateTime: DateTime;
  connectorType?: ConnectorEnumType;
  idToken: IdTokenType;
  /** integer */
  evseId?: number;
  groupIdToken?: IdTokenType;
}

export interface ReserveNowResponse {
  customData?: CustomDataType;
  status: ReserveNowStatusEnumType;
  statusInfo?: StatusInfoType;
}

export interface ResetRequest {
  customData?: CustomDataType;
  type: ResetEnumType;
  /** integer */
  evseId?: number;
}

export interface ResetResponse {
  customData?: CustomDataType;
  status: ResetStatusEnumType;
  statusInfo?: StatusInfoType;
}

export interface SecurityEventNotificationRequest {
  customData?: CustomDataType;
  /** maxLength 50 */
  type: string;
  timestamp: DateTime;
  /** maxLength 255 */
  techInfo?: string;
}

export interface SecurityEventNotificationResponse {
  customData?: CustomDataType;
}

export interface SendLocalListRequest {
  customData?: CustomDataType;
  /** minItems 1 */
  localAuthorizationList?: AuthorizationData[];
  /** integer */
  versionNumber: number;
  updateType: UpdateEnumType;
}

export interface SendLocalListResponse {
  customData?: CustomDataType;
  status: SendLocalListStatusEnumType;
  statusInfo?: StatusInfoType;
}

export interface SetChargingProfileRequest {
  customData?: CustomDataType;
  /** integer */
  evseId: number;
  chargingProfile: ChargingProfileType;
}

export interface SetChargingProfileResponse {
  customData?: CustomDataType;
  status: ChargingProfileStatusEnumType;
  statusInfo?: StatusInfoType;
}

export interface SetVariablesRequest {
  customData?: CustomDataType;
  /** minItems 1 */
  setVariableData: SetVariableDataType[];
}

export interface SetVariablesResponse {
  customData?: CustomDataType;
  /** minItems 1 */
  setVariableResult: SetVariableResultType[];
}

export interface StatusNotificationRequest {
  customData?: CustomDataType;
  timestamp: DateTime;
  connectorStatus: ConnectorStatusEnumType;
  /** integer */
  evseId: number;
  /** integer */
  connectorId: number;
}

export interface StatusNotificationResponse {
  customData?: CustomDataType;
}

export interface TransactionEventRequest {
  customData?: CustomDataType;
  eventType: TransactionEventEnumType;
  /** minItems 1 */
  meterValue?: MeterValueType[];
  timestamp: DateTime;
  triggerReason: TriggerReasonEnumType;
  /** integer */
  seqNo: number;
  /** default false */
  offline?: boolean;
  /** integer */
  numberOfPhasesUsed?: number;
  /** integer */
  cableMaxCurrent?: number;
  /** integer */
  reservationId?: number;
  transactionInfo: TransactionType;
  evse?: EVSEType;
  idToken?: IdTokenType;
}

export interface TransactionEventResponse {
  customData?: CustomDataType;
  /** decimal */
  totalCost?: number;
  /** integer */
  chargingPriority?: number;
  idTokenInfo?: IdTokenInfoType;
  updatedPersonalMessage?: MessageContentType;
}

export interface TriggerMessageRequest {
  customData?: CustomDataType;
  evse?: EVSEType;
  requestedMessage: MessageTriggerEnumType;
}

export interface TriggerMessageResponse {
  customData?: CustomDataType;
  status: TriggerMessageStatusEnumType;
  statusInfo?: StatusInfoType;
}

export interface UnlockConnectorRequest {
  customData?: CustomDataType;
  /** integer */
  evseId: number;
  /** integer */
  connectorId: number;
}

export interface UnlockConnectorResponse {
  customData?: CustomDataType;
  status: UnlockStatusEnumType;
  statusInfo?: StatusInfoType;
}

// ---------------------------------------------------------------------------
// Action maps
// ---------------------------------------------------------------------------

/** The OCPP 2.0.1 actions the site handles or sends, with request (req) and response (conf) payload. */
export interface V201Actions {
  Authorize: { req: AuthorizeRequest; conf: AuthorizeResponse };
  BootNotification: { req: BootNotificationRequest; conf: BootNotificationResponse };
  CancelReservation: { req: CancelReservationRequest; conf: CancelReservationResponse };
  ChangeAvailability: { req: ChangeAvailabilityRequest; conf: ChangeAvailabilityResponse };
  ClearCache: { req: ClearCacheRequest; conf: ClearCacheResponse };
  ClearChargingProfile: { req: ClearChargingProfileRequest; conf: ClearChargingProfileResponse };
  ClearedChargingLimit: { req: ClearedChargingLimitRequest; conf: ClearedChargingLimitResponse };
  DataTransfer: { req: DataTransferRequest; conf: DataTransferResponse };
  FirmwareStatusNotification: { req: FirmwareStatusNotificationRequest; conf: FirmwareStatusNotificationResponse };
  GetBaseReport: { req: GetBaseReportRequest; conf: GetBaseReportResponse };
  GetCompositeSchedule: { req: GetCompositeScheduleRequest; conf: GetCompositeScheduleResponse };
  GetLocalListVersion: { req: GetLocalListVersionRequest; conf: GetLocalListVersionResponse };
  GetVariables: { req: GetVariablesRequest; conf: GetVariablesResponse };
  Heartbeat: { req: HeartbeatRequest; conf: HeartbeatResponse };
  LogStatusNotification: { req: LogStatusNotificationRequest; conf: LogStatusNotificationResponse };
  MeterValues: { req: MeterValuesRequest; conf: MeterValuesResponse };
  NotifyChargingLimit: { req: NotifyChargingLimitRequest; conf: NotifyChargingLimitResponse };
  NotifyEvent: { req: NotifyEventRequest; conf: NotifyEventResponse };
  NotifyReport: { req: NotifyReportRequest; conf: NotifyReportResponse };
  ReportChargingProfiles: { req: ReportChargingProfilesRequest; conf: ReportChargingProfilesResponse };
  RequestStartTransaction: { req: RequestStartTransactionRequest; conf: RequestStartTransactionResponse };
  RequestStopTransaction: { req: RequestStopTransactionRequest; conf: RequestStopTransactionResponse };
  ReserveNow: { req: ReserveNowRequest; conf: ReserveNowResponse };
  Reset: { req: ResetRequest; conf: ResetResponse };
  SecurityEventNotification: { req: SecurityEventNotificationRequest; conf: SecurityEventNotificationResponse };
  SendLocalList: { req: SendLocalListRequest; conf: SendLocalListResponse };
  SetChargingProfile: { req: SetChargingProfileRequest; conf: SetChargingProfileResponse };
  SetVariables: { req: SetVariablesRequest; conf: SetVariablesResponse };
  StatusNotification: { req: StatusNotificationRequest; conf: StatusNotificationResponse };
  TransactionEvent: { req: TransactionEventRequest; conf: TransactionEventResponse };
  TriggerMessage: { req: TriggerMessageRequest; conf: TriggerMessageResponse };
  UnlockConnector: { req: UnlockConnectorRequest; conf: UnlockConnectorResponse };
}

export type V201Action = keyof V201Actions;

/** Actions a charging station sends to the CSMS (the site answers them). */
export const CHARGER_INITIATED_V201 = [
  'Authorize',
  'BootNotification',
  'ClearedChargingLimit',
  'DataTransfer',
  'FirmwareStatusNotification',
  'Heartbeat',
  'LogStatusNotification',
  'MeterValues',
  'NotifyChargingLimit',
  'NotifyEvent',
  'NotifyReport',
  'ReportChargingProfiles',
  'SecurityEventNotification',
  'StatusNotification',
  'TransactionEvent',
] as const satisfies readonly V201Action[];

/** Actions the CSMS (the site) sends to a charging station. DataTransfer goes both ways. */
export const CSMS_INITIATED_V201 = [
  'CancelReservation',
  'ChangeAvailability',
  'ClearCache',
  'ClearChargingProfile',
  'DataTransfer',
  'GetBaseReport',
  'GetCompositeSchedule',
  'GetLocalListVersion',
  'GetVariables',
  'Reset',
  'RequestStartTransaction',
  'RequestStopTransaction',
  'ReserveNow',
  'SendLocalList',
  'SetChargingProfile',
  'SetVariables',
  'TriggerMessage',
  'UnlockConnector',
] as const satisfies readonly V201Action[];
