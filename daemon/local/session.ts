// One connected charger: its RPC connection, what it told us at boot, its
// smart-charging capabilities and the live state of its connectors.
import type { RpcConnection } from '../ocpp/rpc.js';
import type { ChargerConfig } from '../config/types.js';
import type { V16Actions } from '../ocpp/v16/types.js';
import type { BootInfo } from '../store/chargers.js';
import type { LiveMeasurements } from './live.js';
import type { ReportedLimit } from '../balancer/reported-limits.js';
import { UNKNOWN_CHARGER_MAX_CONNECTORS } from './connectors.js';
import { commandTo201, type CommandEnv } from '../ocpp/v201/commands.js';
import { getProtocol } from '../ocpp/protocols.js';
import { RpcError } from '../ocpp/errors.js';

/** Actions the site may send to a charger. */
export type ChargerCommand =
  | 'SetChargingProfile' | 'ClearChargingProfile' | 'GetCompositeSchedule' | 'RemoteStartTransaction'
  | 'RemoteStopTransaction' | 'ChangeAvailability' | 'ChangeConfiguration' | 'GetConfiguration' | 'Reset'
  | 'UnlockConnector' | 'TriggerMessage' | 'ReserveNow' | 'CancelReservation' | 'SendLocalList' | 'DataTransfer'
  | 'ClearCache' | 'GetLocalListVersion' | 'GetDiagnostics' | 'UpdateFirmware';

export type CommandRequest<A extends ChargerCommand> = V16Actions[A]['req'];
export type CommandResponse<A extends ChargerCommand> = V16Actions[A]['conf'];

export interface ConnectorState {
  status: string;
  errorCode: string;
  transactionId: number | null;
  live: LiveMeasurements | undefined;
  updatedAt: number;
  /**
   * The charger reported this connector's status on the current connection. False for
   * state restored from the store at connect (and for a connector only seen through a
   * transaction so far): the balancer then treats a session there as possibly charging
   * at the charger's max until the charger says otherwise.
   */
  confirmed: boolean;
}

export interface SmartChargingCapabilities {
  maxStackLevel: number | null;
  /** From ChargingScheduleAllowedChargingRateUnit: which units the charger accepts. */
  rateUnits: Array<'Current' | 'Power'>;
  maxPeriods: number | null;
  maxProfiles: number | null;
  /** Every key the charger reported, as strings. */
  keys: Record<string, string>;
}

/**
 * remoteStartId / requestId for 2.0.1 chargers: seeded with seconds since 2020 so ids stay
 * distinct across restarts (unless more than one a second was used for a long time) and
 * within int32 for decades (chargers often store them as int32).
 */
let lastRequestId = Math.floor((Date.now() - Date.UTC(2020, 0, 1)) / 1000);
function nextRequestId(): number {
  lastRequestId = Math.max(lastRequestId + 1, Math.floor((Date.now() - Date.UTC(2020, 0, 1)) / 1000));
  return lastRequestId;
}

export class ChargerSession {
  readonly connectedAt: number;
  boot: BootInfo | null = null;
  capabilities: SmartChargingCapabilities | null = null;
  readonly connectors = new Map<number, ConnectorState>();
  /**
   * Limits the charger itself reported and has not cleared (2.0.1 NotifyChargingLimit: an EMS,
   * the grid operator, ...), keyed `${evseId}/${source}`, evseId 0 for the whole station. The
   * balancer honours them; a 1.6 charger never has any.
   */
  readonly reportedLimits = new Map<string, ReportedLimit>();
  lastSeenAt: number;
  /**
   * How many connectors it has: `connectors` from its config entry; for a charger admitted by
   * allowUnknownChargers its own NumberOfConnectors (read at configure, remembered in the
   * store), null while unknown (then connectorRange() applies UNKNOWN_CHARGER_MAX_CONNECTORS).
   */
  numberOfConnectors: number | null;

  constructor(
    readonly id: string,
    /** undefined for a charger admitted by allowUnknownChargers. */
    readonly config: ChargerConfig | undefined,
    readonly rpc: RpcConnection,
    readonly remoteAddress: string,
    now: number,
  ) {
    this.connectedAt = now;
    this.lastSeenAt = now;
    this.numberOfConnectors = config?.connectors ?? null;
  }

  /** The OCPP version it speaks (its dialect): the negotiated WebSocket subprotocol, e.g. 'ocpp2.0.1'. */
  get protocol(): string {
    return this.rpc.protocol;
  }

  /** The highest connectorId this charger may use (see connectors.ts). */
  get maxConnectorId(): number {
    return this.numberOfConnectors ?? UNKNOWN_CHARGER_MAX_CONNECTORS;
  }

  /**
   * A 2.0.1 charger's own transactionId for a local transaction id (undefined when not
   * known). Set where sessions are wired to the store; commands naming a transaction
   * (RemoteStopTransaction, a TxProfile) need it.
   */
  chargerTxIdOf: (localId: number) => string | undefined = () => undefined;

  /**
   * Sends a command to this charger; typed by action. Every caller speaks the model (the
   * 1.6 command shapes); a 2.0.1 charger gets the 2.0.1 form and its answer comes back in
   * the model's shape (daemon/ocpp/v201/commands.ts).
   */
  send<A extends ChargerCommand>(action: A, request: CommandRequest<A>, opts?: { timeoutMs?: number }): Promise<CommandResponse<A>> {
    if (this.rpc.protocol === 'ocpp2.0.1') return this.send201(action, request, opts);
    return this.rpc.call<CommandResponse<A>>(action, request, opts);
  }

  private async send201<A extends ChargerCommand>(action: A, request: CommandRequest<A>, opts?: { timeoutMs?: number }): Promise<CommandResponse<A>> {
    const env: CommandEnv = { chargerTxId: (id) => this.chargerTxIdOf(id), nextRequestId };
    const t = commandTo201(action, request, env);
    if (t.kind === 'answer') return t.response;
    const answer = t.response(await this.rpc.call(t.action, t.request, opts));
    // The translated answer is what every service reads: it must be a valid 1.6 answer.
    const wrong = getProtocol('ocpp1.6')!.validator.response(action, answer);
    if (wrong) throw new RpcError('InternalError', `${action}: the charger's ${t.action} answer does not translate to a valid model answer: ${wrong.message}`);
    return answer;
  }

  connector(id: number, now: number): ConnectorState {
    let c = this.connectors.get(id);
    if (!c) {
      c = { status: 'Unknown', errorCode: 'NoError', transactionId: null, live: undefined, updatedAt: now, confirmed: false };
      this.connectors.set(id, c);
    }
    return c;
  }
}
