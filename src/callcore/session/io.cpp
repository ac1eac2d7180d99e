#include "callcore/session/io.hpp"

namespace callcore::session {
namespace {

using nlohmann::json;

std::string str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::optional<bool> opt_bool(const json& j, const char* key) {
  auto it = j.find(key);
  if (it != j.end() && it->is_boolean()) return it->get<bool>();
  return std::nullopt;
}

int integer(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<int>() : 0;
}

// RTCIceCandidateInit is flat (candidate, sdpMid, sdpMLineIndex, usernameFragment): only the
// object's scalar members are kept, so a nested value cannot make the copies and serializations
// of the candidate recurse arbitrarily deep.
json flat_object(const json& j) {
  json out = json::object();
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (!it->is_structured()) out[it.key()] = *it;
  }
  return out;
}

}  // namespace

std::optional<Input> decode_input(const json& j) {
  if (!j.is_object()) return std::nullopt;
  const std::string kind = str(j, "kind");
  if (kind == "call") return in::Call{integer(j, "requestId")};
  if (kind == "hangUp") return in::HangUp{};
  if (kind == "destroy") return in::Destroy{};
  if (kind == "changeDeviceState") return in::ChangeDeviceState{opt_bool(j, "isHidden"), opt_bool(j, "isMute")};
  if (kind == "signalingOpen") return in::SignalingOpen{};
  if (kind == "signalingClosed") return in::SignalingClosed{integer(j, "code"), str(j, "reason")};
  if (kind == "signalingMessage") return in::SignalingMessage{str(j, "text")};
  if (kind == "mediaAcquired")
    return in::MediaAcquired{opt_bool(j, "hasAudio").value_or(false), opt_bool(j, "hasVideo").value_or(false),
                             str(j, "streamId")};
  if (kind == "sendTrack")
    return in::SendTrack{integer(j, "requestId"), str(j, "tag"), str(j, "trackKind"), str(j, "trackId"),
                         opt_bool(j, "paused").value_or(false)};
  if (kind == "trackControl") return in::TrackControl{integer(j, "requestId"), str(j, "action"), str(j, "tag")};
  if (kind == "trackAdded") return in::TrackAdded{str(j, "tag"), str(j, "streamId")};
  if (kind == "trackEnded") return in::TrackEnded{str(j, "tag")};
  if (kind == "switchDevice") return in::SwitchDevice{integer(j, "requestId"), str(j, "trackKind"), str(j, "deviceId")};
  if (kind == "deviceAcquired")
    return in::DeviceAcquired{integer(j, "requestId"), str(j, "trackKind"), str(j, "trackId"), str(j, "deviceId")};
  if (kind == "deviceFailed")
    return in::DeviceFailed{integer(j, "requestId"), str(j, "trackKind"), str(j, "name"), str(j, "message")};
  if (kind == "mediaFailed") return in::MediaFailed{str(j, "name"), str(j, "message"), str(j, "constraint")};
  if (kind == "localDescription") return in::LocalDescription{str(j, "type"), str(j, "sdp")};
  if (kind == "remoteDescriptionSet") return in::RemoteDescriptionSet{str(j, "type")};
  if (kind == "negotiationNeeded") return in::NegotiationNeeded{};
  if (kind == "signalingPaused") return in::SignalingPaused{};
  if (kind == "sendMessage") {
    auto body = j.find("body");
    return in::SendMessage{integer(j, "requestId"), str(j, "type"), body == j.end() ? json(nullptr) : *body};
  }
  if (kind == "dataChannelState") return in::DataChannelState{str(j, "state")};
  if (kind == "dataChannelMessage") return in::DataChannelMessage{str(j, "text")};
  if (kind == "dataChannelSendFailed") return in::DataChannelSendFailed{str(j, "text")};
  if (kind == "sendFailed") {
    auto it = j.find("message");
    if (it == j.end() || !it->is_object()) return std::nullopt;
    return in::SendFailed{*it, str(j, "reason")};
  }
  if (kind == "signalingResumed") return in::SignalingResumed{str(j, "connectionId")};
  if (kind == "operationFailed") return in::OperationFailed{str(j, "operation"), str(j, "name"), str(j, "message")};
  if (kind == "localIceCandidate") {
    auto it = j.find("candidate");
    return in::LocalIceCandidate{it != j.end() && it->is_object() ? flat_object(*it) : json(nullptr)};
  }
  if (kind == "peerStateChange") return in::PeerStateChange{str(j, "event"), str(j, "state")};
  if (kind == "remoteTrack") return in::RemoteTrack{str(j, "trackKind"), str(j, "streamId")};
  if (kind == "timerFired") return in::TimerFired{integer(j, "id")};
  return std::nullopt;
}

}  // namespace callcore::session
