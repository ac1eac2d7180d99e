// Both sides renegotiate at the same moment, 20 rounds in a row (perfect negotiation, protocol.md
// §6.3: the doctor impolite, the client polite). Each round changes both peer connections at once
// (the SDK reacts to negotiationneeded): most rounds flip the direction of the audio transceiver
// (sendrecv ⇄ sendonly), every 5th adds a recvonly audio transceiver. A round ends when both sides
// are 'stable' with every change negotiated, and video still decodes on both sides.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startSuite, establishCall, waitFor, waitForStats, getStats, negotiationSettledInPage, WAIT_MS,
} from './harness.js';

const TEST_TIMEOUT = 240000;
const ROUNDS = 20;

// Runs in each page: records the signaling states its peer connection goes through.
function watchSignaling() {
  const pc = window.call.connection;
  window.signalingStates = [];
  pc.addEventListener('signalingstatechange', () => window.signalingStates.push(pc.signalingState));
}

// Runs in each page: the change of one round (synchronous, so both pages act at once).
function change(round) {
  const pc = window.call.connection;
  if (round % 5 === 0) {
    pc.addTransceiver('audio', { direction: 'recvonly' });
    return 'addTransceiver';
  }
  const audio = pc.getTransceivers().find((t) => t.sender.track && t.sender.track.kind === 'audio');
  audio.direction = audio.direction === 'sendrecv' ? 'sendonly' : 'sendrecv';
  return `audio ${audio.direction}`;
}

/** Polls both pages until both are settled with as many negotiated transceivers; a deadline. */
async function bothSettled(pages, message, timeout = WAIT_MS) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const states = await Promise.all(pages.map((page) => page.evaluate(negotiationSettledInPage)));
    if (states.every(Boolean) && states[0].transceivers === states[1].transceivers) return states;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for: ${message}; last: ${JSON.stringify(states)}`);
    await new Promise((resolve) => setTimeout(resolve, 50)); // poll interval, not a wait for an outcome
  }
}

describe('renegotiation from both sides at once', () => {
  let suite;
  const run = (fn) => (t) => suite.wrap(fn)(t);
  before(async () => { suite = await startSuite('renegotiation'); });
  after(async () => { if (suite) await suite.close(); });

  it(`${ROUNDS} rounds of simultaneous renegotiation: each ends stable on both sides with video flowing`, { timeout: TEST_TIMEOUT }, run(async (t) => {
    const { doctor, client } = await establishCall(suite, { tag: 'glare' });
    const pages = [doctor, client];
    for (const page of pages) await waitForStats(page, { framesDecoded: 1 });
    // The first exchange has settled before the rounds start.
    for (const page of pages) await waitFor(page, negotiationSettledInPage, undefined, { message: 'initial negotiation settled' });

    let collisions = 0;
    const roundMs = [];
    for (let round = 1; round <= ROUNDS; round += 1) {
      await Promise.all(pages.map((page) => page.evaluate(watchSignaling)));
      const before = await Promise.all(pages.map((page) => getStats(page)));
      const startedAt = Date.now();
      const actions = await Promise.all(pages.map((page) => page.evaluate(change, round)));

      for (const page of pages) {
        await waitFor(page, negotiationSettledInPage, undefined, {
          message: `round ${round} (${actions.join(', ')}): stable with every change negotiated`,
        });
      }
      // Each side alone can be settled between the two exchanges of a collided round (the doctor
      // after answering nothing yet of the client's own change); the round is over when both are
      // settled at the same time with the same transceivers.
      const settled = await bothSettled(pages, `round ${round} (${actions.join(', ')}): both sides settled with the same transceivers`);
      const ms = Date.now() - startedAt;
      if (round % 5 === 0) assert.equal(settled[0].transceivers, 2 + 2 * (round / 5), `round ${round}: both added transceivers are negotiated`);

      for (const [i, page] of pages.entries()) {
        await waitForStats(page, { framesDecoded: before[i].framesDecoded + 3 });
        assert.equal(await page.evaluate(() => window.call.callState), 'connected', `[${page.label}] round ${round}: still connected`);
      }
      // Still settled after the media check (no negotiation left running).
      for (const page of pages) {
        assert.ok(await page.evaluate(negotiationSettledInPage), `[${page.label}] round ${round}: settled after the media check`);
      }
      const states = await Promise.all(pages.map((page) => page.evaluate(() => window.signalingStates)));
      // A collision: both sides had a local offer out in this round.
      if (states.every((s) => s.includes('have-local-offer'))) collisions += 1;
      roundMs.push(ms);
    }

    // Audio was flipped an even number of times: sendrecv again, so audio flows both ways too.
    for (const page of pages) {
      const s = await getStats(page);
      await waitForStats(page, { audioPacketsReceived: s.audioPacketsReceived + 10 });
    }
    const sdpBytes = (await doctor.evaluate(negotiationSettledInPage)).sdpBytes;
    t.diagnostic(`${ROUNDS} rounds, ${collisions} with offers from both sides; settle ms per round: ${roundMs.join(' ')}; final local+remote SDP ${sdpBytes} bytes`);
    assert.ok(collisions >= 1, `at least one round had offers from both sides (got ${collisions})`);
  }));
});
