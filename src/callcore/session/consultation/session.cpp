// The consultation flow: call(), media, the peer connection's reports, timeouts and the end of a
// call. Wire messages are in signaling.cpp, app messages in app_messages.cpp, tracks and devices
// in media.cpp.
#include "callcore/session/consultation/session.hpp"

#include <fmt/format.h>

#include "callcore/base/json.hpp"
#include "callcore/events/dictionary.hpp"
#include "callcore/base/overloaded.hpp"

namespace callcore::session::consultation {

using nlohmann::json;
namespace ev = events;
namespace le = events::log_event;
namespace wire = events::wire;

std::string_view to_string(CallState state) {
  switch (state) {
    case CallState::Idle: return ev::state::kIdle;
    case CallState::AcquiringMedia: return ev::state::kAcquiringMedia;
    case CallState::WaitingEnter: return ev::state::kWaitingEnter;
    case CallState::WaitingAnswer: return ev::state::kWaitingAnswer;
    case CallState::Connecting: return ev::state::kConnecting;
    case CallState::Connected: return ev::state::kConnected;
    case CallState::Ended: return ev::state::kEnded;
  }
  return ev::state::kIdle;
}

namespace {
using base::overloaded;

}  // namespace

ConsultationSession::ConsultationSession(Role role, Params params, log::Logger& logger, base::Ms now)
    : role_(role),
      params_(std::move(params)),
      ctx_(logger, now, params_.random_seed),
      peer_(rtc::PeerConfig{.id = kPc,
                            .polite = role == Role::Client,
                            .ice = params_.ice,
                            .data_channels = {kAppChannel},
                            .video_start_bitrate_bps = params_.video_start_bitrate_bps},
            ctx_,
            [this](std::string_view type, json fields) { send_to_remote(type, std::move(fields)); }),
      transport_(signaling::TransportConfig{kTransport, params_.signaling_url, params_.reconnect_backoff, 1024, "",
                                            params_.signaling_alternates},
                 ctx_,
                 [](const json& m) { return signaling::vcm::outbound_type(m); },
                 [this](json& m) {  // a rejoin may have changed this side's connection id
                   if (auto d = m.find("data"); d != m.end() && d->is_object() && d->contains("sender"))
                     (*d)["sender"]["connectionId"] = ctx_.connection_id;
                 }),
      stats_(ctx_, kPc) {
  ctx_.connection_id = params_.connection_id;
  message_id_prefix_ = fmt::format("{:08x}", static_cast<std::uint32_t>(ctx_.random().next_unit() * 4294967296.0));
  transport_.start();
  ctx_.log(log::Level::Info, le::kSessionCreated,
           {{"role", role_ == Role::Doctor ? "doctor" : "client"}, {"consultationId", params_.consultation_id}});
}

void ConsultationSession::handle(const io::Input& input, base::Ms now) {
  ctx_.set_now(now);
  std::visit(overloaded{
                 [this](const io::FromApp& a) { std::visit([this](const auto& r) { on(r); }, a.request); },
                 [this](const io::FromTransport& t) {
                   if (t.transport == kTransport) std::visit([this](const auto& e) { on(e); }, t.event);
                 },
                 [this](const io::FromPc& p) {
                   if (p.pc == kPc) std::visit([this](const auto& e) { on(e); }, p.event);
                 },
                 [this](const io::FromMedia& m) { std::visit([this](const auto& e) { on(e); }, m.event); },
                 [this](const io::Timeout&) { on_timeout(); },
             },
             input);
}

std::optional<base::Ms> ConsultationSession::poll_timeout() const {
  return base::earliest(base::earliest(timers_.next(), stats_.next_timeout()),
                        base::earliest(peer_.next_timeout(), transport_.next_timeout()));
}

json ConsultationSession::snapshot() const {
  json remote = nullptr;
  json peers = json::array();
  if (remote_) {
    remote = {{"connectionId", remote_->connection_id}, {"clientId", remote_->client_id}, {"name", remote_->name}};
    const json& doctor = remote_->props.contains("doctor") ? remote_->props["doctor"] : json(nullptr);
    peers.push_back({{"id", remote_->connection_id},
                     {"displayName", remote_->name},
                     {"avatar", doctor.is_object() && doctor.contains("avatarId") ? doctor["avatarId"] : json(nullptr)},
                     {"deviceState", remote_->props["deviceState"]},
                     {"quality", stats::to_string(stats_.quality())}});
  }
  const char* connect_status = state_ == CallState::Connected                                ? "connected"
                               : state_ == CallState::Idle || state_ == CallState::Ended ? "disconnected"
                                                                                         : "connecting";
  const auto& n = peer_.negotiation();
  json senders = json::object();  // media tag → the shell's TrackId of the track it sends
  for (const auto& [tag, s] : peer_.senders()) senders[tag] = io::to_int(s.track);
  return {{"callState", to_string(state_)},
          {"connectStatus", connect_status},
          {"hasEntered", has_entered_},
          {"hasAnswered", has_answered_},
          {"connectionId", ctx_.connection_id},
          {"remote", remote},
          {"peers", peers},
          {"avatar", role_ == Role::Doctor && params_.doctor.contains("avatarId") ? params_.doctor["avatarId"] : json(nullptr)},
          {"iceCandidatesQueue", peer_.candidate_queue()},
          {"isInviter", role_ == Role::Doctor},
          {"isClosing", is_closing_},
          {"negotiating", n.negotiating()},
          {"deviceState", {{"isHidden", is_hidden_}, {"isMute", is_mute_}}},
          {"signalingState", n.signaling_state()},
          {"iceRestartAttempt", peer_.ice_restart_attempt()},
          {"reconnectAttempt", transport_.reconnect_attempt()},
          {"queuedMessages", transport_.queued()},
          {"localStreamId", local_stream_id_},
          {"remoteStreamIds", remote_streams_},
          {"localTracks", local_tags_json()},
          {"senders", senders},
          {"remoteTracks", remote_tags_}};
}

json ConsultationSession::create_publish_message(std::string_view type, const json& fields) const {
  return signaling::vcm::make_publish(type, sender(), params_.consultation_id, fields);
}

json ConsultationSession::create_transient_message(const std::vector<std::string>& connection_ids,
                                                   const json& fields) const {
  json rest = fields.is_object() ? fields : json::object();
  const std::string type = base::string_or(rest, "type");
  rest.erase("type");
  return signaling::vcm::make_transient(type, sender(), params_.consultation_id, connection_ids, rest);
}

// ---- app requests -----------------------------------------------------------------------------

void ConsultationSession::on(const io::in::Call& c) {
  if (state_ == CallState::Ended && !destroyed_) reset_call();  // a new call on the same object
  if (destroyed_ || state_ != CallState::Idle || pending_call_) {
    const auto err = errors::state_error(destroyed_ ? "call() after destroy()"
                                                    : fmt::format("call() in state '{}'", to_string(state_)));
    ctx_.log(log::Level::Warn, le::kCallRejected, errors::to_json(err));
    settle(c.request_id, err);
    return;
  }
  pending_call_ = c.request_id;
  set_state(CallState::AcquiringMedia);
  ctx_.push(io::fx::AcquireMedia{{{"audio", true}, {"video", !params_.is_audio}}});
}

void ConsultationSession::on(const io::in::HangUp&) {
  if (in_call()) end_call(wire::kHangUp, std::nullopt, /*notify_remote=*/true);
}

void ConsultationSession::on(const io::in::Destroy&) {
  if (destroyed_) return;
  drop_preconnection("destroyed before the answer");
  if (in_call()) end_call(wire::kHangUp, std::nullopt, /*notify_remote=*/true);
  destroyed_ = true;
  transport_.stop(json{{"type", wire::kLeave}, {"data", json::object()}});
  ctx_.log(log::Level::Info, le::kDestroyed);
}

void ConsultationSession::on(const io::in::ChangeDeviceState& c) {
  if (c.is_hidden) is_hidden_ = *c.is_hidden;
  if (c.is_mute) is_mute_ = *c.is_mute;
  const json state = {{"isHidden", is_hidden_}, {"isMute", is_mute_}};
  ctx_.log(log::Level::Info, le::kDeviceState, state);
  ctx_.emit(ev::kLocalDeviceState, state);
  if (media_ready_) apply_device_state();
  if (remote_ && in_call()) send_to_remote(wire::kDeviceState, state);
}

// ---- media --------------------------------------------------------------------------------------

void ConsultationSession::on(const io::in::MediaAcquired& m) {
  if (state_ != CallState::AcquiringMedia) {
    // Media arrived after the call it was for ended (hang up while getUserMedia ran): release
    // these tracks only — a newer call may already have media of its own.
    if (m.audio) ctx_.push(io::fx::ReleaseTrack{*m.audio});
    if (m.video) ctx_.push(io::fx::ReleaseTrack{*m.video});
    return;
  }
  media_ready_ = true;
  local_stream_id_ = m.stream_id;
  ctx_.log(log::Level::Info, le::kMediaAcquired, {{"audio", m.audio.has_value()}, {"video", m.video.has_value()}});
  // The call's own tracks are the "audio" and "video" tags, sent in the local stream — or, when
  // the client connected while ringing, on the senders prepared then (no renegotiation).
  auto send = [&](const char* tag, io::TrackId track) {
    if (!peer_.attach_prepared(tag, rtc::Sender{tag, track, m.stream_id, false}))
      peer_.add_sender(tag, rtc::Sender{tag, track, m.stream_id, false});
  };
  if (m.audio) send("audio", *m.audio);
  if (m.video) send("video", *m.video);
  ctx_.emit(ev::kLocalStream, {{"stream", m.stream_id}});
  apply_device_state();
  if (!peer_.created()) peer_.open();
  if (role_ == Role::Doctor) {
    set_state(CallState::WaitingEnter);
    timers_.start(Timer::Enter, ctx_.now() + params_.enter_timeout);
    send_enter(params_.connections_id);
    // Offer now: setLocalDescription and ICE gathering run while enter makes its round trip,
    // not after it (bench/notes.md). The offer is sent when the client's enter arrives.
    peer_.make_offer();
    return;
  }
  if (remote_) {
    const bool apply_held = held_offer_ && !preconnecting_;
    send_accept();
    if (apply_held) peer_.apply_held_offer(*held_offer_);
    held_offer_.reset();
  } else {
    set_state(CallState::WaitingEnter);
    timers_.start(Timer::Enter, ctx_.now() + params_.enter_timeout);
  }
}

void ConsultationSession::on(const io::in::MediaFailed& m) {
  if (state_ != CallState::AcquiringMedia) return;
  end_call(ev::error_type::kStreamError, errors::stream_error(m.name, m.message, m.constraint), /*notify_remote=*/true);
}

// ---- the peer connection ------------------------------------------------------------------------

void ConsultationSession::on(const io::in::LocalDescription& d) {
  if (!peer_active()) return;
  unsent_description_ = d;
  // The doctor's early offer waits for the client's enter; otherwise it goes now, followed by
  // any candidates gathered before the far side was known.
  if (remote_) signal_local_description();
}

void ConsultationSession::signal_local_description() {
  if (!unsent_description_) return;
  const io::in::LocalDescription offer = std::move(*unsent_description_);
  unsent_description_.reset();
  peer_.on_local_description(offer.type, offer.sdp);
  auto candidates = std::move(unsent_candidates_);
  unsent_candidates_.clear();
  for (auto& c : candidates) send_to_remote(wire::kIceCandidate, {{"candidate", std::move(c)}});
}

void ConsultationSession::on(const io::in::RemoteDescriptionSet& r) {
  if (peer_active()) peer_.on_remote_description_set(r.type);
}

void ConsultationSession::on(const io::in::NegotiationNeeded&) {
  if (in_call() && remote_) peer_.on_negotiation_needed();
}

void ConsultationSession::on(const io::in::OperationFailed& f) {
  if (preconnecting_) {
    // Connecting while ringing went wrong: the offer stays held and is applied on answer, as
    // without preconnect.
    ctx_.log(log::Level::Warn, le::kPreconnectDropped, {{"operation", f.operation}, {"name", f.name}, {"message", f.message}});
    drop_preconnection("a browser operation failed");
    return;
  }
  if (!in_call()) return;
  if (auto failure = peer_.on_operation_failed(f.operation, f.name, f.message))
    end_call(failure->reason, failure->error, /*notify_remote=*/true);
}

void ConsultationSession::on(const io::in::LocalIceCandidate& c) {
  if (!peer_active()) return;
  // Candidates follow their offer: while the early offer waits for the client, so do they.
  if (!remote_ || unsent_description_) {
    if (unsent_candidates_.size() < kMaxUnsentCandidates) unsent_candidates_.push_back(c.candidate);
    else ctx_.log(log::Level::Warn, le::kCandidateDropped, {{"why", "too many candidates before the client entered"}});
    return;
  }
  send_to_remote(wire::kIceCandidate, {{"candidate", c.candidate}});
}

void ConsultationSession::on(const io::in::PeerStateChange& s) {
  const auto event = ev::find(ev::kConnectionGroup, s.event);
  if (!event) {
    ctx_.log(log::Level::Warn, le::kInvalidInput, {{"peerStateChange", base::utf8_prefix(s.event, 64)}});
    return;
  }
  ctx_.log(log::Level::Info, *event, {{"state", s.state}});
  // The client connecting while it rings: its app is told the connection's states only once the
  // person answers (on_answered()), as if the connection had started then.
  if (!preconnecting_) ctx_.emit(*event, {{"state", s.state}, {"connectionId", remote_ ? remote_->connection_id : ""}});
  if (*event == ev::kSignalingStateChange) {
    peer_.on_signaling_state(s.state);
    return;
  }
  if (!peer_active() || !peer_.created()) return;
  if (*event == ev::kIceConnectionStateChange) ice_state_ = s.state;
  if (*event == ev::kConnectionStateChange) connection_state_ = s.state;
  if (preconnecting_) return;  // no ICE restarts before the answer (on_answered() catches up)
  if (auto failure = peer_.on_connection_state(*event, s.state)) {
    end_call(failure->reason, failure->error, /*notify_remote=*/true);
    return;
  }
  if (*event == ev::kConnectionStateChange && s.state == "connected" && state_ == CallState::Connecting)
    set_state(CallState::Connected);
}

void ConsultationSession::on(const io::in::RemoteTrack& t) {
  ctx_.log(log::Level::Info, ev::kTrack, {{"kind", t.kind}, {"streamId", t.stream_id}});
  if (!peer_active()) return;
  // Before the answer (the client connecting while it rings, the doctor waiting for accept) the
  // app is not told: on_answered() tells it.
  if (!has_answered_) {
    if (held_tracks_.size() < 16) held_tracks_.push_back(t);
    return;
  }
  emit_remote_track(t);
}

void ConsultationSession::on(const io::in::StatsReport& r) {
  if (in_call()) stats_.on_report(r, remote_ ? remote_->connection_id : "");
}

// ---- time ---------------------------------------------------------------------------------------

void ConsultationSession::on_timeout() {
  const base::Ms now = ctx_.now();
  while (auto timer = timers_.pop_due(now)) {
    if (*timer == Timer::Enter && state_ == CallState::WaitingEnter) {
      end_call(ev::error_type::kEnter, errors::enter_timeout(params_.enter_timeout.value / 1000), /*notify_remote=*/false);
    } else if (*timer == Timer::Answer && state_ == CallState::WaitingAnswer) {
      end_call(ev::error_type::kAnswer, errors::answer_timeout(params_.answer_timeout.value / 1000), /*notify_remote=*/true);
    }
  }
  transport_.on_timeout(now);
  if (!in_call()) return;
  stats_.on_timeout(now);
  if (auto failure = peer_.on_timeout(now)) end_call(failure->reason, failure->error, /*notify_remote=*/true);
}

// ---- the end of a call --------------------------------------------------------------------------

void ConsultationSession::end_call(std::string_view reason, const std::optional<errors::CallError>& error,
                                   bool notify_remote) {
  is_closing_ = true;
  timers_.cancel_all();  // the transport's reconnect timer outlives the call
  if (notify_remote && (remote_ || role_ == Role::Doctor)) send_to_remote(wire::kHangUp, {{"reason", reason}});
  ctx_.log(error ? log::Level::Error : log::Level::Info, le::kCallEnded,
           error ? json{{"reason", reason}, {"error", errors::to_json(*error)}} : json{{"reason", reason}});
  if (error) ctx_.emit(ev::kCallError, errors::to_json(*error), /*is_error=*/true);
  if (pending_call_) {
    settle(*pending_call_, error ? *error
                                 : errors::make(ev::error_type::kHangUp, "The call was hung up",
                                                "hangUp() was called before the call was answered"));
  }
  ctx_.push(io::fx::StopTracks{});
  peer_.close();
  unsent_description_.reset();  // it belonged to the closed connection
  unsent_candidates_.clear();
  preconnecting_ = false;
  held_tracks_.clear();
  ice_state_ = connection_state_ = "new";
  media_ready_ = false;
  // No tracks are sent or received any more: say so, so that players let go of them.
  if (!peer_.senders().empty()) {
    peer_.clear_senders();
    ctx_.emit(ev::kLocalTracks, {{"tracks", json::array()}});
  }
  if (!remote_tags_.empty()) {
    remote_tags_ = json::array();
    ctx_.emit(ev::kRemoteTracks, {{"connectionId", remote_ ? remote_->connection_id : ""}, {"tracks", json::array()}});
  }
  set_state(CallState::Ended);
}

void ConsultationSession::reset_call() {
  remote_.reset();
  has_entered_ = false;
  has_answered_ = false;
  is_closing_ = false;
  peer_.close();
  remote_streams_.clear();
  local_stream_id_.clear();
  app_seq_out_ = 0;
  app_seq_in_next_ = 1;
  app_pending_.clear();
  remote_tags_ = json::array();
  held_offer_.reset();
  // The ended call's streams (stopped local, remote of the closed connection): the shell lets go
  // of them, so that an object called again and again does not keep every call's streams.
  ctx_.push(io::fx::ReleaseStreams{});
  set_state(CallState::Idle);
}

// ---- helpers ------------------------------------------------------------------------------------

void ConsultationSession::settle(int request_id, const std::optional<errors::CallError>& error, bool with_local_stream) {
  if (pending_call_ && *pending_call_ == request_id) pending_call_.reset();
  ctx_.push(io::fx::SettleRequest{request_id, error, with_local_stream && !error});
}

void ConsultationSession::signaling_error(std::string code, std::string message, std::string_view raw) {
  json payload = {{"code", std::move(code)}, {"message", std::move(message)}};
  if (!raw.empty()) payload["raw"] = base::utf8_prefix(raw, 256);
  ctx_.log(log::Level::Error, ev::kSignalingError, payload);
  ctx_.emit(ev::kSignalingError, payload, /*is_error=*/true);
}

void ConsultationSession::set_state(CallState next) {
  if (next == state_) return;
  // Stats are collected while connected (sip-connector: from the call's confirmation).
  if (next == CallState::Connected) stats_.start();
  else if (next == CallState::Ended || next == CallState::Idle) stats_.stop();
  const json change = {{"state", to_string(next)}, {"previous", to_string(state_)}};
  state_ = next;
  ctx_.log(log::Level::Info, ev::kCallState, change);
  ctx_.emit(ev::kCallState, change);
}

std::variant<std::unique_ptr<ConsultationSession>, errors::CallError> make_session(std::string_view role,
                                                                                   const json& params,
                                                                                   log::Logger& logger, base::Ms now) {
  if (role != "doctor" && role != "client")
    return errors::params_error(fmt::format("role must be 'doctor' or 'client', not '{}'", base::utf8_prefix(role, 32)));
  auto parsed = parse_params(params);
  if (auto* err = std::get_if<errors::CallError>(&parsed)) return *err;
  return std::make_unique<ConsultationSession>(role == "doctor" ? Role::Doctor : Role::Client,
                                               std::get<Params>(std::move(parsed)), logger, now);
}

bool ConsultationSession::in_call() const { return state_ != CallState::Idle && state_ != CallState::Ended; }

}  // namespace callcore::session::consultation
