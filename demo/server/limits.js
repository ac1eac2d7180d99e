// Bounds of the reference signaling server (docs/protocol.md §4.3): the defaults of every
// configurable limit, a token bucket for per-socket rate limits, the JSON nesting-depth check
// and UTF-8 check done before JSON.parse, and per-IP connection counting.

import { isUtf8 } from 'node:buffer';

/**
 * Default value of every bound (docs/protocol.md §4.3 lists them with their error or close code).
 * Sizes in bytes, durations in milliseconds, rates per second.
 */
export const DEFAULT_LIMITS = Object.freeze({
  /** Largest accepted message (bytes of UTF-8); bigger: error `tooLarge`, socket kept. */
  maxMessageBytes: 65536,
  /**
   * ws `maxPayload`: largest message the socket reads at all, fragments included (bytes);
   * bigger: the socket is closed with 1009 by the ws library. Bounds what one socket can make
   * the server hold in unfinished fragments.
   */
  maxPayloadBytes: 1048576,
  /** Deepest accepted JSON nesting (objects + arrays); deeper: error `tooDeep`, socket kept. */
  maxDepth: 64,
  /** Per-socket token bucket: messages per second refilled, and the burst (bucket size). */
  messagesPerSecond: 100,
  messageBurst: 400,
  /** Per-socket token bucket on bytes received: bytes per second refilled, and the burst. */
  bytesPerSecond: 1048576,
  bytesBurst: 4194304,
  /** A socket whose unsent outbound data exceeds this (bytes) is dropped (close 4508). */
  maxSendBufferBytes: 1048576,
  /** A socket that has not joined within this time (ms) is closed (error `joinTimeout`, 4408). */
  joinTimeoutMs: 10000,
  /** Open sockets per remote IP address; more: the upgrade is answered with HTTP 429. */
  maxConnectionsPerIp: 64,
  /** Messages buffered for one member in its grace period (the oldest is dropped, its sender told). */
  maxBufferedPerMember: 256,
  /** Distinct unknown connection ids with held transients per consultation. */
  maxHeldIdsPerRoom: 64,
  /** Bytes held for one consultation (grace buffers + held transients); beyond: `heldOverflow`. */
  maxHeldBytesPerRoom: 4194304,
  /** Bytes held by the whole server (grace buffers + held transients); beyond: `heldOverflow`. */
  maxHeldBytesTotal: 268435456,
});

/**
 * Merges `options` over DEFAULT_LIMITS, checking each value is a positive integer.
 * @param {Partial<typeof DEFAULT_LIMITS>} [options]
 * @returns {typeof DEFAULT_LIMITS} a new frozen object
 * @throws {TypeError} on an unknown key or a value that is not a positive safe integer
 */
export function resolveLimits(options = {}) {
  const out = { ...DEFAULT_LIMITS };
  for (const [key, value] of Object.entries(options)) {
    if (!(key in DEFAULT_LIMITS)) throw new TypeError(`unknown limit '${key}'`);
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value <= 0) throw new TypeError(`limit ${key} must be a positive integer; got ${value}`);
    out[key] = value;
  }
  if (out.maxPayloadBytes < out.maxMessageBytes) throw new TypeError('limit maxPayloadBytes must be >= maxMessageBytes');
  return Object.freeze(out);
}

/**
 * A token bucket (RFC 2697's single-rate idea, as used for API rate limits): `capacity` tokens,
 * refilled continuously at `ratePerSecond`; `take(n)` spends n tokens if there are that many.
 * Time is passed in (ms, monotonic) so the bucket is testable without clocks.
 */
export class TokenBucket {
  /**
   * @param {number} ratePerSecond tokens added per second (> 0)
   * @param {number} capacity most tokens held (the burst), > 0; starts full
   * @param {number} nowMs current time in ms
   */
  constructor(ratePerSecond, capacity, nowMs) {
    this.rate = ratePerSecond / 1000;
    this.capacity = capacity;
    this.tokens = capacity;
    this.at = nowMs;
  }

  /** Refills for the time since the last call. */
  refill(nowMs) {
    if (nowMs > this.at) {
      this.tokens = Math.min(this.capacity, this.tokens + (nowMs - this.at) * this.rate);
      this.at = nowMs;
    }
  }

  /**
   * Spends `n` tokens when available. A cost above the capacity is charged as the full capacity
   * (such a message passes only with a full bucket).
   * @returns {boolean} true when spent, false when there were not enough (nothing spent)
   */
  take(n, nowMs) {
    this.refill(nowMs);
    const cost = Math.min(n, this.capacity);
    if (this.tokens < cost) return false;
    this.tokens -= cost;
    return true;
  }

  /** Milliseconds until `n` tokens are available (0 when they are now). */
  waitMs(n, nowMs) {
    this.refill(nowMs);
    const missing = Math.min(n, this.capacity) - this.tokens;
    return missing <= 0 ? 0 : Math.ceil(missing / this.rate);
  }
}

/**
 * Nesting depth of a JSON text (objects and arrays), counted without parsing, stopping as soon
 * as `max` is exceeded. Brackets inside strings (with backslash escapes) are not counted.
 * Malformed JSON gives some depth; JSON.parse reports it afterwards.
 * @param {Buffer} buf UTF-8 JSON text
 * @param {number} max
 * @returns {boolean} true when the text nests deeper than `max`
 */
export function deeperThan(buf, max) {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < buf.length; i += 1) {
    const c = buf[i];
    if (inString) {
      if (c === 0x5c) i += 1; // backslash: skip the escaped byte
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      depth += 1;
      if (depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) {
      depth -= 1;
    }
  }
  return false;
}

/** True when `buf` is valid UTF-8 (RFC 3629), via Node's buffer.isUtf8. */
export const validUtf8 = (buf) => isUtf8(buf);

/** Counts open sockets per remote address. */
export class IpCounter {
  constructor() {
    /** @type {Map<string, number>} */
    this.counts = new Map();
  }

  /** @returns {number} sockets open from `ip` */
  get(ip) {
    return this.counts.get(ip) ?? 0;
  }

  add(ip) {
    this.counts.set(ip, this.get(ip) + 1);
  }

  remove(ip) {
    const n = this.get(ip) - 1;
    if (n > 0) this.counts.set(ip, n);
    else this.counts.delete(ip);
  }
}
