#!/usr/bin/env node
// `npm test`: every suite, in order, on a fresh machine too.
//  1. Catch2 unit tests, native, under AddressSanitizer + UndefinedBehaviorSanitizer (ctest)
//  2. the same Catch2 tests compiled to wasm and run by node (ctest)
//  3. node:test tests of the package API and the reference server (tests/node/)
//  4. Playwright e2e calls in Debian Chromium (tests/e2e/)
// Installs missing Debian packages (as root) and npm dependencies, and builds what is needed.
// Options: --only=unit|wasm|node|e2e (repeatable) runs just those suites.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const only = process.argv.filter((a) => a.startsWith('--only=')).map((a) => a.slice(7));
const wanted = (name) => only.length === 0 || only.includes(name);
const env = { ...process.env, NODE_PATH: '/usr/share/nodejs' };

function run(cmd, args, opts = {}) {
  console.log(`\n$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, env, stdio: 'inherit', ...opts });
  return r.status === 0;
}

function must(ok, what) {
  if (!ok) {
    console.error(`callcore test setup failed: ${what}`);
    process.exit(1);
  }
}

must(run('bash', ['scripts/install-deps.sh', ...(wanted('e2e') ? ['--browser'] : [])]), 'Debian packages');
if (!existsSync(join(root, 'node_modules', 'esbuild'))) must(run('npm', ['install', '--no-audit', '--no-fund']), 'npm install');

const results = [];
function suite(name, steps) {
  if (!wanted(name)) return;
  const ok = steps.every((step) => step());
  results.push([name, ok]);
}

const native = join(root, 'build', 'native-asan');
suite('unit', [
  () => run('cmake', ['-S', root, '-B', native, '-DCMAKE_BUILD_TYPE=Debug', '-DCALLCORE_SANITIZE=ON']),
  () => run('cmake', ['--build', native, '-j2']),
  () => run('ctest', ['--test-dir', native, '--output-on-failure']),
]);

const wasm = join(root, 'build', 'wasm');
suite('wasm', [
  () => run('npm', ['run', 'build']), // configures build/wasm and builds the shipped module
  () => run('cmake', ['--build', wasm, '--target', 'unit_tests', '-j2']),
  () => run('ctest', ['--test-dir', wasm, '--output-on-failure']),
]);

if ((wanted('node') || wanted('e2e')) && !wanted('wasm')) must(run('npm', ['run', 'build']), 'npm run build');
suite('node', [() => run(process.execPath, ['--test', '--test-concurrency=1', 'tests/node/'])]);
suite('e2e', [() => run(process.execPath, ['--test', '--test-concurrency=1', 'tests/e2e/'])]);

console.log('\nsuites:');
for (const [name, ok] of results) console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${name}`);
const failed = results.filter(([, ok]) => !ok).length;
console.log(`suites: ${results.length - failed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
