// The topic map of DESIGN.md ("Telemetry (MQTT)"): a public contract, so every
// topic name is built here and nowhere else.

/** Which topics are retained (state a fresh subscriber needs) and which are a stream. */
export const RETAINED = {
  status: true,
  health: true,
  upstream: true,
  meter: false,
  balancer: true,
  chargers: true,
  events: false,
} as const;

/**
 * A charger id as one topic level. OCPP identities may contain characters that are
 * MQTT syntax ('/' splits levels, '+' and '#' are wildcards); those, '%' and NUL are
 * percent-encoded so the mapping stays reversible with decodeURIComponent.
 */
export function topicLevel(id: string): string {
  return id.replace(/[%/+#\u0000]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0'));
}

export interface Topics {
  status: string;
  health(check: string): string;
  upstream: string;
  meter: string;
  balancer: string;
  charger(id: string): string;
  events: string;
}

export function topics(prefix: string): Topics {
  const p = prefix.replace(/\/+$/, '');
  return {
    status: `${p}/status`,
    health: (check) => `${p}/health/${check}`,
    upstream: `${p}/upstream`,
    meter: `${p}/meter`,
    balancer: `${p}/balancer`,
    charger: (id) => `${p}/chargers/${topicLevel(id)}`,
    events: `${p}/events`,
  };
}

/** The Last Will: fixed at connect time, so it carries no ts. */
export const OFFLINE_WILL = '{"state":"offline"}';
