// Test driver: feeds a ConsultationSession inputs at given times and collects its outputs, so a
// test can assert the exact effects and events of each step (DESIGN.md §5).
#pragma once

#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "callcore/session/consultation.hpp"

namespace callcore::test {

using nlohmann::json;

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

struct Driver {
  log::Logger logger{100};
  session::ConsultationSession session;
  std::vector<session::Output> last;  // outputs of the latest input
  double now = 1000;

  Driver(session::Role role, const json& params)
      : session(role, std::get<session::Params>(session::parse_params(params)), logger, 1000) {
    collect();
  }

  std::vector<session::Output>& feed(const session::Input& input, double at_ms = -1) {
    if (at_ms >= 0) now = at_ms;
    session.handle(input, now);
    return collect();
  }

  // An inbound signaling message {type, data} from `from` (connection id).
  std::vector<session::Output>& message(const std::string& type, json data, const std::string& from, double at_ms = -1) {
    data["sender"] = {{"chatId", "cons-1"}, {"clientId", from == "conn-doc" ? "doc-1" : "cli-1"}, {"connectionId", from}};
    data["consultationId"] = "cons-1";
    return feed(session::in::SignalingMessage{json{{"type", type}, {"data", data}}.dump()}, at_ms);
  }

  std::vector<session::Output>& collect() {
    last.clear();
    while (auto o = session.poll_output()) last.push_back(std::move(*o));
    return last;
  }

  // Kinds of the latest outputs, with the event type for "emit" ("emit:callStateEvent").
  std::vector<std::string> kinds() const {
    std::vector<std::string> k;
    for (const auto& o : last) k.push_back(o.kind == "emit" ? "emit:" + o.data["eventType"].get<std::string>() : o.kind);
    return k;
  }

  // The first output of `kind` (and event type for emits); fails the test if absent.
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
