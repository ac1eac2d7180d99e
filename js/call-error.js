import { CALL_ERROR_TYPE_LIST } from './dictionary.js';

const TYPES = new Set(Object.values(CALL_ERROR_TYPE_LIST));

/**
 * A typed call failure (seed: budu-webrtc CallError, `class CallError extends Error implements
 * CallErrorType`). `type` is one of CALL_ERROR_TYPE_LIST ('enter' | 'answer' | 'streamError' |
 * 'connection' | 'signaling' | 'negotiation' | 'hangUp' | 'state' | 'params' | 'message');
 * `message` a human sentence; `description` the cause (browser error name, timeout in seconds,
 * reason) or `null` when there is none; `name` is 'CallError'. The types and texts callcore
 * raises are decided by the C++ core (src/callcore/errors/) and built with CallError.fromCore().
 */
export class CallError extends Error {
  /**
   * The seed's signature: `new CallError(message, type)`; `description` starts as null.
   * @param {string} message human-readable sentence
   * @param {string} type one of CALL_ERROR_TYPE_LIST's values
   * @throws {TypeError} when `message` is not a string or `type` is not a CALL_ERROR_TYPE_LIST value
   */
  constructor(message, type) {
    if (typeof message !== 'string') throw new TypeError('new CallError(message, type): message must be a string');
    if (!TYPES.has(type)) throw new TypeError(`new CallError(message, type): type must be one of ${[...TYPES].join(', ')}; got ${type}`);
    super(message);
    this.name = 'CallError';
    this.message = message;
    /** One of CALL_ERROR_TYPE_LIST. */
    this.type = type;
    /** The cause, or null when there is none. */
    this.description = null;
  }

  /**
   * Builds the CallError the core decided, from its JSON `{type, message, description}` (an
   * empty or missing description becomes null).
   * @param {{type: string, message: string, description?: string | null}} error
   * @returns {CallError}
   * @throws {TypeError} when `error` is not such an object, or its type/message are invalid
   */
  static fromCore(error) {
    if (!error || typeof error !== 'object') throw new TypeError('CallError.fromCore(error): error must be {type, message, description}');
    const callError = new CallError(error.message, error.type);
    if (error.description) callError.description = String(error.description);
    return callError;
  }
}
