// `callcore/room`: the multi-party room entry point (docs/room.md) — VideoCallClient over a Janus
// VideoRoom, its store, and what every product shares (CallError, the emitter, the logger, the
// dictionary's enums). scripts/build.mjs bundles it as dist/room.js with the room's own wasm
// module (dist/room.wasm): a consultation page downloads none of it, and a room page none of
// the consultation.
export { VideoCallClient, ROOM_EVENTS } from './video-call-client.js';
export { createRoomStore } from './store.js';
export { CallError } from '../call-error.js';
export { Emitter } from '../emitter.js';
export { logger } from '../logger.js';
export {
  CALL_ERROR_TYPE_LIST,
  CALL_STATE_LIST,
  EMIT_TYPE_LIST,
  EVENT_LIST,
  LOG_EVENT_LIST,
} from '../dictionary.js';
