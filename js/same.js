// Structural equality of the stores' snapshots (js/store.js, js/room/store.js): plain objects and
// arrays compare by content; anything else (MediaStreamTrack, CallError) by identity.

/**
 * @param {unknown} a
 * @param {unknown} b
 * @returns {boolean} true when `a` and `b` are the same value or plain data with equal content
 */
export function same(a, b) {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const plain = (v) => Array.isArray(v) || Object.getPrototypeOf(v) === Object.prototype;
  if (!plain(a) || !plain(b) || Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && same(a[k], b[k]));
}
