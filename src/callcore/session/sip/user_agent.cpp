// The user agent's transport, message dispatch, transactions and timers (user_agent.hpp);
// registration and the ping are in registration.cpp, calls in call.cpp.
#include "callcore/session/sip/user_agent.hpp"

#include <algorithm>
#include <utility>

#include "callcore/base/overloaded.hpp"
#include "callcore/events/dictionary.hpp"

namespace callcore::session::sip {

namespace ev = events::sip;
namespace le = events::log_event;
using json = nlohmann::json;

namespace {

// A summary for the log: never headers, so never credentials or nonces.
json summary(const wire::Message& m, std::string_view direction) {
  json out = {{"direction", direction}, {"callId", m.call_id().value_or("")}};
  if (const auto* line = m.request()) out["method"] = line->method;
  if (const auto* status = m.response()) out["status"] = status->code;
  if (const auto cseq = m.cseq()) out["cseq"] = std::to_string(cseq->number) + " " + cseq->method;
  return out;
}

}  // namespace

UserAgent::UserAgent(UaConfig config, log::Logger& logger, base::Ms now)
    : config_(std::move(config)),
      ctx_(logger, now, config_.random_seed),
      peer_(rtc::PeerConfig{kPc, false, {}, {}}, ctx_,
            [this](std::string_view type, json fields) { on_peer_signal(type, fields); }) {
  via_host_ = new_token(12) + ".invalid";  // RFC 7118 §5.2: the client has no reachable host
  contact_user_ = new_token(8);
  register_call_id_ = new_token(20);
  register_tag_ = new_token(10);
}

std::string UserAgent::new_token(std::size_t hex_chars) {
  std::string out;
  while (out.size() < hex_chars) out += wire::make_cnonce(ctx_.random());
  out.resize(hex_chars);
  return out;
}

std::string UserAgent::via() { return "SIP/2.0/WSS " + via_host_ + ";branch=" + std::string(wire::kBranchCookie) + new_token(16); }
std::string UserAgent::contact() const { return "<sip:" + contact_user_ + "@" + via_host_ + ";transport=ws>"; }
std::string UserAgent::aor() const { return "sip:" + config_.user + "@" + config_.domain; }

// ---- the app's connection requests -------------------------------------------------------------

void UserAgent::settle(int& request_id, std::optional<errors::CallError> error) {
  if (request_id > 0) ctx_.push(io::fx::SettleRequest{request_id, std::move(error), false});
  request_id = 0;
}

void UserAgent::connect(base::Ms now, int request_id) {
  ctx_.set_now(now);
  if (wanted_) {
    if (open_ && (registered_ || !config_.register_)) {
      settle(request_id);
      return;
    }
    if (register_terminal_) {  // refused credentials: no REGISTER will come until a new connect()
      settle(request_id, errors::make(events::error_type::kSip, "The SIP registration failed",
                                      "refused earlier with these credentials: disconnect() first"));
      return;
    }
    // Still on its way: this promise takes the outcome; an earlier one is superseded.
    settle(connect_request_, errors::state_error("connect() called again before it settled"));
    connect_request_ = request_id;
    return;
  }
  connect_request_ = request_id;
  wanted_ = true;
  closing_ = false;
  register_terminal_ = false;
  open_socket();
}

void UserAgent::open_socket() {
  timers_.cancel(Timer::kReconnect);
  ctx_.push(io::fx::OpenTransport{kTransport, config_.url, "sip"});  // RFC 7118 §4.1 subprotocol
  ctx_.emit(ev::kConnecting, {{"url", config_.url}});
}

void UserAgent::disconnect(base::Ms now, int request_id) {
  ctx_.set_now(now);
  if (!wanted_) {
    settle(request_id);
    return;
  }
  settle(disconnect_request_);
  disconnect_request_ = request_id;
  wanted_ = false;
  settle(connect_request_, errors::state_error("disconnect() before connect() settled"));
  timers_.cancel(Timer::kReconnect);
  hang_up(now);
  if (open_ && registered_) {
    closing_ = true;
    send_register(true, false);
    timers_.start(Timer::kCloseWait, now + base::Ms(64 * config_.t1.value));
    return;
  }
  drop_socket("disconnect", false, true);
}

// ---- inputs ------------------------------------------------------------------------------------

void UserAgent::handle(const io::Input& input, base::Ms now) {
  ctx_.set_now(now);
  std::visit(base::overloaded{
                 [&](const io::FromTransport& t) {
                   if (t.transport != kTransport) return;
                   std::visit(base::overloaded{
                                  [&](const io::in::TransportOpened&) { on_opened(); },
                                  [&](const io::in::TransportClosed& c) { on_closed(c.code, c.reason); },
                                  [&](const io::in::TransportMessage& m) { on_text(m.text); },
                                  [&](const io::in::SendFailed& f) { on_closed(0, "send failed: " + f.reason); },
                                  [&](const auto&) {},
                              },
                              t.event);
                 },
                 [&](const io::FromPc& p) {
                   if (p.pc == kPc) on_pc(p.event);
                 },
                 [&](const io::Timeout&) { on_timeout(now); },
                 [&](const auto&) { ctx_.log(log::Level::Debug, le::kIgnoredMessage, {{"why", "not a SIP input"}}); },
             },
             input);
}

void UserAgent::on_opened() {
  if (!wanted_ || open_) return;
  open_ = true;
  ping_failures_ = 0;
  ctx_.emit(ev::kConnected, {{"url", config_.url}});
  timers_.start(Timer::kPing, ctx_.now() + config_.ping_interval);
  if (config_.register_ && !register_terminal_) {
    send_register(false, false);
  } else {
    settle(connect_request_);  // sip-connector: without REGISTER, connect() resolves on `connected`
  }
}

void UserAgent::on_closed(int code, const std::string& reason) {
  if (!open_ && !wanted_) return;
  ctx_.log(log::Level::Warn, le::kSignalingClosed, {{"code", code}, {"reason", reason}});
  drop_socket(reason.empty() ? "closed" : reason, wanted_, false, code);
}

void UserAgent::drop_socket(const std::string& why, bool reconnect, bool push_close, int code) {
  if (push_close) ctx_.push(io::fx::CloseTransport{kTransport});  // also a socket still connecting
  open_ = false;
  closing_ = false;
  registered_ = false;
  ping_branch_.reset();
  for (auto t : {Timer::kRegisterRefresh, Timer::kPing, Timer::kPingTimeout, Timer::kCloseWait}) timers_.cancel(t);
  // Every live transaction ends with a transport error (§17.1.4, §17.2.4).
  std::vector<std::pair<std::string, wire::TransactionOutput>> failed;
  for (auto& [branch, client] : clients_) failed.emplace_back(branch, client.tx.on_transport_error());
  for (auto& [branch, out] : failed) on_client_result(branch, out);
  clients_.clear();
  servers_.clear();
  json payload = {{"code", code}, {"reason", why}};
  if (reconnect && wanted_) {
    const double span = std::max(0.0, config_.reconnect_max.value - config_.reconnect_min.value);
    const base::Ms delay(config_.reconnect_min.value + ctx_.random().next_unit() * span);
    timers_.start(Timer::kReconnect, ctx_.now() + delay);
    payload["reconnectInMs"] = delay.value;
  }
  ctx_.emit(ev::kDisconnected, payload);
  settle(connect_request_, errors::make(events::error_type::kConnection, "The SIP server connection closed before connect() succeeded",
                                        "WebSocket closed: " + (code ? std::to_string(code) + " " : std::string()) + why));
  if (!wanted_) settle(disconnect_request_);
}

void UserAgent::send(const wire::Message& message) {
  ctx_.log(log::Level::Info, le::kSipMessage, summary(message, "out"));
  // One SIP message per WebSocket text message (RFC 7118 §5.1): the shell sends a string as is.
  ctx_.push(io::fx::Send{kTransport, json(wire::serialize(message))});
}

void UserAgent::on_text(const std::string& text) {
  auto parsed = wire::parse(text);
  if (auto* error = std::get_if<wire::ParseError>(&parsed)) {
    const std::string kind(wire::parse_error_name(error->kind));
    ctx_.log(log::Level::Warn, le::kMessageRefused, {{"kind", kind}, {"header", error->header}, {"message", error->message}});
    ctx_.emit(ev::kSipError, errors::to_json(errors::make(events::error_type::kSip, "a SIP message could not be read",
                                                          kind + ": " + error->message)),
              true);
    if (error->reply && open_) send(wire::make_response(*error->reply, 400, "Bad Request (" + kind + ")", new_token(10)));
    return;
  }
  const auto& message = std::get<wire::Message>(parsed);
  ctx_.log(log::Level::Info, le::kSipMessage, summary(message, "in"));
  if (message.is_request()) {
    on_request(message);
  } else {
    on_response(message);
  }
}

// ---- client transactions -----------------------------------------------------------------------

void UserAgent::start_client(wire::Message request, Purpose purpose, bool authenticated) {
  auto started = wire::ClientTransaction::start(std::move(request), ctx_.now(), config_.t1);
  if (!started) return;
  auto& [tx, out] = *started;
  // A CANCEL has its INVITE's branch (§9.1): transactions are told apart by branch and method.
  const std::string key = tx.branch() + "|" + tx.request().request()->method;
  if (purpose == Purpose::kInvite) call_.invite_branch = tx.branch();
  if (purpose == Purpose::kPing) ping_branch_ = key;
  clients_.insert_or_assign(key, Client{std::move(tx), purpose, authenticated});
  for (const auto& m : out.send) send(m);
}

void UserAgent::on_response(const wire::Message& response) {
  const auto vias = response.vias();
  const auto cseq = response.cseq();
  const std::string branch = (vias.empty() ? "" : vias.front().branch()) + "|" + (cseq ? cseq->method : "");
  auto it = clients_.find(branch);
  if (it == clients_.end()) {
    // A 2xx to an INVITE whose transaction has ended (Timer M) is ACKed again by the dialog.
    if (call_.dialog && cseq && cseq->method == "INVITE" && response.response()->code / 100 == 2 &&
        call_.dialog->matches(response, true)) {
      send_ack(*call_.dialog, cseq->number);
      return;
    }
    ctx_.log(log::Level::Debug, le::kIgnoredMessage, {{"why", "response without a transaction"}});
    return;
  }
  auto out = it->second.tx.on_response(response, ctx_.now());
  on_client_result(branch, out);
}

void UserAgent::on_client_result(const std::string& branch, const wire::TransactionOutput& out) {
  for (const auto& m : out.send) send(m);
  for (const auto& r : out.responses) {
    auto it = clients_.find(branch);
    if (it == clients_.end()) return;
    const Client client = it->second;  // a copy: handlers may start or drop transactions
    on_client_response(client, r);
  }
  if (out.failure) {
    auto it = clients_.find(branch);
    if (it != clients_.end()) {
      const Client client = it->second;
      ctx_.log(log::Level::Warn, le::kSipTransactionFailed,
               {{"method", client.tx.request().request()->method},
                {"failure", *out.failure == wire::TransactionFailure::kTimeout ? "timeout" : "transportError"}});
      on_client_failure(client, *out.failure);
    }
  }
  auto it = clients_.find(branch);
  if (it != clients_.end() && it->second.tx.state() == wire::TransactionState::kTerminated) clients_.erase(it);
}

void UserAgent::on_client_response(const Client& client, const wire::Message& response) {
  switch (client.purpose) {
    case Purpose::kRegister:
    case Purpose::kUnregister:
      on_register_response(client, response);
      break;
    case Purpose::kPing:
      if (response.response()->code >= 200) {
        timers_.cancel(Timer::kPingTimeout);
        ping_branch_.reset();
        ping_result(response.response()->code < 300);
      }
      break;
    case Purpose::kInvite:
      on_invite_response(client, response);
      break;
    default:
      break;  // BYE, CANCEL, INFO: logged (sipMessage); nothing to decide
  }
}

void UserAgent::on_client_failure(const Client& client, wire::TransactionFailure failure) {
  const bool timeout = failure == wire::TransactionFailure::kTimeout;
  switch (client.purpose) {
    case Purpose::kRegister:
      if (open_) registration_failed(timeout ? "Request Timeout" : "Connection Error", std::nullopt, "", false);
      break;
    case Purpose::kUnregister:
      if (closing_) drop_socket("disconnect", false, true);
      break;
    case Purpose::kInvite:
      if (!client.abandoned && client.tx.branch() == call_.invite_branch && call_.phase == CallPhase::kInviting) {
        end_call(ev::kCallFailed, "system", timeout ? "Request Timeout" : "Connection Error");
      }
      break;
    default:
      break;  // a ping is judged by its own timer; BYE, CANCEL, INFO: logged
  }
}

// ---- server side -------------------------------------------------------------------------------

void UserAgent::on_request(const wire::Message& request) {
  const auto& method = request.request()->method;
  const auto key = wire::server_key(request);
  if (method == "ACK") {
    if (key) {
      auto it = servers_.find(*key);
      if (it != servers_.end()) {
        auto out = it->second.on_request(request);
        if (it->second.state() == wire::ServerState::kTerminated) servers_.erase(it);
        if (out.to_tu) on_ack(*out.to_tu);
        return;
      }
    }
    on_ack(request);  // the ACK of a 2xx is a transaction of its own (§17.1.1.3)
    return;
  }
  if (!key) {
    respond_stateless(request, 400, "Bad Request (no RFC 3261 branch)");
    return;
  }
  if (auto it = servers_.find(*key); it != servers_.end()) {
    auto out = it->second.on_request(request);  // a retransmission: the last response again
    if (out.send) send(*out.send);
    return;
  }
  auto tx = wire::ServerTransaction::create(request, ctx_.now(), config_.t1);
  if (!tx) return;
  servers_.insert_or_assign(*key, std::move(*tx));
  const auto to = request.to();
  if (to && !to->tag().empty()) {
    if (!call_.dialog || !call_.dialog->matches(request, true)) {
      respond(*key, 481, "Call/Transaction Does Not Exist", new_token(10));
      return;
    }
    if (wire::on_dialog_request(*call_.dialog, request) == wire::InDialogCheck::kOutOfOrder) {
      respond(*key, 500, "Server Internal Error (CSeq out of order)", call_.local_tag);  // §12.2.2
      return;
    }
    on_in_dialog(request, *key);
    return;
  }
  if (method == "INVITE") {
    on_incoming_invite(request, *key);
  } else if (method == "CANCEL") {
    on_cancel(request, *key);
  } else if (method == "OPTIONS" || method == "NOTIFY") {
    respond(*key, 200, "OK", new_token(10));  // §11.2; an out-of-dialog NOTIFY is answered
  } else if (method == "BYE" || method == "INFO") {
    respond(*key, 481, "Call/Transaction Does Not Exist", new_token(10));
  } else {
    respond(*key, 405, "Method Not Allowed", new_token(10));
  }
}

void UserAgent::respond(const std::string& key, int code, const std::string& reason, const std::string& to_tag,
                        const std::string& body, const std::string& content_type, bool with_contact) {
  auto it = servers_.find(key);
  if (it == servers_.end()) return;
  wire::Message response = wire::make_response(it->second.request(), code, reason, to_tag);
  if (with_contact) response.add("Contact", contact());
  // §12.1.1: a response that establishes a dialog carries the request's Record-Route.
  if (code > 100 && code < 300 && it->second.request().request()->method == "INVITE") {
    for (auto rr : it->second.request().all("Record-Route")) response.add("Record-Route", std::string(rr));
  }
  if (code == 405 || it->second.request().request()->method == "OPTIONS") {
    response.add("Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, NOTIFY");
  }
  response.add("User-Agent", config_.user_agent);
  if (!body.empty()) {
    response.add("Content-Type", content_type);
    response.body = body;
  }
  auto out = it->second.respond(std::move(response), ctx_.now());
  if (out.send) send(*out.send);
  if (it->second.state() == wire::ServerState::kTerminated) servers_.erase(it);
}

void UserAgent::respond_stateless(const wire::Message& request, int code, const std::string& reason) {
  if (request.vias().empty()) return;
  send(wire::make_response(request, code, reason, new_token(10)));
}

// ---- time --------------------------------------------------------------------------------------

std::optional<base::Ms> UserAgent::poll_timeout() const {
  auto next = base::earliest(timers_.next(), peer_.next_timeout());
  for (const auto& [branch, client] : clients_) next = base::earliest(next, client.tx.next_deadline());
  for (const auto& [key, server] : servers_) next = base::earliest(next, server.next_deadline());
  return next;
}

void UserAgent::on_timeout(base::Ms now) {
  std::vector<std::pair<std::string, wire::TransactionOutput>> fired;
  for (auto& [branch, client] : clients_) {
    if (client.tx.next_deadline() && *client.tx.next_deadline() <= now) fired.emplace_back(branch, client.tx.on_timeout(now));
  }
  for (auto& [branch, out] : fired) on_client_result(branch, out);
  for (auto it = servers_.begin(); it != servers_.end();) {
    auto out = it->second.on_timeout(now);
    if (out.failure) ctx_.log(log::Level::Warn, le::kSipTransactionFailed, {{"method", "INVITE"}, {"failure", "no ACK (Timer H)"}});
    it = it->second.state() == wire::ServerState::kTerminated ? servers_.erase(it) : std::next(it);
  }
  if (auto failure = peer_.on_timeout(now)) {
    if (call_.dialog && call_.phase == CallPhase::kConfirmed) send_bye(*call_.dialog);
    end_call(call_.phase == CallPhase::kConfirmed ? ev::kCallEnded : ev::kCallFailed, "system", "RTP Timeout");
  }
  while (auto timer = timers_.pop_due(now)) {
    switch (*timer) {
      case Timer::kReconnect:
        if (wanted_ && !open_) open_socket();
        break;
      case Timer::kRegisterRefresh:
        if (open_ && !closing_) send_register(false, false);
        break;
      case Timer::kPing:
        if (open_) {
          timers_.start(Timer::kPing, now + config_.ping_interval);
          if (!ping_branch_ && !closing_) send_ping();
        }
        break;
      case Timer::kPingTimeout:
        if (ping_branch_) clients_.erase(*ping_branch_);
        ping_branch_.reset();
        ping_result(false);
        break;
      case Timer::kGather:
        if (!pending_sdp_.empty()) sdp_ready();
        break;
      case Timer::kAckWait:
        if (call_.phase == CallPhase::kWaitingAck && call_.dialog) {  // §13.3.1.4: no ACK → BYE
          send_bye(*call_.dialog);
          end_call(ev::kCallEnded, "system", "No ACK");
        }
        break;
      case Timer::kCloseWait:
        if (closing_) drop_socket("disconnect", false, true);
        break;
    }
  }
}

json UserAgent::snapshot() const {
  static constexpr const char* kPhases[] = {"idle", "offering", "inviting", "ringing", "answering", "waitingAck", "confirmed"};
  return {{"connected", open_},
          {"registered", registered_},
          {"callPhase", kPhases[static_cast<int>(call_.phase)]},
          {"clientTransactions", clients_.size()},
          {"serverTransactions", servers_.size()},
          {"pingFailures", ping_failures_}};
}

}  // namespace callcore::session::sip
