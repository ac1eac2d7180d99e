// callcore: the public consultation API, compatible with the budu-webrtc seed (docs/api.md).
import { core } from './core.js';
import { RTCCore } from './rtc-core.js';

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
  SOCKET_MESSAGES_EVENT_LIST,
} from './dictionary.js';
export { RTCCore };

/**
 * The calling side of a consultation (seed: RTCDoctor). `call()` acquires media, rings the
 * consultation (`enter`), waits enterTimeoutSecond for the client to enter and
 * answerTimeoutSecond for it to answer, then offers; it resolves with the local stream when
 * the client answered.
 * @throws {CallError} type 'params' from the constructor when RTCParams are invalid.
 */
export class RTCDoctor extends RTCCore {
  /** @param {object} params RTCParams */
  constructor(params) {
    super('doctor', params);
  }
}

/**
 * The answering side of a consultation (seed: RTCClient). It enters automatically when the
 * doctor rings (EVENT_LIST.ENTER); `call()` acquires media and answers, resolving with the
 * local stream.
 * @throws {CallError} type 'params' from the constructor when RTCParams are invalid.
 */
export class RTCClient extends RTCCore {
  /** @param {object} params RTCParams */
  constructor(params) {
    super('client', params);
  }
}

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
