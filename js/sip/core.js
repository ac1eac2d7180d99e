// Loads the SIP product's wasm core once per page (top-level await), as js/core.js does for the
// consultation. In dist/sip.js scripts/build.mjs resolves every `./core.js` of the shared
// modules (dictionary, logger, call-error, ...) to this file, so a SIP page loads only the SIP
// module (bindings/sip_bindings.cpp: Sip, dictionary(), logger*()).
import createCallcoreModule from '../../build/wasm/callcore_sip.cjs';
import { instantiateWasm } from './wasm-url.js';

/**
 * Instantiates the Emscripten module with the wasm binary from `instantiate`.
 * @param {(imports: WebAssembly.Imports) => Promise<WebAssembly.WebAssemblyInstantiatedSource>} instantiate
 * @returns {Promise<object>} the embind module (bindings/sip_bindings.cpp)
 * @throws {Error} whatever `instantiate` throws, or the glue's abort when the runtime fails
 */
function createCore(instantiate) {
  return new Promise((resolve, reject) => {
    createCallcoreModule({
      instantiateWasm(imports, receiveInstance) {
        instantiate(imports).then(({ instance, module }) => receiveInstance(instance, module)).catch(reject);
        return {};
      },
    }).then(resolve, reject);
  });
}

/** The instantiated embind module of the SIP product: Sip, dictionary(), logger*(). */
export const core = await createCore(instantiateWasm);
