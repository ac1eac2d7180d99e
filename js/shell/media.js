// Local media by TrackId: getUserMedia for the call and for one device, the local stream, and
// the streams (local and remote) an event's payload may name. Performs acquireMedia,
// acquireDevice, setTrackEnabled, releaseTrack, swapLocalTrack, stopTracks and releaseStreams.
import { failure } from './loop.js';

export class MediaHost {
  /** @param {(input: object) => void} input feeds the loop */
  constructor(input) {
    this._input = input;
    this._tracks = new Map(); // TrackId → MediaStreamTrack
    this._nextId = 1;
    this._streams = new Map(); // stream id → MediaStream (local and remote) held for the session
    this.closed = false;
  }

  /** Holds `track` under a new TrackId and reports its end; returns the id. */
  hold(track) {
    const id = this._nextId++;
    this._tracks.set(id, track);
    track.onended = () => this._input({ kind: 'trackEnded', trackId: id });
    return id;
  }

  /** The track held under `id`, or null. */
  track(id) {
    return this._tracks.get(id) ?? null;
  }

  /** The TrackId of a held track, or undefined. */
  idOf(track) {
    for (const [id, t] of this._tracks) if (t === track) return id;
    return undefined;
  }

  /** The stream `id` of the current call (local or remote), or null. */
  stream(id) {
    return this._streams.get(id) ?? null;
  }

  /** Records a remote stream (the pc's track event). */
  addRemoteStream(stream) {
    this._streams.set(stream.id, stream);
  }

  acquireMedia({ constraints }) {
    if (!globalThis.navigator?.mediaDevices?.getUserMedia) {
      this._input({ kind: 'mediaFailed', name: 'NotSupportedError', message: 'getUserMedia is not available here (no media devices or not a secure context)' });
      return;
    }
    navigator.mediaDevices.getUserMedia(constraints).then(
      (stream) => {
        if (this.closed) {
          for (const track of stream.getTracks()) track.stop();
          return;
        }
        this._streams.set(stream.id, stream); // the core says whether it is the call's (localStreamId)
        const audio = stream.getAudioTracks()[0];
        const video = stream.getVideoTracks()[0];
        this._input({ kind: 'mediaAcquired', audio: audio ? this.hold(audio) : null, video: video ? this.hold(video) : null, streamId: stream.id });
      },
      (error) => this._input({ kind: 'mediaFailed', ...failure(error), constraint: String(error?.constraint ?? '') }),
    );
  }

  acquireDevice({ requestId, trackKind, constraints }) {
    navigator.mediaDevices.getUserMedia(constraints).then(
      (stream) => {
        const track = stream.getTracks()[0];
        if (this.closed) {
          track.stop();
          return;
        }
        const trackId = this.hold(track);
        this._input({ kind: 'deviceAcquired', requestId, trackKind, trackId, deviceId: track.getSettings?.().deviceId ?? '' });
      },
      (error) => this._input({ kind: 'deviceFailed', requestId, trackKind, ...failure(error) }),
    );
  }

  setTrackEnabled({ trackId, enabled }) {
    const track = this.track(trackId);
    if (track) track.enabled = enabled;
  }

  releaseTrack({ trackId }) {
    const track = this.track(trackId);
    this._tracks.delete(trackId);
    if (track) {
      track.onended = null;
      track.stop();
    }
  }

  swapLocalTrack({ from, to }) {
    const old = this.track(from);
    const next = this.track(to);
    this.releaseTrack({ trackId: from });
    const local = [...this._streams.values()].find((stream) => old && stream.getTracks().includes(old));
    if (local) {
      local.removeTrack(old);
      if (next) local.addTrack(next);
    }
  }

  stopTracks() {
    for (const id of [...this._tracks.keys()]) this.releaseTrack({ trackId: id });
  }

  releaseStreams() {
    this._streams.clear();
  }

  /** Stops every track and forgets every stream (destroy). */
  close() {
    this.closed = true;
    this.stopTracks();
    this.releaseStreams();
  }
}
