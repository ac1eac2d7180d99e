// SIP server transactions (signaling/sip/server_transaction.hpp, RFC 3261 §17.2 over a reliable
// transport, RFC 6026) and dialogs (signaling/sip/dialog.hpp, RFC 3261 §12, §13.2.2.4, §14.1),
// with time as an argument.
#include <set>
#include <string>
#include <variant>

#include <catch2/catch.hpp>

#include "callcore/signaling/sip/dialog.hpp"
#include "callcore/signaling/sip/server_transaction.hpp"

using namespace callcore::signaling::sip;
using callcore::base::Ms;

namespace {

Message parsed(const std::string& text) {
  auto result = parse(text);
  if (auto* err = std::get_if<ParseError>(&result)) FAIL(parse_error_name(err->kind) << ": " << err->message);
  return std::get<Message>(result);
}

Message incoming(const std::string& method, const std::string& branch = "z9hG4bKnashds8",
                 const std::string& cseq = "1") {
  return parsed(method + " sip:alice@h.invalid;transport=ws SIP/2.0\r\n"
                "Via: SIP/2.0/WSS 10.0.0.1:8443;branch=" + branch + "\r\n"
                "Record-Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>\r\n"
                "From: Bob <sip:bob@example.com>;tag=bobtag\r\n"
                "To: Alice <sip:alice@example.com>\r\n"
                "Call-ID: call-1@example.com\r\n"
                "CSeq: " + cseq + " " + method + "\r\n"
                "Contact: <sip:bob@10.0.0.1:8443;transport=ws>\r\n"
                "\r\n");
}

}  // namespace

TEST_CASE("server INVITE: 180 then 486 → Completed, ACK ends it; a retransmission gets the 486 again",
          "[sip][server-transaction]") {
  auto tx = ServerTransaction::create(incoming("INVITE"), Ms(0));
  REQUIRE(tx);
  CHECK(tx->state() == ServerState::kProceeding);
  auto out = tx->respond(make_response(tx->request(), 180, "Ringing", "t1"), Ms(10));
  REQUIRE(out.send);
  CHECK(out.send->response()->code == 180);
  CHECK_FALSE(tx->next_deadline());  // no Timer G: no retransmission on a reliable transport
  out = tx->respond(make_response(tx->request(), 486, "Busy Here", "t1"), Ms(20));
  REQUIRE(out.send);
  CHECK(tx->state() == ServerState::kCompleted);
  CHECK(tx->next_deadline() == Ms(20 + 64 * 500));  // Timer H
  out = tx->on_request(incoming("INVITE"));
  REQUIRE(out.send);
  CHECK(out.send->response()->code == 486);
  CHECK_FALSE(tx->respond(make_response(tx->request(), 200, "OK", "t1"), Ms(30)).send);  // one final only
  out = tx->on_request(incoming("ACK"));
  CHECK_FALSE(out.to_tu);  // the ACK of a non-2xx stays in the transaction
  CHECK(tx->state() == ServerState::kTerminated);  // Timer I = 0
}

TEST_CASE("server INVITE: Timer H without ACK fails with kTimeout at 64*T1, not before", "[sip][server-transaction]") {
  auto tx = ServerTransaction::create(incoming("INVITE"), Ms(0));
  tx->respond(make_response(tx->request(), 603, "Decline", "t1"), Ms(100));
  CHECK_FALSE(tx->on_timeout(Ms(100 + 31999)).failure);
  CHECK(tx->state() == ServerState::kCompleted);
  auto out = tx->on_timeout(Ms(100 + 32000));
  CHECK(out.failure == TransactionFailure::kTimeout);
  CHECK(tx->state() == ServerState::kTerminated);
}

TEST_CASE("server INVITE: 2xx → Accepted; its ACK goes to the TU; Timer L ends it", "[sip][server-transaction]") {
  auto tx = ServerTransaction::create(incoming("INVITE"), Ms(0));
  tx->respond(make_response(tx->request(), 200, "OK", "t1"), Ms(5));
  CHECK(tx->state() == ServerState::kAccepted);
  auto out = tx->on_request(incoming("ACK"));
  REQUIRE(out.to_tu);
  CHECK(out.to_tu->request()->method == "ACK");
  CHECK_FALSE(tx->on_timeout(Ms(5 + 32000)).failure);
  CHECK(tx->state() == ServerState::kTerminated);
}

TEST_CASE("server non-INVITE: final response terminates at once (Timer J = 0); matching keys", "[sip][server-transaction]") {
  auto tx = ServerTransaction::create(incoming("BYE"), Ms(0));
  REQUIRE(tx);
  CHECK(tx->state() == ServerState::kTrying);
  CHECK(tx->on_request(incoming("BYE")).send == std::nullopt);  // nothing sent yet: nothing to repeat
  auto out = tx->respond(make_response(tx->request(), 200, "OK", ""), Ms(1));
  REQUIRE(out.send);
  CHECK(tx->state() == ServerState::kTerminated);
  CHECK_FALSE(tx->next_deadline());
  // §17.2.3: ACK matches INVITE; CANCEL and another branch do not; no cookie: no key.
  CHECK(server_key(incoming("ACK")) == server_key(incoming("INVITE")));
  CHECK(server_key(incoming("CANCEL")) != server_key(incoming("INVITE")));
  CHECK(server_key(incoming("INVITE", "z9hG4bKother")) != server_key(incoming("INVITE")));
  CHECK_FALSE(server_key(incoming("INVITE", "1234")));
  CHECK_FALSE(ServerTransaction::create(incoming("ACK"), Ms(0)));
  auto tx2 = ServerTransaction::create(incoming("OPTIONS"), Ms(0));
  CHECK(tx2->on_transport_error().failure == TransactionFailure::kTransportError);
}

namespace {

Message our_invite() {
  return parsed("INVITE sip:bob@example.com SIP/2.0\r\n"
                "Via: SIP/2.0/WSS a.invalid;branch=z9hG4bKinv1\r\n"
                "Max-Forwards: 70\r\n"
                "From: <sip:alice@example.com>;tag=atag\r\n"
                "To: <sip:bob@example.com>\r\n"
                "Call-ID: c-2@a.invalid\r\n"
                "CSeq: 7 INVITE\r\n"
                "Contact: <sip:alice@a.invalid;transport=ws>\r\n"
                "\r\n");
}

Message their_response(int code, const std::string& contact = "sip:bob@10.0.0.2;transport=ws") {
  return parsed("SIP/2.0 " + std::to_string(code) + " X\r\n"
                "Via: SIP/2.0/WSS a.invalid;branch=z9hG4bKinv1\r\n"
                "Record-Route: <sip:p1.example.com;lr>\r\n"
                "Record-Route: <sip:p2.example.com;lr>\r\n"
                "From: <sip:alice@example.com>;tag=atag\r\n"
                "To: <sip:bob@example.com>;tag=btag\r\n"
                "Call-ID: c-2@a.invalid\r\n"
                "CSeq: 7 INVITE\r\n"
                "Contact: <" + contact + ">\r\n"
                "\r\n");
}

}  // namespace

TEST_CASE("UAC dialog from 180 then 200: Record-Route reversed, target refreshed, BYE and ACK built",
          "[sip][dialog]") {
  CHECK_FALSE(dialog_as_uac(our_invite(), their_response(100)));
  auto d = dialog_as_uac(our_invite(), their_response(180));
  REQUIRE(d);
  CHECK(d->early);
  CHECK(d->caller);
  REQUIRE(d->route_set.size() == 2);
  CHECK(d->route_set[0].uri.host == "p2.example.com");
  update_from_response(*d, their_response(200, "sip:bob@10.0.0.3;transport=ws"));
  CHECK_FALSE(d->early);
  CHECK(d->remote_target.host == "10.0.0.3");
  CHECK(d->matches(their_response(200), true));

  Message ack = dialog_ack(*d, 7, "SIP/2.0/WSS a.invalid;branch=z9hG4bKack1");
  CHECK(ack.request()->uri.host == "10.0.0.3");
  CHECK(ack.cseq() == CSeq{7, "ACK"});
  CHECK(ack.routes().size() == 2);
  CHECK(ack.routes()[0].uri.host == "p2.example.com");
  CHECK(d->local_seq == 7);  // the ACK does not advance it

  Message bye = dialog_request(*d, "BYE", "SIP/2.0/WSS a.invalid;branch=z9hG4bKbye1", "");
  CHECK(bye.cseq() == CSeq{8, "BYE"});
  CHECK(bye.to()->tag() == "btag");
  CHECK(bye.from()->tag() == "atag");
  CHECK(bye.call_id() == "c-2@a.invalid");
  CHECK(std::holds_alternative<Message>(parse(serialize(bye))));
}

TEST_CASE("UAS dialog: route set in order, remote CSeq checks (500 for out of order), re-INVITE refreshes target",
          "[sip][dialog]") {
  auto d = dialog_as_uas(incoming("INVITE", "z9hG4bK1", "5"), "mytag", 1);
  REQUIRE(d);
  CHECK(d->route_set[0].uri.host == "p1.example.com");
  CHECK(d->remote_seq == 5u);
  Message info = dialog_request(*d, "INFO", "SIP/2.0/WSS a.invalid;branch=z9hG4bKi", "<sip:alice@a.invalid;transport=ws>");
  CHECK(info.cseq() == CSeq{1, "INFO"});
  CHECK(info.to()->tag() == "bobtag");
  CHECK(info.from()->tag() == "mytag");
  CHECK(info.first("Contact"));
  CHECK(on_dialog_request(*d, incoming("BYE", "z9hG4bK2", "4")) == InDialogCheck::kOutOfOrder);
  CHECK(d->remote_seq == 5u);
  CHECK(on_dialog_request(*d, incoming("INVITE", "z9hG4bK3", "6")) == InDialogCheck::kAccept);
  CHECK(d->remote_seq == 6u);
}

TEST_CASE("strict router first in the route set: its URI is the Request-URI, the target the last Route", "[sip][dialog]") {
  auto d = dialog_as_uac(our_invite(), their_response(200));
  REQUIRE(d);
  d->route_set.front().uri.params.clear();  // no lr: a strict router (RFC 2543)
  Message bye = dialog_request(*d, "BYE", "SIP/2.0/WSS a.invalid;branch=z9hG4bKs", "");
  CHECK(bye.request()->uri.host == "p2.example.com");
  REQUIRE(bye.routes().size() == 2);
  CHECK(bye.routes()[1].uri.host == "10.0.0.2");
}

TEST_CASE("491 back-off (§14.1): owner 2.1-4 s, other 0-2 s, in 10 ms units", "[sip][dialog]") {
  callcore::base::Random random(42);
  std::set<long long> seen;
  for (int i = 0; i < 500; ++i) {
    const auto owner = static_cast<long long>(glare_backoff(true, random).value);
    const auto other = static_cast<long long>(glare_backoff(false, random).value);
    CHECK(owner >= 2100);
    CHECK(owner <= 4000);
    CHECK(other >= 0);
    CHECK(other <= 2000);
    CHECK(owner % 10 == 0);
    CHECK(other % 10 == 0);
    seen.insert(owner);
  }
  CHECK(seen.size() > 50);  // spread, not one value
}
