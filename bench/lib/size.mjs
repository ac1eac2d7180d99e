// What a browser downloads for the consultation API (and the room and SIP APIs), per variant and part, raw / gzip -9 /
// brotli q11. Shared by bench/size.mjs (the table in docs/benchmarks.md) and
// tests/node/size-budget.test.js. Two variants (scripts/build.mjs):
//  - split: dist/callcore.js (the SDK's JavaScript + the Emscripten glue, minified: "js") and
//    dist/callcore.wasm beside it ("wasm", the binary); two downloads, so total = the sum of the
//    two files' sizes, each compressed on its own (as a server sends them);
//  - inline: dist/callcore.inline.js, one file: "js" = the file without the inlined wasm
//    literal, "wasm" = that literal (hex text), total = the whole file.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DIST_DIR = join(ROOT, 'dist');
/** The consultation entry a page imports (split variant). */
export const DIST = join(DIST_DIR, 'callcore.js');
/** Its wasm binary, fetched by DIST at import. */
export const DIST_WASM = join(DIST_DIR, 'callcore.wasm');
/** The one-file variant (`callcore/inline`). */
export const DIST_INLINE = join(DIST_DIR, 'callcore.inline.js');
/** The room entry (`callcore/room`): dist/room.js + dist/room.wasm, and dist/room.inline.js. */
export const DIST_ROOM = join(DIST_DIR, 'room.js');
export const DIST_ROOM_WASM = join(DIST_DIR, 'room.wasm');
export const DIST_ROOM_INLINE = join(DIST_DIR, 'room.inline.js');
/** The SIP entry (`callcore/sip`): dist/sip.js + dist/sip.wasm, and dist/sip.inline.js. */
export const DIST_SIP = join(DIST_DIR, 'sip.js');
export const DIST_SIP_WASM = join(DIST_DIR, 'sip.wasm');
export const DIST_SIP_INLINE = join(DIST_DIR, 'sip.inline.js');
export const BUDGET_FILE = join(ROOT, 'bench', 'size-budget.json');
/**
 * Variants and their parts, in table order: the consultation's (split, inline), the room's
 * (roomSplit, roomInline) and the SIP product's (sipSplit, sipInline), measured the same way.
 */
export const VARIANTS = {
  split: ['total', 'js', 'wasm'], inline: ['total', 'js', 'wasm'],
  roomSplit: ['total', 'js', 'wasm'], roomInline: ['total', 'js', 'wasm'],
  sipSplit: ['total', 'js', 'wasm'], sipInline: ['total', 'js', 'wasm'],
};

const gzip = (buf) => gzipSync(buf, { level: 9 }).length;
const brotli = (buf) => brotliCompressSync(buf, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;

/**
 * @param {Buffer | string} data
 * @returns {{raw: number, gzip: number, brotli: number}} byte counts: as is, gzip -9, brotli q11
 */
export function sizes(data) {
  const buf = Buffer.isBuffer(data) ? data : Buffer.from(data);
  return { raw: buf.length, gzip: gzip(buf), brotli: brotli(buf) };
}

/** Byte counts of two separate downloads: each field is the sum. */
const sum = (a, b) => ({ raw: a.raw + b.raw, gzip: a.gzip + b.gzip, brotli: a.brotli + b.brotli });

/**
 * The split variant: the JS module and the wasm binary it fetches.
 * @param {string} [js] path of the module (default dist/callcore.js)
 * @param {string} [wasm] path of the binary (default dist/callcore.wasm)
 * @returns {{total, js, wasm}} sizes (see sizes()); total sums the two downloads
 * @throws {Error} when the module still inlines a hex wasm literal (a stale or wrong build), or
 *   a file is missing (ENOENT)
 */
export function measureSplit(js = DIST, wasm = DIST_WASM) {
  const text = readFileSync(js, 'latin1');
  if (/[0-9a-f]{2048,}/.test(text)) throw new Error(`${js}: expected no inlined wasm in the split variant (stale build?)`);
  const m = { js: sizes(Buffer.from(text, 'latin1')), wasm: sizes(readFileSync(wasm)) };
  return { total: sum(m.js, m.wasm), ...m };
}

/**
 * The one-file variant, split into its parts.
 * @param {string} [file] path (default dist/callcore.inline.js)
 * @returns {{total, js, wasm, wasmBinary: number}} sizes of the whole file, of the JS without
 *   the wasm literal, of the wasm literal (hex text), and the decoded wasm's byte count
 * @throws {Error} unless the file holds exactly one hex literal of 2048+ characters
 */
export function measureInline(file = DIST_INLINE) {
  const text = readFileSync(file, 'latin1');
  const literals = [...text.matchAll(/(["'`])([0-9a-f]{2048,})\1/g)];
  if (literals.length !== 1) throw new Error(`${file}: expected one inlined hex wasm literal, found ${literals.length}`);
  const hex = literals[0][2];
  const js = text.slice(0, literals[0].index) + text.slice(literals[0].index + literals[0][0].length);
  return { total: sizes(Buffer.from(text, 'latin1')), js: sizes(Buffer.from(js, 'latin1')), wasm: sizes(hex), wasmBinary: hex.length / 2 };
}

/**
 * Every variant: `{split, inline}` of the consultation (`callcore`, `callcore/inline`),
 * `{roomSplit, roomInline}` of the room (`callcore/room`, `callcore/room/inline`) and
 * `{sipSplit, sipInline}` of SIP (`callcore/sip`, `callcore/sip/inline`).
 */
export function measureDist() {
  return {
    split: measureSplit(), inline: measureInline(),
    roomSplit: measureSplit(DIST_ROOM, DIST_ROOM_WASM), roomInline: measureInline(DIST_ROOM_INLINE),
    sipSplit: measureSplit(DIST_SIP, DIST_SIP_WASM), sipInline: measureInline(DIST_SIP_INLINE),
  };
}

/** The committed budget: {parts: {split|inline: {total|js|wasm: {gzip, brotli}}}, ...}. */
export function readBudget(file = BUDGET_FILE) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

/**
 * Parts over budget.
 * @param {{split: object, inline: object}} measured measureDist()
 * @param {{parts: object}} budget readBudget()
 * @returns {{part: string, encoding: string, size: number, budget: number}[]} e.g. part
 *   'split.total'; empty when everything is within budget
 * @throws {Error} when the budget names a variant, part or encoding that is not measured
 */
export function overBudget(measured, budget) {
  const over = [];
  for (const [variant, parts] of Object.entries(budget.parts)) {
    for (const [part, limits] of Object.entries(parts)) {
      for (const [encoding, limit] of Object.entries(limits)) {
        const size = measured[variant]?.[part]?.[encoding];
        if (size === undefined) throw new Error(`size budget names unknown part ${variant}.${part}.${encoding}`);
        if (size > limit) over.push({ part: `${variant}.${part}`, encoding, size, budget: limit });
      }
    }
  }
  return over;
}
