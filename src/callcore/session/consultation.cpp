#include "callcore/session/consultation.hpp"

#include <fmt/format.h>

#include "callcore/events/event_list.hpp"
#include "callcore/json_text.hpp"

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
  if (!has_url && !send)
    return errors::params_error(
        "no signaling transport: call configure({ signalingUrl }) or configure({ send }) once at app start, "
        "or pass signalingUrl or send in RTCParams");
  if (has_url && send) return errors::params_error("give only one of signalingUrl and send");
  if (has_url) p.signaling_url = url->get<std::string>();
  if (send && p.connection_id.empty())
    return errors::params_error("connectionId is required when the portal owns the socket (send)");
  p.ice_disconnected_grace_ms = timeout_field(j, "iceDisconnectedGraceMs", 3000, ok).value_or(0);
  if (!ok) return errors::params_error("iceDisconnectedGraceMs must be a positive number of ms");
  p.ice_restart_timeout_ms = timeout_field(j, "iceRestartTimeoutMs", 10000, ok).value_or(0);
  if (!ok) return errors::params_error("iceRestartTimeoutMs must be a positive number of ms");
  p.reconnect_backoff.cap_ms = timeout_field(j, "reconnectBackoffCapMs", 8000, ok).value_or(0);
  if (!ok) return errors::params_error("reconnectBackoffCapMs must be a positive number of ms");
  if (auto it = j.find("iceRestartMaxAttempts"); it != j.end() && !it->is_null()) {
    if (!it->is_number_integer() || it->get<int>() < 1 || it->get<int>() > 100)
      return errors::params_error("iceRestartMaxAttempts must be an integer from 1 to 100");
    p.ice_restart_max_attempts = it->get<int>();
  }
  if (auto it = j.find("randomSeed"); it != j.end() && it->is_number() && it->get<double>() >= 0)
    p.random_seed = static_cast<std::uint64_t>(it->get<double>());
  return p;
}

ConsultationSession::ConsultationSession(Role role, Params params, log::Logger& logger, double now_ms)
    : role_(role),
      params_(std::move(params)),
      logger_(logger),
      now_ms_(now_ms),
      negotiation_(/*polite=*/role == Role::Client),
      random_(params_.random_seed) {
  connection_id_ = params_.connection_id;
  message_id_prefix_ = fmt::format("{:08x}", static_cast<std::uint32_t>(random_.next_unit() * 4294967296.0));
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
          {"negotiating", negotiation_.negotiating()},
          {"deviceState", {{"isHidden", is_hidden_}, {"isMute", is_mute_}}},
          {"signalingState", negotiation_.signaling_state()},
          {"iceRestartAttempt", ice_restart_attempt_},
          {"reconnectAttempt", reconnect_attempt_},
          {"queuedMessages", unsent_.size()},
          {"localTracks", local_tags_json()},
          {"remoteTracks", remote_tags_}};
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
  cancel_timer(kReconnectTimer);
  if (!params_.signaling_url.empty()) {
    // Tell the server we are really gone (no reconnect grace), then close the socket.
    if (signaling_ready_) out("send", {{"message", {{"type", "leave"}, {"data", json::object()}}}});
    out("closeSignaling");
  }
  log(log::Level::Info, "destroyed");
}

void ConsultationSession::on(const in::ChangeDeviceState& c) {
  if (c.is_hidden) is_hidden_ = *c.is_hidden;
  if (c.is_mute) is_mute_ = *c.is_mute;
  log(log::Level::Info, "deviceState", {{"isHidden", is_hidden_}, {"isMute", is_mute_}});
  emit(ev::kLocalDeviceState, {{"isHidden", is_hidden_}, {"isMute", is_mute_}});
  if (media_ready_) apply_device_state();
  if (remote_ && in_call()) send_to_remote("deviceState", {{"isHidden", is_hidden_}, {"isMute", is_mute_}});
}

// ---- signaling ----------------------------------------------------------------------------

void ConsultationSession::on(const in::SignalingOpen&) {
  emit(ev::kSocketState, {{"state", "open"}});
  log(log::Level::Info, "signalingOpen", {{"url", params_.signaling_url}});
  json join = {{"consultationId", params_.consultation_id}, {"clientId", params_.client_id}, {"name", params_.name}};
  if (!connection_id_.empty()) join["connectionId"] = connection_id_;  // resume membership
  out("send", {{"message", {{"type", "join"}, {"data", std::move(join)}}}});
}

void ConsultationSession::on(const in::SignalingClosed& c) {
  signaling_ready_ = false;
  emit(ev::kSocketState, {{"state", "closed"}});
  log(destroyed_ ? log::Level::Info : log::Level::Warn, "signalingClosed", {{"code", c.code}, {"reason", c.reason}});
  if (destroyed_ || active_timers_.count(kReconnectTimer) != 0) return;
  if (c.code == 4001) {
    // The server gave this connection's membership to a newer socket (docs/protocol.md §4.6):
    // reconnecting would take it back and start a tug of war.
    signaling_error("takenOver", "another socket took over this connection; not reconnecting");
    return;
  }
  // The call goes on (media is peer to peer); messages wait in order until we rejoin.
  ++reconnect_attempt_;
  const double delay = params_.reconnect_backoff.delay_ms(reconnect_attempt_, random_);
  start_timer(kReconnectTimer, delay / 1000.0);
  emit(ev::kSignalingReconnect, {{"phase", "scheduled"}, {"attempt", reconnect_attempt_}, {"delayMs", delay}});
}

void ConsultationSession::on(const in::SignalingPaused&) {
  if (!params_.signaling_url.empty()) return;  // the built-in socket reports itself
  signaling_ready_ = false;
  log(log::Level::Warn, "signalingPaused");
}

void ConsultationSession::on(const in::SendFailed& f) {
  if (destroyed_) return;
  // The socket is going away: keep the message, in order, for when it is back.
  signaling_ready_ = false;
  log(log::Level::Warn, "sendFailed", {{"reason", f.reason}, {"type", string_or(f.message, "type")}});
  unsent_.push_back(f.message);
}

// ---- app messages (sendMessage) -----------------------------------------------------------
// Sent on the data channel when it is open, else as a 'message' signaling message; each has a
// seq so the far side delivers them in order (and once) whichever way each one came.

void ConsultationSession::on(const in::SendMessage& m) {
  std::optional<errors::CallError> err;
  if (!in_call() || !remote_) {
    err = errors::state_error("sendMessage() needs a call with a far side");
  } else if (m.type.empty() || m.type.size() > 64) {
    err = errors::CallError{"message", "The message was refused", "type must be a string of 1 to 64 bytes"};
  }
  const json app = {{"type", m.type}, {"body", m.body}, {"seq", app_seq_out_ + 1}};
  const std::string text = json_text(app);
  if (!err && text.size() > signaling::kMaxAppMessageBytes) {
    err = errors::CallError{"message", "The message is too large",
                            fmt::format("{} bytes exceed the {} byte limit", text.size(), signaling::kMaxAppMessageBytes)};
  }
  if (err) {
    log(log::Level::Warn, "messageRefused", error_json(*err));
    out("rejectRequest", {{"requestId", m.request_id}, {"error", error_json(*err)}});
    return;
  }
  ++app_seq_out_;
  if (data_channel_open_) {
    out("dataSend", {{"text", text}});
  } else {
    send_to_remote("message", {{"message", app}});
  }
  out("resolveRequest", {{"requestId", m.request_id}});
}

void ConsultationSession::on(const in::DataChannelState& s) {
  data_channel_open_ = s.state == "open";
  log(log::Level::Info, "dataChannelState", {{"state", s.state}});
}

void ConsultationSession::on(const in::DataChannelSendFailed& f) {
  data_channel_open_ = false;
  auto parsed = signaling::decode_app_message(f.text);
  if (auto* app = std::get_if<signaling::AppMessage>(&parsed); app && remote_ && in_call()) {
    send_to_remote("message", {{"message", {{"type", app->type}, {"body", app->body}, {"seq", app->seq}}}});
  }
}

void ConsultationSession::on(const in::DataChannelMessage& m) {
  auto parsed = signaling::decode_app_message(m.text);
  if (auto* err = std::get_if<signaling::DecodeError>(&parsed)) {
    signaling_error(err->code, "data channel: " + err->message, m.text);
    return;
  }
  if (!remote_ || !in_call()) return;
  deliver_app_message(std::get<signaling::AppMessage>(std::move(parsed)), "dataChannel");
}

void ConsultationSession::deliver_app_message(signaling::AppMessage msg, std::string_view via) {
  if (msg.seq < app_seq_in_next_ || app_pending_.count(msg.seq) != 0) {
    log(log::Level::Debug, "duplicateAppMessage", {{"seq", msg.seq}});
    return;
  }
  const auto seq = msg.seq;
  app_pending_.emplace(seq, PendingAppMessage{std::move(msg), std::string(via)});
  constexpr std::size_t kMaxAhead = 256;
  if (app_pending_.size() > kMaxAhead) {
    // A gap this long will not fill: skip it rather than hold every later message back.
    log(log::Level::Warn, "appMessageGap", {{"from", app_seq_in_next_}, {"to", app_pending_.begin()->first}});
    app_seq_in_next_ = app_pending_.begin()->first;
  }
  for (auto it = app_pending_.find(app_seq_in_next_); it != app_pending_.end(); it = app_pending_.find(app_seq_in_next_)) {
    emit(ev::kMessage, {{"type", it->second.message.type},
                        {"body", it->second.message.body},
                        {"connectionId", remote_->connection_id},
                        {"via", it->second.via}});
    app_pending_.erase(it);
    ++app_seq_in_next_;
  }
}

void ConsultationSession::on(const in::SignalingResumed& r) {
  if (!params_.signaling_url.empty()) return;
  if (!r.connection_id.empty()) connection_id_ = r.connection_id;
  signaling_ready_ = true;
  log(log::Level::Info, "signalingResumed", {{"connectionId", connection_id_}, {"queued", unsent_.size()}});
  flush_unsent();
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
      signaling_error("wrongConsultation", fmt::format("message for consultation '{}'", utf8_prefix(id, 64)));
      return;
    }
  }
  if (!msg.sender.connection_id.empty() && msg.sender.connection_id == connection_id_) return;  // own echo
  if (is_duplicate(msg)) {
    log(log::Level::Debug, "duplicateMessage", {{"type", signaling::to_string(msg.type)}, {"messageId", msg.data["messageId"]}});
    return;
  }
  on_message(msg);
}

void ConsultationSession::on_message(const signaling::Message& msg) {
  const auto type = signaling::to_string(msg.type);
  log(log::Level::Debug, "signalingMessage", {{"type", type}, {"data", msg.data}});
  switch (msg.type) {
    case MessageType::Joined: {
      const std::string id = msg.data["connectionId"].get<std::string>();
      if (!connection_id_.empty() && id != connection_id_)
        log(log::Level::Warn, "connectionIdChanged", {{"from", connection_id_}, {"to", id}});
      connection_id_ = id;
      signaling_ready_ = true;
      emit(type, msg.data);
      if (joined_once_) {
        emit(ev::kSignalingReconnect, {{"phase", "rejoined"},
                                       {"attempt", reconnect_attempt_},
                                       {"resumed", bool_or(msg.data, "resumed", false)},
                                       {"queued", unsent_.size()}});
      }
      joined_once_ = true;
      reconnect_attempt_ = 0;
      flush_unsent();
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
  const bool media_path = msg.type == MessageType::Offer || msg.type == MessageType::Answer ||
                          msg.type == MessageType::IceCandidate || msg.type == MessageType::Message;
  if (media_path && state_ == CallState::Ended) {
    // Late arrivals for a call that has ended: there is no connection to apply them to. (A
    // client that is still ringing takes them: the doctor offers while it rings.)
    log(log::Level::Debug, "ignoredMessage", {{"type", type}, {"why", "no call in progress"}});
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
      announce_tags();  // the offer went out when the client entered
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
      ds = {{"isHidden", bool_or(msg.data, "isHidden", bool_or(ds, "isHidden", false))},
            {"isMute", bool_or(msg.data, "isMute", bool_or(ds, "isMute", false))}};
      emit(ev::kRemoteDeviceState,
           {{"connectionId", remote_->connection_id}, {"isHidden", ds["isHidden"]}, {"isMute", ds["isMute"]}});
      emit(ev::kRespondentProps, respondent_props());
      return;
    }
    case MessageType::MediaTags:
      on_media_tags(msg);
      return;
    case MessageType::Message:
      deliver_app_message(std::get<signaling::AppMessage>(signaling::parse_app_message(msg.data["message"])), "signaling");
      return;
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
  Remote r{from, msg.sender.client_id, string_or(msg.data, "name"), msg.data};
  r.props.erase("sender");
  r.props.erase("type");
  const json& ds = r.props["deviceState"];  // the far side's word: keep only the two booleans
  r.props["deviceState"] = {{"isHidden", bool_or(ds, "isHidden", false)}, {"isMute", bool_or(ds, "isMute", false)}};
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
    // Offer now, while it rings: the client applies the offer as soon as it answers instead of
    // asking for it then (one round trip less to connected). No media flows before its answer.
    make_offer();
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
  const auto type = signaling::to_string(msg.type);
  if (!pc_created_) {
    if (msg.type == MessageType::Offer && role_ == Role::Client) {
      // The doctor offers while it rings: applied when we answer. A newer offer replaces a held
      // one, and the candidates queued since that one belong to it (they follow their offer).
      if (held_offer_) ice_queue_.clear();
      held_offer_ = description;
      log(log::Level::Info, "offerHeld", {{"why", "applied when the client answers"}});
    } else {
      log(log::Level::Warn, "ignoredMessage", {{"type", type}, {"why", "no peer connection yet"}});
    }
    return;
  }
  if (msg.type == MessageType::Offer) {
    switch (negotiation_.on_remote_offer()) {
      case PerfectNegotiation::OfferDecision::Ignore:
        log(log::Level::Info, "offerIgnored", {{"why", "offers collided; the impolite side keeps its own"}});
        return;
      case PerfectNegotiation::OfferDecision::Rollback:
        log(log::Level::Info, "offerCollision", {{"why", "offers collided; the polite side rolls its own back"}});
        out("setRemoteDescription", {{"description", description}, {"rollback", true}});
        return;
      case PerfectNegotiation::OfferDecision::Apply:
        break;
    }
  } else if (!negotiation_.on_remote_answer()) {
    log(log::Level::Warn, "ignoredMessage", {{"type", type}, {"why", "no local offer is waiting for an answer"}});
    return;
  }
  out("setRemoteDescription", {{"description", description}, {"rollback", false}});
}

void ConsultationSession::on_remote_candidate(const signaling::Message& msg) {
  if (negotiation_.ignore_offer()) {
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
    // Not in a call (e.g. the client before answering): forget the far side and its offer.
    remote_.reset();
    has_entered_ = false;
    held_offer_.reset();
    ice_queue_.clear();
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
  // The call's own tracks are the "audio" and "video" tags, sent in the local stream.
  if (m.has_audio) local_tags_["audio"] = LocalTag{"audio", "local:audio", m.stream_id, false};
  if (m.has_video) local_tags_["video"] = LocalTag{"video", "local:video", m.stream_id, false};
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
    if (held_offer_) {
      negotiation_.on_remote_offer();  // stable and not offering: applied as is
      out("setRemoteDescription", {{"description", *held_offer_}, {"rollback", false}});
      held_offer_.reset();
    }
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
  if (!negotiation_.on_local_description(d.type)) {
    log(log::Level::Info, "staleOffer", {{"why", "rolled back by the far side's offer; not sent"}});
    return;
  }
  log(log::Level::Info, "localDescription", {{"type", d.type}, {"sdp", d.sdp}});
  send_to_remote(d.type, {{"description", {{"type", d.type}, {"sdp", d.sdp}}}});
  if (d.type == "answer") offer_if_deferred();
}

void ConsultationSession::on(const in::RemoteDescriptionSet& r) {
  if (!in_call()) return;
  negotiation_.on_remote_description_set(r.type);
  remote_description_set_ = true;
  log(log::Level::Info, "remoteDescriptionSet", {{"type", r.type}});
  auto queued = std::move(ice_queue_);
  ice_queue_.clear();
  for (auto& c : queued) out("addIceCandidate", {{"candidate", std::move(c)}});
  if (r.type == "offer") {
    out("setLocalDescription", {{"type", "answer"}});
  } else {
    offer_if_deferred();
  }
}

void ConsultationSession::on(const in::NegotiationNeeded&) {
  if (!in_call() || !pc_created_ || !remote_) return;
  if (!negotiation_.negotiated_once()) {
    // The first offer follows the call flow (the doctor offers on accept); a renegotiation
    // still needed after it fires negotiationneeded again once stable (W3C webrtc-pc §4.7.3).
    log(log::Level::Debug, "negotiationNeededDeferred");
    return;
  }
  if (negotiation_.negotiating() || negotiation_.signaling_state() != "stable") {
    // Mid-exchange: offer once the exchange completes. The browser also fires the event again
    // then (W3C webrtc-pc §4.7.3); whichever comes first offers, the other finds it under way.
    negotiation_deferred_ = true;
    log(log::Level::Debug, "negotiationNeededDeferred", {{"signalingState", negotiation_.signaling_state()}});
    return;
  }
  log(log::Level::Info, "negotiationNeeded");
  make_offer();
}

void ConsultationSession::on(const in::OperationFailed& f) {
  if (!in_call()) return;
  if (f.operation == "addIceCandidate") {
    // One bad candidate does not end a call; ICE may still succeed with the others.
    log(log::Level::Warn, "addIceCandidateFailed", {{"name", f.name}, {"message", f.message}});
    return;
  }
  if (f.operation == "setLocalDescription" && negotiation_.on_local_description_failed()) {
    log(log::Level::Info, "staleOffer", {{"why", "rolled back before it was set"}, {"name", f.name}});
    return;
  }
  if (f.operation == "restartIce" || f.operation == "rollback") {
    // restartIce: the next offer still renegotiates; rollback: nothing was left to roll back.
    log(log::Level::Warn, f.operation + "Failed", {{"name", f.name}, {"message", f.message}});
    return;
  }
  const auto err = errors::negotiation_error(f.operation, f.name, f.message);
  if (negotiation_.negotiated_once()) {
    // A failed renegotiation leaves the established media as it was.
    log(log::Level::Error, "negotiationFailed", error_json(err));
    emit(ev::kCallError, error_json(err), /*is_error=*/true);
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
    negotiation_.on_signaling_state(s.state);
    return;
  }
  if (!in_call() || !pc_created_) return;
  if (s.event == ev::kIceConnectionStateChange) {
    on_ice_state(s.state);
  } else if (s.event == ev::kConnectionStateChange) {
    if (s.state == "connected" && state_ == CallState::Connecting) set_state(CallState::Connected);
    if (s.state == "failed") begin_ice_restart();
  }
}

// ICE recovery: 'failed' restarts at once; 'disconnected' restarts when it lasts longer than
// iceDisconnectedGraceMs (it often heals by itself, RFC 8445 §7.2.5.3 consent checks). Each
// attempt has iceRestartTimeoutMs to reach 'connected'; attempts are bounded and spaced by
// exponential backoff with jitter; when they run out the call ends for both sides.
void ConsultationSession::on_ice_state(std::string_view state) {
  ice_state_ = state;
  if (state == "connected" || state == "completed") {
    cancel_timer(kIceGraceTimer);
    if (ice_restarting_) {
      emit(ev::kIceRestart, {{"phase", "recovered"}, {"attempt", ice_restart_attempt_}});
      reset_ice_restart();
    }
  } else if (state == "disconnected") {
    if (!ice_restarting_ && active_timers_.count(kIceGraceTimer) == 0) {
      start_timer(kIceGraceTimer, params_.ice_disconnected_grace_ms / 1000.0);
      emit(ev::kIceRestart, {{"phase", "disconnected"}, {"graceMs", params_.ice_disconnected_grace_ms}});
    }
  } else if (state == "failed") {
    begin_ice_restart();
  }
}

void ConsultationSession::begin_ice_restart() {
  cancel_timer(kIceGraceTimer);
  if (ice_restarting_) return;  // the running attempt's deadline decides what comes next
  if (!negotiation_.negotiated_once()) {
    end_call("connection",
             errors::CallError{"connection", "The media connection failed",
                               "ICE failed before the call was established"},
             /*notify_remote=*/true);
    return;
  }
  ice_restarting_ = true;
  ice_restart_attempt();
}

void ConsultationSession::ice_restart_attempt() {
  if (ice_restart_attempt_ >= params_.ice_restart_max_attempts) {
    emit(ev::kIceRestart, {{"phase", "failed"}, {"attempt", ice_restart_attempt_}});
    end_call("iceFailed",
             errors::CallError{"connection", "The media connection was lost",
                               fmt::format("ICE restart failed {} times (iceRestartMaxAttempts)", ice_restart_attempt_)},
             /*notify_remote=*/true);
    return;
  }
  ++ice_restart_attempt_;
  ice_backoff_phase_ = false;
  emit(ev::kIceRestart, {{"phase", "attempt"}, {"attempt", ice_restart_attempt_}});
  log(log::Level::Warn, "iceRestart", {{"attempt", ice_restart_attempt_}, {"iceConnectionState", ice_state_}});
  out("restartIce");
  start_timer(kIceRestartTimer, params_.ice_restart_timeout_ms / 1000.0);
}

void ConsultationSession::reset_ice_restart() {
  cancel_timer(kIceRestartTimer);
  cancel_timer(kIceGraceTimer);
  ice_restarting_ = false;
  ice_backoff_phase_ = false;
  ice_restart_attempt_ = 0;
}

void ConsultationSession::on(const in::RemoteTrack& t) {
  log(log::Level::Info, ev::kTrack, {{"kind", t.kind}, {"streamId", t.stream_id}});
  if (!in_call()) return;
  json track = {{"kind", t.kind}, {"streamId", t.stream_id}, {"connectionId", remote_ ? remote_->connection_id : ""}};
  for (const auto& tag : remote_tags_) {
    if (tag["streamId"] == t.stream_id && tag["kind"] == t.kind) track["tag"] = tag["tag"];
  }
  emit(ev::kTrack, std::move(track));
  if (remote_streams_.insert(t.stream_id).second) emit(ev::kRemoteStream, {{"stream", t.stream_id}});
}

void ConsultationSession::on(const in::TimerFired& t) {
  if (active_timers_.erase(t.id) == 0) return;  // cancelled or unknown: stale expiry
  if (t.id == kEnterTimer && state_ == CallState::WaitingEnter) {
    end_call("enter", errors::enter_timeout(params_.enter_timeout_s), /*notify_remote=*/false);
  } else if (t.id == kAnswerTimer && state_ == CallState::WaitingAnswer) {
    end_call("answer", errors::answer_timeout(params_.answer_timeout_s), /*notify_remote=*/true);
  } else if (t.id == kIceGraceTimer && in_call() && ice_state_ == "disconnected") {
    begin_ice_restart();
  } else if (t.id == kIceRestartTimer && in_call() && ice_restarting_) {
    if (ice_backoff_phase_) {
      ice_restart_attempt();
      return;
    }
    // This attempt did not reconnect in time: wait, then try again.
    const double delay = params_.ice_backoff.delay_ms(ice_restart_attempt_, random_);
    ice_backoff_phase_ = true;
    emit(ev::kIceRestart, {{"phase", "backoff"}, {"attempt", ice_restart_attempt_}, {"delayMs", delay}});
    start_timer(kIceRestartTimer, delay / 1000.0);
  } else if (t.id == kReconnectTimer && !destroyed_) {
    emit(ev::kSignalingReconnect, {{"phase", "reconnecting"}, {"attempt", reconnect_attempt_}});
    emit(ev::kSocketState, {{"state", "connecting"}});
    out("openSignaling", {{"url", params_.signaling_url}});
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
  if (!raw.empty()) payload["raw"] = utf8_prefix(raw, 256);
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

void ConsultationSession::flush_unsent() {
  auto queued = std::move(unsent_);
  unsent_.clear();
  for (auto& m : queued) send(std::move(m));
}

// Every call message carries data.messageId (unique per session: a random prefix and a
// counter), so a message delivered twice (a resend after a reconnect) is applied once.
bool ConsultationSession::is_duplicate(const signaling::Message& msg) {
  auto it = msg.data.find("messageId");
  if (it == msg.data.end() || !it->is_string()) return false;
  const std::string key = msg.sender.connection_id + "/" + it->get<std::string>();
  if (!seen_set_.insert(key).second) return true;
  seen_ids_.push_back(key);
  constexpr std::size_t kRemembered = 1024;
  if (seen_ids_.size() > kRemembered) {
    seen_set_.erase(seen_ids_.front());
    seen_ids_.pop_front();
  }
  return false;
}

void ConsultationSession::send_to_remote(std::string_view type, json fields) {
  fields["messageId"] = fmt::format("{}-{}", message_id_prefix_, ++message_seq_);
  if (remote_) {
    send(signaling::make_transient(type, sender(), params_.consultation_id, {remote_->connection_id}, fields));
  } else {
    send(signaling::make_publish(type, sender(), params_.consultation_id, fields));
  }
}

void ConsultationSession::send_enter(const std::vector<std::string>& to) {
  json props = own_props();
  props["messageId"] = fmt::format("{}-{}", message_id_prefix_, ++message_seq_);
  if (to.empty()) {
    send(signaling::make_publish("enter", sender(), params_.consultation_id, props));
  } else {
    send(signaling::make_transient("enter", sender(), params_.consultation_id, to, props));
  }
}

void ConsultationSession::send_accept() {
  has_answered_ = true;
  send_to_remote("accept", json::object());
  set_state(CallState::Connecting);
  settle_call(std::nullopt);
  announce_tags();
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

void ConsultationSession::offer_if_deferred() {
  if (!negotiation_deferred_ || negotiation_.negotiating() || !in_call()) return;
  log(log::Level::Info, "negotiationNeeded", {{"deferred", true}});
  make_offer();
}

void ConsultationSession::make_offer() {
  negotiation_deferred_ = false;
  negotiation_.on_make_offer();
  out("setLocalDescription", {{"type", "offer"}});
}

void ConsultationSession::end_call(std::string_view reason, const std::optional<errors::CallError>& error,
                                   bool notify_remote) {
  is_closing_ = true;
  for (int id : std::set<int>(active_timers_)) {
    if (id != kReconnectTimer) cancel_timer(static_cast<TimerId>(id));  // the socket outlives the call
  }
  ice_restarting_ = false;
  ice_backoff_phase_ = false;
  ice_restart_attempt_ = 0;
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
  negotiation_.reset();
  negotiation_deferred_ = false;
  // No tracks are sent or received any more: say so, so that players let go of them.
  if (!local_tags_.empty()) {
    local_tags_.clear();
    emit(ev::kLocalTracks, {{"tracks", json::array()}});
  }
  if (!remote_tags_.empty()) {
    remote_tags_ = json::array();
    emit(ev::kRemoteTracks, {{"connectionId", remote_ ? remote_->connection_id : ""}, {"tracks", json::array()}});
  }
  set_state(CallState::Ended);
}

void ConsultationSession::reset_call() {
  remote_.reset();
  has_entered_ = false;
  has_answered_ = false;
  is_closing_ = false;
  negotiation_.reset();
  remote_description_set_ = false;
  ice_state_ = "new";
  remote_streams_.clear();
  data_channel_open_ = false;
  app_seq_out_ = 0;
  app_seq_in_next_ = 1;
  app_pending_.clear();
  remote_tags_ = json::array();
  held_offer_.reset();
  // The ended call's streams (stopped local, remote of the closed connection): the shell lets go
  // of them, so that an object called again and again does not keep every call's streams.
  out("releaseStreams");
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
