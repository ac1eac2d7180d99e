#include <map>
#include <set>
#include <string>

#include <catch2/catch.hpp>

#include "callcore/events/dictionary.hpp"

using namespace callcore::events;

TEST_CASE("the dictionary keeps the seed's names and unique values per group", "[events]") {
  std::map<std::string, std::set<std::string>> values;
  std::map<std::string, std::string> lookup;
  for (const auto& e : dictionary()) {
    INFO(e.group << "." << e.key);
    CHECK(values[std::string(e.group)].insert(std::string(e.value)).second);
    lookup[std::string(e.group) + "." + std::string(e.key)] = e.value;
  }
  CHECK(lookup["EVENT_LIST.ALL"] == "allEvent");
  CHECK(lookup["EVENT_LIST.HANG_UP"] == "hangUpReceiveEvent");
  CHECK(lookup["EVENT_LIST.RTC_RESPONDENT_PROPS"] == "rtcRespondentPropsEvent");
  CHECK(lookup["SOCKET_MESSAGES_EVENT_LIST.ENTER"] == "enter");
  CHECK(lookup["CONNECTION_EVENT_LIST.CONNECTION_ICE_STATE"] == "iceconnectionstatechange");
  CHECK(lookup["EMIT_TYPE_LIST.ERROR"] == "error");
  CHECK(lookup["CALL_ERROR_TYPE_LIST.STREAM_ERROR"] == "streamError");
}

TEST_CASE("connection events are recognised by their W3C names", "[events]") {
  CHECK(is_connection_event("connectionstatechange"));
  CHECK(is_connection_event("iceconnectionstatechange"));
  CHECK_FALSE(is_connection_event("hangUpReceiveEvent"));
  CHECK_FALSE(is_connection_event(""));
}

TEST_CASE("every event, wire message type and connection event has a payload type for the declarations", "[events]") {
  for (const auto& e : dictionary()) {
    const bool emitted = e.group == kEventGroup || e.group == kWireGroup || e.group == kConnectionGroup;
    INFO(e.group << "." << e.key);
    CHECK(emitted == !e.payload.empty());
  }
}
