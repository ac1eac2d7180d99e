#include "callcore/errors/call_error.hpp"

#include <fmt/format.h>

#include "callcore/events/dictionary.hpp"

namespace callcore::errors {

namespace et = events::error_type;

nlohmann::json to_json(const CallError& e) {
  return {{"type", e.type}, {"message", e.message}, {"description", e.description}};
}

CallError make(std::string_view type, std::string_view message, std::string_view description) {
  return {std::string(type), std::string(message), std::string(description)};
}

CallError enter_timeout(double timeout_s) {
  return {std::string(et::kEnter), "Nobody entered the call",
          fmt::format("no one entered within {} s (enterTimeoutSecond)", timeout_s)};
}

CallError answer_timeout(double timeout_s) {
  return {std::string(et::kAnswer), "The call was not answered",
          fmt::format("the client entered but did not answer within {} s (answerTimeoutSecond)", timeout_s)};
}

CallError stream_error(std::string_view name, std::string_view message, std::string_view constraint) {
  std::string reason;
  if (name == "NotAllowedError" || name == "PermissionDeniedError" || name == "SecurityError") {
    reason = "permission denied";
  } else if (name == "NotFoundError" || name == "DevicesNotFoundError") {
    reason = "no device";
  } else if (name == "OverconstrainedError" || name == "ConstraintNotSatisfiedError") {
    reason = fmt::format("constraint not satisfied: {}", constraint.empty() ? "unknown" : constraint);
  } else if (name == "NotReadableError" || name == "TrackStartError") {
    reason = "device in use or not readable";
  } else if (name == "AbortError") {
    reason = "media acquisition aborted";
  } else if (name == "TypeError") {
    reason = "invalid media constraints";
  } else {
    reason = "media could not be acquired";
  }
  return {std::string(et::kStreamError), "Camera or microphone could not be acquired",
          fmt::format("{} ({}: {})", reason, name.empty() ? "Error" : name, message)};
}

CallError negotiation_error(std::string_view operation, std::string_view name, std::string_view message) {
  return {std::string(et::kNegotiation), "The connection could not be negotiated",
          fmt::format("{} failed ({}: {})", operation, name.empty() ? "Error" : name, message)};
}

CallError state_error(std::string_view what) {
  return {std::string(et::kState), "The call is not in a state that allows this", std::string(what)};
}

CallError params_error(std::string_view what) {
  return {std::string(et::kParams), "Invalid RTCParams", std::string(what)};
}

}  // namespace callcore::errors
