// libFuzzer target, structure-aware: a RoomSession (session/room) driven by a fuzzed sequence of
// Janus messages and shell inputs, with a small simulated Janus that answers the requests the
// session really sent (so the fuzzer gets deep into the flow) and a simulated shell that tracks
// which peer connections are open.
//
// Input format: the first byte configures the session (bit 0 useSimulcast, bit 1 autoReconnect
// off, bit 2 audio only, bit 3 receive only); the rest is lines ('\n'), one step each,
// `<op><payload>`:
//   C call()   h hangUp()   z destroy()   v changeDeviceState (payload byte: bit 0/1 set/value
//   isMute, bit 2/3 set/value isHidden)   L selectLayers(participant 10 + payload[0] % 4,
//   substream payload[1] % 4 (3: none), temporal payload[2] % 4)
//   o the socket opens (after an openTransport)   l it closes (1006)
//   m Janus sends the payload as text (only valid UTF-8: a browser WebSocket delivers no other)
//   a Janus answers the oldest request it has not answered, as janus-gateway would; the payload's
//     first byte picks a variant: 0 the normal answer, 1 ack only, 2 a Janus error (code 458,
//     403, 490 or 459 by the second byte), 3 a VideoRoom error (426, 432, 428, 499), 4 drop it
//   p Janus announces publisher 10 + payload[0] % 4 with audio + video (+ screen if payload[1] odd)
//   u that participant unpublishes   k it leaves   T Janus times the session out
//   d the shell completes the oldest pending pc operation of pc 1 + payload[0] % 2
//   f ... fails it   i that pc reports a local candidate (payload[1] odd: null)
//   M getUserMedia resolves (new TrackIds)   F it fails   t time passes payload ms (default
//   1000), the shell's timer firing at every deadline within
//   J any shell input: the payload is its JSON, through io::decode_input
// Time advances 1 ms per step. FUZZ_ROOM_TRACE=1 in the environment prints every effect.
// Invariants (a failure aborts):
//   - every effect encodes (io::encode) to an object whose kind is known and whose text is
//     strict JSON (UTF-8); `send` carries an object with a string `janus` and `transaction`;
//     every transport effect names transport 1, every pc effect pc 1 or 2;
//   - no effect on a closed pc: createPc only for a pc that is not open, every other pc effect
//     (descriptions, candidates, tracks, restartIce, closePc) only for an open one;
//   - the dictionary promise: every emitted event type and emit type, every error payload's
//     CallError type, every settle error type and every log event is in the dictionary;
//   - once the session is disconnected (after leaveCall or a fatal error) no timer is left and
//     no pc is open;
//   - snapshot() serializes.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "callcore/events/dictionary.hpp"
#include "callcore/io/codec.hpp"
#include "callcore/session/room/session.hpp"
#include "check.hpp"
#include "kinds.hpp"

using namespace callcore;
using callcore::fuzz::dump_strict;
using nlohmann::json;

namespace {

constexpr std::uint64_t kRoom = 1234;

struct PcSim {
  bool open = false;
  std::deque<std::string> ops;  // "local:offer", "local:answer", "remote:offer", "remote:answer"
};

struct World {
  log::Logger logger{64};
  std::unique_ptr<session::room::RoomSession> session;
  double now = 1000;
  std::map<int, PcSim> pcs;
  bool transport_opening = false;
  bool transport_open = false;
  std::deque<json> unanswered;  // requests Janus has not answered yet, oldest first
  std::uint64_t next_id = 5000;
  std::uint64_t session_id = 0;
  std::uint64_t publisher_handle = 0, subscriber_handle = 0;
  bool publisher_attach_next = true;
  int next_track = 1;
  int request_id = 0;
  std::size_t log_checked = 0;
};

bool in_dictionary(std::initializer_list<std::string_view> groups, std::string_view value) {
  for (auto g : groups) {
    if (events::contains(g, value)) return true;
  }
  return false;
}

// FUZZ_ROOM_TRACE=1 prints every effect (to see how far an input gets, or replay a crash).
const bool kTrace = std::getenv("FUZZ_ROOM_TRACE") != nullptr;

void check_effect(World& w, const io::Effect& effect) {
  const json j = io::encode(effect);
  fuzz::check_serializable(j, "effect");
  const std::string text = dump_strict(j, "effect");
  if (kTrace) std::fprintf(stderr, "%s\n", text.substr(0, 300).c_str());
  FUZZ_CHECK(j.is_object() && j.contains("kind") && fuzz::known_effect_kind(j["kind"].get<std::string>()), text);
  const std::string kind = j["kind"];
  if (j.contains("transport")) FUZZ_CHECK(j["transport"] == 1, "transport effect not on transport 1: " + text);
  if (j.contains("pc")) {
    const int pc = j["pc"];
    FUZZ_CHECK(pc == 1 || pc == 2, "pc effect on pc " + std::to_string(pc));
    PcSim& sim = w.pcs[pc];
    if (kind == "createPc") {
      FUZZ_CHECK(!sim.open, "createPc for an open pc: " + text);
      sim = PcSim{true, {}};
    } else {
      FUZZ_CHECK(sim.open, "effect on a closed pc: " + text);
      if (kind == "closePc") sim = PcSim{};
      if (kind == "setLocalDescription") sim.ops.push_back("local:" + j["type"].get<std::string>());
      if (kind == "setRemoteDescription") sim.ops.push_back("remote:" + j["description"]["type"].get<std::string>());
    }
  }
  if (kind == "openTransport") {
    FUZZ_CHECK(j["protocol"] == "janus-protocol", "the Janus socket without its subprotocol");
    w.transport_opening = true;
    w.transport_open = false;
  }
  if (kind == "closeTransport") w.transport_opening = w.transport_open = false;
  if (kind == "send") {
    const json& m = j["message"];
    FUZZ_CHECK(m.is_object() && m.contains("janus") && m["janus"].is_string() && m.contains("transaction") &&
                   m["transaction"].is_string(),
               "a send that is not a Janus request: " + text);
    w.unanswered.push_back(m);
  }
  if (kind == "emit") {
    FUZZ_CHECK(in_dictionary({events::kEventGroup, events::kWireGroup, events::kConnectionGroup}, j["eventType"].get<std::string>()),
               "event not in the dictionary: " + text);
    FUZZ_CHECK(events::contains(events::kEmitTypeGroup, j["emitType"].get<std::string>()), text);
    if (j["emitType"] == "error" && j["payload"].contains("type"))
      FUZZ_CHECK(events::contains(events::kErrorTypeGroup, j["payload"]["type"].get<std::string>()), text);
  }
  if (kind == "settle" && j["error"].is_object())
    FUZZ_CHECK(events::contains(events::kErrorTypeGroup, j["error"]["type"].get<std::string>()), text);
}

void drain(World& w) {
  while (auto e = w.session->poll_output()) check_effect(w, *e);
  const auto& entries = w.logger.entries();
  for (const auto& entry : entries) {
    FUZZ_CHECK(in_dictionary({events::kLogEventGroup, events::kWireGroup, events::kConnectionGroup, events::kEventGroup},
                             entry.event),
               "log event not in the dictionary: " + entry.event);
  }
  fuzz::check_serializable(w.session->snapshot(), "snapshot");
  if (w.session->status() == session::room::Status::Disconnected) {
    FUZZ_CHECK(!w.session->poll_timeout(), "a timer is left after the session ended");
    for (const auto& [pc, sim] : w.pcs) FUZZ_CHECK(!sim.open, "a pc is left open after the session ended");
    w.unanswered.clear();
  }
}

void feed(World& w, io::Input input) {
  w.session->handle(input, base::Ms(w.now));
  drain(w);
}

void janus(World& w, const json& message) { feed(w, io::FromTransport{io::TransportId{1}, io::in::TransportMessage{message.dump()}}); }

json event(World& w, std::uint64_t sender, const json& data, const json& req, const json& jsep = nullptr) {
  json m = {{"janus", "event"}, {"session_id", w.session_id}, {"sender", sender},
            {"plugindata", {{"plugin", "janus.plugin.videoroom"}, {"data", data}}}};
  if (req.is_object()) m["transaction"] = req["transaction"];
  if (jsep.is_object()) m["jsep"] = jsep;
  return m;
}

json publisher(std::uint64_t id, bool screen) {
  json streams = {{{"type", "audio"}, {"mindex", 0}, {"mid", "0"}}, {{"type", "video"}, {"mindex", 1}, {"mid", "1"}}};
  if (screen) streams.push_back({{"type", "video"}, {"mindex", 2}, {"mid", "2"}, {"description", "screen"}});
  return {{"id", id}, {"display", "p" + std::to_string(id)}, {"streams", streams}};
}

// Janus's answer to `req`, as janus-gateway sends it.
void answer(World& w, const json& req, std::uint8_t variant, std::uint8_t detail) {
  if (!w.transport_open) return;
  const std::string type = req["janus"];
  if (variant == 4) return;  // dropped: the request times out
  if (variant == 2) {
    static constexpr int kCodes[] = {458, 403, 490, 459};
    janus(w, {{"janus", "error"}, {"transaction", req["transaction"]}, {"session_id", w.session_id},
              {"error", {{"code", kCodes[detail % 4]}, {"reason", "fuzzed"}}}});
    return;
  }
  if (type == "create") {
    w.session_id = ++w.next_id;
    w.publisher_attach_next = true;
    janus(w, {{"janus", "success"}, {"transaction", req["transaction"]}, {"data", {{"id", w.session_id}}}});
  } else if (type == "attach") {
    const std::uint64_t handle = ++w.next_id;
    // The first attach of a session is the publisher's, the next the subscriber's.
    (w.publisher_attach_next ? w.publisher_handle : w.subscriber_handle) = handle;
    w.publisher_attach_next = false;
    janus(w, {{"janus", "success"}, {"transaction", req["transaction"]}, {"session_id", w.session_id}, {"data", {{"id", handle}}}});
  } else if (type == "claim" || type == "detach" || type == "destroy") {
    janus(w, {{"janus", "success"}, {"transaction", req["transaction"]}, {"session_id", w.session_id}});
  } else if (type == "keepalive" || type == "trickle") {
    janus(w, {{"janus", "ack"}, {"transaction", req["transaction"]}, {"session_id", w.session_id}});
  } else if (type == "message") {
    janus(w, {{"janus", "ack"}, {"transaction", req["transaction"]}, {"session_id", w.session_id}});
    if (variant == 1) return;
    const std::uint64_t sender = req["handle_id"];
    const json& body = req["body"];
    const std::string request = body.value("request", "");
    if (variant == 3) {
      static constexpr int kCodes[] = {426, 432, 428, 499};
      janus(w, event(w, sender, {{"videoroom", "event"}, {"error_code", kCodes[detail % 4]}, {"error", "fuzzed"}}, req));
      return;
    }
    if (request == "join" && body.value("ptype", "") == "publisher") {
      janus(w, event(w, sender,
                     {{"videoroom", "joined"}, {"room", kRoom}, {"id", body.contains("id") ? body["id"] : json(77)},
                      {"private_id", 99}, {"publishers", detail % 2 ? json::array({publisher(10 + detail % 4, detail & 2)}) : json::array()}},
                     req));
    } else if (request == "publish" || (request == "configure" && req.contains("jsep"))) {
      janus(w, event(w, sender, {{"videoroom", "event"}, {"room", kRoom}, {"configured", "ok"}}, req,
                     {{"type", "answer"}, {"sdp", "v=0\r\n"}}));
    } else if (request == "join" || request == "subscribe" || request == "unsubscribe" || request == "update") {
      json streams = json::array();
      int mindex = 0;
      for (const char* key : {"streams", "subscribe"}) {
        auto found = body.find(key);
        if (found == body.end() || !found->is_array() || request == "unsubscribe") continue;
        const json* list = &*found;
        for (const auto& s : *list) {
          streams.push_back({{"mindex", mindex}, {"mid", std::to_string(mindex)}, {"type", mindex % 2 ? "video" : "audio"},
                             {"active", true}, {"feed_id", s["feed"]}, {"feed_mid", s.value("mid", "0")}});
          ++mindex;
        }
      }
      janus(w, event(w, sender, {{"videoroom", request == "join" ? "attached" : "updated"}, {"room", kRoom}, {"streams", streams}},
                     req, detail % 3 ? json{{"type", "offer"}, {"sdp", "v=0\r\n"}} : json(nullptr)));
    } else if (request == "start") {
      janus(w, event(w, sender, {{"videoroom", "event"}, {"room", kRoom}, {"started", "ok"}}, req));
    } else if (request == "configure") {
      janus(w, event(w, sender, {{"videoroom", "event"}, {"room", kRoom}, {"configured", "ok"}}, req));
    } else if (request == "leave") {
      janus(w, event(w, sender, {{"videoroom", "event"}, {"room", kRoom}, {"leaving", "ok"}}, req));
    }
  }
}

void pc_complete(World& w, int pc, bool ok) {
  PcSim& sim = w.pcs[pc];
  if (!sim.open || sim.ops.empty()) return;
  const std::string op = sim.ops.front();
  sim.ops.pop_front();
  const bool local = op.starts_with("local:");
  const std::string type = op.substr(op.find(':') + 1);
  io::PcEvent e = io::in::NegotiationNeeded{};
  if (!ok) {
    e = io::in::OperationFailed{local ? "setLocalDescription" : "setRemoteDescription", "OperationError", "fuzzed"};
  } else if (local) {
    e = io::in::LocalDescription{type, "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:1\r\n"};
  } else {
    e = io::in::RemoteDescriptionSet{type};
  }
  feed(w, io::FromPc{io::PcId{pc}, e});
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t header = data[0];
  json options = {{"signalingUrl", "ws://127.0.0.1:8188/"}, {"room", kRoom}, {"display", "fuzz"},
                  {"useSimulcast", (header & 1) != 0}, {"autoReconnect", (header & 2) == 0},
                  {"video", (header & 4) == 0 && (header & 8) == 0}, {"audio", (header & 8) == 0}, {"randomSeed", 3}};
  World w;
  auto made = session::room::make_session(options, w.logger, base::Ms(w.now));
  FUZZ_CHECK(std::holds_alternative<std::unique_ptr<session::room::RoomSession>>(made), "valid options refused");
  w.session = std::move(std::get<std::unique_ptr<session::room::RoomSession>>(made));
  drain(w);

  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  int steps = 0;
  while (!rest.empty() && steps++ < 400) {
    const auto nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    if (line.empty()) continue;
    const char op = line[0];
    const std::string_view payload = line.substr(1);
    auto byte = [&](std::size_t i) -> std::uint8_t { return i < payload.size() ? static_cast<std::uint8_t>(payload[i]) : 0; };
    w.now += 1;
    switch (op) {
      case 'C': feed(w, io::FromApp{io::in::Call{++w.request_id}}); break;
      case 'h': feed(w, io::FromApp{io::in::HangUp{}}); break;
      case 'z': feed(w, io::FromApp{io::in::Destroy{}}); break;
      case 'v': {
        const auto b = byte(0);
        io::in::ChangeDeviceState c;
        if (b & 1) c.is_mute = (b & 2) != 0;
        if (b & 4) c.is_hidden = (b & 8) != 0;
        feed(w, io::FromApp{c});
        break;
      }
      case 'L': {
        auto layer = [](std::uint8_t b) { return b % 4 == 3 ? std::nullopt : std::optional<int>(b % 4); };
        w.session->select_layers(10 + byte(0) % 4, layer(byte(1)), layer(byte(2)), base::Ms(w.now));
        drain(w);
        break;
      }
      case 'o':
        if (!w.transport_opening) break;
        w.transport_opening = false;
        w.transport_open = true;
        w.unanswered.clear();
        feed(w, io::FromTransport{io::TransportId{1}, io::in::TransportOpened{}});
        break;
      case 'l':
        if (!w.transport_open && !w.transport_opening) break;
        w.transport_open = w.transport_opening = false;
        w.unanswered.clear();
        feed(w, io::FromTransport{io::TransportId{1}, io::in::TransportClosed{1006, ""}});
        break;
      case 'm':
        if (!w.transport_open || !fuzz::valid_utf8(payload)) break;
        feed(w, io::FromTransport{io::TransportId{1}, io::in::TransportMessage{std::string(payload)}});
        break;
      case 'a': {
        if (w.unanswered.empty()) break;
        const json req = w.unanswered.front();
        w.unanswered.pop_front();
        answer(w, req, byte(0) % 5, byte(1));
        break;
      }
      case 'p':
        if (w.transport_open && w.publisher_handle)
          janus(w, event(w, w.publisher_handle,
                         {{"videoroom", "event"}, {"room", kRoom}, {"publishers", json::array({publisher(10 + byte(0) % 4, byte(1) % 2)})}},
                         nullptr));
        break;
      case 'u':
      case 'k':
        if (w.transport_open && w.publisher_handle)
          janus(w, event(w, w.publisher_handle,
                         {{"videoroom", "event"}, {"room", kRoom}, {op == 'u' ? "unpublished" : "leaving", 10 + byte(0) % 4}},
                         nullptr));
        break;
      case 'T':
        if (w.transport_open) janus(w, {{"janus", "timeout"}, {"session_id", w.session_id}});
        break;
      case 'd': pc_complete(w, 1 + byte(0) % 2, true); break;
      case 'f': pc_complete(w, 1 + byte(0) % 2, false); break;
      case 'i': {
        const int pc = 1 + byte(0) % 2;
        if (!w.pcs[pc].open) break;
        json c = byte(1) % 2 ? json(nullptr) : json{{"candidate", "candidate:1 1 udp 1 127.0.0.1 9 typ host"}, {"sdpMid", "0"}, {"sdpMLineIndex", 0}};
        feed(w, io::FromPc{io::PcId{pc}, io::in::LocalIceCandidate{c}});
        break;
      }
      case 'M':
        feed(w, io::FromMedia{io::in::MediaAcquired{io::TrackId{w.next_track}, io::TrackId{w.next_track + 1}, "local"}});
        w.next_track += 2;
        break;
      case 'F': feed(w, io::FromMedia{io::in::MediaFailed{"NotAllowedError", "fuzzed", ""}}); break;
      case 't': {
        double ms = 1000;
        if (!payload.empty()) ms = static_cast<double>(byte(0)) * 500;  // up to ~2 min per step
        const double until = w.now + ms;
        for (int guard = 0; guard < 200; ++guard) {
          auto t = w.session->poll_timeout();
          if (!t || t->value > until) break;
          w.now = std::max(w.now, t->value);
          feed(w, io::Timeout{});
        }
        w.now = until;
        break;
      }
      case 'J': {
        auto input = io::decode_input(base::parse_json(payload));
        if (!input) break;
        // Only what a real shell could report: pc inputs from an open pc, transport inputs while open.
        if (auto* p = std::get_if<io::FromPc>(&*input); p && !w.pcs[io::to_int(p->pc)].open) break;
        if (auto* t = std::get_if<io::FromTransport>(&*input); t && (!w.transport_open || t->transport != io::TransportId{1})) break;
        if (std::holds_alternative<io::FromTransport>(*input) &&
            std::holds_alternative<io::in::TransportOpened>(std::get<io::FromTransport>(*input).event))
          break;
        if (std::holds_alternative<io::FromTransport>(*input) &&
            std::holds_alternative<io::in::TransportClosed>(std::get<io::FromTransport>(*input).event)) {
          w.transport_open = false;
          w.unanswered.clear();
        }
        if (auto* t = std::get_if<io::FromTransport>(&*input)) {
          if (auto* m = std::get_if<io::in::TransportMessage>(&t->event); m && !fuzz::valid_utf8(m->text)) break;
        }
        feed(w, *input);
        break;
      }
      default: break;
    }
  }
  return 0;
}
