// Inputs of a session (sans-IO: what the app asks, what a transport delivered, what a peer
// connection or the media devices reported, and that time passed), grouped by source. The shell
// sends each as JSON `{kind, ...}` (io/codec.hpp); tests and fuzz targets build them directly.
#pragma once

#include <optional>
#include <string>
#include <variant>

#include <nlohmann/json.hpp>

#include "callcore/io/ids.hpp"

namespace callcore::io {

namespace in {
// ---- app requests (the public API's methods) ---------------------------------------------
/// call() — `request_id` identifies the promise that a SettleRequest effect settles.
struct Call { int request_id = 0; };
/// hangUp().
struct HangUp {};
/// destroy().
struct Destroy {};
/// changeDeviceState({isHidden, isMute}); absent fields keep their value.
struct ChangeDeviceState { std::optional<bool> is_hidden; std::optional<bool> is_mute; };
/// sendMessage({type, body}).
struct SendMessage { int request_id = 0; std::string type; nlohmann::json body; };
/// sendTrack(track, tag, paused): the shell holds the track as `track`.
struct SendTrack { int request_id = 0; std::string tag; std::string kind; TrackId track{}; bool paused = false; };
/// pauseTrack(tag) / resumeTrack(tag) / closeTrack(tag): `action` "pause" | "resume" | "close".
struct TrackControl { int request_id = 0; std::string action; std::string tag; };
/// switchDevice(kind, deviceId): `device_id` "" for the default device.
struct SwitchDevice { int request_id = 0; std::string kind; std::string device_id; };

// ---- a signaling transport -----------------------------------------------------------------
/// The built-in WebSocket opened.
struct TransportOpened {};
/// The built-in WebSocket closed or failed to connect (`code`: the WebSocket close code).
struct TransportClosed { int code = 0; std::string reason; };
/// A message arrived, as text (not yet validated).
struct TransportMessage { std::string text; };
/// A Send effect could not be performed (socket not open, or the portal's send threw): the
/// message goes back to the queue, in order, until the transport is back. `message` is what the
/// Send carried: a JSON object, or a string (SIP text; the SIP agent treats the socket as lost).
struct SendFailed { nlohmann::json message; std::string reason; };
/// The portal's socket dropped (socketDisconnected()): outbound messages are queued.
struct TransportPaused {};
/// The portal's socket is back (socketReconnected()), with the new connection id ("" keeps it).
struct TransportResumed { std::string connection_id; };
/// The app's getToken() gave a join token (answer to RequestToken). Never logged.
struct TokenProvided { std::string token; };
/// The app's getToken() threw or rejected (`reason`: its message), or gave no string.
struct TokenFailed { std::string reason; };

// ---- a peer connection ----------------------------------------------------------------------
/// setLocalDescription() of the offer/answer the signaling state called for resolved.
struct LocalDescription { std::string type; std::string sdp; };
/// setRemoteDescription() resolved for a description of `type` ("offer" | "answer").
struct RemoteDescriptionSet { std::string type; };
/// An operation rejected (`operation`: createPeerConnection, setLocalDescription,
/// setRemoteDescription, addIceCandidate, rollback, restartIce, replaceTrack) with DOMException
/// `name` and `message`.
struct OperationFailed { std::string operation; std::string name; std::string message; };
/// The icecandidate event: RTCIceCandidateInit JSON, or null at the end of candidates.
struct LocalIceCandidate { nlohmann::json candidate; };
/// A state change: `event` is the W3C event name (iceconnectionstatechange,
/// connectionstatechange, signalingstatechange, icegatheringstatechange), `state` the new state.
struct PeerStateChange { std::string event; std::string state; };
/// The track event: `kind` "audio" | "video", `stream_id` the MediaStream id it belongs to.
struct RemoteTrack { std::string kind; std::string stream_id; };
/// The negotiationneeded event (W3C webrtc-pc §4.7.3).
struct NegotiationNeeded {};
/// The data channel's readyState changed ("open" | "closing" | "closed").
struct DataChannelState { std::string state; };
/// A data channel message arrived, as text. `label`: the channel's label (W3C webrtc-pc §6.2
/// RTCDataChannel.label; "" when the shell did not say), which names the sender on channels the
/// far side created (Janus VideoRoom labels each publisher's relayed data with its id).
struct DataChannelMessage { std::string text; std::string label; };
/// channel.send(text) threw (the channel is closing): the text is to be sent another way.
struct DataChannelSendFailed { std::string text; };
/// An AddTrack effect with no stream put the tag's track in a new MediaStream: its id.
struct TrackAdded { std::string tag; std::string stream_id; };
/// getStats() resolved (answer to CollectStats): `report` the RTCStatsReport's entries of the
/// asked types as a JSON array of stats dictionaries (W3C webrtc-stats), or rejected: `error`
/// its message (non-empty) and `report` null.
struct StatsReport { nlohmann::json report; std::string error; };

// ---- media devices -------------------------------------------------------------------------
/// getUserMedia for the call resolved: the local stream's id and its tracks' handles.
struct MediaAcquired { std::optional<TrackId> audio; std::optional<TrackId> video; std::string stream_id; };
/// getUserMedia rejected with DOMException `name` (and `constraint` for OverconstrainedError).
struct MediaFailed { std::string name; std::string message; std::string constraint; };
/// getUserMedia for one device (AcquireDevice) resolved with the track `track`.
struct DeviceAcquired { int request_id = 0; std::string kind; TrackId track{}; std::string device_id; };
/// ... or failed.
struct DeviceFailed { int request_id = 0; std::string kind; std::string name; std::string message; };
/// A local track ended without callcore stopping it (device unplugged, "stop sharing").
struct TrackEnded { TrackId track{}; };
}  // namespace in

using AppRequest = std::variant<in::Call, in::HangUp, in::Destroy, in::ChangeDeviceState, in::SendMessage,
                                in::SendTrack, in::TrackControl, in::SwitchDevice>;
using TransportEvent = std::variant<in::TransportOpened, in::TransportClosed, in::TransportMessage, in::SendFailed,
                                    in::TransportPaused, in::TransportResumed, in::TokenProvided, in::TokenFailed>;
using PcEvent = std::variant<in::LocalDescription, in::RemoteDescriptionSet, in::OperationFailed,
                             in::LocalIceCandidate, in::PeerStateChange, in::RemoteTrack, in::NegotiationNeeded,
                             in::DataChannelState, in::DataChannelMessage, in::DataChannelSendFailed, in::TrackAdded,
                             in::StatsReport>;
using MediaEvent = std::variant<in::MediaAcquired, in::MediaFailed, in::DeviceAcquired, in::DeviceFailed, in::TrackEnded>;

/// What the app asked.
struct FromApp { AppRequest request; };
/// What transport `transport` reported.
struct FromTransport { TransportId transport{}; TransportEvent event; };
/// What peer connection `pc` reported.
struct FromPc { PcId pc{}; PcEvent event; };
/// What the media devices reported.
struct FromMedia { MediaEvent event; };
/// Time passed: the shell's one timer reached the deadline of poll_timeout(); every timer due
/// at the input's `now` fires.
struct Timeout {};

/// One input, grouped by source.
using Input = std::variant<FromApp, FromTransport, FromPc, FromMedia, Timeout>;

namespace detail {
template <typename T, typename V>
struct is_alternative;
template <typename T, typename... Ts>
struct is_alternative<T, std::variant<Ts...>> : std::bool_constant<(std::is_same_v<T, Ts> || ...)> {};
template <typename T, typename V>
inline constexpr bool is_alternative_v = is_alternative<std::decay_t<T>, V>::value;
}  // namespace detail

/// Wraps one leaf input in its source group. Peer connection and transport leaves name their
/// pc / transport (`id`, ignored for app and media leaves).
template <typename T>
Input make_input(T&& leaf, int id = 1) {
  if constexpr (detail::is_alternative_v<T, AppRequest>) {
    return FromApp{std::forward<T>(leaf)};
  } else if constexpr (detail::is_alternative_v<T, TransportEvent>) {
    return FromTransport{static_cast<TransportId>(id), std::forward<T>(leaf)};
  } else if constexpr (detail::is_alternative_v<T, PcEvent>) {
    return FromPc{static_cast<PcId>(id), std::forward<T>(leaf)};
  } else if constexpr (detail::is_alternative_v<T, MediaEvent>) {
    return FromMedia{std::forward<T>(leaf)};
  } else {
    static_assert(std::is_same_v<std::decay_t<T>, Timeout>, "not an input leaf");
    return Timeout{};
  }
}

}  // namespace callcore::io
