// The site's own OCPP configuration keys, as the cloud sees them through
// GetConfiguration / ChangeConfiguration. Writable values persist in the kv table.
import type { KvRepository } from '../store/kv.js';
import type { GetConfigurationResponse, ChangeConfigurationResponse } from '../ocpp/v16/types.js';

interface KeyDef {
  readonly: boolean;
  value: () => string;
  /** Validates and applies a new value; returns false for a value the key cannot take. */
  set?: (v: string) => boolean;
}

export interface SiteConfigDeps {
  kv: KvRepository;
  numberOfConnectors: () => number;
  heartbeatIntervalS: () => number;
  setHeartbeatIntervalS: (s: number) => void;
  allowOfflineTxForUnknownId: boolean;
}

const positiveInt = (v: string): number | null => (/^\d+$/.test(v) && Number(v) > 0 ? Number(v) : null);

export class SiteConfiguration {
  private readonly keys: Record<string, KeyDef>;

  constructor(d: SiteConfigDeps) {
    const stored = (k: string, dflt: string): KeyDef => ({
      readonly: false,
      value: () => d.kv.get<string>(`site.config.${k}`) ?? dflt,
      set: (v) => (positiveInt(v) === null ? false : (d.kv.set(`site.config.${k}`, v), true)),
    });
    const fixed = (v: string): KeyDef => ({ readonly: true, value: () => v });
    this.keys = {
      HeartbeatInterval: {
        readonly: false,
        value: () => String(d.heartbeatIntervalS()),
        set: (v) => {
          const n = positiveInt(v);
          if (n === null) return false;
          d.setHeartbeatIntervalS(n);
          return true;
        },
      },
      MeterValueSampleInterval: stored('MeterValueSampleInterval', '60'),
      ClockAlignedDataInterval: stored('ClockAlignedDataInterval', '900'),
      ConnectionTimeOut: stored('ConnectionTimeOut', '120'),
      NumberOfConnectors: { readonly: true, value: () => String(d.numberOfConnectors()) },
      AuthorizeRemoteTxRequests: fixed('false'),
      LocalAuthorizeOffline: fixed('true'),
      LocalPreAuthorize: fixed('false'),
      AuthorizationCacheEnabled: fixed('true'),
      AllowOfflineTxForUnknownId: fixed(String(d.allowOfflineTxForUnknownId)),
      StopTransactionOnInvalidId: fixed('true'),
      LocalAuthListEnabled: fixed('true'),
      LocalAuthListMaxLength: fixed('10000'),
      SendLocalListMaxLength: fixed('1000'),
      ChargeProfileMaxStackLevel: fixed('20'),
      ChargingScheduleAllowedChargingRateUnit: fixed('Current,Power'),
      ChargingScheduleMaxPeriods: fixed('48'),
      MaxChargingProfilesInstalled: fixed('100'),
      SupportedFeatureProfiles: fixed('Core,LocalAuthListManagement,Reservation,RemoteTrigger,SmartCharging'),
      MeterValuesSampledData: fixed('Energy.Active.Import.Register,Power.Active.Import,Current.Import,Current.Offered'),
    };
  }

  /** ConnectionTimeOut as the cloud set it (s): how long a charger waits for the car after a start. */
  connectionTimeOutS(): number {
    return positiveInt(this.keys.ConnectionTimeOut.value()) ?? 120;
  }

  get(keys?: string[]): GetConfigurationResponse {
    const wanted = keys && keys.length > 0 ? keys : Object.keys(this.keys);
    const known = wanted.filter((k) => k in this.keys);
    return {
      configurationKey: known.map((key) => ({ key, readonly: this.keys[key].readonly, value: this.keys[key].value() })),
      ...(known.length < wanted.length ? { unknownKey: wanted.filter((k) => !(k in this.keys)) } : {}),
    };
  }

  change(key: string, value: string): ChangeConfigurationResponse['status'] {
    const def = this.keys[key];
    if (!def) return 'NotSupported';
    if (def.readonly || !def.set) return 'Rejected';
    return def.set(value) ? 'Accepted' : 'Rejected';
  }
}
