// Loaded after instrument.js by the answer benchmark's pages (bench/answer.mjs), so callcore and the
// vanilla pair are observed in exactly the same way.
//  - window.remoteStreamShown(): the page's app now has the far side's video (callcore:
//    EVENT_LIST.REMOTE_STREAM; vanilla: the RTCPeerConnection's video 'track' event). Marks
//    'remoteStream' (first time only).
//  - window.watchAnswer(): polls getStats() of every live peer connection every 5 ms (as
//    instrument.js's watchFrames does) and marks 'decoded' at the first poll that shows an
//    inbound-rtp video report with framesDecoded > 0, then 'shown' at the first moment both hold:
//    the app has the remote stream and its video has decoded a frame, i.e.
//    max(remoteStream, decoded). Frames decoded before the poll started count as decoded at its
//    first poll, so 'shown' is then the remote stream's time (when the app can show them).
//  - window.ringFigures(): what the page's connection looks like now (before t0): ICE state,
//    video frames decoded, bytes sent.
(() => {
  const now = () => performance.timeOrigin + performance.now();
  let streamAt = null;
  let decodedAt = null;
  let watching = false;

  const maybeShown = () => {
    if (streamAt !== null && decodedAt !== null && window.firstMark('shown') === null) {
      window.marks.push({ name: 'shown', t: Math.max(streamAt, decodedAt) });
    }
  };

  window.remoteStreamShown = () => {
    if (streamAt !== null) return;
    streamAt = now();
    window.marks.push({ name: 'remoteStream', t: streamAt });
    maybeShown();
  };

  window.watchAnswer = ({ trace = false } = {}) => {
    if (watching) return;
    watching = true;
    // With `trace` (node bench/answer.mjs --trace; not in the measured runs of run.mjs: the extra
    // polling costs CPU on the critical path), also marked, for the timeline only: 'encoded' (this
    // page's outbound-rtp video first shows framesEncoded > 0) and 'packet' (its inbound-rtp video
    // first shows packetsReceived > 0; packets received before the poll started count at its first
    // poll); the poll then goes on until this page has encoded a video frame.
    const seen = new Set();
    const once = (name) => {
      if (seen.has(name)) return;
      seen.add(name);
      const t = now();
      window.marks.push({ name, t });
      if (name === 'decoded') { decodedAt = t; maybeShown(); }
    };
    const poll = async () => {
      for (const pc of window.openPcs()) {
        const report = await pc.getStats();
        for (const s of report.values()) {
          if (s.type === 'inbound-rtp' && s.kind === 'video' && s.framesDecoded > 0) once('decoded');
          if (!trace) continue;
          if (s.type === 'inbound-rtp' && s.kind === 'video' && s.packetsReceived > 0) once('packet');
          if (s.type === 'outbound-rtp' && s.kind === 'video' && s.framesEncoded > 0) once('encoded');
        }
      }
      if (seen.has('decoded') && (!trace || seen.has('encoded'))) watching = false;
      if (watching) setTimeout(poll, 5);
    };
    poll();
  };
  window.stopWatchingAnswer = () => { watching = false; };

  window.ringFigures = async () => {
    const out = { pcs: 0, ice: null, framesDecoded: 0, bytesSent: 0, videoBytesReceived: 0 };
    for (const pc of window.openPcs()) {
      out.pcs += 1;
      out.ice = pc.iceConnectionState;
      const report = await pc.getStats();
      for (const s of report.values()) {
        if (s.type === 'inbound-rtp' && s.kind === 'video') {
          out.framesDecoded += s.framesDecoded || 0;
          out.videoBytesReceived += s.bytesReceived || 0;
        }
        if (s.type === 'outbound-rtp') out.bytesSent += s.bytesSent || 0;
      }
    }
    return out;
  };
})();
