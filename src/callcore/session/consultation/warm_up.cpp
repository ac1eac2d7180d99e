#include "callcore/session/consultation/warm_up.hpp"

#include <deque>
#include <memory>
#include <string>
#include <utility>

#include "callcore/base/json.hpp"
#include "callcore/io/codec.hpp"
#include "callcore/session/consultation/session.hpp"

namespace callcore::session::consultation {

using nlohmann::json;

namespace {

// A tiny but well-formed SDP (RFC 8866) of one VP8 video section.
std::string sdp(const std::string& type) {
  return "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
         "c=IN IP4 0.0.0.0\r\na=ice-ufrag:wu\r\na=ice-pwd:warmupwarmupwarmupwarmup\r\na=setup:" +
         std::string(type == "offer" ? "actpass" : "active") +
         "\r\na=mid:0\r\na=sendrecv\r\na=rtpmap:96 VP8/90000\r\n";
}

}  // namespace

int warm_up() {
  log::Logger logger(64);
  const json base = {{"consultationId", "warm-up"}, {"isAudio", false}, {"hasSend", true}};
  json doctor = base, client = base;
  doctor.update({{"name", "d"}, {"clientId", "d"}, {"connectionId", "warm-d"},
                 {"doctor", {{"avatarId", "a"}, {"fullName", "d"}, {"specialityName", "s"}}}});
  client.update({{"name", "c"}, {"clientId", "c"}, {"connectionId", "warm-c"}});
  std::unique_ptr<ConsultationSession> sides[2] = {
      std::make_unique<ConsultationSession>(Role::Doctor, std::get<Params>(parse_params(doctor)), logger, base::Ms(0)),
      std::make_unique<ConsultationSession>(Role::Client, std::get<Params>(parse_params(client)), logger, base::Ms(0))};
  const json candidate = {{"candidate", "candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host"}, {"sdpMid", "0"}, {"sdpMLineIndex", 0}};

  std::deque<std::pair<int, json>> queue{{0, {{"kind", "call"}, {"requestId", 1}}}};
  bool connected[2] = {false, false};
  int handled = 0;
  bool went_through = false;  // the doctor's side was connected
  for (double now = 1; !queue.empty() && handled < 400; ++now, ++handled) {
    auto [side, text] = std::move(queue.front());
    queue.pop_front();
    auto input = io::decode_input(base::parse_json(base::json_text(text)));
    if (!input) continue;
    sides[side]->handle(*input, base::Ms(now));
    if (sides[0]->state() == CallState::Connected) went_through = true;
    auto push = [&](int to, json j) { queue.emplace_back(to, std::move(j)); };
    while (auto effect = sides[side]->poll_output()) {
      const json e = io::encode(*effect);
      const std::string kind = e["kind"];
      if (kind == "send") {
        const json& m = e["message"];
        const std::string type = m.contains("type") ? base::string_or(m, "type") : base::string_or(m["data"], "type");
        push(1 - side, {{"kind", "transportMessage"}, {"transport", 1}, {"text", base::json_text({{"type", type}, {"data", m["data"]}})}});
      } else if (kind == "acquireMedia") {
        push(side, {{"kind", "mediaAcquired"}, {"audio", 1}, {"video", 2}, {"streamId", side == 0 ? "warm-d" : "warm-c"}});
      } else if (kind == "createPc") {
        push(side, {{"kind", "negotiationNeeded"}, {"pc", 1}});
      } else if (kind == "setLocalDescription") {
        const std::string type = e["type"];
        push(side, {{"kind", "localDescription"}, {"pc", 1}, {"type", type}, {"sdp", sdp(type)}});
        push(side, {{"kind", "localIceCandidate"}, {"pc", 1}, {"candidate", candidate}});
        push(side, {{"kind", "localIceCandidate"}, {"pc", 1}, {"candidate", nullptr}});
      } else if (kind == "setRemoteDescription") {
        push(side, {{"kind", "remoteDescriptionSet"}, {"pc", 1}, {"type", e["description"]["type"]}});
        push(side, {{"kind", "remoteTrack"}, {"pc", 1}, {"trackKind", "video"}, {"streamId", side == 0 ? "warm-c" : "warm-d"}});
        if (!connected[side]) {
          connected[side] = true;
          for (const char* state : {"checking", "connected"})
            push(side, {{"kind", "peerStateChange"}, {"pc", 1}, {"event", "iceconnectionstatechange"}, {"state", state}});
          push(side, {{"kind", "peerStateChange"}, {"pc", 1}, {"event", "connectionstatechange"}, {"state", "connected"}});
          if (side == 0) push(0, {{"kind", "hangUp"}});
        }
      } else if (kind == "emit" && side == 1 && e["eventType"] == "enterEvent") {
        push(1, {{"kind", "call"}, {"requestId", 1}});
      }
    }
  }
  return went_through && sides[0]->state() == CallState::Ended ? handled : 0;
}

}  // namespace callcore::session::consultation
