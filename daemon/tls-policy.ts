// One TLS policy for every TLS endpoint of the daemon (the chargers' CSMS, the web
// page, the client towards the cloud): TLS 1.2 or newer, AEAD suites only.
//
// The list offers the OCPP 1.6 security whitepaper's four suites
// (TLS_ECDHE_ECDSA_WITH_AES_{128,256}_GCM_SHA2{56,384} and TLS_RSA_WITH_AES_{128,256}_GCM_SHA2{56,384},
// OpenSSL names below), plus ECDHE-RSA GCM and CHACHA20 for the usual RSA-certificate
// peers. Forward-secret suites come first and the server's order wins, so the plain
// RSA key exchange is used only by a charger that offers nothing better. CBC/SHA-1
// suites (AES128-SHA and friends: no AEAD, mostly no forward secrecy) are left out.
// TLS 1.3 suites are all AEAD; they are named so that a `ciphers` key without them
// does not silently turn TLS 1.3 off in some Node versions.
export const TLS_MIN_VERSION = 'TLSv1.2' as const;

export const DEFAULT_CIPHERS = [
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
  'AES128-GCM-SHA256',
  'AES256-GCM-SHA384',
].join(':');

/** Options for tls/https servers: `ciphers` from the config replaces the list (an OpenSSL cipher string). */
export function serverTlsOptions(ciphers?: string): { minVersion: typeof TLS_MIN_VERSION; ciphers: string; honorCipherOrder: true } {
  return { minVersion: TLS_MIN_VERSION, ciphers: ciphers ?? DEFAULT_CIPHERS, honorCipherOrder: true };
}

/** Options for TLS clients (the upstream link). */
export function clientTlsOptions(ciphers?: string): { minVersion: typeof TLS_MIN_VERSION; ciphers: string } {
  return { minVersion: TLS_MIN_VERSION, ciphers: ciphers ?? DEFAULT_CIPHERS };
}
