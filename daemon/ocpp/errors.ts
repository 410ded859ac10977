// OCPP-J RPC error codes. Internally we use one canonical name per code; OCPP 1.6
// misspells two of them ("FormationViolation", "OccurenceConstraintViolation") and
// 2.0.1 fixes the spelling, so input accepts both and output uses the protocol's own.
export const RPC_ERROR_CODES = [
  'NotImplemented',
  'NotSupported',
  'InternalError',
  'ProtocolError',
  'SecurityError',
  'FormatViolation',
  'PropertyConstraintViolation',
  'OccurrenceConstraintViolation',
  'TypeConstraintViolation',
  'GenericError',
  'MessageTypeNotSupported',
  'RpcFrameworkError',
] as const;

export type RpcErrorCode = (typeof RPC_ERROR_CODES)[number];

const ALIASES: Record<string, RpcErrorCode> = {
  FormationViolation: 'FormatViolation',
  OccurenceConstraintViolation: 'OccurrenceConstraintViolation',
};

/** Maps any spelling a peer may send to our canonical code; unknown codes become GenericError. */
export function normalizeErrorCode(code: unknown): RpcErrorCode {
  if (typeof code !== 'string') return 'GenericError';
  if (code in ALIASES) return ALIASES[code];
  return (RPC_ERROR_CODES as readonly string[]).includes(code) ? (code as RpcErrorCode) : 'GenericError';
}

/**
 * How OCPP 1.6 spells a canonical code on the wire (codes 1.6 lacks fall back to the closest it has).
 * RpcFrameworkError (a frame that is no valid OCPP-J message) is what 1.6 calls
 * FormationViolation ("not conform the PDU structure"); MessageTypeNotSupported is its ProtocolError.
 */
export function spell16(code: RpcErrorCode): string {
  switch (code) {
    case 'FormatViolation':
    case 'RpcFrameworkError':
      return 'FormationViolation';
    case 'OccurrenceConstraintViolation':
      return 'OccurenceConstraintViolation';
    case 'MessageTypeNotSupported':
      return 'ProtocolError';
    default:
      return code;
  }
}

/**
 * How OCPP 2.0.1 spells a canonical code on the wire (OCPP-J 2.0.1 part 4, 4.2.3): it has every
 * code of ours under the same name, RpcFrameworkError ("not a valid RPC request, e.g. the
 * message id could not be read") and MessageTypeNotSupported among them.
 */
export function spell201(code: RpcErrorCode): string {
  return code;
}

export class RpcError extends Error {
  constructor(readonly code: RpcErrorCode, message: string, readonly details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'RpcError';
  }
}

/** A CALL we sent got no answer in time. */
export class RpcTimeoutError extends Error {
  constructor(readonly action: string, readonly timeoutMs: number) {
    super(`${action}: no answer within ${timeoutMs} ms`);
    this.name = 'RpcTimeoutError';
  }
}

/** The connection closed (or was replaced) before a CALL was answered. */
export class RpcClosedError extends Error {
  constructor(readonly action: string, reason: string) {
    super(`${action}: connection closed before an answer (${reason})`);
    this.name = 'RpcClosedError';
  }
}
