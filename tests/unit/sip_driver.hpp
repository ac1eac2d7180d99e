// Test driver of the SIP user agent (session/sip/user_agent.hpp): feeds it inputs at given
// times, collects its effects through the core's JSON codec (with driver.hpp's dictionary
// check), and plays the far side: it parses the SIP text the agent sent and answers with real
// SIP text built from it (a registrar, a proxy, a callee or a caller).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "driver.hpp"

#include "callcore/session/sip/user_agent.hpp"
#include "callcore/signaling/sip/message.hpp"

namespace callcore::test {

namespace sipw = signaling::sip;

inline session::sip::UaConfig ua_config() {
  session::sip::UaConfig c;
  c.url = "wss://127.0.0.1:8443/webrtc/wss/";
  c.domain = "127.0.0.1";
  c.user = "alice";
  c.password = "secret";
  c.display_name = "Alice A";
  c.register_headers = {{"X-Vinteo-Remote", "10.1.2.3"}};
  c.random_seed = 7;
  return c;
}

inline const std::string kOffer =
    "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:1\r\n";
inline const std::string kAnswer =
    "v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:1\r\n";

struct SipDriver {
  log::Logger logger{400};
  std::unique_ptr<session::sip::UserAgent> ua;
  std::vector<Output> last;
  double now = 1000;

  explicit SipDriver(session::sip::UaConfig config = ua_config())
      : ua(std::make_unique<session::sip::UserAgent>(std::move(config), logger, base::Ms(now))) {
    collect();
  }

  template <typename T>
  std::vector<Output>& feed(T&& leaf, double at_ms = -1, int id = 1) {
    if (at_ms >= 0) now = at_ms;
    ua->handle(io::make_input(std::forward<T>(leaf), id), base::Ms(now));
    return collect();
  }
  std::vector<Output>& advance(double at_ms) { return feed(io::Timeout{}, at_ms); }
  /// The far side sends `text` (one WebSocket message).
  std::vector<Output>& text(const std::string& raw) { return feed(io::in::TransportMessage{raw}); }
  std::vector<Output>& message(const sipw::Message& m) { return text(sipw::serialize(m)); }

  std::vector<Output>& collect() {
    last.clear();
    while (auto e = ua->poll_output()) {
      json j = io::encode(*e);
      REQUIRE_NOTHROW(j.dump());
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

  /// connect() and the socket opens: the REGISTER that follows is in `last`.
  std::vector<Output>& connect() {
    ua->connect(base::Ms(now));
    collect();
    return feed(io::in::TransportOpened{});
  }

  bool has(const std::string& kind, const std::string& event_type = "") const {
    for (const auto& o : last) {
      if (o.kind == kind && (event_type.empty() || o.data.value("eventType", "") == event_type)) return true;
    }
    return false;
  }
  std::vector<json> events(const std::string& event_type) const {
    std::vector<json> out;
    for (const auto& o : last) {
      if (o.kind == "emit" && o.data["eventType"] == event_type) out.push_back(o.data["payload"]);
    }
    return out;
  }
  json event(const std::string& event_type) const {
    auto all = events(event_type);
    if (all.size() != 1) FAIL("expected one " << event_type << ", got " << all.size());
    return all.front();
  }
  /// The SIP messages the latest input sent, parsed (each must parse).
  std::vector<sipw::Message> sent() const {
    std::vector<sipw::Message> out;
    for (const auto& o : last) {
      if (o.kind != "send") continue;
      REQUIRE(o.data["message"].is_string());
      auto parsed = sipw::parse(o.data["message"].get<std::string>());
      if (auto* err = std::get_if<sipw::ParseError>(&parsed)) FAIL("sent unparsable SIP: " << err->message);
      out.push_back(std::get<sipw::Message>(parsed));
    }
    return out;
  }
  /// The one request `method` the latest input sent.
  sipw::Message request(const std::string& method) const {
    sipw::Message found;
    int n = 0;
    for (auto& m : sent()) {
      if (m.request() && m.request()->method == method) {
        found = m;
        ++n;
      }
    }
    if (n != 1) FAIL("expected one " << method << " sent, got " << n);
    return found;
  }
  /// The one response with `code` the latest input sent.
  sipw::Message response(int code) const {
    for (auto& m : sent()) {
      if (m.response() && m.response()->code == code) return m;
    }
    FAIL("no " << code << " sent");
    return {};
  }
  /// The far side answers `req` with `code`, adding `headers` (name, value) and a body.
  std::vector<Output>& reply(const sipw::Message& req, int code, const std::string& reason,
                             std::vector<std::pair<std::string, std::string>> headers = {}, const std::string& body = {},
                             const std::string& to_tag = "far-tag") {
    sipw::Message r = sipw::make_response(req, code, reason, code == 100 ? "" : to_tag);
    for (auto& [n, v] : headers) r.add(n, v);
    if (!body.empty()) {
      r.add("Content-Type", "application/sdp");
      r.body = body;
    }
    return message(r);
  }
  double deadline() const {
    auto t = ua->poll_timeout();
    return t ? t->value : -1;
  }
};

}  // namespace callcore::test
