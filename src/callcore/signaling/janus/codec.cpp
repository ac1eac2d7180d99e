#include "callcore/signaling/janus/codec.hpp"

#include <array>
#include <limits>
#include <utility>

#include <fmt/format.h>

#include "callcore/base/json.hpp"
#include "callcore/signaling/janus/fields.hpp"
#include "callcore/base/overloaded.hpp"

namespace callcore::signaling::janus {
namespace detail {

using nlohmann::json;

void Reader::fail(std::string message, std::string_view code) {
  if (!error) error = DecodeError{std::string(code), std::move(message)};
}

const json* Reader::find(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it == obj.end() || it->is_null() ? nullptr : &*it;
}

std::optional<Id> Reader::optional_id(const json& obj, const char* key, std::string_view where) {
  const json* v = find(obj, key);
  if (!v) return std::nullopt;
  if (v->is_number_unsigned() && v->get<std::uint64_t>() >= 1) return v->get<std::uint64_t>();
  // A string id is Janus's string_ids mode, which callcore does not support (videoroom.hpp).
  fail(fmt::format("{}.{} must be an integer id from 1 to 2^64-1{}", where, key,
                   v->is_string() ? " (string ids are not supported)" : ""));
  return std::nullopt;
}

Id Reader::id(const json& obj, const char* key, std::string_view where) {
  if (!find(obj, key)) {
    fail(fmt::format("{}.{} is missing (an integer id)", where, key));
    return 0;
  }
  return optional_id(obj, key, where).value_or(0);
}

std::string Reader::string(const json& obj, const char* key, std::string_view where, bool required, bool nonempty,
                           std::size_t max_bytes) {
  const json* v = find(obj, key);
  if (!v) {
    if (required) fail(fmt::format("{}.{} is missing (a string)", where, key));
    return {};
  }
  if (!v->is_string()) {
    fail(fmt::format("{}.{} must be a string", where, key));
    return {};
  }
  const auto& s = v->get_ref<const std::string&>();
  if (nonempty && s.empty()) {
    fail(fmt::format("{}.{} must not be empty", where, key));
    return {};
  }
  if (s.size() > max_bytes) {
    fail(fmt::format("{}.{} is longer than {} bytes", where, key, max_bytes));
    return {};
  }
  return s;
}

std::string Reader::one_of(const json& obj, const char* key, std::string_view where,
                           std::initializer_list<std::string_view> allowed) {
  std::string s = string(obj, key, where, true);
  if (error) return {};
  for (auto a : allowed) {
    if (s == a) return s;
  }
  std::string list;
  for (auto a : allowed) list += fmt::format("{}'{}'", list.empty() ? "" : " or ", a);
  fail(fmt::format("{}.{} must be {}", where, key, list));
  return {};
}

bool Reader::boolean(const json& obj, const char* key, std::string_view where, bool required, bool fallback) {
  const json* v = find(obj, key);
  if (!v) {
    if (required) fail(fmt::format("{}.{} is missing (a boolean)", where, key));
    return fallback;
  }
  if (!v->is_boolean()) {
    fail(fmt::format("{}.{} must be a boolean", where, key));
    return fallback;
  }
  return v->get<bool>();
}

std::optional<bool> Reader::optional_boolean(const json& obj, const char* key, std::string_view where) {
  if (!find(obj, key)) return std::nullopt;
  const bool value = boolean(obj, key, where, true);
  return error ? std::nullopt : std::optional<bool>(value);
}

std::optional<std::uint64_t> Reader::optional_uint(const json& obj, const char* key, std::string_view where,
                                                   std::uint64_t max) {
  const json* v = find(obj, key);
  if (!v) return std::nullopt;
  if (v->is_number_unsigned() && v->get<std::uint64_t>() <= max) return v->get<std::uint64_t>();
  fail(fmt::format("{}.{} must be an integer from 0 to {}", where, key, max));
  return std::nullopt;
}

std::uint64_t Reader::uint(const json& obj, const char* key, std::string_view where, std::uint64_t max) {
  if (!find(obj, key)) {
    fail(fmt::format("{}.{} is missing (an integer)", where, key));
    return 0;
  }
  return optional_uint(obj, key, where, max).value_or(0);
}

const json* Reader::object(const json& obj, const char* key, std::string_view where) {
  const json* v = find(obj, key);
  if (!v || !v->is_object()) {
    fail(fmt::format("{}.{} must be an object", where, key));
    return nullptr;
  }
  return v;
}

const json* Reader::optional_array(const json& obj, const char* key, std::string_view where) {
  const json* v = find(obj, key);
  if (v && !v->is_array()) {
    fail(fmt::format("{}.{} must be an array", where, key));
    return nullptr;
  }
  return v;
}

json Reader::metadata(const json& obj, const char* key, std::string_view where) {
  const json* v = find(obj, key);
  if (!v) return nullptr;
  if (!v->is_object()) {
    fail(fmt::format("{}.{} must be an object", where, key));
    return nullptr;
  }
  return *v;
}

void Writer::require(bool ok, std::string_view message) {
  if (!ok && !error) error = EncodeError{"invalidRequest", std::string(message)};
}

Id Writer::id(Id id, std::string_view what) {
  require(id >= 1, fmt::format("{} must be an id >= 1", what));
  return id;
}

const std::string& Writer::text(const std::string& text, std::string_view what, bool nonempty) {
  if (!valid_utf8(text)) {
    if (!error) error = EncodeError{"invalidText", fmt::format("{} is not valid UTF-8", what)};
  } else {
    require(!nonempty || !text.empty(), fmt::format("{} must not be empty", what));
  }
  return text;
}

}  // namespace detail

namespace {

using nlohmann::json;
using detail::Reader;
using detail::Writer;

using base::overloaded;

// ----- encoding ------------------------------------------------------------------------------

json candidate_json(const IceCandidate& c, Writer& w) {
  json out = {{"candidate", w.text(c.candidate, "candidate.candidate", true)}};
  if (c.sdp_mid) out["sdpMid"] = w.text(*c.sdp_mid, "candidate.sdpMid");
  if (c.sdp_mline_index) out["sdpMLineIndex"] = *c.sdp_mline_index;
  return out;
}

json jsep_json(const Jsep& jsep, Writer& w) {
  w.require(jsep.type == "offer" || jsep.type == "answer", "jsep.type must be 'offer' or 'answer'");
  return {{"type", jsep.type}, {"sdp", w.text(jsep.sdp, "jsep.sdp", true)}};
}

// The `janus` type and the fields of one request (without transaction).
json request_json(const Request& request, Writer& w) {
  return std::visit(
      overloaded{
          [](const CreateSession&) { return json{{"janus", "create"}}; },
          [&](const ClaimSession& r) { return json{{"janus", "claim"}, {"session_id", w.id(r.session_id, "session_id")}}; },
          [&](const DestroySession& r) {
            return json{{"janus", "destroy"}, {"session_id", w.id(r.session_id, "session_id")}};
          },
          [&](const KeepAlive& r) {
            return json{{"janus", "keepalive"}, {"session_id", w.id(r.session_id, "session_id")}};
          },
          [&](const Attach& r) {
            json out = {{"janus", "attach"}, {"session_id", w.id(r.session_id, "session_id")}, {"plugin", kVideoRoomPlugin}};
            if (!r.opaque_id.empty()) out["opaque_id"] = w.text(r.opaque_id, "opaque_id");
            return out;
          },
          [&](const Detach& r) {
            return json{{"janus", "detach"},
                        {"session_id", w.id(r.session_id, "session_id")},
                        {"handle_id", w.id(r.handle_id, "handle_id")}};
          },
          [&](const Hangup& r) {
            return json{{"janus", "hangup"},
                        {"session_id", w.id(r.session_id, "session_id")},
                        {"handle_id", w.id(r.handle_id, "handle_id")}};
          },
          [&](const Message& r) {
            json out = {{"janus", "message"},
                        {"session_id", w.id(r.session_id, "session_id")},
                        {"handle_id", w.id(r.handle_id, "handle_id")},
                        {"body", detail::videoroom_body(r.body, w)}};
            const auto rule = detail::jsep_rule(r.body);
            const auto request_name = videoroom::name(r.body);
            if (r.jsep) {
              w.require(!rule.type.empty(), fmt::format("a '{}' request carries no jsep", request_name));
              w.require(rule.type.empty() || r.jsep->type == rule.type,
                        fmt::format("a '{}' request carries a jsep {}", request_name, rule.type));
              out["jsep"] = jsep_json(*r.jsep, w);
            } else {
              w.require(!rule.required, fmt::format("a '{}' request needs a jsep {}", request_name, rule.type));
            }
            return out;
          },
          [&](const Trickle& r) {
            json out = {{"janus", "trickle"},
                        {"session_id", w.id(r.session_id, "session_id")},
                        {"handle_id", w.id(r.handle_id, "handle_id")}};
            std::visit(overloaded{
                           [&](const IceCandidate& c) { out["candidate"] = candidate_json(c, w); },
                           [&](const std::vector<IceCandidate>& cs) {
                             w.require(!cs.empty(), "trickle candidates must not be empty (EndOfCandidates ends them)");
                             json list = json::array();
                             for (const auto& c : cs) list.push_back(candidate_json(c, w));
                             out["candidates"] = std::move(list);
                           },
                           [&](const EndOfCandidates&) { out["candidate"] = {{"completed", true}}; },
                       },
                       r.candidates);
            return out;
          },
      },
      request);
}

// ----- decoding ------------------------------------------------------------------------------

// A transaction of at most kMaxTransactionBytes bytes; "" when absent.
std::string transaction(const json& root, std::string_view where, Reader& r) {
  return r.string(root, "transaction", where, false, false, kMaxTransactionBytes);
}

std::optional<Jsep> read_jsep(const json& root, std::string_view where, Reader& r) {
  if (!Reader::find(root, "jsep")) return std::nullopt;
  const std::string at = fmt::format("{}.jsep", where);
  const json* j = r.object(root, "jsep", where);
  if (!j) return std::nullopt;
  Jsep jsep{r.one_of(*j, "type", at, {"offer", "answer"}), r.string(*j, "sdp", at, true, true)};
  return r.error ? std::nullopt : std::optional<Jsep>(std::move(jsep));
}

std::optional<videoroom::Event> read_plugindata(const json& root, std::string_view where, Reader& r) {
  const json* pd = r.object(root, "plugindata", where);
  if (!pd) return std::nullopt;
  const std::string at = fmt::format("{}.plugindata", where);
  const std::string plugin = r.string(*pd, "plugin", at, true);
  if (r.error) return std::nullopt;
  if (plugin != kVideoRoomPlugin) {
    r.fail(fmt::format("{}.plugin is '{}', not '{}'", at, base::utf8_prefix(plugin, 64), kVideoRoomPlugin));
    return std::nullopt;
  }
  const json* data = r.object(*pd, "data", at);
  if (!data) return std::nullopt;
  return detail::videoroom_event(*data, fmt::format("{}.data", at), r);
}

std::optional<IceCandidate> read_candidate(const json& c, std::string_view where, Reader& r) {
  IceCandidate out;
  out.candidate = r.string(c, "candidate", where, true, true);
  if (Reader::find(c, "sdpMid")) out.sdp_mid = r.string(c, "sdpMid", where, true);
  if (auto i = r.optional_uint(c, "sdpMLineIndex", where, std::numeric_limits<std::uint32_t>::max()))
    out.sdp_mline_index = static_cast<std::uint32_t>(*i);
  return r.error ? std::nullopt : std::optional<IceCandidate>(std::move(out));
}

// Request types: only clients send them.
constexpr std::array<std::string_view, 9> kRequestTypes{"create", "claim", "destroy", "keepalive", "attach",
                                                        "detach", "message", "info",  "ping"};

std::optional<Inbound> read_message(const json& root, const std::string& type, Reader& r) {
  const std::string_view at = type;
  if (type == "ack") {
    Ack m{transaction(root, at, r), r.optional_id(root, "session_id", at).value_or(0), r.string(root, "hint", at, false)};
    return m;
  }
  if (type == "success") {
    Success m{transaction(root, at, r), r.optional_id(root, "session_id", at).value_or(0),
              r.optional_id(root, "sender", at).value_or(0), std::nullopt, std::nullopt};
    if (Reader::find(root, "data")) {
      if (const json* data = r.object(root, "data", at)) m.id = r.optional_id(*data, "id", "success.data");
    }
    if (Reader::find(root, "plugindata")) m.plugin = read_plugindata(root, at, r);
    return m;
  }
  if (type == "error") {
    Error m{transaction(root, at, r), r.optional_id(root, "session_id", at).value_or(0), 0, {}};
    if (const json* e = r.object(root, "error", at)) {
      m.code = static_cast<int>(r.uint(*e, "code", "error.error", 999999));
      m.reason = r.string(*e, "reason", "error.error", false);
    }
    return m;
  }
  if (type == "timeout") return Timeout{r.id(root, "session_id", at)};

  // Handle events: a session and the handle that sent them.
  const Id session_id = r.id(root, "session_id", at);
  const Id sender = r.id(root, "sender", at);
  if (type == "event") {
    Event m{transaction(root, at, r), session_id, sender, {}, std::nullopt};
    if (auto plugin = read_plugindata(root, at, r)) m.plugin = std::move(*plugin);
    m.jsep = read_jsep(root, at, r);
    return m;
  }
  if (type == "webrtcup") return WebrtcUp{session_id, sender};
  if (type == "ice-failed") return IceFailed{session_id, sender};
  if (type == "detached") return Detached{session_id, sender};
  if (type == "hangup") return HangupEvent{session_id, sender, r.string(root, "reason", at, false)};
  if (type == "media") {
    Media m{session_id, sender, r.string(root, "mid", at, true, true), r.one_of(root, "type", at, {"audio", "video"}),
            r.boolean(root, "receiving", at, true), std::nullopt, std::nullopt};
    if (auto s = r.optional_uint(root, "substream", at, 2)) m.substream = static_cast<int>(*s);
    if (auto s = r.optional_uint(root, "seconds", at, std::numeric_limits<std::uint32_t>::max()))
      m.seconds = static_cast<std::uint32_t>(*s);
    return m;
  }
  if (type == "slowlink") {
    return SlowLink{session_id,
                    sender,
                    r.string(root, "mid", at, true, true),
                    r.one_of(root, "media", at, {"audio", "video"}),
                    r.boolean(root, "uplink", at, true),
                    r.uint(root, "lost", at, std::numeric_limits<std::uint64_t>::max())};
  }
  if (type == "trickle") {
    TrickleEvent m{session_id, sender, std::nullopt};
    if (const json* c = r.object(root, "candidate", at)) {
      if (r.boolean(*c, "completed", "trickle.candidate", false)) return m;
      m.candidate = read_candidate(*c, "trickle.candidate", r);
    }
    return m;
  }
  return std::nullopt;  // not reached: decode() checked the type
}

constexpr std::array<std::string_view, 12> kInboundTypes{"ack",   "success",    "error",    "event",
                                                         "webrtcup", "media", "slowlink", "hangup",
                                                         "ice-failed", "detached", "timeout", "trickle"};

}  // namespace

EncodeResult encode(const Request& request, std::string_view transaction) {
  Writer w;
  const std::string tx(transaction);
  w.text(tx, "transaction", true);
  w.require(tx.size() <= kMaxTransactionBytes,
            fmt::format("transaction is longer than {} bytes", kMaxTransactionBytes));
  json msg = request_json(request, w);
  if (w.error) return *w.error;
  msg["transaction"] = tx;
  return base::json_text(msg);
}

DecodeResult decode(std::string_view text, std::size_t max_bytes) {
  if (text.size() > max_bytes)
    return DecodeError{"tooLarge", fmt::format("message of {} bytes exceeds the {} byte limit", text.size(), max_bytes)};
  if (base::nests_deeper_than(text, kMaxDepth))
    return DecodeError{"tooLarge", fmt::format("message nests objects/arrays deeper than {} levels", kMaxDepth)};
  const json root = base::parse_json(text);
  if (root.is_discarded()) return DecodeError{"malformed", "message is not valid JSON"};
  if (!root.is_object()) return DecodeError{"malformed", "message is not a JSON object"};
  const std::string type = base::string_or(root, "janus");
  if (type.empty()) return DecodeError{"malformed", "message has no string 'janus'"};
  for (auto t : kRequestTypes) {
    if (type == t) return DecodeError{"unexpectedType", fmt::format("'{}' is a request, only clients send it", type)};
  }
  bool known = false;
  for (auto t : kInboundTypes) known = known || type == t;
  if (!known) return DecodeError{"unknownType", fmt::format("unknown janus type '{}'", base::utf8_prefix(type, 64))};

  Reader r;
  auto message = read_message(root, type, r);
  if (r.error) return *r.error;
  return std::move(*message);
}

std::string_view name(const Inbound& message) {
  return std::visit(overloaded{
                        [](const Ack&) { return std::string_view("ack"); },
                        [](const Success&) { return std::string_view("success"); },
                        [](const Error&) { return std::string_view("error"); },
                        [](const Event&) { return std::string_view("event"); },
                        [](const WebrtcUp&) { return std::string_view("webrtcup"); },
                        [](const Media&) { return std::string_view("media"); },
                        [](const SlowLink&) { return std::string_view("slowlink"); },
                        [](const HangupEvent&) { return std::string_view("hangup"); },
                        [](const IceFailed&) { return std::string_view("ice-failed"); },
                        [](const Detached&) { return std::string_view("detached"); },
                        [](const Timeout&) { return std::string_view("timeout"); },
                        [](const TrickleEvent&) { return std::string_view("trickle"); },
                    },
                    message);
}

std::string_view name(const Request& request) {
  return std::visit(overloaded{
                        [](const CreateSession&) { return std::string_view("create"); },
                        [](const ClaimSession&) { return std::string_view("claim"); },
                        [](const DestroySession&) { return std::string_view("destroy"); },
                        [](const KeepAlive&) { return std::string_view("keepalive"); },
                        [](const Attach&) { return std::string_view("attach"); },
                        [](const Detach&) { return std::string_view("detach"); },
                        [](const Hangup&) { return std::string_view("hangup"); },
                        [](const Message&) { return std::string_view("message"); },
                        [](const Trickle&) { return std::string_view("trickle"); },
                    },
                    request);
}

}  // namespace callcore::signaling::janus
