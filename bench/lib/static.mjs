// A tiny static server for the benchmark pages (the reference server's routes stay untouched):
// /bench/pages/* (bench/pages), /dist/* (dist), /simplepeer.min.js (npm simple-peer's browser
// bundle). Every response is `cache-control: no-store`, so each page load fetches again. `.wasm` is
// served as application/wasm (what streaming compile needs). With `compress`, a client that
// accepts gzip gets the body gzip -9 (computed once per file), as a production server would.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ROOT } from './size.mjs';

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.wasm': 'application/wasm' };
const ROUTES = [
  ['/bench/pages/', join(ROOT, 'bench', 'pages')],
  ['/dist/', join(ROOT, 'dist')],
];
const FILES = { '/simplepeer.min.js': join(ROOT, 'node_modules', 'simple-peer', 'simplepeer.min.js') };

/**
 * @param {{compress?: boolean}} [options] compress: gzip responses for clients that accept it
 * @returns {Promise<{url: string, close: () => Promise<void>}>} listening on 127.0.0.1, port 0
 */
export async function startStaticServer({ compress = false } = {}) {
  const gzipped = new Map(); // file → its gzip -9 body (the files do not change during a benchmark)
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    let file = FILES[path];
    for (const [prefix, dir] of ROUTES) {
      if (!file && path.startsWith(prefix)) {
        const rel = normalize(path.slice(prefix.length));
        if (!rel.startsWith('..')) file = join(dir, rel);
      }
    }
    try {
      let body = await readFile(file);
      const headers = { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' };
      if (compress && /\bgzip\b/.test(req.headers['accept-encoding'] ?? '')) {
        if (!gzipped.has(file)) gzipped.set(file, gzipSync(body, { level: 9 }));
        body = gzipped.get(file);
        Object.assign(headers, { 'content-encoding': 'gzip', vary: 'accept-encoding' });
      }
      res.writeHead(200, headers);
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
