// SIP client transactions over a reliable transport (RFC 3261 §17.1, with RFC 6026's Accepted
// state for INVITE), sans-IO: each input (a response, the clock, a transport error) returns what
// to send and what to hand up to the transaction user (TU); time is passed in as base::Ms and
// next_deadline() says when to call on_timeout().
//
// A WebSocket is reliable (RFC 7118 §5: SIP over WebSocket is treated as a reliable transport),
// so there are no retransmissions: Timers A and E are not armed, and Timers D and K are zero,
// which means Completed is left at once. What remains:
//  - INVITE (§17.1.1): Calling --1xx--> Proceeding; 2xx --> Accepted (RFC 6026 §7.2: further 2xx
//    are handed to the TU, which ACKs each; Timer M = 64*T1 ends it); 300-699 --> the ACK is sent
//    (§17.1.1.3) and the transaction terminates; Timer B = 64*T1 in Calling --> timeout.
//  - non-INVITE (§17.1.2): Trying --1xx--> Proceeding --final--> Terminated (Timer K = 0);
//    Timer F = 64*T1 in Trying or Proceeding --> timeout.
// A transport error in any live state terminates the transaction (§17.1.4).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "callcore/base/time.hpp"
#include "callcore/base/timers.hpp"
#include "callcore/signaling/sip/message.hpp"

namespace callcore::signaling::sip {

/// RFC 3261 §17.1.1.1 T1, the round-trip estimate (default 500 ms); 64*T1 bounds a transaction.
inline constexpr base::Ms kT1{500};

enum class TransactionState {
  kCalling,     ///< INVITE sent, nothing received
  kTrying,      ///< non-INVITE sent, nothing received
  kProceeding,  ///< a provisional response received
  kAccepted,    ///< INVITE: a 2xx received (RFC 6026), waiting out Timer M for more 2xx
  kTerminated,  ///< done; the TU may drop the transaction
};

/// Why a transaction ended without a final response (the TU treats both as 408, §8.1.3.1).
enum class TransactionFailure {
  kTimeout,         ///< Timer B (INVITE) or Timer F (non-INVITE) fired
  kTransportError,  ///< the transport reported a failure (§17.1.4)
};

/// What one input produced, in order: messages to write to the transport, responses for the
/// TU, and the failure that ended the transaction, if any.
struct TransactionOutput {
  std::vector<Message> send;
  std::vector<Message> responses;
  std::optional<TransactionFailure> failure;
};

/// One client transaction. The request must be a request with a top Via whose branch starts
/// with the RFC 3261 magic cookie (§8.1.1.7) and a CSeq; start() refuses others.
class ClientTransaction {
 public:
  /// Creates the transaction for `request` and returns it with the request to send, or
  /// nullopt when the request is unusable (not a request, ACK — which has no client
  /// transaction, §17 — no branch with the cookie, or no CSeq).
  static std::optional<std::pair<ClientTransaction, TransactionOutput>> start(Message request, base::Ms now,
                                                                               base::Ms t1 = kT1);

  /// A response received on the transport. Responses that do not match (§17.1.3: same top Via
  /// branch and the same CSeq method) are ignored: empty output, no state change.
  TransactionOutput on_response(const Message& response, base::Ms now);
  /// Fires every timer due at `now` (Timer B, F or M).
  TransactionOutput on_timeout(base::Ms now);
  /// The transport failed while the transaction was live.
  TransactionOutput on_transport_error();

  /// When on_timeout() should next be called, or nullopt when no timer is armed.
  std::optional<base::Ms> next_deadline() const { return timers_.next(); }
  TransactionState state() const { return state_; }
  bool is_invite() const { return invite_; }
  /// The branch of the request's top Via: the transaction's id (§17.1.3).
  const std::string& branch() const { return branch_; }
  /// True when `response` belongs to this transaction (§17.1.3).
  bool matches(const Message& response) const;
  const Message& request() const { return request_; }

 private:
  enum class Timer { kB, kF, kM };
  ClientTransaction(Message request, bool invite, std::string branch, base::Ms t1)
      : request_(std::move(request)), invite_(invite), branch_(std::move(branch)), t1_(t1) {}
  Message ack_for(const Message& response) const;

  Message request_;
  bool invite_ = false;
  std::string branch_;
  base::Ms t1_;
  TransactionState state_ = TransactionState::kTrying;
  base::Timers<Timer, 3> timers_;
};

/// The ACK for a non-2xx final response to `invite` (RFC 3261 §17.1.1.3): the INVITE's
/// Request-URI, top Via, From, Call-ID, CSeq number and Route headers, the response's To (with
/// its tag), CSeq method ACK, Max-Forwards 70, no body.
Message ack_for_non_2xx(const Message& invite, const Message& response);

/// The CANCEL for `request` (RFC 3261 §9.1): the request's Request-URI, top Via (same branch),
/// From, To, Call-ID, CSeq number and Route headers, CSeq method CANCEL, Max-Forwards 70.
Message cancel_for(const Message& request);

}  // namespace callcore::signaling::sip
