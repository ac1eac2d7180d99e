// Static files of the reference server (docs/protocol.md §8): GET/HEAD under /dist/, /demo/ and
// /tests/e2e/pages/ of the repository, the few named files of npm packages the demo pages load
// (VENDOR_FILES), `/` redirects to the demo index, everything else is 404.

import { promises as fsp } from 'node:fs';
import path from 'node:path';

/** URL prefixes served from disk, each mapped to the same folder under `root`. */
const STATIC_PREFIXES = ['/dist/', '/demo/', '/tests/e2e/pages/'];

/**
 * Single files of installed npm packages the demo pages need, by exact URL: the uPlot build the
 * diagnostics charts import and its stylesheet. Nothing else below node_modules/ is served.
 */
const VENDOR_FILES = new Map([
  ['/vendor/uplot/uPlot.esm.js', 'node_modules/uplot/dist/uPlot.esm.js'],
  ['/vendor/uplot/uPlot.min.css', 'node_modules/uplot/dist/uPlot.min.css'],
]);

const CONTENT_TYPES = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.cjs': 'text/javascript; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.y4m': 'video/x-raw-yuv',
  '.wav': 'audio/wav',
};

/**
 * Serve one HTTP request: `/` redirects to `/demo/index.html`; GET/HEAD under STATIC_PREFIXES
 * read the file below `rootDir`; anything else is 404 (405 for other methods).
 */
export async function serveStatic(rootDir, req, res) {
  let pathname;
  try {
    pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
  } catch {
    return notFound(res);
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' });
    return res.end('method not allowed\n');
  }
  if (pathname === '/') {
    res.writeHead(302, { location: '/demo/index.html' });
    return res.end();
  }
  const inside = (dir, f) => f === dir || f.startsWith(dir + path.sep);
  let base;
  let file;
  if (VENDOR_FILES.has(pathname)) {
    base = path.resolve(rootDir, 'node_modules');
    file = path.resolve(rootDir, VENDOR_FILES.get(pathname));
  } else {
    const prefix = STATIC_PREFIXES.find((p) => pathname.startsWith(p));
    if (!prefix || pathname.includes('\0')) return notFound(res);
    base = path.resolve(rootDir, prefix.slice(1));
    file = path.resolve(base, '.' + pathname.slice(prefix.length - 1));
    if (!inside(base, file)) return notFound(res);
  }
  try {
    // Resolve symlinks too: the real file must still be inside the served folder.
    file = await fsp.realpath(file);
    if (!inside(await fsp.realpath(base), file)) return notFound(res);
    let stat = await fsp.stat(file);
    if (stat.isDirectory()) {
      file = path.join(file, 'index.html');
      stat = await fsp.stat(file);
    }
    if (!stat.isFile()) return notFound(res);
    const body = req.method === 'HEAD' ? null : await fsp.readFile(file);
    res.writeHead(200, {
      'content-type': CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
      'content-length': stat.size,
      'cache-control': 'no-store',
    });
    res.end(body);
  } catch {
    notFound(res);
  }
}

function notFound(res) {
  res.writeHead(404, { 'content-type': 'text/plain' });
  res.end('not found\n');
}
