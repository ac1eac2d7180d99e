// Core throughput (issue 5, item 2): the same recorded call (bench/core_throughput.cpp --dump)
// replayed natively and through the shipped wasm module under Node, plus the cost of crossing
// the JS⇄wasm boundary. Run: npm run bench -- throughput   (or node bench/throughput.mjs)
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ROOT } from './lib/size.mjs';

const require = createRequire(import.meta.url);
const NATIVE_DIR = join(ROOT, 'build', 'bench-native');
const INPUTS = join(ROOT, 'build', 'bench', 'call-inputs.json');

/** Builds bench/core_throughput.cpp natively (Release, -O3 by CMake's default flags). */
export function buildNative() {
  const quiet = { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] };
  execFileSync('cmake', ['-S', ROOT, '-B', NATIVE_DIR, '-DCMAKE_BUILD_TYPE=Release', '-DCALLCORE_BENCH=ON', '-DCALLCORE_TESTS=OFF'], quiet);
  execFileSync('cmake', ['--build', NATIVE_DIR, '--target', 'core_throughput', '-j2'], quiet);
}

function runNative(iterations) {
  mkdirSync(join(ROOT, 'build', 'bench'), { recursive: true });
  const out = execFileSync(join(NATIVE_DIR, 'core_throughput'), ['--iterations', String(iterations), '--dump', INPUTS], { encoding: 'utf8' });
  return JSON.parse(out);
}

/** The shipped module (build/wasm, same flags as dist/) with the bound Consultation session. */
async function loadWasm() {
  const createModule = require(join(ROOT, 'build', 'wasm', 'callcore_core.cjs'));
  return createModule({ wasmBinary: readFileSync(join(ROOT, 'build', 'wasm', 'callcore_core.wasm')) });
}

const perInput = (ns, count) => ({ inputs: count, seconds: ns / 1e9, inputsPerSecond: count / (ns / 1e9), nsPerInput: ns / count });

/**
 * Replays the call `iterations` times through wasm. `shellJson`: also JSON.stringify each input
 * object and JSON.parse the effects, as js/shell/loop.js does around every handle().
 */
function replayWasm(core, call, iterations, shellJson) {
  const doctorParams = JSON.stringify(call.doctorParams);
  const clientParams = JSON.stringify(call.clientParams);
  const steps = call.inputs.map(({ side, input }) => ({ side: side === 'doctor' ? 0 : 1, input, text: JSON.stringify(input) }));
  let outputs = 0;
  const start = process.hrtime.bigint();
  for (let it = 0; it < iterations; it++) {
    let now = 1000;
    const sides = [new core.Consultation('doctor', doctorParams, now), new core.Consultation('client', clientParams, now)];
    sides[0].drain(now);
    sides[1].drain(now);
    for (const step of steps) {
      now += 1;
      const result = sides[step.side].handle(shellJson ? JSON.stringify(step.input) : step.text, now);
      if (shellJson) outputs += JSON.parse(result).length;
      else outputs += result.length > 2 ? 1 : 0;
    }
    sides[0].delete();
    sides[1].delete();
  }
  const ns = Number(process.hrtime.bigint() - start);
  return { ...perInput(ns, iterations * steps.length), ...(shellJson ? { outputs } : {}) };
}

function timeCalls(count, fn) {
  for (let i = 0; i < Math.min(count, 10000); i++) fn(i); // warm-up
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) fn(i);
  return perInput(Number(process.hrtime.bigint() - start), count);
}

/** The recorded call ({doctorParams, clientParams, inputs}), from the native bench's --dump. */
export function recordCall() {
  buildNative();
  runNative(1);
  return JSON.parse(readFileSync(INPUTS, 'utf8'));
}

// One process: instantiate the module, replay the call twice; prints [first ms, second ms].
const COLD_SCRIPT = `
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
const [cjs, wasm, inputs] = process.argv.slice(1);
const core = await createRequire(import.meta.url)(cjs)({ wasmBinary: readFileSync(wasm) });
const call = JSON.parse(readFileSync(inputs, 'utf8'));
const steps = call.inputs.map(({ side, input }) => ({ side: side === 'doctor' ? 0 : 1, text: JSON.stringify(input) }));
const once = () => {
  const t = performance.now();
  let now = 1000;
  const s = [new core.Consultation('doctor', JSON.stringify(call.doctorParams), now), new core.Consultation('client', JSON.stringify(call.clientParams), now)];
  s[0].drain(0); s[1].drain(0);
  for (const st of steps) s[st.side].handle(st.text, ++now);
  s[0].delete(); s[1].delete();
  return performance.now() - t;
};
console.log(JSON.stringify([once(), once()]));
`;

/** The first and second whole call through a freshly instantiated module (cold code), `runs` processes. */
function coldCalls(runs) {
  const first = [];
  const second = [];
  for (let i = 0; i < runs; i++) {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', COLD_SCRIPT,
      join(ROOT, 'build', 'wasm', 'callcore_core.cjs'), join(ROOT, 'build', 'wasm', 'callcore_core.wasm'), INPUTS], { encoding: 'utf8' });
    const [a, b] = JSON.parse(out);
    first.push(a);
    second.push(b);
  }
  const median = (xs) => [...xs].sort((x, y) => x - y)[Math.ceil(xs.length / 2) - 1];
  return { runs, firstCallMs: median(first), secondCallMs: median(second) };
}

/** Runs everything; returns the figures (and prints nothing). */
export async function throughput({ iterations = 2000 } = {}) {
  buildNative();
  const native = runNative(iterations);
  const call = JSON.parse(readFileSync(INPUTS, 'utf8'));
  const core = await loadWasm();
  replayWasm(core, call, Math.ceil(iterations / 10), false); // warm-up (tier-up of the wasm code)
  const wasm = replayWasm(core, call, iterations, false);
  const wasmShell = replayWasm(core, call, iterations, true);
  const noopSession = new core.Consultation('doctor', JSON.stringify(call.doctorParams), 0);
  noopSession.drain(0);
  const noopText = '{"kind":"timeout"}'; // no timer is due: the cheapest input
  const count = iterations * call.inputs.length;
  const wasmNoop = timeCalls(count, (i) => noopSession.handle(noopText, i));
  noopSession.delete();
  core.loggerClear();
  const emptyCall = timeCalls(count, () => core.loggerClear());
  const cold = coldCalls(10);
  return { inputsPerCall: call.inputs.length, iterations, native, wasm, wasmShell, wasmNoop, emptyCall, cold };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await throughput(), null, 1));
}
