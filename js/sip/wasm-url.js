// How dist/sip.js gets the SIP wasm core: dist/sip.wasm beside the bundle, located with
// `new URL('./sip.wasm', import.meta.url)` (the literal form bundlers recognize and emit as an
// asset), fetched and compiled by the shared loader (js/wasm-url.js: streaming compile, checks
// and messages). scripts/build.mjs swaps this module for js/sip/wasm-inline.js in
// dist/sip.inline.js (`callcore/sip/inline`).
import { instantiateWasm as instantiateFrom } from '../wasm-url.js';

/** Where the SIP wasm binary is: beside the bundle that contains this module. */
const WASM_URL = new URL('./sip.wasm', import.meta.url);

/**
 * Fetches, compiles and instantiates dist/sip.wasm (contract and errors: js/wasm-url.js).
 * @param {WebAssembly.Imports} imports what the Emscripten glue gives the module
 * @returns {Promise<WebAssembly.WebAssemblyInstantiatedSource>} `{instance, module}`
 */
export function instantiateWasm(imports) {
  return instantiateFrom(imports, WASM_URL);
}
