// The mechanics shared by the stores of every product (js/store.js, js/room/store.js): a snapshot
// recomputed after each event of the object's emitter, kept as the same object while its content
// is unchanged (React's useSyncExternalStore contract), and the last error event remembered.
import { EVENT_LIST } from './dictionary.js';

// Structural equality for plain data; objects that are not plain (MediaStreamTrack, CallError)
// compare by identity.
function same(a, b) {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const plain = (v) => Array.isArray(v) || Object.getPrototypeOf(v) === Object.prototype;
  if (!plain(a) || !plain(b) || Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && same(a[k], b[k]));
}

/**
 * @param {import('./emitter.js').Emitter} emitter the followed object's emitter
 * @param {string} errorEvent the event whose payload is the last error (CALL_ERROR, ROOM_ERROR)
 * @param {(lastError: unknown) => object} compute the snapshot from the object's state and the
 *   last error payload (null until one arrives)
 * @param {() => boolean} [frozen] true while no new snapshot may be computed (a destroyed call)
 * @returns {{getSnapshot(): object, subscribe(listener: () => void): () => void, destroy(): void}}
 *   destroy() stops following the emitter (its listeners are removed); the last snapshot stays
 */
export function snapshotStore(emitter, errorEvent, compute, frozen = () => false) {
  let lastError = null;
  let snapshot = compute(lastError);
  const listeners = new Set();

  function refresh() {
    if (frozen()) return;
    const next = compute(lastError);
    if (same(snapshot, next)) return;
    snapshot = next;
    for (const listener of [...listeners]) listener();
  }

  const offs = [
    emitter.on(errorEvent, ({ payload }) => { lastError = payload; }),
    emitter.on(EVENT_LIST.ALL, refresh),
  ];

  return {
    getSnapshot: () => snapshot,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    destroy() {
      for (const off of offs) off();
      listeners.clear();
    },
  };
}
