// Effects of a session: what the shell must do next, in order (sans-IO outputs). Each is a
// typed struct; on the JSON boundary it is `{kind, ...fields}` (io/codec.hpp, which names the
// kinds). Peer connection effects name their PcId, transport effects their TransportId, track
// effects the shell's TrackId: the shell keeps one map per handle type and decides nothing.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "callcore/errors/call_error.hpp"
#include "callcore/io/ids.hpp"

namespace callcore::io::fx {

// ---- transports ----------------------------------------------------------------------------
/// Open a WebSocket to `url` (the built-in socket), asking for the subprotocol `protocol` when
/// non-empty (new WebSocket(url, protocol); Janus requires "janus-protocol"); report
/// TransportOpened/Closed/Message.
struct OpenTransport { TransportId transport{}; std::string url; std::string protocol = {}; };
/// Close the WebSocket (code 1000), and report nothing more from it.
struct CloseTransport { TransportId transport{}; };
/// Send one message on the socket, or to the portal's `send`: a JSON object (written as JSON text),
/// or a string sent as is (SIP over WebSocket, RFC 7118 §5.1); report SendFailed
/// when that is impossible.
struct Send { TransportId transport{}; nlohmann::json message; };
/// Ask the app for a fresh join token (RTCParams `getToken()`, before each join on the built-in
/// socket); report TokenProvided with it, or TokenFailed when getToken throws or rejects.
struct RequestToken { TransportId transport{}; };

// ---- peer connections ----------------------------------------------------------------------
/// An RTCDataChannel created with the connection (RTCDataChannelInit, W3C webrtc-pc §6.2).
struct DataChannelConfig {
  std::string label;
  int id = 0;              // with negotiated: the same SCTP stream id on both sides
  bool negotiated = true;  // no in-band DATA_CHANNEL_OPEN (RFC 8832): both sides create it
  bool ordered = true;
};
/// new RTCPeerConnection({bundlePolicy: bundle_policy, ...the app's connectionConfig}) with these
/// data channels (a field the app's RTCConfiguration names wins); report its events as FromPc
/// inputs of `pc`. `bundle_policy`: W3C webrtc-pc §4.2.1 RTCBundlePolicy ("balanced" |
/// "max-compat" | "max-bundle").
struct CreatePc {
  PcId pc{};
  std::vector<DataChannelConfig> data_channels;
  std::string bundle_policy = "max-bundle";
};
/// pc.close(); report nothing more from it.
struct ClosePc { PcId pc{}; };
/// setLocalDescription() of a new `type` ("offer" | "answer") description (W3C webrtc-pc
/// §4.4.1.5; createOffer/createAnswer + set where the implicit form is missing); report
/// LocalDescription or OperationFailed "setLocalDescription".
struct SetLocalDescription { PcId pc{}; std::string type; };
/// setRemoteDescription(description) {type, sdp}; with `rollback`, first
/// setLocalDescription({type: 'rollback'}) (a colliding local offer, W3C webrtc-pc §10), both
/// issued at once so the operations chain keeps their order.
struct SetRemoteDescription { PcId pc{}; nlohmann::json description; bool rollback = false; };
/// addIceCandidate(candidate); null: end-of-candidates.
struct AddIceCandidate { PcId pc{}; nlohmann::json candidate; };
/// restartIce() (W3C webrtc-pc §4.4.1.6); negotiationneeded follows.
struct RestartIce { PcId pc{}; };
/// addTrack(track, stream) as the sender of `tag`. `stream_id` names the local stream from
/// MediaAcquired; "" puts the track in a new MediaStream, reported by TrackAdded. With
/// `simulcast` (a video track), addTransceiver(track, {direction: 'sendonly', streams,
/// sendEncodings}) with three encodings rid "h", "m", "l" scaled 1, 2, 4 (W3C webrtc-pc §5.2
/// sendEncodings; RFC 8853 simulcast), instead of addTrack.
struct AddTrack { PcId pc{}; std::string tag; TrackId track{}; std::string stream_id; bool simulcast = false; };
/// Instant answer: the applied remote offer's transceiver of `kind` ("audio" | "video") that no
/// sender uses becomes `tag`'s sender, with no track yet: direction sendrecv and a new MediaStream
/// (setStreams), set before the answer so a later ReplaceTrack needs no renegotiation (W3C
/// webrtc-pc §5.4). Report TrackAdded {tag, stream id}; nothing when the offer has no such one.
struct PrepareSender { PcId pc{}; std::string tag; std::string kind; };
/// The sender of `tag` sends `track` (replaceTrack, no renegotiation); nullopt: sends nothing.
struct ReplaceTrack { PcId pc{}; std::string tag; std::optional<TrackId> track; };
/// removeTrack(the sender of `tag`); the track itself is stopped by a ReleaseTrack when no other
/// sender carries it.
struct RemoveTrack { PcId pc{}; std::string tag; };
/// send(text) on the data channel `label`; report DataChannelSendFailed when it throws.
struct DataSend { PcId pc{}; std::string label; std::string text; };
/// getStats() of the connection; report StatsReport with the entries whose `type` is one of
/// `types` (W3C webrtc-stats RTCStatsType names), or with the rejection's message. `fields`
/// (a JSON object, type → array of member names; null: every member) names the members to keep
/// of each entry, besides `id` and `type`.
struct CollectStats { PcId pc{}; std::vector<std::string> types; nlohmann::json fields; };

// ---- media ----------------------------------------------------------------------------------
/// getUserMedia(constraints) (MediaStreamConstraints, W3C mediacapture-streams §10); report
/// MediaAcquired with the stream's track handles, or MediaFailed.
struct AcquireMedia { nlohmann::json constraints; };
/// getUserMedia(constraints) for one device of `kind`; report DeviceAcquired / DeviceFailed with
/// `request_id`.
struct AcquireDevice { int request_id = 0; std::string kind; nlohmann::json constraints; };
/// track.enabled = enabled.
struct SetTrackEnabled { TrackId track{}; bool enabled = true; };
/// Stop `track` and forget it (a track callcore will not use).
struct ReleaseTrack { TrackId track{}; };
/// In the local stream, `to` replaces `from` (which is stopped and forgotten).
struct SwapLocalTrack { TrackId from{}; TrackId to{}; };
/// Stop every local track the shell holds for this session and forget them.
struct StopTracks {};
/// A new call starts on the same object: forget the ended call's streams.
struct ReleaseStreams {};

// ---- the app ----------------------------------------------------------------------------------
/// Settle the promise of request `request_id`: reject with `error`, else resolve (with the
/// local MediaStream when `with_local_stream`: call()).
struct SettleRequest { int request_id = 0; std::optional<errors::CallError> error; bool with_local_stream = false; };
/// Tell the app: `{emitType, eventType, payload}` (seed IEvent). A payload field `stream` holds a
/// MediaStream id that the shell replaces by the stream; a CALL_ERROR payload becomes a CallError.
struct Emit { std::string_view emit_type; std::string_view event_type; nlohmann::json payload; };

}  // namespace callcore::io::fx

namespace callcore::io {

using Effect = std::variant<fx::OpenTransport, fx::CloseTransport, fx::Send, fx::RequestToken, fx::CreatePc, fx::ClosePc,
                            fx::SetLocalDescription, fx::SetRemoteDescription, fx::AddIceCandidate, fx::RestartIce,
                            fx::AddTrack, fx::PrepareSender, fx::ReplaceTrack, fx::RemoveTrack, fx::DataSend, fx::CollectStats, fx::AcquireMedia,
                            fx::AcquireDevice, fx::SetTrackEnabled, fx::ReleaseTrack, fx::SwapLocalTrack,
                            fx::StopTracks, fx::ReleaseStreams, fx::SettleRequest, fx::Emit>;

}  // namespace callcore::io
