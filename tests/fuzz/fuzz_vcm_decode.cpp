// libFuzzer target: the wire decoders of callcore::signaling::vcm on arbitrary bytes: decode
// (the text of one inbound signaling message) and decode_app_message (the text of one data
// channel message). Beyond "no crash, no sanitizer report, no exception", it checks that they
// keep their contract (signaling/vcm/codec.hpp): an error has a known code and a serializable
// message; a Message has the fields its type requires, and re-encoding it decodes to the same
// Message; an AppMessage has a 1–64 byte type, a seq >= 1 and a serializable body, and re-reads
// the same. outbound_type (the log name of a sent message) names a decoded message's type, and
// for any JSON value is a known wire type or "unknown".
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "callcore/signaling/vcm/codec.hpp"
#include "check.hpp"

using callcore::fuzz::dump_strict;
using namespace callcore::signaling::vcm;
using nlohmann::json;

namespace {

bool is_call_message(MessageType t) {
  switch (t) {
    case MessageType::Enter:
    case MessageType::Accept:
    case MessageType::Offer:
    case MessageType::Answer:
    case MessageType::IceCandidate:
    case MessageType::DeviceState:
    case MessageType::HangUp:
    case MessageType::Message:
    case MessageType::MediaTags:
      return true;
    default:
      return false;
  }
}

bool absent_null_or(const json& obj, const char* key, bool (json::*pred)() const noexcept) {
  auto it = obj.find(key);
  return it == obj.end() || it->is_null() || ((*it).*pred)();
}

bool nonempty_string(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() && !it->get_ref<const std::string&>().empty();
}

void check_error(const DecodeError& err) {
  FUZZ_CHECK(err.code == "tooLarge" || err.code == "malformed" || err.code == "unknownType" ||
                 err.code == "invalidField" || err.code == "unexpectedType",
             "unknown DecodeError code '" + err.code + "'");
  FUZZ_CHECK(!err.message.empty(), "empty DecodeError message");
  // The session logs and emits {code, message}; the wasm boundary serializes it.
  dump_strict(json{{"code", err.code}, {"message", err.message}}, "DecodeError");
}

void check_message(const Message& msg) {
  const std::string_view name = to_string(msg.type);
  FUZZ_CHECK(msg.type != MessageType::Join && msg.type != MessageType::Leave, "'join'/'leave' decoded as an inbound message");
  FUZZ_CHECK(message_type_from(name) == msg.type, "type name does not round-trip");
  FUZZ_CHECK(msg.data.is_object(), "data is not an object");
  const json& d = msg.data;
  if (is_call_message(msg.type)) {
    FUZZ_CHECK(!msg.sender.connection_id.empty(), "call message without sender.connectionId");
    auto id = d.find("messageId");
    FUZZ_CHECK(id == d.end() || id->is_null() || (id->is_string() && id->get_ref<const std::string&>().size() <= kMaxMessageIdBytes),
               "messageId");
  } else {
    FUZZ_CHECK(msg.sender.connection_id.empty() && msg.sender.client_id.empty() && msg.sender.chat_id.empty(),
               "server message with a sender");
  }
  switch (msg.type) {
    case MessageType::Offer:
    case MessageType::Answer: {
      auto it = d.find("description");
      FUZZ_CHECK(it != d.end() && it->is_object(), "description is not an object");
      FUZZ_CHECK(it->contains("type") && (*it)["type"].is_string() && (*it)["type"] == name, "description.type");
      FUZZ_CHECK(it->contains("sdp") && (*it)["sdp"].is_string(), "description.sdp is not a string");
      break;
    }
    case MessageType::IceCandidate: {
      auto it = d.find("candidate");
      FUZZ_CHECK(it != d.end(), "iceCandidate without candidate");
      if (!it->is_null()) {
        FUZZ_CHECK(it->is_object() && it->contains("candidate") && (*it)["candidate"].is_string(), "candidate.candidate");
        FUZZ_CHECK(absent_null_or(*it, "sdpMid", &json::is_string), "candidate.sdpMid");
        FUZZ_CHECK(absent_null_or(*it, "sdpMLineIndex", &json::is_number_unsigned), "candidate.sdpMLineIndex");
      }
      break;
    }
    case MessageType::DeviceState:
      FUZZ_CHECK(absent_null_or(d, "isHidden", &json::is_boolean) && absent_null_or(d, "isMute", &json::is_boolean),
                 "deviceState flags");
      break;
    case MessageType::Enter:
      FUZZ_CHECK(absent_null_or(d, "name", &json::is_string), "enter name");
      FUZZ_CHECK(absent_null_or(d, "isAudio", &json::is_boolean), "enter isAudio");
      break;
    case MessageType::HangUp:
      FUZZ_CHECK(absent_null_or(d, "reason", &json::is_string), "hangUp reason");
      break;
    case MessageType::Joined:
    case MessageType::PeerJoined:
    case MessageType::PeerLeft:
      FUZZ_CHECK(nonempty_string(d, "connectionId"), "connectionId");
      FUZZ_CHECK(absent_null_or(d, "resumed", &json::is_boolean) && absent_null_or(d, "reason", &json::is_string),
                 "resumed/reason");
      break;
    case MessageType::Message:
      FUZZ_CHECK(d.contains("message") && std::holds_alternative<AppMessage>(parse_app_message(d["message"])),
                 "'message' without a valid app message");
      break;
    case MessageType::MediaTags: {
      auto it = d.find("tracks");
      FUZZ_CHECK(it != d.end() && it->is_array() && it->size() <= 16, "mediaTags tracks");
      for (const auto& t : *it) {
        FUZZ_CHECK(t.is_object() && nonempty_string(t, "tag") && t.contains("kind") && (t["kind"] == "audio" || t["kind"] == "video") &&
                       t.contains("state") && (t["state"] == "sending" || t["state"] == "paused") && t.contains("streamId") &&
                       t["streamId"].is_string(),
                   "mediaTags track");
      }
      break;
    }
    case MessageType::Error:
      FUZZ_CHECK(d.contains("code") && d["code"].is_string() && d.contains("message") && d["message"].is_string(),
                 "error code/message");
      break;
    default:
      break;
  }
  // The session forwards data (events, logs, effects) through the wasm boundary as JSON text.
  const std::string text = dump_strict(json{{"type", name}, {"data", d}}, "decoded message");
  // The log name of the same message sent (as the transport logs its outbound messages).
  FUZZ_CHECK(outbound_type(json{{"type", name}, {"data", d}}) == name, "outbound_type does not name the message's type");
  // Re-encoded, the message decodes to the same Message (without the size limit: numbers such
  // as 1E9 re-encode longer).
  auto again = decode(text, std::numeric_limits<std::size_t>::max());
  FUZZ_CHECK(std::holds_alternative<Message>(again), "re-encoded message does not decode");
  const auto& m2 = std::get<Message>(again);
  FUZZ_CHECK(m2.type == msg.type && m2.data == msg.data, "re-encoded message decodes differently");
  FUZZ_CHECK(m2.sender.connection_id == msg.sender.connection_id && m2.sender.client_id == msg.sender.client_id &&
                 m2.sender.chat_id == msg.sender.chat_id,
             "re-encoded message has another sender");
}

void check_app_message(std::string_view text) {
  const auto result = decode_app_message(text);
  if (const auto* err = std::get_if<DecodeError>(&result)) {
    check_error(*err);
    if (text.size() > kMaxAppMessageBytes) FUZZ_CHECK(err->code == "tooLarge", "an app message over the limit is not tooLarge");
    return;
  }
  FUZZ_CHECK(text.size() <= kMaxAppMessageBytes, "an app message over the limit decoded");
  const auto& app = std::get<AppMessage>(result);
  FUZZ_CHECK(!app.type.empty() && app.type.size() <= 64, "app message type length");
  FUZZ_CHECK(app.seq >= 1, "app message seq");
  const json again_json = {{"type", app.type}, {"body", app.body}, {"seq", app.seq}};
  dump_strict(again_json, "decoded app message");
  const auto again = parse_app_message(again_json);
  FUZZ_CHECK(std::holds_alternative<AppMessage>(again), "re-read app message is refused");
  const auto& a2 = std::get<AppMessage>(again);
  FUZZ_CHECK(a2.type == app.type && a2.seq == app.seq && a2.body == app.body, "re-read app message differs");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const DecodeResult result = decode(text);
  if (const auto* err = std::get_if<DecodeError>(&result)) {
    check_error(*err);
  } else {
    check_message(std::get<Message>(result));
  }
  check_app_message(text);
  // Any JSON value sent: outbound_type never throws and names a wire type or "unknown".
  const json any = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (!any.is_discarded()) {
    const std::string_view out = outbound_type(any);
    FUZZ_CHECK(out == "unknown" || message_type_from(out).has_value(), "outbound_type is not a wire type");
  }
  // The size limit is checked before anything else.
  if (size > 0) {
    const DecodeResult small = decode(text, size - 1);
    FUZZ_CHECK(std::holds_alternative<DecodeError>(small) && std::get<DecodeError>(small).code == "tooLarge",
               "a message over max_bytes is not refused as tooLarge");
  }
  return 0;
}
