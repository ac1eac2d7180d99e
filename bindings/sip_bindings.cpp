// embind bindings of the SIP product's wasm module (the `callcore/sip` entry point): the SIP user
// agent (src/callcore/session/sip/user_agent.hpp) through the shared SessionBinding
// (session_binding.hpp), plus the page-wide dictionary and logger. The app's requests are
// methods of the agent, not input kinds (as the room's selectLayers): each method here calls the
// agent and returns "" or the CallError JSON of a refused request; the shell then drains the
// effects (js/sip/sip-connector.js). No call logic lives here: JSON fields are handed over as
// they are, and the core checks them (make_user_agent, parse_extra_headers).
// The app's requests are not input kinds yet: the flight recorder sees their outputs as a drain
// step, and a replay of a SIP session is not supported (tools/replay.hpp reports "unknown
// session kind"), as for the room.
#include <optional>
#include <string>

#include "session_binding.hpp"

#include "callcore/session/sip/user_agent.hpp"

namespace {

using namespace callcore;
using namespace callcore::bindings;
using nlohmann::json;
namespace sip = callcore::session::sip;

constexpr char kSipKind[] = "sip";

std::string error_text(const std::optional<errors::CallError>& error) {
  return error ? base::json_text(errors::to_json(*error)) : std::string();
}

/// `{audio: TrackId | null, video: TrackId | null, streamId}` (the shell's handles of the app's
/// tracks, js/shell/media.js) → CallMedia.
sip::CallMedia media_of(const std::string& text) {
  sip::CallMedia media;
  json j = base::parse_json(text);
  if (!j.is_object()) return media;
  const auto track = [&](const char* key) -> std::optional<io::TrackId> {
    auto it = j.find(key);
    if (it == j.end() || !it->is_number_integer() || it->get<long long>() < 1) return std::nullopt;
    return static_cast<io::TrackId>(it->get<long long>());
  };
  media.audio = track("audio");
  media.video = track("video");
  media.stream_id = base::string_or(j, "streamId");
  return media;
}

class Sip : public SessionBinding<sip::UserAgent, &sip::make_user_agent, kSipKind> {
 public:
  using SessionBinding::SessionBinding;

  /// connect(requestId, now): user_agent.hpp connect(). Returns "" (the outcome settles requestId).
  std::string connect(double request_id, double now_ms) {
    if (session()) session()->connect(base::Ms(now_ms), static_cast<int>(request_id));
    return "";
  }
  /// disconnect(requestId, now).
  std::string disconnect(double request_id, double now_ms) {
    if (session()) session()->disconnect(base::Ms(now_ms), static_cast<int>(request_id));
    return "";
  }
  /// call(number, media JSON, extraHeaders JSON ("Name: value" strings), requestId, now): "" or
  /// the CallError JSON of a refused call.
  std::string call(const std::string& number, const std::string& media, const std::string& extra_headers,
                   double request_id, double now_ms) {
    if (!session()) return "";
    auto headers = sip::parse_extra_headers(base::parse_json(extra_headers), "extraHeaders");
    if (auto* err = std::get_if<errors::CallError>(&headers)) return error_text(*err);
    return error_text(session()->call(number, media_of(media), base::Ms(now_ms), std::get<0>(std::move(headers)),
                                      static_cast<int>(request_id)));
  }
  /// answer(media JSON, requestId, now): answerToIncomingCall.
  std::string answer(const std::string& media, double request_id, double now_ms) {
    if (!session()) return "";
    return error_text(session()->answer(media_of(media), base::Ms(now_ms), static_cast<int>(request_id)));
  }
  /// decline(statusCode, now): declineToIncomingCall.
  std::string decline(double status_code, double now_ms) {
    if (!session()) return "";
    return error_text(session()->decline(static_cast<int>(status_code), base::Ms(now_ms)));
  }
  /// hangUp(now).
  std::string hang_up(double now_ms) {
    if (session()) session()->hang_up(base::Ms(now_ms));
    return "";
  }
  /// sendInfo(contentType, body, extraHeaders JSON, now): INFO in the call's dialog.
  std::string send_info(const std::string& content_type, const std::string& body, const std::string& extra_headers,
                        double now_ms) {
    if (!session()) return "";
    auto headers = sip::parse_extra_headers(base::parse_json(extra_headers), "extraHeaders");
    if (auto* err = std::get_if<errors::CallError>(&headers)) return error_text(*err);
    return error_text(session()->send_info(content_type, body, std::get<0>(headers), base::Ms(now_ms)));
  }
};

}  // namespace

EMSCRIPTEN_BINDINGS(callcore_sip) {
  bind_common();
  bind_session<Sip>("Sip")
      .function("connect", &Sip::connect)
      .function("disconnect", &Sip::disconnect)
      .function("call", &Sip::call)
      .function("answer", &Sip::answer)
      .function("decline", &Sip::decline)
      .function("hangUp", &Sip::hang_up)
      .function("sendInfo", &Sip::send_info);
}
