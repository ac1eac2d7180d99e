// Test driver: feeds a ConsultationSession inputs at given times and collects its effects as the
// shell would see them (through the core's JSON codec), so a test can assert the exact effects
// and events of each step. Time is an argument: timers fire when a Timeout input is fed at or
// after their deadline.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "callcore/base/json.hpp"
#include "callcore/events/dictionary.hpp"
#include "callcore/io/codec.hpp"
#include "callcore/session/consultation/session.hpp"

namespace callcore::test {

using nlohmann::json;

/// The shell's handles of the call's microphone and camera tracks.
inline constexpr io::TrackId kMic{1};
inline constexpr io::TrackId kCam{2};
inline const std::string kLocalStream = "local-stream";

inline json doctor_params() {
  return {{"name", "Dr House"},        {"clientId", "doc-1"},
          {"connectionId", "conn-doc"}, {"consultationId", "cons-1"},
          {"doctor", {{"avatarId", "a1"}, {"fullName", "Gregory House"}, {"specialityName", "Diagnostics"}}},
          {"isAudio", false},          {"enterTimeoutSecond", 5},
          {"answerTimeoutSecond", 7},  {"hasSend", true}};
}

inline json client_params() {
  return {{"name", "Alice"}, {"clientId", "cli-1"}, {"connectionId", "conn-cli"}, {"consultationId", "cons-1"},
          {"isAudio", false}, {"enterTimeoutSecond", 5}, {"hasSend", true}};
}

/// getUserMedia's result for a call with a microphone and a camera.
inline io::in::MediaAcquired media() { return {kMic, kCam, kLocalStream}; }

/// One effect as the shell receives it: its kind and its other fields.
struct Output {
  std::string kind;
  json data;
};

struct Driver {
  log::Logger logger{100};
  std::unique_ptr<session::consultation::ConsultationSession> owned;
  session::consultation::ConsultationSession& session;
  std::vector<Output> last;  // effects of the latest input
  double now = 1000;

  Driver(session::consultation::Role role, const json& params)
      : owned(std::make_unique<session::consultation::ConsultationSession>(
            role, std::get<session::consultation::Params>(session::consultation::parse_params(params)), logger,
            base::Ms(1000))),
        session(*owned) {
    collect();
  }

  /// Feeds one input leaf (app, transport, pc, media or Timeout) at `at_ms` (-1: the same time).
  template <typename T>
  std::vector<Output>& feed(T&& leaf, double at_ms = -1) {
    if (at_ms >= 0) now = at_ms;
    session.handle(io::make_input(std::forward<T>(leaf)), base::Ms(now));
    return collect();
  }

  /// Time passes to `at_ms`: the timers due by then fire.
  std::vector<Output>& advance(double at_ms) { return feed(io::Timeout{}, at_ms); }

  /// The next deadline in ms, or -1.
  double deadline() const {
    auto t = session.poll_timeout();
    return t ? t->value : -1;
  }

  // An inbound signaling message {type, data} from `from` (connection id).
  std::vector<Output>& message(const std::string& type, json data, const std::string& from, double at_ms = -1) {
    data["sender"] = {{"chatId", "cons-1"}, {"clientId", from == "conn-doc" ? "doc-1" : "cli-1"}, {"connectionId", from}};
    data["consultationId"] = "cons-1";
    return feed(io::in::TransportMessage{json{{"type", type}, {"data", data}}.dump()}, at_ms);
  }

  // Takes the effects of the latest input, and checks the dictionary promise on them: every
  // event the core emits, every CallError type it settles with and every log event it writes is
  // in the dictionary (events/dictionary.hpp). Every test drives the core through here, so the
  // whole suite is the check's coverage.
  std::vector<Output>& collect() {
    last.clear();
    while (auto e = session.poll_output()) {
      json j = io::encode(*e);
      std::string kind = j["kind"];
      j.erase("kind");
      last.push_back({std::move(kind), std::move(j)});
    }
    for (const auto& o : last) check_dictionary(o);
    for (const auto& entry : logger.entries()) {
      INFO("log event " << entry.event);
      CHECK(in_dictionary({events::kLogEventGroup, events::kWireGroup, events::kConnectionGroup, events::kEventGroup},
                          entry.event));
    }
    return last;
  }

  static bool in_dictionary(std::initializer_list<std::string_view> groups, std::string_view value) {
    for (auto g : groups) {
      if (events::contains(g, value)) return true;
    }
    return false;
  }

  static void check_dictionary(const Output& o) {
    if (o.kind == "emit") {
      INFO("event " << base::json_text(o.data));
      CHECK(in_dictionary({events::kEventGroup, events::kWireGroup, events::kConnectionGroup}, o.data["eventType"].get<std::string>()));
      CHECK(events::contains(events::kEmitTypeGroup, o.data["emitType"].get<std::string>()));
      if (o.data["eventType"] == events::kCallError)
        CHECK(events::contains(events::kErrorTypeGroup, o.data["payload"]["type"].get<std::string>()));
      if (o.data["eventType"] == events::kCallState)
        CHECK(events::contains(events::kCallStateGroup, o.data["payload"]["state"].get<std::string>()));
    } else if (o.kind == "settle" && o.data["error"].is_object()) {
      INFO("settle " << base::json_text(o.data));
      CHECK(events::contains(events::kErrorTypeGroup, o.data["error"]["type"].get<std::string>()));
    }
  }

  // Kinds of the latest effects, with the event type for "emit" ("emit:callStateEvent").
  std::vector<std::string> kinds() const {
    std::vector<std::string> k;
    for (const auto& o : last) k.push_back(o.kind == "emit" ? "emit:" + o.data["eventType"].get<std::string>() : o.kind);
    return k;
  }

  // The first effect of `kind` (and event type for emits); fails the test if absent.
  const json& find(const std::string& kind, const std::string& event_type = "") const {
    for (const auto& o : last) {
      if (o.kind == kind && (event_type.empty() || o.data.value("eventType", "") == event_type)) return o.data;
    }
    FAIL("no output " << kind << " " << event_type);
    static json none;
    return none;
  }

  bool has(const std::string& kind, const std::string& event_type = "") const {
    for (const auto& o : last) {
      if (o.kind == kind && (event_type.empty() || o.data.value("eventType", "") == event_type)) return true;
    }
    return false;
  }

  // Messages sent by the latest input.
  std::vector<json> sent() const {
    std::vector<json> m;
    for (const auto& o : last) {
      if (o.kind == "send") m.push_back(o.data["message"]);
    }
    return m;
  }

  std::string state() const { return session.snapshot()["callState"]; }
};

}  // namespace callcore::test
