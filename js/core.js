// Loads the wasm core once per page (top-level await), so the public constructors stay
// synchronous as in the budu-webrtc seed. The wasm binary is inlined in the bundle as hex text
// (scripts/build.mjs), so nothing is fetched and the same file works in browsers, bundlers and
// Node. Hex rather than base64: twice the raw text, but it keeps byte alignment, so gzip and
// brotli compress it to within ~10% of the binary (base64: +35%); see docs/benchmarks.md.
import createCallcoreModule from '../build/wasm/callcore_core.cjs';
import wasmHex from '../build/wasm/callcore_core.wasm.hex.js';

/** Lowercase hex text → bytes ('0'-'9' → 0-9, 'a'-'f' → 10-15 by (c & 15) + 9 * (c >> 6)). */
function fromHex(hex) {
  const bytes = new Uint8Array(hex.length >> 1);
  for (let i = 0, j = 0; i < bytes.length; i++, j += 2) {
    const hi = hex.charCodeAt(j);
    const lo = hex.charCodeAt(j + 1);
    bytes[i] = (((hi & 15) + 9 * (hi >> 6)) << 4) | ((lo & 15) + 9 * (lo >> 6));
  }
  return bytes;
}

/** The instantiated embind module: dictionary(), logger*(), warmUpConsultation(), Consultation (bindings/bindings.cpp). */
export const core = await createCallcoreModule({ wasmBinary: fromHex(wasmHex) });
