// The cloud speaks OCPP 2.0.1: the site is one charging station whose EVSE k is cloud
// connector k (connector 1 each); transactions go as TransactionEvents with ids the site
// makes (./plan.ts), so a start while offline needs nothing from the cloud.
import type { UpstreamConfig } from '../../config/types.js';
import type { IdTagInfo } from '../../ocpp/v16/types.js';
import type { CloudDialect, DeliveryCall } from '../dialect.js';
import type { OutboxRepository, OutboxRow } from '../outbox.js';
import type { Tx201Repository } from './tx-state.js';
import { planEvent, type Plan201Context } from './plan.js';
import { connectorStatusOf, idTagInfoOf, idTokenOf } from '../../ocpp/v201/upstream-mapping.js';
import { idTagOf } from '../../ocpp/v201/mapping.js';

export interface Dialect201Deps {
  config: UpstreamConfig;
  outbox: OutboxRepository;
  tx201: Tx201Repository;
  cloudConnector: (chargerId: string, connectorId: number) => number;
  /** When the local transaction was created (ms): part of the id the cloud sees. */
  createdAt: (localId: number) => number | undefined;
  firmwareVersion: string;
  /** RequestStartTransactions bound to the transactions they produced, not yet numbered (memory). */
  remoteStarts: Map<number, { remoteStartId: number; idToken?: { idToken: string; type: string } }>;
}

/**
 * The transaction id the cloud sees: the local id and its creation time (base 36). Unique for
 * the site even if a restored backup hands out a local id again; at most 36 characters.
 */
export function transactionRef(localId: number, createdAt: number): string {
  return `${localId}-${createdAt.toString(36)}`;
}

/** The local id in a transaction id this site made; undefined for anything else. */
export function localIdOfRef(ref: string): number | undefined {
  const m = /^(\d{1,15})-[0-9a-z]{1,12}$/.exec(ref);
  return m ? Number(m[1]) : undefined;
}

export function createDialect201(d: Dialect201Deps): CloudDialect {
  const b = d.config.bootNotification;
  const ctx: Plan201Context = {
    state: (id) => d.tx201.get(id),
    startDeliveredElsewhere: (id) => (d.outbox.cloudIdOf(id) !== undefined ? d.outbox.journalStart(id) : undefined),
    transactionRef: (id) => transactionRef(id, d.createdAt(id) ?? 0),
    cloudConnector: d.cloudConnector,
    remoteStartOf: (id) => {
      const mem = d.remoteStarts.get(id);
      if (mem) return mem;
      const st = d.tx201.get(id);
      if (!st || st.remoteStartId === null) return undefined;
      return { remoteStartId: st.remoteStartId, ...(st.remoteIdToken ? { idToken: st.remoteIdToken } : {}) };
    },
    maxMergedMeterValues: d.config.maxMergedMeterValues,
    foldIntoStop: d.config.foldMeterValuesIntoStop && d.config.maxMergedMeterValues > 1,
    tagSeqNo: (seqs, seqNo) => d.outbox.tagSeqNo(seqs, seqNo),
    used: (id, seqNo, opts) => {
      d.tx201.used(id, seqNo, opts);
      d.remoteStarts.delete(id);
    },
  };
  return {
    protocol: 'ocpp2.0.1',
    fixedGroups: true,
    bootNotification: (reason) => ({
      reason,
      chargingStation: {
        model: b.chargePointModel, vendorName: b.chargePointVendor,
        ...(b.chargePointSerialNumber ? { serialNumber: b.chargePointSerialNumber } : {}),
        firmwareVersion: d.firmwareVersion.slice(0, 50),
      },
    }),
    bootAnswer: (res) => ({ status: res.status, intervalS: res.interval > 0 ? res.interval : 300 }),
    // 2.0.1 reports connectors, not the station: the site (k = 0) has no StatusNotification.
    statusNotification: (k, status, _errorCode, _info, timestamp) =>
      k === 0 ? null : { action: 'StatusNotification', payload: { timestamp, connectorStatus: connectorStatusOf(status), evseId: k, connectorId: 1 } },
    authorizeRequest: (idTag, token) => ({ idToken: token ?? idTokenOf(idTag) }),
    authorizeAnswer: (res): IdTagInfo => idTagInfoOf(res.idTokenInfo, idTagOf),
    plan: (rows: readonly OutboxRow[], opts) => planEvent(rows, ctx, opts),
    answered(call: DeliveryCall, res: any) {
      const p = call.payload as { eventType: string };
      if (p.eventType !== 'Started') return { record: () => d.outbox.delivered(call.seqs) };
      const status = res?.idTokenInfo?.status as string | undefined;
      const modelStatus = status === undefined ? 'Accepted' : idTagInfoOf(res.idTokenInfo, idTagOf).status;
      return {
        record: () => {
          d.outbox.delivered(call.seqs);
          d.tx201.markStarted(call.localTransactionId, status ?? null);
        },
        refusedStatus: modelStatus === 'Accepted' ? undefined : modelStatus,
      };
    },
  };
}
