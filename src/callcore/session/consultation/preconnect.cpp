// Instant answer (docs/api.md, "Instant answer"): while the client rings, the doctor's offer is
// already there, so the client prepares everything that does not need its consent. It creates
// the connection, applies the offer and answers it with senders that carry no track yet (sendrecv,
// so the media starts later with replaceTrack and no renegotiation), and lets ICE and DTLS
// complete. The doctor's media arrives but is not told to the app. When the person answers
// (call()), only getUserMedia, attaching the tracks and the `accept` remain.
//
// What does not change: getUserMedia runs only on call() (no camera light before consent), and
// no media leaves the client's device before it. The doctor learns only that the client's
// browser is reachable (its answer and ICE candidates): its call stays in WaitingAnswer, and its
// app is told the client's tracks only after `accept`. `preconnect: false` (RTCParams) keeps the
// offer held until the answer instead.
#include <fmt/format.h>

#include "callcore/events/dictionary.hpp"
#include "callcore/session/consultation/session.hpp"

namespace callcore::session::consultation {

using nlohmann::json;
namespace ev = events;
namespace le = events::log_event;

void ConsultationSession::preconnect(const json& offer) {
  preconnecting_ = true;
  ctx_.log(log::Level::Info, le::kPreconnect, {{"why", "the doctor's offer while ringing: connecting before the answer"}});
  // The call's own tags: what call() will send (isAudio: the microphone only).
  std::vector<std::pair<std::string, std::string>> tags{{"audio", "audio"}};
  if (!params_.is_audio) tags.emplace_back("video", "video");
  peer_.prepare_senders(std::move(tags));
  peer_.open();
  peer_.apply_held_offer(offer);
}

void ConsultationSession::drop_preconnection(std::string_view why) {
  if (!preconnecting_) return;
  preconnecting_ = false;
  ctx_.log(log::Level::Info, le::kPreconnectDropped, {{"why", why}});
  peer_.close();
  held_tracks_.clear();
  unsent_description_.reset();
  unsent_candidates_.clear();
  ice_state_ = connection_state_ = "new";
}

void ConsultationSession::on_answered() {
  const bool preconnected = preconnecting_;
  preconnecting_ = false;
  set_state(CallState::Connecting);
  if (preconnected) {
    // The connection's states, held from the app while it rang (session.cpp, PeerStateChange).
    const std::string id = remote_ ? remote_->connection_id : "";
    if (ice_state_ != "new") ctx_.emit(ev::kIceConnectionStateChange, {{"state", ice_state_}, {"connectionId", id}});
    if (connection_state_ != "new") ctx_.emit(ev::kConnectionStateChange, {{"state", connection_state_}, {"connectionId", id}});
  }
  auto held = std::move(held_tracks_);
  held_tracks_.clear();
  for (const auto& t : held) emit_remote_track(t);
  if (connection_state_ == "connected") {
    set_state(CallState::Connected);
    return;
  }
  // The client's ICE went wrong while it rang: the restart policy, idle until now, takes it from
  // the last states the browser reported.
  if (preconnected && role_ == Role::Client) {
    for (const auto& [event, state] : {std::pair{ev::kIceConnectionStateChange, ice_state_},
                                       std::pair{ev::kConnectionStateChange, connection_state_}}) {
      if (state != "disconnected" && state != "failed") continue;
      if (auto failure = peer_.on_connection_state(event, state)) {
        end_call(failure->reason, failure->error, /*notify_remote=*/true);
        return;
      }
    }
  }
}

void ConsultationSession::emit_remote_track(const io::in::RemoteTrack& t) {
  json track = {{"kind", t.kind}, {"streamId", t.stream_id}, {"connectionId", remote_ ? remote_->connection_id : ""}};
  for (const auto& tag : remote_tags_) {
    if (tag["streamId"] == t.stream_id && tag["kind"] == t.kind) track["tag"] = tag["tag"];
  }
  ctx_.emit(ev::kTrack, std::move(track));
  if (remote_streams_.insert(t.stream_id).second) ctx_.emit(ev::kRemoteStream, {{"stream", t.stream_id}});
}

}  // namespace callcore::session::consultation
