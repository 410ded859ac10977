// The messages a 2.0.1 charging station sends, built from the simulator's one charger model.
// The state (sim-state.ts) keeps connectors and transactions in 1.6 terms and calls these
// for the wire; transactions go through the TxEventQueue with a seqNo per transaction that
// counts every event of it, re-sends included only once (a re-send is the same event).
import type { SimChargerState } from '../sim-state.js';
import { TxEventQueue } from './tx-queue.js';
import { chargingState, connectorStatus, meterValue201, stopReasons, type Readings } from './mapping.js';

export interface StartExtra {
  reservationId?: number;
  remoteStartId?: number;
  /** Authorized by default; RemoteStart when remoteStartId is given. */
  triggerReason?: string;
}

export class Messages201 {
  readonly queue: TxEventQueue;
  /** Next seqNo per transactionId (the charger's string). */
  private readonly seqNo = new Map<string, number>();
  /** Last connectorStatus reported per EVSE, so that internal changes report only real changes. */
  readonly reported = new Map<number, string>();

  constructor(private readonly sim: SimChargerState) {
    const attempts = () => Number(sim.configuration.get('TransactionMessageAttempts')?.value);
    this.queue = new TxEventQueue(sim, attempts);
  }

  boot(extra: object): Promise<any> {
    const o = this.sim.options;
    return this.sim.call('BootNotification', {
      reason: 'PowerUp',
      chargingStation: {
        model: (o.model ?? 'SimCharger').slice(0, 20),
        vendorName: (o.vendor ?? 'SimVendor').slice(0, 50),
        serialNumber: this.sim.id.slice(0, 25),
        firmwareVersion: 'sim-1.0',
      },
      ...extra,
    });
  }

  /** StatusNotification for EVSE k (connector 1 of it); a 1.6 status name is mapped. */
  status(evseId: number, status: string): Promise<any> {
    const connectorStatus201 = connectorStatus(status);
    this.reported.set(evseId, connectorStatus201);
    return this.sim.call('StatusNotification', { timestamp: new Date().toISOString(), connectorStatus: connectorStatus201, evseId, connectorId: 1 });
  }

  authorize(idTag: string): Promise<any> {
    return this.sim.call('Authorize', { idToken: idToken(idTag) });
  }

  /** TransactionEvent Started for the transaction the state just opened on `evseId` (idTag: authorized). */
  started(evseId: number, idTag: string | undefined, meterStartWh: number, extra: StartExtra): Promise<any> {
    const conn = this.sim.connectors.get(evseId)!;
    const trigger = extra.triggerReason ?? (extra.remoteStartId !== undefined ? 'RemoteStart' : 'Authorized');
    return this.event('Started', evseId, trigger, {
      transactionInfo: {
        chargingState: idTag === undefined ? 'EVConnected' : chargingState(conn.status, conn.drawA),
        ...(extra.remoteStartId !== undefined ? { remoteStartId: extra.remoteStartId } : {}),
      },
      ...(idTag !== undefined ? { idToken: idToken(idTag) } : {}),
      numberOfPhasesUsed: this.sim.usedPhases(evseId, conn),
      ...(extra.reservationId !== undefined ? { reservationId: extra.reservationId } : {}),
      meterValue: [meterValue201({ ...this.sim.readings(evseId), energyWh: meterStartWh }, 'Transaction.Begin', new Date().toISOString())],
    });
  }

  /** TransactionEvent Updated carrying the idToken of a transaction opened at plug-in. */
  authorized(evseId: number, idTag: string, extra: StartExtra): Promise<any> {
    const conn = this.sim.connectors.get(evseId)!;
    return this.event('Updated', evseId, extra.remoteStartId !== undefined ? 'RemoteStart' : 'Authorized', {
      transactionInfo: {
        chargingState: chargingState('Charging', conn.drawA),
        ...(extra.remoteStartId !== undefined ? { remoteStartId: extra.remoteStartId } : {}),
      },
      idToken: idToken(idTag),
      ...(extra.reservationId !== undefined ? { reservationId: extra.reservationId } : {}),
    });
  }

  /** TransactionEvent Updated: a sample (MeterValuePeriodic, Trigger) or a chargingState change. */
  updated(evseId: number, triggerReason: string, readings: Readings, context = 'Sample.Periodic', timestamp = new Date().toISOString()): Promise<any> {
    const conn = this.sim.connectors.get(evseId)!;
    const withSample = triggerReason !== 'ChargingStateChanged';
    return this.event('Updated', evseId, triggerReason, {
      transactionInfo: { chargingState: chargingState(conn.status, conn.drawA) },
      ...(withSample ? { meterValue: [meterValue201(readings, context, timestamp)] } : {}),
    });
  }

  /** TransactionEvent Ended; the state has already closed the transaction locally. */
  ended(evseId: number, transactionRef: string, meterStopWh: number, reason: string, idTag?: string): Promise<any> {
    const { stoppedReason, triggerReason } = stopReasons(reason);
    return this.event(
      'Ended',
      evseId,
      triggerReason,
      {
        transactionInfo: { chargingState: reason === 'EVDisconnected' ? 'Idle' : 'EVConnected', stoppedReason },
        ...(idTag !== undefined && reason === 'Local' ? { idToken: idToken(idTag) } : {}),
        meterValue: [meterValue201({ ...this.sim.readings(evseId), energyWh: meterStopWh }, 'Transaction.End', new Date().toISOString())],
      },
      transactionRef,
    );
  }

  /** MeterValues outside a transaction (TriggerMessage, an idle connector's sample). */
  meterValues(evseId: number, readings: Readings, context: string, timestamp = new Date().toISOString()): Promise<any> {
    return this.sim.call('MeterValues', { evseId, meterValue: [meterValue201(readings, context, timestamp)] });
  }

  private event(eventType: string, evseId: number, triggerReason: string, body: { transactionInfo: object } & Record<string, unknown>, ref?: string): Promise<any> {
    const transactionId = ref ?? this.sim.connectors.get(evseId)!.transactionRef!;
    const seqNo = this.seqNo.get(transactionId) ?? 0;
    if (eventType === 'Ended') this.seqNo.delete(transactionId);
    else this.seqNo.set(transactionId, seqNo + 1);
    const { transactionInfo, ...rest } = body;
    return this.queue.push({
      eventType,
      timestamp: new Date().toISOString(),
      triggerReason,
      seqNo,
      // Stamped when the event happens, not when it is finally sent (E12: offline events).
      ...(this.sim.connected ? {} : { offline: true }),
      transactionInfo: { transactionId, ...transactionInfo },
      evse: { id: evseId, connectorId: 1 },
      ...rest,
    });
  }
}

/** The simulator's idTags are RFID cards. */
export function idToken(idTag: string): { idToken: string; type: string } {
  return { idToken: idTag, type: 'ISO14443' };
}
