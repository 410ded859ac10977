// Throwaway PKI for TLS tests, made with the openssl CLI: a CA, a server
// certificate for 127.0.0.1, and client certificates with a chosen CN.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: 'pipe' });
}

export interface Pki {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  /** Makes a client certificate signed by this CA (or by a stranger CA when foreign). */
  client(cn: string, opts?: { foreign?: boolean }): { cert: string; key: string };
}

function makeCa(dir: string, name: string): { cert: string; key: string } {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.pem`);
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', `/CN=${name}`], dir);
  return { cert, key };
}

function sign(dir: string, ca: { cert: string; key: string }, name: string, cn: string, ext?: string): { cert: string; key: string } {
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const cert = join(dir, `${name}.pem`);
  openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', csr, '-subj', `/CN=${cn}`], dir);
  const args = ['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-out', cert, '-days', '2'];
  if (ext) {
    const extFile = join(dir, `${name}.ext`);
    writeFileSync(extFile, ext);
    args.push('-extfile', extFile);
  }
  openssl(args, dir);
  return { cert, key };
}

export function makePki(dir: string): Pki {
  const ca = makeCa(dir, 'ca');
  const stranger = makeCa(dir, 'stranger-ca');
  const server = sign(dir, ca, 'server', 'localhost', 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  return {
    dir,
    caCert: ca.cert,
    serverCert: server.cert,
    serverKey: server.key,
    client: (cn, opts = {}) => sign(dir, opts.foreign ? stranger : ca, `client-${cn}-${opts.foreign ? 'foreign' : 'own'}`, cn),
  };
}
