// Typed meter errors. modbus-serial reports failures as loosely shaped Errors
// (a message string, sometimes errno or modbusCode); the balancer and `probe meter`
// need to tell a wrong unit id from a wrong register map from a dead cable, so
// every failure is turned into one of these, with a message an installer can act on.

export type MeterErrorKind =
  | 'timeout' | 'no-answer' | 'exception' | 'crc' | 'garbage' | 'connection' | 'range' | 'config';

export class MeterError extends Error {
  constructor(readonly kind: MeterErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The unit answered before but not this time. */
export class ModbusTimeoutError extends MeterError {
  constructor(message: string, options?: { cause?: unknown }) { super('timeout', message, options); }
}

/** The unit has never answered on this bus: the usual sign of a wrong unit id or serial settings. */
export class NoAnswerError extends MeterError {
  constructor(message: string, options?: { cause?: unknown }) { super('no-answer', message, options); }
}

export class ModbusExceptionError extends MeterError {
  constructor(readonly code: number, readonly codeName: string, message: string) { super('exception', message); }
}

/** A reply that arrived but cannot be trusted: bad CRC, wrong length, another unit's reply. */
export class ModbusFrameError extends MeterError {
  constructor(kind: 'crc' | 'garbage', message: string, options?: { cause?: unknown }) { super(kind, message, options); }
}

export class ModbusConnectionError extends MeterError {
  constructor(message: string, options?: { cause?: unknown }) { super('connection', message, options); }
}

/** Values decoded fine but are physically implausible; the whole sample is dropped. */
export class MeterRangeError extends MeterError {
  constructor(readonly problems: string[]) { super('range', `implausible values, sample rejected: ${problems.join('; ')}`); }
}

export class MeterConfigError extends MeterError {
  constructor(message: string) { super('config', message); }
}

/** Modbus exception codes (Modbus Application Protocol V1.1b §7) and what they usually mean on a meter. */
export const MODBUS_EXCEPTIONS: Readonly<Record<number, { name: string; hint: string }>> = {
  1: { name: 'illegal function', hint: 'this device does not support that function code — model or function code 3/4 wrong?' },
  2: { name: 'illegal data address', hint: 'wrong register map for this model?' },
  3: { name: 'illegal data value', hint: 'request too long for this device or wrong register map?' },
  4: { name: 'server device failure', hint: 'the meter reports an internal error' },
  5: { name: 'acknowledge', hint: 'the device is busy with a long operation' },
  6: { name: 'server device busy', hint: 'the device is busy, retry later' },
  8: { name: 'memory parity error', hint: 'the device reports a memory fault' },
  10: { name: 'gateway path unavailable', hint: 'the Modbus gateway is misconfigured' },
  11: { name: 'gateway target device failed to respond', hint: 'no answer behind the gateway — wrong unit id or RS-485 wiring?' },
};

export interface RequestContext {
  bus: string;
  transport: 'tcp' | 'rtu';
  unitId: number;
  functionCode: number;
  address: number;
  count: number;
  timeoutMs: number;
  /** Whether this unit id has ever answered on this bus. */
  unitAnsweredBefore: boolean;
}

function describeRequest(ctx: RequestContext): string {
  return `reading ${ctx.count} register(s) at ${ctx.address} (0x${ctx.address.toString(16).padStart(4, '0')}) with function ${ctx.functionCode}`;
}

function messageOf(raw: unknown): string {
  if (raw instanceof Error) return raw.message;
  if (raw && typeof raw === 'object' && 'message' in raw) return String((raw as { message: unknown }).message);
  return String(raw);
}

function codeOf(raw: unknown): string | undefined {
  if (raw && typeof raw === 'object') {
    const r = raw as { code?: unknown; errno?: unknown };
    if (typeof r.code === 'string') return r.code;
    if (typeof r.errno === 'string') return r.errno;
  }
  return undefined;
}

/** Turns whatever modbus-serial rejected a request with into a typed error. */
export function classifyRequestError(raw: unknown, ctx: RequestContext): MeterError {
  if (raw instanceof MeterError) return raw;
  const where = `${ctx.bus} unit ${ctx.unitId}`;
  const what = describeRequest(ctx);
  const msg = messageOf(raw);
  const modbusCode = (raw as { modbusCode?: unknown } | null)?.modbusCode;
  if (typeof modbusCode === 'number') {
    const known = MODBUS_EXCEPTIONS[modbusCode] ?? { name: 'unknown exception', hint: 'see the meter manual' };
    return new ModbusExceptionError(modbusCode, known.name,
      `${where}: Modbus exception ${modbusCode} (${known.name} — ${known.hint}) ${what}`);
  }
  if (msg === 'Timed out' || codeOf(raw) === 'ETIMEDOUT') {
    if (ctx.unitAnsweredBefore) {
      return new ModbusTimeoutError(`${where}: no reply within ${ctx.timeoutMs} ms ${what} (it answered before: meter busy, cable or gateway problem?)`, { cause: raw });
    }
    const serialHint = ctx.transport === 'rtu' ? ', baud rate, parity or A/B wiring' : '';
    return new NoAnswerError(`${where}: no answer from unit id ${ctx.unitId} within ${ctx.timeoutMs} ms — wrong unit id${serialHint}? (${what})`, { cause: raw });
  }
  if (/CRC error/i.test(msg)) {
    return new ModbusFrameError('crc', `${where}: CRC error in the reply (${what}) — noise on the line, wrong baud rate/parity, missing termination, or two devices with the same unit id?`, { cause: raw });
  }
  const otherUnit = /expected address (\d+) got (\d+)/.exec(msg);
  if (otherUnit) {
    return new ModbusFrameError('garbage', `${where}: reply came from unit id ${otherUnit[2]}, not ${otherUnit[1]} (${what}) — wrong unit id?`, { cause: raw });
  }
  if (/length error|Unexpected data|out of range|Buffer/i.test(msg)) {
    return new ModbusFrameError('garbage', `${where}: malformed reply (${msg}) ${what}`, { cause: raw });
  }
  return classifyConnectionError(raw, ctx.bus);
}

/** Connection-level failures (opening, or losing, the socket or serial port). */
export function classifyConnectionError(raw: unknown, bus: string): ModbusConnectionError {
  if (raw instanceof ModbusConnectionError) return raw;
  const msg = messageOf(raw);
  const code = codeOf(raw);
  const hints: Array<[RegExp, string]> = [
    [/ECONNREFUSED|connection refused/i, 'connection refused — nothing listening there: wrong host/port, or Modbus TCP disabled on the device?'],
    [/EHOSTUNREACH|ENETUNREACH|host unreachable/i, 'host unreachable — wrong address or network down?'],
    [/ENOTFOUND|EAI_AGAIN/i, 'host name not found'],
    [/ECONNRESET|EPIPE/i, 'connection reset by the device or gateway'],
    [/ENOENT|No such file or directory/i, 'serial device does not exist — adapter unplugged or wrong path?'],
    [/EACCES|Permission denied/i, 'permission denied on the serial device — is the service user in the dialout group?'],
    [/EBUSY|Cannot lock port|Resource temporarily unavailable/i, 'serial device in use by another program'],
    [/ENOTTY|Inappropriate ioctl/i, 'not a serial device — wrong path?'],
    [/Port Not Open/i, 'port not open'],
  ];
  const text = `${code ?? ''} ${msg}`;
  const hint = hints.find(([re]) => re.test(text))?.[1];
  return new ModbusConnectionError(`${bus}: ${hint ?? msg}${hint ? ` (${msg})` : ''}`, { cause: raw });
}
