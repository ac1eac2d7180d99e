// Core throughput (issue 5, item 2): signaling inputs processed per second by the C++ core,
// natively. A whole consultation call (doctor + client, portal-owned sockets wired in memory,
// the browser simulated as js/rtc-core.js reports it: media, negotiationneeded, offer/answer with a real-sized Chrome SDP, 5 ICE candidates
// per side, state changes, tracks, a mute, hang up) is recorded once as the ordered list of
// inputs each side receives, then replayed N times on fresh sessions:
//  - "decoded": inputs as session::Input values: handle() + poll_output() (the state machine);
//  - "json": each input as the JSON text the JS shell sends: parse → decode_input → handle →
//    outputs dumped as a JSON array, i.e. what bindings/bindings.cpp does per call, minus the
//    JS⇄wasm crossing;
//  - "noop": a stale timerFired input (no state change, no output) through the "json" path,
//    the floor of one input.
// `--dump FILE` writes the recorded call as JSON ({doctorParams, clientParams, inputs: [{side,
// input}]}) for bench/throughput.mjs, which replays the same inputs through the wasm module.
// Build: cmake -S . -B build/bench-native -DCMAKE_BUILD_TYPE=Release -DCALLCORE_BENCH=ON
//        -DCALLCORE_TESTS=OFF && cmake --build build/bench-native --target core_throughput
// Run:   build/bench-native/core_throughput [--iterations N] [--dump FILE]   (prints JSON)
#include <chrono>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "callcore/log/logger.hpp"
#include "callcore/session/consultation.hpp"
#include "callcore/session/io.hpp"

namespace {

using nlohmann::json;
using namespace callcore;
using Clock = std::chrono::steady_clock;

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
  session::ConsultationSession sides[2] = {
      {session::Role::Doctor, std::get<session::Params>(session::parse_params(doctor_params())), logger, 0},
      {session::Role::Client, std::get<session::Params>(session::parse_params(client_params())), logger, 0}};
  std::deque<Step> queue;
  std::vector<Step> steps;
  bool local_done[2] = {false, false}, remote_done[2] = {false, false}, connected[2] = {false, false};
  int ended_inputs = 0;
  auto push = [&](int side, json input) { queue.push_back({side, std::move(input)}); };
  auto maybe_connect = [&](int side) {
    if (!local_done[side] || !remote_done[side] || connected[side]) return;
    connected[side] = true;
    push(side, {{"kind", "peerStateChange"}, {"event", "iceconnectionstatechange"}, {"state", "checking"}});
    push(side, {{"kind", "peerStateChange"}, {"event", "connectionstatechange"}, {"state", "connecting"}});
    push(side, {{"kind", "peerStateChange"}, {"event", "iceconnectionstatechange"}, {"state", "connected"}});
    push(side, {{"kind", "peerStateChange"}, {"event", "connectionstatechange"}, {"state", "connected"}});
    push(side, {{"kind", "dataChannelState"}, {"state", "open"}});
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
    sides[me].handle(*session::decode_input(step.input), now);
    while (auto out = sides[me].poll_output()) {
      const std::string& kind = out->kind;
      const json& data = out->data;
      if (kind == "send") {
        const json& m = data["message"];
        const json& type = m.contains("type") ? m["type"] : m["data"]["type"];
        push(other, {{"kind", "signalingMessage"}, {"text", json{{"type", type}, {"data", m["data"]}}.dump()}});
      } else if (kind == "acquireMedia") {
        push(me, {{"kind", "mediaAcquired"}, {"hasAudio", true}, {"hasVideo", true}, {"streamId", me == 0 ? "stream-doc" : "stream-cli"}});
      } else if (kind == "createPeerConnection") {
        push(me, {{"kind", "negotiationNeeded"}});  // the browser fires it after addTrack
      } else if (kind == "setLocalDescription") {
        const std::string type = data["type"];
        push(me, {{"kind", "peerStateChange"}, {"event", "signalingstatechange"},
                  {"state", type == "offer" ? "have-local-offer" : "stable"}});
        push(me, {{"kind", "localDescription"}, {"type", type}, {"sdp", sdp(type)}});
        push(me, {{"kind", "peerStateChange"}, {"event", "icegatheringstatechange"}, {"state", "gathering"}});
        for (int i = 0; i < 5; ++i) push(me, {{"kind", "localIceCandidate"}, {"candidate", candidate(i, me == 0 ? "Xk3t" : "Yq9w")}});
        push(me, {{"kind", "localIceCandidate"}, {"candidate", nullptr}});
        push(me, {{"kind", "peerStateChange"}, {"event", "icegatheringstatechange"}, {"state", "complete"}});
        local_done[me] = true;
        maybe_connect(me);
      } else if (kind == "setRemoteDescription") {
        const std::string type = data["description"]["type"];
        push(me, {{"kind", "peerStateChange"}, {"event", "signalingstatechange"},
                  {"state", type == "offer" ? "have-remote-offer" : "stable"}});
        push(me, {{"kind", "remoteDescriptionSet"}, {"type", type}});
        push(me, {{"kind", "remoteTrack"}, {"trackKind", "audio"}, {"streamId", me == 0 ? "stream-cli" : "stream-doc"}});
        push(me, {{"kind", "remoteTrack"}, {"trackKind", "video"}, {"streamId", me == 0 ? "stream-cli" : "stream-doc"}});
        remote_done[me] = true;
        maybe_connect(me);
      } else if (kind == "emit" && me == 1 && data["eventType"] == "enterEvent") {
        push(1, {{"kind", "call"}, {"requestId", 1}});  // the client answers on EVENT_LIST.ENTER
      } else if (kind == "closePeerConnection") {
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
  double seconds = 0;
  long inputs = 0;
  long outputs = 0;
};

json result_json(const Result& r) {
  return {{"inputs", r.inputs},
          {"outputs", r.outputs},
          {"seconds", r.seconds},
          {"inputsPerSecond", r.inputs / r.seconds},
          {"nsPerInput", r.seconds * 1e9 / r.inputs}};
}

// Replays the call `iterations` times; `json_path` feeds each input as text and dumps outputs.
Result replay(const std::vector<Step>& steps, int iterations, bool json_path) {
  const json params[2] = {doctor_params(), client_params()};
  std::vector<std::pair<int, session::Input>> decoded;
  std::vector<std::pair<int, std::string>> texts;
  for (const auto& s : steps) {
    decoded.emplace_back(s.side, *session::decode_input(s.input));
    texts.emplace_back(s.side, s.input.dump());
  }
  log::Logger logger(1000);  // the page logger of the wasm module has 1000 entries too
  Result r;
  std::size_t sink = 0;
  const auto start = Clock::now();
  for (int it = 0; it < iterations; ++it) {
    double now = 1000;
    session::ConsultationSession sides[2] = {
        {session::Role::Doctor, std::get<session::Params>(session::parse_params(params[0])), logger, now},
        {session::Role::Client, std::get<session::Params>(session::parse_params(params[1])), logger, now}};
    for (std::size_t i = 0; i < steps.size(); ++i) {
      now += 1;
      if (json_path) {
        auto input = session::decode_input(json::parse(texts[i].second, nullptr, false));
        auto& side = sides[texts[i].first];
        side.handle(*input, now);
        json out = json::array();
        while (auto o = side.poll_output()) out.push_back({{"kind", std::move(o->kind)}, {"data", std::move(o->data)}});
        r.outputs += static_cast<long>(out.size());
        sink += out.dump().size();
      } else {
        auto& side = sides[decoded[i].first];
        side.handle(decoded[i].second, now);
        while (auto o = side.poll_output()) {
          ++r.outputs;
          sink += o->kind.size();
        }
      }
      ++r.inputs;
    }
  }
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (sink == 42) std::puts("");  // keeps the work observable
  return r;
}

// A stale timer expiry through the JSON path: the cost of one input that changes nothing.
Result noop(int count) {
  log::Logger logger(1000);
  session::ConsultationSession s(session::Role::Doctor, std::get<session::Params>(session::parse_params(doctor_params())),
                                 logger, 0);
  const std::string text = R"({"kind":"timerFired","id":99})";
  Result r;
  std::size_t sink = 0;
  const auto start = Clock::now();
  for (int i = 0; i < count; ++i) {
    auto input = session::decode_input(json::parse(text, nullptr, false));
    s.handle(*input, i);
    json out = json::array();
    while (auto o = s.poll_output()) out.push_back({{"kind", std::move(o->kind)}, {"data", std::move(o->data)}});
    sink += out.dump().size();
    ++r.inputs;
  }
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
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
  const auto steps = record_call();
  if (dump) {
    json inputs = json::array();
    for (const auto& s : steps) inputs.push_back({{"side", s.side == 0 ? "doctor" : "client"}, {"input", s.input}});
    std::ofstream(dump) << json{{"doctorParams", doctor_params()}, {"clientParams", client_params()}, {"inputs", inputs}}.dump();
  }
  replay(steps, iterations / 10 + 1, false);  // warm-up
  const Result decoded = replay(steps, iterations, false);
  const Result viajson = replay(steps, iterations, true);
  const Result floor = noop(iterations * static_cast<int>(steps.size()));
  std::printf("%s\n", json{{"inputsPerCall", steps.size()},
                            {"iterations", iterations},
                            {"decoded", result_json(decoded)},
                            {"json", result_json(viajson)},
                            {"noop", result_json(floor)}}
                          .dump()
                          .c_str());
  return 0;
}
