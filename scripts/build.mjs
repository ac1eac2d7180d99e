#!/usr/bin/env node
// `npm run build`: everything the package ships, from a clean tree (missing Debian packages are
// installed first when run as root; see scripts/install-deps.sh).
//  1. the wasm core with Emscripten (build/wasm/callcore_core.cjs, wasm inlined),
//  2. dist/callcore.js: js/ + the glue bundled into one ES module by esbuild,
//  3. dist/callcore.d.ts: js/callcore.d.ts + enum declarations generated from the C++ dictionary.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const wasmDir = join(root, 'build', 'wasm');
const env = { ...process.env, NODE_PATH: '/usr/share/nodejs' }; // Debian's emcc needs its node modules
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, env, stdio: 'inherit' });

run('bash', [join(root, 'scripts', 'install-deps.sh')]); // Emscripten and the C++ libraries, if missing

run('emcmake', [
  'cmake', '-S', root, '-B', wasmDir, '-DCMAKE_BUILD_TYPE=Release',
  '-DCMAKE_CXX_FLAGS_RELEASE=-Oz -flto -DNDEBUG', '-DCMAKE_EXE_LINKER_FLAGS_RELEASE=-Oz -flto',
  `-DCMAKE_CROSSCOMPILING_EMULATOR=${process.execPath}`,
]);
run('cmake', ['--build', wasmDir, '--target', 'callcore_wasm', '-j2']);

mkdirSync(join(root, 'dist'), { recursive: true });
await build({
  entryPoints: [join(root, 'js', 'index.js')],
  outfile: join(root, 'dist', 'callcore.js'),
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
});

// callcore/react: its own file, importing react and callcore (the same module instance).
await build({
  entryPoints: [join(root, 'js', 'react.js')],
  outfile: join(root, 'dist', 'react.js'),
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  minify: true,
  external: ['react', 'callcore'],
  logLevel: 'warning',
});
writeFileSync(join(root, 'dist', 'react.d.ts'), readFileSync(join(root, 'js', 'react.d.ts'), 'utf8'));

// Enum declarations from the dictionary the wasm module carries.
const { default: createModule } = await import(pathToFileURL(join(wasmDir, 'callcore_core.cjs')).href);
const dictionary = JSON.parse((await createModule()).dictionary());
const unionName = {
  EMIT_TYPE_LIST: 'EmitType', CALL_STATE_LIST: 'CallState', CALL_ERROR_TYPE_LIST: 'CallErrorType',
  EVENT_LIST: 'EventType', SOCKET_MESSAGES_EVENT_LIST: 'SocketMessageType', CONNECTION_EVENT_LIST: 'ConnectionEventType',
};
let generated = '\n// ---- generated from src/callcore/events/event_list.cpp by scripts/build.mjs ----\n';
for (const [group, entries] of Object.entries(dictionary)) {
  const fields = Object.entries(entries).map(([k, v]) => `  readonly ${k}: '${v}';`).join('\n');
  generated += `export declare const ${group}: {\n${fields}\n};\n`;
  generated += `export type ${unionName[group]} = (typeof ${group})[keyof typeof ${group}];\n`;
}
writeFileSync(join(root, 'dist', 'callcore.d.ts'), readFileSync(join(root, 'js', 'callcore.d.ts'), 'utf8') + generated);
console.log('built dist/callcore.js, dist/react.js and their .d.ts');
