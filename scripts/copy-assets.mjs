// Copies the non-TypeScript assets the daemon loads at run time (JSON Schemas)
// next to the compiled code, so dist/ is self-contained on the gateway.
import { cpSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const assets = ['daemon/ocpp/schemas', 'daemon/config/schema.json', 'web/index.html', 'web/style.css'];
for (const rel of assets) {
  const to = join(root, 'dist', rel);
  mkdirSync(dirname(to), { recursive: true });
  cpSync(join(root, rel), to, { recursive: true });
}
