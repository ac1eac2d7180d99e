import { EVENT_LIST, EMIT_TYPE_LIST } from './dictionary.js';

/**
 * Event emitter of every callcore object that emits (seed: budu-webrtc emitter; the extra
 * methods follow the atm0s media SDK's typed emitter). Every event is
 * `{emitType: 'event' | 'error', eventType, payload}`; listeners of EVENT_LIST.ALL
 * ('allEvent') receive every event. A listener that throws does not stop the others: the
 * exception becomes an 'error' event EVENT_LIST.LISTENER_ERROR ('listenerErrorEvent') with
 * payload `{eventType, error}`
 * (not re-reported if a listener of that event throws too) and a log entry.
 */
export class Emitter {
  /** @param {(error: unknown, event: object) => void} [onListenerError] also told of each throw (logging) */
  constructor(onListenerError = () => {}) {
    /** eventType → Set of listeners. */
    this.events = new Map();
    this._onListenerError = onListenerError;
  }

  /**
   * Registers `cb` for `event`.
   * @returns {() => void} a function that unregisters it
   */
  on(event, cb) {
    if (typeof cb !== 'function') throw new TypeError('listener must be a function');
    if (!this.events.has(event)) this.events.set(event, new Set());
    this.events.get(event).add(cb);
    return () => this.off(event, cb);
  }

  /** Registers `cb` for the next `event` only; returns a function that unregisters it. */
  once(event, cb) {
    if (typeof cb !== 'function') throw new TypeError('listener must be a function');
    const wrapper = (e) => {
      this.off(event, wrapper);
      cb(e);
    };
    wrapper.listener = cb;
    return this.on(event, wrapper);
  }

  /** Registers `cb` for each of `events`; returns one unsubscribe function per event, in order. */
  onMany(events, cb) {
    return events.map((event) => this.on(event, cb));
  }

  /** Unregisters `cb` (or a once-wrapper of it) from `event`; does nothing when it is not registered. */
  off(event, cb) {
    const set = this.events.get(event);
    if (!set) return;
    for (const registered of set) {
      if (registered === cb || registered.listener === cb) {
        set.delete(registered);
        break;
      }
    }
    if (set.size === 0) this.events.delete(event);
  }

  /** Alias of off() (Node EventEmitter name). */
  removeListener(event, cb) {
    this.off(event, cb);
  }

  /** Removes every listener of `event`, or of every event when `event` is omitted. */
  offAllListeners(event) {
    if (event === undefined) this.events.clear();
    else this.events.delete(event);
  }

  /** Alias of offAllListeners() (Node EventEmitter name). */
  removeAllListeners(event) {
    this.offAllListeners(event);
  }

  /** Removes every listener of every event (seed name). */
  offAll() {
    this.events.clear();
  }

  /** The listeners registered for `event` (the functions given to on/once), in order. */
  listeners(event) {
    return [...(this.events.get(event) ?? [])].map((cb) => cb.listener ?? cb);
  }

  /** How many listeners `event` has. */
  listenerCount(event) {
    return this.events.get(event)?.size ?? 0;
  }

  /**
   * Delivers `{emitType, eventType, payload}` to the listeners of `eventType`, then to those
   * of EVENT_LIST.ALL. Returns the event object.
   */
  emit(eventType, payload, emitType = EMIT_TYPE_LIST.EVENT) {
    const event = { emitType, eventType, payload };
    const targets = [
      ...(this.events.get(eventType) ?? []),
      ...(eventType === EVENT_LIST.ALL ? [] : this.events.get(EVENT_LIST.ALL) ?? []),
    ];
    for (const cb of targets) {
      try {
        cb(event);
      } catch (error) {
        this._onListenerError(error, event);
        if (eventType !== EVENT_LIST.LISTENER_ERROR) {
          this.emit(EVENT_LIST.LISTENER_ERROR, { eventType, error }, EMIT_TYPE_LIST.ERROR);
        }
      }
    }
    return event;
  }
}
