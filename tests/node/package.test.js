// Tests of the shipped package: `import ... from 'callcore'` resolves through package.json
// `exports` in Node (dist/callcore.js reading dist/callcore.wasm beside it), `callcore/inline` is
// one self-sufficient file, a bundler (esbuild) can bundle it for browsers with the wasm copied
// beside the bundle as an asset step would, the wasm loader fetches over HTTP with streaming
// compile and falls back on a wrong content type, `npm pack` ships every export target and
// nothing else, and dist/callcore.d.ts declares every runtime export and types a portal's use of
// the API (tests/types/usage.ts) through both entries.
// Run: node --test tests/node/package.test.js (after npm run build)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const dist = (name) => join(root, 'dist', name);

/** A working client built from a bundle's exports (throws if the wasm core is not usable). */
function exerciseClient(callcore) {
  const client = new callcore.RTCClient({ name: 'a', clientId: 'b', connectionId: 'c', consultationId: 'd', isAudio: true, send() {} });
  assert.equal(client.callState, 'idle');
  client.destroy();
}

test('the package imports by name in Node and waits for the wasm core', async () => {
  const callcore = await import('callcore');
  assert.equal(typeof callcore.RTCDoctor, 'function');
  assert.equal(callcore.EVENT_LIST.ALL, 'allEvent');
  const entries = callcore.logger.entries();
  assert.ok(Array.isArray(entries));
  exerciseClient(callcore);
});

test('callcore/inline: the same API from one file that needs nothing beside it', async (t) => {
  const byName = await import('callcore/inline');
  const main = await import('callcore');
  assert.deepEqual(Object.keys(byName).sort(), Object.keys(main).sort());
  assert.notEqual(byName.RTCClient, main.RTCClient, 'a separate module instance, not a re-export of callcore');
  exerciseClient(byName);

  // Alone in an empty folder: no callcore.wasm to read, so the wasm must come from the file itself.
  const dir = mkdtempSync(join(tmpdir(), 'callcore-inline-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  copyFileSync(dist('callcore.inline.js'), join(dir, 'callcore.inline.mjs'));
  const alone = await import(pathToFileURL(join(dir, 'callcore.inline.mjs')).href);
  assert.equal(alone.EVENT_LIST.HANG_UP, 'hangUpReceiveEvent');
  exerciseClient(alone);
});

test('dist/callcore.js locates the wasm as new URL("./callcore.wasm", import.meta.url) and inlines none', () => {
  const text = readFileSync(dist('callcore.js'), 'utf8');
  assert.match(text, /new URL\("\.\/callcore\.wasm",import\.meta\.url\)/);
  assert.doesNotMatch(text, /[0-9a-f]{2048}/, 'no inlined hex wasm in the split variant');
  assert.doesNotMatch(text, /import\(["']node:/, 'no import of a Node module for browser bundlers to resolve');
  assert.deepEqual(readFileSync(dist('callcore.wasm')).subarray(0, 4), Buffer.from([0, 0x61, 0x73, 0x6d]));
});

test('a bundler bundles it for the browser; the bundle runs with the wasm copied beside it, and says which file is missing without', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'callcore-bundle-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // The entry must live inside the package for `import 'callcore'` to resolve (self-reference).
  const entryDir = join(root, '.tmp', `bundle-entry-${process.pid}`);
  mkdirSync(entryDir, { recursive: true });
  t.after(() => rmSync(entryDir, { recursive: true, force: true }));
  const entry = join(entryDir, 'entry.mjs');
  writeFileSync(entry, "export { RTCClient, EVENT_LIST } from 'callcore';\n");

  const withWasm = join(dir, 'with');
  const without = join(dir, 'without');
  for (const out of [withWasm, without]) {
    await build({ entryPoints: [entry], outfile: join(out, 'app.mjs'), bundle: true, format: 'esm', platform: 'browser', logLevel: 'silent' });
  }
  // esbuild leaves new URL('./callcore.wasm', import.meta.url) as is: copy the asset as a bundler's asset step would.
  copyFileSync(dist('callcore.wasm'), join(withWasm, 'callcore.wasm'));

  const bundled = await import(pathToFileURL(join(withWasm, 'app.mjs')).href);
  assert.equal(bundled.EVENT_LIST.HANG_UP, 'hangUpReceiveEvent');
  exerciseClient(bundled);

  await assert.rejects(import(pathToFileURL(join(without, 'app.mjs')).href), (error) => {
    assert.equal(error.code, 'ENOENT');
    assert.ok(error.message.includes(join(without, 'callcore.wasm')), error.message);
    return true;
  });
});

test('the enums are real TypeScript enums generated from the core dictionary, value for value', async () => {
  const callcore = await import('callcore');
  const dts = readFileSync(join(root, 'dist', 'callcore.d.ts'), 'utf8');
  for (const group of ['EVENT_LIST', 'SOCKET_MESSAGES_EVENT_LIST', 'CONNECTION_EVENT_LIST', 'EMIT_TYPE_LIST', 'CALL_STATE_LIST', 'CALL_ERROR_TYPE_LIST', 'LOG_EVENT_LIST']) {
    const body = new RegExp(`export declare enum ${group} \\{\\n([^}]*)\\}`).exec(dts);
    assert.ok(body, `${group} is declared as an enum`);
    const members = Object.fromEntries([...body[1].matchAll(/^ {2}(\w+) = '([^']*)',$/gm)].map((m) => [m[1], m[2]]));
    assert.deepEqual(members, { ...callcore[group] }, `${group}: the declared members are the runtime object's`);
  }
});

test('the declarations type a portal use of the API, the seed README usage of both pages and the seed API types (tsc --noEmit, strict)', () => {
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const config = JSON.parse(readFileSync(join(root, 'tests', 'types', 'tsconfig.json'), 'utf8'));
  assert.equal(config.compilerOptions.strict, true);
  assert.deepEqual(config.files, ['usage.ts', 'seed-api.ts', 'seed/portal.ts', 'seed/doctor.ts', 'seed/client.ts', 'room.ts', 'sip.ts']);
  const run = () => execFileSync(process.execPath, [tsc, '-p', join(root, 'tests', 'types', 'tsconfig.json')], { cwd: root, stdio: 'pipe' });
  try {
    run();
  } catch (error) {
    assert.fail(`tsc reported errors:\n${error.stdout}${error.stderr}`);
  }
});

test('the seed snippets differ from the seed README only where allowed (import path, placeholders, the two slips)', () => {
  const seed = readFileSync(join(root, 'tests', 'types', 'seed', 'readme-snippets.md'), 'utf8');
  const blocks = [...seed.matchAll(/```typescript\n([\s\S]*?)```/g)].map((m) => m[1]);
  for (const [file, block] of [['doctor.ts', blocks[0]], ['client.ts', blocks[1]]]) {
    const text = readFileSync(join(root, 'tests', 'types', 'seed', file), 'utf8');
    const snippet = /---- BEGIN seed README snippet[^\n]*\n([\s\S]*?)\n\/\/ ---- END seed README snippet/.exec(text)[1];
    // The seed's lines, with the allowed edits applied; each `...` placeholder matches any code.
    const expected = block.trim()
      .replace("from '@frontend/budu-webrtc'", "from 'callcore'")
      .replace('catch (error: CallError) {', 'catch (error) {\n    if (!(error instanceof CallError)) throw error;')
      .replace('switch (err.type)', 'switch (error.type)');
    const pattern = expected.split(/\.\.\.(?!Или)/).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[^\\n]+');
    assert.match(snippet.trim(), new RegExp(`^${pattern}$`), `${file}: the snippet is the seed's, edited only as allowed`);
  }
});

// A valid wasm binary exporting answer() → 42: type () → i32, one function, its export, its body.
const ANSWER_WASM = Buffer.from([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f,
  0x03, 0x02, 0x01, 0x00,
  0x07, 0x0a, 0x01, 0x06, 0x61, 0x6e, 0x73, 0x77, 0x65, 0x72, 0x00, 0x00,
  0x0a, 0x06, 0x01, 0x04, 0x00, 0x41, 0x2a, 0x0b,
]);

test('the wasm loader over HTTP: streaming compile with application/wasm, whole-body fallback otherwise, clear errors', async (t) => {
  // path → [status, content-type, body]
  const routes = {
    '/good.wasm': [200, 'application/wasm', ANSWER_WASM],
    '/octet.wasm': [200, 'application/octet-stream', ANSWER_WASM],
    '/html.wasm': [200, 'text/html; charset=utf-8', Buffer.from('<!doctype html><title>app</title>')],
    '/missing.wasm': [404, 'text/plain', Buffer.from('not found')],
  };
  const server = createServer((req, res) => {
    const [status, type, body] = routes[req.url];
    res.writeHead(status, { 'content-type': type }).end(body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const base = `http://127.0.0.1:${server.address().port}`;

  const { instantiateWasm } = await import(pathToFileURL(join(root, 'js', 'wasm-url.js')).href);
  const streaming = WebAssembly.instantiateStreaming;
  const warn = console.warn;
  let streamed = 0;
  const warnings = [];
  WebAssembly.instantiateStreaming = (...args) => { streamed++; return streaming.apply(WebAssembly, args); };
  console.warn = (message) => warnings.push(String(message));
  t.after(() => { WebAssembly.instantiateStreaming = streaming; console.warn = warn; });

  const good = await instantiateWasm({}, new URL(`${base}/good.wasm`));
  assert.equal(good.instance.exports.answer(), 42);
  assert.equal(streamed, 1, 'application/wasm is compiled while streaming');
  assert.deepEqual(warnings, []);

  const octet = await instantiateWasm({}, new URL(`${base}/octet.wasm`));
  assert.equal(octet.instance.exports.answer(), 42);
  assert.equal(streamed, 1, 'a wrong content type does not go through instantiateStreaming');
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /octet\.wasm was served as "application\/octet-stream", not application\/wasm/);

  await assert.rejects(instantiateWasm({}, new URL(`${base}/html.wasm`)),
    /html\.wasm is not a wasm binary \(33 bytes starting with "<!do", content-type text\/html\).*optimizeDeps.*callcore\/inline/);
  await assert.rejects(instantiateWasm({}, new URL(`${base}/missing.wasm`)), /missing\.wasm failed: HTTP 404 Not Found/);
});

test('npm pack ships LICENSE, README, every export target and bin (with the replay tool it runs), and nothing else', () => {
  const [packed] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' }));
  const files = new Set(packed.files.map((f) => f.path));
  for (const must of ['LICENSE', 'README.md', 'package.json']) assert.ok(files.has(must), `${must} is packed`);
  const targets = new Set();
  for (const target of Object.values(pkg.exports)) {
    for (const path of typeof target === 'string' ? [target] : Object.values(target)) targets.add(path.replace(/^\.\//, ''));
  }
  // `npx callcore replay` (docs/debugging.md): the bin and the wasm tool it runs.
  for (const path of Object.values(pkg.bin)) targets.add(path.replace(/^\.\//, ''));
  targets.add('dist/callcore-replay.cjs');
  assert.ok(readFileSync(join(root, pkg.bin.callcore), 'utf8').includes('../dist/callcore-replay.cjs'), 'the bin runs the packed tool');
  for (const path of targets) assert.ok(files.has(path), `export target ${path} is packed`);
  assert.deepEqual([...files].filter((f) => !targets.has(f) && !['LICENSE', 'README.md'].includes(f)), []);
  assert.match(readFileSync(join(root, 'LICENSE'), 'utf8'), /^MIT License\n\nCopyright \(c\) \d{4} callcore authors\n/);
  assert.equal(pkg.scripts.prepack, 'node scripts/build.mjs');
  assert.match(pkg.repository.url, /^git\+https:\/\/github\.com\/[\w-]+\/[\w-]+\.git$/);
});

test('callcore/room: VideoCallClient from its own bundle and wasm; dist/room.d.ts declares every export', async () => {
  const room = await import('callcore/room');
  const inline = await import('callcore/room/inline');
  assert.deepEqual(Object.keys(inline).sort(), Object.keys(room).sort());
  for (const mod of [room, inline]) {
    const client = new mod.VideoCallClient({ signalingUrl: 'ws://127.0.0.1:1/' });
    assert.equal(client.connectionStatus, 'disconnected');
    assert.equal(mod.EVENT_LIST.PARTICIPANT_JOINED, 'participantJoined');
    // Options the core refuses reject joinCall with its CallError 'params'.
    await assert.rejects(client.joinCall(0, '1', 'a'), (e) => e instanceof mod.CallError && e.type === 'params' && /room/.test(e.description));
    await assert.rejects(client.joinCall(4242, 'user-456', 'a'), (e) => e.type === 'params' && /id must be/.test(e.description));
    assert.throws(() => new mod.VideoCallClient(null), (e) => e.type === 'params');
    // enableVideo before joinCall is handed to the join; leaveCall settles the pending join.
    await client.enableVideo(false);
    const joined = client.joinCall(4242, '1', 'a');
    joined.catch(() => {});
    assert.equal(client.videoEnabled, false);
    assert.equal(client.audioEnabled, true);
    await client.leaveCall();
    await assert.rejects(joined, (e) => e instanceof mod.CallError);
    assert.equal(client.connectionStatus, 'disconnected');
  }
  assert.match(readFileSync(dist('room.js'), 'utf8'), /new URL\("\.\/room\.wasm",import\.meta\.url\)/);
  const dts = readFileSync(dist('room.d.ts'), 'utf8');
  const declared = new Set([...dts.matchAll(/export declare (?:const|class|function|enum) (\w+)/g)].map((m) => m[1]));
  for (const m of dts.matchAll(/^export \{([^}]*)\} from/gm)) for (const n of m[1].split(',')) declared.add(n.trim());
  assert.deepEqual(Object.keys(room).filter((key) => !declared.has(key)), []);
});

test('callcore/sip: SipConnector from its own bundle and wasm; dist/sip.d.ts declares every export', async () => {
  const sip = await import('callcore/sip');
  const inline = await import('callcore/sip/inline');
  assert.deepEqual(Object.keys(inline).sort(), Object.keys(sip).sort());
  for (const mod of [sip, inline]) {
    const connector = new mod.SipConnector();
    assert.equal(connector.isRegistered, false);
    assert.equal(connector.isConfigured(), false);
    assert.equal(mod.EVENT_LIST.SIP_REGISTERED, 'connection:registered');
    assert.equal(mod.EVENT_LIST.SIP_INCOMING_RINGING, 'incoming-call:ringing');
    // Parameters the core refuses reject connect() with its CallError 'params'.
    await assert.rejects(connector.connect({ sipServerIp: '127.0.0.1', user: 'a', password: 'p' }),
      (e) => e instanceof mod.CallError && e.type === 'params' && /sipServerUrl/.test(e.description));
    await assert.rejects(connector.connect({ sipServerUrl: 'ws://127.0.0.1:1/', sipServerIp: '127.0.0.1', password: 'p' }),
      (e) => e.type === 'params' && /user/.test(e.description));
    await assert.rejects(connector.connect({ sipServerUrl: 'ws://127.0.0.1:1/', sipServerIp: '127.0.0.1', user: 'a', extraHeaders: ['X-A: 1\r\nVia: x'] }),
      (e) => e.type === 'params' && /CR or LF/.test(e.description));
    // Requests before connect() are refused with 'state'; hangUp() has nothing to end.
    await assert.rejects(connector.call({ number: '100' }), (e) => e.type === 'state');
    await assert.rejects(connector.declineToIncomingCall(), (e) => e.type === 'state');
    await connector.hangUp();
    assert.deepEqual(connector.getRemoteStreams(), { mainStream: undefined, contentedStream: undefined });
    // disconnect() settles a pending connect() (no server listens on port 1 anyway).
    const connecting = connector.connect({ sipServerUrl: 'ws://127.0.0.1:1/', sipServerIp: '127.0.0.1', user: 'a', password: 'p' });
    connecting.catch(() => {});
    const facade = new mod.SipConnectorFacade(connector);
    assert.equal(facade.isRegistered, false);
    await facade.disconnectFromServer();
    await assert.rejects(connecting, (e) => e instanceof mod.CallError);
    assert.equal(connector.isConfigured(), false);
  }
  // The flight recorder keeps connect()'s parameters with the password redacted (logger.export()).
  const secret = new sip.SipConnector();
  await assert.rejects(secret.connect({ sipServerUrl: 'ws://127.0.0.1:1/', sipServerIp: '127.0.0.1', user: 'a', password: 'S3cret-Passw0rd' }));
  await secret.disconnect();
  const exported = sip.logger.export(); // JSON text
  assert.ok(JSON.parse(exported).recording.sessions.some((r) => r.kind === 'sip' && r.params.password === '[redacted]'));
  assert.ok(!exported.includes('S3cret-Passw0rd'), 'the password never reaches the export');
  assert.match(readFileSync(dist('sip.js'), 'utf8'), /new URL\("\.\/sip\.wasm",import\.meta\.url\)/);
  const dts = readFileSync(dist('sip.d.ts'), 'utf8');
  const declared = new Set([...dts.matchAll(/export declare (?:const|class|function|enum) (\w+)/g)].map((m) => m[1]));
  for (const m of dts.matchAll(/^export \{([^}]*)\} from/gm)) for (const n of m[1].split(',')) declared.add(n.trim().replace(/^type /, ''));
  assert.deepEqual(Object.keys(sip).filter((key) => !declared.has(key)), []);
});

test('each product page downloads only its own code: consultation, room and SIP (esbuild metafiles)', () => {
  const inputs = (name) => Object.keys(JSON.parse(readFileSync(join(root, 'build', `${name}.meta.json`), 'utf8')).inputs);
  const consultation = inputs('callcore');
  const room = inputs('room');
  const sip = inputs('sip');
  assert.deepEqual(consultation.filter((f) => f.includes('js/room/') || f.includes('callcore_room') || f.includes('js/sip/') || f.includes('callcore_sip')), []);
  assert.ok(room.some((f) => f.endsWith('build/wasm/callcore_room.cjs')));
  assert.deepEqual(room.filter((f) => f.includes('js/consultation/') || f.includes('callcore_core.cjs') || f === 'js/core.js' || f.includes('js/sip/') || f.includes('callcore_sip')), []);
  assert.ok(sip.some((f) => f.endsWith('build/wasm/callcore_sip.cjs')));
  assert.deepEqual(sip.filter((f) => f.includes('js/consultation/') || f.includes('callcore_core.cjs') || f === 'js/core.js' || f.includes('js/room/') || f.includes('callcore_room')), []);
  assert.notDeepEqual(readFileSync(dist('room.wasm')), readFileSync(dist('callcore.wasm')));
  assert.notDeepEqual(readFileSync(dist('sip.wasm')), readFileSync(dist('callcore.wasm')));
  assert.notDeepEqual(readFileSync(dist('sip.wasm')), readFileSync(dist('room.wasm')));
});

test('dist/callcore.d.ts declares every runtime export (of callcore and callcore/inline)', async () => {
  const dts = readFileSync(dist('callcore.d.ts'), 'utf8');
  const declared = new Set([...dts.matchAll(/export declare (?:const|class|function|enum) (\w+)/g)].map((m) => m[1]));
  for (const name of ['callcore', 'callcore/inline']) {
    const callcore = await import(name);
    assert.deepEqual(Object.keys(callcore).filter((key) => !declared.has(key)), [], name);
  }
  assert.equal(pkg.exports['./inline'].types, pkg.exports['.'].types);
});

test('the declarations type a portal use of the API (tsc --noEmit), also through callcore/inline', (t) => {
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  execFileSync(process.execPath, [tsc, '-p', join(root, 'tests', 'types', 'tsconfig.json')], { cwd: root, stdio: 'pipe' });

  const dir = join(root, '.tmp', `types-inline-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const config = JSON.parse(readFileSync(join(root, 'tests', 'types', 'tsconfig.json'), 'utf8'));
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ ...config, files: ['inline.ts'] }));
  writeFileSync(join(dir, 'inline.ts'), [
    "import { EVENT_LIST, RTCClient, type CallState } from 'callcore/inline';",
    "const hangUp: 'hangUpReceiveEvent' = EVENT_LIST.HANG_UP;",
    "const client = new RTCClient({ name: 'a', clientId: 'b', connectionId: 'c', consultationId: 'd', isAudio: true, send: () => {} });",
    'const state: CallState = client.callState;',
    '// @ts-expect-error: RTCParams needs a consultationId',
    "new RTCClient({ name: 'a', clientId: 'b', connectionId: 'c', isAudio: true });",
    'console.log(hangUp, state);',
    '',
  ].join('\n'));
  execFileSync(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json')], { cwd: root, stdio: 'pipe' });
});
