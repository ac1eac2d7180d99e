// Loads the wasm core once per page (top-level await), so the public constructors stay
// synchronous as in the budu-webrtc seed. Where the binary comes from is js/wasm-url.js
// (dist/callcore.js: callcore.wasm beside the bundle, streaming compile) or, in the one-file
// variant, js/wasm-inline.js (dist/callcore.inline.js: inlined as hex); scripts/build.mjs picks
// one per bundle. Both hand Emscripten's glue an instantiated module through its
// `instantiateWasm` hook.
import createCallcoreModule from '../build/wasm/callcore_core.cjs';
import { instantiateWasm } from './wasm-url.js';

/**
 * Instantiates the Emscripten module with the wasm binary from `instantiate`.
 * @param {(imports: WebAssembly.Imports) => Promise<WebAssembly.WebAssemblyInstantiatedSource>} instantiate
 * @returns {Promise<object>} the embind module (bindings/bindings.cpp)
 * @throws {Error} whatever `instantiate` throws (the glue would otherwise wait forever), or the
 *   glue's abort (a RuntimeError) when the runtime fails to start
 */
function createCore(instantiate) {
  return new Promise((resolve, reject) => {
    createCallcoreModule({
      instantiateWasm(imports, receiveInstance) {
        instantiate(imports).then(({ instance, module }) => receiveInstance(instance, module)).catch(reject);
        return {}; // the exports arrive asynchronously, through receiveInstance
      },
    }).then(resolve, reject);
  });
}

/** The instantiated embind module: dictionary(), logger*(), warmUpConsultation(), Consultation (bindings/bindings.cpp). */
export const core = await createCore(instantiateWasm);
