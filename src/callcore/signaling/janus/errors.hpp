// Janus error codes and their CallError: the Janus core's JANUS_ERROR_* (janus-gateway
// src/apierror.h, sent as `{"janus":"error","error":{code,reason}}`) and the VideoRoom plugin's
// JANUS_VIDEOROOM_ERROR_* (src/plugins/janus_videoroom.c, sent as `{"videoroom":"event",
// error_code, error}`). Every one maps to a CallError of type "room" (CALL_ERROR_TYPE_LIST.ROOM)
// whose message says what happened in plain words and whose description keeps the code and
// Janus's reason, e.g. "VideoRoom error 426: No such room (1234)".
#pragma once

#include <string_view>

#include "callcore/errors/call_error.hpp"
#include "callcore/signaling/janus/codec.hpp"

namespace callcore::signaling::janus {

/// Janus core error codes (apierror.h).
namespace core_error {
inline constexpr int kUnauthorized = 403;            ///< wrong or missing secret/token
inline constexpr int kUnauthorizedPlugin = 405;      ///< the token may not use the plugin
inline constexpr int kTransportSpecific = 450;
inline constexpr int kMissingRequest = 452;
inline constexpr int kUnknownRequest = 453;
inline constexpr int kInvalidJson = 454;
inline constexpr int kInvalidJsonObject = 455;
inline constexpr int kMissingMandatoryElement = 456;
inline constexpr int kInvalidRequestPath = 457;
inline constexpr int kSessionNotFound = 458;         ///< the session expired or was destroyed
inline constexpr int kHandleNotFound = 459;
inline constexpr int kPluginNotFound = 460;          ///< no VideoRoom plugin on this server
inline constexpr int kPluginAttach = 461;
inline constexpr int kPluginMessage = 462;
inline constexpr int kPluginDetach = 463;
inline constexpr int kJsepUnknownType = 464;
inline constexpr int kJsepInvalidSdp = 465;
inline constexpr int kTrickleInvalidStream = 466;
inline constexpr int kInvalidElementType = 467;
inline constexpr int kSessionConflict = 468;
inline constexpr int kUnexpectedAnswer = 469;
inline constexpr int kTokenNotFound = 470;
inline constexpr int kWebrtcState = 471;
inline constexpr int kNotAcceptingSessions = 472;
inline constexpr int kUnknown = 490;
}  // namespace core_error

/// VideoRoom plugin error codes (JANUS_VIDEOROOM_ERROR_*).
namespace videoroom_error {
inline constexpr int kNoMessage = 421;
inline constexpr int kInvalidJson = 422;
inline constexpr int kInvalidRequest = 423;
inline constexpr int kJoinFirst = 424;
inline constexpr int kAlreadyJoined = 425;
inline constexpr int kNoSuchRoom = 426;
inline constexpr int kRoomExists = 427;
inline constexpr int kNoSuchFeed = 428;
inline constexpr int kMissingElement = 429;
inline constexpr int kInvalidElement = 430;
inline constexpr int kInvalidSdpType = 431;
inline constexpr int kPublishersFull = 432;          ///< the room has its maximum of publishers
inline constexpr int kUnauthorized = 433;            ///< wrong pin/token, or not in the room's ACL
inline constexpr int kAlreadyPublished = 434;
inline constexpr int kNotPublished = 435;
inline constexpr int kIdExists = 436;                ///< the participant id is taken
inline constexpr int kInvalidSdp = 437;
inline constexpr int kInvalidFeed = 438;
inline constexpr int kUnknownError = 499;
}  // namespace videoroom_error

/// The CallError (type "room") of a Janus core error `code` with Janus's `reason`; an unknown
/// code gets a generic message. Never throws.
errors::CallError core_call_error(int code, std::string_view reason);
/// The CallError (type "room") of a VideoRoom error `code` with its `error` text.
errors::CallError videoroom_call_error(int code, std::string_view error);

/// core_call_error of a decoded `{"janus":"error"}`.
inline errors::CallError to_call_error(const Error& error) { return core_call_error(error.code, error.reason); }
/// videoroom_call_error of a decoded VideoRoom error event.
inline errors::CallError to_call_error(const videoroom::Error& error) {
  return videoroom_call_error(error.code, error.error);
}

}  // namespace callcore::signaling::janus
