// Loads the wasm core once per page (top-level await), so the public constructors stay
// synchronous as in the budu-webrtc seed. Where the binary comes from is js/wasm-url.js
// (dist/callcore.js: callcore.wasm beside the bundle, streaming compile) or, in the one-file
// variant, js/wasm-inline.js (dist/callcore.inline.js: inlined as hex); scripts/build.mjs picks
// one per bundle. Both hand Emscripten's glue an instantiated module through its
// `instantiateWasm` hook.
import createCallcoreModule from '../build/wasm/callcore_core.cjs';
import { instantiateWasm } from './wasm-url.js';

/**
 * Instantiates the Emscripten module with the wasm binary from `instantiate`.
 * @param {(imports: WebAssembly.Imports) => Promise<WebAssembly.WebAssemblyInstantiatedSource>} instantiate
 * @returns {Promise<object>} the embind module: dictionary(), validateParams(), Session, logger*()
 * @throws {Error} whatever `instantiate` throws (the glue would otherwise wait forever), or the
 *   glue's abort (a RuntimeError) when the runtime fails to start
 */
function createCore(instantiate) {
  return new Promise((resolve, reject) => {
    createCallcoreModule({
      instantiateWasm(imports, receiveInstance) {
        instantiate(imports).then(({ instance, module }) => receiveInstance(instance, module)).catch(reject);
        return {}; // the exports arrive asynchronously, through receiveInstance
      },
    }).then(resolve, reject);
  });
}

/**
 * Runs one whole call between two in-memory sessions (portal-socket mode, the browser played by
 * this function, a tiny SDP), then deletes them and puts the page logger back as it was. The
 * first passes through the core's code are several times slower than later ones (the engine
 * compiles wasm functions with its baseline compiler on first use and optimizes the hot ones in
 * background threads after a few calls); doing that while the page is idle after import keeps it
 * out of the first real call's setup (docs/benchmarks.md, "Call setup latency"). Never throws: a
 * failure only means a colder first call.
 */
function warmUp(core) {
  const base = { consultationId: 'warm-up', isAudio: false, hasSend: true, enterTimeoutSecond: 60, answerTimeoutSecond: 60 };
  const params = [
    { ...base, name: 'd', clientId: 'd', connectionId: 'warm-d', doctor: { avatarId: 'a', fullName: 'd', specialityName: 's' } },
    { ...base, name: 'c', clientId: 'c', connectionId: 'warm-c' },
  ];
  const sessions = [];
  let saved;
  try {
    saved = JSON.parse(core.loggerEntries()); // entries the app may already have made
  } catch {
    return; // an unreadable log is left alone (and the warm-up skipped)
  }
  try {
    const sdp = (type) => `v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=ice-ufrag:wu\r\na=ice-pwd:warmupwarmupwarmupwarmup\r\na=setup:${type === 'offer' ? 'actpass' : 'active'}\r\na=mid:0\r\na=sendrecv\r\na=rtpmap:96 VP8/90000\r\n`;
    const candidate = { candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host', sdpMid: '0', sdpMLineIndex: 0 };
    const queue = [[0, { kind: 'call', requestId: 1 }]];
    const push = (side, input) => queue.push([side, input]);
    sessions.push(new core.Session('doctor', JSON.stringify(params[0]), 0), new core.Session('client', JSON.stringify(params[1]), 0));
    sessions[0].drain();
    sessions[1].drain();
    const done = [false, false];
    for (let steps = 0, now = 1; queue.length > 0 && steps < 200; steps++, now++) {
      const [side, input] = queue.shift();
      for (const { kind, data } of JSON.parse(sessions[side].handle(JSON.stringify(input), now))) {
        if (kind === 'send') {
          const type = data.message.type ?? data.message.data?.type;
          push(1 - side, { kind: 'signalingMessage', text: JSON.stringify({ type, data: data.message.data }) });
        } else if (kind === 'acquireMedia') {
          push(side, { kind: 'mediaAcquired', hasAudio: true, hasVideo: true, streamId: `warm-${side}` });
        } else if (kind === 'createPeerConnection') {
          push(side, { kind: 'negotiationNeeded' });
        } else if (kind === 'setLocalDescription') {
          push(side, { kind: 'localDescription', type: data.type, sdp: sdp(data.type) });
          push(side, { kind: 'localIceCandidate', candidate });
          push(side, { kind: 'localIceCandidate', candidate: null });
        } else if (kind === 'setRemoteDescription') {
          push(side, { kind: 'remoteDescriptionSet', type: data.description.type });
          push(side, { kind: 'remoteTrack', trackKind: 'video', streamId: `warm-${1 - side}` });
          if (!done[side]) {
            done[side] = true;
            for (const state of ['checking', 'connected']) push(side, { kind: 'peerStateChange', event: 'iceconnectionstatechange', state });
            push(side, { kind: 'peerStateChange', event: 'connectionstatechange', state: 'connected' });
            if (side === 0) push(0, { kind: 'hangUp' });
          }
        } else if (kind === 'emit' && side === 1 && data.eventType === 'enterEvent') {
          push(1, { kind: 'call', requestId: 1 });
        }
      }
    }
  } catch {
    // a colder first call, nothing worse
  } finally {
    for (const session of sessions) session.delete();
    core.loggerClear();
    for (const e of saved) core.loggerLog(e.level, e.event, e.connectionId ?? '', JSON.stringify(e.data ?? {}), e.time);
  }
}

/** The instantiated embind module: dictionary(), validateParams(), Session, logger*(). */
export const core = await createCore(instantiateWasm);

/**
 * Warm-up passes after import, one per task so that none blocks the page for long (measured in
 * Chromium on the benchmark machine: ~20-50 ms for the first, 3-20 ms for each next one). One pass
 * left the first real call's core work ~1.7x slower than four do and V8 optimizing in the
 * background during the call; six passes gave the same figures as four (bench/notes.md).
 */
const WARM_UP_PASSES = 4;
let warmUpsLeft = WARM_UP_PASSES;
const warmUpNext = () => {
  warmUp(core);
  if (--warmUpsLeft > 0) setTimeout(warmUpNext, 0);
};
setTimeout(warmUpNext, 0);
