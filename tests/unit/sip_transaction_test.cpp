// SIP client transactions over a reliable transport (signaling/sip/transaction.hpp): the INVITE
// and non-INVITE state machines of RFC 3261 §17.1 with RFC 6026's Accepted state, their timers
// (B, F, M = 64*T1) driven by the time passed in, response matching (§17.1.3), the ACK for a
// non-2xx final response (§17.1.1.3) and CANCEL (§9.1).
#include <string>
#include <variant>

#include <catch2/catch.hpp>

#include "callcore/signaling/sip/transaction.hpp"

using namespace callcore::signaling::sip;
using callcore::base::Ms;

namespace {

Message parsed(const std::string& text) {
  auto result = parse(text);
  if (auto* err = std::get_if<ParseError>(&result)) FAIL(parse_error_name(err->kind) << ": " << err->message);
  return std::get<Message>(result);
}

Message request(const std::string& method, const std::string& branch = "z9hG4bK776asdhds") {
  return parsed(method + " sip:bob@example.com SIP/2.0\r\n"
                "Via: SIP/2.0/WSS h.invalid;branch=" + branch + "\r\n"
                "Max-Forwards: 70\r\n"
                "Route: <sip:proxy.example.com;transport=ws;lr>\r\n"
                "To: Bob <sip:bob@example.com>\r\n"
                "From: Alice <sip:alice@example.com>;tag=1928301774\r\n"
                "Call-ID: a84b4c76e66710@h.invalid\r\n"
                "CSeq: 314159 " + method + "\r\n"
                "\r\n");
}

Message response(int code, const std::string& method, const std::string& branch = "z9hG4bK776asdhds",
                 const std::string& to_tag = "a6c85cf") {
  return parsed("SIP/2.0 " + std::to_string(code) + " Reason\r\n"
                "Via: SIP/2.0/WSS h.invalid;branch=" + branch + ";received=127.0.0.1\r\n"
                "To: Bob <sip:bob@example.com>" + (to_tag.empty() ? "" : ";tag=" + to_tag) + "\r\n"
                "From: Alice <sip:alice@example.com>;tag=1928301774\r\n"
                "Call-ID: a84b4c76e66710@h.invalid\r\n"
                "CSeq: 314159 " + method + "\r\n"
                "\r\n");
}

ClientTransaction started(const Message& req, Ms now, TransactionOutput* first = nullptr) {
  auto tx = ClientTransaction::start(req, now);
  REQUIRE(tx);
  if (first != nullptr) *first = tx->second;
  return std::move(tx->first);
}

}  // namespace

TEST_CASE("INVITE: 100, 180, 200 → Accepted, more 2xx to the TU, Timer M ends it", "[sip][transaction]") {
  TransactionOutput first;
  ClientTransaction tx = started(request("INVITE"), Ms(1000), &first);
  REQUIRE(first.send.size() == 1);
  CHECK(first.send[0] == request("INVITE"));
  CHECK(tx.state() == TransactionState::kCalling);
  CHECK(tx.is_invite());
  CHECK(tx.branch() == "z9hG4bK776asdhds");
  CHECK(tx.next_deadline() == Ms(1000 + 64 * 500));  // Timer B

  auto out = tx.on_response(response(100, "INVITE", "z9hG4bK776asdhds", ""), Ms(1100));
  CHECK(out.responses.size() == 1);
  CHECK(tx.state() == TransactionState::kProceeding);
  CHECK_FALSE(tx.next_deadline());  // Timer B only bounds Calling
  CHECK(tx.on_timeout(Ms(1000 + 64 * 500 + 1)).failure == std::nullopt);
  CHECK(tx.state() == TransactionState::kProceeding);

  out = tx.on_response(response(180, "INVITE"), Ms(2000));
  CHECK(out.responses.at(0).response()->code == 180);
  CHECK(out.send.empty());

  out = tx.on_response(response(200, "INVITE"), Ms(5000));
  CHECK(out.responses.at(0).response()->code == 200);
  CHECK(out.send.empty());  // the ACK for a 2xx is the dialog's, not the transaction's
  CHECK(tx.state() == TransactionState::kAccepted);
  CHECK(tx.next_deadline() == Ms(5000 + 64 * 500));  // Timer M

  // A 2xx from another fork (another To tag) is handed up too; a late 180 is absorbed.
  CHECK(tx.on_response(response(200, "INVITE", "z9hG4bK776asdhds", "other"), Ms(6000)).responses.size() == 1);
  CHECK(tx.on_response(response(180, "INVITE"), Ms(6100)).responses.empty());
  CHECK(tx.on_timeout(Ms(5000 + 64 * 500 - 1)).failure == std::nullopt);
  CHECK(tx.state() == TransactionState::kAccepted);
  CHECK(tx.on_timeout(Ms(5000 + 64 * 500)).failure == std::nullopt);
  CHECK(tx.state() == TransactionState::kTerminated);
  CHECK_FALSE(tx.next_deadline());
}

TEST_CASE("INVITE: a 486 is ACKed by the transaction (§17.1.1.3), which then ends", "[sip][transaction]") {
  ClientTransaction tx = started(request("INVITE"), Ms(0));
  tx.on_response(response(180, "INVITE"), Ms(10));
  const auto out = tx.on_response(response(486, "INVITE"), Ms(20));
  REQUIRE(out.responses.size() == 1);
  CHECK(out.responses[0].response()->code == 486);
  REQUIRE(out.send.size() == 1);
  const Message& ack = out.send[0];
  CHECK(ack.request()->method == "ACK");
  CHECK(ack.request()->uri == request("INVITE").request()->uri);
  CHECK(ack.vias().size() == 1);
  CHECK(ack.vias()[0].branch() == "z9hG4bK776asdhds");  // the INVITE's branch
  CHECK(ack.to()->tag() == "a6c85cf");                  // the response's To
  CHECK(ack.from()->tag() == "1928301774");
  CHECK(ack.call_id() == "a84b4c76e66710@h.invalid");
  CHECK(ack.cseq() == CSeq{314159, "ACK"});
  CHECK(ack.routes().size() == 1);
  CHECK(ack.max_forwards() == 70u);
  CHECK(ack.body.empty());
  CHECK(std::holds_alternative<Message>(parse(serialize(ack))));
  CHECK(tx.state() == TransactionState::kTerminated);
  CHECK_FALSE(tx.next_deadline());
  // Afterwards nothing more comes out.
  CHECK(tx.on_response(response(486, "INVITE"), Ms(30)).send.empty());
}

TEST_CASE("INVITE: Timer B in Calling times the transaction out; a transport error ends it", "[sip][transaction]") {
  ClientTransaction tx = started(request("INVITE"), Ms(100), nullptr);
  CHECK(tx.on_timeout(Ms(100 + 64 * 500 - 1)).failure == std::nullopt);
  CHECK(tx.state() == TransactionState::kCalling);
  CHECK(tx.on_timeout(Ms(100 + 64 * 500)).failure == TransactionFailure::kTimeout);
  CHECK(tx.state() == TransactionState::kTerminated);
  CHECK(tx.on_response(response(200, "INVITE"), Ms(40000)).responses.empty());

  ClientTransaction broken = started(request("INVITE"), Ms(0));
  CHECK(broken.on_transport_error().failure == TransactionFailure::kTransportError);
  CHECK(broken.state() == TransactionState::kTerminated);
  CHECK(broken.on_transport_error().failure == std::nullopt);
  // A custom T1 scales the bound.
  auto fast = ClientTransaction::start(request("INVITE"), Ms(0), Ms(100));
  REQUIRE(fast);
  CHECK(fast->first.next_deadline() == Ms(6400));
}

TEST_CASE("non-INVITE: Trying → Proceeding → Terminated on the final response; Timer F", "[sip][transaction]") {
  ClientTransaction tx = started(request("REGISTER"), Ms(0));
  CHECK(tx.state() == TransactionState::kTrying);
  CHECK(tx.next_deadline() == Ms(32000));  // Timer F
  CHECK(tx.on_response(response(100, "REGISTER"), Ms(5)).responses.size() == 1);
  CHECK(tx.state() == TransactionState::kProceeding);
  CHECK(tx.next_deadline() == Ms(32000));  // F still runs in Proceeding
  const auto out = tx.on_response(response(401, "REGISTER"), Ms(10));
  CHECK(out.responses.at(0).response()->code == 401);
  CHECK(out.send.empty());  // no ACK outside INVITE
  CHECK(tx.state() == TransactionState::kTerminated);
  CHECK_FALSE(tx.next_deadline());

  ClientTransaction slow = started(request("OPTIONS"), Ms(0));
  slow.on_response(response(100, "OPTIONS"), Ms(1));
  CHECK(slow.on_timeout(Ms(31999)).failure == std::nullopt);
  CHECK(slow.on_timeout(Ms(32000)).failure == TransactionFailure::kTimeout);
  CHECK(slow.state() == TransactionState::kTerminated);
}

TEST_CASE("responses match a transaction by top Via branch and CSeq method (§17.1.3)", "[sip][transaction]") {
  ClientTransaction tx = started(request("INVITE"), Ms(0));
  CHECK(tx.matches(response(180, "INVITE")));
  CHECK_FALSE(tx.matches(response(180, "INVITE", "z9hG4bKother")));
  CHECK_FALSE(tx.matches(response(200, "CANCEL")));  // the CANCEL's own transaction, same branch
  CHECK_FALSE(tx.matches(request("INVITE")));
  CHECK(tx.on_response(response(200, "CANCEL"), Ms(1)).responses.empty());
  CHECK(tx.state() == TransactionState::kCalling);
}

TEST_CASE("unusable requests do not start a transaction", "[sip][transaction]") {
  CHECK_FALSE(ClientTransaction::start(request("ACK"), Ms(0)));                 // ACK has none (§17)
  CHECK_FALSE(ClientTransaction::start(request("INVITE", "abc123"), Ms(0)));    // no magic cookie
  CHECK_FALSE(ClientTransaction::start(request("INVITE", "z9hG4bK"), Ms(0)));   // only the cookie
  CHECK_FALSE(ClientTransaction::start(response(200, "INVITE"), Ms(0)));        // not a request
}

TEST_CASE("CANCEL copies what RFC 3261 §9.1 requires from the INVITE", "[sip][transaction]") {
  const Message invite = request("INVITE");
  const Message cancel = cancel_for(invite);
  CHECK(cancel.request()->method == "CANCEL");
  CHECK(cancel.request()->uri == invite.request()->uri);
  CHECK(cancel.vias() == std::vector<Via>{invite.vias()[0]});
  CHECK(cancel.to() == invite.to());
  CHECK(cancel.from() == invite.from());
  CHECK(cancel.call_id() == invite.call_id());
  CHECK(cancel.cseq() == CSeq{314159, "CANCEL"});
  CHECK(cancel.routes() == invite.routes());
  auto tx = ClientTransaction::start(cancel, Ms(0));
  REQUIRE(tx);
  CHECK_FALSE(tx->first.is_invite());
  CHECK(tx->first.matches(response(200, "CANCEL")));
  CHECK_FALSE(tx->first.matches(response(487, "INVITE")));
}
