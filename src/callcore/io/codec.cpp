#include "callcore/io/codec.hpp"

#include <array>

#include "callcore/base/json.hpp"
#include "callcore/base/overloaded.hpp"

namespace callcore::io {

using nlohmann::json;
using base::bool_or;
using base::int_or;
using base::optional_bool;
using base::string_or;

namespace {

std::string str(const json& j, const char* key) { return string_or(j, key); }
TrackId track(const json& j, const char* key) { return static_cast<TrackId>(int_or(j, key, 0)); }
std::optional<TrackId> optional_track(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer()) return std::nullopt;
  return track(j, key);
}
json track_json(std::optional<TrackId> t) { return t ? json(to_int(*t)) : json(nullptr); }

std::optional<Input> decode_app(const std::string& kind, const json& j) {
  using namespace in;
  const int request = int_or(j, "requestId", 0);
  if (kind == "call") return FromApp{Call{request}};
  if (kind == "hangUp") return FromApp{HangUp{}};
  if (kind == "destroy") return FromApp{Destroy{}};
  if (kind == "changeDeviceState") return FromApp{ChangeDeviceState{optional_bool(j, "isHidden"), optional_bool(j, "isMute")}};
  if (kind == "sendMessage") {
    auto body = j.find("body");
    return FromApp{SendMessage{request, str(j, "type"), body == j.end() ? json(nullptr) : *body}};
  }
  if (kind == "sendTrack")
    return FromApp{SendTrack{request, str(j, "tag"), str(j, "trackKind"), track(j, "trackId"), bool_or(j, "paused", false)}};
  if (kind == "trackControl") return FromApp{TrackControl{request, str(j, "action"), str(j, "tag")}};
  if (kind == "switchDevice") return FromApp{SwitchDevice{request, str(j, "trackKind"), str(j, "deviceId")}};
  return std::nullopt;
}

std::optional<Input> decode_transport(const std::string& kind, const json& j) {
  using namespace in;
  const auto id = static_cast<TransportId>(int_or(j, "transport", 0));
  if (kind == "transportOpened") return FromTransport{id, TransportOpened{}};
  if (kind == "transportClosed") return FromTransport{id, TransportClosed{int_or(j, "code", 0), str(j, "reason")}};
  if (kind == "transportMessage") return FromTransport{id, TransportMessage{str(j, "text")}};
  if (kind == "sendFailed") {
    // The message the Send effect carried: a JSON object, or a string (SIP text, RFC 7118).
    auto it = j.find("message");
    if (it == j.end() || !(it->is_object() || it->is_string())) return std::nullopt;
    return FromTransport{id, SendFailed{*it, str(j, "reason")}};
  }
  if (kind == "transportPaused") return FromTransport{id, TransportPaused{}};
  if (kind == "transportResumed") return FromTransport{id, TransportResumed{str(j, "connectionId")}};
  if (kind == "tokenProvided") return FromTransport{id, TokenProvided{str(j, "token")}};
  if (kind == "tokenFailed") return FromTransport{id, TokenFailed{str(j, "reason")}};
  return std::nullopt;
}

std::optional<Input> decode_pc(const std::string& kind, const json& j) {
  using namespace in;
  const auto id = static_cast<PcId>(int_or(j, "pc", 0));
  if (kind == "localDescription") return FromPc{id, LocalDescription{str(j, "type"), str(j, "sdp")}};
  if (kind == "remoteDescriptionSet") return FromPc{id, RemoteDescriptionSet{str(j, "type")}};
  if (kind == "operationFailed") return FromPc{id, OperationFailed{str(j, "operation"), str(j, "name"), str(j, "message")}};
  if (kind == "localIceCandidate") {
    auto it = j.find("candidate");
    return FromPc{id, LocalIceCandidate{it != j.end() && it->is_object() ? base::flat_object(*it) : json(nullptr)}};
  }
  if (kind == "peerStateChange") return FromPc{id, PeerStateChange{str(j, "event"), str(j, "state")}};
  if (kind == "remoteTrack") return FromPc{id, RemoteTrack{str(j, "trackKind"), str(j, "streamId")}};
  if (kind == "negotiationNeeded") return FromPc{id, NegotiationNeeded{}};
  if (kind == "dataChannelState") return FromPc{id, DataChannelState{str(j, "state")}};
  if (kind == "dataChannelMessage") return FromPc{id, DataChannelMessage{str(j, "text"), str(j, "label")}};
  if (kind == "dataChannelSendFailed") return FromPc{id, DataChannelSendFailed{str(j, "text")}};
  if (kind == "trackAdded") return FromPc{id, TrackAdded{str(j, "tag"), str(j, "streamId")}};
  if (kind == kStatsReportKind) {
    // Entries keep their scalar members only (stats dictionaries are flat), so nothing deep
    // reaches the analyzer; a non-object entry stays as it is for the analyzer to refuse.
    json report = nullptr;
    if (auto it = j.find("report"); it != j.end() && it->is_array()) {
      report = json::array();
      for (const auto& e : *it) report.push_back(e.is_object() ? base::flat_object(e) : e.is_structured() ? json() : e);
    }
    return FromPc{id, StatsReport{std::move(report), str(j, "error")}};
  }
  return std::nullopt;
}

std::optional<Input> decode_media(const std::string& kind, const json& j) {
  using namespace in;
  if (kind == "mediaAcquired")
    return FromMedia{MediaAcquired{optional_track(j, "audio"), optional_track(j, "video"), str(j, "streamId")}};
  if (kind == "mediaFailed") return FromMedia{MediaFailed{str(j, "name"), str(j, "message"), str(j, "constraint")}};
  if (kind == "deviceAcquired")
    return FromMedia{DeviceAcquired{int_or(j, "requestId", 0), str(j, "trackKind"), track(j, "trackId"), str(j, "deviceId")}};
  if (kind == "deviceFailed")
    return FromMedia{DeviceFailed{int_or(j, "requestId", 0), str(j, "trackKind"), str(j, "name"), str(j, "message")}};
  if (kind == "trackEnded") return FromMedia{TrackEnded{track(j, "trackId")}};
  return std::nullopt;
}

constexpr std::array<std::string_view, std::variant_size_v<Effect>> kEffectKinds{
    "openTransport", "closeTransport", "send",         "requestToken",    "createPc",        "closePc",       "setLocalDescription",
    "setRemoteDescription", "addIceCandidate", "restartIce", "addTrack", "prepareSender", "replaceTrack",  "removeTrack",
    "dataSend",      "collectStats",   "acquireMedia",   "acquireDevice", "setTrackEnabled", "releaseTrack", "swapLocalTrack",
    "stopTracks",    "releaseStreams", "settle",       "emit"};

using base::overloaded;

}  // namespace

std::optional<Input> decode_input(const json& j) {
  if (!j.is_object()) return std::nullopt;
  const std::string kind = str(j, "kind");
  if (kind == "timeout") return Timeout{};
  if (auto i = decode_app(kind, j)) return i;
  if (auto i = decode_transport(kind, j)) return i;
  if (auto i = decode_pc(kind, j)) return i;
  return decode_media(kind, j);
}

json encode_input(const Input& input) {
  using namespace in;
  const auto with_id = [](const char* key, int id, json j) {
    j[key] = id;
    return j;
  };
  return std::visit(
      overloaded{
          [](const FromApp& a) {
            return std::visit(
                overloaded{
                    [](const Call& r) { return json{{"kind", "call"}, {"requestId", r.request_id}}; },
                    [](const HangUp&) { return json{{"kind", "hangUp"}}; },
                    [](const Destroy&) { return json{{"kind", "destroy"}}; },
                    [](const ChangeDeviceState& r) {
                      json j{{"kind", "changeDeviceState"}};
                      if (r.is_hidden) j["isHidden"] = *r.is_hidden;
                      if (r.is_mute) j["isMute"] = *r.is_mute;
                      return j;
                    },
                    [](const SendMessage& r) {
                      return json{{"kind", "sendMessage"}, {"requestId", r.request_id}, {"type", r.type}, {"body", r.body}};
                    },
                    [](const SendTrack& r) {
                      return json{{"kind", "sendTrack"}, {"requestId", r.request_id}, {"tag", r.tag},
                                  {"trackKind", r.kind},  {"trackId", to_int(r.track)},  {"paused", r.paused}};
                    },
                    [](const TrackControl& r) {
                      return json{{"kind", "trackControl"}, {"requestId", r.request_id}, {"action", r.action}, {"tag", r.tag}};
                    },
                    [](const SwitchDevice& r) {
                      return json{{"kind", "switchDevice"}, {"requestId", r.request_id}, {"trackKind", r.kind},
                                  {"deviceId", r.device_id}};
                    },
                },
                a.request);
          },
          [&](const FromTransport& t) {
            json j = std::visit(
                overloaded{
                    [](const TransportOpened&) { return json{{"kind", "transportOpened"}}; },
                    [](const TransportClosed& e) { return json{{"kind", "transportClosed"}, {"code", e.code}, {"reason", e.reason}}; },
                    [](const TransportMessage& e) { return json{{"kind", "transportMessage"}, {"text", e.text}}; },
                    [](const SendFailed& e) { return json{{"kind", "sendFailed"}, {"message", e.message}, {"reason", e.reason}}; },
                    [](const TransportPaused&) { return json{{"kind", "transportPaused"}}; },
                    [](const TransportResumed& e) { return json{{"kind", "transportResumed"}, {"connectionId", e.connection_id}}; },
                    [](const TokenProvided& e) { return json{{"kind", "tokenProvided"}, {"token", e.token}}; },
                    [](const TokenFailed& e) { return json{{"kind", "tokenFailed"}, {"reason", e.reason}}; },
                },
                t.event);
            return with_id("transport", to_int(t.transport), std::move(j));
          },
          [&](const FromPc& p) {
            json j = std::visit(
                overloaded{
                    [](const LocalDescription& e) { return json{{"kind", "localDescription"}, {"type", e.type}, {"sdp", e.sdp}}; },
                    [](const RemoteDescriptionSet& e) { return json{{"kind", "remoteDescriptionSet"}, {"type", e.type}}; },
                    [](const OperationFailed& e) {
                      return json{{"kind", "operationFailed"}, {"operation", e.operation}, {"name", e.name}, {"message", e.message}};
                    },
                    [](const LocalIceCandidate& e) { return json{{"kind", "localIceCandidate"}, {"candidate", e.candidate}}; },
                    [](const PeerStateChange& e) { return json{{"kind", "peerStateChange"}, {"event", e.event}, {"state", e.state}}; },
                    [](const RemoteTrack& e) { return json{{"kind", "remoteTrack"}, {"trackKind", e.kind}, {"streamId", e.stream_id}}; },
                    [](const NegotiationNeeded&) { return json{{"kind", "negotiationNeeded"}}; },
                    [](const DataChannelState& e) { return json{{"kind", "dataChannelState"}, {"state", e.state}}; },
                    [](const DataChannelMessage& e) {
                      json j{{"kind", "dataChannelMessage"}, {"text", e.text}};
                      if (!e.label.empty()) j["label"] = e.label;
                      return j;
                    },
                    [](const DataChannelSendFailed& e) { return json{{"kind", "dataChannelSendFailed"}, {"text", e.text}}; },
                    [](const TrackAdded& e) { return json{{"kind", "trackAdded"}, {"tag", e.tag}, {"streamId", e.stream_id}}; },
                    [](const StatsReport& e) { return json{{"kind", kStatsReportKind}, {"report", e.report}, {"error", e.error}}; },
                },
                p.event);
            return with_id("pc", to_int(p.pc), std::move(j));
          },
          [](const FromMedia& m) {
            return std::visit(
                overloaded{
                    [](const MediaAcquired& e) {
                      return json{{"kind", "mediaAcquired"}, {"audio", track_json(e.audio)}, {"video", track_json(e.video)},
                                  {"streamId", e.stream_id}};
                    },
                    [](const MediaFailed& e) {
                      return json{{"kind", "mediaFailed"}, {"name", e.name}, {"message", e.message}, {"constraint", e.constraint}};
                    },
                    [](const DeviceAcquired& e) {
                      return json{{"kind", "deviceAcquired"}, {"requestId", e.request_id}, {"trackKind", e.kind},
                                  {"trackId", to_int(e.track)}, {"deviceId", e.device_id}};
                    },
                    [](const DeviceFailed& e) {
                      return json{{"kind", "deviceFailed"}, {"requestId", e.request_id}, {"trackKind", e.kind},
                                  {"name", e.name}, {"message", e.message}};
                    },
                    [](const TrackEnded& e) { return json{{"kind", "trackEnded"}, {"trackId", to_int(e.track)}}; },
                },
                m.event);
          },
          [](const Timeout&) { return json{{"kind", "timeout"}}; },
      },
      input);
}

std::string_view effect_kind(const Effect& effect) { return kEffectKinds[effect.index()]; }

json encode(const Effect& effect) {
  json out = std::visit(
      overloaded{
          [](const fx::OpenTransport& e) {
            json j{{"transport", to_int(e.transport)}, {"url", e.url}};
            if (!e.protocol.empty()) j["protocol"] = e.protocol;
            return j;
          },
          [](const fx::CloseTransport& e) { return json{{"transport", to_int(e.transport)}}; },
          [](const fx::Send& e) { return json{{"transport", to_int(e.transport)}, {"message", e.message}}; },
          [](const fx::RequestToken& e) { return json{{"transport", to_int(e.transport)}}; },
          [](const fx::CreatePc& e) {
            json channels = json::array();
            for (const auto& c : e.data_channels)
              channels.push_back({{"label", c.label}, {"id", c.id}, {"negotiated", c.negotiated}, {"ordered", c.ordered}});
            return json{{"pc", to_int(e.pc)}, {"dataChannels", std::move(channels)}, {"bundlePolicy", e.bundle_policy}};
          },
          [](const fx::ClosePc& e) { return json{{"pc", to_int(e.pc)}}; },
          [](const fx::SetLocalDescription& e) { return json{{"pc", to_int(e.pc)}, {"type", e.type}}; },
          [](const fx::SetRemoteDescription& e) {
            return json{{"pc", to_int(e.pc)}, {"description", e.description}, {"rollback", e.rollback}};
          },
          [](const fx::AddIceCandidate& e) { return json{{"pc", to_int(e.pc)}, {"candidate", e.candidate}}; },
          [](const fx::RestartIce& e) { return json{{"pc", to_int(e.pc)}}; },
          [](const fx::AddTrack& e) {
            json j{{"pc", to_int(e.pc)}, {"tag", e.tag}, {"trackId", to_int(e.track)}, {"streamId", e.stream_id}};
            if (e.simulcast) j["simulcast"] = true;
            return j;
          },
          [](const fx::PrepareSender& e) { return json{{"pc", to_int(e.pc)}, {"tag", e.tag}, {"trackKind", e.kind}}; },
          [](const fx::ReplaceTrack& e) { return json{{"pc", to_int(e.pc)}, {"tag", e.tag}, {"trackId", track_json(e.track)}}; },
          [](const fx::RemoveTrack& e) { return json{{"pc", to_int(e.pc)}, {"tag", e.tag}}; },
          [](const fx::DataSend& e) { return json{{"pc", to_int(e.pc)}, {"label", e.label}, {"text", e.text}}; },
          [](const fx::CollectStats& e) {
            json j{{"pc", to_int(e.pc)}, {"types", e.types}};
            if (!e.fields.is_null()) j["fields"] = e.fields;
            return j;
          },
          [](const fx::AcquireMedia& e) { return json{{"constraints", e.constraints}}; },
          [](const fx::AcquireDevice& e) {
            return json{{"requestId", e.request_id}, {"trackKind", e.kind}, {"constraints", e.constraints}};
          },
          [](const fx::SetTrackEnabled& e) { return json{{"trackId", to_int(e.track)}, {"enabled", e.enabled}}; },
          [](const fx::ReleaseTrack& e) { return json{{"trackId", to_int(e.track)}}; },
          [](const fx::SwapLocalTrack& e) { return json{{"from", to_int(e.from)}, {"to", to_int(e.to)}}; },
          [](const fx::StopTracks&) { return json::object(); },
          [](const fx::ReleaseStreams&) { return json::object(); },
          [](const fx::SettleRequest& e) {
            return json{{"requestId", e.request_id},
                        {"error", e.error ? errors::to_json(*e.error) : json(nullptr)},
                        {"withLocalStream", e.with_local_stream}};
          },
          [](const fx::Emit& e) {
            return json{{"emitType", e.emit_type}, {"eventType", e.event_type}, {"payload", e.payload}};
          },
      },
      effect);
  out["kind"] = effect_kind(effect);
  return out;
}

}  // namespace callcore::io
