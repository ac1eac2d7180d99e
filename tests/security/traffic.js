// The random-traffic property check of the server's message handling, shared by
// tests/security/property.test.js (one process) and tests/scale/property.test.js (members spread
// over processes sharing Redis): random (seeded) publishes, transients to random ids (own room,
// other room, unknown) and bad frames from six members of two consultations. Invariants: a
// message reaches exactly the members of the sender's consultation and other role it was
// addressed to; per sender, order is kept; every message that did not reach an addressee is
// answered to its sender (nothing lost silently); everyone is still there afterwards.
import assert from 'node:assert/strict';
import { connect, room, until } from './helpers.js';

/** Deterministic PRNG (mulberry32), so a failure replays with its seed. */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const BAD_FRAMES = [
  '{', '[]', 'null', '{"type":42}', `{"type":"x","data":${'['.repeat(100)}${']'.repeat(100)}}`,
  Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]), '{"type":"joined","data":{}}',
];

/**
 * Runs 150 random actions of seed `seed` against servers with join tokens (SECRET), the k-th
 * member connecting to urls[k % urls.length], and asserts the invariants above. The servers'
 * grace period must be short (≈300 ms): unknown ids are answered `unroutable` after it.
 * @param {number} seed
 * @param {string[]} urls WebSocket URLs
 * @param {() => object|Promise<object>} snapshot a server's snapshot() (to check membership)
 */
export async function randomTraffic(seed, urls, snapshot) {
  const rand = prng(seed);
  const pick = (list) => list[Math.floor(rand() * list.length)];
  const members = [];
  for (const c of [room('prop'), room('prop')]) {
    for (const [role, sub] of [['doctor', `d-${c}`], ['client', `c1-${c}`], ['client', `c2-${c}`]]) {
      const m = await connect(urls[members.length % urls.length]);
      await m.joinAs(c, role, sub);
      Object.assign(m, { role, room: c, label: sub, seq: 0, expectErrors: 0 });
      members.push(m);
    }
  }
  // Let every peerJoined arrive, then forget them: only the traffic below is checked.
  for (const m of members) {
    const others = members.filter((o) => o !== m && o.room === m.room && o.role !== m.role && members.indexOf(o) > members.indexOf(m));
    for (const o of others) await m.next((x) => x.type === 'peerJoined' && x.data.connectionId === o.connectionId);
    m.inbox.length = 0;
  }
  const expected = new Map(members.map((m) => [m, []])); // receiver → [`${from}#${seq}`] in send order
  const ids = [...members.map((m) => m.connectionId), 'c-000000000000', 'c-ffffffffffff'];
  for (let i = 0; i < 150; i += 1) {
    const s = pick(members);
    const r = rand();
    if (r < 0.1) {
      s.send(pick(BAD_FRAMES));
      s.expectErrors += 1;
      continue;
    }
    s.seq += 1;
    const tag = `${s.label}#${s.seq}`;
    if (r < 0.4) {
      s.publish('p', { tag });
      for (const o of members) if (o.room === s.room && o.role !== s.role) expected.get(o).push(tag);
      continue;
    }
    const to = [...new Set(Array.from({ length: 1 + Math.floor(rand() * 3) }, () => pick(ids)))];
    s.transient('t', to, { tag });
    let forbidden = false;
    let unroutable = false;
    for (const id of to) {
      if (id === s.connectionId) continue;
      const o = members.find((x) => x.connectionId === id);
      if (o && o.room === s.room && o.role !== s.role) expected.get(o).push(tag);
      else if (o && o.room === s.room) forbidden = true;
      else unroutable = true; // another consultation's id or unknown: held, then unroutable
    }
    s.expectErrors += Number(forbidden) + Number(unroutable);
  }
  // Every sender gets exactly its errors (unroutable after the 300 ms hold) and nothing else
  // but what was addressed to it.
  for (const m of members) {
    await until(() => m.inbox.filter((x) => x.type === 'error').length >= m.expectErrors, `${m.label}: ${m.expectErrors} errors`);
    await until(() => m.inbox.filter((x) => x.type !== 'error').length >= expected.get(m).length, `${m.label}: its messages`);
  }
  await Promise.all(members.map((m) => m.barrier()));
  for (const m of members) {
    const got = m.inbox.filter((x) => x.type !== 'error');
    const errs = m.inbox.filter((x) => x.type === 'error');
    assert.equal(errs.length, m.expectErrors, `${m.label}: ${JSON.stringify(errs.map((e) => e.data.code))}`);
    for (const x of got) {
      assert.equal(x.data.consultationId, m.room, `${m.label} got a message of another consultation`);
      const from = members.find((o) => o.connectionId === x.data.sender.connectionId);
      assert.ok(from && from.role !== m.role && from.room === m.room, `${m.label} got ${x.data.tag} from ${from?.label}`);
    }
    // Exactly the expected messages, each sender's in its order (senders interleave freely).
    const bySender = (tags) => {
      const out = {};
      for (const t of tags) (out[t.split('#')[0]] ??= []).push(t);
      return out;
    };
    assert.deepEqual(bySender(got.map((x) => x.data.tag)), bySender(expected.get(m)), `${m.label} (seed ${seed})`);
  }
  assert.equal((await snapshot()).rooms[members[0].room].length, 3, 'everyone still there');
  await Promise.all(members.map((m) => m.close()));
}
