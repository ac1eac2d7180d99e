// Hex text → bytes, for the one-file variants that inline their wasm binary as hex
// (js/wasm-inline.js, js/room/wasm-inline.js).

/**
 * Lowercase hex text → bytes ('0'-'9' → 0-9, 'a'-'f' → 10-15 by (c & 15) + 9 * (c >> 6)).
 * @param {string} hex an even number of lowercase hex digits
 * @returns {Uint8Array} hex.length / 2 bytes
 */
export function fromHex(hex) {
  const bytes = new Uint8Array(hex.length >> 1);
  for (let i = 0, j = 0; i < bytes.length; i++, j += 2) {
    const hi = hex.charCodeAt(j);
    const lo = hex.charCodeAt(j + 1);
    bytes[i] = (((hi & 15) + 9 * (hi >> 6)) << 4) | ((lo & 15) + 9 * (lo >> 6));
  }
  return bytes;
}
