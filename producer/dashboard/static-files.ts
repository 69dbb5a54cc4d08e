/**
 * The dashboard's files (producer/dashboard/static: HTML, CSS, browser JS
 * modules, icon), read once at start and kept in memory with a content hash
 * for their ETag. tsc does not copy them into dist/, so they are read from
 * the source tree, and the image ships that folder (deploy/Dockerfile).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** One file as served. */
export interface StaticFile {
  body: Buffer;
  /** The Content-Type header. */
  type: string;
  /** A strong ETag, quoted: a hash of the content, so every producer of one release gives the same. */
  etag: string;
}

/**
 * Where the files are. This module runs compiled, from dist/producer/dashboard/,
 * so the source folder is three levels up; in the image that is /app/producer/dashboard/static.
 */
export const DASHBOARD_STATIC_DIR = path.resolve(__dirname, '..', '..', '..', 'producer', 'dashboard', 'static');

/** The types served; a file of any other kind in the folder is not served. */
const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  // Module scripts must come with a JavaScript type, or the browser refuses them.
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/**
 * Reads every file of a known type in `dir`, by file name. A missing or
 * empty folder throws, so a build that lost the files fails at start rather
 * than serving a blank page.
 */
export function loadStaticFiles(dir: string = DASHBOARD_STATIC_DIR): ReadonlyMap<string, StaticFile> {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (err) {
    throw new Error(`the dashboard files are missing: cannot read ${dir} (${(err as Error).message})`);
  }
  const files = new Map<string, StaticFile>();
  for (const name of names.sort()) {
    const type = TYPES[path.extname(name)];
    if (type === undefined) continue;
    const body = fs.readFileSync(path.join(dir, name));
    files.set(name, { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` });
  }
  if (files.size === 0) throw new Error(`the dashboard files are missing: nothing to serve in ${dir}`);
  return files;
}
