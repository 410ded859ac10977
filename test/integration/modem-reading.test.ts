// Whole readings through createModem() / probeModem() against scripted modems
// (Quectel, SIMCom, a generic one) on a real pty pair.
import test from 'node:test';
import assert from 'node:assert/strict';
import { createModem, probeModem, type ModemReading, type ModemSettings } from '../../drivers/modem/index.js';
import { openPtyPair } from '../helpers/pty.js';
import { openRestartablePty } from '../helpers/modem-pty.js';
import { ModemSim, type SimAnswer } from '../helpers/modem-sim.js';

const TS = 1_700_000_000_000;

const COMMON: Record<string, SimAnswer> = {
  'AT+CPIN?': ['+CPIN: READY', 'OK'],
  'AT+CEREG?': ['+CEREG: 0,1', 'OK'],
  'AT+C5GREG?': ['+C5GREG: 0,0', 'OK'],
  'AT+CREG?': ['+CREG: 0,1', 'OK'],
  'AT+CSQ': ['+CSQ: 24,99', 'OK'],
  'AT+CESQ': ['+CESQ: 99,99,255,255,20,45', 'OK'],
};

const QUECTEL_ENDC: Record<string, SimAnswer> = {
  ...COMMON,
  ATI: ['Quectel', 'RM500Q-GL', 'Revision: RM500QGLABR11A06M4G', 'OK'],
  'AT+CGSN': ['862146051234561', 'OK'],
  'AT+COPS?': ['+COPS: 0,0,"Telekom.de",13', 'OK'],
  'AT+CGPADDR': ['+CGPADDR: 1,"10.98.7.6","32.1.13.184.0.0.0.0.0.0.0.0.0.0.0.1"', '+CGPADDR: 2,"0.0.0.0"', 'OK'],
  'AT+QENG="servingcell"': [
    '+QENG: "servingcell","NOCONN"',
    '+QENG: "LTE","FDD",262,01,2FAA03,87,1300,3,5,5,B1E3,-95,-11,-66,12,9,-,-',
    '+QIURC: "pdpdeact",2',
    '+QENG: "NR5G-NSA",262,01,371,-89,14,-11,632448,78,12,1',
    'OK',
  ],
};

async function withSim<T>(table: Record<string, SimAnswer>, fn: (device: string, sim: ModemSim) => Promise<T>): Promise<T> {
  const pty = await openRestartablePty();
  const sim = await ModemSim.open(pty.b, table);
  try {
    return await fn(pty.a, sim);
  } finally {
    await sim.close();
    await pty.dispose();
  }
}

function settings(device: string, extra: Partial<ModemSettings> = {}): ModemSettings {
  return { device, baudRate: 115200, intervalS: 60, commandTimeoutMs: 1000, ...extra };
}

test('auto driver on a Quectel in EN-DC: vendor figures win, URCs are passed on', async () => {
  await withSim(QUECTEL_ENDC, async (device, sim) => {
    const modem = createModem(settings(device), undefined, { now: () => TS });
    const urcs: string[] = [];
    modem.on('urc', (line) => urcs.push(line));
    try {
      const reading = await modem.read();
      assert.deepEqual(reading, {
        ts: TS,
        manufacturer: 'Quectel',
        model: 'RM500Q-GL',
        imei: '862146051234561',
        simState: 'ready',
        registration: 'home',
        operator: 'Telekom.de',
        accessTechnology: 'NR5G-NSA',
        rssiDbm: -66,
        rsrpDbm: -95,
        rsrqDb: -11,
        sinrDb: 12,
        band: 'B3+n78',
        cellId: '2FAA03',
        ipAddresses: ['10.98.7.6', '2001:db8::1'],
        quality: 'fair',
        errors: [],
      } satisfies ModemReading);
      assert.deepEqual(urcs, ['+QIURC: "pdpdeact",2']);
      // AT+QENG answered everything, so the fallbacks were not asked.
      assert.ok(!sim.received.includes('AT+QCSQ') && !sim.received.includes('AT+QNWINFO'));
    } finally {
      await modem.close();
    }
  });
});

test('one failing command costs only its field: QENG fails, QCSQ and QNWINFO fill in; ATI fails, CGMI picks the driver', async () => {
  const table: Record<string, SimAnswer> = {
    ...QUECTEL_ENDC,
    ATI: ['ERROR'],
    'AT+CGMI': ['Quectel', 'OK'],
    'AT+CGMM': ['EG25', 'OK'],
    'AT+QENG="servingcell"': ['+CME ERROR: 100'],
    'AT+QCSQ': ['+QCSQ: "LTE",-70,-99,140,-12', 'OK'],
    'AT+QNWINFO': ['+QNWINFO: "FDD LTE","26201","LTE BAND 20",6300', 'OK'],
  };
  await withSim(table, async (device) => {
    const modem = createModem(settings(device), undefined, { now: () => TS });
    try {
      const r = await modem.read();
      assert.equal(r.manufacturer, 'Quectel');
      assert.equal(r.model, 'EG25');
      assert.deepEqual([r.rsrpDbm, r.rsrqDb, r.sinrDb, r.band], [-99, -12, 8, 'B20']);
      assert.equal(r.accessTechnology, 'LTE');
      assert.deepEqual(r.errors, ['AT+QENG="servingcell": +CME ERROR: 100 (unknown)']);
    } finally {
      await modem.close();
    }
  });
});

test('simcom driver: CPSI figures, IMEI from ATI, unsupported optional commands stay quiet', async () => {
  const table: Record<string, SimAnswer> = {
    ...COMMON,
    ATI: ['Manufacturer: SIMCOM INCORPORATED', 'Model: SIMCOM_SIM7600G-H', 'Revision: LE20B04SIM7600G22', 'IMEI: 862636051234560', '+GCAP: +CGSM', 'OK'],
    'AT+CEREG?': ['+CEREG: 0,5', 'OK'],
    'AT+C5GREG?': ['ERROR'],
    'AT+CESQ': ['ERROR'],
    'AT+COPS?': ['+COPS: 0,0,"vodafone UK",7', 'OK'],
    'AT+CGPADDR': ['+CGPADDR: 1,10.44.0.12', 'OK'],
    'AT+CPSI?': ['+CPSI: LTE,Online,234-15,0x1F40,27446795,311,EUTRAN-BAND20,6300,5,5,-75,-843,-570,20', 'OK'],
  };
  await withSim(table, async (device, sim) => {
    const modem = createModem(settings(device, { driver: 'simcom' }), undefined, { now: () => TS });
    try {
      const r = await modem.read();
      assert.equal(r.imei, '862636051234560');
      assert.ok(!sim.received.includes('AT+CGSN'));
      assert.equal(r.registration, 'roaming');
      assert.deepEqual([r.rsrpDbm, r.rsrqDb, r.sinrDb, r.rssiDbm, r.band, r.cellId], [-84.3, -7.5, 20, -57, 'B20', '1A2CE0B']);
      assert.deepEqual(r.ipAddresses, ['10.44.0.12']);
      assert.equal(r.quality, 'good');
      assert.deepEqual(r.errors, []);
    } finally {
      await modem.close();
    }
  });
});

test('generic driver: a silent command times out into errors, the rest of the reading stands', async () => {
  const table: Record<string, SimAnswer> = {
    ...COMMON,
    ATI: ['Manufacturer: Sierra Wireless, Incorporated', 'Model: EM7455', 'Revision: SWI9X30C_02.33.03.00', 'IMEI: 359072061234562', 'OK'],
    'AT+CEREG?': ['+CEREG: 2,1,"2F11","0A1B2C03",7', 'OK'],
    'AT+COPS?': 'silent',
    'AT+CGPADDR': ['+CGPADDR: 1,"100.80.1.2"', 'OK'],
  };
  await withSim(table, async (device) => {
    const modem = createModem(settings(device, { commandTimeoutMs: 200 }), undefined, { now: () => TS });
    try {
      const r = await modem.read();
      assert.equal(r.operator, undefined);
      assert.deepEqual(r.errors, [`AT+COPS?: no answer from ${device} within 200 ms`]);
      assert.deepEqual([r.registration, r.accessTechnology, r.cellId], ['home', 'LTE', '0A1B2C03']);
      assert.deepEqual([r.rssiDbm, r.rsrpDbm, r.rsrqDb, r.sinrDb], [-65, -96, -10, undefined]);
      assert.equal(r.quality, 'fair');
    } finally {
      await modem.close();
    }
  });
});

test('a hung modem: after two silent commands in a row the rest of the reading is skipped', async () => {
  const table: Record<string, SimAnswer> = {
    ...QUECTEL_ENDC,
    ATI: ['Quectel', 'EG25', 'Revision: EG25GGBR07A08M2G', 'OK'],
    'AT+CGSN': 'silent',
    'AT+CPIN?': 'silent',
  };
  await withSim(table, async (device, sim) => {
    const modem = createModem(settings(device, { commandTimeoutMs: 150 }), undefined, { now: () => TS });
    try {
      const r = await modem.read();
      assert.equal(r.model, 'EG25');
      assert.deepEqual(r.errors, [
        `AT+CGSN: no answer from ${device} within 150 ms`,
        `AT+CPIN?: no answer from ${device} within 150 ms`,
        'modem stopped answering (2 commands in a row); the rest of this reading was skipped',
      ]);
      assert.ok(!sim.received.includes('AT+CEREG?'), 'nothing was sent after the second timeout');
    } finally {
      await modem.close();
    }
  });
});

test('no SIM: CME 10 is a SIM state, not an error; nothing registered means quality none', async () => {
  const table: Record<string, SimAnswer> = {
    ...COMMON,
    ATI: ['Quectel', 'EG25', 'Revision: EG25GGBR07A08M2G', 'OK'],
    'AT+CGSN': ['867698041234567', 'OK'],
    'AT+CPIN?': ['+CME ERROR: 10'],
    'AT+CEREG?': ['+CEREG: 0,0', 'OK'],
    'AT+CREG?': ['+CREG: 0,0', 'OK'],
    'AT+COPS?': ['+COPS: 0', 'OK'],
    'AT+CSQ': ['+CSQ: 99,99', 'OK'],
    'AT+CESQ': ['+CESQ: 99,99,255,255,255,255', 'OK'],
    'AT+CGPADDR': ['+CGPADDR: 1', 'OK'],
    'AT+QENG="servingcell"': ['+QENG: "servingcell","SEARCH"', 'OK'],
  };
  await withSim(table, async (device) => {
    const modem = createModem(settings(device), undefined, { now: () => TS });
    try {
      assert.deepEqual(await modem.read(), {
        ts: TS,
        manufacturer: 'Quectel',
        model: 'EG25',
        imei: '867698041234567',
        simState: 'not-inserted',
        registration: 'not-registered',
        ipAddresses: [],
        quality: 'none',
        errors: [],
      } satisfies ModemReading);
    } finally {
      await modem.close();
    }
  });
});

test('the modem vanishing mid-reading costs one error line, and readings say so until it returns', async () => {
  const pty = await openRestartablePty();
  const sim = await ModemSim.open(pty.b, {
    ...QUECTEL_ENDC,
    // Unplugged while it was being asked for the operator.
    'AT+COPS?': () => {
      void pty.stop();
      return 'silent';
    },
  });
  const modem = createModem(settings(pty.a, { commandTimeoutMs: 10_000 }), undefined, { now: () => TS, reopenInitialDelayMs: 60_000 });
  try {
    const r = await modem.read();
    assert.equal(r.manufacturer, 'Quectel', 'what was read before the loss is kept');
    assert.equal(r.simState, 'ready');
    assert.deepEqual(r.errors, [`AT+COPS?: ${pty.a} disconnected before the answer came`]);
    assert.deepEqual((await modem.read()).errors, [`${pty.a} is not open (disconnected)`]);
  } finally {
    await modem.close();
    await sim.close();
    await pty.dispose();
  }
});

test('a missing device gives a reading that says so, and close() stops the retries', async () => {
  const modem = createModem(settings('/nonexistent-dir/ttyUSB9'), undefined, { now: () => TS, reopenInitialDelayMs: 10 });
  try {
    const r = await modem.read();
    assert.deepEqual(r.errors, ['/nonexistent-dir/ttyUSB9 is not open (cannot open /nonexistent-dir/ttyUSB9: No such file or directory)']);
    assert.equal(r.quality, 'none');
  } finally {
    await modem.close();
  }
  await assert.rejects(modem.read(), /is closed/);
});

test('probeModem prints one reading for a human', async () => {
  await withSim(QUECTEL_ENDC, async (device) => {
    const text = await probeModem(settings(device));
    assert.match(text, new RegExp(`^device {7}${device} @ 115200 baud$`, 'm'));
    assert.match(text, /^modem {8}Quectel RM500Q-GL$/m);
    assert.match(text, /^registration home \(NR5G-NSA\) on Telekom\.de$/m);
    assert.match(text, /^signal {7}RSRP -95 dBm, RSRQ -11 dB, SINR 12 dB, RSSI -66 dBm -> fair$/m);
    assert.match(text, /^IP {11}10\.98\.7\.6, 2001:db8::1$/m);
    assert.doesNotMatch(text, /^error/m);
  });
});

test('probeModem names the exact failure: no answer, or no device', async () => {
  const pair = await openPtyPair(); // nobody listens on pair.b
  try {
    await assert.rejects(probeModem(settings(pair.a, { commandTimeoutMs: 200 })), {
      message: `no answer from ${pair.a} at 115200 baud within 200 ms`,
    });
  } finally {
    await pair.close();
  }
  await assert.rejects(probeModem(settings('/nonexistent-dir/ttyUSB2')), {
    message: 'cannot open /nonexistent-dir/ttyUSB2: No such file or directory',
  });
});
