// libFuzzer target: the Janus API codec (signaling/janus/codec.hpp) on arbitrary bytes.
//  - decode(text): no crash, no sanitizer report, no exception; an error has a documented code
//    and a serializable message; a message one byte over max_bytes is tooLarge; a decoded
//    message has every field its type requires, and its ids equal the integers in the text
//    exactly (read again here with nlohmann as uint64);
//  - the requests a room session builds from what it decoded (answer an offer with start,
//    subscribe to the listed publishers, switch or unsubscribe listed streams, trickle a
//    candidate back, configure a layer) encode without error, and carry the decoded ids and
//    strings unchanged;
//  - encode() of the raw bytes as a display name and transaction: accepted exactly when they
//    are valid UTF-8 (check.hpp's own validator) within the limits, refused otherwise.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <variant>

#include "callcore/signaling/janus/codec.hpp"
#include "check.hpp"
#include "callcore/base/overloaded.hpp"

using callcore::fuzz::dump_strict;
using callcore::fuzz::valid_utf8;
using namespace callcore::signaling::janus;
using nlohmann::json;

namespace {

using callcore::base::overloaded;

void check_error(const DecodeError& err) {
  FUZZ_CHECK(err.code == "tooLarge" || err.code == "malformed" || err.code == "unknownType" ||
                 err.code == "unexpectedType" || err.code == "invalidField",
             "unknown DecodeError code '" + err.code + "'");
  FUZZ_CHECK(!err.message.empty(), "empty DecodeError message");
  dump_strict(json{{"code", err.code}, {"message", err.message}}, "DecodeError");
}

// The integer at `obj[key]` in the original text, read exactly; 0 when absent.
Id id_in(const json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return 0;
  FUZZ_CHECK(it->is_number_unsigned(), std::string("decoded an id that is not an unsigned integer: ") + key);
  return it->get<std::uint64_t>();
}

// The array at `obj[key]` in the original text; empty when absent or null.
json list_in(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it == obj.end() || it->is_null() ? json::array() : *it;
}

// Encodes `request`, which must succeed; returns the parsed JSON text.
json must_encode(const Request& request, std::string_view transaction, const char* what) {
  const EncodeResult result = encode(request, transaction);
  if (const auto* err = std::get_if<EncodeError>(&result)) {
    FUZZ_CHECK(false, std::string(what) + " built from a decoded message is refused: " + err->code + " " + err->message);
  }
  const json out = json::parse(std::get<std::string>(result), nullptr, false);
  FUZZ_CHECK(!out.is_discarded() && out.is_object(), std::string(what) + " encoded to something that is not a JSON object");
  FUZZ_CHECK(out["transaction"] == std::string(transaction), "transaction changed on the way out");
  return out;
}

void check_jsep(const Jsep& jsep, const json& original, Id session_id, Id sender, std::string_view tx) {
  FUZZ_CHECK(jsep.type == "offer" || jsep.type == "answer", "jsep type");
  FUZZ_CHECK(!jsep.sdp.empty(), "empty jsep sdp");
  FUZZ_CHECK(original["type"] == jsep.type && original["sdp"] == jsep.sdp, "jsep differs from the text");
  // Answer an offer with start; renegotiate after an answer with a configure offer.
  const bool offer = jsep.type == "offer";
  const Request reply = Message{session_id, sender,
                                offer ? videoroom::Request{videoroom::Start{}} : videoroom::Request{videoroom::ConfigurePublisher{}},
                                Jsep{offer ? "answer" : "offer", jsep.sdp}};
  const json out = must_encode(reply, tx, "a jsep reply");
  FUZZ_CHECK(out["session_id"].get<std::uint64_t>() == session_id && out["handle_id"].get<std::uint64_t>() == sender,
             "ids changed on the way out");
  FUZZ_CHECK(out["jsep"]["sdp"] == jsep.sdp, "sdp changed on the way out");
}

void check_publishers(const std::vector<videoroom::Publisher>& publishers, const json& original, Id room,
                      std::optional<Id> private_id, std::string_view tx) {
  FUZZ_CHECK(original.is_array() && original.size() == publishers.size(), "publisher count differs from the text");
  videoroom::JoinSubscriber join{room, private_id, {}, std::nullopt, std::nullopt, {}};
  for (std::size_t i = 0; i < publishers.size(); ++i) {
    const auto& p = publishers[i];
    FUZZ_CHECK(p.id >= 1 && p.id == id_in(original[i], "id"), "publisher id differs from the text");
    FUZZ_CHECK(p.metadata.is_null() || p.metadata.is_object(), "publisher metadata");
    for (const auto& s : p.streams) {
      FUZZ_CHECK(s.type == "audio" || s.type == "video" || s.type == "data", "publisher stream type");
      FUZZ_CHECK(!s.mid.empty(), "publisher stream without mid");
      if (!s.disabled) join.streams.push_back({p.id, s.mid, {}});
    }
    dump_strict(json{{"display", p.display}, {"metadata", p.metadata}}, "publisher");
  }
  if (room == 0) return;
  const EncodeResult result = encode(Message{1, 1, join, std::nullopt}, tx);
  if (join.streams.empty()) {
    FUZZ_CHECK(std::holds_alternative<EncodeError>(result), "a subscriber join without streams was encoded");
    return;
  }
  const json out = must_encode(Message{1, 1, join, std::nullopt}, tx, "a subscriber join");
  const json& streams = out["body"]["streams"];
  FUZZ_CHECK(streams.size() == join.streams.size(), "subscriber join lost streams");
  for (std::size_t i = 0; i < streams.size(); ++i) {
    FUZZ_CHECK(streams[i]["feed"].get<std::uint64_t>() == join.streams[i].feed, "feed id changed on the way out");
  }
}

void check_subscription(const std::vector<videoroom::SubscriptionStream>& streams, std::string_view tx) {
  videoroom::Unsubscribe unsubscribe;
  videoroom::Switch sw;
  for (const auto& s : streams) {
    FUZZ_CHECK(!s.mid.empty(), "subscription stream without mid");
    FUZZ_CHECK(s.type == "audio" || s.type == "video" || s.type == "data", "subscription stream type");
    FUZZ_CHECK(!s.feed_id || *s.feed_id >= 1, "feed_id 0");
    unsubscribe.streams.push_back({std::nullopt, {}, s.mid});
    if (s.feed_id && !s.feed_mid.empty()) sw.streams.push_back({*s.feed_id, s.feed_mid, s.mid});
  }
  if (!unsubscribe.streams.empty()) must_encode(Message{1, 1, unsubscribe, std::nullopt}, tx, "an unsubscribe");
  if (!sw.streams.empty()) must_encode(Message{1, 1, sw, std::nullopt}, tx, "a switch");
}

void check_videoroom(const videoroom::Event& event, const json& data, std::string_view tx) {
  FUZZ_CHECK(data.is_object() && data.contains("videoroom") && data["videoroom"].is_string(), "plugin data type");
  const std::string type = data["videoroom"];
  const std::string_view name = videoroom::name(event);
  FUZZ_CHECK(type == "event" || type == name, "videoroom type '" + type + "' decoded as " + std::string(name));
  const Id room = id_in(data, "room");
  std::visit(overloaded{
                 [&](const videoroom::Joined& e) {
                   FUZZ_CHECK(e.room == room && e.id == id_in(data, "id") && e.private_id == id_in(data, "private_id") &&
                                  e.room >= 1 && e.id >= 1 && e.private_id >= 1,
                              "joined ids differ from the text");
                   check_publishers(e.publishers, list_in(data, "publishers"), e.room, e.private_id, tx);
                   for (const auto& a : e.attendees) FUZZ_CHECK(a.id >= 1, "attendee id");
                   // Rejoining with the id we were given encodes.
                   must_encode(Message{1, 1, videoroom::JoinPublisher{e.room, e.id, e.description, {}, {}}, std::nullopt}, tx,
                               "a publisher join");
                 },
                 [&](const videoroom::Publishers& e) {
                   FUZZ_CHECK(e.room == room && e.room >= 1, "publishers room");
                   check_publishers(e.publishers, list_in(data, "publishers"), e.room, std::nullopt, tx);
                 },
                 [&](const videoroom::Unpublished& e) {
                   FUZZ_CHECK(e.room == room, "unpublished room");
                   FUZZ_CHECK(e.id ? *e.id == id_in(data, "unpublished") : data["unpublished"] == "ok", "unpublished id");
                 },
                 [&](const videoroom::Leaving& e) {
                   FUZZ_CHECK(e.room == room, "leaving room");
                   if (data.contains("leaving") && !data["leaving"].is_null()) {
                     FUZZ_CHECK(e.id ? *e.id == id_in(data, "leaving") : data["leaving"] == "ok", "leaving id");
                   } else {
                     FUZZ_CHECK(e.id && *e.id == id_in(data, "kicked") && e.reason == "kicked", "kicked id");
                   }
                 },
                 [&](const videoroom::Joining& e) {
                   FUZZ_CHECK(e.participant.id >= 1 && e.participant.id == id_in(data["joining"], "id"), "joining id");
                 },
                 [&](const videoroom::Attached& e) {
                   FUZZ_CHECK(e.room == room && e.room >= 1, "attached room");
                   check_subscription(e.streams, tx);
                 },
                 [&](const videoroom::Updated& e) {
                   if (e.streams) check_subscription(*e.streams, tx);
                 },
                 [&](const videoroom::Switched& e) { check_subscription(e.streams, tx); },
                 [&](const videoroom::LayerChanged& e) {
                   FUZZ_CHECK(!e.mid.empty(), "layer change without mid");
                   for (const auto& l : {e.substream, e.temporal, e.spatial_layer, e.temporal_layer}) {
                     FUZZ_CHECK(!l || (*l >= 0 && *l <= 2), "layer out of range");
                   }
                   const videoroom::SubscriberStreamConfig config{e.mid, std::nullopt, e.substream, e.temporal,
                                                                  e.spatial_layer, e.temporal_layer};
                   must_encode(Message{1, 1, videoroom::ConfigureSubscriber{{config}, false}, std::nullopt}, tx,
                               "a configure of the changed layer");
                 },
                 [&](const videoroom::Talking& e) {
                   FUZZ_CHECK(e.room == room && e.id == id_in(data, "id") && e.id >= 1, "talking ids");
                 },
                 [&](const videoroom::Moderated& e) { FUZZ_CHECK(e.id == id_in(data, "id") && e.id >= 1, "moderated id"); },
                 [&](const videoroom::ParticipantUpdated& e) {
                   FUZZ_CHECK(e.participant.id == id_in(data, "id") && e.participant.id >= 1, "updated participant id");
                 },
                 [&](const videoroom::Destroyed& e) { FUZZ_CHECK(e.room == room && e.room >= 1, "destroyed room"); },
                 [&](const videoroom::Error& e) { FUZZ_CHECK(e.code >= 0, "negative VideoRoom error code"); },
                 [](const auto&) {},
             },
             event);
}

void check_inbound(const Inbound& message, std::string_view text) {
  // The text decoded, so it is JSON nesting at most kMaxDepth levels: safe to read again.
  const json root = json::parse(text.begin(), text.end(), nullptr, false);
  FUZZ_CHECK(root.is_object(), "decoded a message that is not an object");
  FUZZ_CHECK(root["janus"] == std::string(name(message)), "janus type differs from the text");
  const Id session_id = id_in(root, "session_id");
  std::string tx = "fuzz";
  std::visit(overloaded{
                 [&](const Ack& m) { FUZZ_CHECK(m.session_id == session_id, "ack session"); },
                 [&](const Success& m) {
                   FUZZ_CHECK(m.session_id == session_id && m.sender == id_in(root, "sender"), "success ids");
                   if (m.id) {
                     FUZZ_CHECK(*m.id >= 1 && *m.id == id_in(root["data"], "id"), "success data.id");
                     must_encode(KeepAlive{*m.id}, tx, "a keepalive");
                   }
                   if (m.plugin) check_videoroom(*m.plugin, root["plugindata"]["data"], tx);
                 },
                 [&](const Error& m) {
                   FUZZ_CHECK(m.session_id == session_id, "error session");
                   FUZZ_CHECK(m.code >= 0, "negative error code");
                 },
                 [&](const Event& m) {
                   FUZZ_CHECK(m.session_id >= 1 && m.session_id == session_id && m.sender >= 1 &&
                                  m.sender == id_in(root, "sender"),
                              "event ids");
                   if (!m.transaction.empty()) tx = m.transaction;
                   check_videoroom(m.plugin, root["plugindata"]["data"], tx);
                   if (m.jsep) check_jsep(*m.jsep, root["jsep"], m.session_id, m.sender, tx);
                 },
                 [&](const Media& m) {
                   FUZZ_CHECK(m.session_id == session_id && m.sender >= 1, "media ids");
                   FUZZ_CHECK((m.type == "audio" || m.type == "video") && !m.mid.empty(), "media type/mid");
                 },
                 [&](const SlowLink& m) {
                   FUZZ_CHECK(m.session_id == session_id && m.sender >= 1, "slowlink ids");
                   FUZZ_CHECK(m.lost == id_in(root, "lost"), "slowlink lost differs from the text");
                 },
                 [&](const TrickleEvent& m) {
                   FUZZ_CHECK(m.session_id == session_id && m.sender == id_in(root, "sender"), "trickle ids");
                   const Trickle back = m.candidate ? Trickle{m.session_id, m.sender, *m.candidate}
                                                    : Trickle{m.session_id, m.sender, EndOfCandidates{}};
                   const json out = must_encode(back, tx, "a trickle");
                   if (m.candidate) FUZZ_CHECK(out["candidate"]["candidate"] == m.candidate->candidate, "candidate changed");
                 },
                 [&](const Timeout& m) { FUZZ_CHECK(m.session_id >= 1 && m.session_id == session_id, "timeout session"); },
                 [&](const auto& m) {
                   FUZZ_CHECK(m.session_id >= 1 && m.session_id == session_id && m.sender >= 1 &&
                                  m.sender == id_in(root, "sender"),
                              "handle event ids");
                 },
             },
             message);
}

// The raw bytes as a display name and (a prefix) as the transaction.
void check_encode_text(std::string_view text) {
  const std::string display(text);
  const std::string tx(text.substr(0, 200));
  const EncodeResult result = encode(Message{1, 2, videoroom::JoinPublisher{3, std::nullopt, display, {}, {}}, std::nullopt}, tx);
  const bool should_pass = valid_utf8(display) && valid_utf8(tx) && !tx.empty() && tx.size() <= kMaxTransactionBytes;
  if (const auto* err = std::get_if<EncodeError>(&result)) {
    FUZZ_CHECK(!should_pass, "valid text refused: " + err->message);
    FUZZ_CHECK(err->code == "invalidText" || err->code == "invalidRequest", "unknown EncodeError code " + err->code);
    return;
  }
  FUZZ_CHECK(should_pass, "text that is not valid UTF-8 (or a bad transaction) was encoded");
  const json out = json::parse(std::get<std::string>(result), nullptr, false);
  FUZZ_CHECK(!out.is_discarded(), "encoded text is not JSON");
  FUZZ_CHECK(out["transaction"] == tx, "transaction changed");
  FUZZ_CHECK(display.empty() ? !out["body"].contains("display") : out["body"]["display"] == display, "display changed");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const DecodeResult result = decode(text);
  if (const auto* err = std::get_if<DecodeError>(&result)) {
    check_error(*err);
  } else {
    check_inbound(std::get<Inbound>(result), text);
  }
  if (size > 0) {
    const DecodeResult small = decode(text, size - 1);
    FUZZ_CHECK(std::holds_alternative<DecodeError>(small) && std::get<DecodeError>(small).code == "tooLarge",
               "a message over max_bytes is not refused as tooLarge");
  }
  check_encode_text(text);
  return 0;
}
