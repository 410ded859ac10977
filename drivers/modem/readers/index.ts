// One reading from a modem: the 3GPP part, then the vendor's radio details
// (picked by the configured driver, or from ATI / AT+CGMI with 'auto').
import { detectVendor, type Vendor } from '../parsers/identity.js';
import { signalQuality, type QualityThresholds } from '../quality.js';
import type { AtClient, ModemDriverName, ModemReading, RadioInfo } from '../types.js';
import { readGeneric } from './generic.js';
import { mergeRadio } from './merge.js';
import { readQuectelRadio } from './quectel.js';
import { readSimcomRadio } from './simcom.js';
import { ReadingSteps } from './steps.js';

const VENDOR_RADIO: Record<Vendor, (steps: ReadingSteps) => Promise<RadioInfo>> = {
  generic: async () => ({}),
  quectel: readQuectelRadio,
  simcom: readSimcomRadio,
};

export interface ReadOptions {
  driver?: ModemDriverName;
  thresholds?: Partial<QualityThresholds>;
  now?: () => number;
}

export async function readModem(at: AtClient, opts: ReadOptions = {}): Promise<ModemReading> {
  const ts = (opts.now ?? Date.now)();
  const steps = new ReadingSteps(at);
  const base = await readGeneric(steps);
  const driver = opts.driver ?? 'auto';
  const vendor: Vendor =
    driver === 'auto' ? detectVendor(`${base.identity.manufacturer ?? ''} ${base.identity.model ?? ''}`) : driver;
  const radio = mergeRadio(base.radio, await VENDOR_RADIO[vendor](steps));
  const reading: ModemReading = {
    ts,
    manufacturer: base.identity.manufacturer,
    model: base.identity.model,
    imei: base.identity.imei,
    simState: base.simState,
    registration: base.registration,
    // COPS gives a name; without one, the PLMN digits from the vendor answer still say who it is.
    operator: base.operator ?? radio.plmn,
    accessTechnology: radio.accessTechnology,
    rssiDbm: radio.rssiDbm,
    rsrpDbm: radio.rsrpDbm,
    rsrqDb: radio.rsrqDb,
    sinrDb: radio.sinrDb,
    band: radio.band,
    cellId: radio.cellId,
    ipAddresses: base.ipAddresses,
    quality: 'none',
    errors: steps.errors,
  };
  reading.quality = signalQuality(reading, opts.thresholds);
  return dropUndefined(reading);
}

/** Absent fields are left out, not set to undefined, so JSON and deepEqual agree. */
function dropUndefined(r: ModemReading): ModemReading {
  for (const key of Object.keys(r) as Array<keyof ModemReading>) if (r[key] === undefined) delete r[key];
  return r;
}
