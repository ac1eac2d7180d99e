// CallError: the typed failures an app can see (seed: budu-webrtc CallError with `type`,
// `message`, `description`), and the mapping from browser failures to them. The type names are
// the dictionary's CALL_ERROR_TYPE_LIST (events/dictionary.hpp).
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace callcore::errors {

/// A call failure. `type` is one of CALL_ERROR_TYPE_LIST (events::error_type: "enter",
/// "answer", "streamError", "connection", "signaling", "negotiation", "hangUp", "state",
/// "params", "message"); `message` is a human sentence; `description` the cause (browser error
/// name, timeout seconds, reason).
struct CallError {
  std::string type;
  std::string message;
  std::string description;
};

/// `{type, message, description}`: the JSON form the shell turns into a JS CallError.
nlohmann::json to_json(const CallError& error);

/// A CallError of `type` (an events::error_type constant) with `message` and `description`.
CallError make(std::string_view type, std::string_view message, std::string_view description);

/// Nobody entered within `timeout_s` seconds of call() (seed type 'enter').
CallError enter_timeout(double timeout_s);
/// The far side entered but did not answer within `timeout_s` seconds (seed type 'answer').
CallError answer_timeout(double timeout_s);
/// getUserMedia failed. `name` is the DOMException name (W3C mediacapture-streams §9.2/§10:
/// NotAllowedError, NotFoundError, OverconstrainedError, NotReadableError, AbortError,
/// SecurityError, TypeError), `constraint` the failing constraint for OverconstrainedError.
/// The description starts with a plain reason ("permission denied", "no device", ...) and
/// ends with the browser's name and message.
CallError stream_error(std::string_view name, std::string_view message, std::string_view constraint);
/// An RTCPeerConnection operation (`operation`: setLocalDescription, setRemoteDescription,
/// addIceCandidate, createPeerConnection) failed with DOMException `name`.
CallError negotiation_error(std::string_view operation, std::string_view name, std::string_view message);
/// A method was called in a state that does not allow it (e.g. call() twice).
CallError state_error(std::string_view what);
/// RTCParams are invalid; `what` names the field.
CallError params_error(std::string_view what);

}  // namespace callcore::errors
