// The consultation product (seed: budu-webrtc): RTCDoctor calls, RTCClient answers.
import { RTCCore } from './rtc-core.js';
import './warm-up.js';

export { RTCCore };

/**
 * The calling side of a consultation (seed: RTCDoctor). `call()` acquires media, rings the
 * consultation (`enter`), waits enterTimeoutSecond for the client to enter and
 * answerTimeoutSecond for it to answer (offering while it rings); it resolves with the local
 * stream when the client answered.
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
