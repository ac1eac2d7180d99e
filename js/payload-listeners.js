// Listeners that receive an event's payload rather than the whole event, as the seed APIs of the
// room (VideoCallClient.on) and SIP (SipConnector.on) products expect, on top of the shared
// emitter (js/emitter.js). One wrapper per (event, listener), so on() twice registers once and
// off() finds what on() added.
export class PayloadListeners {
  /** @param {{on: Function, off: Function}} emitter the product's emitter (events `{payload}`) */
  constructor(emitter) {
    this._emitter = emitter;
    this._byEvent = new Map(); // event name → (listener → wrapper)
  }

  /**
   * Registers `listener(payload)` for `event` (an emitter event name); a second on() of the same
   * pair does nothing.
   */
  on(event, listener) {
    let byListener = this._byEvent.get(event);
    if (!byListener) this._byEvent.set(event, (byListener = new Map()));
    if (byListener.has(listener)) return;
    const wrapped = (e) => listener(e.payload);
    byListener.set(listener, wrapped);
    this._emitter.on(event, wrapped);
  }

  /** Unregisters what on(event, listener) registered; nothing when it is not registered. */
  off(event, listener) {
    const byListener = this._byEvent.get(event);
    const wrapped = byListener?.get(listener);
    if (!wrapped) return;
    byListener.delete(listener);
    this._emitter.off(event, wrapped);
  }
}
