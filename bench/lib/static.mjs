// A tiny static server for the benchmark pages (the reference server's routes stay untouched):
// /bench/pages/* (bench/pages), /dist/* (dist), /simplepeer.min.js (npm simple-peer's browser
// bundle). Every response is `cache-control: no-store`, so each page load fetches again.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { ROOT } from './size.mjs';

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.wasm': 'application/wasm' };
const ROUTES = [
  ['/bench/pages/', join(ROOT, 'bench', 'pages')],
  ['/dist/', join(ROOT, 'dist')],
];
const FILES = { '/simplepeer.min.js': join(ROOT, 'node_modules', 'simple-peer', 'simplepeer.min.js') };

/** @returns {Promise<{url: string, close: () => Promise<void>}>} listening on 127.0.0.1, port 0 */
export async function startStaticServer() {
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
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
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
