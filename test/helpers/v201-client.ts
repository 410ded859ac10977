// A bare OCPP 2.0.1 charger for tests, built on the raw client: frames by hand, the
// site's post-boot GetVariables/SetVariables/TriggerMessage answered like a simple
// charger whose device model is given, and TransactionEvent helpers with seqNo kept.
import { connectRaw, type RawClient } from './raw-client.js';

export interface V201Charger {
  raw: RawClient;
  /** Every CALL the site sent, in order. */
  calls: Array<{ action: string; payload: any }>;
  call(action: string, payload: unknown): Promise<any[]>;
  /** Sends a TransactionEvent; seqNo counts on per transaction unless given. */
  tx(eventType: 'Started' | 'Updated' | 'Ended', transactionId: string, fields?: Record<string, unknown>, seqNo?: number): Promise<any[]>;
  close(): Promise<void>;
}

export const DEVICE_MODEL: Record<string, string> = {
  'SmartChargingCtrlr.Enabled': 'true',
  'SmartChargingCtrlr.RateUnit': 'A,W',
  'SmartChargingCtrlr.ProfileStackLevel': '8',
  'SmartChargingCtrlr.PeriodsPerSchedule': '24',
  'SmartChargingCtrlr.Entries': '16',
  'SmartChargingCtrlr.ACPhaseSwitchingSupported': 'false',
  'SampledDataCtrlr.TxUpdatedInterval': '60',
  'SampledDataCtrlr.TxUpdatedMeasurands': 'Energy.Active.Import.Register',
};

export function answer201(model: Record<string, string>) {
  return (action: string, payload: any): unknown => {
    if (action === 'GetVariables') {
      return {
        getVariableResult: payload.getVariableData.map((d: any) => {
          const v = model[`${d.component.name}.${d.variable.name}`];
          return v === undefined
            ? { attributeStatus: 'UnknownVariable', component: d.component, variable: d.variable }
            : { attributeStatus: 'Accepted', attributeValue: v, component: d.component, variable: d.variable };
        }),
      };
    }
    if (action === 'SetVariables') {
      return {
        setVariableResult: payload.setVariableData.map((d: any) => {
          model[`${d.component.name}.${d.variable.name}`] = d.attributeValue;
          return { attributeStatus: 'Accepted', component: d.component, variable: d.variable };
        }),
      };
    }
    if (action === 'TriggerMessage') return { status: 'Accepted' };
    return undefined;
  };
}

export async function connect201(url: string, id: string, password: string, model: Record<string, string> = { ...DEVICE_MODEL }): Promise<V201Charger> {
  const calls: V201Charger['calls'] = [];
  const answer = answer201(model);
  const raw = await connectRaw(`${url}/${id}`, {
    protocols: ['ocpp2.0.1'], auth: `${id}:${password}`,
    answer: (action, payload) => {
      calls.push({ action, payload });
      return answer(action, payload);
    },
  });
  const seqNos = new Map<string, number>();
  return {
    raw,
    calls,
    call: (action, payload) => raw.call(action, payload),
    tx(eventType, transactionId, fields = {}, seqNo) {
      const n = seqNo ?? seqNos.get(transactionId) ?? 0;
      seqNos.set(transactionId, n + 1);
      return raw.call('TransactionEvent', {
        eventType, timestamp: new Date().toISOString(), triggerReason: eventType === 'Started' ? 'Authorized' : eventType === 'Ended' ? 'EVCommunicationLost' : 'MeterValuePeriodic',
        seqNo: n, transactionInfo: { transactionId }, ...fields,
      });
    },
    close: () => raw.close(),
  };
}

/** A 2.0.1 sampled value with a unit. */
export const sv = (value: number, measurand: string, unit: string, extra: Record<string, unknown> = {}) => ({ value, measurand, unitOfMeasure: { unit }, ...extra });
