// Calls of the user agent (user_agent.hpp): INVITE as UAC and UAS with the rtc::Peer's
// offer/answer, CANCEL, BYE, re-INVITE answered, INFO (RFC 3261 §13-§15, RFC 6086).
#include <algorithm>
#include <cctype>
#include <sstream>

#include "callcore/events/dictionary.hpp"
#include "callcore/session/sip/user_agent.hpp"

namespace callcore::session::sip {

namespace ev = events::sip;
namespace le = events::log_event;
using json = nlohmann::json;

namespace {

// JsSIP's causes (JsSIP.C.causes) for a final response to our INVITE.
std::string cause_of(int code) {
  switch (code) {
    case 486: case 600: return "Busy";
    case 403: case 603: return "Rejected";
    case 487: return "Canceled";
    case 404: case 604: return "User Not Found";
    case 410: case 480: return "Unavailable";
    case 408: return "Request Timeout";
    case 484: case 485: return "Address Incomplete";
    case 488: case 606: return "Incompatible SDP";
    case 401: case 407: return "Authentication Error";
    default: return "SIP Failure Code";
  }
}

std::string reason_of(int code) {
  switch (code) {
    case 480: return "Temporarily Unavailable";
    case 486: return "Busy Here";
    case 487: return "Request Terminated";
    case 488: return "Not Acceptable Here";
    case 600: return "Busy Everywhere";
    case 603: return "Decline";
    default: return "Rejected";
  }
}

bool is_sdp(const wire::Message& m) {
  const auto type = m.content_type();
  return !m.body.empty() && type && type->essence() == "application/sdp";
}

}  // namespace

// ---- the app's call requests -------------------------------------------------------------------

std::optional<errors::CallError> UserAgent::call(const std::string& number, const CallMedia& media, base::Ms now,
                                                 std::vector<std::pair<std::string, std::string>> extra_headers,
                                                 int request_id) {
  ctx_.set_now(now);
  if (!open_) return errors::state_error("call() needs a connected SIP socket (connect() first)");
  if (call_.phase != CallPhase::kIdle) return errors::state_error("call() while another call is in progress");
  if (!std::holds_alternative<wire::Uri>(wire::parse_uri("sip:" + number + "@" + config_.domain))) {
    return errors::params_error("number: not a SIP user part");
  }
  call_ = Call{};
  call_.phase = CallPhase::kOffering;
  call_.outgoing = true;
  call_.number = number;
  call_.call_id = new_token(20);
  call_.local_tag = new_token(10);
  call_.extra_headers = std::move(extra_headers);
  call_.request_id = request_id;
  open_peer(media);
  peer_.make_offer();
  ctx_.emit(ev::kCallConnecting, {{"number", number}});
  return std::nullopt;
}

void UserAgent::open_peer(const CallMedia& media) {
  pending_sdp_.clear();
  local_candidates_.clear();
  gathering_complete_ = false;
  peer_.clear_senders();
  if (media.audio) peer_.add_sender("audio", rtc::Sender{"audio", *media.audio, media.stream_id});
  if (media.video) peer_.add_sender("video", rtc::Sender{"video", *media.video, media.stream_id});
  peer_.open();
}

std::optional<errors::CallError> UserAgent::answer(const CallMedia& media, base::Ms now, int request_id) {
  ctx_.set_now(now);
  if (call_.phase != CallPhase::kRinging || !call_.server_key) return errors::state_error("no incoming call to answer");
  auto it = servers_.find(*call_.server_key);
  if (it == servers_.end()) return errors::state_error("the incoming call's transaction has ended");
  open_peer(media);
  call_.phase = CallPhase::kAnswering;
  call_.request_id = request_id;
  peer_.on_remote_description({{"type", "offer"}, {"sdp", it->second.request().body}}, true);
  return std::nullopt;
}

std::optional<errors::CallError> UserAgent::decline(int status_code, base::Ms now) {
  ctx_.set_now(now);
  if (call_.phase != CallPhase::kRinging && call_.phase != CallPhase::kAnswering) {
    return errors::state_error("no incoming call to decline");
  }
  if (status_code < 300 || status_code > 699) return errors::params_error("statusCode: 300-699");
  if (call_.server_key) respond(*call_.server_key, status_code, reason_of(status_code), call_.local_tag);
  ctx_.emit(ev::kIncomingDeclined, call_.remote);
  end_call(ev::kCallFailed, "local", "Rejected", status_code, reason_of(status_code));
  return std::nullopt;
}

void UserAgent::hang_up(base::Ms now) {
  ctx_.set_now(now);
  switch (call_.phase) {
    case CallPhase::kIdle:
      return;
    case CallPhase::kOffering:
      end_call(ev::kCallFailed, "local", "Canceled");
      return;
    case CallPhase::kInviting: {
      // §9.1: CANCEL once a provisional response came; before that it waits for one.
      auto it = clients_.find(call_.invite_branch + "|INVITE");
      if (it != clients_.end()) {
        it->second.abandoned = true;
        if (it->second.tx.state() == wire::TransactionState::kProceeding) {
          it->second.cancel_sent = true;
          start_client(wire::cancel_for(it->second.tx.request()), Purpose::kCancel);
        }
      }
      end_call(ev::kCallFailed, "local", "Canceled");
      return;
    }
    case CallPhase::kRinging:
    case CallPhase::kAnswering:
      decline(480, now);
      return;
    case CallPhase::kWaitingAck:
    case CallPhase::kConfirmed:
      if (call_.dialog) send_bye(*call_.dialog);
      end_call(ev::kCallEnded, "local", "Terminated");
      return;
  }
}

std::optional<errors::CallError> UserAgent::send_info(const std::string& content_type, const std::string& body,
                                                      const std::vector<std::pair<std::string, std::string>>& headers,
                                                      base::Ms now) {
  ctx_.set_now(now);
  if (call_.phase != CallPhase::kConfirmed || !call_.dialog || !open_) return errors::state_error("sendInfo() needs an established call");
  if (content_type.empty() || content_type.find_first_of("\r\n") != std::string::npos)
    return errors::params_error("contentType must be a media type on one line");
  wire::Message m = wire::dialog_request(*call_.dialog, "INFO", via(), contact());
  for (const auto& [name, value] : headers) m.add(name, value);
  m.add("Content-Type", content_type);
  m.body = body;
  start_client(std::move(m), Purpose::kInfo);
  return std::nullopt;
}

// ---- the peer ----------------------------------------------------------------------------------

void UserAgent::on_pc(const io::PcEvent& event) {
  if (const auto* d = std::get_if<io::in::LocalDescription>(&event)) {
    peer_.on_local_description(d->type, d->sdp);
  } else if (const auto* s = std::get_if<io::in::RemoteDescriptionSet>(&event)) {
    peer_.on_remote_description_set(s->type);
  } else if (const auto* c = std::get_if<io::in::LocalIceCandidate>(&event)) {
    if (c->candidate.is_null()) {
      gathering_complete_ = true;
      if (!pending_sdp_.empty()) sdp_ready();
    } else if (c->candidate.is_object()) {
      local_candidates_.push_back(c->candidate);
    }
  } else if (const auto* st = std::get_if<io::in::PeerStateChange>(&event)) {
    if (st->event == "icegatheringstatechange") {
      if (st->state == "gathering") {
        gathering_complete_ = false;
        local_candidates_.clear();
      } else if (st->state == "complete") {
        gathering_complete_ = true;
        if (!pending_sdp_.empty()) sdp_ready();
      }
    } else if (st->event == "signalingstatechange") {
      peer_.on_signaling_state(st->state);
    } else if (auto failure = peer_.on_connection_state(st->event, st->state)) {
      if (call_.dialog && call_.phase == CallPhase::kConfirmed) send_bye(*call_.dialog);
      end_call(call_.phase == CallPhase::kConfirmed ? ev::kCallEnded : ev::kCallFailed, "system", "RTP Timeout");
    }
  } else if (const auto* f = std::get_if<io::in::OperationFailed>(&event)) {
    if (peer_.on_operation_failed(f->operation, f->name, f->message)) {
      if (call_.server_key && call_.phase == CallPhase::kAnswering) {
        respond(*call_.server_key, 488, "Not Acceptable Here", call_.local_tag);
      }
      if (call_.dialog && call_.phase == CallPhase::kConfirmed) send_bye(*call_.dialog);
      end_call(call_.phase == CallPhase::kConfirmed ? ev::kCallEnded : ev::kCallFailed, "system", "Bad Media Description");
    }
  } else if (std::holds_alternative<io::in::NegotiationNeeded>(event)) {
    // A renegotiation the browser asks for would be a re-INVITE of ours: not sent yet.
    ctx_.log(log::Level::Debug, le::kNegotiationNeededDeferred, {{"why", "re-INVITE from negotiationneeded not supported"}});
  }
}

void UserAgent::on_peer_signal(std::string_view type, const json& fields) {
  const auto& description = fields.value("description", json::object());
  if (!description.contains("sdp") || !description["sdp"].is_string()) return;
  pending_sdp_ = description["sdp"].get<std::string>();
  pending_sdp_type_ = std::string(type);
  if (gathering_complete_) {
    sdp_ready();
  } else {
    timers_.start(Timer::kGather, ctx_.now() + config_.gather_timeout);  // the offer waits for candidates
  }
}

void UserAgent::sdp_ready() {
  timers_.cancel(Timer::kGather);
  const std::string sdp = add_candidates(pending_sdp_, local_candidates_, gathering_complete_);
  const std::string type = pending_sdp_type_;
  pending_sdp_.clear();
  if (call_.phase == CallPhase::kOffering && type == "offer") {
    auto target = wire::parse_uri("sip:" + call_.number + "@" + config_.domain);
    wire::Message m = out_of_dialog("INVITE", std::get<wire::Uri>(target), "<" + wire::to_string(std::get<wire::Uri>(target)) + ">",
                                    call_.call_id, call_.local_tag, 1);
    m.add("Contact", contact());
    m.add("Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, NOTIFY");
    m.add("User-Agent", config_.user_agent);
    for (const auto& [name, value] : call_.extra_headers) m.add(name, value);
    m.add("Content-Type", "application/sdp");
    m.body = sdp;
    call_.invite = m;
    call_.phase = CallPhase::kInviting;
    start_client(std::move(m), Purpose::kInvite);
    ctx_.emit(ev::kCallSending, {{"number", call_.number}});
  } else if (call_.phase == CallPhase::kAnswering && type == "answer" && call_.server_key) {
    respond(*call_.server_key, 200, "OK", call_.local_tag, sdp, "application/sdp", true);
    call_.server_key.reset();
    if (call_.reinvite) {
      call_.reinvite = false;
      call_.phase = CallPhase::kConfirmed;
      return;
    }
    call_.phase = CallPhase::kWaitingAck;
    timers_.start(Timer::kAckWait, ctx_.now() + base::Ms(64 * config_.t1.value));  // §13.3.1.4
    ctx_.emit(ev::kCallAccepted, {{"originator", "local"}});
  }
}

// ---- our INVITE --------------------------------------------------------------------------------

void UserAgent::on_invite_response(const Client& client, const wire::Message& response) {
  const int code = response.response()->code;
  const std::string& reason = response.response()->reason;
  const auto& invite = client.tx.request();
  const bool current = !client.abandoned && client.tx.branch() == call_.invite_branch && call_.phase == CallPhase::kInviting;
  const bool confirmed_again = !client.abandoned && client.tx.branch() == call_.invite_branch && call_.phase == CallPhase::kConfirmed;
  if (code >= 200 && code < 300) {
    auto dialog = confirmed_again ? call_.dialog : wire::dialog_as_uac(invite, response);
    if (!dialog) {
      ctx_.emit(ev::kSipError, errors::to_json(errors::make(events::error_type::kSip, "a 2xx to INVITE cannot make a dialog",
                                                            "no To tag or no Contact")), true);
      if (current) end_call(ev::kCallFailed, "remote", "Bad Media Description", code, reason);
      return;
    }
    send_ack(*dialog, invite.cseq()->number);  // every 2xx is ACKed (§13.2.2.4), retransmissions too
    if (confirmed_again) return;
    if (!current) {  // answered after the app hung up: ACK, then BYE (§15)
      send_bye(*dialog);
      return;
    }
    call_.dialog = dialog;
    if (!is_sdp(response)) {
      send_bye(*call_.dialog);
      end_call(ev::kCallFailed, "remote", "Bad Media Description", code, reason);
      return;
    }
    call_.phase = CallPhase::kConfirmed;
    ctx_.emit(ev::kCallAccepted, {{"originator", "remote"}});
    peer_.on_remote_description({{"type", "answer"}, {"sdp", response.body}}, false);
    ctx_.emit(ev::kCallConfirmed, {{"originator", "local"}});
    settle(call_.request_id);
    return;
  }
  if (code < 200) {
    if (client.abandoned && !client.cancel_sent) {  // §9.1: the CANCEL waited for this
      auto it = clients_.find(client.tx.branch() + "|INVITE");
      if (it != clients_.end()) it->second.cancel_sent = true;
      start_client(wire::cancel_for(invite), Purpose::kCancel);
      return;
    }
    if (!current) return;
    if (!call_.dialog) call_.dialog = wire::dialog_as_uac(invite, response);  // early dialog
    if (code > 100) ctx_.emit(ev::kCallProgress, {{"statusCode", code}, {"reasonPhrase", reason}});
    return;
  }
  if (!current) return;  // the transaction sent the ACK
  if (code == 401 || code == 407) {
    if (auto auth = take_challenge(response, client.authenticated)) {
      proxy_auth_ = std::move(auth);
      wire::Message retry = invite;  // §22.2: same Call-ID and tags, CSeq + 1, a new branch
      retry.remove("Via");
      retry.remove("Authorization");
      retry.remove("Proxy-Authorization");
      retry.headers.insert(retry.headers.begin(), wire::Header{"Via", via()});
      retry.remove("CSeq");
      retry.add("CSeq", wire::to_string(wire::CSeq{invite.cseq()->number + 1, "INVITE"}));
      add_credentials(retry, *proxy_auth_);
      call_.invite = retry;
      start_client(std::move(retry), Purpose::kInvite, true);
      return;
    }
  }
  end_call(ev::kCallFailed, "remote", cause_of(code), code, reason);
}

void UserAgent::send_ack(const wire::Dialog& dialog, std::uint32_t invite_seq) {
  send(wire::dialog_ack(dialog, invite_seq, via()));
}

void UserAgent::send_bye(wire::Dialog& dialog) {
  if (!open_) return;
  wire::Message m = wire::dialog_request(dialog, "BYE", via(), "");
  m.add("User-Agent", config_.user_agent);
  start_client(std::move(m), Purpose::kBye);
}

void UserAgent::end_call(std::string_view event, const std::string& originator, const std::string& cause,
                         std::optional<int> code, const std::string& reason) {
  if (call_.phase == CallPhase::kIdle) return;
  json payload = {{"originator", originator}, {"cause", cause}};
  if (code) payload["statusCode"] = *code;
  if (!reason.empty()) payload["reasonPhrase"] = reason;
  ctx_.emit(event, payload);
  // call()'s / answer()'s promise, when the call ends before it was confirmed.
  std::string description = code ? "SIP " + std::to_string(*code) + (reason.empty() ? "" : " " + reason) + " (" + cause + ")" : cause;
  settle(call_.request_id, errors::make(events::error_type::kSip, "The call failed", originator + ": " + description));
  peer_.close();
  peer_.clear_senders();
  timers_.cancel(Timer::kGather);
  timers_.cancel(Timer::kAckWait);
  pending_sdp_.clear();
  local_candidates_.clear();
  call_ = Call{};
}

// ---- their requests ----------------------------------------------------------------------------

void UserAgent::on_incoming_invite(const wire::Message& request, const std::string& key) {
  if (call_.phase != CallPhase::kIdle) {
    respond(key, 486, "Busy Here", new_token(10));
    return;
  }
  if (!is_sdp(request)) {  // an INVITE without an offer is not supported
    respond(key, 488, "Not Acceptable Here (an SDP offer is required)", new_token(10));
    return;
  }
  const std::string tag = new_token(10);
  auto dialog = wire::dialog_as_uas(request, tag, 1);
  if (!dialog) {
    respond(key, 400, "Bad Request (no Contact)", tag);
    return;
  }
  const auto from = request.from();
  call_ = Call{};
  call_.phase = CallPhase::kRinging;
  call_.dialog = std::move(dialog);
  call_.call_id = call_.dialog->call_id;
  call_.local_tag = tag;
  call_.server_key = key;
  call_.number = wire::unescape(from->uri.user);
  call_.remote = {{"displayName", from->display_name()}, {"host", from->uri.host}, {"incomingNumber", call_.number}};
  respond(key, 180, "Ringing", tag, {}, {}, true);
  ctx_.emit(ev::kIncomingRinging, call_.remote);
}

void UserAgent::on_cancel(const wire::Message& request, const std::string& key) {
  (void)request;
  const std::string invite_key = key.substr(0, key.rfind('|')) + "|INVITE";
  auto it = servers_.find(invite_key);
  if (it == servers_.end()) {
    respond(key, 481, "Call/Transaction Does Not Exist", new_token(10));
    return;
  }
  respond(key, 200, "OK", call_.local_tag.empty() ? new_token(10) : call_.local_tag);  // §9.2
  if (it->second.state() != wire::ServerState::kProceeding) return;  // already answered
  const bool ours = call_.server_key == invite_key && !call_.reinvite;
  respond(invite_key, 487, "Request Terminated", ours ? call_.local_tag : new_token(10));
  if (ours) {
    ctx_.emit(ev::kIncomingTerminated, call_.remote);
    end_call(ev::kCallFailed, "remote", "Canceled");
  }
}

void UserAgent::on_in_dialog(const wire::Message& request, const std::string& key) {
  const auto& method = request.request()->method;
  const std::string& tag = call_.local_tag;
  if (method == "BYE") {
    respond(key, 200, "OK", tag);
    end_call(call_.phase == CallPhase::kConfirmed || call_.phase == CallPhase::kWaitingAck ? ev::kCallEnded : ev::kCallFailed,
             "remote", "Bye");
  } else if (method == "INVITE") {
    on_reinvite(request, key);
  } else if (method == "INFO") {
    respond(key, 200, "OK", tag);
    json headers = json::object();
    for (const auto& h : request.headers) {
      if (h.name.size() > 2 && (h.name[0] == 'X' || h.name[0] == 'x') && h.name[1] == '-') {
        std::string name = h.name;
        for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        headers[name] = h.value;
      }
    }
    const auto type = request.content_type();
    ctx_.emit(ev::kCallNewInfo, {{"originator", "remote"},
                                 {"contentType", type ? type->essence() : ""},
                                 {"body", request.body},
                                 {"headers", headers}});
  } else if (method == "OPTIONS" || method == "NOTIFY") {
    respond(key, 200, "OK", tag);
  } else if (method == "UPDATE" || method == "PRACK" || method == "REFER") {
    respond(key, 501, "Not Implemented", tag);
  } else {
    respond(key, 405, "Method Not Allowed", tag);
  }
}

void UserAgent::on_reinvite(const wire::Message& request, const std::string& key) {
  if (call_.phase != CallPhase::kConfirmed || call_.server_key) {
    // §14.2: an INVITE while one of ours or theirs is still open on the dialog.
    respond(key, 500, "Server Internal Error", call_.local_tag);
    return;
  }
  if (!is_sdp(request)) {
    respond(key, 488, "Not Acceptable Here (an SDP offer is required)", call_.local_tag);
    return;
  }
  call_.server_key = key;
  call_.reinvite = true;
  call_.phase = CallPhase::kAnswering;
  pending_sdp_.clear();
  peer_.on_remote_description({{"type", "offer"}, {"sdp", request.body}}, true);
}

void UserAgent::on_ack(const wire::Message& ack) {
  if (!call_.dialog || !call_.dialog->matches(ack, true) || call_.phase != CallPhase::kWaitingAck) {
    ctx_.log(log::Level::Debug, le::kIgnoredMessage, {{"why", "ACK outside a call waiting for it"}});
    return;
  }
  timers_.cancel(Timer::kAckWait);
  call_.phase = CallPhase::kConfirmed;
  ctx_.emit(ev::kCallConfirmed, {{"originator", "remote"}});
  settle(call_.request_id);
}

// ---- SDP ---------------------------------------------------------------------------------------

std::string add_candidates(const std::string& sdp, const std::vector<json>& candidates, bool complete) {
  // Lines, and for each media section its first line index and its mid.
  std::vector<std::string> lines;
  std::istringstream in(sdp);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) lines.push_back(line);
  }
  std::vector<std::vector<std::string>> sections(1);  // [0]: the session part
  std::vector<std::string> mids;
  for (auto& line : lines) {
    if (line.rfind("m=", 0) == 0) {
      sections.emplace_back();
      mids.emplace_back();
    }
    if (sections.size() > 1 && line.rfind("a=mid:", 0) == 0) mids.back() = line.substr(6);
    sections.back().push_back(line);
  }
  auto has = [](const std::vector<std::string>& section, const std::string& line) {
    return std::find(section.begin(), section.end(), line) != section.end();
  };
  for (const auto& c : candidates) {
    if (!c.is_object() || !c.contains("candidate") || !c["candidate"].is_string()) continue;
    const std::string text = c["candidate"].get<std::string>();
    if (text.empty()) continue;
    std::optional<std::size_t> index;
    if (c.contains("sdpMLineIndex") && c["sdpMLineIndex"].is_number_integer() && c["sdpMLineIndex"].get<long long>() >= 0) {
      index = static_cast<std::size_t>(c["sdpMLineIndex"].get<long long>());
    }
    if (!index && c.contains("sdpMid") && c["sdpMid"].is_string()) {
      auto it = std::find(mids.begin(), mids.end(), c["sdpMid"].get<std::string>());
      if (it != mids.end()) index = static_cast<std::size_t>(it - mids.begin());
    }
    if (!index || *index >= mids.size()) continue;
    auto& section = sections[*index + 1];
    const std::string line = "a=" + text;
    if (!has(section, line)) section.push_back(line);
  }
  std::string out;
  for (std::size_t i = 0; i < sections.size(); ++i) {
    if (complete && i > 0 && !has(sections[i], "a=end-of-candidates")) sections[i].push_back("a=end-of-candidates");
    for (const auto& line : sections[i]) out += line + "\r\n";
  }
  return out;
}

}  // namespace callcore::session::sip
