// libFuzzer target, structure-aware: the SIP user agent (session/sip/user_agent.hpp) driven by a
// fuzzed sequence of app requests, SIP text from the far side and shell inputs, with a small
// far side that can answer the latest request the agent really sent (so the fuzzer reaches
// registration, digest, calls and dialogs).
//
// Input format: steps separated by a line "~" ("\n~\n"), each `<op><payload>`:
//   c connect()   d disconnect()   C call("bob")   a answer()   x decline(486 + payload[0] % 2 * 117)
//   h hangUp()    i sendInfo(application/dtmf-relay)
//   o the socket opens   l it closes (1006)
//   m the far side sends the payload as one WebSocket text message (only valid UTF-8: a
//     browser WebSocket delivers no other)
//   r the far side answers the latest request sent with the 3-digit code in the payload (a 401
//     and 407 carry an MD5 or, with a trailing "s", a SHA-256 challenge; a 2xx to INVITE carries
//     a Contact, a Record-Route and an SDP answer)
//   L the pc's setLocalDescription resolves (an offer or an answer, whichever was asked)
//   R setRemoteDescription resolves   n a local candidate (payload "0": the end of candidates)
//   t time passes (payload: ms, default 1000), every timer due firing
// Invariants (a failure aborts):
//   - every effect encodes (io::encode) to strict JSON whose kind is known; every `send` carries
//     a string that parses as SIP (the agent never writes what it could not read itself);
//   - the dictionary promise for emitted events, CallError types and log events;
//   - SIP text that does not parse changes no state: snapshot and next deadline unchanged, and
//     its only effects are one sipError event and at most one 400 response;
//   - snapshot() serializes.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "callcore/events/dictionary.hpp"
#include "callcore/io/codec.hpp"
#include "callcore/session/sip/user_agent.hpp"
#include "check.hpp"

using namespace callcore;
using nlohmann::json;
namespace wire = signaling::sip;

namespace {

const std::string kSdp = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\n";

struct World {
  log::Logger logger{64};
  std::unique_ptr<session::sip::UserAgent> ua;
  double now = 1000;
  std::optional<wire::Message> last_request;  // the latest request the agent sent
  std::string asked = "offer";                // the latest setLocalDescription type
  std::vector<json> outputs;

  World() {
    session::sip::UaConfig c;
    c.url = "wss://127.0.0.1/webrtc/wss/";
    c.domain = "127.0.0.1";
    c.user = "alice";
    c.password = "pw";
    c.register_headers = {{"X-Vinteo-Remote", "10.0.0.1"}};
    ua = std::make_unique<session::sip::UserAgent>(c, logger, base::Ms(now));
    drain();
  }

  void drain() {
    outputs.clear();
    while (auto e = ua->poll_output()) {
      json j = io::encode(*e);
      fuzz::check_serializable(j, "effect");
      const std::string kind = j["kind"];
      if (kind == "send") {
        FUZZ_CHECK(j["message"].is_string(), "a SIP send carries text");
        auto parsed = wire::parse(j["message"].get<std::string>());
        FUZZ_CHECK(std::holds_alternative<wire::Message>(parsed), "the agent sent SIP it cannot parse: " + j["message"].get<std::string>());
        const auto& m = std::get<wire::Message>(parsed);
        if (m.is_request()) last_request = m;
      } else if (kind == "setLocalDescription") {
        asked = j["type"];
      } else if (kind == "emit") {
        const std::string type = j["eventType"];
        FUZZ_CHECK(events::contains(events::kEventGroup, type), "event not in the dictionary: " + type);
        if (j["emitType"] == "error") FUZZ_CHECK(events::contains(events::kErrorTypeGroup, j["payload"]["type"].get<std::string>()), "error type");
      }
      outputs.push_back(std::move(j));
    }
    for (const auto& entry : logger.entries()) {
      FUZZ_CHECK(events::contains(events::kLogEventGroup, entry.event) || events::contains(events::kWireGroup, entry.event) ||
                     events::contains(events::kConnectionGroup, entry.event) || events::contains(events::kEventGroup, entry.event),
                 "log event not in the dictionary: " + std::string(entry.event));
    }
    (void)ua->snapshot().dump();
  }

  template <typename T>
  void feed(T&& leaf) {
    ua->handle(io::make_input(std::forward<T>(leaf)), base::Ms(now));
    drain();
  }

  void far_text(const std::string& text) {
    if (!fuzz::valid_utf8(text)) return;  // a browser WebSocket delivers only valid UTF-8 text
    const bool bad = std::holds_alternative<wire::ParseError>(wire::parse(text));
    const json before = ua->snapshot();
    const auto deadline = ua->poll_timeout();
    feed(io::in::TransportMessage{text});
    if (!bad) return;
    FUZZ_CHECK(ua->snapshot() == before, "unparsable input changed the state");
    FUZZ_CHECK(ua->poll_timeout() == deadline, "unparsable input changed a timer");
    int errors = 0, replies = 0;
    for (const auto& o : outputs) {
      if (o["kind"] == "emit" && o["eventType"] == events::sip::kSipError) {
        ++errors;
      } else if (o["kind"] == "send") {
        ++replies;
      } else {
        FUZZ_CHECK(false, "unparsable input produced " + o.dump());
      }
    }
    FUZZ_CHECK(errors == 1 && replies <= 1, "unparsable input: one sipError, at most one 400");
  }

  void answer_latest(std::string_view payload) {
    if (!last_request || last_request->request()->method == "ACK") return;
    int code = 200;
    if (payload.size() >= 3) code = (payload[0] - '0') * 100 + (payload[1] - '0') * 10 + (payload[2] - '0');
    if (code < 100 || code > 699) code = 200;
    wire::Message r = wire::make_response(*last_request, code, "X", code == 100 ? "" : "fartag");
    const bool sha = !payload.empty() && payload.back() == 's';
    const std::string challenge = std::string("Digest realm=\"r\", nonce=\"n") + std::to_string(now) + "\", qop=\"auth\"" +
                                  (sha ? ", algorithm=SHA-256" : "");
    if (code == 401) r.add("WWW-Authenticate", challenge);
    if (code == 407) r.add("Proxy-Authenticate", challenge);
    if (last_request->request()->method == "INVITE" && code > 100 && code < 300) {
      r.add("Contact", "<sip:bob@b.invalid;transport=ws>");
      r.add("Record-Route", "<sip:127.0.0.1;lr>");
      if (code >= 200) {
        r.add("Content-Type", "application/sdp");
        r.body = kSdp;
      }
    }
    far_text(wire::serialize(r));
  }

  void time(std::string_view payload) {
    double ms = 1000;
    if (!payload.empty()) {
      ms = 0;
      for (char c : payload.substr(0, 6)) {
        if (c >= '0' && c <= '9') ms = ms * 10 + (c - '0');
      }
    }
    const double until = now + ms;
    for (int guard = 0; guard < 64; ++guard) {
      auto next = ua->poll_timeout();
      if (!next || next->value > until) break;
      now = std::max(now, next->value);
      feed(io::Timeout{});
    }
    now = until;
  }

  void step(char op, std::string_view payload) {
    const session::sip::CallMedia media{io::TrackId{1}, io::TrackId{2}, "s"};
    switch (op) {
      case 'c': ua->connect(base::Ms(now)); drain(); break;
      case 'd': ua->disconnect(base::Ms(now)); drain(); break;
      case 'C': (void)ua->call("bob", media, base::Ms(now)); drain(); break;
      case 'a': (void)ua->answer(media, base::Ms(now)); drain(); break;
      case 'x': (void)ua->decline(payload.empty() || payload[0] % 2 == 0 ? 486 : 603, base::Ms(now)); drain(); break;
      case 'h': ua->hang_up(base::Ms(now)); drain(); break;
      case 'i': (void)ua->send_info("application/dtmf-relay", "Signal=1\r\nDuration=120\r\n", {}, base::Ms(now)); drain(); break;
      case 'o': feed(io::in::TransportOpened{}); break;
      case 'l': feed(io::in::TransportClosed{1006, ""}); break;
      case 'm': far_text(std::string(payload)); break;
      case 'r': answer_latest(payload); break;
      case 'L': feed(io::in::LocalDescription{asked, kSdp}); break;
      case 'R': feed(io::in::RemoteDescriptionSet{asked == "answer" ? "offer" : "answer"}); break;
      case 'n':
        if (payload == "0") {
          feed(io::in::LocalIceCandidate{nullptr});
        } else {
          feed(io::in::LocalIceCandidate{json{{"candidate", "candidate:1 1 udp 1 10.0.0.1 5000 typ host"}, {"sdpMLineIndex", 0}}});
        }
        break;
      case 't': time(payload); break;
      default: break;
    }
    now += 1;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 64 * 1024) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  World world;
  std::size_t start = 0;
  for (int steps = 0; start <= input.size() && steps < 200; ++steps) {
    const std::size_t end = input.find("\n~\n", start);
    const std::string_view chunk = input.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (!chunk.empty()) world.step(chunk[0], chunk.substr(1));
    if (end == std::string_view::npos) break;
    start = end + 3;
  }
  return 0;
}
