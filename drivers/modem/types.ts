// Shared shapes of the modem driver. Kept free of imports so parsers, drivers
// and the daemon can all depend on it without pulling in serialport.

export type LogFields = Record<string, unknown>;

/** The logger the daemon injects; drivers/ must not import daemon/. */
export interface ModemLogger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

export const silentModemLogger: ModemLogger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};

export type ModemDriverName = 'auto' | 'generic' | 'quectel' | 'simcom';

/** The `health.modem` section of the config; names are part of the public contract. */
export interface ModemSettings {
  device: string;
  baudRate: number;
  intervalS: number;
  driver?: ModemDriverName;
  commandTimeoutMs?: number;
}

export type SimState = 'ready' | 'pin-required' | 'puk-required' | 'not-inserted' | 'error' | 'unknown';
export type Registration = 'home' | 'roaming' | 'searching' | 'denied' | 'not-registered' | 'unknown';
export type Quality = 'good' | 'fair' | 'poor' | 'none';

/** One reading: the radio figures of RadioInfo (less the raw PLMN and the no-service flag) plus identity, SIM, registration and IP. */
export interface ModemReading extends Omit<RadioInfo, 'plmn' | 'noService'> {
  ts: number;
  manufacturer?: string;
  model?: string;
  imei?: string;
  simState: SimState;
  registration: Registration;
  operator?: string;
  ipAddresses: string[];
  quality: Quality;
  errors: string[];
}

/** Radio figures a vendor command can add to a reading; undefined = not reported. */
export interface RadioInfo {
  accessTechnology?: string;
  rssiDbm?: number;
  rsrpDbm?: number;
  rsrqDb?: number;
  sinrDb?: number;
  band?: string;
  cellId?: string;
  /** Operator as MCC+MNC digits, when the vendor answer carries it. */
  plmn?: string;
  /** The modem says it has no service (e.g. "SEARCH", "NO SERVICE"). */
  noService?: boolean;
}

/** What drivers need from the AT engine: one command in, answer lines out. */
export interface AtClient {
  send(command: string, opts?: { timeoutMs?: number }): Promise<string[]>;
}
