import { EVENT_LIST, EMIT_TYPE_LIST } from './dictionary.js';

/**
 * Event emitter of a call (seed: budu-webrtc emitter). Every event is
 * `{emitType: 'event' | 'error', eventType, payload}`; listeners of EVENT_LIST.ALL
 * ('allEvent') receive every event. A listener that throws does not stop the others: the
 * exception is logged by `onListenerError`.
 */
export class Emitter {
  /** @param {(error: unknown, event: object) => void} [onListenerError] */
  constructor(onListenerError = () => {}) {
    /** eventType → Set of listeners. */
    this.events = new Map();
    this._onListenerError = onListenerError;
  }

  /** Registers `cb` for `event`; returns a function that unregisters it. */
  on(event, cb) {
    if (typeof cb !== 'function') throw new TypeError('listener must be a function');
    if (!this.events.has(event)) this.events.set(event, new Set());
    this.events.get(event).add(cb);
    return () => this.off(event, cb);
  }

  /** Unregisters `cb` from `event`; does nothing when it is not registered. */
  off(event, cb) {
    const set = this.events.get(event);
    if (!set) return;
    set.delete(cb);
    if (set.size === 0) this.events.delete(event);
  }

  /** Removes every listener of every event. */
  offAll() {
    this.events.clear();
  }

  /**
   * Delivers `{emitType, eventType, payload}` to the listeners of `eventType`, then to those
   * of EVENT_LIST.ALL. Returns the event object.
   */
  emit(eventType, payload, emitType = EMIT_TYPE_LIST.EVENT) {
    const event = { emitType, eventType, payload };
    const targets = [...(this.events.get(eventType) ?? []), ...(eventType === EVENT_LIST.ALL ? [] : this.events.get(EVENT_LIST.ALL) ?? [])];
    for (const cb of targets) {
      try {
        cb(event);
      } catch (error) {
        this._onListenerError(error, event);
      }
    }
    return event;
  }
}
