// The consultation's signaling: the transport's reports, and the vcm wire messages
// (docs/protocol.md) — validated, deduplicated, logged under their wire type, and applied.
#include <fmt/format.h>

#include "callcore/base/json.hpp"
#include "callcore/events/dictionary.hpp"
#include "callcore/session/consultation/session.hpp"

namespace callcore::session::consultation {

using nlohmann::json;
using signaling::vcm::MessageType;
namespace ev = events;
namespace le = events::log_event;
namespace wire = events::wire;
namespace vcm = signaling::vcm;

// ---- the transport ----------------------------------------------------------------------------

void ConsultationSession::on(const io::in::TransportOpened&) {
  transport_.on_opened();
  if (params_.token_refresh && transport_.built_in()) {
    // getToken(): a fresh token for every join (the one of the last join may have expired).
    awaiting_token_ = true;
    ctx_.push(io::fx::RequestToken{kTransport});
    return;
  }
  send_join(params_.token);
}

void ConsultationSession::send_join(const std::string& token) {
  json join = {{"consultationId", params_.consultation_id}, {"clientId", params_.client_id}, {"name", params_.name}};
  if (!token.empty()) join["token"] = token;
  if (!ctx_.connection_id.empty()) {
    join["connectionId"] = ctx_.connection_id;  // resume membership
    if (!resume_secret_.empty()) join["resumeSecret"] = resume_secret_;
    // What arrived last: a server that shares consultations between processes delivers only
    // what came after it (docs/protocol.md §4.7), also after a failover to another process.
    if (!last_seq_.empty()) join["lastSeq"] = last_seq_;
  }
  // The transport logs a summary of what it sends (type and addressees), never the token.
  transport_.send_now({{"type", wire::kJoin}, {"data", std::move(join)}});
}

void ConsultationSession::on(const io::in::TokenProvided& t) {
  if (!awaiting_token_ || !transport_.open()) return;  // a late answer for a socket that closed
  awaiting_token_ = false;
  send_join(t.token);
}

void ConsultationSession::on(const io::in::TokenFailed& f) {
  if (!awaiting_token_ || !transport_.open()) return;
  awaiting_token_ = false;
  signaling_error("tokenFailed", fmt::format("getToken() failed: {}", base::utf8_prefix(f.reason, 200)));
  send_join(params_.token);  // RTCParams token, if any; else the server refuses the join (4401)
}

void ConsultationSession::on(const io::in::TransportClosed& c) {
  awaiting_token_ = false;
  const bool was_scheduled = transport_.reconnect_scheduled();
  // Close codes of docs/protocol.md §1 after which reconnecting cannot help:
  // 4001 — the server gave this connection's membership to a newer socket (§4.6); reconnecting
  //        would take it back and start a tug of war;
  // 4401 — the join token was refused (missing, invalid, expired): unless getToken() can give a
  //        fresh one on the next attempt;
  // 4403 — the token is for another consultation; 4409 — the consultation already has a doctor.
  constexpr int kTakenOver = 4001, kUnauthorized = 4401, kForbidden = 4403, kRoleTaken = 4409;
  const bool give_up = c.code == kTakenOver || (c.code == kUnauthorized && !params_.token_refresh) ||
                     c.code == kForbidden || c.code == kRoleTaken;
  transport_.on_closed(c.code, c.reason, /*reconnect=*/!give_up);
  if (!give_up || destroyed_ || was_scheduled) return;
  switch (c.code) {
    case kTakenOver:
      signaling_error("takenOver", "another socket took over this connection; not reconnecting");
      return;
    case kUnauthorized:
      signaling_error("unauthorized", "the server refused the join token; not reconnecting (give RTCParams getToken to refresh it)");
      return;
    case kForbidden:
      signaling_error("forbidden", "the join token is not for this consultation; not reconnecting");
      return;
    default:
      signaling_error("roleTaken", "the consultation already has a doctor; not reconnecting");
      return;
  }
}

void ConsultationSession::on(const io::in::SendFailed& f) { transport_.on_send_failed(f.message, f.reason); }

void ConsultationSession::on(const io::in::TransportPaused&) { transport_.on_paused(); }

void ConsultationSession::on(const io::in::TransportResumed& r) {
  if (!transport_.built_in() && !r.connection_id.empty()) ctx_.connection_id = r.connection_id;
  transport_.on_resumed();
}

void ConsultationSession::on(const io::in::TransportMessage& m) {
  auto result = vcm::decode(m.text);
  if (auto* err = std::get_if<vcm::DecodeError>(&result)) {
    signaling_error(err->code, err->message, m.text);
    return;
  }
  const auto& msg = std::get<vcm::Message>(result);
  if (!msg.seq.empty()) last_seq_ = msg.seq;  // received, whatever becomes of it below
  if (auto it = msg.data.find("consultationId"); it != msg.data.end() && !it->is_null()) {
    const std::string id = it->is_string() ? it->get<std::string>() : it->dump();
    if (id != params_.consultation_id) {
      signaling_error("wrongConsultation", fmt::format("message for consultation '{}'", base::utf8_prefix(id, 64)));
      return;
    }
  }
  if (!msg.sender.connection_id.empty() && msg.sender.connection_id == ctx_.connection_id) return;  // own echo
  // Every call message carries data.messageId (unique per session: a random prefix and a
  // counter), so a message delivered twice (a resend after a reconnect) is applied once.
  if (auto id = msg.data.find("messageId"); id != msg.data.end() && id->is_string() &&
                                            transport_.is_duplicate(msg.sender.connection_id + "/" + id->get<std::string>())) {
    ctx_.log(log::Level::Debug, le::kDuplicateMessage, {{"type", vcm::to_string(msg.type)}, {"messageId", *id}});
    return;
  }
  transport_.log_inbound(vcm::to_string(msg.type), msg.data);
  on_message(msg);
}

// ---- wire messages ------------------------------------------------------------------------------

void ConsultationSession::on_message(const vcm::Message& msg) {
  const auto type = vcm::to_string(msg.type);
  switch (msg.type) {
    case MessageType::Joined: {
      const std::string id = msg.data["connectionId"].get<std::string>();
      if (!ctx_.connection_id.empty() && id != ctx_.connection_id)
        ctx_.log(log::Level::Warn, le::kConnectionIdChanged, {{"from", ctx_.connection_id}, {"to", id}});
      ctx_.connection_id = id;
      // The resume secret (servers with join tokens) goes back in the next join only: it is not
      // emitted to the app (the logger redacts it from the inbound log by its key).
      json data = msg.data;
      if (auto s = data.find("resumeSecret"); s != data.end()) {
        resume_secret_ = s->is_string() ? s->get<std::string>() : std::string();
        data.erase(s);
      } else {
        resume_secret_.clear();
      }
      ctx_.emit(type, data);
      transport_.on_joined(base::bool_or(msg.data, "resumed", false));
      return;
    }
    case MessageType::PeerJoined:
      ctx_.emit(type, msg.data);
      if (role_ == Role::Doctor && state_ == CallState::WaitingEnter) send_enter({msg.data["connectionId"].get<std::string>()});
      return;
    case MessageType::PeerLeft:
      ctx_.emit(type, msg.data);
      if (remote_ && remote_->connection_id == msg.data["connectionId"].get<std::string>())
        on_remote_hang_up(wire::kPeerLeft, remote_->connection_id);
      return;
    case MessageType::Error:
      signaling_error(fmt::format("server:{}", msg.data["code"].get<std::string>()), msg.data["message"].get<std::string>());
      return;
    case MessageType::Enter:
      on_enter(msg);
      return;
    default:
      break;
  }
  // Call messages after enter: only from the far side of this call.
  if (!from_remote(msg)) {
    ctx_.log(log::Level::Warn, le::kIgnoredMessage,
             {{"type", type}, {"from", msg.sender.connection_id}, {"why", "not from the far side"}});
    return;
  }
  const bool media_path = msg.type == MessageType::Offer || msg.type == MessageType::Answer ||
                          msg.type == MessageType::IceCandidate || msg.type == MessageType::Message;
  if (media_path && state_ == CallState::Ended) {
    // Late arrivals for a call that has ended: there is no connection to apply them to. (A
    // client that is still ringing takes them: the doctor offers while it rings.)
    ctx_.log(log::Level::Debug, le::kIgnoredMessage, {{"type", type}, {"why", "no call in progress"}});
    return;
  }
  ctx_.emit(type, msg.data);
  switch (msg.type) {
    case MessageType::Accept:
      if (role_ != Role::Doctor || state_ != CallState::WaitingAnswer) {
        ctx_.log(log::Level::Warn, le::kIgnoredMessage, {{"type", type}, {"why", "not waiting for an answer"}});
        return;
      }
      timers_.cancel(Timer::Answer);
      has_answered_ = true;
      ctx_.emit(ev::kAnswer, {{"connectionId", remote_->connection_id}});
      on_answered();
      if (pending_call_) settle(*pending_call_, std::nullopt, /*with_local_stream=*/true);
      announce_tags();  // the offer went out when the client entered
      return;
    case MessageType::Offer:
    case MessageType::Answer:
      on_description(msg);
      return;
    case MessageType::IceCandidate:
      peer_.on_remote_candidate(msg.data["candidate"]);
      return;
    case MessageType::DeviceState: {
      auto& ds = remote_->props["deviceState"];
      if (!ds.is_object()) ds = {{"isHidden", false}, {"isMute", false}};
      ds = {{"isHidden", base::bool_or(msg.data, "isHidden", base::bool_or(ds, "isHidden", false))},
            {"isMute", base::bool_or(msg.data, "isMute", base::bool_or(ds, "isMute", false))}};
      ctx_.emit(ev::kRemoteDeviceState,
                {{"connectionId", remote_->connection_id}, {"isHidden", ds["isHidden"]}, {"isMute", ds["isMute"]}});
      ctx_.emit(ev::kRespondentProps, respondent_props());
      return;
    }
    case MessageType::MediaTags:
      on_media_tags(msg);
      return;
    case MessageType::Message:
      deliver_app_message(std::get<vcm::AppMessage>(vcm::parse_app_message(msg.data["message"])), "signaling");
      return;
    case MessageType::HangUp:
      on_remote_hang_up(base::string_or(msg.data, "reason", std::string(wire::kHangUp)), remote_->connection_id);
      return;
    default:
      return;
  }
}

void ConsultationSession::on_enter(const vcm::Message& msg) {
  const std::string& from = msg.sender.connection_id;
  if (role_ == Role::Client && state_ == CallState::Ended && !destroyed_) reset_call();  // the doctor calls again
  if (remote_ && remote_->connection_id != from) {
    ctx_.log(log::Level::Warn, le::kIgnoredMessage, {{"type", wire::kEnter}, {"from", from}, {"why", "another side is in this call"}});
    return;
  }
  const bool accepts_enter = role_ == Role::Doctor ? state_ == CallState::WaitingEnter : state_ != CallState::Ended && !destroyed_;
  if (!accepts_enter) {
    if (remote_ && role_ == Role::Client && in_call()) send_enter({from});  // re-sent enter: answer again
    ctx_.log(log::Level::Debug, le::kIgnoredMessage, {{"type", wire::kEnter}, {"why", fmt::format("state '{}'", to_string(state_))}});
    return;
  }
  const bool first = !remote_;
  Remote r{from, msg.sender.client_id, base::string_or(msg.data, "name"), msg.data};
  r.props.erase("sender");
  r.props.erase("type");
  const json& ds = r.props["deviceState"];  // the far side's word: keep only the two booleans
  r.props["deviceState"] = {{"isHidden", base::bool_or(ds, "isHidden", false)}, {"isMute", base::bool_or(ds, "isMute", false)}};
  remote_ = std::move(r);
  has_entered_ = true;
  if (first) {
    ctx_.emit(wire::kEnter, msg.data);
    ctx_.emit(ev::kEnter, respondent_props());
    ctx_.emit(ev::kRespondentProps, respondent_props());
  }
  if (role_ == Role::Doctor) {
    timers_.cancel(Timer::Enter);
    set_state(CallState::WaitingAnswer);
    timers_.start(Timer::Answer, ctx_.now() + params_.answer_timeout);
    // The offer goes out now, while it rings: the client applies it as soon as it answers
    // instead of asking for it then (one round trip less to connected). No media flows before
    // its answer. It was made at mediaAcquired; if setLocalDescription is still running, it is
    // sent when it resolves (remote_ is known from here on).
    if (unsent_description_) signal_local_description();
    else if (!peer_.negotiation().making_offer()) peer_.make_offer();
    return;
  }
  // Client: tell the doctor we are here; if call() already has media, answer now.
  send_enter({from});
  if (state_ == CallState::WaitingEnter) {
    timers_.cancel(Timer::Enter);
    send_accept();
  }
}

void ConsultationSession::on_description(const vcm::Message& msg) {
  const json& description = msg.data["description"];
  if (peer_.created()) {
    peer_.on_remote_description(description, msg.type == MessageType::Offer);
    return;
  }
  if (msg.type == MessageType::Offer && role_ == Role::Client) {
    // The doctor offers while it rings: applied when we answer. A newer offer replaces a held
    // one, and the candidates queued since that one belong to it (they follow their offer).
    if (held_offer_) peer_.clear_candidates();
    held_offer_ = description;
    // Instant answer: connect now (preconnect.cpp); the offer stays held in case that fails.
    if (params_.preconnect && state_ == CallState::Idle && remote_ && !destroyed_) {
      preconnect(description);
      return;
    }
    ctx_.log(log::Level::Info, le::kOfferHeld, {{"why", "applied when the client answers"}});
  } else {
    ctx_.log(log::Level::Warn, le::kIgnoredMessage, {{"type", vcm::to_string(msg.type)}, {"why", "no peer connection yet"}});
  }
}

void ConsultationSession::on_remote_hang_up(std::string_view reason, std::string_view connection_id) {
  ctx_.emit(ev::kHangUp, {{"reason", reason}, {"connectionId", connection_id}});
  if (!in_call()) {
    // Not in a call (e.g. the client before answering): forget the far side and its offer.
    drop_preconnection("the doctor hung up before the answer");
    remote_.reset();
    has_entered_ = false;
    held_offer_.reset();
    peer_.clear_candidates();
    return;
  }
  std::optional<errors::CallError> err;
  if (pending_call_) {
    err = errors::make(ev::error_type::kHangUp, "The other side hung up",
                       fmt::format("the call ended before it was answered (reason: {})", reason));
  }
  end_call(reason, err, /*notify_remote=*/false);
}

// ---- sending ------------------------------------------------------------------------------------

std::string ConsultationSession::next_message_id() { return fmt::format("{}-{}", message_id_prefix_, ++message_seq_); }

void ConsultationSession::send_to_remote(std::string_view type, json fields) {
  fields["messageId"] = next_message_id();
  if (remote_) {
    transport_.send(vcm::make_transient(type, sender(), params_.consultation_id, {remote_->connection_id}, fields));
  } else {
    transport_.send(vcm::make_publish(type, sender(), params_.consultation_id, fields));
  }
}

void ConsultationSession::send_enter(const std::vector<std::string>& to) {
  json props = own_props();
  props["messageId"] = next_message_id();
  if (to.empty()) {
    transport_.send(vcm::make_publish(wire::kEnter, sender(), params_.consultation_id, props));
  } else {
    transport_.send(vcm::make_transient(wire::kEnter, sender(), params_.consultation_id, to, props));
  }
}

void ConsultationSession::send_accept() {
  has_answered_ = true;
  send_to_remote(wire::kAccept, json::object());
  on_answered();
  if (pending_call_) settle(*pending_call_, std::nullopt, /*with_local_stream=*/true);
  announce_tags();
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

vcm::Sender ConsultationSession::sender() const { return {params_.consultation_id, params_.client_id, ctx_.connection_id}; }

bool ConsultationSession::from_remote(const vcm::Message& msg) const {
  return remote_ && remote_->connection_id == msg.sender.connection_id;
}

}  // namespace callcore::session::consultation
