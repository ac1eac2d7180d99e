// `callcore`: the consultation entry point (docs/api.md) — the budu-webrtc-compatible classes,
// and what every product shares (CallError, configure, the emitter, the store, the playback
// elements, the logger, the dictionary's enums). Other products get entry points of their own.
import { core } from './core.js';

export { CallError } from './call-error.js';
export { configure } from './configure.js';
export { Emitter } from './emitter.js';
export { createCallStore } from './store.js';
export { CallcoreAudioElement, CallcoreVideoElement, getDefaultCallStore, setDefaultCallStore } from './elements.js';
export { blockedMedia, forgetMedia, playMedia } from './autoplay.js';
export { logger } from './logger.js';
export {
  CALL_ERROR_TYPE_LIST,
  CALL_STATE_LIST,
  CONNECTION_EVENT_LIST,
  EMIT_TYPE_LIST,
  EVENT_LIST,
  LOG_EVENT_LIST,
  SOCKET_MESSAGES_EVENT_LIST,
} from './dictionary.js';
export { RTCClient, RTCCore, RTCDoctor } from './consultation/index.js';

/**
 * Figures for benchmarks and bug reports (not part of the seed API).
 * `wasmHeapBytes()`: the wasm core's linear memory size in bytes (grows in 64 KiB pages, never
 * shrinks). `wasmHeapInUse()`: the bytes of that memory's heap the core holds now (emmalloc's
 * dynamic heap size minus its free bytes): the figure that shows a leak in the core.
 */
export const diagnostics = Object.freeze({
  wasmHeapBytes: () => core.HEAP8.length,
  wasmHeapInUse: () => core._emmalloc_dynamic_heap_size() - core._emmalloc_free_dynamic_memory(),
});
