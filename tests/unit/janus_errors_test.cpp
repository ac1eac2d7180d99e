// Janus and VideoRoom error codes → CallError type "room" (signaling/janus/errors.hpp).
#include <string>
#include <variant>

#include <catch2/catch.hpp>

#include "callcore/events/dictionary.hpp"
#include "callcore/signaling/janus/errors.hpp"

using namespace callcore::signaling::janus;
using callcore::errors::CallError;

TEST_CASE("the room CallError type is in the dictionary", "[janus]") {
  CHECK(callcore::events::contains(callcore::events::kErrorTypeGroup, "room"));
  CHECK(callcore::events::error_type::kRoom == "room");
}

TEST_CASE("VideoRoom error codes map to room CallErrors with code and reason", "[janus]") {
  const CallError no_room = videoroom_call_error(videoroom_error::kNoSuchRoom, "No such room (1234)");
  CHECK(no_room.type == "room");
  CHECK(no_room.message == "The room does not exist");
  CHECK(no_room.description == "VideoRoom error 426: No such room (1234)");

  const CallError full = videoroom_call_error(432, "Maximum number of publishers (3) already reached");
  CHECK(full.message == "The room is full");
  CHECK(full.description == "VideoRoom error 432: Maximum number of publishers (3) already reached");

  const CallError taken = videoroom_call_error(436, "User ID 8146509371 already exists");
  CHECK(taken.message == "This participant is already in the room");
  CHECK(taken.description == "VideoRoom error 436: User ID 8146509371 already exists");

  CHECK(videoroom_call_error(433, "Unauthorized (wrong pin)").message == "Not allowed to join the room");
  CHECK(videoroom_call_error(428, "No such feed (5)").message == "The participant's media is no longer available");
  CHECK(videoroom_call_error(434, "Can't publish, already published").message == "The request does not fit the room state");
  CHECK(videoroom_call_error(437, "Error parsing SDP").message == "The room server refused the media negotiation");
  CHECK(videoroom_call_error(499, "").description == "VideoRoom error 499");
  CHECK(videoroom_call_error(12345, "?").message == "The room server refused the request");
}

TEST_CASE("Janus core error codes map to room CallErrors", "[janus]") {
  const CallError expired = core_call_error(core_error::kSessionNotFound, "No such session 4574061985075210");
  CHECK(expired.type == "room");
  CHECK(expired.message == "The room session expired");
  CHECK(expired.description == "Janus error 458: No such session 4574061985075210");
  CHECK(core_call_error(403, "Unauthorized request (wrong or missing secret/token)").message ==
        "The room server refused the credentials");
  CHECK(core_call_error(460, "No such plugin 'janus.plugin.videoroom'").message == "The room server has no VideoRoom plugin");
  CHECK(core_call_error(465, "JSEP error: invalid SDP").message == "The room server refused the media negotiation");
  CHECK(core_call_error(472, "").message == "The room server is not accepting new sessions");
  CHECK(core_call_error(490, "Unknown error").message == "The room server refused the request");
  // A long reason is cut at a UTF-8 boundary, never inside a character.
  std::string reason = "x";
  for (int i = 0; i < 200; ++i) reason += "\xd0\x96";  // Ж, 2 bytes each: byte 256 is inside one
  const auto cut = core_call_error(490, reason).description;
  CHECK(cut.size() == std::string("Janus error 490: ").size() + 255);
  CHECK(cut.substr(cut.size() - 2) == "\xd0\x96");
}

TEST_CASE("decoded errors map through to_call_error", "[janus]") {
  const auto core = decode(R"({"janus":"error","transaction":"t1","error":{"code":458,"reason":"No such session 1"}})");
  REQUIRE(std::holds_alternative<Inbound>(core));
  const CallError c = to_call_error(std::get<Error>(std::get<Inbound>(core)));
  CHECK(c.description == "Janus error 458: No such session 1");

  const auto plugin = decode(
      R"({"janus":"event","session_id":1,"sender":2,"transaction":"t2","plugindata":{"plugin":"janus.plugin.videoroom","data":{"videoroom":"event","error_code":436,"error":"User ID 42 already exists"}}})");
  REQUIRE(std::holds_alternative<Inbound>(plugin));
  const auto& event = std::get<Event>(std::get<Inbound>(plugin));
  const CallError v = to_call_error(std::get<videoroom::Error>(event.plugin));
  CHECK(v.type == "room");
  CHECK(v.description == "VideoRoom error 436: User ID 42 already exists");
}
