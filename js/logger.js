import { core } from './core.js';
import { CONNECTION_EVENT_LIST } from './dictionary.js';

const connectionEvents = new Set(Object.values(CONNECTION_EVENT_LIST));

/**
 * The page-wide call log (seed: budu-webrtc `logger`), kept by the C++ core in a bounded ring
 * buffer of 1000 entries; secrets (ICE passwords, SDES keys, TURN usernames and credentials,
 * tokens and API keys, also in URL query strings, cookies, Authorization headers) are redacted
 * before they are stored. An entry is `{time (ms since epoch), level ('debug'|'info'|'warn'|'error'),
 * event, connectionId, data}`.
 */
export const logger = {
  /** Every entry, oldest first. */
  entries() {
    return JSON.parse(core.loggerEntries());
  },
  /** Entries of RTCPeerConnection state changes (event in CONNECTION_EVENT_LIST), oldest first. */
  getConnectionEvents() {
    return this.entries().filter((entry) => connectionEvents.has(entry.event));
  },
  /** Entries for which `fn(entry)` is truthy. */
  filter(fn) {
    return this.entries().filter(fn);
  },
  /**
   * The whole log as a JSON string, to attach to a bug report: `{format: 'callcore-log',
   * version: 1, capacity, dropped, truncated, entries}` — `dropped` counts the oldest entries the
   * ring buffer lost since the last clear(), `truncated` is `dropped > 0`.
   */
  export() {
    return core.loggerExport();
  },
  /** How many entries the ring buffer dropped (oldest first) since the last clear(). */
  dropped() {
    return core.loggerDropped();
  },
  /** Empties the log. */
  clear() {
    core.loggerClear();
  },
};

/** Logs an entry from the shell (a browser callback that failed outside any call decision). */
export function logFromShell(level, event, connectionId, data) {
  let text;
  try {
    text = JSON.stringify(data ?? {});
  } catch {
    text = '{}';
  }
  core.loggerLog(level, event, connectionId ?? '', text, Date.now());
}
