// RTCPeerConnections by PcId, with their data channels and their senders by media tag. Performs
// createPc, closePc, setLocalDescription, setRemoteDescription, addIceCandidate, restartIce,
// addTrack, prepareSender, replaceTrack, removeTrack, dataSend and collectStats, and reports the connection's
// events.
import { failure } from './loop.js';

const STATE_EVENTS = [
  ['iceconnectionstatechange', 'iceConnectionState'],
  ['connectionstatechange', 'connectionState'],
  ['signalingstatechange', 'signalingState'],
  ['icegatheringstatechange', 'iceGatheringState'],
];

export class PeerHost {
  /**
   * @param {(input: object) => void} input feeds the loop
   * @param {import('./media.js').MediaHost} media the tracks and streams
   * @param {() => RTCConfiguration} config the app's RTCConfiguration (read at creation)
   * @param {(pc: RTCPeerConnection, id: number) => void} [decorate] called on each new connection
   */
  constructor(input, media, config, decorate = () => {}) {
    this._input = input;
    this._media = media;
    this._config = config;
    this._decorate = decorate;
    this._pcs = new Map(); // PcId → {pc, channels: Map<label, RTCDataChannel>, senders: Map<tag, RTCRtpSender>}
  }

  /** The RTCPeerConnection of `id`, or null. */
  connection(id) {
    return this._pcs.get(id)?.pc ?? null;
  }

  _failed(pc, operation) {
    return (error) => this._input({ kind: 'operationFailed', pc, operation, ...failure(error) });
  }

  createPc({ pc: id, dataChannels, bundlePolicy }) {
    let pc;
    try {
      // The core's RTCConfiguration fields are defaults; the app's connectionConfig wins.
      pc = new RTCPeerConnection({ bundlePolicy, ...this._config() });
    } catch (error) {
      this._failed(id, 'createPeerConnection')(error);
      return;
    }
    const entry = { pc, channels: new Map(), senders: new Map() };
    this._pcs.set(id, entry);
    this._decorate(pc, id);
    for (const { label, id: channelId, ...init } of dataChannels) {
      // `id` only with negotiated channels (W3C webrtc-pc §6.1 createDataChannel); an in-band
      // channel (RFC 8832) gets its stream id from the SCTP role.
      const channel = pc.createDataChannel(label, init.negotiated ? { ...init, id: channelId } : init);
      entry.channels.set(label, channel);
      channel.onopen = channel.onclose = () => this._input({ kind: 'dataChannelState', pc: id, state: channel.readyState });
      channel.onmessage = (event) =>
        this._input({ kind: 'dataChannelMessage', pc: id, label, text: typeof event.data === 'string' ? event.data : '' });
    }
    // Channels the far side opens in-band (RFC 8832; e.g. Janus VideoRoom relays each publisher's
    // data under a channel labelled with its id): their messages, with the label, to the core.
    pc.ondatachannel = ({ channel }) => {
      channel.onmessage = (event) =>
        this._input({ kind: 'dataChannelMessage', pc: id, label: channel.label, text: typeof event.data === 'string' ? event.data : '' });
    };
    pc.onnegotiationneeded = () => this._input({ kind: 'negotiationNeeded', pc: id });
    pc.onicecandidate = (event) =>
      this._input({ kind: 'localIceCandidate', pc: id, candidate: event.candidate ? event.candidate.toJSON() : null });
    for (const [event, property] of STATE_EVENTS) {
      pc[`on${event}`] = () => this._input({ kind: 'peerStateChange', pc: id, event, state: pc[property] });
    }
    pc.ontrack = (event) => {
      const stream = event.streams[0] ?? new MediaStream([event.track]);
      this._media.addRemoteStream(stream);
      this._input({ kind: 'remoteTrack', pc: id, trackKind: event.track.kind, streamId: stream.id });
    };
  }

  // The closed connection stays readable (`connection`, its final states) until the next createPc
  // of the same id or closeAll(); effects never name a closed one.
  closePc({ pc: id }) {
    const entry = this._pcs.get(id);
    if (!entry || entry.closed) return;
    entry.closed = true;
    const { pc } = entry;
    pc.onicecandidate = pc.ontrack = pc.onnegotiationneeded = null;
    for (const channel of entry.channels.values()) channel.onopen = channel.onclose = channel.onmessage = null;
    for (const [event] of STATE_EVENTS) pc[`on${event}`] = null;
    if (pc.signalingState !== 'closed') pc.close();
  }

  setLocalDescription({ pc: id, type }) {
    // Implicit setLocalDescription (W3C webrtc-pc §4.4.1.5) creates the offer or answer the
    // signaling state calls for, atomically; implementations without it (libwebrtc bindings
    // for Node) throw TypeError and get the explicit create + set.
    const pc = this.connection(id);
    const explicit = () =>
      (type === 'offer' ? pc.createOffer() : pc.createAnswer()).then((description) => pc.setLocalDescription(description));
    pc.setLocalDescription()
      .catch((error) => {
        if (error?.name === 'TypeError') return explicit();
        throw error;
      })
      .then(
        () => this._input({ kind: 'localDescription', pc: id, type: pc.localDescription.type, sdp: pc.localDescription.sdp }),
        this._failed(id, 'setLocalDescription'),
      );
  }

  setRemoteDescription({ pc: id, description, rollback }) {
    const pc = this.connection(id);
    if (rollback) pc.setLocalDescription({ type: 'rollback' }).catch(this._failed(id, 'rollback'));
    pc.setRemoteDescription(description).then(
      () => this._input({ kind: 'remoteDescriptionSet', pc: id, type: description.type }),
      this._failed(id, 'setRemoteDescription'),
    );
  }

  addIceCandidate({ pc: id, candidate }) {
    const pc = this.connection(id);
    (candidate === null ? pc.addIceCandidate() : pc.addIceCandidate(candidate)).catch(this._failed(id, 'addIceCandidate'));
  }

  restartIce({ pc: id }) {
    try {
      this.connection(id).restartIce();
    } catch (error) {
      this._failed(id, 'restartIce')(error);
    }
  }

  addTrack({ pc: id, tag, trackId, streamId, simulcast }) {
    const entry = this._pcs.get(id);
    const track = this._media.track(trackId);
    if (!entry || !track) return;
    const known = streamId ? this._media.stream(streamId) : null;
    const stream = known ?? new MediaStream([track]);
    // simulcast: three encodings, full, half and quarter resolution (W3C webrtc-pc sendEncodings;
    // the rids Janus's VideoRoom expects, h/m/l).
    const sender = simulcast
      ? entry.pc.addTransceiver(track, {
        direction: 'sendonly', streams: [stream],
        sendEncodings: [{ rid: 'h' }, { rid: 'm', scaleResolutionDownBy: 2 }, { rid: 'l', scaleResolutionDownBy: 4 }],
      }).sender
      : entry.pc.addTrack(track, stream);
    entry.senders.set(tag, sender);
    if (!known) this._input({ kind: 'trackAdded', pc: id, tag, streamId: stream.id });
  }

  /**
   * Instant answer (docs/api.md): the far side's offer has been applied and has a transceiver of
   * `trackKind` that none of our senders uses; it becomes `tag`'s sender, carrying no track yet —
   * direction 'sendrecv' and a new MediaStream of ours (RTCRtpSender.setStreams), so the answer
   * says sendrecv with our stream id and a later replaceTrack sends media with no renegotiation
   * (W3C webrtc-pc §5.2 replaceTrack, §5.4 direction). Reports trackAdded {tag, streamId};
   * nothing when there is no such transceiver (the core then adds the track on answer).
   */
  prepareSender({ pc: id, tag, trackKind: kind }) {
    const entry = this._pcs.get(id);
    if (!entry) return;
    const used = new Set(entry.senders.values());
    const transceiver = entry.pc.getTransceivers().find((t) => t.mid !== null && t.currentDirection !== 'stopped'
      && t.receiver.track.kind === kind && !t.sender.track && !used.has(t.sender));
    if (!transceiver) return;
    const stream = new MediaStream();
    transceiver.direction = 'sendrecv';
    transceiver.sender.setStreams(stream);
    entry.senders.set(tag, transceiver.sender);
    this._input({ kind: 'trackAdded', pc: id, tag, streamId: stream.id });
  }

  replaceTrack({ pc: id, tag, trackId }) {
    const sender = this._pcs.get(id)?.senders.get(tag);
    sender?.replaceTrack(trackId === null ? null : this._media.track(trackId)).catch(this._failed(id, 'replaceTrack'));
  }

  removeTrack({ pc: id, tag }) {
    const entry = this._pcs.get(id);
    const sender = entry?.senders.get(tag);
    entry?.senders.delete(tag);
    if (sender && entry.pc.signalingState !== 'closed') entry.pc.removeTrack(sender);
  }

  dataSend({ pc: id, label, text }) {
    try {
      this._pcs.get(id).channels.get(label).send(text);
    } catch {
      this._input({ kind: 'dataChannelSendFailed', pc: id, text });
    }
  }

  /**
   * getStats() of the connection; reports `statsReport` with the stats dictionaries whose type
   * the core asked for (`types`), each with only the members the core named for its type
   * (`fields`: type → member names; `id` and `type` always; no `fields`: every member), their
   * values as they are (the core computes every figure); or with the rejection's message. A
   * connection that is gone reports an error too, so the core's collection goes on.
   */
  collectStats({ pc: id, types, fields }) {
    const entry = this._pcs.get(id);
    const fail = (error) => this._input({ kind: 'statsReport', pc: id, report: null, error: failure(error).message || 'getStats failed' });
    if (!entry || entry.closed) {
      fail(new Error('no open peer connection'));
      return;
    }
    const wanted = new Set(types);
    entry.pc.getStats().then((report) => {
      const entries = [];
      report.forEach((stats) => {
        if (!wanted.has(stats.type)) return;
        const members = fields?.[stats.type];
        if (!members) {
          entries.push(stats);
          return;
        }
        const kept = { id: stats.id, type: stats.type };
        for (const name of members) if (stats[name] !== undefined) kept[name] = stats[name];
        entries.push(kept);
      });
      this._input({ kind: 'statsReport', pc: id, report: entries });
    }, fail);
  }

  /** Closes every connection without reporting (destroy). */
  closeAll() {
    for (const id of [...this._pcs.keys()]) this.closePc({ pc: id });
    this._pcs.clear();
  }
}
