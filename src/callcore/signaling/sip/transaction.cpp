#include "callcore/signaling/sip/transaction.hpp"

#include <utility>

namespace callcore::signaling::sip {

namespace {

// A request like `request` for `method`: same Request-URI, top Via, From, To (or `to`), Call-ID,
// CSeq number and Routes; Max-Forwards 70; no body.
Message derived(const Message& request, const std::string& method, std::optional<std::string_view> to) {
  Message out;
  out.start = RequestLine{method, request.request()->uri};
  if (auto via = request.first("Via")) out.add("Via", std::string(*via));
  out.add("Max-Forwards", "70");
  if (auto from = request.first("From")) out.add("From", std::string(*from));
  if (auto t = to ? to : request.first("To")) out.add("To", std::string(*t));
  if (auto call_id = request.first("Call-ID")) out.add("Call-ID", std::string(*call_id));
  const auto cseq = request.cseq();
  out.add("CSeq", to_string(CSeq{cseq ? cseq->number : 0, method}));
  for (auto route : request.all("Route")) out.add("Route", std::string(route));
  return out;
}

}  // namespace

Message ack_for_non_2xx(const Message& invite, const Message& response) {
  return derived(invite, "ACK", response.first("To"));
}

Message cancel_for(const Message& request) { return derived(request, "CANCEL", std::nullopt); }

std::optional<std::pair<ClientTransaction, TransactionOutput>> ClientTransaction::start(Message request, base::Ms now,
                                                                                         base::Ms t1) {
  const auto* line = request.request();
  if (line == nullptr || line->method == "ACK" || !request.cseq()) return std::nullopt;
  const auto vias = request.vias();
  if (vias.empty()) return std::nullopt;
  std::string branch = vias.front().branch();
  if (branch.size() <= kBranchCookie.size() || branch.compare(0, kBranchCookie.size(), kBranchCookie) != 0) {
    return std::nullopt;
  }
  const bool invite = line->method == "INVITE";
  ClientTransaction tx(std::move(request), invite, std::move(branch), t1);
  const base::Ms bound(64 * t1.value);
  if (invite) {
    tx.state_ = TransactionState::kCalling;
    tx.timers_.start(Timer::kB, now + bound);
  } else {
    tx.state_ = TransactionState::kTrying;
    tx.timers_.start(Timer::kF, now + bound);
  }
  TransactionOutput out;
  out.send.push_back(tx.request_);
  return std::make_pair(std::move(tx), std::move(out));
}

bool ClientTransaction::matches(const Message& response) const {
  if (response.is_request()) return false;
  const auto vias = response.vias();
  const auto cseq = response.cseq();
  return !vias.empty() && vias.front().branch() == branch_ && cseq && cseq->method == request_.request()->method;
}

Message ClientTransaction::ack_for(const Message& response) const { return ack_for_non_2xx(request_, response); }

TransactionOutput ClientTransaction::on_response(const Message& response, base::Ms now) {
  TransactionOutput out;
  if (!matches(response) || state_ == TransactionState::kTerminated) return out;
  const int code = response.response()->code;
  const bool provisional = code < 200;
  if (invite_) {
    switch (state_) {
      case TransactionState::kCalling:
      case TransactionState::kProceeding:
        if (provisional) {
          state_ = TransactionState::kProceeding;
          timers_.cancel(Timer::kB);  // §17.1.1.2: Timer B only bounds the Calling state
          out.responses.push_back(response);
        } else if (code < 300) {
          state_ = TransactionState::kAccepted;  // RFC 6026 §8.4
          timers_.cancel_all();
          timers_.start(Timer::kM, now + base::Ms(64 * t1_.value));
          out.responses.push_back(response);
        } else {
          // Completed with Timer D = 0 on a reliable transport: ACK and terminate.
          out.send.push_back(ack_for(response));
          out.responses.push_back(response);
          state_ = TransactionState::kTerminated;
          timers_.cancel_all();
        }
        break;
      case TransactionState::kAccepted:
        // RFC 6026 §8.4: a retransmitted or forked 2xx goes to the TU (which sends its ACK);
        // anything else is absorbed.
        if (code >= 200 && code < 300) out.responses.push_back(response);
        break;
      default:
        break;
    }
    return out;
  }
  if (provisional) {
    state_ = TransactionState::kProceeding;
    out.responses.push_back(response);
    return out;
  }
  // Completed with Timer K = 0 on a reliable transport.
  out.responses.push_back(response);
  state_ = TransactionState::kTerminated;
  timers_.cancel_all();
  return out;
}

TransactionOutput ClientTransaction::on_timeout(base::Ms now) {
  TransactionOutput out;
  while (auto timer = timers_.pop_due(now)) {
    switch (*timer) {
      case Timer::kB:
      case Timer::kF:
        if (state_ != TransactionState::kTerminated) out.failure = TransactionFailure::kTimeout;
        state_ = TransactionState::kTerminated;
        timers_.cancel_all();
        break;
      case Timer::kM:
        state_ = TransactionState::kTerminated;
        break;
    }
  }
  return out;
}

TransactionOutput ClientTransaction::on_transport_error() {
  TransactionOutput out;
  if (state_ == TransactionState::kTerminated) return out;
  if (state_ != TransactionState::kAccepted) out.failure = TransactionFailure::kTransportError;
  state_ = TransactionState::kTerminated;
  timers_.cancel_all();
  return out;
}

}  // namespace callcore::signaling::sip
