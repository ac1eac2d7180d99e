#include "callcore/signaling/vcm/codec.hpp"

#include <array>
#include <utility>

#include <fmt/format.h>

#include "callcore/base/json.hpp"
#include "callcore/events/dictionary.hpp"

namespace callcore::signaling::vcm {
namespace {

using nlohmann::json;

namespace wire = events::wire;
constexpr std::array<std::pair<MessageType, std::string_view>, 15> kTypes{{
    {MessageType::Enter, wire::kEnter},
    {MessageType::Accept, wire::kAccept},
    {MessageType::Offer, wire::kOffer},
    {MessageType::Answer, wire::kAnswer},
    {MessageType::IceCandidate, wire::kIceCandidate},
    {MessageType::DeviceState, wire::kDeviceState},
    {MessageType::HangUp, wire::kHangUp},
    {MessageType::Message, wire::kMessage},
    {MessageType::MediaTags, wire::kMediaTags},
    {MessageType::Join, wire::kJoin},
    {MessageType::Leave, wire::kLeave},
    {MessageType::Joined, wire::kJoined},
    {MessageType::PeerJoined, wire::kPeerJoined},
    {MessageType::PeerLeft, wire::kPeerLeft},
    {MessageType::Error, wire::kError},
}};

// Deepest nesting of objects and arrays accepted in a message (and in an app message from the
// data channel). The protocol's messages nest 4 levels (joined → data → members → member);
// without a limit a 64 KiB message of '[' nests 32 768 levels (a 16 KiB app message 8 192), and
// every consumer that walks a message recursively (a JSON copy, the logger's redaction,
// serialization at the wasm boundary) overflows the stack.
constexpr int kMaxDepth = 32;

DecodeError invalid(std::string_view type, std::string_view what) {
  return {"invalidField", fmt::format("'{}' message: {}", type, what)};
}

bool is_string_field(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string();
}

bool is_nonempty_string_field(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() && !it->get_ref<const std::string&>().empty();
}

// Optional field: absent, null or of the given predicate.
template <typename Pred>
bool optional_field(const json& obj, const char* key, Pred pred) {
  auto it = obj.find(key);
  return it == obj.end() || it->is_null() || pred(*it);
}

std::optional<DecodeError> check_sender(std::string_view type, const json& data, Sender& out) {
  auto it = data.find("sender");
  if (it == data.end() || !it->is_object()) return invalid(type, "missing sender object");
  if (!is_nonempty_string_field(*it, "connectionId")) return invalid(type, "sender.connectionId must be a non-empty string");
  if (!optional_field(*it, "clientId", [](const json& v) { return v.is_string() || v.is_number(); }))
    return invalid(type, "sender.clientId must be a string");
  out.connection_id = (*it)["connectionId"].get<std::string>();
  if (auto c = it->find("clientId"); c != it->end() && !c->is_null())
    out.client_id = c->is_string() ? c->get<std::string>() : c->dump();
  if (auto c = it->find("chatId"); c != it->end() && c->is_string()) out.chat_id = c->get<std::string>();
  return std::nullopt;
}

std::optional<DecodeError> check_fields(MessageType type, std::string_view name, const json& data) {
  switch (type) {
    case MessageType::Offer:
    case MessageType::Answer: {
      auto d = data.find("description");
      if (d == data.end() || !d->is_object()) return invalid(name, "description must be an object");
      if (!is_string_field(*d, "type") || (*d)["type"] != name)
        return invalid(name, fmt::format("description.type must be '{}'", name));
      if (!is_string_field(*d, "sdp")) return invalid(name, "description.sdp must be a string");
      return std::nullopt;
    }
    case MessageType::IceCandidate: {
      auto c = data.find("candidate");
      if (c == data.end()) return invalid(name, "missing candidate (null for end-of-candidates)");
      if (c->is_null()) return std::nullopt;
      if (!c->is_object() || !is_string_field(*c, "candidate"))
        return invalid(name, "candidate.candidate must be a string");
      if (!optional_field(*c, "sdpMid", [](const json& v) { return v.is_string(); }))
        return invalid(name, "candidate.sdpMid must be a string or null");
      if (!optional_field(*c, "sdpMLineIndex", [](const json& v) { return v.is_number_unsigned(); }))
        return invalid(name, "candidate.sdpMLineIndex must be an unsigned integer or null");
      if (!optional_field(*c, "usernameFragment", [](const json& v) { return v.is_string(); }))
        return invalid(name, "candidate.usernameFragment must be a string or null");
      return std::nullopt;
    }
    case MessageType::DeviceState:
      if (!optional_field(data, "isHidden", [](const json& v) { return v.is_boolean(); }) ||
          !optional_field(data, "isMute", [](const json& v) { return v.is_boolean(); }))
        return invalid(name, "isHidden and isMute must be booleans");
      return std::nullopt;
    case MessageType::Enter:
      if (!optional_field(data, "name", [](const json& v) { return v.is_string(); }))
        return invalid(name, "name must be a string");
      if (!optional_field(data, "isAudio", [](const json& v) { return v.is_boolean(); }))
        return invalid(name, "isAudio must be a boolean");
      return std::nullopt;
    case MessageType::HangUp:
      if (!optional_field(data, "reason", [](const json& v) { return v.is_string(); }))
        return invalid(name, "reason must be a string");
      return std::nullopt;
    case MessageType::Joined:
    case MessageType::PeerJoined:
    case MessageType::PeerLeft:
      if (!is_nonempty_string_field(data, "connectionId")) return invalid(name, "connectionId must be a non-empty string");
      if (!optional_field(data, "resumed", [](const json& v) { return v.is_boolean(); }))
        return invalid(name, "resumed must be a boolean");
      if (!optional_field(data, "reason", [](const json& v) { return v.is_string(); }))
        return invalid(name, "reason must be a string");
      return std::nullopt;
    case MessageType::Error:
      if (!is_string_field(data, "code") || !is_string_field(data, "message"))
        return invalid(name, "code and message must be strings");
      return std::nullopt;
    case MessageType::Message: {
      auto it = data.find("message");
      if (it == data.end()) return invalid(name, "missing message object {type, body, seq}");
      auto parsed = parse_app_message(*it);
      if (auto* err = std::get_if<DecodeError>(&parsed)) return *err;
      return std::nullopt;
    }
    case MessageType::MediaTags: {
      auto tracks = data.find("tracks");
      if (tracks == data.end() || !tracks->is_array() || tracks->size() > 16)
        return invalid(name, "tracks must be an array of at most 16 entries");
      for (const auto& t : *tracks) {
        if (!t.is_object() || !is_nonempty_string_field(t, "tag") || !is_string_field(t, "streamId") ||
            !is_string_field(t, "kind") || (t["kind"] != "audio" && t["kind"] != "video") ||
            !is_string_field(t, "state") || (t["state"] != "sending" && t["state"] != "paused"))
          return invalid(name, "each track needs tag, kind audio|video, streamId and state sending|paused");
      }
      return std::nullopt;
    }
    case MessageType::Accept:
    case MessageType::Join:
    case MessageType::Leave:
      return std::nullopt;
  }
  return std::nullopt;
}

bool is_call_message(MessageType type) {
  switch (type) {
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

json sender_json(const Sender& s) {
  return {{"chatId", s.chat_id}, {"clientId", s.client_id}, {"connectionId", s.connection_id}};
}

}  // namespace

std::string_view to_string(MessageType type) {
  for (const auto& [t, s] : kTypes) {
    if (t == type) return s;
  }
  return "unknown";
}

std::optional<MessageType> message_type_from(std::string_view type) {
  for (const auto& [t, s] : kTypes) {
    if (s == type) return t;
  }
  return std::nullopt;
}

DecodeResult decode(std::string_view text, std::size_t max_bytes) {
  if (text.size() > max_bytes)
    return DecodeError{"tooLarge", fmt::format("message of {} bytes exceeds the {} byte limit", text.size(), max_bytes)};
  if (base::nests_deeper_than(text, kMaxDepth))
    return DecodeError{"tooLarge", fmt::format("message nests objects/arrays deeper than {} levels", kMaxDepth)};
  json root = base::parse_json(text);
  if (root.is_discarded()) return DecodeError{"malformed", "message is not valid JSON"};
  if (!root.is_object()) return DecodeError{"malformed", "message is not a JSON object"};
  auto type_it = root.find("type");
  if (type_it == root.end() || !type_it->is_string()) return DecodeError{"malformed", "message has no string 'type'"};
  const std::string name = type_it->get<std::string>();
  auto type = message_type_from(name);
  if (!type) return DecodeError{"unknownType", fmt::format("unknown message type '{}'", base::utf8_prefix(name, 64))};
  if (*type == MessageType::Join || *type == MessageType::Leave)
    return DecodeError{"unexpectedType", fmt::format("'{}' is only sent by clients to the server", name)};
  auto data_it = root.find("data");
  if (data_it == root.end() || !data_it->is_object())
    return DecodeError{"malformed", fmt::format("'{}' message has no 'data' object", name)};

  Message msg{*type, {}, std::move(*data_it)};
  constexpr std::size_t kMaxSeqBytes = 64;
  if (auto seq = root.find("seq"); seq != root.end() && seq->is_string() && seq->get_ref<const std::string&>().size() <= kMaxSeqBytes)
    msg.seq = seq->get<std::string>();
  if (is_call_message(*type)) {
    if (auto err = check_sender(name, msg.data, msg.sender)) return *err;
    if (!optional_field(msg.data, "messageId", [](const json& v) {
          return v.is_string() && v.get_ref<const std::string&>().size() <= kMaxMessageIdBytes;
        }))
      return invalid(name, "messageId must be a string of at most 128 bytes");
  }
  if (auto err = check_fields(*type, name, msg.data)) return *err;
  return msg;
}

std::variant<AppMessage, DecodeError> parse_app_message(const json& j) {
  if (!j.is_object()) return DecodeError{"malformed", "app message is not a JSON object"};
  auto type = j.find("type");
  if (type == j.end() || !type->is_string() || type->get_ref<const std::string&>().empty() ||
      type->get_ref<const std::string&>().size() > 64)
    return DecodeError{"invalidField", "app message type must be a string of 1 to 64 bytes"};
  auto seq = j.find("seq");
  if (seq == j.end() || !seq->is_number_unsigned() || seq->get<std::uint64_t>() == 0)
    return DecodeError{"invalidField", "app message seq must be an integer >= 1"};
  auto body = j.find("body");
  return AppMessage{type->get<std::string>(), body == j.end() ? json(nullptr) : *body, seq->get<std::uint64_t>()};
}

std::variant<AppMessage, DecodeError> decode_app_message(std::string_view text) {
  if (text.size() > kMaxAppMessageBytes)
    return DecodeError{"tooLarge", fmt::format("app message of {} bytes exceeds the {} byte limit", text.size(), kMaxAppMessageBytes)};
  if (base::nests_deeper_than(text, kMaxDepth))
    return DecodeError{"tooLarge", fmt::format("app message nests objects/arrays deeper than {} levels", kMaxDepth)};
  json j = base::parse_json(text);
  if (j.is_discarded()) return DecodeError{"malformed", "app message is not valid JSON"};
  return parse_app_message(j);
}

std::string_view outbound_type(const json& message) {
  if (!message.is_object()) return "unknown";
  std::string name = base::string_or(message, "type");
  if (name.empty()) {
    if (auto d = message.find("data"); d != message.end()) name = base::string_or(*d, "type");
  }
  auto type = message_type_from(name);
  return type ? to_string(*type) : std::string_view("unknown");
}

json make_publish(std::string_view type, const Sender& sender, std::string_view consultation_id, const json& fields) {
  json data = fields.is_object() ? fields : json::object();
  data["type"] = type;
  data["sender"] = sender_json(sender);
  data["consultationId"] = consultation_id;
  return {{"data", std::move(data)}, {"route", "vcm"}};
}

json make_transient(std::string_view type, const Sender& sender, std::string_view consultation_id,
                    const std::vector<std::string>& connection_ids, const json& fields) {
  json data = fields.is_object() ? fields : json::object();
  data["sender"] = sender_json(sender);
  data["consultationId"] = consultation_id;
  json msg = {{"type", type}, {"chatId", sender.chat_id}, {"data", std::move(data)}};
  if (!connection_ids.empty()) msg["connectionIds"] = connection_ids;
  return msg;
}

}  // namespace callcore::signaling::vcm
