// Tests of the shipped package: `import ... from 'callcore'` resolves through package.json
// `exports` in Node, a bundler (esbuild) can bundle it for browsers, and dist/callcore.d.ts
// declares every runtime export and types a portal's use of the API (tests/types/usage.ts).
// Run: node --test tests/node/package.test.js (after npm run build)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

test('the package imports by name in Node and waits for the wasm core', async () => {
  const callcore = await import('callcore');
  assert.equal(typeof callcore.RTCDoctor, 'function');
  assert.equal(callcore.EVENT_LIST.ALL, 'allEvent');
  const entries = callcore.logger.entries();
  assert.ok(Array.isArray(entries));
});

test('a bundler bundles it for the browser, and the bundle runs', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'callcore-bundle-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const entry = join(root, 'tests', 'types', 'bundle-entry.mjs');
  writeFileSync(entry, "export { RTCClient, EVENT_LIST } from 'callcore';\n");
  t.after(() => rmSync(entry, { force: true }));
  const outfile = join(dir, 'app.mjs');
  await build({ entryPoints: [entry], outfile, bundle: true, format: 'esm', platform: 'browser', logLevel: 'silent' });
  const bundled = await import(pathToFileURL(outfile).href);
  assert.equal(bundled.EVENT_LIST.HANG_UP, 'hangUpReceiveEvent');
  const client = new bundled.RTCClient({ name: 'a', clientId: 'b', connectionId: 'c', consultationId: 'd', isAudio: true, send() {} });
  assert.equal(client.callState, 'idle');
  client.destroy();
});

test('dist/callcore.d.ts declares every runtime export', async () => {
  const callcore = await import('callcore');
  const dts = readFileSync(join(root, 'dist', 'callcore.d.ts'), 'utf8');
  const declared = new Set([...dts.matchAll(/export declare (?:const|class|function) (\w+)/g)].map((m) => m[1]));
  assert.deepEqual(Object.keys(callcore).filter((name) => !declared.has(name)), []);
});

test('the declarations type a portal use of the API (tsc --noEmit)', () => {
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  execFileSync(process.execPath, [tsc, '-p', join(root, 'tests', 'types', 'tsconfig.json')], { cwd: root, stdio: 'pipe' });
});
