#include "callcore/signaling/janus/errors.hpp"

#include <fmt/format.h>

#include "callcore/base/json.hpp"
#include "callcore/events/dictionary.hpp"

namespace callcore::signaling::janus {
namespace {

// Janus's reasons are short sentences; a longer one is cut (at a UTF-8 boundary).
constexpr std::size_t kMaxReasonBytes = 256;

std::string_view core_message(int code) {
  namespace c = core_error;
  switch (code) {
    case c::kUnauthorized:
    case c::kUnauthorizedPlugin:
    case c::kTokenNotFound:
      return "The room server refused the credentials";
    case c::kSessionNotFound:
      return "The room session expired";
    case c::kHandleNotFound:
    case c::kPluginDetach:
      return "The room connection is gone";
    case c::kPluginNotFound:
      return "The room server has no VideoRoom plugin";
    case c::kJsepUnknownType:
    case c::kJsepInvalidSdp:
    case c::kUnexpectedAnswer:
    case c::kWebrtcState:
    case c::kTrickleInvalidStream:
      return "The room server refused the media negotiation";
    case c::kNotAcceptingSessions:
      return "The room server is not accepting new sessions";
    default:
      return "The room server refused the request";
  }
}

std::string_view videoroom_message(int code) {
  namespace v = videoroom_error;
  switch (code) {
    case v::kNoSuchRoom:
      return "The room does not exist";
    case v::kPublishersFull:
      return "The room is full";
    case v::kIdExists:
      return "This participant is already in the room";
    case v::kUnauthorized:
      return "Not allowed to join the room";
    case v::kNoSuchFeed:
    case v::kInvalidFeed:
      return "The participant's media is no longer available";
    case v::kJoinFirst:
    case v::kAlreadyJoined:
    case v::kAlreadyPublished:
    case v::kNotPublished:
      return "The request does not fit the room state";
    case v::kInvalidSdpType:
    case v::kInvalidSdp:
      return "The room server refused the media negotiation";
    default:
      return "The room server refused the request";
  }
}

errors::CallError room_error(std::string_view message, std::string_view source, int code, std::string_view reason) {
  const std::string cut = base::utf8_prefix(reason, kMaxReasonBytes);
  return errors::make(events::error_type::kRoom, message,
                      cut.empty() ? fmt::format("{} error {}", source, code)
                                  : fmt::format("{} error {}: {}", source, code, cut));
}

}  // namespace

errors::CallError core_call_error(int code, std::string_view reason) {
  return room_error(core_message(code), "Janus", code, reason);
}

errors::CallError videoroom_call_error(int code, std::string_view error) {
  return room_error(videoroom_message(code), "VideoRoom", code, error);
}

}  // namespace callcore::signaling::janus
