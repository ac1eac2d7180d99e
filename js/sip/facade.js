// A thin SipConnectorFacade with sip-connector's names (v31 src/SipConnectorFacade): the
// connect/call helpers portals use, each a sequence of SipConnector calls with callbacks. It
// decides nothing the SipConnector does not already decide (the core does).

/**
 * sip-connector's SipConnectorFacade over a SipConnector: `connectToServer`,
 * `disconnectFromServer`, `callToServer`, `answerToIncomingCall`, and proxies of `hangUp`,
 * `declineToIncomingCall`, `getRemoteStreams`, `on`/`once`/`off`, `isRegistered`,
 * `isConfigured`, `connection`. Presentation, media state INFOs, stats and licence
 * subscriptions are not implemented yet (docs/sip.md "Not done yet").
 */
export class SipConnectorFacade {
  /** @param {import('./sip-connector.js').SipConnector} sipConnector */
  constructor(sipConnector) {
    if (!sipConnector || typeof sipConnector.connect !== 'function') {
      throw new TypeError('new SipConnectorFacade(sipConnector): a SipConnector is required');
    }
    this.sipConnector = sipConnector;
  }

  /**
   * Connects and registers (SipConnector.connect()); never rejects.
   * @param {object | (() => object | Promise<object>)} params as SipConnector.connect()
   * @returns {Promise<{isSuccessful: boolean, configuration?: object, error?: unknown}>}
   */
  async connectToServer(params) {
    try {
      return { isSuccessful: true, configuration: await this.sipConnector.connect(params) };
    } catch (error) {
      return { isSuccessful: false, error };
    }
  }

  /** SipConnector.disconnect(). @returns {Promise<void>} */
  disconnectFromServer() {
    return this.sipConnector.disconnect();
  }

  /**
   * Calls `conference` (SipConnector.call()) with sip-connector's callbacks:
   * onBeforeProgressCall(conference) first; onSuccessProgressCall({isPurgatory: false}) and
   * onEnterConference({isSuccessProgressCall: true}) once confirmed; onFailProgressCall(error)
   * when it fails; onFinishProgressCall() either way; onEndedCall() when the established call
   * ends (`call:ended`).
   * @param {object} options `{conference, mediaStream, extraHeaders?, iceServers?, on...}`
   * @returns {Promise<RTCPeerConnection>} as SipConnector.call()
   * @throws {CallError} (rejection) as SipConnector.call()
   */
  async callToServer({ conference, onBeforeProgressCall, onSuccessProgressCall, onEnterConference, onFailProgressCall,
    onFinishProgressCall, onEndedCall, ...callOptions } = {}) {
    onBeforeProgressCall?.(conference);
    try {
      const pc = await this.sipConnector.call({ ...callOptions, number: conference });
      if (onEndedCall) this.sipConnector.once('call:ended', () => onEndedCall());
      onSuccessProgressCall?.({ isPurgatory: false });
      onEnterConference?.({ isSuccessProgressCall: true });
      return pc;
    } catch (error) {
      onFailProgressCall?.(error);
      throw error;
    } finally {
      onFinishProgressCall?.();
    }
  }

  /**
   * Answers the incoming call (SipConnector.answerToIncomingCall()) with the callbacks of
   * callToServer().
   * @returns {Promise<RTCPeerConnection>}
   */
  async answerToIncomingCall({ onBeforeProgressCall, onSuccessProgressCall, onEnterConference, onFailProgressCall,
    onFinishProgressCall, onEndedCall, ...answerOptions } = {}) {
    onBeforeProgressCall?.();
    try {
      const pc = await this.sipConnector.answerToIncomingCall(answerOptions);
      if (onEndedCall) this.sipConnector.once('call:ended', () => onEndedCall());
      onSuccessProgressCall?.({ isPurgatory: false });
      onEnterConference?.({ isSuccessProgressCall: true });
      return pc;
    } catch (error) {
      onFailProgressCall?.(error);
      throw error;
    } finally {
      onFinishProgressCall?.();
    }
  }

  /** SipConnector.hangUp(). */
  hangUp() {
    return this.sipConnector.hangUp();
  }

  /** SipConnector.declineToIncomingCall(options). */
  declineToIncomingCall(options) {
    return this.sipConnector.declineToIncomingCall(options);
  }

  /** SipConnector.getRemoteStreams(): {mainStream, contentedStream}. */
  getRemoteStreams() {
    return this.sipConnector.getRemoteStreams();
  }

  /** SipConnector.on(event, listener). */
  on(event, listener) {
    return this.sipConnector.on(event, listener);
  }

  /** SipConnector.once(event, listener). */
  once(event, listener) {
    return this.sipConnector.once(event, listener);
  }

  /** SipConnector.off(event, listener). */
  off(event, listener) {
    this.sipConnector.off(event, listener);
  }

  /** SipConnector.isRegistered. */
  get isRegistered() {
    return this.sipConnector.isRegistered;
  }

  /** SipConnector.isConfigured(). */
  isConfigured() {
    return this.sipConnector.isConfigured();
  }

  /** SipConnector.connection: the call's RTCPeerConnection, or null. */
  get connection() {
    return this.sipConnector.connection;
  }
}
