/**
 * A typed call failure (seed: budu-webrtc CallError). `type` is one of CALL_ERROR_TYPE_LIST
 * ('enter' | 'answer' | 'streamError' | 'connection' | 'signaling' | 'negotiation' | 'hangUp'
 * | 'state' | 'params'); `message` a human sentence; `description` the cause (browser error
 * name, timeout in seconds, reason). The types and texts are decided by the C++ core
 * (src/callcore/errors/).
 */
export class CallError extends Error {
  /** @param {{type: string, message: string, description?: string}} init */
  constructor({ type, message, description = '' }) {
    super(message);
    this.name = 'CallError';
    this.type = type;
    this.description = description;
  }
}
