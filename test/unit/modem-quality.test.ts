import test from 'node:test';
import assert from 'node:assert/strict';
import { signalQuality, type QualityInput } from '../../drivers/modem/quality.js';

test('signalQuality: thresholds on RSRP, RSRQ and SINR', () => {
  const table: Array<[string, QualityInput, string]> = [
    ['not registered, strong signal', { registration: 'searching', rsrpDbm: -70, sinrDb: 25 }, 'none'],
    ['denied', { registration: 'denied', rsrpDbm: -70 }, 'none'],
    ['registered, no figures', { registration: 'home' }, 'none'],
    ['strong and clean', { registration: 'home', rsrpDbm: -85, rsrqDb: -8, sinrDb: 15 }, 'good'],
    ['exactly on the good edge', { registration: 'roaming', rsrpDbm: -90, sinrDb: 13 }, 'good'],
    ['strong but noisy', { registration: 'home', rsrpDbm: -85, sinrDb: 10 }, 'fair'],
    ['clean but weaker', { registration: 'home', rsrpDbm: -100, sinrDb: 20 }, 'fair'],
    ['exactly on the poor edges is still fair', { registration: 'home', rsrpDbm: -110, rsrqDb: -15, sinrDb: 0 }, 'fair'],
    ['weak RSRP', { registration: 'home', rsrpDbm: -115, sinrDb: 20 }, 'poor'],
    ['negative SINR', { registration: 'home', rsrpDbm: -85, sinrDb: -2 }, 'poor'],
    ['bad RSRQ', { registration: 'home', rsrpDbm: -85, rsrqDb: -17, sinrDb: 15 }, 'poor'],
    ['no SINR: RSRQ decides good', { registration: 'home', rsrpDbm: -85, rsrqDb: -8 }, 'good'],
    ['no SINR, RSRQ middling', { registration: 'home', rsrpDbm: -85, rsrqDb: -12 }, 'fair'],
    ['RSRP only', { registration: 'home', rsrpDbm: -85 }, 'fair'],
    ['2G/3G: RSSI good', { registration: 'home', rssiDbm: -70 }, 'good'],
    ['2G/3G: RSSI fair', { registration: 'home', rssiDbm: -85 }, 'fair'],
    ['2G/3G: RSSI poor', { registration: 'home', rssiDbm: -101 }, 'poor'],
  ];
  for (const [name, input, expected] of table) assert.equal(signalQuality(input), expected, name);
});

test('signalQuality: thresholds can be overridden per site', () => {
  const reading: QualityInput = { registration: 'home', rsrpDbm: -95, sinrDb: 15 };
  assert.equal(signalQuality(reading), 'fair');
  assert.equal(signalQuality(reading, { goodRsrpDbm: -100 }), 'good');
  assert.equal(signalQuality(reading, { poorRsrpDbm: -90 }), 'poor');
});
