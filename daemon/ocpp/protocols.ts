// The OCPP versions we speak, keyed by WebSocket subprotocol. Adding OCPP 2.0.1 means
// adding its schemas, an entry here, and its handlers; the RPC layer stays as it is.
import { join } from 'node:path';
import { SchemaValidator, SCHEMA_ROOT } from './validator.js';
import { spell16, type RpcErrorCode } from './errors.js';

export interface ProtocolProfile {
  /** The WebSocket subprotocol name. */
  readonly name: string;
  readonly validator: SchemaValidator;
  /** How this version spells an error code on the wire. */
  spell(code: RpcErrorCode): string;
}

let ocpp16: ProtocolProfile | undefined;

export function getProtocol(name: string): ProtocolProfile | undefined {
  if (name === 'ocpp1.6') {
    // Compiling 56 schemas takes a moment: do it once per process.
    ocpp16 ??= { name: 'ocpp1.6', validator: new SchemaValidator(join(SCHEMA_ROOT, 'ocpp1.6')), spell: spell16 };
    return ocpp16;
  }
  return undefined;
}

/** Subprotocols we can serve, in order of preference. */
export const SUPPORTED_PROTOCOLS = ['ocpp1.6'];
