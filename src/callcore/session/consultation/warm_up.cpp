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
         std::string(type == "offer" ? "actpass" : "active") + "\r\na=mid:0\r\na=sendrecv\r\na=rtpmap:96 VP8/90000\r\n";
}

Params params(Role role) {
  Params p;
  p.name = p.client_id = p.connection_id = role == Role::Doctor ? "warm-d" : "warm-c";
  p.consultation_id = "warm-up";
  return p;
}

}  // namespace

// Typed inputs and effects (no JSON building here: it would cost the shipped module more than the
// warm-up saves); every effect still goes through io::encode, the codec path the bindings use.
int warm_up() {
  log::Logger logger(64);
  std::unique_ptr<ConsultationSession> sides[2] = {
      std::make_unique<ConsultationSession>(Role::Doctor, params(Role::Doctor), logger, base::Ms(0)),
      std::make_unique<ConsultationSession>(Role::Client, params(Role::Client), logger, base::Ms(0))};
  json candidate = json::object();
  candidate["candidate"] = "candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host";
  candidate["sdpMid"] = "0";
  const std::string streams[2] = {"warm-d", "warm-c"};

  std::deque<std::pair<int, io::Input>> queue;
  auto push = [&](int side, auto leaf) { queue.emplace_back(side, io::make_input(std::move(leaf))); };
  push(0, io::in::Call{1});
  bool connected[2] = {false, false};
  bool went_through = false;  // the doctor's side was connected
  int handled = 0;
  for (double now = 1; !queue.empty() && handled < 400; ++now, ++handled) {
    auto [side, input] = std::move(queue.front());
    queue.pop_front();
    sides[side]->handle(input, base::Ms(now));
    if (sides[0]->state() == CallState::Connected) went_through = true;
    while (auto effect = sides[side]->poll_output()) {
      const json encoded = io::encode(*effect);
      if (auto* send = std::get_if<io::fx::Send>(&*effect)) {
        json wire = json::object();
        wire["type"] = signaling::vcm::outbound_type(send->message);
        wire["data"] = send->message["data"];
        push(1 - side, io::in::TransportMessage{base::json_text(wire)});
      } else if (std::holds_alternative<io::fx::AcquireMedia>(*effect)) {
        push(side, io::in::MediaAcquired{io::TrackId{1}, io::TrackId{2}, streams[side]});
      } else if (std::holds_alternative<io::fx::CreatePc>(*effect)) {
        push(side, io::in::NegotiationNeeded{});
      } else if (auto* local = std::get_if<io::fx::SetLocalDescription>(&*effect)) {
        push(side, io::in::LocalDescription{local->type, sdp(local->type)});
        push(side, io::in::LocalIceCandidate{candidate});
        push(side, io::in::LocalIceCandidate{nullptr});
      } else if (auto* remote = std::get_if<io::fx::SetRemoteDescription>(&*effect)) {
        push(side, io::in::RemoteDescriptionSet{base::string_or(remote->description, "type")});
        push(side, io::in::RemoteTrack{"video", streams[1 - side]});
        if (!connected[side]) {
          connected[side] = true;
          push(side, io::in::PeerStateChange{"iceconnectionstatechange", "connected"});
          push(side, io::in::PeerStateChange{"connectionstatechange", "connected"});
          if (side == 0) push(0, io::in::HangUp{});
        }
      } else if (auto* emit = std::get_if<io::fx::Emit>(&*effect); emit && side == 1 && emit->event_type == events::kEnter) {
        push(1, io::in::Call{1});
      }
    }
  }
  return went_through && sides[0]->state() == CallState::Ended ? handled : 0;
}

}  // namespace callcore::session::consultation
