// `callcore/sip`: the SIP product's entry point (docs/sip.md) — SipConnector and
// SipConnectorFacade with sip-connector's names over the SIP user agent of the C++ core, and
// what every product shares (CallError, the emitter, the logger, the dictionary's enums).
// scripts/build.mjs bundles it as dist/sip.js with the SIP product's own wasm module
// (dist/sip.wasm): a consultation or room page downloads none of it, and a SIP page none of them.
export { SipConnector } from './sip-connector.js';
export { SipConnectorFacade } from './facade.js';
export { CallError } from '../call-error.js';
export { Emitter } from '../emitter.js';
export { logger } from '../logger.js';
export {
  CALL_ERROR_TYPE_LIST,
  EMIT_TYPE_LIST,
  EVENT_LIST,
  LOG_EVENT_LIST,
} from '../dictionary.js';
