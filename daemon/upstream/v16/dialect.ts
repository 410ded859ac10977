// The cloud speaks OCPP 1.6: the model's shapes are 1.6 already, so this is mostly the
// outbox's delivery plan (merging, the cloud id rewrite) and the id the cloud gives a start.
import type { UpstreamConfig } from '../../config/types.js';
import type { IdTagInfo } from '../../ocpp/v16/types.js';
import type { CloudDialect, DeliveryCall } from '../dialect.js';
import { planDelivery, type OutboxRepository, type OutboxRow } from '../outbox.js';
import type { Tx201Repository } from '../v201/tx-state.js';

export interface Dialect16Deps {
  config: UpstreamConfig;
  outbox: OutboxRepository;
  tx201: Tx201Repository;
  cloudConnector: (chargerId: string, connectorId: number) => number;
  firmwareVersion: string;
}

export function createDialect16(d: Dialect16Deps): CloudDialect {
  const b = d.config.bootNotification;
  return {
    protocol: 'ocpp1.6',
    fixedGroups: false,
    bootNotification: () => ({
      chargePointVendor: b.chargePointVendor, chargePointModel: b.chargePointModel,
      ...(b.chargePointSerialNumber ? { chargePointSerialNumber: b.chargePointSerialNumber } : {}),
      firmwareVersion: d.firmwareVersion.slice(0, 50),
    }),
    bootAnswer: (res) => ({ status: res.status, intervalS: res.interval > 0 ? res.interval : 300 }),
    statusNotification: (k, status, errorCode, info, timestamp) => ({
      action: 'StatusNotification',
      payload: { connectorId: k, status, errorCode, ...(info ? { info } : {}), timestamp },
    }),
    authorizeRequest: (idTag) => ({ idTag }),
    authorizeAnswer: (res): IdTagInfo => res.idTagInfo,
    plan(rows: readonly OutboxRow[], { alone }) {
      const max = d.config.maxMergedMeterValues;
      return planDelivery(rows, {
        maxMergedMeterValues: alone ? 1 : max,
        // maxMergedMeterValues 1 means one message per call: no folding either.
        foldIntoStop: d.config.foldMeterValuesIntoStop && !alone && max > 1,
        cloudIdOf: (id) => d.outbox.cloudIdOf(id),
        cloudConnector: d.cloudConnector,
        startDeliveredElsewhere: (id) => (d.tx201.get(id)?.started ? d.outbox.journalStart(id) : undefined),
      });
    },
    answered(call: DeliveryCall, res: any) {
      if (call.action !== 'StartTransaction') return { record: () => d.outbox.delivered(call.seqs) };
      const status: string = res.idTagInfo?.status ?? 'Accepted';
      return {
        record: () => d.outbox.delivered(call.seqs, { localId: call.localTransactionId, cloudId: res.transactionId ?? null, idTagStatus: status }),
        refusedStatus: status === 'Accepted' ? undefined : status,
      };
    },
  };
}
