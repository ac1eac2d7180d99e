#include "callcore/rtc/peer.hpp"

#include <fmt/format.h>

#include "callcore/events/dictionary.hpp"
#include "callcore/rtc/start_bitrate.hpp"

namespace callcore::rtc {

using nlohmann::json;
namespace ev = events;
namespace le = events::log_event;

Peer::Peer(PeerConfig config, io::Context& ctx, Signal signal)
    : config_(std::move(config)), ctx_(ctx), signal_(std::move(signal)), negotiation_(config_.polite) {}

void Peer::open() {
  created_ = true;
  ctx_.push(io::fx::CreatePc{config_.id, config_.data_channels, config_.bundle_policy});
  for (const auto& [tag, s] : senders_) ctx_.push(io::fx::AddTrack{config_.id, tag, s.track, s.stream_id, s.simulcast});
}

void Peer::close() {
  if (created_) ctx_.push(io::fx::ClosePc{config_.id});
  created_ = false;
  negotiation_.reset();
  remote_description_set_ = false;
  negotiation_deferred_ = false;
  ice_queue_.clear();
  ice_state_ = "new";
  reset_ice_restart();
  data_channel_open_ = false;
  to_prepare_.clear();
  prepared_.clear();
}

// ---- negotiation ------------------------------------------------------------------------------

void Peer::make_offer() {
  negotiation_deferred_ = false;
  negotiation_.on_make_offer();
  ctx_.push(io::fx::SetLocalDescription{config_.id, std::string(ev::wire::kOffer)});
}

void Peer::on_negotiation_needed() {
  if (!created_) return;
  if (!negotiation_.negotiated_once()) {
    // The first offer follows the call flow; a renegotiation still needed after it fires
    // negotiationneeded again once stable (W3C webrtc-pc §4.7.3).
    ctx_.log(log::Level::Debug, le::kNegotiationNeededDeferred);
    return;
  }
  if (negotiation_.negotiating() || negotiation_.signaling_state() != "stable") {
    // Mid-exchange: offer once the exchange completes. The browser also fires the event again
    // then (W3C webrtc-pc §4.7.3); whichever comes first offers, the other finds it under way.
    negotiation_deferred_ = true;
    ctx_.log(log::Level::Debug, le::kNegotiationNeededDeferred, {{"signalingState", negotiation_.signaling_state()}});
    return;
  }
  ctx_.log(log::Level::Info, le::kNegotiationNeeded);
  make_offer();
}

void Peer::offer_if_deferred() {
  if (!negotiation_deferred_ || negotiation_.negotiating()) return;
  ctx_.log(log::Level::Info, le::kNegotiationNeeded, {{"deferred", true}});
  make_offer();
}

void Peer::on_remote_description(const json& description, bool is_offer) {
  if (is_offer) {
    switch (negotiation_.on_remote_offer()) {
      case PerfectNegotiation::OfferDecision::Ignore:
        ctx_.log(log::Level::Info, le::kOfferIgnored, {{"why", "offers collided; the impolite side keeps its own"}});
        return;
      case PerfectNegotiation::OfferDecision::Rollback:
        ctx_.log(log::Level::Info, le::kOfferCollision, {{"why", "offers collided; the polite side rolls its own back"}});
        ctx_.push(io::fx::SetRemoteDescription{config_.id, description, /*rollback=*/true});
        return;
      case PerfectNegotiation::OfferDecision::Apply:
        break;
    }
  } else if (!negotiation_.on_remote_answer()) {
    ctx_.log(log::Level::Warn, le::kIgnoredMessage,
             {{"type", ev::wire::kAnswer}, {"why", "no local offer is waiting for an answer"}});
    return;
  }
  ctx_.push(io::fx::SetRemoteDescription{config_.id, with_start(description), /*rollback=*/false});
}

void Peer::apply_held_offer(const json& description) {
  negotiation_.on_remote_offer();  // stable and not offering: applied as is
  ctx_.push(io::fx::SetRemoteDescription{config_.id, with_start(description), /*rollback=*/false});
}

json Peer::with_start(const json& description) const {
  if (config_.video_start_bitrate_bps == 0) return description;
  auto sdp = description.find("sdp");
  if (sdp == description.end() || !sdp->is_string()) return description;
  json out = description;
  out["sdp"] = with_start_bitrate(sdp->get_ref<const std::string&>(), config_.video_start_bitrate_bps);
  return out;
}

void Peer::on_remote_description_set(std::string_view type) {
  negotiation_.on_remote_description_set(type);
  remote_description_set_ = true;
  ctx_.log(log::Level::Info, le::kRemoteDescriptionSet, {{"type", type}});
  // The candidates that waited for this description go in first, then an offer gets its answer
  // (the order of the W3C webrtc-pc §10 example). Added while the browser's signaling thread is
  // idle, each takes well under a ms; issued behind the answer's setLocalDescription, Chromium
  // blocked the page's main thread in addIceCandidate until the answer was made (bench/notes.md).
  auto queued = std::move(ice_queue_);
  ice_queue_.clear();
  for (auto& c : queued) ctx_.push(io::fx::AddIceCandidate{config_.id, std::move(c)});
  if (type == ev::wire::kOffer) {
    for (auto& [tag, kind] : to_prepare_) {
      if (senders_.count(tag)) continue;  // the media came first: its AddTrack took the transceiver
      prepared_[tag] = "";
      ctx_.push(io::fx::PrepareSender{config_.id, tag, kind});
    }
    to_prepare_.clear();
    ctx_.push(io::fx::SetLocalDescription{config_.id, std::string(ev::wire::kAnswer)});
  }
  else offer_if_deferred();
}

void Peer::on_local_description(std::string_view type, std::string_view sdp) {
  if (!negotiation_.on_local_description(type)) {
    ctx_.log(log::Level::Info, le::kStaleOffer, {{"why", "rolled back by the far side's offer; not sent"}});
    return;
  }
  ctx_.log(log::Level::Info, le::kLocalDescription, {{"type", type}, {"sdp", sdp}});
  signal_(type == ev::wire::kOffer ? ev::wire::kOffer : ev::wire::kAnswer,
          {{"description", {{"type", type}, {"sdp", sdp}}}});
  if (type == ev::wire::kAnswer) offer_if_deferred();
}

void Peer::on_remote_candidate(const json& candidate) {
  if (negotiation_.ignore_offer()) {
    ctx_.log(log::Level::Debug, le::kCandidateDropped, {{"why", "belongs to an ignored offer"}});
    return;
  }
  if (!remote_description_set_) {
    ice_queue_.push_back(candidate);  // W3C: candidates need the remote description first
    return;
  }
  ctx_.push(io::fx::AddIceCandidate{config_.id, candidate});
}

std::optional<PeerFailure> Peer::on_operation_failed(std::string_view operation, std::string_view name,
                                                     std::string_view message) {
  const json detail = {{"name", name}, {"message", message}};
  if (operation == "addIceCandidate") {
    // One bad candidate does not end a call; ICE may still succeed with the others.
    ctx_.log(log::Level::Warn, le::kAddIceCandidateFailed, detail);
    return std::nullopt;
  }
  if (operation == "setLocalDescription" && negotiation_.on_local_description_failed()) {
    ctx_.log(log::Level::Info, le::kStaleOffer, {{"why", "rolled back before it was set"}, {"name", name}});
    return std::nullopt;
  }
  // restartIce: the next offer still renegotiates; rollback: nothing was left to roll back;
  // replaceTrack: the sender keeps its track (the device switch or pause did not apply).
  if (operation == "restartIce") return ctx_.log(log::Level::Warn, le::kRestartIceFailed, detail), std::nullopt;
  if (operation == "rollback") return ctx_.log(log::Level::Warn, le::kRollbackFailed, detail), std::nullopt;
  if (operation == "replaceTrack") return ctx_.log(log::Level::Warn, le::kReplaceTrackFailed, detail), std::nullopt;
  auto err = errors::negotiation_error(operation, name, message);
  if (negotiation_.negotiated_once()) {
    // A failed renegotiation leaves the established media as it was.
    ctx_.log(log::Level::Error, le::kNegotiationFailed, errors::to_json(err));
    ctx_.emit(ev::kCallError, errors::to_json(err), /*is_error=*/true);
    return std::nullopt;
  }
  return PeerFailure{std::string(ev::error_type::kNegotiation), std::move(err)};
}

// ---- ICE recovery -------------------------------------------------------------------------------
// 'failed' restarts at once; 'disconnected' restarts when it lasts longer than the grace (it
// often heals by itself, RFC 8445 §7.2.5.3 consent checks). Each attempt has attempt_timeout to
// reach 'connected'; attempts are bounded and spaced by exponential backoff with jitter.

std::optional<PeerFailure> Peer::on_connection_state(std::string_view event, std::string_view state) {
  if (!created_) return std::nullopt;
  if (event == ev::kIceConnectionStateChange) return on_ice_state(state);
  if (event == ev::kConnectionStateChange && state == "failed") return begin_ice_restart();
  return std::nullopt;
}

std::optional<PeerFailure> Peer::on_ice_state(std::string_view state) {
  ice_state_ = state;
  if (state == "connected" || state == "completed") {
    timers_.cancel(Timer::IceGrace);
    if (ice_restarting_) {
      ctx_.emit(ev::kIceRestart, {{"phase", "recovered"}, {"attempt", ice_restart_attempt_}});
      reset_ice_restart();
    }
  } else if (state == "disconnected") {
    if (!ice_restarting_ && !timers_.active(Timer::IceGrace)) {
      timers_.start(Timer::IceGrace, ctx_.now() + config_.ice.disconnected_grace);
      ctx_.emit(ev::kIceRestart, {{"phase", "disconnected"}, {"graceMs", config_.ice.disconnected_grace.value}});
    }
  } else if (state == "failed") {
    return begin_ice_restart();
  }
  return std::nullopt;
}

std::optional<PeerFailure> Peer::begin_ice_restart() {
  timers_.cancel(Timer::IceGrace);
  if (ice_restarting_) return std::nullopt;  // the running attempt's deadline decides what comes next
  if (!negotiation_.negotiated_once()) {
    return PeerFailure{std::string(ev::error_type::kConnection),
                       errors::make(ev::error_type::kConnection, "The media connection failed",
                                    "ICE failed before the call was established")};
  }
  ice_restarting_ = true;
  return attempt_ice_restart();
}

std::optional<PeerFailure> Peer::attempt_ice_restart() {
  if (ice_restart_attempt_ >= config_.ice.max_attempts) {
    ctx_.emit(ev::kIceRestart, {{"phase", "failed"}, {"attempt", ice_restart_attempt_}});
    return PeerFailure{"iceFailed", errors::make(ev::error_type::kConnection, "The media connection was lost",
                                                 fmt::format("ICE restart failed {} times (iceRestartMaxAttempts)",
                                                             ice_restart_attempt_))};
  }
  ++ice_restart_attempt_;
  ice_backoff_phase_ = false;
  ctx_.emit(ev::kIceRestart, {{"phase", "attempt"}, {"attempt", ice_restart_attempt_}});
  ctx_.log(log::Level::Warn, le::kIceRestart, {{"attempt", ice_restart_attempt_}, {"iceConnectionState", ice_state_}});
  ctx_.push(io::fx::RestartIce{config_.id});
  timers_.start(Timer::IceRestart, ctx_.now() + config_.ice.attempt_timeout);
  return std::nullopt;
}

void Peer::reset_ice_restart() {
  timers_.cancel_all();
  ice_restarting_ = false;
  ice_backoff_phase_ = false;
  ice_restart_attempt_ = 0;
}

std::optional<PeerFailure> Peer::on_timeout(base::Ms now) {
  while (auto timer = timers_.pop_due(now)) {
    if (*timer == Timer::IceGrace && created_ && ice_state_ == "disconnected") {
      if (auto f = begin_ice_restart()) return f;
    } else if (*timer == Timer::IceRestart && created_ && ice_restarting_) {
      if (ice_backoff_phase_) {
        if (auto f = attempt_ice_restart()) return f;
        continue;
      }
      // This attempt did not reconnect in time: wait, then try again.
      const base::Ms delay = config_.ice.backoff.delay(ice_restart_attempt_, ctx_.random());
      ice_backoff_phase_ = true;
      ctx_.emit(ev::kIceRestart, {{"phase", "backoff"}, {"attempt", ice_restart_attempt_}, {"delayMs", delay.value}});
      timers_.start(Timer::IceRestart, ctx_.now() + delay);
    }
  }
  return std::nullopt;
}

// ---- data channel -------------------------------------------------------------------------------

void Peer::on_data_channel_state(std::string_view state) {
  data_channel_open_ = state == "open";
  ctx_.log(log::Level::Info, le::kDataChannelState, {{"state", state}});
}

bool Peer::send_data(std::string text) {
  if (!data_channel_open_ || config_.data_channels.empty()) return false;
  ctx_.push(io::fx::DataSend{config_.id, config_.data_channels.front().label, std::move(text)});
  return true;
}

// ---- senders --------------------------------------------------------------------------------------

Sender* Peer::sender(const std::string& tag) {
  auto it = senders_.find(tag);
  return it == senders_.end() ? nullptr : &it->second;
}

void Peer::add_sender(const std::string& tag, Sender sender) {
  const Sender& s = senders_[tag] = std::move(sender);
  if (!created_) return;  // open() adds it
  ctx_.push(io::fx::AddTrack{config_.id, tag, s.track, s.stream_id, s.simulcast});
  if (s.paused) ctx_.push(io::fx::ReplaceTrack{config_.id, tag, std::nullopt});
}

void Peer::prepare_senders(std::vector<std::pair<std::string, std::string>> tag_kinds) {
  to_prepare_ = std::move(tag_kinds);
}

bool Peer::on_sender_prepared(const std::string& tag, const std::string& stream_id) {
  auto it = prepared_.find(tag);
  if (it == prepared_.end()) return false;
  it->second = stream_id;
  return true;
}

bool Peer::attach_prepared(const std::string& tag, Sender sender) {
  auto it = prepared_.find(tag);
  if (it == prepared_.end() || it->second.empty() || !created_) return false;
  sender.stream_id = it->second;
  prepared_.erase(it);
  const Sender& s = senders_[tag] = std::move(sender);
  ctx_.push(io::fx::ReplaceTrack{config_.id, tag, s.paused ? std::nullopt : std::optional<io::TrackId>(s.track)});
  return true;
}

void Peer::replace_track(const std::string& tag, std::optional<io::TrackId> track) {
  if (created_) ctx_.push(io::fx::ReplaceTrack{config_.id, tag, track});
}

void Peer::remove_sender(const std::string& tag) {
  auto it = senders_.find(tag);
  if (it == senders_.end()) return;
  if (created_) ctx_.push(io::fx::RemoveTrack{config_.id, tag});
  const io::TrackId track = it->second.track;
  senders_.erase(it);
  // The app may send one track under two tags (e.g. the camera as 'video' and as 'screen'): it
  // is stopped only when no sender carries it any more.
  for (const auto& [other, s] : senders_) {
    if (s.track == track) return;
  }
  ctx_.push(io::fx::ReleaseTrack{track});
}

}  // namespace callcore::rtc
