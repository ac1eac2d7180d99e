// Registration (RFC 3261 §10), digest authentication (§22, RFC 7616, RFC 8760) and the OPTIONS
// ping of the user agent (user_agent.hpp).
#include <algorithm>

#include "callcore/events/dictionary.hpp"
#include "callcore/session/sip/user_agent.hpp"

namespace callcore::session::sip {

namespace ev = events::sip;
namespace le = events::log_event;
using json = nlohmann::json;

namespace {

std::string quote(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (c != '\r' && c != '\n') out += c;
  }
  return out + "\"";
}

// When to refresh a binding of `expires` seconds: 5 s before it runs out, or at half of it
// when it is shorter than 10 s.
base::Ms refresh_after(std::uint32_t expires) {
  const double s = expires >= 10 ? expires - 5.0 : expires / 2.0;
  return base::Ms(s * 1000);
}

}  // namespace

wire::Message UserAgent::out_of_dialog(const std::string& method, const wire::Uri& target, const std::string& to,
                                       const std::string& call_id, const std::string& from_tag, std::uint32_t cseq) {
  wire::Message m;
  m.start = wire::RequestLine{method, target};
  m.add("Via", via());
  m.add("Max-Forwards", "70");
  m.add("To", to);
  const std::string display = config_.display_name.empty() ? "" : quote(config_.display_name) + " ";
  m.add("From", display + "<" + aor() + ">;tag=" + from_tag);
  m.add("Call-ID", call_id);
  m.add("CSeq", wire::to_string(wire::CSeq{cseq, method}));
  return m;
}

void UserAgent::add_credentials(wire::Message& request, Auth& auth) {
  wire::DigestInput input;
  input.username = config_.user;
  input.password = config_.password;
  input.method = request.request()->method;
  input.uri = wire::to_string(request.request()->uri);
  input.nc = ++auth.nc;
  input.cnonce = wire::make_cnonce(ctx_.random());
  if (auto creds = wire::credentials(auth.challenge, input)) request.add(creds->header, creds->value);
}

std::optional<UserAgent::Auth> UserAgent::take_challenge(const wire::Message& response, bool authenticated) {
  auto chosen = wire::choose_challenge(wire::challenges(response));
  if (!chosen) return std::nullopt;
  // Credentials that answered a challenge were refused: only a stale nonce is worth a retry.
  if (authenticated && !chosen->stale) return std::nullopt;
  return Auth{std::move(*chosen), 0};
}

void UserAgent::send_register(bool unregister, bool answering_challenge) {
  auto target = wire::parse_uri("sip:" + config_.domain);
  if (!std::holds_alternative<wire::Uri>(target)) {
    registration_failed("Bad Configuration", std::nullopt, "domain is not a host", true);
    return;
  }
  const std::uint32_t expires = unregister ? 0 : config_.register_expires;
  register_cseq_ = std::min(register_cseq_ + 1, wire::kMaxCSeq);
  wire::Message m = out_of_dialog("REGISTER", std::get<wire::Uri>(target), "<" + aor() + ">", register_call_id_,
                                  register_tag_, register_cseq_);
  m.add("Contact", contact() + ";expires=" + std::to_string(expires));
  m.add("Expires", std::to_string(expires));
  m.add("Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, NOTIFY");
  m.add("User-Agent", config_.user_agent);
  for (const auto& [name, value] : config_.register_headers) m.add(name, value);
  // The last challenge is answered again with the next nonce count (RFC 7616 §3.4: nc counts
  // the requests sent with one nonce); a refused reuse gets a fresh challenge.
  if (register_auth_) add_credentials(m, *register_auth_);
  start_client(std::move(m), unregister ? Purpose::kUnregister : Purpose::kRegister, answering_challenge);
}

void UserAgent::on_register_response(const Client& client, const wire::Message& response) {
  const int code = response.response()->code;
  const std::string& reason = response.response()->reason;
  const bool unregister = client.purpose == Purpose::kUnregister;
  if (code < 200) return;
  if (code < 300) {
    if (unregister) {
      registered_ = false;
      timers_.cancel(Timer::kRegisterRefresh);
      ctx_.emit(ev::kUnregistered, {{"statusCode", code}});
      if (closing_) drop_socket("disconnect", false, true);
      return;
    }
    std::uint32_t expires = response.expires().value_or(config_.register_expires);
    for (const auto& c : response.contacts()) {  // §10.2.4: our binding's own expires wins
      if (c.uri.user == contact_user_) {
        if (auto e = wire::param_value(c.params, "expires")) expires = wire::parse_number(*e, 0xFFFFFFFF).value_or(expires);
      }
    }
    if (expires == 0) {
      registration_failed("Rejected", code, "binding granted for 0 s", false);
      return;
    }
    timers_.start(Timer::kRegisterRefresh, ctx_.now() + refresh_after(expires));
    if (!registered_) {
      registered_ = true;
      ctx_.emit(ev::kRegistered, {{"expires", expires}});
    }
    settle(connect_request_);
    return;
  }
  if (code == 401 || code == 407) {
    if (auto auth = take_challenge(response, client.authenticated)) {
      register_auth_ = std::move(auth);
      send_register(unregister, true);
      return;
    }
    register_auth_.reset();
    if (unregister) {
      if (closing_) drop_socket("disconnect", false, true);
      return;
    }
    registration_failed("Authentication Error", code, reason, true);
    return;
  }
  if (code == 423) {  // §10.2.8: Interval Too Brief, Min-Expires says what the registrar accepts
    if (auto min = response.first("Min-Expires")) {
      if (auto seconds = wire::parse_number(*min, 0xFFFFFFFF); seconds && *seconds > config_.register_expires) {
        config_.register_expires = *seconds;
        send_register(unregister, client.authenticated);
        return;
      }
    }
  }
  if (unregister) {
    if (closing_) drop_socket("disconnect", false, true);
    return;
  }
  registration_failed(code == 403 ? "Rejected" : "SIP Failure Code", code, reason, code == 403);
}

void UserAgent::registration_failed(const std::string& cause, std::optional<int> code, const std::string& reason,
                                    bool terminal) {
  const bool was = registered_;
  registered_ = false;
  timers_.cancel(Timer::kRegisterRefresh);
  json payload = {{"cause", cause}, {"terminal", terminal}};
  if (code) payload["statusCode"] = *code;
  if (!reason.empty()) payload["reasonPhrase"] = reason;
  ctx_.emit(ev::kRegistrationFailed, payload);
  if (was) ctx_.emit(ev::kUnregistered, json::object());
  // connect()'s promise: the status and reason in the description ("SIP 401 Unauthorized").
  std::string description = code ? "SIP " + std::to_string(*code) + (reason.empty() ? "" : " " + reason) + " (" + cause + ")" : cause;
  settle(connect_request_, errors::make(events::error_type::kSip, "The SIP registration failed", description));
  if (terminal) {
    register_terminal_ = true;  // sip-connector: REGISTER 401/403 after credentials is terminal
    return;
  }
  // sip-connector's auto-connect: registrationFailed outside a call → a full reconnect.
  if (call_.phase == CallPhase::kIdle && open_) {
    ctx_.log(log::Level::Warn, le::kSipReconnect, {{"why", "registrationFailed"}, {"cause", cause}});
    drop_socket("registrationFailed: " + cause, true, true);
  }
}

void UserAgent::send_ping() {
  auto target = wire::parse_uri(aor());
  if (!std::holds_alternative<wire::Uri>(target)) return;
  wire::Message m = out_of_dialog("OPTIONS", std::get<wire::Uri>(target), "<" + aor() + ">", new_token(20),
                                  new_token(10), 1);
  m.add("User-Agent", config_.user_agent);
  start_client(std::move(m), Purpose::kPing);
  timers_.start(Timer::kPingTimeout, ctx_.now() + config_.ping_timeout);
}

void UserAgent::ping_result(bool ok) {
  if (ok) {
    ping_failures_ = 0;
    return;
  }
  ++ping_failures_;
  if (ping_failures_ < config_.ping_failures) return;
  ctx_.log(log::Level::Warn, le::kSipReconnect, {{"why", "OPTIONS ping failed"}, {"failures", ping_failures_}});
  ping_failures_ = 0;
  drop_socket("OPTIONS ping failed", true, true);
}

}  // namespace callcore::session::sip
