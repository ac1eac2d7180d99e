// How dist/sip.inline.js (`callcore/sip/inline`) gets the SIP wasm core: inlined as hex text
// (build/wasm/callcore_sip.wasm.hex.js, written by scripts/build.mjs), decoded as in
// js/wasm-inline.js. scripts/build.mjs puts this module in place of js/sip/wasm-url.js.
import wasmHex from '../../build/wasm/callcore_sip.wasm.hex.js';
import { fromHex } from '../hex.js';

/**
 * Decodes the inlined binary and instantiates it (same contract as js/sip/wasm-url.js).
 * @param {WebAssembly.Imports} imports what the Emscripten glue gives the module
 * @returns {Promise<WebAssembly.WebAssemblyInstantiatedSource>} `{instance, module}`
 * @throws {WebAssembly.CompileError | WebAssembly.LinkError} only if the build is broken
 */
export function instantiateWasm(imports) {
  return WebAssembly.instantiate(fromHex(wasmHex), imports);
}
