// Cloud → site commands, per the routing table of DESIGN.md. Commands for one
// connector go to the charger that owns it (renumbered); a charger that is offline
// gets the answer a real charge point would give (Rejected, UnlockFailed, ...), at
// once. Charging profiles become balancer caps; the site answers the rest itself.
// What the site itself stores for a command (profiles, the local list, the cache,
// reservations) is durable before the answer goes out, like a transaction message.
import type { Logger } from '../log.js';
import type { ChargerRegistry } from '../local/registry.js';
import type { RpcConnection } from '../ocpp/rpc.js';
import type * as T from '../ocpp/v16/types.js';
import type { ConnectorMap } from './connector-map.js';
import type { OutboxRepository } from './outbox.js';
import type { SiteStatus } from './site-status.js';
import type { CloudProfiles } from './cloud-profiles.js';
import type { AuthStore } from './auth.js';
import type { SiteConfiguration } from './site-config.js';
import type { Reservations } from './reservations.js';

export interface RouteDeps {
  registry: ChargerRegistry;
  connectors: ConnectorMap;
  outbox: OutboxRepository;
  status: SiteStatus;
  profiles: CloudProfiles;
  reservations: Reservations;
  auth: AuthStore;
  siteConfig: SiteConfiguration;
  log: Logger;
  vendorId: string;
  /** The charger a local transaction runs on, if it is still running. */
  chargerOfTransaction: (localTransactionId: number) => string | undefined;
  /** The local transaction running on a charger connector, if any. */
  runningTransaction: (chargerId: string, connectorId: number) => number | undefined;
  /** Runs fn in the store's next group commit; resolves once it is durable. */
  write: <T>(fn: () => T) => Promise<T>;
  now: () => number;
  /** Answer first, then act: the cloud must get its CALLRESULT before the session drops. */
  reset: (type: 'Soft' | 'Hard') => void;
  trigger: (message: string, connectorNumber?: number) => void;
  compositeSchedule: (connectorNumber: number, durationS: number, unit?: 'A' | 'W') => T.GetCompositeScheduleResponse;
  profilesChanged: () => void;
}

/** Sends a command to the charger owning cloud connector k; `offline` is the answer when that is impossible. */
async function toOwner<R>(d: RouteDeps, k: number, send: (chargerId: string, connectorId: number) => Promise<R>, offline: R): Promise<R> {
  const a = d.connectors.resolve(k);
  if (!a) return offline;
  try {
    return await send(a.chargerId, a.connectorId);
  } catch (err) {
    d.log.info('routed command not delivered', { charger: a.chargerId, err: (err as Error).message });
    return offline;
  }
}

function freeConnector(d: RouteDeps): number | undefined {
  return d.connectors.all().find((a) => d.status.statusOf(a.number).status === 'Available')?.number;
}

/** Merges per-charger answers of a site-wide ChangeAvailability: all Accepted → Accepted; any Rejected → Rejected; else Scheduled. */
export function mergeAvailability(answers: Array<T.ChangeAvailabilityResponse['status']>): T.ChangeAvailabilityResponse['status'] {
  if (answers.length === 0 || answers.includes('Rejected')) return 'Rejected';
  return answers.includes('Scheduled') ? 'Scheduled' : 'Accepted';
}

/**
 * The site's commands in the model's terms (1.6 shapes): what the site does for each cloud
 * command, whichever version the cloud speaks. A 1.6 cloud's CALLs are these; a 2.0.1
 * cloud's are translated to them and back (./v201/routes.ts).
 */
export function siteCommands(d: RouteDeps) {
  const r = d.registry;
  return {
    RemoteStartTransaction: async (req: T.RemoteStartTransactionRequest): Promise<T.RemoteStartTransactionResponse> => {
      const receivedAt = d.now();
      const k = req.connectorId ?? freeConnector(d);
      const a = k === undefined || k === 0 ? undefined : d.connectors.resolve(k);
      // OCPP 1.6 §5.11: the profile of a RemoteStart is a TxProfile; a charge point refuses anything else.
      if (!a || (req.chargingProfile && req.chargingProfile.chargingProfilePurpose !== 'TxProfile')) return { status: 'Rejected' };
      const res = await toOwner(d, a.number, (id, c) => r.send(id, 'RemoteStartTransaction', { connectorId: c, idTag: req.idTag }), { status: 'Rejected' as const });
      // The cloud's profile becomes a cap of the transaction this start produces (the
      // charger gets limits from the balancer only); stored only once the charger agreed.
      if (res.status === 'Accepted' && req.chargingProfile) {
        try {
          await d.profiles.set(a.number, req.chargingProfile, { remoteStart: { chargerId: a.chargerId, connectorId: a.connectorId, receivedAt } });
          d.profilesChanged();
        } catch (err) {
          // The charger starts anyway; the cap is lost (the balancer still guards the grid).
          d.log.error('RemoteStart TxProfile not stored', { charger: a.chargerId, err: (err as Error).message });
        }
      }
      return res;
    },
    RemoteStopTransaction: async (req: T.RemoteStopTransactionRequest): Promise<T.RemoteStopTransactionResponse> => {
      const local = d.outbox.localIdOf(req.transactionId);
      const chargerId = local === undefined ? undefined : d.chargerOfTransaction(local);
      if (local === undefined || !chargerId) return { status: 'Rejected' };
      try {
        return await r.send(chargerId, 'RemoteStopTransaction', { transactionId: local });
      } catch {
        return { status: 'Rejected' };
      }
    },
    UnlockConnector: (req: T.UnlockConnectorRequest) =>
      toOwner<T.UnlockConnectorResponse>(d, req.connectorId, (id, c) => r.send(id, 'UnlockConnector', { connectorId: c }), { status: 'UnlockFailed' }),
    ReserveNow: async (req: T.ReserveNowRequest): Promise<T.ReserveNowResponse> => {
      const a = d.connectors.resolve(req.connectorId);
      if (!a) return { status: 'Unavailable' };
      const res = await toOwner<T.ReserveNowResponse>(d, a.number, (id, c) => r.send(id, 'ReserveNow', { ...req, connectorId: c }), { status: 'Unavailable' });
      if (res.status === 'Accepted') {
        await d.reservations.put({ reservationId: req.reservationId, connectorNumber: a.number, chargerId: a.chargerId, connectorId: a.connectorId,
          idTag: req.idTag, parentIdTag: req.parentIdTag ?? null, expiryDate: req.expiryDate });
      }
      return res;
    },
    CancelReservation: async (req: T.CancelReservationRequest): Promise<T.CancelReservationResponse> => {
      const held = d.reservations.get(req.reservationId);
      if (!held) return { status: 'Rejected' };
      let res: T.CancelReservationResponse;
      try {
        res = await r.send(held.chargerId, 'CancelReservation', req);
      } catch {
        // Offline: the charger still holds it, so do we.
        return { status: 'Rejected' };
      }
      // Accepted: cancelled. Rejected: the charger no longer has it (used or expired there).
      await d.reservations.remove(req.reservationId);
      return res;
    },
    ChangeAvailability: async (req: T.ChangeAvailabilityRequest): Promise<T.ChangeAvailabilityResponse> => {
      if (req.connectorId !== 0) {
        return toOwner<T.ChangeAvailabilityResponse>(d, req.connectorId, (id, c) => r.send(id, 'ChangeAvailability', { connectorId: c, type: req.type }), { status: 'Rejected' });
      }
      const chargers = [...new Set(d.connectors.all().map((a) => a.chargerId))];
      const answers = await Promise.all(chargers.map((id) =>
        r.send(id, 'ChangeAvailability', { connectorId: 0, type: req.type }).then((x) => x.status, () => 'Rejected' as const)));
      return { status: mergeAvailability(answers) };
    },
    Reset: (req: T.ResetRequest): T.ResetResponse => {
      setImmediate(() => d.reset(req.type));
      return { status: 'Accepted' };
    },
    SetChargingProfile: async (req: T.SetChargingProfileRequest): Promise<T.SetChargingProfileResponse> => {
      const p = req.csChargingProfiles;
      const k = req.connectorId;
      if (p.chargingProfilePurpose === 'ChargePointMaxProfile' && k !== 0) return { status: 'Rejected' };
      if (p.chargingProfilePurpose === 'TxProfile' && k === 0) return { status: 'Rejected' };
      const a = k === 0 ? undefined : d.connectors.resolve(k);
      if (k !== 0 && !a) return { status: 'Rejected' };
      let localTransactionId: number | undefined;
      if (p.chargingProfilePurpose === 'TxProfile') {
        // Like a charge point: a TxProfile needs a running transaction there (the one it names, if it names one).
        localTransactionId = d.runningTransaction(a!.chargerId, a!.connectorId);
        if (localTransactionId === undefined) return { status: 'Rejected' };
        if (p.transactionId !== undefined && d.outbox.cloudIdOf(localTransactionId) !== p.transactionId) return { status: 'Rejected' };
      }
      await d.profiles.set(k, p, { localTransactionId });
      d.profilesChanged();
      return { status: 'Accepted' };
    },
    ClearChargingProfile: async (req: T.ClearChargingProfileRequest): Promise<T.ClearChargingProfileResponse> => {
      const n = await d.profiles.clear({ id: req.id, connectorNumber: req.connectorId, purpose: req.chargingProfilePurpose, stackLevel: req.stackLevel });
      if (n > 0) d.profilesChanged();
      return { status: n > 0 ? 'Accepted' : 'Unknown' };
    },
    GetCompositeSchedule: (req: T.GetCompositeScheduleRequest) => d.compositeSchedule(req.connectorId, req.duration, req.chargingRateUnit),
    TriggerMessage: (req: T.TriggerMessageRequest): T.TriggerMessageResponse => {
      if (req.connectorId !== undefined && req.connectorId !== 0 && !d.connectors.resolve(req.connectorId)) return { status: 'Rejected' };
      setImmediate(() => d.trigger(req.requestedMessage, req.connectorId));
      return { status: 'Accepted' };
    },
    GetConfiguration: (req: T.GetConfigurationRequest) => d.siteConfig.get(req.key),
    ChangeConfiguration: (req: T.ChangeConfigurationRequest) => ({ status: d.siteConfig.change(req.key, req.value) }),
    SendLocalList: async (req: T.SendLocalListRequest): Promise<T.SendLocalListResponse> => {
      if (req.updateType === 'Differential' && req.listVersion <= d.auth.listVersion && d.auth.listVersion !== 0) return { status: 'VersionMismatch' };
      await d.write(() => d.auth.applyList(req.listVersion, req.updateType, req.localAuthorizationList ?? []));
      return { status: 'Accepted' };
    },
    GetLocalListVersion: (): T.GetLocalListVersionResponse => ({ listVersion: d.auth.listVersion }),
    ClearCache: async (): Promise<T.ClearCacheResponse> => {
      await d.write(() => d.auth.clearCache());
      return { status: 'Accepted' };
    },
    DataTransfer: (req: T.DataTransferRequest): T.DataTransferResponse => ({ status: req.vendorId === d.vendorId ? 'UnknownMessageId' : 'UnknownVendorId' }),
    GetDiagnostics: (): T.GetDiagnosticsResponse => ({}),
    UpdateFirmware: (): T.UpdateFirmwareResponse => {
      d.log.warn('cloud asked for a firmware update; the site updates through its own packages, ignored');
      return {};
    },
  };
}

/** A 1.6 cloud: its CALLs are the model commands. */
export function registerRoutes(rpc: RpcConnection, d: RouteDeps): void {
  for (const [action, handler] of Object.entries(siteCommands(d))) rpc.handle(action, handler as (req: any) => unknown);
}
