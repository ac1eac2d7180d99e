// The consultation log of the reference signaling server, in one process (docs/scaling.md §2).
//
// signaling.js never changes a consultation's state directly: it appends an event (a join, a
// message, a drop, a timer's end) to the consultation's log and applies the events in log order.
// This bus is the log of a single process: append applies at once (after the event being applied,
// if any). redis-bus.js is the same interface over Redis streams, shared by several processes.

/**
 * @typedef {object} Bus the log signaling.js appends to and applies from
 * @property {string} nodeId this process's name (in connection ids)
 * @property {string} instanceId this run of the process (in membership records and liveness):
 *   a process restarted under the same name is another instance
 * @property {boolean} shared true when other processes share the log (Redis): delivered
 *   messages then carry their log position `seq`, and nodes can fail
 * @property {(apply: (roomId: string, seq: string|number, event: object) => void) => void} bind
 *   sets the one function events are applied with, in log order per consultation
 * @property {(roomId: string) => Promise<void>|null} open makes this process apply the
 *   consultation's events (replaying its log first); null when nothing has to be waited for
 * @property {(roomId: string, event: object, onFail?: (err: Error) => void) => void} append adds
 *   an event (JSON-serializable); `onFail` is called if it could not be stored (Redis unreachable)
 * @property {(roomId: string) => void} release this process no longer needs the consultation
 * @property {(connectionId: string, roomId: string) => Promise<boolean>|boolean} idFree
 *   may a member of `roomId` take this requested connection id (nobody else's in any process)?
 * @property {(connectionId: string, roomId: string) => void} claimId records that id as roomId's
 * @property {() => Promise<Set<string>>|null} deadNodes node ids whose heartbeat expired (null: none can die)
 * @property {(node: string) => Promise<number|null>} lastSeen when a node last beat (ms, the log's clock)
 * @property {() => Promise<void>} close
 */

/**
 * The single-process log: events are applied synchronously in append order; an event appended
 * while another is being applied (a slow consumer found while delivering) is applied right after.
 * Positions are integers counted per process.
 * @param {{nodeId?: string}} [options]
 * @returns {Bus}
 */
export function createMemoryBus({ nodeId = 'local' } = {}) {
  let apply = null;
  let seq = 0;
  const queue = [];
  let draining = false;
  return {
    nodeId,
    instanceId: nodeId,
    shared: false,
    bind(fn) { apply = fn; },
    open: () => null,
    append(roomId, event) {
      queue.push([roomId, event]);
      if (draining) return;
      draining = true;
      try {
        while (queue.length) {
          const [r, e] = queue.shift();
          seq += 1;
          apply(r, seq, e);
        }
      } finally {
        draining = false;
      }
    },
    release() {},
    idFree: () => true,
    claimId() {},
    deadNodes: () => null,
    lastSeen: async () => null,
    close: async () => {},
  };
}

/**
 * Compares two log positions: integers (memory) or Redis stream ids `ms-n` (redis).
 * @returns {number} < 0, 0, > 0
 */
export function compareSeq(a, b) {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const [am, an] = String(a).split('-').map(Number);
  const [bm, bn] = String(b).split('-').map(Number);
  return am - bm || (an || 0) - (bn || 0);
}
