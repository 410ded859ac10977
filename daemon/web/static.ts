// The page's own files (index.html, style.css, app.js), read once at start from
// dist/web/ and served from memory: a fixed list, so no request path ever reaches
// the file system. Nothing is loaded from anywhere else (no CDN, fonts or trackers).
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface StaticFile {
  body: Buffer;
  type: string;
  etag: string;
}

const FILES: Record<string, [file: string, type: string]> = {
  '/': ['index.html', 'text/html; charset=utf-8'],
  '/index.html': ['index.html', 'text/html; charset=utf-8'],
  '/style.css': ['style.css', 'text/css; charset=utf-8'],
  '/app.js': ['app.js', 'text/javascript; charset=utf-8'],
};

/** dist/web/, next to the compiled daemon (dist/daemon/web/ → dist/web/). */
export const DEFAULT_STATIC_DIR = fileURLToPath(new URL('../../web/', import.meta.url));

/** Reads every file of the page; a missing one is an error naming it (a build that skipped the front end). */
export function loadStatic(dir: string = DEFAULT_STATIC_DIR): Map<string, StaticFile> {
  const out = new Map<string, StaticFile>();
  for (const [path, [file, type]] of Object.entries(FILES)) {
    let body: Buffer;
    try {
      body = readFileSync(join(dir, file));
    } catch (err) {
      throw new Error(`web page file ${join(dir, file)} is missing (${(err as NodeJS.ErrnoException).code}); run npm run build`);
    }
    out.set(path, { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 16)}"` });
  }
  return out;
}
