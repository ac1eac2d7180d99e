#include "callcore/events/event_list.hpp"

#include <array>

namespace callcore::events {
namespace {

constexpr std::array kEntries{
    Entry{"EVENT_LIST", "ALL", kAll},
    Entry{"EVENT_LIST", "HANG_UP", kHangUp},
    Entry{"EVENT_LIST", "RTC_RESPONDENT_PROPS", kRespondentProps},
    Entry{"EVENT_LIST", "REMOTE_DEVICE_STATE", kRemoteDeviceState},
    Entry{"EVENT_LIST", "LOCAL_STREAM", kLocalStream},
    Entry{"EVENT_LIST", "REMOTE_STREAM", kRemoteStream},
    Entry{"EVENT_LIST", "CALL_STATE", kCallState},
    Entry{"EVENT_LIST", "ENTER", kEnter},
    Entry{"EVENT_LIST", "ANSWER", kAnswer},
    Entry{"EVENT_LIST", "CALL_ERROR", kCallError},
    Entry{"EVENT_LIST", "SIGNALING_ERROR", kSignalingError},
    Entry{"EVENT_LIST", "SOCKET_STATE", kSocketState},
    Entry{"EVENT_LIST", "ICE_RESTART", kIceRestart},
    Entry{"EVENT_LIST", "LISTENER_ERROR", kListenerError},
    Entry{"EVENT_LIST", "MESSAGE", kMessage},
    Entry{"EVENT_LIST", "REMOTE_TRACKS", kRemoteTracks},
    Entry{"EVENT_LIST", "LOCAL_TRACKS", kLocalTracks},
    Entry{"EVENT_LIST", "DEVICE", kDevice},
    Entry{"EVENT_LIST", "LOCAL_DEVICE_STATE", kLocalDeviceState},
    Entry{"EVENT_LIST", "SIGNALING_RECONNECT", kSignalingReconnect},

    Entry{"SOCKET_MESSAGES_EVENT_LIST", "ENTER", "enter"},
    Entry{"SOCKET_MESSAGES_EVENT_LIST", "ACCEPT", "accept"},
    Entry{"SOCKET_MESSAGES_EVENT_LIST", "OFFER", "offer"},
    Entry{"SOCKET_MESSAGES_EVENT_LIST", "ANSWER", "answer"},
    Entry{"SOCKET_MESSAGES_EVENT_LIST", "ICE_CANDIDATE", "iceCandidate"},
    Entry{"SOCKET_MESSAGES_EVENT_LIST", "DEVICE_STATE", "deviceState"},
    Entry{"SOCKET_MESSAGES_EVENT_LIST", "HANG_UP", "hangUp"},
    Entry{"SOCKET_MESSAGES_EVENT_LIST", "MESSAGE", "message"},
    Entry{"SOCKET_MESSAGES_EVENT_LIST", "MEDIA_TAGS", "mediaTags"},
    Entry{"SOCKET_MESSAGES_EVENT_LIST", "JOIN", "join"},
    Entry{"SOCKET_MESSAGES_EVENT_LIST", "LEAVE", "leave"},
    Entry{"SOCKET_MESSAGES_EVENT_LIST", "JOINED", "joined"},
    Entry{"SOCKET_MESSAGES_EVENT_LIST", "PEER_JOINED", "peerJoined"},
    Entry{"SOCKET_MESSAGES_EVENT_LIST", "PEER_LEFT", "peerLeft"},
    Entry{"SOCKET_MESSAGES_EVENT_LIST", "ERROR", "error"},

    Entry{"CONNECTION_EVENT_LIST", "CONNECTION_ICE_STATE", kIceConnectionStateChange},
    Entry{"CONNECTION_EVENT_LIST", "CONNECTION_STATE", kConnectionStateChange},
    Entry{"CONNECTION_EVENT_LIST", "SIGNALING_STATE", kSignalingStateChange},
    Entry{"CONNECTION_EVENT_LIST", "ICE_GATHERING_STATE", kIceGatheringStateChange},
    Entry{"CONNECTION_EVENT_LIST", "ICE_CANDIDATE", kIceCandidate},
    Entry{"CONNECTION_EVENT_LIST", "TRACK", kTrack},

    Entry{"EMIT_TYPE_LIST", "EVENT", kEmitEvent},
    Entry{"EMIT_TYPE_LIST", "ERROR", kEmitError},

    Entry{"CALL_STATE_LIST", "IDLE", "idle"},
    Entry{"CALL_STATE_LIST", "ACQUIRING_MEDIA", "acquiringMedia"},
    Entry{"CALL_STATE_LIST", "WAITING_ENTER", "waitingEnter"},
    Entry{"CALL_STATE_LIST", "WAITING_ANSWER", "waitingAnswer"},
    Entry{"CALL_STATE_LIST", "CONNECTING", "connecting"},
    Entry{"CALL_STATE_LIST", "CONNECTED", "connected"},
    Entry{"CALL_STATE_LIST", "ENDED", "ended"},

    Entry{"CALL_ERROR_TYPE_LIST", "ENTER", "enter"},
    Entry{"CALL_ERROR_TYPE_LIST", "ANSWER", "answer"},
    Entry{"CALL_ERROR_TYPE_LIST", "STREAM_ERROR", "streamError"},
    Entry{"CALL_ERROR_TYPE_LIST", "CONNECTION", "connection"},
    Entry{"CALL_ERROR_TYPE_LIST", "SIGNALING", "signaling"},
    Entry{"CALL_ERROR_TYPE_LIST", "NEGOTIATION", "negotiation"},
    Entry{"CALL_ERROR_TYPE_LIST", "HANG_UP", "hangUp"},
    Entry{"CALL_ERROR_TYPE_LIST", "STATE", "state"},
    Entry{"CALL_ERROR_TYPE_LIST", "PARAMS", "params"},
    Entry{"CALL_ERROR_TYPE_LIST", "MESSAGE", "message"},
};

}  // namespace

std::span<const Entry> dictionary() { return kEntries; }

bool is_connection_event(std::string_view event) {
  for (const auto& e : kEntries) {
    if (e.group == "CONNECTION_EVENT_LIST" && e.value == event) return true;
  }
  return false;
}

}  // namespace callcore::events
