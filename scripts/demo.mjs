#!/usr/bin/env node
// `npm run demo [-- --port N]`: everything from a fresh clone to a running demo.
//   1. scripts/install-deps.sh (system packages) if present; stop on failure
//   2. npm install if node_modules/ is missing (or lacks a package the server or the pages load)
//   3. npm run build if dist/callcore.js is missing or older than src/, bindings/, js/, CMakeLists.txt
//   4. for the room page (demo/room.html): start Janus in a network namespace when it is installed
//      and this runs as root (scripts/demo-janus.mjs), else say how to get it (the page says it too)
//   5. start the signaling + static server (demo/server.js) with join tokens (a random secret; the
//      pages fetch their tokens from its /demo-token endpoint; the room page its Janus from
//      /demo-room) and print the page URLs
// Port: --port N, else PORT, else 8080; a busy port falls back to a free one.
// Room: --janus-url ws://HOST:PORT/ (or JANUS_URL) uses a Janus of your own instead, with
// --janus-room ID (default 4242).
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

const { values } = parseArgs({
  options: { port: { type: 'string' }, host: { type: 'string' }, 'janus-url': { type: 'string' }, 'janus-room': { type: 'string' } },
});
const portText = values.port ?? process.env.PORT ?? '8080';
if (!/^\d+$/.test(portText) || Number(portText) > 65535) {
  console.error(`demo: invalid port ${portText}`);
  process.exit(2);
}
const host = values.host ?? '127.0.0.1';
const janusRoomText = values['janus-room'] ?? '4242';
if (!/^[1-9]\d{0,15}$/.test(janusRoomText)) {
  console.error(`demo: invalid --janus-room ${janusRoomText}`);
  process.exit(2);
}

// 1. system packages
if (existsSync(at('scripts/install-deps.sh'))) run('bash', ['scripts/install-deps.sh']);

// 2. node packages
// (uplot: the diagnostics charts of the pages, served from node_modules/uplot/dist/)
if (!['jose', 'ws', 'uplot'].every((name) => existsSync(at('node_modules', name, 'package.json')))) run('npm', ['install']);

// 3. the SDK bundle
const bundle = at('dist/callcore.js');
const sources = Math.max(...['src', 'bindings', 'js', 'CMakeLists.txt'].map((p) => newestMtime(at(p))));
if (!existsSync(bundle) || !existsSync(at('dist/room.js'))) {
  console.log('demo: dist/callcore.js or dist/room.js is missing; building them');
  run('npm', ['run', 'build']);
} else if (statSync(bundle).mtimeMs < sources) {
  console.log('demo: dist/callcore.js is older than the sources; rebuilding it');
  run('npm', ['run', 'build']);
}

// 4. Janus for the room page: started in a namespace (root, janus installed), or the user's own,
// or a message saying how to get one (printed below and shown by the room page).
const { startDemoJanus } = await import('./demo-janus.mjs');
const janus = await startDemoJanus({ janusUrl: values['janus-url'] ?? process.env.JANUS_URL, room: Number(janusRoomText) });

// 5. the server (imported only now: it needs `ws` and `jose` from node_modules), checking join
// tokens signed with a secret made now; the pages get theirs from its /demo-token endpoint.
const { startServer } = await import('../demo/server.js');
const options = { host, auth: { secret: randomBytes(32).toString('base64url') }, demoTokens: true, demoRoom: janus.settings };
let server;
try {
  server = await startServer({ ...options, port: Number(portText) });
} catch (err) {
  if (err.code !== 'EADDRINUSE') {
    await janus.stop();
    throw err;
  }
  console.log(`demo: port ${portText} is busy; using a free port`);
  server = await startServer({ ...options, port: 0 });
}

const c = `demo-${randomBytes(3).toString('hex')}`;
console.log(`
callcore signaling server: ${server.wsUrl}
doctor page: ${server.httpUrl}/demo/doctor.html?c=${c}
client page: ${server.httpUrl}/demo/client.html?c=${c}

Open both pages, press Call on the doctor page and Answer on the client page.

room page:   ${server.httpUrl}/demo/room.html
${janus.settings.unavailable
    ? `  (no Janus: ${janus.settings.unavailable})`
    : `  Janus VideoRoom ${janus.settings.janusUrl} room ${janus.settings.room}${janus.settings.started ? ' (started in a network namespace; stopped with the demo)' : ''}
  Open it in two or more tabs, enter a name and press Join.${janus.settings.started ? '\n  (from a browser on this machine: Janus listens on the namespace\'s address)' : ''}`}
(Ctrl-C to stop.)`);

const stop = async () => {
  console.log('\ndemo: stopping');
  await janus.stop();
  await server.close();
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
