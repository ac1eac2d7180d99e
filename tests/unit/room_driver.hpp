// Test driver of the room session: feeds a RoomSession inputs at given times, collects its
// effects as the shell sees them (through the core's JSON codec, with driver.hpp's dictionary
// check), and plays a small scripted Janus: it reads the requests the session sent and answers
// them with the JSON texts janus-gateway sends (shapes: src/mainpage.dox and
// src/plugins/janus_videoroom.c, as docs/room.md lists them).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "driver.hpp"

#include "callcore/session/room/session.hpp"

namespace callcore::test {

inline constexpr std::uint64_t kRoom = 1234;
inline constexpr std::uint64_t kSession = 7001;
inline constexpr std::uint64_t kPubHandle = 8001;
inline constexpr std::uint64_t kSubHandle = 8002;
inline constexpr std::uint64_t kMe = 501;
inline constexpr std::uint64_t kPrivate = 909;
inline constexpr std::uint64_t kBob = 11;
inline constexpr std::uint64_t kCarol = 12;

inline json room_options() {
  return {{"signalingUrl", "ws://127.0.0.1:8188/"}, {"room", kRoom}, {"display", "Me"}, {"randomSeed", 7}};
}

/// A publisher as janus_videoroom.c lists it (joined / publishers): audio mid "0", video mid "1".
inline json publisher(std::uint64_t id, const std::string& display, bool screen = false) {
  json streams = {{{"type", "audio"}, {"mindex", 0}, {"mid", "0"}, {"codec", "opus"}},
                  {{"type", "video"}, {"mindex", 1}, {"mid", "1"}, {"codec", "vp8"}, {"simulcast", true}}};
  if (screen) streams.push_back({{"type", "video"}, {"mindex", 2}, {"mid", "2"}, {"codec", "vp8"}, {"description", "screen"}});
  return {{"id", id}, {"display", display}, {"streams", streams}};
}

/// A subscription stream: subscriber mid `mid` fed by `feed`'s `feed_mid`.
inline json sub_stream(int mindex, const std::string& mid, const std::string& type, std::uint64_t feed,
                       const std::string& feed_mid) {
  return {{"mindex", mindex}, {"mid", mid}, {"type", type}, {"active", true}, {"ready", false}, {"send", true},
          {"feed_id", feed}, {"feed_mid", feed_mid}, {"feed_display", "x"}};
}

inline const std::string kPublisherOffer = "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:1\r\n";

struct RoomDriver {
  log::Logger logger{400};
  std::unique_ptr<session::room::RoomSession> session;
  std::vector<Output> last;
  double now = 1000;

  explicit RoomDriver(const json& options = room_options()) {
    auto made = session::room::make_session(options, logger, base::Ms(now));
    REQUIRE(std::holds_alternative<std::unique_ptr<session::room::RoomSession>>(made));
    session = std::move(std::get<std::unique_ptr<session::room::RoomSession>>(made));
    collect();
  }

  /// Feeds one input leaf at `at_ms` (-1: now); `id` names the pc / transport.
  template <typename T>
  std::vector<Output>& feed(T&& leaf, double at_ms = -1, int id = 1) {
    if (at_ms >= 0) now = at_ms;
    session->handle(io::make_input(std::forward<T>(leaf), id), base::Ms(now));
    return collect();
  }
  std::vector<Output>& advance(double at_ms) { return feed(io::Timeout{}, at_ms); }
  /// Janus sends `message` (a JSON object, dumped as the socket's text).
  std::vector<Output>& janus(const json& message) { return feed(io::in::TransportMessage{message.dump()}); }
  std::vector<Output>& text(const std::string& raw) { return feed(io::in::TransportMessage{raw}); }

  std::vector<Output>& collect() {
    last.clear();
    while (auto e = session->poll_output()) {
      json j = io::encode(*e);
      INFO("effect " << j.dump());
      REQUIRE_NOTHROW(j.dump());  // serialisable, strict UTF-8
      std::string kind = j["kind"];
      j.erase("kind");
      last.push_back({std::move(kind), std::move(j)});
    }
    for (const auto& o : last) Driver::check_dictionary(o);
    for (const auto& entry : logger.entries()) {
      INFO("log event " << entry.event);
      CHECK(Driver::in_dictionary({events::kLogEventGroup, events::kWireGroup, events::kConnectionGroup, events::kEventGroup},
                                  entry.event));
    }
    return last;
  }

  std::vector<std::string> kinds() const {
    std::vector<std::string> k;
    for (const auto& o : last) k.push_back(o.kind == "emit" ? "emit:" + o.data["eventType"].get<std::string>() : o.kind);
    return k;
  }
  bool has(const std::string& kind, const std::string& event_type = "") const {
    for (const auto& o : last) {
      if (o.kind == kind && (event_type.empty() || o.data.value("eventType", "") == event_type)) return true;
    }
    return false;
  }
  const json& find(const std::string& kind, const std::string& event_type = "") const {
    for (const auto& o : last) {
      if (o.kind == kind && (event_type.empty() || o.data.value("eventType", "") == event_type)) return o.data;
    }
    FAIL("no output " << kind << " " << event_type);
    static json none;
    return none;
  }
  std::vector<json> events(const std::string& event_type) const {
    std::vector<json> out;
    for (const auto& o : last) {
      if (o.kind == "emit" && o.data["eventType"] == event_type) out.push_back(o.data["payload"]);
    }
    return out;
  }
  /// The Janus requests the latest input sent, in order.
  std::vector<json> sent() const {
    std::vector<json> m;
    for (const auto& o : last) {
      if (o.kind == "send") m.push_back(o.data["message"]);
    }
    return m;
  }
  /// The one request of `janus` type (and VideoRoom `request`, for messages) the latest input sent.
  json request(const std::string& janus_type, const std::string& body_request = "") const {
    for (const auto& m : sent()) {
      if (m["janus"] == janus_type && (body_request.empty() || m["body"]["request"] == body_request)) return m;
    }
    FAIL("no request " << janus_type << " " << body_request);
    return {};
  }
  json snapshot() const { return session->snapshot(); }
  double deadline() const {
    auto t = session->poll_timeout();
    return t ? t->value : -1;
  }

  // ---- the scripted Janus ---------------------------------------------------------------------
  static json success(const json& req, std::optional<std::uint64_t> id) {
    json m = {{"janus", "success"}, {"transaction", req["transaction"]}};
    if (req.contains("session_id")) m["session_id"] = req["session_id"];
    if (id) m["data"] = {{"id", *id}};
    return m;
  }
  static json ack(const json& req) {
    return {{"janus", "ack"}, {"session_id", req["session_id"]}, {"transaction", req["transaction"]}};
  }
  static json error(const json& req, int code, const std::string& reason) {
    return {{"janus", "error"}, {"session_id", req.value("session_id", json(0))}, {"transaction", req["transaction"]},
            {"error", {{"code", code}, {"reason", reason}}}};
  }
  /// A VideoRoom event from `sender` (answering `req` when given).
  static json event(std::uint64_t session, std::uint64_t sender, const json& data, const json& req = nullptr,
                    const json& jsep = nullptr) {
    json m = {{"janus", "event"}, {"session_id", session}, {"sender", sender},
              {"plugindata", {{"plugin", "janus.plugin.videoroom"}, {"data", data}}}};
    if (req.is_object()) m["transaction"] = req["transaction"];
    if (jsep.is_object()) m["jsep"] = jsep;
    return m;
  }

  /// call() → socket open → create → attach → join, Janus listing `publishers`: the session is
  /// joined as kMe (media not yet acquired).
  void join(const json& publishers = json::array(), std::uint64_t session_id = kSession) {
    feed(io::in::Call{1});
    feed(io::in::TransportOpened{});
    janus(success(request("create"), session_id));
    janus(success(request("attach"), kPubHandle));
    const json join_req = request("message", "join");
    janus(ack(join_req));
    janus(event(session_id, kPubHandle,
                {{"videoroom", "joined"}, {"room", kRoom}, {"id", kMe}, {"private_id", kPrivate}, {"publishers", publishers}},
                join_req));
  }

  /// The camera and microphone arrive; the publisher offers and Janus answers the publish.
  void publish(std::uint64_t session_id = kSession) {
    feed(io::in::MediaAcquired{kMic, kCam, kLocalStream});
    feed(io::in::LocalDescription{"offer", kPublisherOffer}, -1, 1);
    const json pub = request("message", "publish");
    janus(ack(pub));
    janus(event(session_id, kPubHandle, {{"videoroom", "event"}, {"room", kRoom}, {"configured", "ok"}}, pub,
                {{"type", "answer"}, {"sdp", "v=0 answer"}}));
    feed(io::in::RemoteDescriptionSet{"answer"}, -1, 1);
  }

  /// Janus offers the subscription `streams` (answering `req`); the subscriber answers and starts.
  void subscribe(const json& req, const std::string& videoroom, const json& streams, std::uint64_t session_id = kSession) {
    janus(ack(req));
    janus(event(session_id, kSubHandle, {{"videoroom", videoroom}, {"room", kRoom}, {"streams", streams}}, req,
                {{"type", "offer"}, {"sdp", "v=0 sub offer"}}));
  }
  void answer_subscription() {
    feed(io::in::RemoteDescriptionSet{"offer"}, -1, 2);
    feed(io::in::LocalDescription{"answer", "v=0 sub answer"}, -1, 2);
  }
};

}  // namespace callcore::test
