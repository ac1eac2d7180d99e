import { CONNECTION_EVENT_LIST, EMIT_TYPE_LIST, EVENT_LIST, SOCKET_MESSAGES_EVENT_LIST } from './dictionary.js';

/** Every event name of the seed's EventList (EVENT_LIST, SOCKET_MESSAGES_EVENT_LIST, CONNECTION_EVENT_LIST). */
const KNOWN_EVENTS = Object.freeze([
  ...Object.values(EVENT_LIST),
  ...Object.values(SOCKET_MESSAGES_EVENT_LIST),
  ...Object.values(CONNECTION_EVENT_LIST),
]);
const KNOWN = new Set(KNOWN_EVENTS);
const EMIT_TYPES = new Set(Object.values(EMIT_TYPE_LIST));

function checkEventType(eventType) {
  if (typeof eventType !== 'string' || !eventType) throw new TypeError(`emitter: event type must be a non-empty string; got ${typeof eventType}`);
}

function checkListener(cb) {
  if (typeof cb !== 'function') throw new TypeError(`emitter: listener must be a function; got ${typeof cb}`);
}

/**
 * Event emitter of every callcore object that emits (seed: budu-webrtc EventsEmitter,
 * IEventsEmitter; the extra methods follow the atm0s media SDK's typed emitter). Every event is
 * `{emitType: 'event' | 'error', eventType, payload}`; listeners of EVENT_LIST.ALL
 * ('allEvent') receive every event. A listener that throws does not stop the others: the
 * exception becomes an 'error' event EVENT_LIST.LISTENER_ERROR ('listenerErrorEvent') with
 * payload `{eventType, error}` (not re-reported if a listener of that event throws too) and a
 * log entry.
 *
 * `events` is the seed's EventsDict: an object whose keys are event types and whose values are
 * the arrays of listeners, in registration order. Every event of the seed's EventList has its
 * array from the start (empty when nobody listens); other event names get one while they have
 * listeners. A listener is registered at most once per event type.
 */
export class Emitter {
  /** @param {(error: unknown, event: {emitType: string, eventType: string, payload: unknown}) => void} [onListenerError] also told of each throw (logging) */
  constructor(onListenerError = () => {}) {
    /** Event type → array of listeners (seed EventsDict); no prototype, so any event name is a plain key. */
    this.events = Object.create(null);
    for (const eventType of KNOWN_EVENTS) this.events[eventType] = [];
    this._onListenerError = onListenerError;
  }

  /**
   * Registers `cb` for `event` (once: registering the same function again does nothing).
   * @param {string} event an event type
   * @param {(event: {emitType: string, eventType: string, payload: unknown}) => void} cb
   * @returns {() => void} a function that unregisters it
   * @throws {TypeError} when `event` is not a non-empty string or `cb` is not a function
   */
  on(event, cb) {
    checkEventType(event);
    checkListener(cb);
    const list = (this.events[event] ??= []);
    if (!list.includes(cb)) list.push(cb);
    return () => this.off(event, cb);
  }

  /**
   * Registers `cb` for the next `event` only.
   * @returns {() => void} a function that unregisters it
   * @throws {TypeError} as on()
   */
  once(event, cb) {
    checkEventType(event);
    checkListener(cb);
    const wrapper = (e) => {
      this.off(event, wrapper);
      return cb(e);
    };
    wrapper.listener = cb;
    return this.on(event, wrapper);
  }

  /**
   * Registers `cb` for each of `events`.
   * @param {string[]} events
   * @returns {Array<() => void>} one unsubscribe function per event, in order
   * @throws {TypeError} when `events` is not an array, or as on()
   */
  onMany(events, cb) {
    if (!Array.isArray(events)) throw new TypeError('emitter.onMany: events must be an array');
    return events.map((event) => this.on(event, cb));
  }

  /** Unregisters `cb` (or a once-wrapper of it) from `event`; does nothing when it is not registered. */
  off(event, cb) {
    const list = this.events[event];
    if (!list) return;
    const index = list.findIndex((registered) => registered === cb || registered.listener === cb);
    if (index >= 0) list.splice(index, 1);
    if (list.length === 0 && !KNOWN.has(event)) delete this.events[event];
  }

  /** Alias of off() (Node EventEmitter name). */
  removeListener(event, cb) {
    this.off(event, cb);
  }

  /** Removes every listener of `event`, or of every event when `event` is omitted. */
  offAllListeners(event) {
    const names = event === undefined ? Object.keys(this.events) : [event];
    for (const name of names) {
      const list = this.events[name];
      if (!list) continue;
      list.length = 0;
      if (!KNOWN.has(name)) delete this.events[name];
    }
  }

  /** Alias of offAllListeners() (Node EventEmitter name). */
  removeAllListeners(event) {
    this.offAllListeners(event);
  }

  /** Removes every listener of every event (seed name). */
  offAll() {
    this.offAllListeners();
  }

  /** The listeners registered for `event` (the functions given to on/once), in order. */
  listeners(event) {
    return (this.events[event] ?? []).map((cb) => cb.listener ?? cb);
  }

  /** How many listeners `event` has. */
  listenerCount(event) {
    return this.events[event]?.length ?? 0;
  }

  /**
   * Delivers `{emitType, eventType, payload}` to the listeners of `eventType`, then to those
   * of EVENT_LIST.ALL, synchronously, before it returns (seed IEventsEmitter.emit).
   * @param {string} eventType
   * @param {unknown} [payload]
   * @param {'event' | 'error'} [emitType='event'] one of EMIT_TYPE_LIST
   * @returns {Promise<void>} resolved once every listener has run (a listener's exception
   *   becomes a LISTENER_ERROR event, never a rejection)
   * @throws {TypeError} when `eventType` is not a non-empty string or `emitType` is not an EMIT_TYPE_LIST value
   */
  emit(eventType, payload, emitType = EMIT_TYPE_LIST.EVENT) {
    checkEventType(eventType);
    if (!EMIT_TYPES.has(emitType)) throw new TypeError(`emitter.emit: emitType must be one of ${[...EMIT_TYPES].join(', ')}; got ${emitType}`);
    const event = { emitType, eventType, payload };
    const targets = [
      ...(this.events[eventType] ?? []),
      ...(eventType === EVENT_LIST.ALL ? [] : this.events[EVENT_LIST.ALL] ?? []),
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
    return Promise.resolve();
  }
}
