// Inputs and outputs of a consultation session (DESIGN.md §1): what the app, the signaling
// channel, the browser and the timers report in; effects and events the shell performs out.
#pragma once

#include <optional>
#include <string>
#include <variant>

#include <nlohmann/json.hpp>

namespace callcore::session {

namespace in {
/// app: call() — `request_id` identifies the promise that resolveCall/rejectCall settle.
struct Call { int request_id = 0; };
/// app: hangUp().
struct HangUp {};
/// app: destroy().
struct Destroy {};
/// app: changeDeviceState({isHidden, isMute}); absent fields keep their value.
struct ChangeDeviceState { std::optional<bool> is_hidden; std::optional<bool> is_mute; };
/// built-in socket: the WebSocket opened.
struct SignalingOpen {};
/// built-in socket: closed or failed to connect (`code` is the WebSocket close code).
struct SignalingClosed { int code = 0; std::string reason; };
/// a signaling message arrived, as JSON text (not yet validated).
struct SignalingMessage { std::string text; };
/// getUserMedia resolved; which kinds of track the local stream has, and its id.
struct MediaAcquired { bool has_audio = false; bool has_video = false; std::string stream_id; };
/// app: sendTrack(track, tag, paused) — the shell keeps the track under `track_id`.
struct SendTrack { int request_id = 0; std::string tag; std::string kind; std::string track_id; bool paused = false; };
/// app: pauseTrack(tag) / resumeTrack(tag) / closeTrack(tag).
struct TrackControl { int request_id = 0; std::string action; std::string tag; };
/// the shell added a tag's track to the peer connection in a stream of its own: its id.
struct TrackAdded { std::string tag; std::string stream_id; };
/// a local track of `tag` ended without callcore stopping it (device unplugged, the browser's
/// "stop sharing" button).
struct TrackEnded { std::string tag; };
/// app: switchDevice(kind, deviceId).
struct SwitchDevice { int request_id = 0; std::string kind; std::string device_id; };
/// getUserMedia for one device resolved (`track_id` held by the shell) or failed.
struct DeviceAcquired { int request_id = 0; std::string kind; std::string track_id; std::string device_id; };
struct DeviceFailed { int request_id = 0; std::string kind; std::string name; std::string message; };
/// getUserMedia rejected with DOMException `name` (and `constraint` for OverconstrainedError).
struct MediaFailed { std::string name; std::string message; std::string constraint; };
/// pc.setLocalDescription(created offer/answer) resolved; the description it set.
struct LocalDescription { std::string type; std::string sdp; };
/// pc.setRemoteDescription() resolved for a description of `type` ("offer" | "answer").
struct RemoteDescriptionSet { std::string type; };
/// pc's negotiationneeded event (W3C webrtc-pc §4.7.3).
struct NegotiationNeeded {};
/// app: sendMessage({type, body}); `request_id` is settled by resolveRequest/rejectRequest.
struct SendMessage { int request_id = 0; std::string type; nlohmann::json body; };
/// the app data channel's readyState changed ("open" | "closing" | "closed").
struct DataChannelState { std::string state; };
/// a message arrived on the app data channel, as text.
struct DataChannelMessage { std::string text; };
/// channel.send(text) threw (the channel is closing): the message is to be sent another way.
struct DataChannelSendFailed { std::string text; };
/// a send effect could not be performed (socket not open, or the portal's send threw): the
/// message goes back to the queue, in order, until the socket is back.
struct SendFailed { nlohmann::json message; std::string reason; };
/// portal socket: it disconnected; outbound messages are queued until SignalingResumed.
struct SignalingPaused {};
/// portal socket: it reconnected, with `connection_id` when the server gave a new one ("" keeps it).
struct SignalingResumed { std::string connection_id; };
/// a peer connection operation rejected (`operation`: createPeerConnection,
/// setLocalDescription, setRemoteDescription, addIceCandidate, rollback, restartIce).
struct OperationFailed { std::string operation; std::string name; std::string message; };
/// pc's icecandidate event; `candidate` is RTCIceCandidateInit JSON, or null at the end.
struct LocalIceCandidate { nlohmann::json candidate; };
/// a pc state change: `event` is the W3C event name (iceconnectionstatechange,
/// connectionstatechange, signalingstatechange, icegatheringstatechange), `state` the new state.
struct PeerStateChange { std::string event; std::string state; };
/// pc's track event: `kind` "audio"|"video", `stream_id` the MediaStream id it belongs to.
struct RemoteTrack { std::string kind; std::string stream_id; };
/// a timer started by a startTimer effect expired.
struct TimerFired { int id = 0; };
}  // namespace in

using Input = std::variant<in::Call, in::HangUp, in::Destroy, in::ChangeDeviceState, in::SignalingOpen,
                           in::SignalingClosed, in::SignalingMessage, in::MediaAcquired, in::MediaFailed,
                           in::LocalDescription, in::RemoteDescriptionSet, in::OperationFailed,
                           in::LocalIceCandidate, in::PeerStateChange, in::RemoteTrack, in::TimerFired,
                           in::NegotiationNeeded, in::SignalingPaused, in::SignalingResumed, in::SendFailed,
                           in::SendMessage, in::DataChannelState, in::DataChannelMessage, in::DataChannelSendFailed,
                           in::SendTrack, in::TrackControl, in::TrackAdded, in::TrackEnded, in::SwitchDevice,
                           in::DeviceAcquired, in::DeviceFailed>;

/// Decodes an input from its JSON form `{kind, ...fields}` (kinds: call {requestId}, hangUp,
/// destroy, changeDeviceState {isHidden?, isMute?}, signalingOpen, signalingClosed {code,
/// reason}, signalingMessage {text}, mediaAcquired {hasAudio, hasVideo}, mediaFailed {name,
/// message, constraint}, localDescription {type, sdp}, remoteDescriptionSet {type}, operationFailed
/// {operation, name, message}, localIceCandidate {candidate}, peerStateChange {event, state},
/// remoteTrack {trackKind, streamId}, timerFired {id}, negotiationNeeded, signalingPaused,
/// signalingResumed {connectionId}, sendFailed {message, reason}, sendMessage {requestId, type,
/// body}, dataChannelState {state}, dataChannelMessage {text}, dataChannelSendFailed {text},
/// sendTrack {requestId, tag, trackKind, trackId, paused}, trackControl {requestId, action:
/// pause|resume|close, tag}, trackAdded {tag, streamId}, trackEnded {tag}, switchDevice
/// {requestId, trackKind, deviceId}, deviceAcquired {requestId, trackKind, trackId, deviceId},
/// deviceFailed {requestId, trackKind, name, message}; mediaAcquired also has streamId).
/// Returns nullopt for anything else; never throws.
std::optional<Input> decode_input(const nlohmann::json& j);

/// One output, in order. `kind` is an effect for the shell or "emit" for an app event:
/// - openSignaling {url} / closeSignaling {}: the built-in WebSocket.
/// - send {message}: send one signaling message (JSON object) on the socket / to params.send.
/// - acquireMedia {audio, video}: getUserMedia with these constraints.
/// - createPeerConnection {}: new RTCPeerConnection(connectionConfig), add the local tracks.
/// - setLocalDescription {type}: create an "offer" or "answer" (createOffer/createAnswer) and
///   set it with pc.setLocalDescription; report the result as a LocalDescription input.
/// - setRemoteDescription {description, rollback}: pc.setRemoteDescription(description); with
///   rollback true, first pc.setLocalDescription({type: 'rollback'}) (a colliding local offer,
///   W3C webrtc-pc §10), both issued at once so the operations chain keeps their order.
/// - restartIce {}: pc.restartIce() (W3C webrtc-pc §4.4.1.6); negotiationneeded follows.
/// - addIceCandidate {candidate}: pc.addIceCandidate(candidate) (null: end-of-candidates).
/// - setTrackEnabled {kind, enabled}: enable/disable local tracks of that kind.
/// - startTimer {id, ms} / cancelTimer {id}.
/// - stopTracks {}: stop every local track. closePeerConnection {}: pc.close().
/// - releaseStreams {}: a new call starts on the same object: forget the ended call's streams
///   (allMediaStreams, the remote streams by id).
/// - resolveCall {requestId} / rejectCall {requestId, error: {type, message, description}}.
/// - resolveRequest {requestId} / rejectRequest {requestId, error}: other app requests
///   (sendMessage).
/// - addTrack {tag, trackId}: pc.addTrack(track, new MediaStream([track])); report trackAdded.
/// - replaceTrack {tag, trackId | null}: the tag's sender.replaceTrack (null: pause sending).
/// - removeTrack {tag}: pc.removeTrack(the tag's sender) and stop its track.
/// - acquireDevice {requestId, kind, deviceId | null}: getUserMedia for one device (null: the
///   default one); report deviceAcquired / deviceFailed.
/// - releaseTrack {trackId}: stop a track callcore will not use.
/// - swapLocalTrack {kind, trackId, send}: the new device's track replaces the local stream's track
///   of that kind (the old one is stopped) and is sent on the "audio"/"video" tag's sender.
/// - dataSend {text}: send text on the app data channel (label "callcore", negotiated id 0,
///   ordered; created with the peer connection).
/// - emit {emitType, eventType, payload}: tell the app; a payload field `stream` holds a
///   stream id ("local" for the local stream) that the shell replaces by the MediaStream.
struct Output {
  std::string kind;
  nlohmann::json data;
};

}  // namespace callcore::session
