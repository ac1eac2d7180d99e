#include "callcore/errors/call_error.hpp"

#include <fmt/format.h>

namespace callcore::errors {

CallError enter_timeout(double timeout_s) {
  return {"enter", "Nobody entered the call",
          fmt::format("no one entered within {} s (enterTimeoutSecond)", timeout_s)};
}

CallError answer_timeout(double timeout_s) {
  return {"answer", "The call was not answered",
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
  return {"streamError", "Camera or microphone could not be acquired",
          fmt::format("{} ({}: {})", reason, name.empty() ? "Error" : name, message)};
}

CallError negotiation_error(std::string_view operation, std::string_view name, std::string_view message) {
  return {"negotiation", "The connection could not be negotiated",
          fmt::format("{} failed ({}: {})", operation, name.empty() ? "Error" : name, message)};
}

CallError state_error(std::string_view what) {
  return {"state", "The call is not in a state that allows this", std::string(what)};
}

CallError params_error(std::string_view what) {
  return {"params", "Invalid RTCParams", std::string(what)};
}

}  // namespace callcore::errors
