// libFuzzer target: the core's one JSON codec (io/codec.hpp) on the shell's side of the
// boundary. The bytes are parsed as JSON without exceptions (as bindings.cpp does with the text
// the JS shell passes), then:
//  - decode_input(json): an object with a known `kind` decodes to that input leaf, in its source
//    group (sendFailed only with its `message` object or string); anything else to nullopt. Every field
//    the leaf copies has its JSON value when it has the documented type, else the documented
//    fallback (strings "", integers 0 — also when they do not fit an int —, booleans false or
//    absent); `pc` / `transport` name the input's PcId / TransportId; a mediaAcquired track is
//    absent unless its field is an integer; the candidate of localIceCandidate is null or an
//    object with exactly the given object's scalar members, and serializes.
//  - encode(effect), for one effect of each kind built from the same JSON's values: it never
//    throws, returns an object whose `kind` is effect_kind(effect) and the documented name of
//    that alternative, carries ids as integers (an absent track as null) and the JSON it was
//    given unchanged, and serializes (strict UTF-8), as bindings.cpp dumps it.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "callcore/base/json.hpp"
#include "callcore/events/dictionary.hpp"
#include "callcore/io/codec.hpp"
#include "check.hpp"
#include "kinds.hpp"

using namespace callcore;
using callcore::fuzz::dump_strict;
using callcore::fuzz::detail::overloaded;
using nlohmann::json;

namespace {

std::string str(const json& j, const char* key) {
  if (!j.is_object()) return {};
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// An integer field: its value when it is a JSON integer that fits an int, else nullopt.
std::optional<int> int_in_range(const json& j, const char* key) {
  if (!j.is_object()) return std::nullopt;
  auto it = j.find(key);
  if (it == j.end()) return std::nullopt;
  if (it->is_number_unsigned()) {
    const auto v = it->get<std::uint64_t>();
    if (v <= static_cast<std::uint64_t>(std::numeric_limits<int>::max())) return static_cast<int>(v);
    return std::nullopt;
  }
  if (it->is_number_integer()) {
    const auto v = it->get<std::int64_t>();
    if (v >= std::numeric_limits<int>::min() && v <= std::numeric_limits<int>::max()) return static_cast<int>(v);
  }
  return std::nullopt;
}

bool is_integer(const json& j, const char* key) { return j.is_object() && j.contains(key) && j[key].is_number_integer(); }

bool bool_field(const json& j, const char* key, bool fallback) {
  if (!j.is_object()) return fallback;
  auto it = j.find(key);
  return it != j.end() && it->is_boolean() ? it->get<bool>() : fallback;
}

// out[key] of an encoded effect, or a discarded value (equal to nothing) when it is missing.
json get(const json& out, const char* key) {
  return out.is_object() && out.contains(key) ? out[key] : json(json::value_t::discarded);
}

void expect_str(const json& j, const char* key, const std::string& decoded) {
  FUZZ_CHECK(decoded == str(j, key), std::string("string field ") + key);
}

// Documented: an integer that fits an int, else 0 (absent, another type, out of range).
void expect_int(const json& j, const char* key, int decoded) {
  FUZZ_CHECK(decoded == int_in_range(j, key).value_or(0), std::string("integer field ") + key);
}

void expect_bool(const json& j, const char* key, bool decoded) {
  auto it = j.find(key);
  FUZZ_CHECK(decoded == (it != j.end() && it->is_boolean() && it->get<bool>()), std::string("boolean field ") + key);
}

void expect_optional_bool(const json& j, const char* key, std::optional<bool> decoded) {
  auto it = j.find(key);
  if (it != j.end() && it->is_boolean()) {
    FUZZ_CHECK(decoded == it->get<bool>(), std::string("boolean field ") + key);
  } else {
    FUZZ_CHECK(!decoded.has_value(), std::string("non-boolean field decoded as a boolean: ") + key);
  }
}

// mediaAcquired's tracks: a handle when the field is an integer (0 when it does not fit an int,
// like every id), none otherwise (null, absent, another type).
void expect_optional_track(const json& j, const char* key, std::optional<io::TrackId> decoded) {
  if (!is_integer(j, key)) {
    FUZZ_CHECK(!decoded.has_value(), std::string("a track without an integer id: ") + key);
    return;
  }
  FUZZ_CHECK(decoded.has_value() && io::to_int(*decoded) == int_in_range(j, key).value_or(0),
             std::string("track field ") + key);
}

void check_candidate(const json& j, const json& candidate) {
  FUZZ_CHECK(candidate.is_null() || candidate.is_object(), "localIceCandidate candidate is not an object or null");
  const auto given = j.find("candidate");
  const bool object_given = given != j.end() && given->is_object();
  FUZZ_CHECK(object_given == candidate.is_object(), "localIceCandidate: an object candidate must stay one, anything else is null");
  // RTCIceCandidateInit is flat: the scalar members of the given object, nothing nested.
  if (candidate.is_object()) {
    for (auto it = candidate.begin(); it != candidate.end(); ++it)
      FUZZ_CHECK(!it->is_structured() && given->contains(it.key()) && (*given)[it.key()] == *it, "candidate member " + it.key());
    for (auto it = given->begin(); it != given->end(); ++it)
      FUZZ_CHECK(it->is_structured() || candidate.contains(it.key()), "candidate lost scalar member " + it.key());
  }
  // The session forwards it in an iceCandidate message.
  dump_strict(candidate, "localIceCandidate candidate");
}

void check_app(const json& j, const io::AppRequest& request) {
  using namespace io::in;
  std::visit(overloaded{
                 [&](const Call& c) { expect_int(j, "requestId", c.request_id); },
                 [&](const HangUp&) {},
                 [&](const Destroy&) {},
                 [&](const ChangeDeviceState& d) {
                   expect_optional_bool(j, "isHidden", d.is_hidden);
                   expect_optional_bool(j, "isMute", d.is_mute);
                 },
                 [&](const SendMessage& m) {
                   expect_int(j, "requestId", m.request_id);
                   expect_str(j, "type", m.type);
                   FUZZ_CHECK(j.contains("body") ? m.body == j["body"] : m.body.is_null(), "sendMessage body");
                 },
                 [&](const SendTrack& t) {
                   expect_int(j, "requestId", t.request_id);
                   expect_str(j, "tag", t.tag);
                   expect_str(j, "trackKind", t.kind);
                   expect_int(j, "trackId", io::to_int(t.track));
                   expect_bool(j, "paused", t.paused);
                 },
                 [&](const TrackControl& t) {
                   expect_int(j, "requestId", t.request_id);
                   expect_str(j, "action", t.action);
                   expect_str(j, "tag", t.tag);
                 },
                 [&](const SwitchDevice& d) {
                   expect_int(j, "requestId", d.request_id);
                   expect_str(j, "trackKind", d.kind);
                   expect_str(j, "deviceId", d.device_id);
                 },
             },
             request);
}

void check_transport(const json& j, const io::TransportEvent& event) {
  using namespace io::in;
  std::visit(overloaded{
                 [&](const TransportOpened&) {},
                 [&](const TransportClosed& c) {
                   expect_int(j, "code", c.code);
                   expect_str(j, "reason", c.reason);
                 },
                 [&](const TransportMessage& m) { expect_str(j, "text", m.text); },
                 [&](const SendFailed& f) {
                   FUZZ_CHECK(j.contains("message") && (j["message"].is_object() || j["message"].is_string()) && f.message == j["message"],
                              "sendFailed message");
                   expect_str(j, "reason", f.reason);
                 },
                 [&](const TransportPaused&) {},
                 [&](const TransportResumed& r) { expect_str(j, "connectionId", r.connection_id); },
                 [&](const TokenProvided& t) { expect_str(j, "token", t.token); },
                 [&](const TokenFailed& f) { expect_str(j, "reason", f.reason); },
             },
             event);
}

void check_pc(const json& j, const io::PcEvent& event) {
  using namespace io::in;
  std::visit(overloaded{
                 [&](const LocalDescription& d) {
                   expect_str(j, "type", d.type);
                   expect_str(j, "sdp", d.sdp);
                 },
                 [&](const RemoteDescriptionSet& r) { expect_str(j, "type", r.type); },
                 [&](const OperationFailed& f) {
                   expect_str(j, "operation", f.operation);
                   expect_str(j, "name", f.name);
                   expect_str(j, "message", f.message);
                 },
                 [&](const LocalIceCandidate& c) { check_candidate(j, c.candidate); },
                 [&](const PeerStateChange& p) {
                   expect_str(j, "event", p.event);
                   expect_str(j, "state", p.state);
                 },
                 [&](const RemoteTrack& r) {
                   expect_str(j, "trackKind", r.kind);
                   expect_str(j, "streamId", r.stream_id);
                 },
                 [&](const NegotiationNeeded&) {},
                 [&](const DataChannelState& d) { expect_str(j, "state", d.state); },
                 [&](const DataChannelMessage& d) { expect_str(j, "text", d.text); },
                 [&](const DataChannelSendFailed& d) { expect_str(j, "text", d.text); },
                 [&](const TrackAdded& t) {
                   expect_str(j, "tag", t.tag);
                   expect_str(j, "streamId", t.stream_id);
                 },
                 [&](const StatsReport& r) {
                   expect_str(j, "error", r.error);
                   // An array of flat entries (objects keep their scalars), else null.
                   FUZZ_CHECK(r.report.is_null() || r.report.is_array(), "statsReport report");
                   if (r.report.is_array()) {
                     for (const auto& e : r.report) {
                       if (e.is_object()) {
                         for (const auto& v : e) FUZZ_CHECK(!v.is_structured(), "statsReport entry not flat");
                       } else {
                         FUZZ_CHECK(!e.is_structured(), "statsReport entry nested");
                       }
                     }
                   }
                 },
             },
             event);
}

void check_media(const json& j, const io::MediaEvent& event) {
  using namespace io::in;
  std::visit(overloaded{
                 [&](const MediaAcquired& m) {
                   expect_optional_track(j, "audio", m.audio);
                   expect_optional_track(j, "video", m.video);
                   expect_str(j, "streamId", m.stream_id);
                 },
                 [&](const MediaFailed& f) {
                   expect_str(j, "name", f.name);
                   expect_str(j, "message", f.message);
                   expect_str(j, "constraint", f.constraint);
                 },
                 [&](const DeviceAcquired& d) {
                   expect_int(j, "requestId", d.request_id);
                   expect_str(j, "trackKind", d.kind);
                   expect_int(j, "trackId", io::to_int(d.track));
                   expect_str(j, "deviceId", d.device_id);
                 },
                 [&](const DeviceFailed& d) {
                   expect_int(j, "requestId", d.request_id);
                   expect_str(j, "trackKind", d.kind);
                   expect_str(j, "name", d.name);
                   expect_str(j, "message", d.message);
                 },
                 [&](const TrackEnded& t) { expect_int(j, "trackId", io::to_int(t.track)); },
             },
             event);
}

void check_input(const json& j, const io::Input& input) {
  const std::string kind = str(j, "kind");
  FUZZ_CHECK(fuzz::input_kind(input) == kind, "'" + kind + "' decoded as '" + std::string(fuzz::input_kind(input)) + "'");
  std::visit(overloaded{
                 [&](const io::FromApp& a) { check_app(j, a.request); },
                 [&](const io::FromTransport& t) {
                   expect_int(j, "transport", io::to_int(t.transport));
                   check_transport(j, t.event);
                 },
                 [&](const io::FromPc& p) {
                   expect_int(j, "pc", io::to_int(p.pc));
                   check_pc(j, p.event);
                 },
                 [&](const io::FromMedia& m) { check_media(j, m.event); },
                 [&](const io::Timeout&) {},
             },
             input);
}

// ---- effects ----------------------------------------------------------------------------------

// A field that holds an id: an integer (or, for a track that may be absent, null).
void expect_id(const json& out, const char* key, int value, const std::string& where) {
  FUZZ_CHECK(out.contains(key) && out[key].is_number_integer() && out[key].get<std::int64_t>() == value,
             where + ": id field " + key);
}

void expect_carried(const json& out, const char* key, const json& value, const std::string& where) {
  FUZZ_CHECK(out.contains(key) && out[key] == value, where + ": field " + key + " does not carry its value");
}

// Encodes `effect` as bindings.cpp does and checks the documented wire shape.
json encode_checked(const io::Effect& effect) {
  const json out = io::encode(effect);  // an exception here aborts: libFuzzer reports it
  const std::string_view kind = io::effect_kind(effect);
  const std::string where = "encode(" + std::string(kind) + ")";
  FUZZ_CHECK(kind == fuzz::kEffectKinds[effect.index()], where + ": effect_kind is not the documented name");
  FUZZ_CHECK(out.is_object() && out.contains("kind") && get(out, "kind").is_string() && get(out, "kind") == kind,
             where + ": not an object with its kind");
  FUZZ_CHECK(fuzz::known_effect_kind(get(out, "kind").get<std::string>()), where + ": unknown kind");
  dump_strict(out, where.c_str());
  return out;
}

// True when `j` nests at most `limit` arrays/objects deep (iterative: the input may nest
// thousands of levels, and copying that would overflow the stack by recursion).
bool nests_at_most(const json& j, int limit) {
  std::vector<std::pair<const json*, int>> todo{{&j, 0}};
  while (!todo.empty()) {
    auto [v, depth] = todo.back();
    todo.pop_back();
    if (!v->is_structured()) continue;
    if (depth + 1 > limit) return false;
    for (const auto& child : *v) todo.emplace_back(&child, depth + 1);
  }
  return true;
}

// One effect of each kind, built from the values of the fuzzed JSON `j`: any JSON value whose
// nesting is as bounded as what the core puts in effects (its decoders refuse more than 32
// levels), else its scalar members.
void check_effects(const json& input) {
  std::optional<json> flat;
  if (!nests_at_most(input, 32)) flat = base::flat_object(input);
  const json& j = flat ? *flat : input;
  using namespace io::fx;
  const auto pc = static_cast<io::PcId>(int_in_range(j, "pc").value_or(1));
  const auto transport = static_cast<io::TransportId>(int_in_range(j, "transport").value_or(1));
  const auto track = static_cast<io::TrackId>(int_in_range(j, "trackId").value_or(0));
  const int request = int_in_range(j, "requestId").value_or(0);
  const std::optional<io::TrackId> maybe_track =
      is_integer(j, "trackId") ? std::optional(track) : std::nullopt;  // null, absent or another type: no track
  const bool flag = bool_field(j, "rollback", false);
  auto field = [&](const char* key) { return j.is_object() && j.contains(key) ? j[key] : json(nullptr); };

  // Transports.
  {
    const json out = encode_checked(OpenTransport{transport, str(j, "url")});
    expect_id(out, "transport", io::to_int(transport), "openTransport");
    FUZZ_CHECK(get(out, "url") == str(j, "url"), "openTransport url");
  }
  expect_id(encode_checked(CloseTransport{transport}), "transport", io::to_int(transport), "closeTransport");
  expect_carried(encode_checked(Send{transport, j}), "message", j, "send");
  expect_id(encode_checked(RequestToken{transport}), "transport", io::to_int(transport), "requestToken");

  // Peer connections.
  {
    std::vector<DataChannelConfig> channels;
    if (j.is_object() && j.contains("dataChannels") && j["dataChannels"].is_array()) {
      for (const auto& c : j["dataChannels"]) {
        channels.push_back({str(c, "label"), int_in_range(c, "id").value_or(0), bool_field(c, "negotiated", true),
                            bool_field(c, "ordered", true)});
      }
    }
    const json out = encode_checked(CreatePc{pc, channels, str(j, "bundlePolicy")});
    expect_id(out, "pc", io::to_int(pc), "createPc");
    FUZZ_CHECK(get(out, "bundlePolicy") == str(j, "bundlePolicy"), "createPc bundlePolicy");
    const json encoded = get(out, "dataChannels");
    FUZZ_CHECK(encoded.is_array() && encoded.size() == channels.size(), "createPc dataChannels");
    for (std::size_t i = 0; i < channels.size(); ++i) {
      const json& c = encoded[i];
      FUZZ_CHECK(c.is_object() && get(c, "label") == channels[i].label && get(c, "id") == channels[i].id &&
                     get(c, "negotiated") == channels[i].negotiated && get(c, "ordered") == channels[i].ordered,
                 "createPc data channel");
    }
  }
  expect_id(encode_checked(ClosePc{pc}), "pc", io::to_int(pc), "closePc");
  FUZZ_CHECK(get(encode_checked(SetLocalDescription{pc, str(j, "type")}), "type") == str(j, "type"), "setLocalDescription type");
  {
    const json out = encode_checked(SetRemoteDescription{pc, field("description"), flag});
    expect_carried(out, "description", field("description"), "setRemoteDescription");
    FUZZ_CHECK(get(out, "rollback") == flag, "setRemoteDescription rollback");
  }
  expect_carried(encode_checked(AddIceCandidate{pc, field("candidate")}), "candidate", field("candidate"), "addIceCandidate");
  expect_id(encode_checked(RestartIce{pc}), "pc", io::to_int(pc), "restartIce");
  {
    const json out = encode_checked(AddTrack{pc, str(j, "tag"), track, str(j, "streamId")});
    expect_id(out, "trackId", io::to_int(track), "addTrack");
    FUZZ_CHECK(get(out, "tag") == str(j, "tag") && get(out, "streamId") == str(j, "streamId"), "addTrack tag/streamId");
  }
  {
    const json out = encode_checked(PrepareSender{pc, str(j, "tag"), str(j, "trackKind")});
    expect_id(out, "pc", io::to_int(pc), "prepareSender");
    FUZZ_CHECK(get(out, "tag") == str(j, "tag") && get(out, "trackKind") == str(j, "trackKind"), "prepareSender tag/trackKind");
  }
  {
    const json out = encode_checked(ReplaceTrack{pc, str(j, "tag"), maybe_track});
    if (maybe_track) {
      expect_id(out, "trackId", io::to_int(*maybe_track), "replaceTrack");
    } else {
      FUZZ_CHECK(out.contains("trackId") && get(out, "trackId").is_null(), "replaceTrack: an absent track is not null");
    }
  }
  FUZZ_CHECK(get(encode_checked(RemoveTrack{pc, str(j, "tag")}), "tag") == str(j, "tag"), "removeTrack tag");
  {
    const json out = encode_checked(DataSend{pc, str(j, "label"), str(j, "text")});
    FUZZ_CHECK(get(out, "label") == str(j, "label") && get(out, "text") == str(j, "text"), "dataSend label/text");
  }
  {
    const json out = encode_checked(CollectStats{pc, {str(j, "type")}});
    FUZZ_CHECK(get(out, "types") == json::array({str(j, "type")}), "collectStats types");
  }

  // Media.
  expect_carried(encode_checked(AcquireMedia{j}), "constraints", j, "acquireMedia");
  {
    const json out = encode_checked(AcquireDevice{request, str(j, "trackKind"), field("constraints")});
    expect_id(out, "requestId", request, "acquireDevice");
    expect_carried(out, "constraints", field("constraints"), "acquireDevice");
    FUZZ_CHECK(get(out, "trackKind") == str(j, "trackKind"), "acquireDevice trackKind");
  }
  {
    const json out = encode_checked(SetTrackEnabled{track, flag});
    expect_id(out, "trackId", io::to_int(track), "setTrackEnabled");
    FUZZ_CHECK(get(out, "enabled") == flag, "setTrackEnabled enabled");
  }
  expect_id(encode_checked(ReleaseTrack{track}), "trackId", io::to_int(track), "releaseTrack");
  {
    const auto to = static_cast<io::TrackId>(request);
    const json out = encode_checked(SwapLocalTrack{track, to});
    expect_id(out, "from", io::to_int(track), "swapLocalTrack");
    expect_id(out, "to", request, "swapLocalTrack");
  }
  encode_checked(StopTracks{});
  encode_checked(ReleaseStreams{});

  // The app.
  {
    std::optional<errors::CallError> error;
    if (j.is_object() && j.contains("error") && j["error"].is_object())
      error = errors::CallError{str(j["error"], "type"), str(j["error"], "message"), str(j["error"], "description")};
    const json out = encode_checked(SettleRequest{request, error, flag});
    expect_id(out, "requestId", request, "settle");
    FUZZ_CHECK(get(out, "withLocalStream") == flag, "settle withLocalStream");
    if (error) {
      FUZZ_CHECK(get(out, "error") == json({{"type", error->type}, {"message", error->message}, {"description", error->description}}),
                 "settle error is not {type, message, description}");
    } else {
      FUZZ_CHECK(out.contains("error") && get(out, "error").is_null(), "settle without an error: error is not null");
    }
  }
  {
    // Event types are the dictionary's (static storage): the fuzzed name when it is one.
    const auto event_type = events::find(events::kEventGroup, str(j, "eventType")).value_or(events::kCallState);
    const json out = encode_checked(Emit{events::kEmitEvent, event_type, j});
    expect_carried(out, "payload", j, "emit");
    FUZZ_CHECK(get(out, "emitType") == std::string(events::kEmitEvent) && get(out, "eventType") == std::string(event_type), "emit emitType/eventType");
  }
}

}  // namespace

// Self-test of the kind table against the codec (once): every documented kind decodes to that
// kind with no fields but the ones it cannot go without.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  for (auto kind : fuzz::kInputKinds) {
    json j = {{"kind", kind}};
    if (kind == "sendFailed") j["message"] = json::object();
    const auto input = io::decode_input(j);
    FUZZ_CHECK(input.has_value() && fuzz::input_kind(*input) == kind, "documented kind '" + std::string(kind) + "' does not decode");
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const json j = json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return 0;
  check_effects(j);
  const std::optional<io::Input> input = io::decode_input(j);
  if (!input) {
    const std::string kind = str(j, "kind");
    // sendFailed needs its `message` object (or string: SIP text); every other known kind always decodes.
    const bool bad_send_failed =
        kind == "sendFailed" && !(j.contains("message") && (j["message"].is_object() || j["message"].is_string()));
    FUZZ_CHECK(bad_send_failed || !fuzz::known_input_kind(kind), "known kind '" + kind + "' did not decode");
    return 0;
  }
  FUZZ_CHECK(j.is_object(), "a non-object decoded as an input");
  check_input(j, *input);
  return 0;
}
