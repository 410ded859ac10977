// Quectel radio details: AT+QENG="servingcell" is the richest answer (RSRP, RSRQ,
// SINR, band, cell, EN-DC legs); AT+QCSQ and AT+QNWINFO are asked only for what
// it could not give, so a healthy reading costs one extra command.
import { parseQcsq, parseQeng, parseQnwinfo } from '../parsers/quectel.js';
import type { RadioInfo } from '../types.js';
import { mergeRadio } from './merge.js';
import type { ReadingSteps } from './steps.js';

export async function readQuectelRadio(steps: ReadingSteps): Promise<RadioInfo> {
  let radio: RadioInfo = (await steps.required('AT+QENG="servingcell"', parseQeng)) ?? {};
  if (radio.rsrpDbm === undefined && radio.rssiDbm === undefined && !radio.noService) {
    radio = mergeRadio((await steps.optional('AT+QCSQ', parseQcsq)) ?? {}, radio);
  }
  if (radio.band === undefined && !radio.noService) {
    radio = mergeRadio((await steps.optional('AT+QNWINFO', parseQnwinfo)) ?? {}, radio);
  }
  return radio;
}
