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
  const declared = new Set([...dts.matchAll(/export declare (?:const|class|function|enum) (\w+)/g)].map((m) => m[1]));
  assert.deepEqual(Object.keys(callcore).filter((name) => !declared.has(name)), []);
});

test('the enums are real TypeScript enums generated from the core dictionary, value for value', async () => {
  const callcore = await import('callcore');
  const dts = readFileSync(join(root, 'dist', 'callcore.d.ts'), 'utf8');
  for (const group of ['EVENT_LIST', 'SOCKET_MESSAGES_EVENT_LIST', 'CONNECTION_EVENT_LIST', 'EMIT_TYPE_LIST', 'CALL_STATE_LIST', 'CALL_ERROR_TYPE_LIST']) {
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
  assert.deepEqual(config.files, ['usage.ts', 'seed-api.ts', 'seed/portal.ts', 'seed/doctor.ts', 'seed/client.ts']);
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
