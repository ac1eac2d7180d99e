// The event dictionary of callcore: every event name, wire message type, connection event,
// emit type, call state and CallError type, defined once here. The JS enums (EVENT_LIST, ...)
// and the TypeScript declarations are generated from this table (DESIGN.md §3), so a name
// cannot drift between layers. Names follow the budu-webrtc seed API and, for connection
// events, the W3C webrtc-pc RTCPeerConnection event names.
#pragma once

#include <span>
#include <string_view>

namespace callcore::events {

/// One dictionary entry: `group` is the JS enum it belongs to (e.g. "EVENT_LIST"), `key` the
/// enum key (e.g. "HANG_UP"), `value` the string seen at runtime (e.g. "hangUpReceiveEvent").
struct Entry {
  std::string_view group;
  std::string_view key;
  std::string_view value;
};

/// Every entry of every group, in declaration order. Never empty; values are unique per group.
std::span<const Entry> dictionary();

// App-facing events (seed: EVENT_LIST).
inline constexpr std::string_view kAll = "allEvent";
inline constexpr std::string_view kHangUp = "hangUpReceiveEvent";
inline constexpr std::string_view kRespondentProps = "rtcRespondentPropsEvent";
inline constexpr std::string_view kRemoteDeviceState = "remoteDeviceStateEvent";
inline constexpr std::string_view kLocalStream = "localStreamEvent";
inline constexpr std::string_view kRemoteStream = "remoteStreamEvent";
inline constexpr std::string_view kCallState = "callStateEvent";
inline constexpr std::string_view kEnter = "enterEvent";
inline constexpr std::string_view kAnswer = "answerEvent";
inline constexpr std::string_view kCallError = "callErrorEvent";
inline constexpr std::string_view kSignalingError = "signalingErrorEvent";
inline constexpr std::string_view kSocketState = "socketStateEvent";
inline constexpr std::string_view kIceRestart = "iceRestartEvent";
inline constexpr std::string_view kListenerError = "listenerErrorEvent";
inline constexpr std::string_view kMessage = "messageEvent";
inline constexpr std::string_view kRemoteTracks = "remoteTracksEvent";
inline constexpr std::string_view kLocalTracks = "localTracksEvent";
inline constexpr std::string_view kDevice = "deviceEvent";
inline constexpr std::string_view kLocalDeviceState = "localDeviceStateEvent";
inline constexpr std::string_view kSignalingReconnect = "signalingReconnectEvent";

// Emit types (seed: EMIT_TYPE_LIST).
inline constexpr std::string_view kEmitEvent = "event";
inline constexpr std::string_view kEmitError = "error";

// Connection events: W3C RTCPeerConnection event names (CONNECTION_EVENT_LIST).
inline constexpr std::string_view kIceConnectionStateChange = "iceconnectionstatechange";
inline constexpr std::string_view kConnectionStateChange = "connectionstatechange";
inline constexpr std::string_view kSignalingStateChange = "signalingstatechange";
inline constexpr std::string_view kIceGatheringStateChange = "icegatheringstatechange";
inline constexpr std::string_view kIceCandidate = "icecandidate";
inline constexpr std::string_view kTrack = "track";

/// True when `event` is one of CONNECTION_EVENT_LIST's values.
bool is_connection_event(std::string_view event);

}  // namespace callcore::events
