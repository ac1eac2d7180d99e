// Loads the wasm core once per page (top-level await), so the public constructors stay
// synchronous as in the budu-webrtc seed. The glue inlines the wasm (SINGLE_FILE), so nothing
// is fetched and the same file works in browsers, bundlers and Node.
import createCallcoreModule from '../build/wasm/callcore_core.cjs';

/** The instantiated embind module: dictionary(), validateParams(), Session, logger*(). */
export const core = await createCallcoreModule();
