// Size before/after (issue 5, item 4): builds the shipped wasm module step by step, each step
// adding one size measure to the previous ones, in build/size-variants/<step>, and measures the
// wasm binary and what inlining it costs (base64 as Emscripten's SINGLE_FILE did, hex as
// scripts/build.mjs does now). Slow (one emcc LTO build per step). Run: npm run bench -- size-variants
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, sizes } from './lib/size.mjs';

const BASE_CXX = '-Oz -flto -DNDEBUG';
const BASE_LD = '-Oz -flto';
// [step, what, extra compile flags, extra link flags], cumulative.
export const STEPS = [
  ['before', 'as shipped before issue 5: -Oz -flto, dlmalloc, RTTI, exceptions', '', ''],
  ['fmt-no-locale', '+ FMT_STATIC_THOUSANDS_SEPARATOR (fmt without std::locale)', '-DFMT_STATIC_THOUSANDS_SEPARATOR=0', ''],
  ['no-rtti', '+ -fno-rtti (embind: EMSCRIPTEN_HAS_UNBOUND_TYPE_NAMES=0)', '-fno-rtti -DEMSCRIPTEN_HAS_UNBOUND_TYPE_NAMES=0', '-fno-rtti'],
  ['no-exceptions', '+ -fno-exceptions', '-fno-exceptions', '-fno-exceptions'],
  ['emmalloc', '+ -sMALLOC=emmalloc', '', '-sMALLOC=emmalloc'],
];

export function sizeVariants({ log = () => {} } = {}) {
  const env = { ...process.env, NODE_PATH: '/usr/share/nodejs' };
  const rows = [];
  let cxx = BASE_CXX;
  let ld = BASE_LD;
  for (const [step, what, addCxx, addLd] of STEPS) {
    cxx = `${cxx} ${addCxx}`.trim();
    ld = `${ld} ${addLd}`.trim();
    const dir = join(ROOT, 'build', 'size-variants', step);
    const quiet = { cwd: ROOT, env, stdio: 'pipe' }; // output shown only when a step fails (in the error)
    execFileSync('emcmake', ['cmake', '-S', ROOT, '-B', dir, '-DCMAKE_BUILD_TYPE=Release', '-DCALLCORE_TESTS=OFF',
      '-DCALLCORE_WASM_MIN=OFF', `-DCMAKE_CXX_FLAGS_RELEASE=${cxx}`, `-DCMAKE_EXE_LINKER_FLAGS_RELEASE=${ld}`,
      `-DCMAKE_CROSSCOMPILING_EMULATOR=${process.execPath}`], quiet);
    execFileSync('cmake', ['--build', dir, '--target', 'callcore_wasm', '-j2'], quiet);
    const wasm = readFileSync(join(dir, 'callcore_core.wasm'));
    const row = { step, what, cxx, ld, wasm: sizes(wasm), base64: sizes(wasm.toString('base64')), hex: sizes(wasm.toString('hex')) };
    rows.push(row);
    log(`${step}: wasm ${row.wasm.raw} B, gzip ${row.wasm.gzip}, brotli ${row.wasm.brotli}`);
  }
  return { steps: rows };
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(JSON.stringify(sizeVariants({ log: console.log }), null, 1));
