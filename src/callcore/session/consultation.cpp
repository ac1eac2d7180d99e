#include "callcore/session/consultation.hpp"

#include <fmt/format.h>

#include "callcore/events/event_list.hpp"

namespace callcore::session {

using nlohmann::json;
using signaling::MessageType;

namespace ev = callcore::events;

std::string_view to_string(CallState state) {
  switch (state) {
    case CallState::Idle: return "idle";
    case CallState::AcquiringMedia: return "acquiringMedia";
    case CallState::WaitingEnter: return "waitingEnter";
    case CallState::WaitingAnswer: return "waitingAnswer";
    case CallState::Connecting: return "connecting";
    case CallState::Connected: return "connected";
    case CallState::Ended: return "ended";
  }
  return "idle";
}

namespace {

json error_json(const errors::CallError& e) {
  return {{"type", e.type}, {"message", e.message}, {"description", e.description}};
}

// Reads a required id-like field: a non-empty string, or a number (portals use numeric ids).
std::optional<std::string> id_field(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) return std::nullopt;
  if (it->is_string() && !it->get_ref<const std::string&>().empty()) return it->get<std::string>();
  if (it->is_number_integer()) return it->dump();
  return std::nullopt;
}

std::optional<double> timeout_field(const json& j, const char* key, double fallback, bool& ok) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  if (!it->is_number() || it->get<double>() <= 0) {
    ok = false;
    return std::nullopt;
  }
  return it->get<double>();
}

}  // namespace

std::variant<Params, errors::CallError> parse_params(const json& j) {
  if (!j.is_object()) return errors::params_error("params must be an object");
  Params p;
  auto name = j.find("name");
  if (name == j.end() || !name->is_string()) return errors::params_error("name must be a string");
  p.name = name->get<std::string>();
  auto client_id = id_field(j, "clientId");
  if (!client_id) return errors::params_error("clientId must be a non-empty string or a number");
  p.client_id = *client_id;
  auto consultation = id_field(j, "consultationId");
  if (!consultation) return errors::params_error("consultationId must be a non-empty string or a number");
  p.consultation_id = *consultation;
  if (auto c = id_field(j, "connectionId")) p.connection_id = *c;
  if (auto it = j.find("connectionsId"); it != j.end() && it->is_array()) {
    for (const auto& id : *it) {
      if (id.is_string()) p.connections_id.push_back(id.get<std::string>());
    }
  }
  if (auto it = j.find("doctor"); it != j.end() && it->is_object()) p.doctor = *it;
  if (auto it = j.find("isAudio"); it != j.end()) {
    if (!it->is_boolean()) return errors::params_error("isAudio must be a boolean");
    p.is_audio = it->get<bool>();
  }
  bool ok = true;
  p.enter_timeout_s = timeout_field(j, "enterTimeoutSecond", 60, ok).value_or(0);
  if (!ok) return errors::params_error("enterTimeoutSecond must be a positive number of seconds");
  p.answer_timeout_s = timeout_field(j, "answerTimeoutSecond", 60, ok).value_or(0);
  if (!ok) return errors::params_error("answerTimeoutSecond must be a positive number of seconds");
  auto url = j.find("signalingUrl");
  const bool has_url = url != j.end() && url->is_string() && !url->get_ref<const std::string&>().empty();
  auto has_send = j.find("hasSend");
  const bool send = has_send != j.end() && has_send->is_boolean() && has_send->get<bool>();
  if (has_url == send) return errors::params_error("give exactly one of signalingUrl and send");
  if (has_url) p.signaling_url = url->get<std::string>();
  if (send && p.connection_id.empty())
    return errors::params_error("connectionId is required when the portal owns the socket (send)");
  return p;
}

ConsultationSession::ConsultationSession(Role role, Params params, log::Logger& logger, double now_ms)
    : role_(role), params_(std::move(params)), logger_(logger), now_ms_(now_ms) {
  connection_id_ = params_.connection_id;
  if (params_.signaling_url.empty()) {
    signaling_ready_ = true;
  } else {
    out("openSignaling", {{"url", params_.signaling_url}});
    emit(ev::kSocketState, {{"state", "connecting"}});
  }
  log(log::Level::Info, "sessionCreated",
      {{"role", role_ == Role::Doctor ? "doctor" : "client"}, {"consultationId", params_.consultation_id}});
}

void ConsultationSession::handle(const Input& input, double now_ms) {
  now_ms_ = now_ms;
  std::visit([this](const auto& i) { on(i); }, input);
}

std::optional<Output> ConsultationSession::poll_output() {
  if (outputs_.empty()) return std::nullopt;
  Output o = std::move(outputs_.front());
  outputs_.pop_front();
  return o;
}

json ConsultationSession::snapshot() const {
  json remote = nullptr;
  if (remote_) {
    remote = {{"connectionId", remote_->connection_id}, {"clientId", remote_->client_id}, {"name", remote_->name}};
  }
  return {{"callState", to_string(state_)},
          {"hasEntered", has_entered_},
          {"hasAnswered", has_answered_},
          {"connectionId", connection_id_},
          {"remote", remote},
          {"iceCandidatesQueue", ice_queue_},
          {"isInviter", role_ == Role::Doctor},
          {"isClosing", is_closing_},
          {"negotiating", negotiating_},
          {"deviceState", {{"isHidden", is_hidden_}, {"isMute", is_mute_}}},
          {"signalingState", signaling_state_}};
}

json ConsultationSession::create_publish_message(std::string_view type, const json& fields) const {
  return signaling::make_publish(type, sender(), params_.consultation_id, fields);
}

json ConsultationSession::create_transient_message(const std::vector<std::string>& connection_ids,
                                                   const json& fields) const {
  std::string type;
  if (auto it = fields.find("type"); it != fields.end() && it->is_string()) type = it->get<std::string>();
  json rest = fields.is_object() ? fields : json::object();
  rest.erase("type");
  return signaling::make_transient(type, sender(), params_.consultation_id, connection_ids, rest);
}

// ---- app inputs -------------------------------------------------------------------------

void ConsultationSession::on(const in::Call& c) {
  if (state_ == CallState::Ended && !destroyed_) reset_call();  // a new call on the same object
  if (destroyed_ || state_ != CallState::Idle || pending_call_) {
    const auto err = errors::state_error(destroyed_ ? "call() after destroy()"
                                                    : fmt::format("call() in state '{}'", to_string(state_)));
    log(log::Level::Warn, "callRejected", error_json(err));
    out("rejectCall", {{"requestId", c.request_id}, {"error", error_json(err)}});
    return;
  }
  pending_call_ = c.request_id;
  set_state(CallState::AcquiringMedia);
  out("acquireMedia", {{"audio", true}, {"video", !params_.is_audio}});
}

void ConsultationSession::on(const in::HangUp&) {
  if (!in_call()) return;
  end_call("hangUp", std::nullopt, /*notify_remote=*/true);
}

void ConsultationSession::on(const in::Destroy&) {
  if (destroyed_) return;
  if (in_call()) end_call("hangUp", std::nullopt, /*notify_remote=*/true);
  destroyed_ = true;
  if (!params_.signaling_url.empty()) out("closeSignaling");
  log(log::Level::Info, "destroyed");
}

void ConsultationSession::on(const in::ChangeDeviceState& c) {
  if (c.is_hidden) is_hidden_ = *c.is_hidden;
  if (c.is_mute) is_mute_ = *c.is_mute;
  log(log::Level::Info, "deviceState", {{"isHidden", is_hidden_}, {"isMute", is_mute_}});
  if (media_ready_) apply_device_state();
  if (remote_ && in_call()) send_to_remote("deviceState", {{"isHidden", is_hidden_}, {"isMute", is_mute_}});
}

// ---- signaling ----------------------------------------------------------------------------

void ConsultationSession::on(const in::SignalingOpen&) {
  emit(ev::kSocketState, {{"state", "open"}});
  log(log::Level::Info, "signalingOpen", {{"url", params_.signaling_url}});
  out("send", {{"message",
                {{"type", "join"},
                 {"data",
                  {{"consultationId", params_.consultation_id}, {"clientId", params_.client_id}, {"name", params_.name}}}}}});
}

void ConsultationSession::on(const in::SignalingClosed& c) {
  signaling_ready_ = false;
  emit(ev::kSocketState, {{"state", "closed"}});
  log(destroyed_ ? log::Level::Info : log::Level::Warn, "signalingClosed", {{"code", c.code}, {"reason", c.reason}});
  if (destroyed_) return;
  // Before the media path is up, the call cannot go on without signaling.
  if (in_call() && state_ != CallState::Connected) {
    end_call("signaling",
             errors::CallError{"signaling", "The signaling connection was lost",
                               fmt::format("socket closed (code {}{}{})", c.code, c.reason.empty() ? "" : ": ", c.reason)},
             /*notify_remote=*/false);
  }
}

void ConsultationSession::on(const in::SignalingMessage& m) {
  auto result = signaling::decode(m.text);
  if (auto* err = std::get_if<signaling::DecodeError>(&result)) {
    signaling_error(err->code, err->message, m.text);
    return;
  }
  const auto& msg = std::get<signaling::Message>(result);
  if (auto it = msg.data.find("consultationId"); it != msg.data.end() && !it->is_null()) {
    const std::string id = it->is_string() ? it->get<std::string>() : it->dump();
    if (id != params_.consultation_id) {
      signaling_error("wrongConsultation", fmt::format("message for consultation '{}'", id.substr(0, 64)));
      return;
    }
  }
  if (!msg.sender.connection_id.empty() && msg.sender.connection_id == connection_id_) return;  // own echo
  on_message(msg);
}

void ConsultationSession::on_message(const signaling::Message& msg) {
  const auto type = signaling::to_string(msg.type);
  log(log::Level::Debug, "signalingMessage", {{"type", type}, {"data", msg.data}});
  switch (msg.type) {
    case MessageType::Joined: {
      connection_id_ = msg.data["connectionId"].get<std::string>();
      signaling_ready_ = true;
      emit(type, msg.data);
      auto queued = std::move(unsent_);
      unsent_.clear();
      for (auto& m : queued) send(std::move(m));
      return;
    }
    case MessageType::PeerJoined:
      emit(type, msg.data);
      if (role_ == Role::Doctor && state_ == CallState::WaitingEnter)
        send_enter({msg.data["connectionId"].get<std::string>()});
      return;
    case MessageType::PeerLeft:
      emit(type, msg.data);
      if (remote_ && remote_->connection_id == msg.data["connectionId"].get<std::string>())
        on_remote_hang_up("peerLeft", remote_->connection_id);
      return;
    case MessageType::Error:
      signaling_error(fmt::format("server:{}", msg.data["code"].get<std::string>()),
                      msg.data["message"].get<std::string>());
      return;
    case MessageType::Enter:
      on_enter(msg);
      return;
    default:
      break;
  }
  // Call messages after enter: only from the far side of this call.
  if (!from_remote(msg)) {
    log(log::Level::Warn, "ignoredMessage", {{"type", type}, {"from", msg.sender.connection_id}, {"why", "not from the far side"}});
    return;
  }
  emit(type, msg.data);
  switch (msg.type) {
    case MessageType::Accept:
      if (role_ != Role::Doctor || state_ != CallState::WaitingAnswer) {
        log(log::Level::Warn, "ignoredMessage", {{"type", type}, {"why", "not waiting for an answer"}});
        return;
      }
      cancel_timer(kAnswerTimer);
      has_answered_ = true;
      emit(ev::kAnswer, {{"connectionId", remote_->connection_id}});
      set_state(CallState::Connecting);
      settle_call(std::nullopt);
      make_offer();
      return;
    case MessageType::Offer:
    case MessageType::Answer:
      on_description(msg);
      return;
    case MessageType::IceCandidate:
      on_remote_candidate(msg);
      return;
    case MessageType::DeviceState: {
      auto& ds = remote_->props["deviceState"];
      if (!ds.is_object()) ds = {{"isHidden", false}, {"isMute", false}};
      if (msg.data.contains("isHidden")) ds["isHidden"] = msg.data["isHidden"];
      if (msg.data.contains("isMute")) ds["isMute"] = msg.data["isMute"];
      emit(ev::kRemoteDeviceState,
           {{"connectionId", remote_->connection_id}, {"isHidden", ds["isHidden"]}, {"isMute", ds["isMute"]}});
      emit(ev::kRespondentProps, respondent_props());
      return;
    }
    case MessageType::HangUp: {
      auto it = msg.data.find("reason");
      on_remote_hang_up(it != msg.data.end() && it->is_string() ? it->get<std::string>() : "hangUp",
                        remote_->connection_id);
      return;
    }
    default:
      return;
  }
}

void ConsultationSession::on_enter(const signaling::Message& msg) {
  const std::string& from = msg.sender.connection_id;
  if (role_ == Role::Client && state_ == CallState::Ended && !destroyed_) reset_call();  // the doctor calls again
  if (remote_ && remote_->connection_id != from) {
    log(log::Level::Warn, "ignoredMessage", {{"type", "enter"}, {"from", from}, {"why", "another side is in this call"}});
    return;
  }
  const bool accepts_enter = role_ == Role::Doctor ? state_ == CallState::WaitingEnter
                                                   : state_ != CallState::Ended && !destroyed_;
  if (!accepts_enter) {
    if (remote_ && role_ == Role::Client && in_call()) send_enter({from});  // re-sent enter: answer again
    log(log::Level::Debug, "ignoredMessage", {{"type", "enter"}, {"why", fmt::format("state '{}'", to_string(state_))}});
    return;
  }
  const bool first = !remote_;
  Remote r{from, msg.sender.client_id, msg.data.value("name", std::string()), msg.data};
  r.props.erase("sender");
  r.props.erase("type");
  if (!r.props["deviceState"].is_object()) r.props["deviceState"] = {{"isHidden", false}, {"isMute", false}};
  remote_ = std::move(r);
  has_entered_ = true;
  if (first) {
    emit("enter", msg.data);
    emit(ev::kEnter, respondent_props());
    emit(ev::kRespondentProps, respondent_props());
  }
  if (role_ == Role::Doctor) {
    cancel_timer(kEnterTimer);
    set_state(CallState::WaitingAnswer);
    start_timer(kAnswerTimer, params_.answer_timeout_s);
    return;
  }
  // Client: tell the doctor we are here; if call() already has media, answer now.
  send_enter({from});
  if (state_ == CallState::WaitingEnter) {
    cancel_timer(kEnterTimer);
    send_accept();
  }
}

void ConsultationSession::on_description(const signaling::Message& msg) {
  const json& description = msg.data["description"];
  const bool is_offer = msg.type == MessageType::Offer;
  if (!pc_created_) {
    log(log::Level::Warn, "ignoredMessage", {{"type", signaling::to_string(msg.type)}, {"why", "no peer connection yet"}});
    return;
  }
  if (is_offer) {
    // W3C webrtc-pc §10: an offer collides when we are making one or are not stable.
    const bool collision = making_offer_ || signaling_state_ != "stable";
    const bool polite = role_ == Role::Client;
    ignore_offer_ = !polite && collision;
    if (ignore_offer_) {
      log(log::Level::Info, "offerIgnored", {{"why", "glare: impolite side keeps its own offer"}});
      return;
    }
  } else if (signaling_state_ != "have-local-offer") {
    log(log::Level::Warn, "ignoredMessage", {{"type", "answer"}, {"why", fmt::format("signalingState '{}'", signaling_state_)}});
    return;
  }
  negotiating_ = true;
  remote_description_set_ = false;
  pending_remote_type_ = is_offer ? "offer" : "answer";
  out("setRemoteDescription", {{"description", description}});
}

void ConsultationSession::on_remote_candidate(const signaling::Message& msg) {
  if (ignore_offer_) {
    log(log::Level::Debug, "candidateDropped", {{"why", "belongs to an ignored offer"}});
    return;
  }
  const json& candidate = msg.data["candidate"];
  if (!remote_description_set_) {
    ice_queue_.push_back(candidate);  // W3C: candidates need the remote description first
    return;
  }
  out("addIceCandidate", {{"candidate", candidate}});
}

void ConsultationSession::on_remote_hang_up(std::string_view reason, std::string_view connection_id) {
  emit(ev::kHangUp, {{"reason", reason}, {"connectionId", connection_id}});
  if (!in_call()) {
    // Not in a call (e.g. the client before answering): forget the far side.
    remote_.reset();
    has_entered_ = false;
    return;
  }
  std::optional<errors::CallError> err;
  if (pending_call_) {
    err = errors::CallError{"hangUp", "The other side hung up",
                            fmt::format("the call ended before it was answered (reason: {})", reason)};
  }
  end_call(reason, err, /*notify_remote=*/false);
}

// ---- media and peer connection ----------------------------------------------------------

void ConsultationSession::on(const in::MediaAcquired& m) {
  if (state_ != CallState::AcquiringMedia) {
    // Media arrived after the call ended (hang up while getUserMedia ran): release it.
    out("stopTracks");
    return;
  }
  media_ready_ = true;
  log(log::Level::Info, "mediaAcquired", {{"audio", m.has_audio}, {"video", m.has_video}});
  emit(ev::kLocalStream, {{"stream", "local"}});
  apply_device_state();
  pc_created_ = true;
  out("createPeerConnection");
  if (role_ == Role::Doctor) {
    set_state(CallState::WaitingEnter);
    start_timer(kEnterTimer, params_.enter_timeout_s);
    send_enter(params_.connections_id);
    return;
  }
  if (remote_) {
    send_accept();
  } else {
    set_state(CallState::WaitingEnter);
    start_timer(kEnterTimer, params_.enter_timeout_s);
  }
}

void ConsultationSession::on(const in::MediaFailed& m) {
  if (state_ != CallState::AcquiringMedia) return;
  end_call("streamError", errors::stream_error(m.name, m.message, m.constraint), /*notify_remote=*/true);
}

void ConsultationSession::on(const in::LocalDescription& d) {
  if (!in_call() || !remote_) return;
  if (d.type == "offer") making_offer_ = false;
  log(log::Level::Info, "localDescription", {{"type", d.type}, {"sdp", d.sdp}});
  send_to_remote(d.type, {{"description", {{"type", d.type}, {"sdp", d.sdp}}}});
  if (d.type == "answer") negotiating_ = false;
}

void ConsultationSession::on(const in::RemoteDescriptionSet&) {
  if (!in_call()) return;
  remote_description_set_ = true;
  log(log::Level::Info, "remoteDescriptionSet", {{"type", pending_remote_type_}});
  auto queued = std::move(ice_queue_);
  ice_queue_.clear();
  for (auto& c : queued) out("addIceCandidate", {{"candidate", std::move(c)}});
  if (pending_remote_type_ == "offer") {
    out("setLocalDescription", {{"type", "answer"}});
  } else {
    negotiating_ = false;
  }
  pending_remote_type_.clear();
}

void ConsultationSession::on(const in::OperationFailed& f) {
  if (!in_call()) return;
  if (f.operation == "addIceCandidate") {
    // One bad candidate does not end a call; ICE may still succeed with the others.
    log(log::Level::Warn, "addIceCandidateFailed", {{"name", f.name}, {"message", f.message}});
    return;
  }
  if (f.operation == "setLocalDescription") making_offer_ = false;
  const auto err = errors::negotiation_error(f.operation, f.name, f.message);
  if (state_ == CallState::Connected) {
    log(log::Level::Error, "negotiationFailed", error_json(err));
    emit(ev::kCallError, error_json(err), /*is_error=*/true);
    negotiating_ = false;
    return;
  }
  end_call("negotiation", err, /*notify_remote=*/true);
}

void ConsultationSession::on(const in::LocalIceCandidate& c) {
  if (!in_call() || !remote_) return;
  send_to_remote("iceCandidate", {{"candidate", c.candidate}});
}

void ConsultationSession::on(const in::PeerStateChange& s) {
  log(log::Level::Info, s.event, {{"state", s.state}});
  if (!events::is_connection_event(s.event)) return;
  emit(s.event, {{"state", s.state}, {"connectionId", remote_ ? remote_->connection_id : ""}});
  if (s.event == ev::kSignalingStateChange) {
    signaling_state_ = s.state;
    return;
  }
  if (s.event != ev::kConnectionStateChange || !in_call()) return;
  if (s.state == "connected" && state_ == CallState::Connecting) {
    set_state(CallState::Connected);
  } else if (s.state == "failed") {
    end_call("connection",
             errors::CallError{"connection", "The media connection failed",
                               "RTCPeerConnection connectionState became 'failed' (ICE or DTLS)"},
             /*notify_remote=*/true);
  }
}

void ConsultationSession::on(const in::RemoteTrack& t) {
  log(log::Level::Info, ev::kTrack, {{"kind", t.kind}, {"streamId", t.stream_id}});
  if (!in_call()) return;
  emit(ev::kTrack, {{"kind", t.kind}, {"streamId", t.stream_id}, {"connectionId", remote_ ? remote_->connection_id : ""}});
  if (remote_streams_.insert(t.stream_id).second) emit(ev::kRemoteStream, {{"stream", t.stream_id}});
}

void ConsultationSession::on(const in::TimerFired& t) {
  if (active_timers_.erase(t.id) == 0) return;  // cancelled or unknown: stale expiry
  if (t.id == kEnterTimer && state_ == CallState::WaitingEnter) {
    end_call("enter", errors::enter_timeout(params_.enter_timeout_s), /*notify_remote=*/false);
  } else if (t.id == kAnswerTimer && state_ == CallState::WaitingAnswer) {
    end_call("answer", errors::answer_timeout(params_.answer_timeout_s), /*notify_remote=*/true);
  }
}

// ---- helpers ----------------------------------------------------------------------------

void ConsultationSession::out(std::string kind, json data) { outputs_.push_back(Output{std::move(kind), std::move(data)}); }

void ConsultationSession::emit(std::string_view event_type, json payload, bool is_error) {
  out("emit", {{"emitType", is_error ? ev::kEmitError : ev::kEmitEvent}, {"eventType", event_type}, {"payload", std::move(payload)}});
}

void ConsultationSession::log(log::Level level, std::string_view event, json data) {
  logger_.log(now_ms_, level, event, connection_id_, data);
}

void ConsultationSession::signaling_error(std::string code, std::string message, std::string_view raw) {
  json payload = {{"code", code}, {"message", message}};
  if (!raw.empty()) payload["raw"] = std::string(raw.substr(0, 256));
  log(log::Level::Error, ev::kSignalingError, payload);
  emit(ev::kSignalingError, payload, /*is_error=*/true);
}

void ConsultationSession::set_state(CallState next) {
  if (next == state_) return;
  const CallState previous = state_;
  state_ = next;
  log(log::Level::Info, ev::kCallState, {{"state", to_string(next)}, {"previous", to_string(previous)}});
  emit(ev::kCallState, {{"state", to_string(next)}, {"previous", to_string(previous)}});
}

void ConsultationSession::send(json message) {
  if (!signaling_ready_) {
    unsent_.push_back(std::move(message));  // delivered in order once joined
    return;
  }
  if (message.contains("data") && message["data"].contains("sender"))
    message["data"]["sender"]["connectionId"] = connection_id_;
  out("send", {{"message", std::move(message)}});
}

void ConsultationSession::send_to_remote(std::string_view type, json fields) {
  if (remote_) {
    send(signaling::make_transient(type, sender(), params_.consultation_id, {remote_->connection_id}, fields));
  } else {
    send(signaling::make_publish(type, sender(), params_.consultation_id, fields));
  }
}

void ConsultationSession::send_enter(const std::vector<std::string>& to) {
  if (to.empty()) {
    send(signaling::make_publish("enter", sender(), params_.consultation_id, own_props()));
  } else {
    send(signaling::make_transient("enter", sender(), params_.consultation_id, to, own_props()));
  }
}

void ConsultationSession::send_accept() {
  has_answered_ = true;
  send_to_remote("accept", json::object());
  set_state(CallState::Connecting);
  settle_call(std::nullopt);
}

void ConsultationSession::start_timer(TimerId id, double seconds) {
  active_timers_.insert(id);
  out("startTimer", {{"id", id}, {"ms", seconds * 1000.0}});
}

void ConsultationSession::cancel_timer(TimerId id) {
  if (active_timers_.erase(id) != 0) out("cancelTimer", {{"id", id}});
}

void ConsultationSession::apply_device_state() {
  out("setTrackEnabled", {{"kind", "audio"}, {"enabled", !is_mute_}});
  if (!params_.is_audio) out("setTrackEnabled", {{"kind", "video"}, {"enabled", !is_hidden_}});
}

void ConsultationSession::make_offer() {
  making_offer_ = true;
  negotiating_ = true;
  out("setLocalDescription", {{"type", "offer"}});
}

void ConsultationSession::end_call(std::string_view reason, const std::optional<errors::CallError>& error,
                                   bool notify_remote) {
  is_closing_ = true;
  for (int id : std::set<int>(active_timers_)) cancel_timer(static_cast<TimerId>(id));
  if (notify_remote && (remote_ || role_ == Role::Doctor)) send_to_remote("hangUp", {{"reason", reason}});
  log(error ? log::Level::Error : log::Level::Info, "callEnded",
      error ? json{{"reason", reason}, {"error", error_json(*error)}} : json{{"reason", reason}});
  if (error) emit(ev::kCallError, error_json(*error), /*is_error=*/true);
  if (pending_call_) {
    settle_call(error ? error : std::optional(errors::CallError{"hangUp", "The call was hung up",
                                                                  "hangUp() was called before the call was answered"}));
  }
  out("stopTracks");
  if (pc_created_) out("closePeerConnection");
  pc_created_ = false;
  media_ready_ = false;
  ice_queue_.clear();
  negotiating_ = false;
  making_offer_ = false;
  set_state(CallState::Ended);
}

void ConsultationSession::reset_call() {
  remote_.reset();
  has_entered_ = false;
  has_answered_ = false;
  is_closing_ = false;
  ignore_offer_ = false;
  remote_description_set_ = false;
  pending_remote_type_.clear();
  signaling_state_ = "stable";
  remote_streams_.clear();
  set_state(CallState::Idle);
}

void ConsultationSession::settle_call(const std::optional<errors::CallError>& error) {
  if (!pending_call_) return;
  if (error) {
    out("rejectCall", {{"requestId", *pending_call_}, {"error", error_json(*error)}});
  } else {
    out("resolveCall", {{"requestId", *pending_call_}});
  }
  pending_call_.reset();
}

json ConsultationSession::own_props() const {
  json props = {{"name", params_.name},
                {"clientId", params_.client_id},
                {"isAudio", params_.is_audio},
                {"deviceState", {{"isHidden", is_hidden_}, {"isMute", is_mute_}}}};
  if (role_ == Role::Doctor) props["doctor"] = params_.doctor;
  return props;
}

json ConsultationSession::respondent_props() const {
  json props = remote_->props;
  props["name"] = remote_->name;
  props["clientId"] = remote_->client_id;
  props["connectionId"] = remote_->connection_id;
  return props;
}

signaling::Sender ConsultationSession::sender() const {
  return {params_.consultation_id, params_.client_id, connection_id_};
}

bool ConsultationSession::in_call() const { return state_ != CallState::Idle && state_ != CallState::Ended; }

bool ConsultationSession::from_remote(const signaling::Message& msg) const {
  return remote_ && remote_->connection_id == msg.sender.connection_id;
}

}  // namespace callcore::session
