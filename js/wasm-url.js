// How dist/callcore.js gets its wasm core: the binary ships beside the bundle as
// dist/callcore.wasm and is located with `new URL('./callcore.wasm', import.meta.url)`, the form
// Vite, webpack 5 and other bundlers recognize (they emit the file as an asset and rewrite the
// URL). scripts/build.mjs swaps this module for js/wasm-inline.js in the one-file variant
// (dist/callcore.inline.js, `callcore/inline`).

/** Where the wasm binary is: beside the bundle that contains this module (resolved at run time). */
const WASM_URL = new URL('./callcore.wasm', import.meta.url);

/** The four bytes every wasm binary starts with: "\0asm". */
const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];

/**
 * Throws unless `bytes` start like a wasm binary, naming what was received instead (an HTML page
 * from a dev server's fallback route, a 404 text, ...).
 * @param {ArrayBuffer | Uint8Array} bytes
 * @param {URL} url where they came from (for the message)
 * @param {string} what how they were received, e.g. 'content-type text/html'
 * @throws {Error} when the bytes are not a wasm binary
 */
function checkWasmBytes(bytes, url, what) {
  const head = (bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : bytes).subarray(0, 4);
  if (WASM_MAGIC.every((b, i) => head[i] === b)) return;
  const text = String.fromCharCode(...head).replace(/[^\x20-\x7e]/g, '?');
  throw new Error(`callcore: ${url} is not a wasm binary (${bytes.byteLength} bytes starting with "${text}", ${what}). ` +
    'Serve dist/callcore.wasm beside dist/callcore.js (a bundler copies it as an asset; with the Vite dev server add ' +
    "optimizeDeps: { exclude: ['callcore'] }), or import 'callcore/inline' (one file, the wasm inlined).");
}

/**
 * Fetches, compiles and instantiates the wasm core found at `url`.
 *  - http(s): `WebAssembly.instantiateStreaming` over `fetch` (compiles while it downloads) when
 *    the server sends `content-type: application/wasm`; any other content type (a server without
 *    the wasm MIME type) falls back to downloading the whole body, then `WebAssembly.instantiate`,
 *    with a console warning, since streaming compile is lost.
 *  - file: (Node, or a bundle run from disk): Node's `fetch` cannot read file: URLs, so the bytes
 *    are read with node:fs, obtained through `process.getBuiltinModule` (Node 20.16+). No
 *    `import()` of a Node module appears in the bundle, so browser bundlers have nothing to
 *    resolve or warn about.
 * @param {WebAssembly.Imports} imports what the Emscripten glue gives the module
 * @param {URL} [url] the binary (default: callcore.wasm beside the bundle)
 * @returns {Promise<WebAssembly.WebAssemblyInstantiatedSource>} `{instance, module}`
 * @throws {Error} HTTP status other than 2xx, a file that cannot be read, bytes that are not a
 *   wasm binary, a file: URL outside Node 20.16+; `WebAssembly.CompileError`/`LinkError` for a
 *   binary that does not match this bundle's glue (a dist/callcore.wasm from another build).
 */
export async function instantiateWasm(imports, url = WASM_URL) {
  if (url.protocol === 'file:') {
    const fs = globalThis.process?.getBuiltinModule?.('node:fs');
    if (!fs) {
      throw new Error(`callcore: cannot read ${url}: file: URLs are read with node:fs, which needs Node 20.16+ ` +
        "(process.getBuiltinModule); serve the page over http(s) or import 'callcore/inline'.");
    }
    const bytes = await fs.promises.readFile(url); // ENOENT etc. name the path
    checkWasmBytes(bytes, url, 'read from disk');
    return WebAssembly.instantiate(bytes, imports);
  }
  const response = await fetch(url, { credentials: 'same-origin' });
  if (!response.ok) throw new Error(`callcore: fetching ${url} failed: HTTP ${response.status} ${response.statusText}`.trim());
  const type = (response.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
  if (type === 'application/wasm' && typeof WebAssembly.instantiateStreaming === 'function') {
    return WebAssembly.instantiateStreaming(response, imports);
  }
  const bytes = await response.arrayBuffer();
  checkWasmBytes(bytes, url, `content-type ${type || '(none)'}`);
  if (type !== 'application/wasm') {
    console.warn(`callcore: ${url} was served as "${type || '(no content-type)'}", not application/wasm: ` +
      'compiled after the whole download instead of while streaming. Configure the server to send application/wasm for .wasm.');
  }
  return WebAssembly.instantiate(bytes, imports);
}
