// SIMCom radio details: AT+CPSI? carries RSRP / RSRQ / SINR, band and cell.
import { parseCpsi } from '../parsers/simcom.js';
import type { RadioInfo } from '../types.js';
import type { ReadingSteps } from './steps.js';

export async function readSimcomRadio(steps: ReadingSteps): Promise<RadioInfo> {
  return (await steps.required('AT+CPSI?', parseCpsi)) ?? {};
}
