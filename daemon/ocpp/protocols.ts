// The OCPP versions we speak, keyed by WebSocket subprotocol. A version is its schemas,
// an entry here, and its charger dialect (handlers); the RPC layer stays as it is.
import { join } from 'node:path';
import { SchemaValidator, SCHEMA_ROOT } from './validator.js';
import { spell16, spell201, type RpcErrorCode } from './errors.js';

export interface ProtocolProfile {
  /** The WebSocket subprotocol name. */
  readonly name: string;
  readonly validator: SchemaValidator;
  /** How this version spells an error code on the wire. */
  spell(code: RpcErrorCode): string;
}

const SPELLERS: Record<string, (code: RpcErrorCode) => string> = {
  'ocpp1.6': spell16,
  'ocpp2.0.1': spell201,
};

const loaded = new Map<string, ProtocolProfile>();

/** The profile of a version we have schemas for (whether or not the server offers it yet). */
export function getProtocol(name: string): ProtocolProfile | undefined {
  const spell = SPELLERS[name];
  if (!spell) return undefined;
  let profile = loaded.get(name);
  if (!profile) {
    // Compiling a version's schemas (56 for 1.6, 128 for 2.0.1) takes a moment: once per process.
    profile = { name, validator: new SchemaValidator(join(SCHEMA_ROOT, name)), spell };
    loaded.set(name, profile);
  }
  return profile;
}

/** Every subprotocol we have a profile for, in order of preference (2.0.1 first when a charger offers both). */
export const KNOWN_PROTOCOLS = ['ocpp2.0.1', 'ocpp1.6'] as const;
