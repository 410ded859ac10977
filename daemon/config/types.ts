// The validated, defaulted and secret-resolved configuration. Mirrors schema.json;
// the schema is the authority for ranges and defaults.
import type { LogComponent, LogLevel } from '../log.js';
export type Secret = string;
export type PhaseRotation = 'L1' | 'L2' | 'L3' | 'L1L2L3' | 'L2L3L1' | 'L3L1L2';

export interface ChargerConfig {
  id: string;
  password?: Secret;
  connectors: number;
  maxCurrentA: number;
  phases: 1 | 3;
  /** Filled in by the loader when omitted: L1 for 1-phase, L1L2L3 for 3-phase. */
  phaseRotation: PhaseRotation;
  priority: number;
  /** false: takes no charging profiles; reserved at maxCurrentA and reported. Default true. */
  smartCharging?: boolean;
  /** true: honours numberPhases, so the balancer may switch a session between 3 and 1 phases. Default false. */
  phaseSwitching?: boolean;
}

export interface LocalConfig {
  listen: { host: string; port: number };
  path: string;
  tls?: { cert: string; key: string; ca?: string; requireClientCert: boolean; ciphers?: string };
  allowUnknownChargers: boolean;
  heartbeatIntervalS: number;
  meterValueSampleIntervalS: number;
  /** How long after connecting a charger may send its BootNotification before it is taken for a reconnect. */
  bootGraceS: number;
  callTimeoutS: number;
  pingIntervalS: number;
  maxFrameBytes: number;
  maxBadFrames: number;
  authorization: { policy: 'accept-all' | 'local-list'; idTags: string[] };
}

export interface RegisterSpec {
  address: number;
  functionCode: 3 | 4;
  type: 'float32' | 'int16' | 'uint16' | 'int32' | 'uint32';
  wordOrder: 'big' | 'little';
  scale: number;
}

export interface MeterConfig {
  model: 'sdm630' | 'sdm72' | 'sdm120' | 'em24' | 'em340' | 'abb-b23' | 'custom';
  transport: 'tcp' | 'rtu';
  host?: string;
  port: number;
  device?: string;
  baudRate: number;
  parity: 'none' | 'even' | 'odd';
  dataBits: 7 | 8;
  stopBits: 1 | 2;
  unitId: number;
  pollIntervalMs: number;
  timeoutMs: number;
  staleAfterMs: number;
  registers?: Partial<Record<string, RegisterSpec>>;
}

export interface UpstreamConfig {
  url: string;
  identity: string;
  password?: Secret;
  ca?: string;
  cert?: string;
  key?: string;
  /** Replaces the default TLS suites towards the cloud (daemon/tls-policy.ts). */
  ciphers?: string;
  protocol: 'ocpp1.6' | 'ocpp2.0.1';
  bootNotification: { chargePointVendor: string; chargePointModel: string; chargePointSerialNumber?: string };
  offlineAuthorization: { allowUnknownIdTags: boolean };
  reconnect: { minS: number; maxS: number };
  handshakeTimeoutS: number;
  callTimeoutS: number;
  authorizeTimeoutS: number;
  pingIntervalS: number;
  maxAttempts: number;
  deliveryTimeoutS: number;
  maxMergedMeterValues: number;
  foldMeterValuesIntoStop: boolean;
}

export interface MqttConfig {
  url: string;
  username?: string;
  password?: Secret;
  ca?: string;
  cert?: string;
  key?: string;
  topicPrefix: string;
  /** Default site-controller-<site.id>. */
  clientId?: string;
  keepaliveS: number;
  /** Minimum interval between publishes of live figures (meter, chargers' MeterValues, balancer). */
  meterIntervalS: number;
  maxQueuedEvents: number;
  reconnectMaxS: number;
  /** Home Assistant MQTT discovery; absent: none published. */
  homeAssistant?: { discoveryPrefix: string };
}

/** The installer's web page (daemon/web/); absent: no HTTP server. */
export interface WebConfig {
  listen: { host: string; port: number };
  users?: Array<{ name: string; password: Secret }>;
  tls?: { cert: string; key: string };
  sessionTtlS: number;
  maxClients: number;
  maxBufferedKiB: number;
  pushIntervalMs: number;
}

export interface HealthConfig {
  modem?: { device: string; baudRate: number; intervalS: number; driver: 'auto' | 'generic' | 'quectel' | 'simcom'; commandTimeoutMs: number };
  ntp: { intervalS: number; maxOffsetMs: number; servers?: string[] };
  mtu?: { target?: string; intervalS: number };
  system: { intervalS: number; thresholds?: { diskFreeMinPercent?: number; diskFreeMinBytes?: number; tempMaxC?: number; memAvailableMinPercent?: number } };
}

export interface Config {
  site: { id: string; grid: { maxCurrentA: number; safetyMarginA: number; nominalVoltageV: number; /** Largest EV-current difference between phases, A; unset: none. */ maxUnbalanceA?: number } };
  local: LocalConfig;
  chargers: ChargerConfig[];
  upstream?: UpstreamConfig;
  meter?: MeterConfig;
  balancer: {
    minCurrentA: number;
    fallbackBudgetA: number;
    /** An increase waits this long after a connector's previous change, s. */
    increaseIntervalS: number;
    /** A paused session stays paused at least this long, s. */
    minPauseS: number;
    /** How long a car may take to follow a new limit, s (IEC 61851-1: 5). */
    carReactionS: number;
    /** Validity of the dynamic limit, s; unset: 5 control periods, at least 5 s. */
    profileValidityS?: number;
    fallbackStackLevel: number;
    dynamicStackLevel: number;
    /** A session that ran this long yields to a waiting one of the same priority; 0: never. */
    rotationMinutes?: number;
    /** Phase switching hysteresis: least time between two switches of a session, s. */
    phaseSwitchMinIntervalS?: number;
    /** Phase switching: most switches per session. */
    phaseSwitchMaxPerSession?: number;
    /** Sessions the fallback should carry at the minimum current; `check` warns when it cannot. */
    expectedSessions?: number;
    /** A lower grid limit from an EMS / grid operator over MQTT. */
    externalLimit?: { mqttTopic: string; maxValidForS?: number };
  };
  store: { path: string };
  mqtt?: MqttConfig;
  health: HealthConfig;
  web?: WebConfig;
  log: {
    level: LogLevel;
    /** Per component (names in log.ts LOG_COMPONENTS); `ocpp: trace` is the frame trace. */
    levels: Partial<Record<LogComponent, LogLevel>>;
  };
}
