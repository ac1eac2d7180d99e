// The one dictionary of callcore: every app event (with its payload shape), wire message type,
// connection event, emit type, call state, CallError type and log event name, defined once
// here. The JS enums and the whole TypeScript declaration of event payloads are generated from
// this table at build time (scripts/build.mjs), and session code names events, errors and log
// events only through these constants, so a name cannot drift between layers; a unit test
// (tests/unit/dictionary_test.cpp) checks that everything the core produces is listed here.
// Names follow the budu-webrtc seed API and, for connection events, the W3C webrtc-pc
// RTCPeerConnection event names.
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace callcore::events {

/// One dictionary entry: `group` is the JS enum it belongs to (e.g. "EVENT_LIST"), `key` the
/// enum key (e.g. "HANG_UP"), `value` the string seen at runtime (e.g. "hangUpReceiveEvent").
/// `payload` is the TypeScript type of the event's payload (EVENT_LIST, SOCKET_MESSAGES_EVENT_LIST
/// and CONNECTION_EVENT_LIST entries; "" elsewhere); it may name the declared interfaces of
/// js/callcore.d.ts (RespondentProps, DeviceState, TagInfo, CallError, ...). `doc` is a sentence
/// for the generated declaration ("" for none).
struct Entry {
  std::string_view group;
  std::string_view key;
  std::string_view value;
  std::string_view payload = {};
  std::string_view doc = {};
};

/// Every entry of every group, in declaration order. Never empty; values are unique per group.
std::span<const Entry> dictionary();
/// True when `value` is an entry of `group`.
bool contains(std::string_view group, std::string_view value);
/// The dictionary's own copy of `value` in `group` (static storage, safe to keep), or nullopt.
std::optional<std::string_view> find(std::string_view group, std::string_view value);

inline constexpr std::string_view kEventGroup = "EVENT_LIST";
inline constexpr std::string_view kWireGroup = "SOCKET_MESSAGES_EVENT_LIST";
inline constexpr std::string_view kConnectionGroup = "CONNECTION_EVENT_LIST";
inline constexpr std::string_view kEmitTypeGroup = "EMIT_TYPE_LIST";
inline constexpr std::string_view kCallStateGroup = "CALL_STATE_LIST";
inline constexpr std::string_view kErrorTypeGroup = "CALL_ERROR_TYPE_LIST";
inline constexpr std::string_view kLogEventGroup = "LOG_EVENT_LIST";

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
// Call statistics and quality (stats/stats.hpp, docs/api.md "Stats and quality").
inline constexpr std::string_view kStats = "stats";
inline constexpr std::string_view kQualityChanged = "qualityChanged";
// Room events (session/room, docs/room.md "Room session"; names of the VideoCallClient seed).
inline constexpr std::string_view kRoomConnectionStatus = "connectionStatusChanged";
inline constexpr std::string_view kParticipantJoined = "participantJoined";
inline constexpr std::string_view kParticipantLeft = "participantLeft";
inline constexpr std::string_view kRoomTrackAdded = "trackAdded";
inline constexpr std::string_view kRoomTrackRemoved = "trackRemoved";
inline constexpr std::string_view kRoomError = "roomError";
inline constexpr std::string_view kParticipantUpdated = "participantUpdated";
inline constexpr std::string_view kRoomDataReceived = "dataReceived";
// SIP user agent events (session/sip, docs/sip.md; sip-connector's `prefix:name` event names,
// sip-connector v31 src/*/events.ts: connection:*, call:*, incoming-call:*).
namespace sip {
inline constexpr std::string_view kConnecting = "connection:connecting";
inline constexpr std::string_view kConnected = "connection:connected";
inline constexpr std::string_view kDisconnected = "connection:disconnected";
inline constexpr std::string_view kRegistered = "connection:registered";
inline constexpr std::string_view kUnregistered = "connection:unregistered";
inline constexpr std::string_view kRegistrationFailed = "connection:registrationFailed";
inline constexpr std::string_view kCallConnecting = "call:connecting";
inline constexpr std::string_view kCallSending = "call:sending";
inline constexpr std::string_view kCallProgress = "call:progress";
inline constexpr std::string_view kCallAccepted = "call:accepted";
inline constexpr std::string_view kCallConfirmed = "call:confirmed";
inline constexpr std::string_view kCallEnded = "call:ended";
inline constexpr std::string_view kCallFailed = "call:failed";
inline constexpr std::string_view kCallNewInfo = "call:newInfo";
inline constexpr std::string_view kIncomingRinging = "incoming-call:ringing";
inline constexpr std::string_view kIncomingDeclined = "incoming-call:declinedIncomingCall";
inline constexpr std::string_view kIncomingTerminated = "incoming-call:terminatedIncomingCall";
inline constexpr std::string_view kIncomingFailed = "incoming-call:failedIncomingCall";
/// emitType 'error': a message that did not parse, or a request refused (CallError type 'sip').
inline constexpr std::string_view kSipError = "sipError";
}  // namespace sip

// Wire message types of the consultation protocol (seed: SOCKET_MESSAGES_EVENT_LIST); a received
// call message is also emitted to the app under its wire type, with its `data` as payload.
namespace wire {
inline constexpr std::string_view kEnter = "enter";
inline constexpr std::string_view kAccept = "accept";
inline constexpr std::string_view kOffer = "offer";
inline constexpr std::string_view kAnswer = "answer";
inline constexpr std::string_view kIceCandidate = "iceCandidate";
inline constexpr std::string_view kDeviceState = "deviceState";
inline constexpr std::string_view kHangUp = "hangUp";
inline constexpr std::string_view kMessage = "message";
inline constexpr std::string_view kMediaTags = "mediaTags";
inline constexpr std::string_view kJoin = "join";
inline constexpr std::string_view kLeave = "leave";
inline constexpr std::string_view kJoined = "joined";
inline constexpr std::string_view kPeerJoined = "peerJoined";
inline constexpr std::string_view kPeerLeft = "peerLeft";
inline constexpr std::string_view kError = "error";
}  // namespace wire

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

// Call states (CALL_STATE_LIST).
namespace state {
inline constexpr std::string_view kIdle = "idle";
inline constexpr std::string_view kAcquiringMedia = "acquiringMedia";
inline constexpr std::string_view kWaitingEnter = "waitingEnter";
inline constexpr std::string_view kWaitingAnswer = "waitingAnswer";
inline constexpr std::string_view kConnecting = "connecting";
inline constexpr std::string_view kConnected = "connected";
inline constexpr std::string_view kEnded = "ended";
}  // namespace state

// CallError types (CALL_ERROR_TYPE_LIST; the seed's 'enter', 'answer', 'streamError' first).
namespace error_type {
inline constexpr std::string_view kEnter = "enter";
inline constexpr std::string_view kAnswer = "answer";
inline constexpr std::string_view kStreamError = "streamError";
inline constexpr std::string_view kConnection = "connection";
inline constexpr std::string_view kSignaling = "signaling";
inline constexpr std::string_view kNegotiation = "negotiation";
inline constexpr std::string_view kHangUp = "hangUp";
inline constexpr std::string_view kState = "state";
inline constexpr std::string_view kParams = "params";
inline constexpr std::string_view kMessage = "message";
inline constexpr std::string_view kRoom = "room";
inline constexpr std::string_view kSip = "sip";
}  // namespace error_type

// Log event names (LOG_EVENT_LIST): the `event` of logger entries. Signaling messages are logged
// under their wire type (wire::*), peer connection state changes under their connection event,
// app events that are logged under their EVENT_LIST value.
namespace log_event {
inline constexpr std::string_view kSessionCreated = "sessionCreated";
inline constexpr std::string_view kCallRejected = "callRejected";
inline constexpr std::string_view kDestroyed = "destroyed";
inline constexpr std::string_view kDeviceState = "deviceState";
inline constexpr std::string_view kSignalingOpen = "signalingOpen";
inline constexpr std::string_view kSignalingClosed = "signalingClosed";
inline constexpr std::string_view kSignalingPaused = "signalingPaused";
inline constexpr std::string_view kSignalingResumed = "signalingResumed";
inline constexpr std::string_view kSendFailed = "sendFailed";
inline constexpr std::string_view kMessageRefused = "messageRefused";
inline constexpr std::string_view kDataChannelState = "dataChannelState";
inline constexpr std::string_view kDuplicateAppMessage = "duplicateAppMessage";
inline constexpr std::string_view kAppMessageGap = "appMessageGap";
inline constexpr std::string_view kDuplicateMessage = "duplicateMessage";
inline constexpr std::string_view kConnectionIdChanged = "connectionIdChanged";
inline constexpr std::string_view kIgnoredMessage = "ignoredMessage";
inline constexpr std::string_view kOfferHeld = "offerHeld";
// Instant answer: the client connects while ringing; that connection was given up.
inline constexpr std::string_view kPreconnect = "preconnect";
inline constexpr std::string_view kPreconnectDropped = "preconnectDropped";
inline constexpr std::string_view kOfferIgnored = "offerIgnored";
inline constexpr std::string_view kOfferCollision = "offerCollision";
inline constexpr std::string_view kMediaAcquired = "mediaAcquired";
inline constexpr std::string_view kStaleOffer = "staleOffer";
inline constexpr std::string_view kLocalDescription = "localDescription";
inline constexpr std::string_view kRemoteDescriptionSet = "remoteDescriptionSet";
inline constexpr std::string_view kNegotiationNeeded = "negotiationNeeded";
inline constexpr std::string_view kNegotiationNeededDeferred = "negotiationNeededDeferred";
inline constexpr std::string_view kAddIceCandidateFailed = "addIceCandidateFailed";
inline constexpr std::string_view kRestartIceFailed = "restartIceFailed";
inline constexpr std::string_view kRollbackFailed = "rollbackFailed";
inline constexpr std::string_view kReplaceTrackFailed = "replaceTrackFailed";
inline constexpr std::string_view kNegotiationFailed = "negotiationFailed";
inline constexpr std::string_view kIceRestart = "iceRestart";
inline constexpr std::string_view kCallEnded = "callEnded";
inline constexpr std::string_view kRequestRefused = "requestRefused";
inline constexpr std::string_view kSendTrack = "sendTrack";
inline constexpr std::string_view kTrackControl = "trackControl";
inline constexpr std::string_view kDeviceSwitched = "deviceSwitched";
inline constexpr std::string_view kCandidateDropped = "candidateDropped";
inline constexpr std::string_view kInvalidInput = "invalidInput";
inline constexpr std::string_view kListenerError = "listenerError";
inline constexpr std::string_view kEffectFailed = "effectFailed";
inline constexpr std::string_view kUnknownEffect = "unknownEffect";
// Stats collection (stats/stats.hpp): getStats() rejected; a report the analyzer refused.
inline constexpr std::string_view kStatsFailed = "statsFailed";
inline constexpr std::string_view kStatsInvalid = "statsInvalid";
// The room session (session/room): Janus requests sent and messages received (summaries), a
// request without an answer in time, the Janus session taken over or rebuilt.
inline constexpr std::string_view kJanusRequest = "janusRequest";
inline constexpr std::string_view kJanusMessage = "janusMessage";
inline constexpr std::string_view kJanusRequestTimeout = "janusRequestTimeout";
inline constexpr std::string_view kJanusSessionClaimed = "janusSessionClaimed";
inline constexpr std::string_view kJanusSessionRebuilt = "janusSessionRebuilt";
inline constexpr std::string_view kRoomJoined = "roomJoined";
inline constexpr std::string_view kRoomLeft = "roomLeft";
inline constexpr std::string_view kParticipantState = "participantState";
inline constexpr std::string_view kRoomData = "roomData";
// The SIP user agent (session/sip): every message sent and received (a summary: method or
// status, Call-ID, CSeq; never credentials or nonces), a transaction without an answer, a
// reconnect decided by the core.
inline constexpr std::string_view kSipMessage = "sipMessage";
inline constexpr std::string_view kSipTransactionFailed = "sipTransactionFailed";
inline constexpr std::string_view kSipReconnect = "sipReconnect";
}  // namespace log_event

/// True when `event` is one of CONNECTION_EVENT_LIST's values.
bool is_connection_event(std::string_view event);

}  // namespace callcore::events
