// libFuzzer target: the shell's inputs. The bytes are parsed as JSON without exceptions (as
// bindings.cpp does with the text the JS shell passes), then callcore::session::decode_input.
// Checks: an object with a known `kind` decodes to that input (sendFailed only with its message
// object), anything else to nullopt; fields
// the input copies keep their JSON value (strings, booleans, integers in range); the candidate of
// localIceCandidate is null or an object with exactly the given object's scalar members.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "callcore/session/io.hpp"
#include "check.hpp"

using namespace callcore::session;
using callcore::fuzz::dump_strict;
using nlohmann::json;

namespace {

constexpr std::string_view kKinds[] = {
    "call", "hangUp", "destroy", "changeDeviceState", "signalingOpen", "signalingClosed", "signalingMessage",
    "mediaAcquired", "mediaFailed", "localDescription", "remoteDescriptionSet", "operationFailed",
    "localIceCandidate", "peerStateChange", "remoteTrack", "timerFired", "negotiationNeeded", "signalingPaused",
    "signalingResumed", "sendFailed", "sendMessage", "dataChannelState", "dataChannelMessage",
    "dataChannelSendFailed", "sendTrack", "trackControl", "trackAdded", "trackEnded", "switchDevice",
    "deviceAcquired", "deviceFailed"};

// The order of kKinds is the order of the Input variant's alternatives (io.hpp).
static_assert(std::variant_size_v<Input> == std::size(kKinds));

std::string str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// An integer field: its value when it is a JSON integer that fits an int, else nullopt.
std::optional<int> int_in_range(const json& j, const char* key) {
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

void check_int(const json& j, const char* key, int decoded) {
  if (auto v = int_in_range(j, key)) FUZZ_CHECK(decoded == *v, std::string("integer field ") + key);
}

void check_bool(const json& j, const char* key, std::optional<bool> decoded) {
  auto it = j.find(key);
  if (it != j.end() && it->is_boolean()) {
    FUZZ_CHECK(decoded == it->get<bool>(), std::string("boolean field ") + key);
  } else {
    FUZZ_CHECK(!decoded.has_value(), std::string("non-boolean field decoded as a boolean: ") + key);
  }
}

void check_input(const json& j, const Input& input) {
  const std::string kind = str(j, "kind");
  FUZZ_CHECK(input.index() < std::size(kKinds) && kKinds[input.index()] == kind, "decoded another kind than '" + kind + "'");
  if (const auto* c = std::get_if<in::Call>(&input)) check_int(j, "requestId", c->request_id);
  if (const auto* t = std::get_if<in::TimerFired>(&input)) check_int(j, "id", t->id);
  if (const auto* s = std::get_if<in::SignalingClosed>(&input)) {
    check_int(j, "code", s->code);
    FUZZ_CHECK(s->reason == str(j, "reason"), "signalingClosed reason");
  }
  if (const auto* d = std::get_if<in::ChangeDeviceState>(&input)) {
    check_bool(j, "isHidden", d->is_hidden);
    check_bool(j, "isMute", d->is_mute);
  }
  if (const auto* m = std::get_if<in::SignalingMessage>(&input)) FUZZ_CHECK(m->text == str(j, "text"), "signalingMessage text");
  if (const auto* d = std::get_if<in::LocalDescription>(&input))
    FUZZ_CHECK(d->type == str(j, "type") && d->sdp == str(j, "sdp"), "localDescription type/sdp");
  if (const auto* f = std::get_if<in::MediaFailed>(&input))
    FUZZ_CHECK(f->name == str(j, "name") && f->message == str(j, "message") && f->constraint == str(j, "constraint"),
               "mediaFailed fields");
  if (const auto* f = std::get_if<in::OperationFailed>(&input))
    FUZZ_CHECK(f->operation == str(j, "operation") && f->name == str(j, "name") && f->message == str(j, "message"),
               "operationFailed fields");
  if (const auto* p = std::get_if<in::PeerStateChange>(&input))
    FUZZ_CHECK(p->event == str(j, "event") && p->state == str(j, "state"), "peerStateChange fields");
  if (const auto* m = std::get_if<in::MediaAcquired>(&input)) {
    check_bool(j, "hasAudio", j.contains("hasAudio") && j["hasAudio"].is_boolean() ? std::optional(m->has_audio) : std::nullopt);
    FUZZ_CHECK(m->stream_id == str(j, "streamId"), "mediaAcquired streamId");
  }
  if (const auto* r = std::get_if<in::RemoteDescriptionSet>(&input)) FUZZ_CHECK(r->type == str(j, "type"), "remoteDescriptionSet type");
  if (const auto* r = std::get_if<in::SignalingResumed>(&input)) FUZZ_CHECK(r->connection_id == str(j, "connectionId"), "signalingResumed connectionId");
  if (const auto* f = std::get_if<in::SendFailed>(&input)) {
    FUZZ_CHECK(j.contains("message") && j["message"].is_object() && f->message == j["message"], "sendFailed message");
    FUZZ_CHECK(f->reason == str(j, "reason"), "sendFailed reason");
  }
  if (const auto* m = std::get_if<in::SendMessage>(&input)) {
    check_int(j, "requestId", m->request_id);
    FUZZ_CHECK(m->type == str(j, "type"), "sendMessage type");
    FUZZ_CHECK(j.contains("body") ? m->body == j["body"] : m->body.is_null(), "sendMessage body");
  }
  if (const auto* d = std::get_if<in::DataChannelState>(&input)) FUZZ_CHECK(d->state == str(j, "state"), "dataChannelState state");
  if (const auto* d = std::get_if<in::DataChannelMessage>(&input)) FUZZ_CHECK(d->text == str(j, "text"), "dataChannelMessage text");
  if (const auto* d = std::get_if<in::DataChannelSendFailed>(&input)) FUZZ_CHECK(d->text == str(j, "text"), "dataChannelSendFailed text");
  if (const auto* t = std::get_if<in::SendTrack>(&input)) {
    check_int(j, "requestId", t->request_id);
    FUZZ_CHECK(t->tag == str(j, "tag") && t->kind == str(j, "trackKind") && t->track_id == str(j, "trackId"), "sendTrack fields");
  }
  if (const auto* t = std::get_if<in::TrackControl>(&input)) {
    check_int(j, "requestId", t->request_id);
    FUZZ_CHECK(t->action == str(j, "action") && t->tag == str(j, "tag"), "trackControl fields");
  }
  if (const auto* t = std::get_if<in::TrackAdded>(&input)) FUZZ_CHECK(t->tag == str(j, "tag") && t->stream_id == str(j, "streamId"), "trackAdded fields");
  if (const auto* t = std::get_if<in::TrackEnded>(&input)) FUZZ_CHECK(t->tag == str(j, "tag"), "trackEnded tag");
  if (const auto* d = std::get_if<in::SwitchDevice>(&input)) {
    check_int(j, "requestId", d->request_id);
    FUZZ_CHECK(d->kind == str(j, "trackKind") && d->device_id == str(j, "deviceId"), "switchDevice fields");
  }
  if (const auto* d = std::get_if<in::DeviceAcquired>(&input)) {
    check_int(j, "requestId", d->request_id);
    FUZZ_CHECK(d->kind == str(j, "trackKind") && d->track_id == str(j, "trackId") && d->device_id == str(j, "deviceId"),
               "deviceAcquired fields");
  }
  if (const auto* d = std::get_if<in::DeviceFailed>(&input)) {
    check_int(j, "requestId", d->request_id);
    FUZZ_CHECK(d->kind == str(j, "trackKind") && d->name == str(j, "name") && d->message == str(j, "message"),
               "deviceFailed fields");
  }
  if (const auto* r = std::get_if<in::RemoteTrack>(&input))
    FUZZ_CHECK(r->kind == str(j, "trackKind") && r->stream_id == str(j, "streamId"), "remoteTrack fields");
  if (const auto* c = std::get_if<in::LocalIceCandidate>(&input)) {
    FUZZ_CHECK(c->candidate.is_null() || c->candidate.is_object(), "localIceCandidate candidate is not an object or null");
    // RTCIceCandidateInit is flat: the scalar members of the given object, nothing nested.
    if (c->candidate.is_object()) {
      const json& given = j["candidate"];
      for (auto it = c->candidate.begin(); it != c->candidate.end(); ++it)
        FUZZ_CHECK(!it->is_structured() && given.contains(it.key()) && given[it.key()] == *it, "candidate member " + it.key());
      for (auto it = given.begin(); it != given.end(); ++it)
        FUZZ_CHECK(it->is_structured() || c->candidate.contains(it.key()), "candidate lost scalar member " + it.key());
    }
    // The session forwards it in an iceCandidate message.
    dump_strict(c->candidate, "localIceCandidate candidate");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const json j = json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return 0;
  const std::optional<Input> input = decode_input(j);
  if (!input) {
    const std::string kind = j.is_object() ? str(j, "kind") : std::string();
    // sendFailed needs its `message` object; every other known kind always decodes.
    const bool bad_send_failed = kind == "sendFailed" && !(j.contains("message") && j["message"].is_object());
    if (!bad_send_failed) {
      for (auto k : kKinds) FUZZ_CHECK(k != kind, "known kind '" + kind + "' did not decode");
    }
    return 0;
  }
  FUZZ_CHECK(j.is_object(), "a non-object decoded as an input");
  check_input(j, *input);
  return 0;
}
