// RTCParams of a consultation (seed: budu-webrtc RTCParams), as the core needs them, plus the
// recovery settings of docs/api.md. The seed's options in seconds become base::Ms here, at the
// API edge; nothing inside the core counts in seconds.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "callcore/base/backoff.hpp"
#include "callcore/base/time.hpp"
#include "callcore/errors/call_error.hpp"
#include "callcore/rtc/peer.hpp"

namespace callcore::session::consultation {

/// Which side of the consultation: the doctor calls (RTCDoctor), the client answers (RTCClient).
enum class Role { Doctor, Client };

struct Params {
  std::string name;
  std::string client_id;
  std::string connection_id;                 // "" when the server assigns it (signalingUrl)
  std::vector<std::string> connections_id;   // the far side's connection ids, if known
  std::string consultation_id;
  nlohmann::json doctor = nlohmann::json::object();  // {avatarId, fullName, specialityName}
  bool is_audio = false;
  bool preconnect = true;                    // client: connect on the doctor's offer while ringing (instant answer)
  std::uint32_t video_start_bitrate_bps = 800000;  // videoStartBitrate (bps); 0 = the browser's own start
  base::Ms enter_timeout{60000};             // enterTimeoutSecond
  base::Ms answer_timeout{60000};            // answerTimeoutSecond
  std::string signaling_url;                 // "" when the portal owns the socket (send)
  std::vector<std::string> signaling_alternates;  // further URLs of signalingUrl given as an array (failover)
  std::string token;                         // join token (RTCParams token); "" = none. Never logged.
  bool token_refresh = false;                // RTCParams getToken given: ask for a fresh token before each join
  rtc::IceRestartPolicy ice;                 // iceDisconnectedGraceMs, iceRestartMaxAttempts, iceRestartTimeoutMs
  base::Backoff reconnect_backoff{base::Ms(500), base::Ms(8000), 0.5};  // built-in socket; cap: reconnectBackoffCapMs
  std::uint64_t random_seed = 1;             // jitter source (the shell passes a random seed)
};

/// Parses RTCParams JSON. Returns the CallError 'params' naming the first invalid field when
/// name is not a string, clientId/consultationId are not non-empty strings or integers, isAudio
/// is not a boolean, a timeout or delay is not a positive number (enterTimeoutSecond,
/// answerTimeoutSecond in s; iceDisconnectedGraceMs, iceRestartTimeoutMs, reconnectBackoffCapMs
/// in ms), iceRestartMaxAttempts is not an integer 1-100, or not exactly one of signalingUrl /
/// send (`hasSend` true) is given — the message then says how to give one (configure()).
/// `preconnect` (boolean, default true; client only) connects while ringing (docs/api.md,
/// "Instant answer"); a non-boolean is a params error. `randomSeed` (number >= 0) seeds the jitter. `token` (string, at most 8192 characters, for
/// the built-in socket's join; docs/protocol.md §2.1) and `hasGetToken` (boolean: the app gave
/// getToken()) are optional; a non-string token is a params error. `videoStartBitrate` (bps, an
/// integer 0 or 100000-10000000, default 800000; 0 = the browser's own start) is the video send
/// bitrate the connection starts at (rtc/start_bitrate.hpp); another value is a params error.
std::variant<Params, errors::CallError> parse_params(const nlohmann::json& j);

}  // namespace callcore::session::consultation
