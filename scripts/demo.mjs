#!/usr/bin/env node
// `npm run demo [-- --port N]`: everything from a fresh clone to a running demo.
//   1. scripts/install-deps.sh (system packages) if present; stop on failure
//   2. npm install if node_modules/ is missing (or lacks a package the server or the pages load)
//   3. npm run build if dist/callcore.js is missing or older than src/, bindings/, js/, CMakeLists.txt
//   4. start the signaling + static server (demo/server.js) with join tokens (a random secret; the
//      pages fetch their tokens from its /demo-token endpoint) and print the page URLs
// Port: --port N, else PORT, else 8080; a busy port falls back to a free one.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync, readdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const at = (...p) => path.join(ROOT, ...p);

function run(cmd, args) {
  console.log(`\n> ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit' });
  if (r.error) {
    console.error(`demo: cannot run ${cmd}: ${r.error.message}`);
    process.exit(1);
  }
  if (r.status !== 0) {
    console.error(`demo: ${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
    process.exit(r.status || 1);
  }
}

/** Newest modification time (ms) of a file, or of any file below a folder; 0 if absent. */
function newestMtime(p) {
  if (!existsSync(p)) return 0;
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, entry)));
  return newest;
}

const { values } = parseArgs({ options: { port: { type: 'string' }, host: { type: 'string' } } });
const portText = values.port ?? process.env.PORT ?? '8080';
if (!/^\d+$/.test(portText) || Number(portText) > 65535) {
  console.error(`demo: invalid port ${portText}`);
  process.exit(2);
}
const host = values.host ?? '127.0.0.1';

// 1. system packages
if (existsSync(at('scripts/install-deps.sh'))) run('bash', ['scripts/install-deps.sh']);

// 2. node packages
// (uplot: the diagnostics charts of the pages, served from node_modules/uplot/dist/)
if (!['jose', 'ws', 'uplot'].every((name) => existsSync(at('node_modules', name, 'package.json')))) run('npm', ['install']);

// 3. the SDK bundle
const bundle = at('dist/callcore.js');
const sources = Math.max(...['src', 'bindings', 'js', 'CMakeLists.txt'].map((p) => newestMtime(at(p))));
if (!existsSync(bundle)) {
  console.log('demo: dist/callcore.js is missing; building it');
  run('npm', ['run', 'build']);
} else if (statSync(bundle).mtimeMs < sources) {
  console.log('demo: dist/callcore.js is older than the sources; rebuilding it');
  run('npm', ['run', 'build']);
}

// 4. the server (imported only now: it needs `ws` and `jose` from node_modules), checking join
// tokens signed with a secret made now; the pages get theirs from its /demo-token endpoint.
const { startServer } = await import('../demo/server.js');
const options = { host, auth: { secret: randomBytes(32).toString('base64url') }, demoTokens: true };
let server;
try {
  server = await startServer({ ...options, port: Number(portText) });
} catch (err) {
  if (err.code !== 'EADDRINUSE') throw err;
  console.log(`demo: port ${portText} is busy; using a free port`);
  server = await startServer({ ...options, port: 0 });
}

const c = `demo-${randomBytes(3).toString('hex')}`;
console.log(`
callcore signaling server: ${server.wsUrl}
doctor page: ${server.httpUrl}/demo/doctor.html?c=${c}
client page: ${server.httpUrl}/demo/client.html?c=${c}

Open both pages, press Call on the doctor page and Answer on the client page.
(Ctrl-C to stop.)`);

const stop = async () => {
  console.log('\ndemo: stopping');
  await server.close();
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
