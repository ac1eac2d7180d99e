#!/usr/bin/env node
// `npm test`: every suite, in order, on a fresh machine too.
//  1. Catch2 unit tests, native, under AddressSanitizer + UndefinedBehaviorSanitizer (ctest)
//  2. libFuzzer targets (tests/fuzz/, clang): each runs for a few seconds on a copy of its seed
//     corpus; any crash, sanitizer report or broken invariant fails the suite
//  3. the same Catch2 tests compiled to wasm and run by node (ctest)
//  4. node:test tests of the package API and the reference server (tests/node/)
//  5. node:test attacks on the reference server over real sockets (tests/security/, < 1 min)
//     and its scale-out: processes sharing consultations through a redis-server of the suite's own,
//     one killed mid-exchange (tests/scale/, ~20 s)
//  6. e2e calls in Debian Chromium (Playwright) and, for cross-browser calls, Firefox ESR (puppeteer-core) (tests/e2e/)
// Installs missing Debian packages (as root) and npm dependencies, and builds what is needed.
// Options: --only=unit|fuzz|wasm|node|security|scale|e2e (repeatable) runs just those suites.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
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
if (['esbuild', 'jose', 'ioredis'].some((p) => !existsSync(join(root, 'node_modules', p)))) must(run('npm', ['install', '--no-audit', '--no-fund']), 'npm install');

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

// Short fuzzing runs (docs/reliability.md has the long run): seconds per target, a fresh copy of
// the seed corpus each time so the committed corpus only changes on purpose.
const fuzzBuild = join(root, 'build', 'fuzz');
const fuzzTargets = ['fuzz_vcm_decode', 'fuzz_input_decode', 'fuzz_session', 'fuzz_janus_decode', 'fuzz_room_session',
  'fuzz_sip_parse', 'fuzz_sip_digest', 'fuzz_sip_ua'];
// The JSON targets share json.dict; the SIP ones use sip.dict (RFC 3261 / RFC 7616 tokens).
const fuzzDict = (target) => join(root, 'tests', 'fuzz', target.startsWith('fuzz_sip_') ? 'sip.dict' : 'json.dict');
const fuzzSeconds = 10;
function fuzzRun(target) {
  const work = join(fuzzBuild, 'run', target);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(join(work, 'artifacts'), { recursive: true });
  cpSync(join(root, 'tests', 'fuzz', 'corpus', target), join(work, 'corpus'), { recursive: true });
  const ok = run(join(fuzzBuild, target), [
    join(work, 'corpus'), `-dict=${fuzzDict(target)}`,
    `-max_total_time=${fuzzSeconds}`, '-rss_limit_mb=2048', '-timeout=10',
    `-artifact_prefix=${join(work, 'artifacts')}/`, '-print_final_stats=1',
  ], { env: { ...env, UBSAN_OPTIONS: 'print_stacktrace=1' } });
  if (!ok) console.error(`${target} failed: the input is in ${join(work, 'artifacts')}/ (docs/reliability.md: reproducing)`);
  return ok;
}
suite('fuzz', [
  () => run('cmake', ['-S', root, '-B', fuzzBuild, '-DCALLCORE_FUZZ=ON', '-DCALLCORE_TESTS=OFF'],
    { env: { ...env, CXX: 'clang++' } }),
  () => run('cmake', ['--build', fuzzBuild, '-j2', '--target', ...fuzzTargets]),
  () => fuzzTargets.map(fuzzRun).every(Boolean), // every target runs, even after a failure
]);

const wasm = join(root, 'build', 'wasm');
suite('wasm', [
  () => run('npm', ['run', 'build']), // configures build/wasm and builds the shipped module
  () => run('cmake', ['--build', wasm, '--target', 'unit_tests', '-j2']),
  () => run('ctest', ['--test-dir', wasm, '--output-on-failure']),
]);

if ((wanted('node') || wanted('scale') || wanted('e2e')) && !wanted('wasm')) must(run('npm', ['run', 'build']), 'npm run build');
suite('node', [() => run(process.execPath, ['--test', '--test-concurrency=1', 'tests/node/'])]);
suite('security', [() => run(process.execPath, ['--test', '--test-concurrency=1', 'tests/security/'])]);
suite('scale', [() => run(process.execPath, ['--test', '--test-concurrency=1', 'tests/scale/'])]);
suite('e2e', [() => run(process.execPath, ['--test', '--test-concurrency=1', 'tests/e2e/'])]);

console.log('\nsuites:');
for (const [name, ok] of results) console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${name}`);
const failed = results.filter(([, ok]) => !ok).length;
console.log(`suites: ${results.length - failed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
