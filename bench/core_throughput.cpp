// Core throughput (issue 5, item 2): signaling inputs processed per second by the C++ core,
// natively. A whole consultation call (doctor + client, portal-owned sockets wired in memory,
// the browser simulated as js/shell/ reports it: media with TrackIds, negotiationneeded,
// offer/answer with a real-sized Chrome SDP, 5 ICE candidates per side, state changes, tracks,
// a mute, hang up) is recorded once as the ordered list of inputs each side receives, then
// replayed N times on fresh sessions:
//  - "decoded": inputs as io::Input values: handle() + poll_output() (the state machine);
//  - "json": each input as the JSON text the JS shell sends: parse → io::decode_input →
//    handle → effects io::encode'd into a JSON array and dumped, and poll_timeout(), i.e. what
//    bindings/bindings.cpp does per input, minus the JS⇄wasm crossing;
//  - "recorded": the "json" path as bindings/bindings.cpp now runs it, through io::JsonSession
//    with the page's flight recorder (every input and its outputs recorded, redacted);
//  - "noop": a `timeout` input with no timer due (no state change, no effect) through the
//    "json" path, the floor of one input.
// `--dump FILE` writes the recorded call as JSON ({doctorParams, clientParams, inputs: [{side,
// input}]}, inputs as io/codec.hpp's `{kind, ...}`) for bench/throughput.mjs, which replays the
// same inputs through the wasm module.
// Build: cmake -S . -B build/bench-native -DCMAKE_BUILD_TYPE=Release -DCALLCORE_BENCH=ON
//        -DCALLCORE_TESTS=OFF && cmake --build build/bench-native --target core_throughput
// Run:   build/bench-native/core_throughput [--iterations N] [--dump FILE]   (prints JSON:
//        per path inputs, effects ("outputs"), wall seconds, CPU seconds, inputs/s and ns/input by
//        the wall clock, and ns/input of CPU time)
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "callcore/base/json.hpp"
#include "callcore/io/codec.hpp"
#include "callcore/io/json_session.hpp"
#include "callcore/log/recorder.hpp"
#include "callcore/log/logger.hpp"
#include "callcore/session/consultation/session.hpp"

namespace {

using nlohmann::json;
using namespace callcore;
using session::consultation::ConsultationSession;
using Clock = std::chrono::steady_clock;

// CPU time of this process, in seconds: on a shared machine the wall clock also counts the time
// other processes ran, so the figures carry both.
double cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

json doctor_params() {
  return {{"name", "Dr House"},
          {"clientId", "doc-1"},
          {"connectionId", "conn-doc"},
          {"consultationId", "cons-1"},
          {"doctor", {{"avatarId", "a1"}, {"fullName", "Gregory House"}, {"specialityName", "Diagnostics"}}},
          {"isAudio", false},
          {"hasSend", true}};
}

json client_params() {
  return {{"name", "Alice"}, {"clientId", "cli-1"}, {"connectionId", "conn-cli"},
          {"consultationId", "cons-1"}, {"isAudio", false}, {"hasSend", true}};
}

// A fresh session of side 0 (doctor) or 1 (client); the params are the bench's own, so a
// refusal is a bug here: exit.
std::unique_ptr<ConsultationSession> make(int side, log::Logger& logger, double now) {
  auto made = session::consultation::make_session(side == 0 ? "doctor" : "client", side == 0 ? doctor_params() : client_params(),
                                                  logger, base::Ms(now));
  if (auto* err = std::get_if<errors::CallError>(&made)) {
    std::fprintf(stderr, "core_throughput: params refused: %s\n", err->description.c_str());
    std::exit(1);
  }
  return std::move(std::get<std::unique_ptr<ConsultationSession>>(made));
}

// A Chrome-sized audio+video SDP (~3.5 KB): the logger redacts it, the codec carries it.
std::string sdp(const std::string& type) {
  std::string s =
      "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\n"
      "a=extmap-allow-mixed\r\na=msid-semantic: WMS stream\r\n";
  for (const char* media : {"audio", "video"}) {
    const bool audio = std::strcmp(media, "audio") == 0;
    s += std::string("m=") + media + (audio ? " 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126\r\n"
                                            : " 9 UDP/TLS/RTP/SAVPF 96 97 102 103 104 105 106 107 108 109 127 125 39 40 45 46\r\n");
    s += "c=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\na=ice-ufrag:Xk3t\r\n"
         "a=ice-pwd:8c3cRcaKPKSGFpU6tTgQkV0n\r\na=ice-options:trickle\r\n"
         "a=fingerprint:sha-256 5B:1F:6C:2F:4E:0D:73:9A:41:88:2C:BE:17:93:AA:5E:04:61:DB:7F:31:2A:C6:58:93:0E:4B:77:12:CD:EF:09\r\n";
    s += std::string("a=setup:") + (type == "offer" ? "actpass" : "active") + "\r\n";
    s += std::string("a=mid:") + (audio ? "0" : "1") + "\r\n";
    s += "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
         "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n"
         "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"
         "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\na=sendrecv\r\na=msid:stream track-";
    s += media;
    s += "\r\na=rtcp-mux\r\na=rtcp-rsize\r\n";
    if (audio) {
      s += "a=rtpmap:111 opus/48000/2\r\na=rtcp-fb:111 transport-cc\r\na=fmtp:111 minptime=10;useinbandfec=1\r\n"
           "a=rtpmap:63 red/48000/2\r\na=fmtp:63 111/111\r\na=rtpmap:9 G722/8000\r\na=rtpmap:0 PCMU/8000\r\n"
           "a=rtpmap:8 PCMA/8000\r\na=rtpmap:13 CN/8000\r\na=rtpmap:110 telephone-event/48000\r\n"
           "a=rtpmap:126 telephone-event/8000\r\na=ssrc:1001 cname:abcdEFGHijklMNOP\r\n";
    } else {
      for (int pt : {96, 98, 100, 102, 104, 106, 108}) {
        s += "a=rtpmap:" + std::to_string(pt) + (pt == 96 ? " VP8/90000\r\n" : pt < 104 ? " VP9/90000\r\n" : " H264/90000\r\n");
        for (const char* fb : {"goog-remb", "transport-cc", "ccm fir", "nack", "nack pli"})
          s += "a=rtcp-fb:" + std::to_string(pt) + " " + fb + "\r\n";
        s += "a=rtpmap:" + std::to_string(pt + 1) + " rtx/90000\r\na=fmtp:" + std::to_string(pt + 1) +
             " apt=" + std::to_string(pt) + "\r\n";
      }
      s += "a=ssrc-group:FID 2001 2002\r\na=ssrc:2001 cname:abcdEFGHijklMNOP\r\na=ssrc:2002 cname:abcdEFGHijklMNOP\r\n";
    }
  }
  return s;
}

json candidate(int i, const std::string& ufrag) {
  return {{"candidate", "candidate:" + std::to_string(1000 + i) + " 1 udp 2122260223 127.0.0.1 " +
                            std::to_string(50000 + i) + " typ host generation 0 ufrag " + ufrag + " network-id 1"},
          {"sdpMid", i % 2 == 0 ? "0" : "1"},
          {"sdpMLineIndex", i % 2},
          {"usernameFragment", ufrag}};
}

struct Step {
  int side;    // 0 doctor, 1 client
  json input;  // {kind, ...} as the JS shell sends it
};

// Runs one call with a simulated shell and browser; returns every input in the order fed.
std::vector<Step> record_call() {
  log::Logger logger(1000);
  std::unique_ptr<ConsultationSession> sides[2] = {make(0, logger, 0), make(1, logger, 0)};
  std::deque<Step> queue;
  std::vector<Step> steps;
  bool local_done[2] = {false, false}, remote_done[2] = {false, false}, connected[2] = {false, false};
  int ended_inputs = 0;
  auto push = [&](int side, json input) { queue.push_back({side, std::move(input)}); };
  auto pc = [&](int side, json input) {  // a peer connection input: the consultation's pc 1
    input["pc"] = 1;
    push(side, std::move(input));
  };
  auto maybe_connect = [&](int side) {
    if (!local_done[side] || !remote_done[side] || connected[side]) return;
    connected[side] = true;
    pc(side, {{"kind", "peerStateChange"}, {"event", "iceconnectionstatechange"}, {"state", "checking"}});
    pc(side, {{"kind", "peerStateChange"}, {"event", "connectionstatechange"}, {"state", "connecting"}});
    pc(side, {{"kind", "peerStateChange"}, {"event", "iceconnectionstatechange"}, {"state", "connected"}});
    pc(side, {{"kind", "peerStateChange"}, {"event", "connectionstatechange"}, {"state", "connected"}});
    pc(side, {{"kind", "dataChannelState"}, {"state", "open"}});
    if (side == 0) {  // the doctor mutes once the call is up, then hangs up
      push(0, {{"kind", "changeDeviceState"}, {"isMute", true}});
      push(0, {{"kind", "hangUp"}});
    }
  };
  push(0, {{"kind", "call"}, {"requestId", 1}});
  double now = 1000;
  while (!queue.empty()) {
    Step step = std::move(queue.front());
    queue.pop_front();
    const int me = step.side, other = 1 - step.side;
    steps.push_back(step);
    now += 1;
    const auto input = io::decode_input(step.input);
    if (!input) {
      std::fprintf(stderr, "core_throughput: the recorded input %s does not decode\n", step.input.dump().c_str());
      std::exit(1);
    }
    sides[me]->handle(*input, base::Ms(now));
    while (auto effect = sides[me]->poll_output()) {
      const json out = io::encode(*effect);  // as the shell receives it
      const std::string kind = out["kind"];
      if (kind == "send") {
        const json& m = out["message"];
        const json& type = m.contains("type") ? m["type"] : m["data"]["type"];
        push(other, {{"kind", "transportMessage"}, {"transport", 1}, {"text", json{{"type", type}, {"data", m["data"]}}.dump()}});
      } else if (kind == "acquireMedia") {
        // js/shell/media.js: the stream's tracks get TrackIds 1 (audio) and 2 (video).
        push(me, {{"kind", "mediaAcquired"}, {"audio", 1}, {"video", 2}, {"streamId", me == 0 ? "stream-doc" : "stream-cli"}});
      } else if (kind == "createPc") {
        pc(me, {{"kind", "negotiationNeeded"}});  // the browser fires it after addTrack
      } else if (kind == "setLocalDescription") {
        const std::string type = out["type"];
        pc(me, {{"kind", "peerStateChange"}, {"event", "signalingstatechange"},
                {"state", type == "offer" ? "have-local-offer" : "stable"}});
        pc(me, {{"kind", "localDescription"}, {"type", type}, {"sdp", sdp(type)}});
        pc(me, {{"kind", "peerStateChange"}, {"event", "icegatheringstatechange"}, {"state", "gathering"}});
        for (int i = 0; i < 5; ++i) pc(me, {{"kind", "localIceCandidate"}, {"candidate", candidate(i, me == 0 ? "Xk3t" : "Yq9w")}});
        pc(me, {{"kind", "localIceCandidate"}, {"candidate", nullptr}});
        pc(me, {{"kind", "peerStateChange"}, {"event", "icegatheringstatechange"}, {"state", "complete"}});
        local_done[me] = true;
        maybe_connect(me);
      } else if (kind == "setRemoteDescription") {
        const std::string type = out["description"]["type"];
        pc(me, {{"kind", "peerStateChange"}, {"event", "signalingstatechange"},
                {"state", type == "offer" ? "have-remote-offer" : "stable"}});
        pc(me, {{"kind", "remoteDescriptionSet"}, {"type", type}});
        pc(me, {{"kind", "remoteTrack"}, {"trackKind", "audio"}, {"streamId", me == 0 ? "stream-cli" : "stream-doc"}});
        pc(me, {{"kind", "remoteTrack"}, {"trackKind", "video"}, {"streamId", me == 0 ? "stream-cli" : "stream-doc"}});
        remote_done[me] = true;
        maybe_connect(me);
      } else if (kind == "emit" && me == 1 && out["eventType"] == "enterEvent") {
        push(1, {{"kind", "call"}, {"requestId", 1}});  // the client answers on EVENT_LIST.ENTER
      } else if (kind == "closePc") {
        ++ended_inputs;
      }
    }
  }
  if (ended_inputs != 2) {
    std::fprintf(stderr, "core_throughput: the recorded call did not end on both sides (%d)\n", ended_inputs);
    std::exit(1);
  }
  return steps;
}

struct Result {
  double seconds = 0;      // wall clock
  double cpu_seconds = 0;  // this process's CPU time
  long inputs = 0;
  long outputs = 0;
};

// inputs/s and ns/input by the wall clock (as before), and ns/input of CPU time.
json result_json(const Result& r) {
  return {{"inputs", r.inputs},
          {"outputs", r.outputs},
          {"seconds", r.seconds},
          {"cpuSeconds", r.cpu_seconds},
          {"inputsPerSecond", r.inputs / r.seconds},
          {"nsPerInput", r.seconds * 1e9 / r.inputs},
          {"cpuNsPerInput", r.cpu_seconds * 1e9 / r.inputs}};
}

// What bindings.cpp does with one input text: decode, handle, the effects as a JSON array
// text, and the next deadline the shell arms its timer at. Returns the number of effects.
long handle_text(ConsultationSession& s, const std::string& text, double now, std::size_t& sink) {
  const auto input = io::decode_input(base::parse_json(text));
  if (!input) return 0;
  s.handle(*input, base::Ms(now));
  json out = json::array();
  while (auto e = s.poll_output()) out.push_back(io::encode(*e));
  sink += base::json_text(out).size();
  const auto deadline = s.poll_timeout();
  sink += deadline ? 1 : 0;
  return static_cast<long>(out.size());
}

// Replays the call `iterations` times; `json_path` feeds each input as text and dumps outputs.
Result replay(const std::vector<Step>& steps, int iterations, bool json_path) {
  std::vector<std::pair<int, io::Input>> decoded;
  std::vector<std::pair<int, std::string>> texts;
  for (const auto& s : steps) {
    decoded.emplace_back(s.side, *io::decode_input(s.input));
    texts.emplace_back(s.side, s.input.dump());
  }
  log::Logger logger(1000);  // the page logger of the wasm module has 1000 entries too
  Result r;
  std::size_t sink = 0;
  const auto start = Clock::now();
  const double cpu_start = cpu_seconds();
  for (int it = 0; it < iterations; ++it) {
    double now = 1000;
    std::unique_ptr<ConsultationSession> sides[2] = {make(0, logger, now), make(1, logger, now)};
    for (std::size_t i = 0; i < steps.size(); ++i) {
      now += 1;
      if (json_path) {
        r.outputs += handle_text(*sides[texts[i].first], texts[i].second, now, sink);
      } else {
        auto& side = *sides[decoded[i].first];
        side.handle(decoded[i].second, base::Ms(now));
        while (auto o = side.poll_output()) {
          ++r.outputs;
          sink += o->index();
        }
      }
      ++r.inputs;
    }
  }
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  r.cpu_seconds = cpu_seconds() - cpu_start;
  if (sink == 42) std::puts("");  // keeps the work observable
  return r;
}

// The bindings' own path (io::JsonSession with the page's flight recorder, log/recorder.hpp):
// "json" plus the recording of every input and its outputs, redacted, in a 4 MiB recorder whose
// ended sessions are evicted as the replays fill it.
Result replay_recorded(const std::vector<Step>& steps, int iterations) {
  using Json = io::JsonSession<ConsultationSession, &session::consultation::make_session>;
  std::vector<std::pair<int, std::string>> texts;
  for (const auto& s : steps) texts.emplace_back(s.side, s.input.dump());
  const std::string params[2] = {doctor_params().dump(), client_params().dump()};
  log::Logger logger(1000);
  log::Recorder recorder;
  Result r;
  std::size_t sink = 0;
  const auto start = Clock::now();
  const double cpu_start = cpu_seconds();
  for (int it = 0; it < iterations; ++it) {
    double now = 1000;
    Json doctor("consultation", "doctor", params[0], now, logger, &recorder);
    Json client("consultation", "client", params[1], now, logger, &recorder);
    Json* sides[2] = {&doctor, &client};
    for (auto* side : sides) sink += side->drain(now).size();
    for (std::size_t i = 0; i < steps.size(); ++i) {
      now += 1;
      sink += sides[texts[i].first]->handle(texts[i].second, now).size();
      sink += sides[texts[i].first]->timeout() > 0 ? 1 : 0;
      ++r.inputs;
    }
  }
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  r.cpu_seconds = cpu_seconds() - cpu_start;
  if (sink == 42) std::puts("");
  return r;
}

// A timeout with no timer due through the JSON path: the cost of one input that changes nothing.
Result noop(int count) {
  log::Logger logger(1000);
  auto s = make(0, logger, 0);
  while (s->poll_output()) {
  }
  const std::string text = R"({"kind":"timeout"})";
  Result r;
  std::size_t sink = 0;
  const auto start = Clock::now();
  const double cpu_start = cpu_seconds();
  for (int i = 0; i < count; ++i) {
    r.outputs += handle_text(*s, text, i, sink);
    ++r.inputs;
  }
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  r.cpu_seconds = cpu_seconds() - cpu_start;
  if (r.outputs != 0) {
    std::fprintf(stderr, "core_throughput: the no-op timeout produced %ld effects\n", r.outputs);
    std::exit(1);
  }
  if (sink == 42) std::puts("");
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  int iterations = 2000;
  const char* dump = nullptr;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--iterations") == 0 && i + 1 < argc) iterations = std::atoi(argv[++i]);
    else if (std::strcmp(argv[i], "--dump") == 0 && i + 1 < argc) dump = argv[++i];
    else {
      std::fprintf(stderr, "usage: core_throughput [--iterations N] [--dump FILE]\n");
      return 2;
    }
  }
  if (iterations < 1) {
    std::fprintf(stderr, "core_throughput: --iterations must be a positive integer\n");
    return 2;
  }
  const auto steps = record_call();
  if (dump) {
    json inputs = json::array();
    for (const auto& s : steps) inputs.push_back({{"side", s.side == 0 ? "doctor" : "client"}, {"input", s.input}});
    std::ofstream file(dump);
    file << json{{"doctorParams", doctor_params()}, {"clientParams", client_params()}, {"inputs", inputs}}.dump();
    if (!file.flush()) {
      std::fprintf(stderr, "core_throughput: cannot write %s\n", dump);
      return 1;
    }
  }
  replay(steps, iterations / 10 + 1, false);  // warm-up
  const Result decoded = replay(steps, iterations, false);
  const Result viajson = replay(steps, iterations, true);
  Result recorded = replay_recorded(steps, iterations);
  recorded.outputs = viajson.outputs;  // the same inputs, the same outputs (not re-parsed to count them)
  const Result floor = noop(iterations * static_cast<int>(steps.size()));
  std::printf("%s\n", json{{"inputsPerCall", steps.size()},
                            {"iterations", iterations},
                            {"decoded", result_json(decoded)},
                            {"json", result_json(viajson)},
                            {"recorded", result_json(recorded)},
                            {"noop", result_json(floor)}}
                          .dump()
                          .c_str());
  return 0;
}
