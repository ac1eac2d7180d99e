// The flight recorder (log/recorder.hpp) and its replay (tools/replay.hpp): a session driven
// through the JSON boundary is recorded, bounded and redacted, and a fresh core replays the
// recording with identical outputs; a tampered recording is caught at the step that changed.
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "callcore/io/codec.hpp"
#include "callcore/io/json_session.hpp"
#include "callcore/io/recording.hpp"
#include "callcore/log/logger.hpp"
#include "callcore/log/recorder.hpp"
#include "callcore/session/consultation/session.hpp"
#include "stats_fixtures.hpp"
#include "tools/replay.hpp"

using nlohmann::json;
using namespace callcore;
using Consultation = io::JsonSession<session::consultation::ConsultationSession, &session::consultation::make_session>;

namespace {

const std::string kSdp =
    "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
    "a=ice-ufrag:abcd\r\na=ice-pwd:SECRETPWDSECRETPWD12\r\na=mid:0\r\na=sendrecv\r\n";

std::string doctor_params(const std::string& url) {
  return json{{"name", "Dr"},           {"clientId", "doc-1"},  {"consultationId", "c-1"}, {"isAudio", true},
              {"signalingUrl", url},    {"randomSeed", 42},     {"token", "TOKEN-SECRET"}}
      .dump();
}

// A doctor call nobody answers, with the session's outputs answered as the shell would: socket
// open, joined, call(), media, a local offer; then the enter timeout, an input that does not
// decode and a hang-up. Returns the recorder's JSON.
json record_a_call(log::Recorder& recorder) {
  log::Logger logger(100);
  double t = 1'000'000;
  {
    Consultation doctor("consultation", "doctor", doctor_params("wss://sig.example/ws?token=URLSECRET"), t, logger,
                        &recorder);
    REQUIRE(doctor.error().empty());
    doctor.drain(t);
    doctor.handle(R"({"kind":"transportOpened","transport":1})", t += 5);
    doctor.handle(json{{"kind", "transportMessage"},
                       {"transport", 1},
                       {"text", json{{"type", "joined"},
                                     {"data", {{"connectionId", "conn-doc"}, {"members", json::array()}}}}
                                    .dump()}}
                      .dump(),
                  t += 7);
    doctor.handle(R"({"kind":"call","requestId":1})", t += 3);
    doctor.handle(R"({"kind":"mediaAcquired","audio":1,"video":null,"streamId":"s-local"})", t += 20);
    doctor.handle(R"({"kind":"negotiationNeeded","pc":1})", t += 2);
    doctor.handle(json{{"kind", "localDescription"}, {"pc", 1}, {"type", "offer"}, {"sdp", kSdp}}.dump(), t += 4);
    REQUIRE(doctor.timeout() > t);  // the enter timeout: nobody answers this doctor
    doctor.handle(R"({"kind":"timeout"})", t = doctor.timeout());
    doctor.handle("{not json", t += 1);
    doctor.handle(R"({"kind":"hangUp"})", t += 50);
  }  // deleted, as the shell deletes it after destroy()
  return recorder.to_json();
}

}  // namespace

TEST_CASE("a recorded session replays in a fresh core with identical outputs", "[recorder]") {
  log::Recorder recorder;
  const json rec = record_a_call(recorder);
  REQUIRE(rec["sessions"].size() == 1);
  const json& s = rec["sessions"][0];
  CHECK(s["kind"] == "consultation");
  CHECK(s["role"] == "doctor");
  CHECK(s["ended"] == true);  // the JsonSession went out of scope
  CHECK(s["truncated"] == false);
  CHECK(s["steps"].size() >= 9);

  // Secrets never reach the recording: params, inputs and outputs are redacted.
  const std::string text = rec.dump();
  CHECK(text.find("TOKEN-SECRET") == std::string::npos);
  CHECK(text.find("URLSECRET") == std::string::npos);
  CHECK(text.find("SECRETPWD") == std::string::npos);
  CHECK(s["params"]["randomSeed"] == 42);  // what makes the replay deterministic is kept

  std::ostringstream timeline;
  const auto result = tools::replay(json{{"recording", rec}}, &timeline);
  INFO(timeline.str());
  REQUIRE(result.error.empty());
  REQUIRE(result.sessions.size() == 1);
  CHECK(result.sessions[0].steps == s["steps"].size());
  CHECK(result.sessions[0].identical == result.sessions[0].steps);
  CHECK(result.ok());
  CHECK(timeline.str().find("emit callStateEvent") != std::string::npos);
  CHECK(timeline.str().find("send enter") != std::string::npos);
  CHECK(timeline.str().find("settle(error: enter)") != std::string::npos);
}

TEST_CASE("a session with getToken replays identically: hasGetToken survives redaction", "[recorder]") {
  // Found by the e2e replay of a real Chromium call (tests/e2e/logger.test.js): the page passes
  // hasGetToken: true, the core asks the shell for a token (requestToken) before it joins; the
  // export redacted the boolean to "[redacted]", so the replay joined at once and differed.
  log::Recorder recorder;
  log::Logger logger(100);
  double t = 2'000'000;
  {
    json params = json::parse(doctor_params("wss://sig.example/ws"));
    params.erase("token");
    params["hasGetToken"] = true;
    Consultation doctor("consultation", "doctor", params.dump(), t, logger, &recorder);
    REQUIRE(doctor.error().empty());
    doctor.drain(t);
    const json opened = json::parse(doctor.handle(R"({"kind":"transportOpened","transport":1})", t += 5));
    REQUIRE(opened.dump().find("requestToken") != std::string::npos);
    doctor.handle(R"({"kind":"tokenProvided","transport":1,"token":"JWT-SECRET"})", t += 9);
    doctor.handle(R"({"kind":"hangUp"})", t += 50);
  }
  const json rec = recorder.to_json();
  CHECK(rec.dump().find("JWT-SECRET") == std::string::npos);
  CHECK(rec["sessions"][0]["params"]["hasGetToken"] == true);
  std::ostringstream timeline;
  const auto result = tools::replay(rec, &timeline);
  INFO(timeline.str());
  CHECK(result.ok());
  CHECK(timeline.str().find("requestToken") != std::string::npos);
}

TEST_CASE("a replay names the first step whose outputs differ from the recording", "[recorder]") {
  log::Recorder recorder;
  json rec = record_a_call(recorder);
  // The recorded call() becomes a hangUp: from that step on the core decides otherwise.
  auto& steps = rec["sessions"][0]["steps"];
  std::size_t changed = 0;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    if (steps[i]["in"].is_object() && steps[i]["in"].value("kind", "") == "call") {
      steps[i]["in"] = {{"kind", "hangUp"}};
      changed = i + 1;
      break;
    }
  }
  REQUIRE(changed > 0);
  const auto result = tools::replay(rec, nullptr);
  REQUIRE(result.sessions.size() == 1);
  CHECK_FALSE(result.ok());
  CHECK(result.sessions[0].first_difference.rfind(fmt::format("step {} ", changed), 0) == 0);
}

TEST_CASE("the recording is bounded: ended sessions go first, a live one is truncated", "[recorder]") {
  log::Recorder recorder(20'000);
  record_a_call(recorder);  // ended
  const auto first = recorder.to_json()["sessions"][0]["id"];
  {
      log::Logger logger(10);
      Consultation live("consultation", "doctor", doctor_params("wss://x/ws"), 0, logger, &recorder);
      live.drain(0);
      // Big inputs until the recorder is full: the ended session is dropped to make room, then
      // the live one is truncated (its first steps kept).
      const std::string big(4000, 'x');
      for (int i = 0; i < 20; ++i)
        live.handle(json{{"kind", "transportMessage"}, {"transport", 1}, {"text", big}}.dump(), i + 1.0);
      const json rec = recorder.to_json();
      REQUIRE(rec["sessions"].size() == 1);
      CHECK(rec["sessions"][0]["id"] != first);
      CHECK(rec["droppedSessions"] == 1);
      CHECK(rec["sessions"][0]["truncated"] == true);
      CHECK(rec["bytes"].get<std::size_t>() <= 20'000);
      CHECK(rec["sessions"][0]["steps"].size() < 21);
      // A truncated recording still replays the steps it kept.
      const auto result = tools::replay(rec, nullptr);
      CHECK(result.sessions[0].truncated);
      CHECK(result.sessions[0].identical == result.sessions[0].steps);
    }
    // clear() drops ended sessions only.
    recorder.clear();
    CHECK(recorder.to_json()["sessions"].empty());
  }

  TEST_CASE("a report without a recording is an error, not a crash", "[recorder]") {
    CHECK_FALSE(tools::replay(json::array(), nullptr).error.empty());
    CHECK_FALSE(tools::replay(json{{"recording", 5}}, nullptr).error.empty());
    const auto unknown = tools::replay(json{{"sessions", {{{"id", 1}, {"kind", "pager"}}}}}, nullptr);
    REQUIRE(unknown.sessions.size() == 1);
    CHECK_FALSE(unknown.ok());
  }

TEST_CASE("encode_input is the inverse of decode_input for every input kind", "[recorder][io]") {
  // fuzz_session writes what it fed as a flight recording (CALLCORE_FUZZ_RECORD) through
  // encode_input: the replay decodes it again, so the round trip must lose nothing.
  const json candidate = {{"candidate", "candidate:1 1 udp 2122194687 127.0.0.1 36486 typ host"},
                          {"sdpMLineIndex", 0}, {"sdpMid", "0"}, {"usernameFragment", "lFMA"}};
  const json inputs = json::array({
      {{"kind", "call"}, {"requestId", 3}},
      {{"kind", "hangUp"}},
      {{"kind", "destroy"}},
      {{"kind", "changeDeviceState"}, {"isMute", true}},
      {{"kind", "changeDeviceState"}, {"isHidden", false}, {"isMute", false}},
      {{"kind", "sendMessage"}, {"requestId", 4}, {"type", "chat"}, {"body", {{"text", "hi"}, {"n", json::array({1, 2})}}}},
      {{"kind", "sendTrack"}, {"requestId", 5}, {"tag", "screen"}, {"trackKind", "video"}, {"trackId", 7}, {"paused", true}},
      {{"kind", "trackControl"}, {"requestId", 6}, {"action", "pause"}, {"tag", "screen"}},
      {{"kind", "switchDevice"}, {"requestId", 8}, {"trackKind", "audio"}, {"deviceId", "mic-2"}},
      {{"kind", "transportOpened"}, {"transport", 1}},
      {{"kind", "transportClosed"}, {"transport", 1}, {"code", 1006}, {"reason", "gone"}},
      {{"kind", "transportMessage"}, {"transport", 1}, {"text", R"({"type":"joined","data":{}})"}},
      {{"kind", "sendFailed"}, {"transport", 1}, {"message", {{"type", "enter"}}}, {"reason", "closed"}},
      {{"kind", "transportPaused"}, {"transport", 1}},
      {{"kind", "transportResumed"}, {"transport", 1}, {"connectionId", "c-1"}},
      {{"kind", "tokenProvided"}, {"transport", 1}, {"token", "T"}},
      {{"kind", "tokenFailed"}, {"transport", 1}, {"reason", "no"}},
      {{"kind", "localDescription"}, {"pc", 1}, {"type", "offer"}, {"sdp", kSdp}},
      {{"kind", "remoteDescriptionSet"}, {"pc", 1}, {"type", "answer"}},
      {{"kind", "operationFailed"}, {"pc", 1}, {"operation", "setRemoteDescription"}, {"name", "InvalidAccessError"}, {"message", "m"}},
      {{"kind", "localIceCandidate"}, {"pc", 1}, {"candidate", candidate}},
      {{"kind", "localIceCandidate"}, {"pc", 1}, {"candidate", nullptr}},
      {{"kind", "peerStateChange"}, {"pc", 1}, {"event", "connectionstatechange"}, {"state", "connected"}},
      {{"kind", "remoteTrack"}, {"pc", 1}, {"trackKind", "video"}, {"streamId", "s-1"}},
      {{"kind", "negotiationNeeded"}, {"pc", 1}},
      {{"kind", "dataChannelState"}, {"pc", 1}, {"state", "open"}},
      {{"kind", "dataChannelMessage"}, {"pc", 1}, {"text", "{\"seq\":1}"}},
      {{"kind", "dataChannelMessage"}, {"pc", 2}, {"text", "hi"}, {"label", "JanusDataChannel"}},
      {{"kind", "dataChannelSendFailed"}, {"pc", 1}, {"text", "x"}},
      {{"kind", "trackAdded"}, {"pc", 2}, {"tag", "screen"}, {"streamId", "s-2"}},
      {{"kind", "statsReport"}, {"pc", 1}, {"report", json::array({{{"type", "inbound-rtp"}, {"id", "r1"}, {"packetsReceived", 10}}})}, {"error", ""}},
      {{"kind", "statsReport"}, {"pc", 1}, {"report", nullptr}, {"error", "getStats failed"}},
      {{"kind", "mediaAcquired"}, {"audio", 1}, {"video", nullptr}, {"streamId", "s-local"}},
      {{"kind", "mediaFailed"}, {"name", "NotAllowedError"}, {"message", "denied"}, {"constraint", ""}},
      {{"kind", "deviceAcquired"}, {"requestId", 9}, {"trackKind", "video"}, {"trackId", 11}, {"deviceId", "cam-2"}},
      {{"kind", "deviceFailed"}, {"requestId", 10}, {"trackKind", "audio"}, {"name", "NotFoundError"}, {"message", "none"}},
      {{"kind", "trackEnded"}, {"trackId", 2}},
      {{"kind", "timeout"}},
  });
  std::set<std::string> kinds;
  for (const auto& j : inputs) {
    INFO(j.dump());
    const auto decoded = io::decode_input(j);
    REQUIRE(decoded);
    CHECK(io::encode_input(*decoded) == j);
    kinds.insert(j["kind"].get<std::string>());
  }
  // Every kind of io/input.hpp, and timeout.
  CHECK(kinds.size() == std::variant_size_v<io::AppRequest> + std::variant_size_v<io::TransportEvent> +
                            std::variant_size_v<io::PcEvent> + std::variant_size_v<io::MediaEvent> + 1);
}

// ---- the recording's compact form of periodic stats (io/recording.hpp) ------------------------

namespace {

// The captured Chromium reports a second apart, then more seconds made from the last one by
// advancing its counters (as a call that goes on), with an entry that comes and goes and a member
// that disappears once.
std::vector<json> report_series(int seconds) {
  std::vector<json> out = {test::stats_report("report-1"), test::stats_report("report-2"), test::stats_report("report-3")};
  while (static_cast<int>(out.size()) < seconds) {
    json next = out.back();
    const int n = static_cast<int>(out.size());
    for (auto& e : next) {
      if (e.contains("timestamp")) e["timestamp"] = e["timestamp"].get<double>() + 1000;
      for (const char* counter : {"bytesSent", "bytesReceived", "packetsSent", "packetsReceived", "framesEncoded", "framesDecoded"}) {
        if (e.contains(counter)) e[counter] = e[counter].get<double>() + 20 * n;
      }
      if (e.contains("audioLevel")) e["audioLevel"] = 0.01 * (n % 7);
    }
    if (n % 5 == 0) next.push_back({{"id", fmt::format("extra-{}", n)}, {"type", "local-candidate"}, {"candidateType", "host"}});
    if (n == 10) next[0].erase("timestamp");
    out.push_back(std::move(next));
  }
  return out;
}

}  // namespace

TEST_CASE("statsReport inputs are recorded as deltas that expand back to the very same reports", "[recorder][io]") {
  io::RecordingCompactor compactor;
  io::RecordingExpander expander;
  std::size_t whole = 0, kept = 0;
  const auto series = report_series(30);
  for (std::size_t i = 0; i < series.size(); ++i) {
    const json in = {{"kind", "statsReport"}, {"pc", 1}, {"report", series[i]}, {"error", ""}};
    bool changed = false;
    const json recorded = compactor.input(in, changed);
    REQUIRE(changed);
    CHECK_FALSE(recorded.contains("report"));
    REQUIRE(recorded.contains("reportDelta"));
    whole += in.dump().size();
    kept += recorded.dump().size();
    // Through the export's JSON text and back, as the replay tool reads it.
    CHECK(expander.input(json::parse(recorded.dump())) == in);
  }
  INFO("whole " << whole << " B, kept " << kept << " B");
  CHECK(kept * 3 < whole);  // the counters change every second, ids, types and names do not

  // Another pc keeps its own previous report; an error report (no array) is kept as it is.
  bool changed = false;
  const json other = {{"kind", "statsReport"}, {"pc", 2}, {"report", series[0]}, {"error", ""}};
  CHECK(expander.input(compactor.input(other, changed)) == other);
  const json failed = {{"kind", "statsReport"}, {"pc", 1}, {"report", nullptr}, {"error", "getStats failed"}};
  changed = false;
  CHECK(compactor.input(failed, changed) == failed);
  CHECK_FALSE(changed);
  CHECK(expander.input(failed) == failed);
  const json other_input = {{"kind", "timeout"}};
  CHECK(compactor.input(other_input, changed) == other_input);
}

TEST_CASE("periodic stats outputs are recorded as digests, compared by digest in a replay", "[recorder][io]") {
  const json stats_event = {{"kind", "emit"}, {"emitType", "event"}, {"eventType", "stats"},
                            {"payload", {{"intervalMs", 1000}, {"quality", "good"}, {"inbound", json::array()}}}};
  const json collect = {{"kind", "collectStats"}, {"pc", 1}, {"types", {"inbound-rtp"}}, {"fields", {{"inbound-rtp", {"jitter"}}}}};
  const json quality = {{"kind", "emit"}, {"emitType", "event"}, {"eventType", "qualityChanged"}, {"payload", {{"quality", "poor"}}}};
  bool changed = false;
  const json kept = io::RecordingCompactor::outputs(json::array({stats_event, quality, collect}), changed);
  REQUIRE(changed);
  CHECK(kept[0]["eventType"] == "stats");
  CHECK(kept[0]["digest"].get<std::string>().size() == 16);
  CHECK_FALSE(kept[0].contains("payload"));
  CHECK(kept[1] == quality);  // a quality change stays readable in the recording
  CHECK(kept[2]["kind"] == "collectStats");
  CHECK_FALSE(kept[2].contains("fields"));

  CHECK(io::outputs_match(kept, json::array({stats_event, quality, collect})));
  json other = stats_event;
  other["payload"]["quality"] = "poor";
  CHECK_FALSE(io::outputs_match(kept, json::array({other, quality, collect})));
  CHECK_FALSE(io::outputs_match(kept, json::array({stats_event, quality})));
  changed = false;
  CHECK(io::RecordingCompactor::outputs(json::array({quality}), changed) == json::array({quality}));
  CHECK_FALSE(changed);
}
