// Loaded first (classic script) by every benchmark page, so the three contenders (callcore,
// vanilla RTCPeerConnection code, simple-peer) are observed in exactly the same way:
//  - window.mark(name): {name, t} with t = performance.timeOrigin + performance.now() (ms since
//    the epoch, sub-ms; comparable between the pages of one machine);
//  - getUserMedia start/end, RTCPeerConnection creation, ICE/connection state changes, tracks
//    and close() are marked by wrappers installed before any page code runs;
//  - WebSocket sends and receipts are marked with the message type;
//  - watchFrames(): polls getStats() of every live peer connection every 5 ms and marks
//    'frame' at the first inbound-rtp video report with framesDecoded > 0;
//  - window.pcStats: RTCPeerConnections constructed / closed / garbage-collected (FinalizationRegistry).
(() => {
  const now = () => performance.timeOrigin + performance.now();
  window.marks = [];
  window.mark = (name, detail) => {
    window.marks.push(detail === undefined ? { name, t: now() } : { name, t: now(), detail });
  };
  window.firstMark = (name) => window.marks.find((m) => m.name === name)?.t ?? null;

  const media = navigator.mediaDevices;
  const getUserMedia = media.getUserMedia.bind(media);
  media.getUserMedia = async (constraints) => {
    window.mark('gum:start');
    const stream = await getUserMedia(constraints);
    window.mark('gum:end');
    return stream;
  };

  const pcStats = { constructed: 0, closed: 0, collected: 0 };
  window.pcStats = pcStats;
  window.livePcs = new Set();
  const registry = new FinalizationRegistry(() => { pcStats.collected += 1; });
  const NativePC = window.RTCPeerConnection;
  class InstrumentedPC extends NativePC {
    constructor(...args) {
      super(...args);
      pcStats.constructed += 1;
      registry.register(this, null);
      window.livePcs.add(new WeakRef(this));
      window.mark('pc:create');
      this.addEventListener('iceconnectionstatechange', () => window.mark(`ice:${this.iceConnectionState}`));
      this.addEventListener('connectionstatechange', () => window.mark(`conn:${this.connectionState}`));
      this.addEventListener('track', (e) => window.mark(`track:${e.track.kind}`));
      this.addEventListener('icegatheringstatechange', () => window.mark(`gathering:${this.iceGatheringState}`));
      this.addEventListener('icecandidate', (e) => window.mark(e.candidate ? 'pc:candidate' : 'pc:candidates-done'));
    }

    // Browser operations, marked at call and at settle, the same for every contender.
    setLocalDescription(...args) { return this.#timed('setLocal', super.setLocalDescription(...args)); }
    setRemoteDescription(...args) { return this.#timed('setRemote', super.setRemoteDescription(...args)); }
    createOffer(...args) { return this.#timed('createOffer', super.createOffer(...args)); }
    createAnswer(...args) { return this.#timed('createAnswer', super.createAnswer(...args)); }
    addIceCandidate(...args) { return this.#timed('addIceCandidate', super.addIceCandidate(...args)); }

    #timed(name, promise) {
      window.mark(`${name}:start`);
      promise.then(() => window.mark(`${name}:end`), () => window.mark(`${name}:failed`));
      return promise;
    }

    close() {
      if (this.signalingState !== 'closed') pcStats.closed += 1;
      return super.close();
    }
  }
  window.RTCPeerConnection = InstrumentedPC;

  const messageType = (text) => {
    try {
      const m = JSON.parse(text);
      return m.type === undefined && m.route === 'vcm' ? m.data?.type : m.type;
    } catch {
      return '?';
    }
  };
  const NativeWS = window.WebSocket;
  class InstrumentedWS extends NativeWS {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (e) => window.mark(`ws:recv:${messageType(e.data)}`));
    }

    send(data) {
      window.mark(`ws:send:${messageType(data)}`);
      return super.send(data);
    }
  }
  window.WebSocket = InstrumentedWS;

  /** Forgets closed and collected peer connections (the counters in pcStats stay). */
  window.pruneInstrumentation = () => {
    for (const ref of [...window.livePcs]) {
      const pc = ref.deref();
      if (!pc || pc.signalingState === 'closed') window.livePcs.delete(ref);
    }
  };

  /** Live (not closed, not collected) peer connections of this page. */
  window.openPcs = () => [...window.livePcs].map((r) => r.deref()).filter((pc) => pc && pc.signalingState !== 'closed');

  let watching = false;
  window.watchFrames = () => {
    if (watching) return;
    watching = true;
    const poll = async () => {
      for (const pc of window.openPcs()) {
        const report = await pc.getStats();
        for (const s of report.values()) {
          if (s.type === 'inbound-rtp' && s.kind === 'video' && s.framesDecoded > 0) {
            window.mark('frame');
            watching = false;
            return;
          }
        }
      }
      if (watching) setTimeout(poll, 5);
    };
    poll();
  };
  window.stopWatchingFrames = () => { watching = false; };
})();
