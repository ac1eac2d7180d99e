// SIP server transactions over a reliable transport (RFC 3261 §17.2, with RFC 6026's Accepted
// state for INVITE), sans-IO like ClientTransaction: the request that created the transaction
// and the responses the transaction user (TU) gives it go in, with the time; what to send and
// what to hand up comes out; next_deadline() says when to call on_timeout().
//
// A WebSocket is reliable (RFC 7118 §5), so no response is retransmitted by a timer: Timer G is
// not armed, and Timers I and J are zero (Confirmed and Completed are left at once). What stays:
//  - INVITE (§17.2.1): Proceeding --1xx--> Proceeding; 2xx --> Accepted (RFC 6026 §7.1: Timer L
//    = 64*T1; ACKs for the 2xx go to the TU); 300-699 --> Completed, Timer H = 64*T1 waits for
//    the ACK (ACK --> Terminated; Timer H --> Terminated with kTimeout, §17.2.1).
//  - non-INVITE (§17.2.2): Trying --1xx--> Proceeding --final--> Terminated (Timer J = 0).
// A retransmitted request (the peer's, e.g. after a transport reconnect) is answered with the
// last response sent, as §17.2.1 and §17.2.2 say. A transport error terminates (§17.2.4).
#pragma once

#include <optional>
#include <string>

#include "callcore/base/time.hpp"
#include "callcore/base/timers.hpp"
#include "callcore/signaling/sip/message.hpp"
#include "callcore/signaling/sip/transaction.hpp"

namespace callcore::signaling::sip {

/// States of a server transaction (RFC 3261 §17.2, RFC 6026 §7.1).
enum class ServerState {
  kTrying,      ///< non-INVITE received, nothing sent yet
  kProceeding,  ///< INVITE received, or a provisional response sent
  kAccepted,    ///< INVITE: a 2xx sent (RFC 6026), Timer L running
  kCompleted,   ///< INVITE: a 300-699 sent, Timer H waits for the ACK
  kTerminated,  ///< done; the TU may drop the transaction
};

/// What one input produced: messages to write to the transport, a request (the ACK) for the
/// TU, and the failure that ended the transaction, if any (only Timer H's kTimeout, which the
/// TU reports as a lost ACK, §17.2.1, or kTransportError).
struct ServerOutput {
  std::optional<Message> send;
  std::optional<Message> to_tu;
  std::optional<TransactionFailure> failure;
};

/// The key of §17.2.3 for a request whose top Via branch has the magic cookie: branch, sent-by
/// (host and port) and method, ACK counted as INVITE (CANCEL has its own transaction).
/// nullopt for a request without such a branch (RFC 2543 matching is not supported).
std::optional<std::string> server_key(const Message& request);

/// One server transaction.
class ServerTransaction {
 public:
  /// The transaction for a received request that is not an ACK (§17.2.3: an ACK matches an
  /// existing INVITE transaction or goes to the TU), or nullopt when the request has no
  /// RFC 3261 branch.
  static std::optional<ServerTransaction> create(Message request, base::Ms now, base::Ms t1 = kT1);

  /// The TU sends `response` (built with make_response from request()). Returns it to send, or
  /// nothing when the transaction cannot send it any more (a second final response, or
  /// terminated).
  ServerOutput respond(Message response, base::Ms now);
  /// A request received that matches this transaction (server_key equal): a retransmission gets
  /// the last response again; an ACK completes a 300-699 (to the TU only in Accepted, where it
  /// acknowledges a 2xx, RFC 6026 §7.1).
  ServerOutput on_request(const Message& request);
  /// Fires Timer H or L when due at `now`.
  ServerOutput on_timeout(base::Ms now);
  /// The transport failed (§17.2.4).
  ServerOutput on_transport_error();

  std::optional<base::Ms> next_deadline() const { return timers_.next(); }
  ServerState state() const { return state_; }
  bool is_invite() const { return invite_; }
  const std::string& key() const { return key_; }
  const Message& request() const { return request_; }
  /// The final response sent, if any (its code).
  std::optional<int> final_code() const { return final_code_; }

 private:
  enum class Timer { kH, kL };
  ServerTransaction(Message request, bool invite, std::string key, base::Ms t1)
      : request_(std::move(request)), invite_(invite), key_(std::move(key)), t1_(t1) {}

  Message request_;
  bool invite_ = false;
  std::string key_;
  base::Ms t1_;
  ServerState state_ = ServerState::kTrying;
  std::optional<Message> last_;
  std::optional<int> final_code_;
  base::Timers<Timer, 2> timers_;
};

}  // namespace callcore::signaling::sip
