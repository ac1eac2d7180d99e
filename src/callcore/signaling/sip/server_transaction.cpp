#include "callcore/signaling/sip/server_transaction.hpp"

#include <utility>

namespace callcore::signaling::sip {

std::optional<std::string> server_key(const Message& request) {
  const auto* line = request.request();
  if (line == nullptr) return std::nullopt;
  const auto vias = request.vias();
  if (vias.empty()) return std::nullopt;
  const std::string branch = vias.front().branch();
  if (branch.size() <= kBranchCookie.size() || branch.compare(0, kBranchCookie.size(), kBranchCookie) != 0) {
    return std::nullopt;
  }
  const std::string& method = line->method == "ACK" ? std::string("INVITE") : line->method;
  const auto& via = vias.front();
  return branch + "|" + via.host + ":" + std::to_string(via.port.value_or(0)) + "|" + method;
}

std::optional<ServerTransaction> ServerTransaction::create(Message request, base::Ms now, base::Ms t1) {
  (void)now;
  const auto* line = request.request();
  if (line == nullptr || line->method == "ACK") return std::nullopt;
  auto key = server_key(request);
  if (!key) return std::nullopt;
  const bool invite = line->method == "INVITE";
  ServerTransaction tx(std::move(request), invite, std::move(*key), t1);
  tx.state_ = invite ? ServerState::kProceeding : ServerState::kTrying;
  return tx;
}

ServerOutput ServerTransaction::respond(Message response, base::Ms now) {
  ServerOutput out;
  const auto* status = response.response();
  if (status == nullptr) return out;
  const bool live = state_ == ServerState::kTrying || state_ == ServerState::kProceeding;
  if (!live) return out;
  const int code = status->code;
  const base::Ms bound(64 * t1_.value);
  if (code < 200) {
    state_ = ServerState::kProceeding;
  } else {
    final_code_ = code;
    if (!invite_) {
      state_ = ServerState::kTerminated;  // Completed, Timer J = 0 on a reliable transport
    } else if (code < 300) {
      state_ = ServerState::kAccepted;  // RFC 6026 §7.1
      timers_.start(Timer::kL, now + bound);
    } else {
      state_ = ServerState::kCompleted;  // Timer G not armed (reliable); Timer H bounds the wait
      timers_.start(Timer::kH, now + bound);
    }
  }
  last_ = response;
  out.send = std::move(response);
  return out;
}

ServerOutput ServerTransaction::on_request(const Message& request) {
  ServerOutput out;
  const auto* line = request.request();
  if (line == nullptr || server_key(request) != key_) return out;
  if (line->method == "ACK") {
    if (!invite_) return out;
    if (state_ == ServerState::kCompleted) {
      state_ = ServerState::kTerminated;  // Confirmed, Timer I = 0 on a reliable transport
      timers_.cancel_all();
    } else if (state_ == ServerState::kAccepted) {
      out.to_tu = request;  // the ACK of a 2xx is the TU's (RFC 6026 §7.1)
    }
    return out;
  }
  if (state_ != ServerState::kTerminated && last_) out.send = last_;  // a retransmission
  return out;
}

ServerOutput ServerTransaction::on_timeout(base::Ms now) {
  ServerOutput out;
  while (auto timer = timers_.pop_due(now)) {
    if (*timer == Timer::kH && state_ == ServerState::kCompleted) out.failure = TransactionFailure::kTimeout;
    state_ = ServerState::kTerminated;
  }
  return out;
}

ServerOutput ServerTransaction::on_transport_error() {
  ServerOutput out;
  if (state_ == ServerState::kTerminated) return out;
  if (state_ != ServerState::kAccepted) out.failure = TransactionFailure::kTransportError;
  state_ = ServerState::kTerminated;
  timers_.cancel_all();
  return out;
}

}  // namespace callcore::signaling::sip
