// Typed errors of the AT engine, so callers can tell "the modem said no" from
// "the modem said nothing" from "the port went away" without parsing messages.

/** 3GPP TS 27.007 §9.2 mobile equipment error codes we expect to meet in the field. */
export const CME_ERROR_NAMES: Readonly<Record<number, string>> = {
  0: 'phone failure',
  1: 'no connection to phone',
  3: 'operation not allowed',
  4: 'operation not supported',
  5: 'PH-SIM PIN required',
  10: 'SIM not inserted',
  11: 'SIM PIN required',
  12: 'SIM PUK required',
  13: 'SIM failure',
  14: 'SIM busy',
  15: 'SIM wrong',
  16: 'incorrect password',
  17: 'SIM PIN2 required',
  18: 'SIM PUK2 required',
  20: 'memory full',
  21: 'invalid index',
  22: 'not found',
  23: 'memory failure',
  30: 'no network service',
  31: 'network timeout',
  32: 'network not allowed - emergency calls only',
  50: 'incorrect parameters',
  100: 'unknown',
};

export class AtError extends Error {
  constructor(
    message: string,
    /** The command this error belongs to, as sent (without the trailing CR). */
    readonly command: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Plain `ERROR` final result. */
export class AtCommandError extends AtError {
  constructor(command: string) {
    super(`${command}: ERROR`, command);
  }
}

/** `+CME ERROR: n` (numeric with AT+CMEE=1, or verbose text with AT+CMEE=2). */
export class AtCmeError extends AtError {
  readonly code?: number;
  readonly reason: string;
  constructor(command: string, detail: string) {
    const code = /^\d+$/.test(detail) ? Number(detail) : undefined;
    const reason = code === undefined ? detail : (CME_ERROR_NAMES[code] ?? `CME error ${code}`);
    super(`${command}: +CME ERROR: ${detail}${code === undefined ? '' : ` (${reason})`}`, command);
    this.code = code;
    this.reason = reason;
  }
}

/** `+CMS ERROR: n` (SMS commands). */
export class AtCmsError extends AtError {
  readonly code?: number;
  constructor(command: string, detail: string) {
    super(`${command}: +CMS ERROR: ${detail}`, command);
    this.code = /^\d+$/.test(detail) ? Number(detail) : undefined;
  }
}

/** No final result code within the command's timeout. */
export class AtTimeoutError extends AtError {
  constructor(
    command: string,
    readonly device: string,
    readonly timeoutMs: number,
  ) {
    super(`${command}: no answer from ${device} within ${timeoutMs} ms`, command);
  }
}

/** The port closed (device vanished, or close() was called) before the answer came. */
export class AtPortClosedError extends AtError {
  constructor(command: string, readonly device: string, why: string) {
    super(`${command}: ${device} ${why}`, command);
  }
}

/** The device could not be opened at all (missing, permissions, busy). */
export class AtOpenError extends Error {
  constructor(readonly device: string, cause: string) {
    // serialport says "No such file or directory, cannot open /dev/x"; keep the reason once.
    super(`cannot open ${device}: ${cause.replace(/^(Error:\s*)+/, '').replace(/,\s*cannot open .*$/, '')}`);
    this.name = 'AtOpenError';
  }
}

/** The port opened but nothing answered the first command: wrong port, wrong baud, or a dead modem. */
export class AtNoAnswerError extends Error {
  constructor(readonly device: string, baudRate: number, timeoutMs: number) {
    super(`no answer from ${device} at ${baudRate} baud within ${timeoutMs} ms`);
    this.name = 'AtNoAnswerError';
  }
}
