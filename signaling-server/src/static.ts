/**
 * Static files from one directory (the CLI's --static), for serving the demo from the same origin
 * as the signaling endpoint. Only files inside the root are ever read: `..`, encoded or not, and
 * symlinks that lead outside are refused.
 */
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { OptionsError } from './errors.js';

/** Content types by extension; anything else is served as opaque bytes. */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
};

const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

/** The file a request for a directory gets. */
const INDEX_FILE = 'index.html';

/** The canonical path of a static root, checked to be a directory. */
export async function staticRoot(dir: string): Promise<string> {
  try {
    const root = await realpath(dir);
    if ((await stat(root)).isDirectory()) return root;
  } catch (error) {
    throw new OptionsError(`static directory ${dir} cannot be read; pass an existing directory`, { cause: error });
  }
  throw new OptionsError(`static path ${dir} is not a directory; pass a directory`);
}

/** Answers a GET or HEAD for a file under `root` (a path from `staticRoot`). */
export async function serveStatic(root: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const file = await resolveFile(root, request.url ?? '/');
  if (typeof file === 'number') {
    response.writeHead(file, { 'content-type': 'text/plain; charset=utf-8' }).end(`${file === 403 ? 'forbidden' : 'not found'}\n`);
    return;
  }
  response.writeHead(200, {
    'content-type': CONTENT_TYPES[extname(file.path).toLowerCase()] ?? DEFAULT_CONTENT_TYPE,
    'content-length': file.size,
    'x-content-type-options': 'nosniff',
    // The demo is rebuilt often; let browsers revalidate rather than serve a stale bundle.
    'cache-control': 'no-cache',
  });
  if (request.method === 'HEAD') response.end();
  else await pipeline(createReadStream(file.path), response);
}

/** The file a URL names, or the status to answer with: 403 outside the root, 404 when absent. */
async function resolveFile(root: string, url: string): Promise<{ path: string; size: number } | 403 | 404> {
  let relative: string;
  try {
    relative = decodeURIComponent(url.split('?', 1)[0] ?? '/');
  } catch {
    return 404; // malformed percent-encoding names no file
  }
  if (relative.includes('\0')) return 404;
  let path = join(root, relative);
  if (!inside(root, path)) return 403;
  try {
    if ((await stat(path)).isDirectory()) path = join(path, INDEX_FILE);
    path = await realpath(path);
    const info = await stat(path);
    if (!inside(root, path)) return 403; // a symlink that leads out of the root
    return info.isFile() ? { path, size: info.size } : 404;
  } catch {
    return 404;
  }
}

function inside(root: string, path: string): boolean {
  return path === root || path.startsWith(root + sep);
}
