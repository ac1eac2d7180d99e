// What a browser downloads for the consultation API, per part, raw / gzip -9 / brotli q11.
// Shared by bench/size.mjs (the table in docs/benchmarks.md) and tests/node/size-budget.test.js.
// dist/callcore.js is one minified ES module: the SDK's JavaScript + the Emscripten glue
// ("js") and the wasm binary inlined as one hex string literal ("wasm").
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DIST = join(ROOT, 'dist', 'callcore.js');
export const BUDGET_FILE = join(ROOT, 'bench', 'size-budget.json');

const gzip = (buf) => gzipSync(buf, { level: 9 }).length;
const brotli = (buf) => brotliCompressSync(buf, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;

/** {raw, gzip, brotli} byte counts of a buffer or string. */
export function sizes(data) {
  const buf = Buffer.isBuffer(data) ? data : Buffer.from(data);
  return { raw: buf.length, gzip: gzip(buf), brotli: brotli(buf) };
}

/**
 * Splits dist/callcore.js into its parts and measures each.
 * @returns {{total, js, wasm, wasmBinary: number}} sizes of the whole file, of the JS without
 *   the wasm literal, of the wasm literal (hex text) and the decoded wasm's byte count.
 */
export function measureDist(file = DIST) {
  const text = readFileSync(file, 'latin1');
  const literals = [...text.matchAll(/(["'`])([0-9a-f]{2048,})\1/g)];
  if (literals.length !== 1) throw new Error(`${file}: expected one inlined hex wasm literal, found ${literals.length}`);
  const hex = literals[0][2];
  const js = text.slice(0, literals[0].index) + text.slice(literals[0].index + literals[0][0].length);
  return { total: sizes(Buffer.from(text, 'latin1')), js: sizes(Buffer.from(js, 'latin1')), wasm: sizes(hex), wasmBinary: hex.length / 2 };
}

/** The committed budget: {parts: {total|js|wasm: {gzip, brotli}}, ...}. */
export function readBudget(file = BUDGET_FILE) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

/** Parts over budget: [{part, encoding, size, budget}] (empty when within budget). */
export function overBudget(measured, budget) {
  const over = [];
  for (const [part, limits] of Object.entries(budget.parts)) {
    for (const [encoding, limit] of Object.entries(limits)) {
      const size = measured[part]?.[encoding];
      if (size === undefined) throw new Error(`size budget names unknown part ${part}.${encoding}`);
      if (size > limit) over.push({ part, encoding, size, budget: limit });
    }
  }
  return over;
}
