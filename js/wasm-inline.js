// How dist/callcore.inline.js (`callcore/inline`, the one-file variant) gets its wasm core: the
// binary is inlined in the bundle as hex text (build/wasm/callcore_core.wasm.hex.js, written by
// scripts/build.mjs), so nothing is fetched and the file works alone in a plain
// <script type="module"> page, in bundlers and in Node. Hex rather than base64: twice the raw
// text, but it keeps byte alignment, so gzip and brotli compress it to within ~10% of the binary
// (base64: +35%); see docs/benchmarks.md. scripts/build.mjs puts this module in place of
// js/wasm-url.js for that variant only.
import wasmHex from '../build/wasm/callcore_core.wasm.hex.js';
import { fromHex } from './hex.js';

/**
 * Decodes the inlined binary and instantiates it (same contract as js/wasm-url.js).
 * @param {WebAssembly.Imports} imports what the Emscripten glue gives the module
 * @returns {Promise<WebAssembly.WebAssemblyInstantiatedSource>} `{instance, module}`
 * @throws {WebAssembly.CompileError | WebAssembly.LinkError} only if the build is broken
 */
export function instantiateWasm(imports) {
  return WebAssembly.instantiate(fromHex(wasmHex), imports);
}
