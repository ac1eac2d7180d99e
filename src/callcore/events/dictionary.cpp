#include "callcore/events/dictionary.hpp"

#include <array>

namespace callcore::events {
namespace {

// The payload types and docs are for the generated TypeScript declarations only: the build reads
// them from a tool built with CALLCORE_DICTIONARY_TYPES (bindings/dictionary_json.cpp), and the
// shipped wasm module leaves them out (about 5 KB of text).
#ifdef CALLCORE_DICTIONARY_TYPES
#define CALLCORE_TS(type, doc) type, doc
#else
#define CALLCORE_TS(type, doc) "", ""
#endif

// TypeScript shapes of the payloads (docs/api.md has their meaning); they may name the
// interfaces js/callcore.d.ts declares (RespondentProps, CallMessageData, TagInfo, ...).
constexpr std::array kEntries{
    Entry{kEventGroup, "ALL", kAll, CALLCORE_TS("any",
          "Every event, whatever its type.")},
    Entry{kEventGroup, "HANG_UP", kHangUp, CALLCORE_TS("{ reason: string; connectionId: string }",
          "The far side hung up: reason 'hangUp', 'peerLeft', 'enter', 'answer', 'iceFailed', ...")},
    Entry{kEventGroup, "RTC_RESPONDENT_PROPS", kRespondentProps, CALLCORE_TS("RespondentProps",
          "The far side's properties changed.")},
    Entry{kEventGroup, "REMOTE_DEVICE_STATE", kRemoteDeviceState, CALLCORE_TS("DeviceState & { connectionId: string }",
          "The far side muted or hid its media.")},
    Entry{kEventGroup, "LOCAL_STREAM", kLocalStream, CALLCORE_TS("{ stream: MediaStream }",
          "The local stream was acquired.")},
    Entry{kEventGroup, "REMOTE_STREAM", kRemoteStream, CALLCORE_TS("{ stream: MediaStream }",
          "A new remote stream arrived.")},
    Entry{kEventGroup, "CALL_STATE", kCallState, CALLCORE_TS("{ state: CallState; previous: CallState }",
          "The call state changed.")},
    Entry{kEventGroup, "ENTER", kEnter, CALLCORE_TS("RespondentProps",
          "The far side entered (its props).")},
    Entry{kEventGroup, "ANSWER", kAnswer, CALLCORE_TS("{ connectionId: string }",
          "The client answered (doctor side).")},
    Entry{kEventGroup, "CALL_ERROR", kCallError, CALLCORE_TS("CallError",
          "emitType 'error': a typed call failure.")},
    Entry{kEventGroup, "SIGNALING_ERROR", kSignalingError, CALLCORE_TS("{ code: string; message: string; raw?: string }",
          "emitType 'error': a malformed, unknown, oversized or unroutable message.")},
    Entry{kEventGroup, "SOCKET_STATE", kSocketState, CALLCORE_TS("{ state: 'connecting' | 'open' | 'closed' }",
          "The built-in socket's state.")},
    Entry{kEventGroup, "ICE_RESTART", kIceRestart, CALLCORE_TS("{ phase: 'disconnected' | 'attempt' | 'backoff' | 'recovered' | 'failed'; attempt?: number; "
          "/** ms, for 'backoff' */ delayMs?: number; /** ms, for 'disconnected' */ graceMs?: number }",
          "A step of ICE recovery.")},
    Entry{kEventGroup, "LISTENER_ERROR", kListenerError, CALLCORE_TS("{ eventType: string; error: unknown }",
          "emitType 'error': a listener threw; the other listeners still ran.")},
    Entry{kEventGroup, "MESSAGE", kMessage, CALLCORE_TS("{ type: string; body: unknown; connectionId: string; via: 'dataChannel' | 'signaling' }",
          "An app message from the far side (sendMessage).")},
    Entry{kEventGroup, "REMOTE_TRACKS", kRemoteTracks, CALLCORE_TS("{ connectionId: string; tracks: TagInfo[] }",
          "The far side's tracks by media tag.")},
    Entry{kEventGroup, "LOCAL_TRACKS", kLocalTracks, CALLCORE_TS("{ tracks: TagInfo[] }",
          "This side's tracks by media tag.")},
    Entry{kEventGroup, "DEVICE", kDevice, CALLCORE_TS("{ phase: 'switched' | 'lost' | 'fallback' | 'unavailable'; kind: 'audio' | 'video'; deviceId?: string; tag?: string }",
          "A microphone or camera was switched, lost, or replaced by the default one.")},
    Entry{kEventGroup, "LOCAL_DEVICE_STATE", kLocalDeviceState, CALLCORE_TS("DeviceState",
          "changeDeviceState() applied.")},
    Entry{kEventGroup, "SIGNALING_RECONNECT", kSignalingReconnect, CALLCORE_TS("{ phase: 'scheduled' | 'reconnecting' | 'rejoined'; attempt: number; /** ms, for 'scheduled' */ delayMs?: number; "
          "/** for 'rejoined': the server kept this connection's membership */ resumed?: boolean; "
          "/** for 'rejoined': queued messages now sent */ queued?: number }",
          "A step of the built-in socket's reconnect.")},
    Entry{kEventGroup, "STATS", kStats, CALLCORE_TS("StatsEvent",
          "Call statistics of the far side's connection, about every second while connected (1 s, up to 4 s when getStats() is slow).")},
    Entry{kEventGroup, "QUALITY_CHANGED", kQualityChanged, CALLCORE_TS("{ connectionId: string; quality: ConnectionQuality; previous: ConnectionQuality; /** audio MOS estimate (1..4.5) */ mos?: number }",
          "The far side's connection quality level changed (excellent / good / poor / lost).")},
    Entry{kEventGroup, "ROOM_CONNECTION_STATUS", kRoomConnectionStatus, CALLCORE_TS("{ status: 'disconnected' | 'connecting' | 'connected' | 'reconnecting'; previous: 'disconnected' | 'connecting' | 'connected' | 'reconnecting' }",
          "Room: the connection to the room changed ('reconnecting': the socket dropped or the Janus session is being rebuilt).")},
    Entry{kEventGroup, "PARTICIPANT_JOINED", kParticipantJoined, CALLCORE_TS("{ participantId: string; display: string; tracks: Array<{ tag: string; kind: 'audio' | 'video'; mid: string }> }",
          "Room: a participant publishes in the room (ids are Janus's 64-bit ids as decimal text).")},
    Entry{kEventGroup, "PARTICIPANT_LEFT", kParticipantLeft, CALLCORE_TS("{ participantId: string; display: string; reason: 'left' | 'unpublished' | 'kicked' }",
          "Room: a participant left or stopped publishing.")},
    Entry{kEventGroup, "ROOM_TRACK_ADDED", kRoomTrackAdded, CALLCORE_TS("{ participantId: string; display: string; tag: string; kind: 'audio' | 'video'; mid: string }",
          "Room: the subscriber connection receives a participant's track under `mid`.")},
    Entry{kEventGroup, "ROOM_TRACK_REMOVED", kRoomTrackRemoved, CALLCORE_TS("{ participantId: string; tag: string; kind: 'audio' | 'video'; mid: string }",
          "Room: a participant's track is no longer received under `mid`.")},
    Entry{kEventGroup, "ROOM_ERROR", kRoomError, CALLCORE_TS("CallError",
          "Room, emitType 'error': a typed failure (Janus errors, timeouts, refused messages).")},

    Entry{kWireGroup, "ENTER", wire::kEnter, CALLCORE_TS("CallMessageData & { name: string; clientId: string; isAudio: boolean; doctor?: DoctorInfo; deviceState?: DeviceState }",
          "An inbound enter (every accepted inbound message is emitted under its wire type, with its data).")},
    Entry{kWireGroup, "ACCEPT", wire::kAccept, CALLCORE_TS("CallMessageData",
          "")},
    Entry{kWireGroup, "OFFER", wire::kOffer, CALLCORE_TS("CallMessageData & { description: RTCSessionDescriptionInit }",
          "")},
    Entry{kWireGroup, "ANSWER", wire::kAnswer, CALLCORE_TS("CallMessageData & { description: RTCSessionDescriptionInit }",
          "")},
    Entry{kWireGroup, "ICE_CANDIDATE", wire::kIceCandidate, CALLCORE_TS("CallMessageData & { candidate: RTCIceCandidateInit | null }",
          "")},
    Entry{kWireGroup, "DEVICE_STATE", wire::kDeviceState, CALLCORE_TS("CallMessageData & Partial<DeviceState>",
          "")},
    Entry{kWireGroup, "HANG_UP", wire::kHangUp, CALLCORE_TS("CallMessageData & { reason?: string }",
          "")},
    Entry{kWireGroup, "MESSAGE", wire::kMessage, CALLCORE_TS("CallMessageData & { message: { type: string; body: unknown; seq: number } }",
          "")},
    Entry{kWireGroup, "MEDIA_TAGS", wire::kMediaTags, CALLCORE_TS("CallMessageData & { tracks: TagInfo[] }",
          "")},
    Entry{kWireGroup, "JOIN", wire::kJoin, CALLCORE_TS("{ consultationId: string; clientId: string; name?: string; connectionId?: string | null }",
          "Sent, never received (the built-in socket's join).")},
    Entry{kWireGroup, "LEAVE", wire::kLeave, CALLCORE_TS("Record<string, never>",
          "Sent, never received (destroy()).")},
    Entry{kWireGroup, "JOINED", wire::kJoined, CALLCORE_TS("{ connectionId: string; consultationId: string; members: Array<{ connectionId: string; clientId: string; name: string }>; "
          "resumed: boolean }",
          "")},
    Entry{kWireGroup, "PEER_JOINED", wire::kPeerJoined, CALLCORE_TS("{ connectionId: string; clientId: string; name: string; consultationId: string }",
          "")},
    Entry{kWireGroup, "PEER_LEFT", wire::kPeerLeft, CALLCORE_TS("{ connectionId: string; clientId: string; consultationId: string; reason: string }",
          "")},
    Entry{kWireGroup, "ERROR", wire::kError, CALLCORE_TS("{ code: string; message: string; [field: string]: unknown }",
          "")},

    Entry{kConnectionGroup, "CONNECTION_ICE_STATE", kIceConnectionStateChange, CALLCORE_TS("ConnectionStatePayload<RTCIceConnectionState>",
          "")},
    Entry{kConnectionGroup, "CONNECTION_STATE", kConnectionStateChange, CALLCORE_TS("ConnectionStatePayload<RTCPeerConnectionState>",
          "")},
    Entry{kConnectionGroup, "SIGNALING_STATE", kSignalingStateChange, CALLCORE_TS("ConnectionStatePayload<RTCSignalingState>",
          "")},
    Entry{kConnectionGroup, "ICE_GATHERING_STATE", kIceGatheringStateChange, CALLCORE_TS("ConnectionStatePayload<RTCIceGatheringState>",
          "")},
    Entry{kConnectionGroup, "ICE_CANDIDATE", kIceCandidate, CALLCORE_TS("unknown",
          "Not emitted by callcore (local candidates go to the far side; see the logger); kept for the seed's name.")},
    Entry{kConnectionGroup, "TRACK", kTrack, CALLCORE_TS("{ kind: 'audio' | 'video'; streamId: string; connectionId: string; tag?: string }",
          "A remote track arrived; `tag` once its media tag is known.")},

    Entry{kEmitTypeGroup, "EVENT", kEmitEvent},
    Entry{kEmitTypeGroup, "ERROR", kEmitError},

    Entry{kCallStateGroup, "IDLE", state::kIdle},
    Entry{kCallStateGroup, "ACQUIRING_MEDIA", state::kAcquiringMedia},
    Entry{kCallStateGroup, "WAITING_ENTER", state::kWaitingEnter},
    Entry{kCallStateGroup, "WAITING_ANSWER", state::kWaitingAnswer},
    Entry{kCallStateGroup, "CONNECTING", state::kConnecting},
    Entry{kCallStateGroup, "CONNECTED", state::kConnected},
    Entry{kCallStateGroup, "ENDED", state::kEnded},

    Entry{kErrorTypeGroup, "ENTER", error_type::kEnter},
    Entry{kErrorTypeGroup, "ANSWER", error_type::kAnswer},
    Entry{kErrorTypeGroup, "STREAM_ERROR", error_type::kStreamError},
    Entry{kErrorTypeGroup, "CONNECTION", error_type::kConnection},
    Entry{kErrorTypeGroup, "SIGNALING", error_type::kSignaling},
    Entry{kErrorTypeGroup, "NEGOTIATION", error_type::kNegotiation},
    Entry{kErrorTypeGroup, "HANG_UP", error_type::kHangUp},
    Entry{kErrorTypeGroup, "STATE", error_type::kState},
    Entry{kErrorTypeGroup, "PARAMS", error_type::kParams},
    Entry{kErrorTypeGroup, "MESSAGE", error_type::kMessage},
    Entry{kErrorTypeGroup, "ROOM", error_type::kRoom},

    Entry{kLogEventGroup, "SESSION_CREATED", log_event::kSessionCreated},
    Entry{kLogEventGroup, "CALL_REJECTED", log_event::kCallRejected},
    Entry{kLogEventGroup, "DESTROYED", log_event::kDestroyed},
    Entry{kLogEventGroup, "DEVICE_STATE", log_event::kDeviceState},
    Entry{kLogEventGroup, "SIGNALING_OPEN", log_event::kSignalingOpen},
    Entry{kLogEventGroup, "SIGNALING_CLOSED", log_event::kSignalingClosed},
    Entry{kLogEventGroup, "SIGNALING_PAUSED", log_event::kSignalingPaused},
    Entry{kLogEventGroup, "SIGNALING_RESUMED", log_event::kSignalingResumed},
    Entry{kLogEventGroup, "SEND_FAILED", log_event::kSendFailed},
    Entry{kLogEventGroup, "MESSAGE_REFUSED", log_event::kMessageRefused},
    Entry{kLogEventGroup, "DATA_CHANNEL_STATE", log_event::kDataChannelState},
    Entry{kLogEventGroup, "DUPLICATE_APP_MESSAGE", log_event::kDuplicateAppMessage},
    Entry{kLogEventGroup, "APP_MESSAGE_GAP", log_event::kAppMessageGap},
    Entry{kLogEventGroup, "DUPLICATE_MESSAGE", log_event::kDuplicateMessage},
    Entry{kLogEventGroup, "CONNECTION_ID_CHANGED", log_event::kConnectionIdChanged},
    Entry{kLogEventGroup, "IGNORED_MESSAGE", log_event::kIgnoredMessage},
    Entry{kLogEventGroup, "OFFER_HELD", log_event::kOfferHeld},
    Entry{kLogEventGroup, "OFFER_IGNORED", log_event::kOfferIgnored},
    Entry{kLogEventGroup, "OFFER_COLLISION", log_event::kOfferCollision},
    Entry{kLogEventGroup, "MEDIA_ACQUIRED", log_event::kMediaAcquired},
    Entry{kLogEventGroup, "STALE_OFFER", log_event::kStaleOffer},
    Entry{kLogEventGroup, "LOCAL_DESCRIPTION", log_event::kLocalDescription},
    Entry{kLogEventGroup, "REMOTE_DESCRIPTION_SET", log_event::kRemoteDescriptionSet},
    Entry{kLogEventGroup, "NEGOTIATION_NEEDED", log_event::kNegotiationNeeded},
    Entry{kLogEventGroup, "NEGOTIATION_NEEDED_DEFERRED", log_event::kNegotiationNeededDeferred},
    Entry{kLogEventGroup, "ADD_ICE_CANDIDATE_FAILED", log_event::kAddIceCandidateFailed},
    Entry{kLogEventGroup, "RESTART_ICE_FAILED", log_event::kRestartIceFailed},
    Entry{kLogEventGroup, "ROLLBACK_FAILED", log_event::kRollbackFailed},
    Entry{kLogEventGroup, "REPLACE_TRACK_FAILED", log_event::kReplaceTrackFailed},
    Entry{kLogEventGroup, "NEGOTIATION_FAILED", log_event::kNegotiationFailed},
    Entry{kLogEventGroup, "ICE_RESTART", log_event::kIceRestart},
    Entry{kLogEventGroup, "CALL_ENDED", log_event::kCallEnded},
    Entry{kLogEventGroup, "REQUEST_REFUSED", log_event::kRequestRefused},
    Entry{kLogEventGroup, "SEND_TRACK", log_event::kSendTrack},
    Entry{kLogEventGroup, "TRACK_CONTROL", log_event::kTrackControl},
    Entry{kLogEventGroup, "DEVICE_SWITCHED", log_event::kDeviceSwitched},
    Entry{kLogEventGroup, "CANDIDATE_DROPPED", log_event::kCandidateDropped},
    Entry{kLogEventGroup, "INVALID_INPUT", log_event::kInvalidInput},
    Entry{kLogEventGroup, "LISTENER_ERROR", log_event::kListenerError},
    Entry{kLogEventGroup, "EFFECT_FAILED", log_event::kEffectFailed},
    Entry{kLogEventGroup, "UNKNOWN_EFFECT", log_event::kUnknownEffect},
    Entry{kLogEventGroup, "STATS_FAILED", log_event::kStatsFailed},
    Entry{kLogEventGroup, "STATS_INVALID", log_event::kStatsInvalid},
    Entry{kLogEventGroup, "JANUS_REQUEST", log_event::kJanusRequest},
    Entry{kLogEventGroup, "JANUS_MESSAGE", log_event::kJanusMessage},
    Entry{kLogEventGroup, "JANUS_REQUEST_TIMEOUT", log_event::kJanusRequestTimeout},
    Entry{kLogEventGroup, "JANUS_SESSION_CLAIMED", log_event::kJanusSessionClaimed},
    Entry{kLogEventGroup, "JANUS_SESSION_REBUILT", log_event::kJanusSessionRebuilt},
    Entry{kLogEventGroup, "ROOM_JOINED", log_event::kRoomJoined},
    Entry{kLogEventGroup, "ROOM_LEFT", log_event::kRoomLeft},
};

}  // namespace

std::span<const Entry> dictionary() { return kEntries; }

std::optional<std::string_view> find(std::string_view group, std::string_view value) {
  for (const auto& e : kEntries) {
    if (e.group == group && e.value == value) return e.value;
  }
  return std::nullopt;
}

bool contains(std::string_view group, std::string_view value) { return find(group, value).has_value(); }

bool is_connection_event(std::string_view event) { return contains(kConnectionGroup, event); }

}  // namespace callcore::events
