// The consultation log shared by several signaling processes through Redis (docs/scaling.md).
//
// Each consultation's log is a Redis stream `callcore:room:{id}` (XADD; the key has a TTL that
// every append renews). An append is one Lua script that adds the event to the stream and
// publishes `<stream id>\n<event>` on the channel of the same name, atomically: the stream gives
// order and replay (a process that starts serving a consultation reads it from its first entry;
// a process that lost its subscription reads what it missed), pub/sub gives the low latency
// push. Every process applies a consultation's events in stream-id order, each once.
//
// Liveness: each process refreshes `callcore:node:<id>` (TTL nodeTtlMs) and records its last beat
// (the Redis clock, ms) in the hash `callcore:nodes`; a process whose key expired is dead and the
// others move its members to their grace period (signaling.js, nodeDown). Requested connection
// ids are registered in `callcore:id:<id>` (TTL) so no two consultations take the same one.

import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';

const APPEND = `
local id = redis.call('XADD', KEYS[1], '*', 'e', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PUBLISH', KEYS[1], id .. '\\n' .. ARGV[1])
return id`;

const BEAT = `
local t = redis.call('TIME')
local ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('SET', KEYS[1], ms, 'PX', ARGV[2])
redis.call('HSET', KEYS[2], ARGV[1], ms)
return ms`;

/** Stream ids `ms-n` compared as numbers. */
function after(a, b) {
  const [am, an] = a.split('-').map(Number);
  const [bm, bn] = b.split('-').map(Number);
  return am > bm || (am === bm && an > bn);
}

/**
 * Connects to Redis and returns the shared log (the Bus interface of bus.js).
 *
 * @param {object} options
 * @param {string} options.url Redis URL, `redis://host:port[/db]` (ioredis syntax)
 * @param {string} [options.nodeId] this process's id (letters and digits; default 6 random hex)
 * @param {number} [options.roomTtlMs=86400000] a consultation's log expires this long after its
 *   last event (ms)
 * @param {number} [options.nodeTtlMs=3000] a process that has not beaten for this long is dead (ms);
 *   it beats every nodeTtlMs / 3
 * @param {number} [options.idTtlMs=86400000] how long a connection id stays registered (ms)
 * @param {number} [options.commandTimeoutMs=5000] a command (an append, a beat) that Redis has not
 *   answered within this long fails (ms): the sender of an appended message is then told
 *   (`unavailable`). Redis may still carry out a command it received late, so the message can
 *   arrive after all; the SDK drops a repeated message id.
 * @param {(...args: unknown[]) => void} [options.log]
 * @returns {Promise<import('./bus.js').Bus>}
 * @throws {Error} (rejection) when Redis cannot be reached within 5 s
 */
export async function createRedisBus({
  url, nodeId = randomBytes(3).toString('hex'), roomTtlMs = 86400000, nodeTtlMs = 3000, idTtlMs = 86400000,
  commandTimeoutMs = 5000, log = () => {},
}) {
  if (!/^[A-Za-z0-9]{1,32}$/.test(nodeId)) throw new TypeError('nodeId: 1-32 letters or digits');
  if (!Number.isInteger(commandTimeoutMs) || commandTimeoutMs < 100) throw new TypeError('commandTimeoutMs: an integer >= 100 (ms)');
  const options = { lazyConnect: true, enableOfflineQueue: true, connectTimeout: 5000 };
  // Commands wait (queued) while Redis is away or slow, and fail after commandTimeoutMs: then the
  // sender of a message is told (signaling.js, `unavailable`). The subscriber has no timeout.
  const cmd = new Redis(url, { ...options, commandTimeout: commandTimeoutMs });
  const sub = new Redis(url, { ...options, maxRetriesPerRequest: null });
  for (const c of [cmd, sub]) c.on('error', (err) => log('redis', err.message));
  await Promise.all([cmd.connect(), sub.connect()]);
  cmd.defineCommand('ccAppend', { numberOfKeys: 1, lua: APPEND });
  cmd.defineCommand('ccBeat', { numberOfKeys: 2, lua: BEAT });

  // Liveness and membership name this run: a process restarted under the same name does not
  // inherit the members its previous run carried (they are moved to their grace period).
  const instanceId = `${nodeId}.${randomBytes(4).toString('hex')}`;
  const roomKey = (roomId) => `callcore:room:{${roomId}}`;
  const nodeKey = (id) => `callcore:node:${id}`;
  let apply = null;
  /** @type {Map<string, {roomId: string, last: string, ready: Promise<void>|null, early: [string, string][], live: boolean}>} */
  const opened = new Map(); // by stream key
  let closed = false;

  const beat = () => cmd.ccBeat(nodeKey(instanceId), 'callcore:nodes', instanceId, nodeTtlMs).catch((err) => log('beat failed', err.message));
  await beat();
  const beater = setInterval(beat, Math.max(100, Math.floor(nodeTtlMs / 3)));
  beater.unref();

  /** Applies one entry of a room's log unless it was applied already. */
  function take(state, id, text) {
    if (!after(id, state.last)) return;
    state.last = id;
    let event;
    try { event = JSON.parse(text); } catch { return log(`bad log entry ${id}`); }
    apply(state.roomId, id, event);
  }

  /** Reads the entries after `state.last` (replay, or what a reconnect missed), in order. */
  async function catchUp(key, state) {
    for (;;) {
      const entries = await cmd.xrange(key, `(${state.last}`, '+', 'COUNT', 1000);
      if (opened.get(key) !== state) return;
      for (const [id, fields] of entries) take(state, id, fields[1]);
      if (entries.length < 1000) return;
    }
  }

  sub.on('message', (channel, message) => {
    const state = opened.get(channel);
    if (!state) return;
    const nl = message.indexOf('\n');
    const id = message.slice(0, nl);
    const text = message.slice(nl + 1);
    if (!state.live) state.early.push([id, text]);
    else take(state, id, text);
  });

  // After a lost subscription connection, what was published meanwhile is read from the streams.
  sub.on('ready', () => {
    for (const [key, state] of opened) if (state.live) catchUp(key, state).catch((err) => log('catch-up failed', err.message));
  });

  return {
    nodeId,
    instanceId,
    shared: true,
    bind(fn) { apply = fn; },
    open(roomId) {
      const key = roomKey(roomId);
      const existing = opened.get(key);
      if (existing) return existing.ready;
      const state = { roomId, last: '0-0', ready: null, early: [], live: false };
      opened.set(key, state);
      state.ready = (async () => {
        await sub.subscribe(key); // first: nothing published from now on is missed
        await catchUp(key, state);
        state.live = true;
        for (const [id, text] of state.early) take(state, id, text);
        state.early = [];
        state.ready = null;
      })();
      state.ready.catch(() => opened.delete(key));
      return state.ready;
    },
    append(roomId, event, onFail) {
      if (closed) return onFail?.(new Error('closed'));
      cmd.ccAppend(roomKey(roomId), JSON.stringify(event), roomTtlMs).catch((err) => {
        log('append failed', err.message);
        onFail?.(err);
      });
    },
    release(roomId) {
      const key = roomKey(roomId);
      const state = opened.get(key);
      if (!state || !state.live) return;
      opened.delete(key);
      sub.unsubscribe(key).catch(() => {});
    },
    async idFree(connectionId, roomId) {
      const owner = await cmd.get(`callcore:id:${connectionId}`);
      return owner === null || owner === roomId;
    },
    claimId(connectionId, roomId) {
      cmd.set(`callcore:id:${connectionId}`, roomId, 'PX', idTtlMs).catch((err) => log('id claim failed', err.message));
    },
    async deadNodes() {
      const all = await cmd.hgetall('callcore:nodes');
      const others = Object.keys(all).filter((id) => id !== instanceId);
      if (others.length === 0) return new Set();
      const alive = await cmd.mget(others.map(nodeKey));
      const dead = others.filter((id, i) => alive[i] === null);
      // Instances dead for longer than a log lives are forgotten.
      const old = dead.filter((id) => Number(all[id]) < Date.now() - roomTtlMs);
      if (old.length) cmd.hdel('callcore:nodes', ...old).catch(() => {});
      return new Set(dead);
    },
    async lastSeen(node) {
      const ms = await cmd.hget('callcore:nodes', node);
      return ms === null ? null : Number(ms);
    },
    async close() {
      closed = true;
      clearInterval(beater);
      opened.clear();
      // A clean stop: the key goes now, so the others move our members at once.
      await cmd.del(nodeKey(instanceId)).catch(() => {});
      sub.disconnect();
      await cmd.quit().catch(() => cmd.disconnect()); // after the appends already sent

    },
  };
}
