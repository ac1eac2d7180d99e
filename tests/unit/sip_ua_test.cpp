// The SIP user agent (session/sip/user_agent.hpp) against a scripted far side that reads the SIP
// text the agent sends and answers with SIP text: registration with digest (MD5, SHA-256, stale,
// terminal failures), refresh and un-REGISTER, calls as UAC and UAS with the peer's offer/answer,
// CANCEL, BYE, INFO, OPTIONS, the ping and its reconnect decision, and bad input. Time is an
// argument throughout.
#include <string>
#include <variant>

#include <catch2/catch.hpp>

#include "sip_driver.hpp"

#include "callcore/signaling/sip/digest.hpp"

using namespace callcore;
using namespace callcore::test;
using session::sip::CallPhase;

namespace {

const std::string kMd5Challenge = R"(Digest realm="127.0.0.1", nonce="n1", qop="auth", algorithm=MD5)";
const session::sip::CallMedia kMedia{io::TrackId{1}, io::TrackId{2}, "local"};

// A configuration whose OPTIONS ping does not fire within a test that lets minutes pass.
session::sip::UaConfig no_ping() {
  auto c = ua_config();
  c.ping_interval = base::Ms(1e9);
  return c;
}

// Checks that `request` carries credentials for `challenge_text` computed with the password, and
// returns the credentials' parameters.
sipw::Params check_credentials(const sipw::Message& request, const std::string& header, const std::string& challenge_text,
                               const std::string& nc) {
  auto value = request.first(header);
  REQUIRE(value);
  auto creds = sipw::parse_challenges(*value);
  REQUIRE(std::holds_alternative<std::vector<sipw::Challenge>>(creds));
  const auto params = std::get<std::vector<sipw::Challenge>>(creds).front().params;
  auto challenge = std::get<std::vector<sipw::Challenge>>(sipw::parse_challenges(challenge_text)).front();
  CHECK(sipw::param_value(params, "nc") == nc);
  CHECK(sipw::param_value(params, "qop") == "auth");
  CHECK(sipw::param_value(params, "username") == "alice");
  CHECK(sipw::param_value(params, "cnonce")->size() == 32);
  sipw::DigestInput input{"alice", "secret", request.request()->method, *sipw::param_value(params, "uri"),
                          static_cast<std::uint32_t>(std::stoul(nc, nullptr, 16)), *sipw::param_value(params, "cnonce")};
  CHECK(sipw::param_value(params, "response") == sipw::digest_response(challenge, input, true));
  return params;
}

// Registers: REGISTER, 401 MD5, REGISTER with credentials, 200 (expires 300).
void register_ok(SipDriver& d) {
  d.connect();
  auto first = d.request("REGISTER");
  d.reply(first, 401, "Unauthorized", {{"WWW-Authenticate", kMd5Challenge}});
  auto second = d.request("REGISTER");
  d.reply(second, 200, "OK", {{"Contact", "<" + sipw::to_string(second.contacts().front().uri) + ">;expires=300"}});
  REQUIRE(d.ua->registered());
}

std::string invite_text(const std::string& branch, const std::string& extra = "") {
  return "INVITE sip:alice@x.invalid;transport=ws SIP/2.0\r\n"
         "Via: SIP/2.0/WSS 127.0.0.1:8443;branch=" + branch + "\r\n"
         "Record-Route: <sip:127.0.0.1:8443;transport=ws;lr>\r\n"
         "From: \"Bob B\" <sip:bob@127.0.0.1>;tag=bobtag\r\n"
         "To: <sip:alice@127.0.0.1>\r\n"
         "Call-ID: incoming-1\r\n"
         "CSeq: 10 INVITE\r\n"
         "Contact: <sip:bobc@b.invalid;transport=ws>\r\n"
         "Max-Forwards: 69\r\n" + extra +
         "Content-Type: application/sdp\r\n"
         "\r\n" + kOffer;
}

std::string in_dialog(const std::string& method, const std::string& to_tag, int cseq, const std::string& branch,
                      const std::string& extra = "", const std::string& body = "") {
  return method + " sip:alice@x.invalid;transport=ws SIP/2.0\r\n"
         "Via: SIP/2.0/WSS 127.0.0.1:8443;branch=" + branch + "\r\n"
         "From: \"Bob B\" <sip:bob@127.0.0.1>;tag=bobtag\r\n"
         "To: <sip:alice@127.0.0.1>;tag=" + to_tag + "\r\n"
         "Call-ID: incoming-1\r\n"
         "CSeq: " + std::to_string(cseq) + " " + method + "\r\n"
         "Max-Forwards: 69\r\n" + extra + "\r\n" + body;
}

// An outgoing call up to the INVITE being sent (offer made, gathering complete).
sipw::Message dial(SipDriver& d) {
  REQUIRE_FALSE(d.ua->call("bob", kMedia, base::Ms(d.now)));
  d.collect();
  d.feed(io::in::LocalDescription{"offer", kOffer});
  d.feed(io::in::LocalIceCandidate{json{{"candidate", "candidate:1 1 udp 2122260223 10.0.0.5 50000 typ host"}, {"sdpMid", "0"}, {"sdpMLineIndex", 0}}});
  d.feed(io::in::LocalIceCandidate{nullptr});
  return d.request("INVITE");
}

}  // namespace

TEST_CASE("connect: WebSocket with subprotocol sip; REGISTER over WSS with an .invalid Via and transport=ws Contact",
          "[sip][ua]") {
  SipDriver d;
  d.ua->connect(base::Ms(d.now));
  d.collect();
  REQUIRE(d.has("openTransport"));
  const auto& open = d.last.front().data;
  CHECK(open["protocol"] == "sip");
  CHECK(open["url"] == "wss://127.0.0.1:8443/webrtc/wss/");
  CHECK(d.event("connection:connecting")["url"] == "wss://127.0.0.1:8443/webrtc/wss/");
  d.feed(io::in::TransportOpened{});
  CHECK(d.events("connection:connected").size() == 1);
  auto reg = d.request("REGISTER");
  CHECK(sipw::to_string(reg.request()->uri) == "sip:127.0.0.1");
  const auto via = reg.vias().front();
  CHECK(via.transport == "WSS");
  CHECK(via.host.ends_with(".invalid"));
  CHECK(via.branch().starts_with("z9hG4bK"));
  CHECK(sipw::param_value(reg.contacts().front().uri.params, "transport") == "ws");
  CHECK(reg.contacts().front().uri.host == via.host);
  CHECK(sipw::param_value(reg.contacts().front().params, "expires") == "300");
  CHECK(reg.expires() == 300u);
  CHECK(reg.first("X-Vinteo-Remote") == "10.1.2.3");
  CHECK(reg.from()->display_name() == "Alice A");
  CHECK(sipw::to_string(reg.from()->uri) == "sip:alice@127.0.0.1");
  CHECK_FALSE(reg.first("Authorization"));
}

TEST_CASE("REGISTER: 401 MD5 qop=auth answered with a correct digest; refresh before expiry reuses it with nc 2",
          "[sip][ua][digest]") {
  SipDriver d(no_ping());
  d.connect();
  auto first = d.request("REGISTER");
  d.reply(first, 401, "Unauthorized", {{"WWW-Authenticate", kMd5Challenge}});
  auto second = d.request("REGISTER");
  CHECK(second.call_id() == first.call_id());
  CHECK(second.from()->tag() == first.from()->tag());
  CHECK(second.cseq()->number == first.cseq()->number + 1);
  CHECK(second.vias().front().branch() != first.vias().front().branch());
  auto params = check_credentials(second, "Authorization", kMd5Challenge, "00000001");
  CHECK(sipw::param_value(params, "algorithm") == "MD5");
  CHECK(d.events("connection:registered").empty());

  d.reply(second, 200, "OK", {{"Expires", "120"}});
  CHECK(d.event("connection:registered")["expires"] == 120);
  CHECK(d.ua->register_refresh_at() == base::Ms(d.now + 115000));  // 5 s before expiry
  d.advance(d.now + 114999);
  CHECK(d.sent().empty());
  d.advance(d.now + 1);
  auto refresh = d.request("REGISTER");
  CHECK(refresh.cseq()->number == second.cseq()->number + 1);
  check_credentials(refresh, "Authorization", kMd5Challenge, "00000002");
  d.reply(refresh, 200, "OK", {{"Expires", "120"}});
  CHECK(d.events("connection:registered").empty());  // already registered: no second event
  CHECK(d.ua->registered());
}

TEST_CASE("REGISTER: SHA-256 chosen over MD5; stale=true retried with the new nonce; a refused password is terminal",
          "[sip][ua][digest]") {
  SipDriver d;
  d.connect();
  auto first = d.request("REGISTER");
  const std::string sha = R"(Digest realm="127.0.0.1", nonce="s1", qop="auth", algorithm=SHA-256)";
  d.reply(first, 401, "Unauthorized", {{"WWW-Authenticate", kMd5Challenge}, {"WWW-Authenticate", sha}});
  auto second = d.request("REGISTER");
  auto params = check_credentials(second, "Authorization", sha, "00000001");
  CHECK(sipw::param_value(params, "algorithm") == "SHA-256");

  const std::string stale = R"(Digest realm="127.0.0.1", nonce="s2", qop="auth", algorithm=SHA-256, stale=true)";
  d.reply(second, 401, "Unauthorized", {{"WWW-Authenticate", stale}});
  auto third = d.request("REGISTER");
  check_credentials(third, "Authorization", stale, "00000001");  // new nonce: nc back to 1

  const std::string fresh = R"(Digest realm="127.0.0.1", nonce="s3", qop="auth", algorithm=SHA-256)";
  d.reply(third, 401, "Unauthorized", {{"WWW-Authenticate", fresh}});
  CHECK(d.sent().empty());  // credentials refused: no further attempt
  auto failed = d.event("connection:registrationFailed");
  CHECK(failed["terminal"] == true);
  CHECK(failed["statusCode"] == 401);
  CHECK(failed["cause"] == "Authentication Error");
  CHECK_FALSE(d.ua->registered());
  CHECK_FALSE(d.has("closeTransport"));  // terminal: no reconnect loop
  // A reconnect does not REGISTER again with credentials known to be wrong.
  d.feed(io::in::TransportClosed{1006, "gone"});
  d.advance(d.now + 6000);
  REQUIRE(d.has("openTransport"));
  d.feed(io::in::TransportOpened{});
  CHECK(d.sent().empty());
}

TEST_CASE("REGISTER: 403 is terminal; a 500 outside a call makes the core reconnect", "[sip][ua]") {
  SipDriver d;
  d.connect();
  d.reply(d.request("REGISTER"), 403, "Forbidden");
  CHECK(d.event("connection:registrationFailed")["terminal"] == true);
  CHECK(d.sent().empty());

  SipDriver e;
  e.connect();
  e.reply(e.request("REGISTER"), 500, "Server Error");
  CHECK(e.event("connection:registrationFailed")["terminal"] == false);
  CHECK(e.has("closeTransport"));
  const double in = e.event("connection:disconnected")["reconnectInMs"];
  CHECK(in >= 2000);
  CHECK(in <= 6000);
}

TEST_CASE("disconnect: un-REGISTER (Expires 0), then the socket closes; no reconnect", "[sip][ua]") {
  SipDriver d;
  register_ok(d);
  d.ua->disconnect(base::Ms(d.now));
  d.collect();
  auto un = d.request("REGISTER");
  CHECK(un.expires() == 0u);
  CHECK(sipw::param_value(un.contacts().front().params, "expires") == "0");
  CHECK(un.first("Authorization"));  // the known challenge, next nc
  CHECK_FALSE(d.has("closeTransport"));
  d.reply(un, 200, "OK");
  CHECK(d.events("connection:unregistered").size() == 1);
  CHECK(d.has("closeTransport"));
  CHECK_FALSE(d.event("connection:disconnected").contains("reconnectInMs"));
  CHECK_FALSE(d.ua->registered());
  d.advance(d.now + 60000);
  CHECK_FALSE(d.has("openTransport"));
}

TEST_CASE("outgoing call: offer with gathered candidates, 180, 200 → ACK via the route set, answer applied; BYE",
          "[sip][ua][call]") {
  SipDriver d;
  register_ok(d);
  REQUIRE_FALSE(d.ua->call("bob", kMedia, base::Ms(d.now)));
  d.collect();
  CHECK(d.has("createPc"));
  CHECK(d.has("addTrack"));
  CHECK(d.has("setLocalDescription"));
  CHECK(d.event("call:connecting")["number"] == "bob");
  d.feed(io::in::LocalDescription{"offer", kOffer});
  CHECK(d.sent().empty());  // waits for candidates
  d.feed(io::in::LocalIceCandidate{json{{"candidate", "candidate:1 1 udp 2122260223 10.0.0.5 50000 typ host"}, {"sdpMid", "1"}}});
  d.feed(io::in::LocalIceCandidate{nullptr});
  auto invite = d.request("INVITE");
  CHECK(d.events("call:sending").size() == 1);
  CHECK(sipw::to_string(invite.request()->uri) == "sip:bob@127.0.0.1");
  CHECK(invite.content_type()->essence() == "application/sdp");
  CHECK(invite.body.find("a=mid:1\r\na=candidate:1 1 udp 2122260223 10.0.0.5 50000 typ host\r\na=end-of-candidates") !=
        std::string::npos);
  CHECK(sipw::param_value(invite.contacts().front().uri.params, "transport") == "ws");
  CHECK(d.ua->call_phase() == CallPhase::kInviting);

  d.reply(invite, 100, "Trying");
  CHECK(d.events("call:progress").empty());
  d.reply(invite, 180, "Ringing", {{"Contact", "<sip:bob@b.invalid;transport=ws>"}});
  CHECK(d.event("call:progress")["statusCode"] == 180);
  d.reply(invite, 200, "OK",
          {{"Contact", "<sip:bob@b.invalid;transport=ws>"},
           {"Record-Route", "<sip:p1.example;lr>"},
           {"Record-Route", "<sip:p2.example;lr>"}},
          kAnswer);
  auto ack = d.request("ACK");
  CHECK(ack.cseq() == sipw::CSeq{invite.cseq()->number, "ACK"});
  CHECK(ack.request()->uri.host == "b.invalid");
  REQUIRE(ack.routes().size() == 2);
  CHECK(ack.routes()[0].uri.host == "p2.example");  // Record-Route reversed for the UAC
  CHECK(ack.vias().front().branch() != invite.vias().front().branch());
  CHECK(d.has("setRemoteDescription"));
  CHECK(d.event("call:accepted")["originator"] == "remote");
  CHECK(d.events("call:confirmed").size() == 1);
  CHECK(d.ua->call_phase() == CallPhase::kConfirmed);

  // A retransmitted 200 is ACKed again, nothing else.
  d.reply(invite, 200, "OK", {{"Contact", "<sip:bob@b.invalid;transport=ws>"}}, kAnswer);
  d.request("ACK");
  CHECK(d.events("call:confirmed").empty());

  d.ua->hang_up(base::Ms(d.now));
  d.collect();
  auto bye = d.request("BYE");
  CHECK(bye.cseq() == sipw::CSeq{invite.cseq()->number + 1, "BYE"});
  CHECK(bye.to()->tag() == "far-tag");
  CHECK(d.event("call:ended")["originator"] == "local");
  CHECK(d.has("closePc"));
  d.reply(bye, 200, "OK");
  CHECK(d.ua->call_phase() == CallPhase::kIdle);
}

TEST_CASE("outgoing call: the offer goes out at the gather timeout with the candidates so far", "[sip][ua][call]") {
  SipDriver d;
  register_ok(d);
  REQUIRE_FALSE(d.ua->call("bob", kMedia, base::Ms(d.now)));
  d.collect();
  d.feed(io::in::LocalDescription{"offer", kOffer});
  d.feed(io::in::LocalIceCandidate{json{{"candidate", "candidate:2 1 udp 1 10.0.0.6 50002 typ host"}, {"sdpMLineIndex", 0}}});
  const double started = d.now;
  d.advance(started + 1999);
  CHECK(d.sent().empty());
  d.advance(started + 2000);
  auto invite = d.request("INVITE");
  CHECK(invite.body.find("a=mid:0\r\na=candidate:2 1 udp 1 10.0.0.6 50002 typ host\r\nm=video") != std::string::npos);
  CHECK(invite.body.find("end-of-candidates") == std::string::npos);
}

TEST_CASE("outgoing call: 407 retried with Proxy-Authorization; 486 → call:failed Busy and the ACK", "[sip][ua][call]") {
  SipDriver d;
  register_ok(d);
  auto invite = dial(d);
  const std::string proxy = R"(Digest realm="127.0.0.1", nonce="p1", qop="auth", algorithm=MD5)";
  d.reply(invite, 407, "Proxy Authentication Required", {{"Proxy-Authenticate", proxy}});
  auto ack = d.request("ACK");  // the transaction ACKs the 407 (§17.1.1.3)
  CHECK(ack.vias().front().branch() == invite.vias().front().branch());
  auto again = d.request("INVITE");
  CHECK(again.cseq()->number == invite.cseq()->number + 1);
  CHECK(again.call_id() == invite.call_id());
  CHECK(again.body == invite.body);
  check_credentials(again, "Proxy-Authorization", proxy, "00000001");
  d.reply(again, 486, "Busy Here");
  auto failed = d.event("call:failed");
  CHECK(failed["cause"] == "Busy");
  CHECK(failed["statusCode"] == 486);
  CHECK(failed["originator"] == "remote");
  d.request("ACK");
  CHECK(d.ua->call_phase() == CallPhase::kIdle);
}

TEST_CASE("outgoing call: hang up while ringing → CANCEL; before any 1xx the CANCEL waits for one (§9.1)",
          "[sip][ua][call]") {
  SipDriver d;
  register_ok(d);
  auto invite = dial(d);
  d.reply(invite, 180, "Ringing");
  d.ua->hang_up(base::Ms(d.now));
  d.collect();
  auto cancel = d.request("CANCEL");
  CHECK(cancel.vias().front().branch() == invite.vias().front().branch());
  CHECK(cancel.cseq() == sipw::CSeq{invite.cseq()->number, "CANCEL"});
  CHECK(d.event("call:failed")["cause"] == "Canceled");
  d.reply(cancel, 200, "OK");
  d.reply(invite, 487, "Request Terminated");
  d.request("ACK");
  CHECK(d.events("call:failed").empty());  // already reported

  SipDriver e;
  register_ok(e);
  auto invite2 = dial(e);
  e.ua->hang_up(base::Ms(e.now));
  e.collect();
  CHECK(e.sent().empty());
  e.reply(invite2, 100, "Trying");
  e.request("CANCEL");
  // The far side answered anyway: ACK, then BYE.
  e.reply(invite2, 200, "OK", {{"Contact", "<sip:bob@b.invalid;transport=ws>"}}, kAnswer);
  e.request("ACK");
  e.request("BYE");
}

TEST_CASE("incoming call: 180 with a To tag, ringing event, answer with the peer's answer, ACK confirms; BYE ends",
          "[sip][ua][call]") {
  SipDriver d;
  register_ok(d);
  d.text(invite_text("z9hG4bKin1"));
  auto ringing = d.response(180);
  const std::string tag = ringing.to()->tag();
  CHECK_FALSE(tag.empty());
  CHECK(sipw::param_value(ringing.contacts().front().uri.params, "transport") == "ws");
  auto event = d.event("incoming-call:ringing");
  CHECK(event["displayName"] == "Bob B");
  CHECK(event["incomingNumber"] == "bob");
  CHECK(event["host"] == "127.0.0.1");
  CHECK(d.ua->call_phase() == CallPhase::kRinging);

  REQUIRE_FALSE(d.ua->answer(kMedia, base::Ms(d.now)));
  d.collect();
  CHECK(d.has("createPc"));
  CHECK(d.has("setRemoteDescription"));
  d.feed(io::in::RemoteDescriptionSet{"offer"});
  CHECK(d.has("setLocalDescription"));
  d.feed(io::in::LocalDescription{"answer", kAnswer});
  d.feed(io::in::PeerStateChange{"icegatheringstatechange", "complete"});
  auto ok = d.response(200);
  CHECK(ok.to()->tag() == tag);
  CHECK(ok.body.find("a=end-of-candidates") != std::string::npos);
  REQUIRE(ok.record_routes().size() == 1);  // §12.1.1: copied from the INVITE
  CHECK(ok.record_routes()[0].uri.port == 8443);
  CHECK(ringing.record_routes().size() == 1);
  CHECK(d.event("call:accepted")["originator"] == "local");
  CHECK(d.ua->call_phase() == CallPhase::kWaitingAck);
  d.text(in_dialog("ACK", tag, 10, "z9hG4bKack1"));
  CHECK(d.event("call:confirmed")["originator"] == "remote");

  // INFO in the dialog → 200 and call:newInfo with the X- headers.
  d.text(in_dialog("INFO", tag, 11, "z9hG4bKinfo", "X-WEBRTC-USE-LICENSE: AUDIO\r\nContent-Type: application/vinteo.webrtc.uselic\r\n"));
  CHECK(d.response(200).cseq()->method == "INFO");
  auto info = d.event("call:newInfo");
  CHECK(info["contentType"] == "application/vinteo.webrtc.uselic");
  CHECK(info["headers"]["x-webrtc-use-license"] == "AUDIO");
  // Out of order CSeq → 500 (§12.2.2), no state change.
  d.text(in_dialog("INFO", tag, 5, "z9hG4bKold"));
  CHECK(d.response(500).cseq()->number == 5u);
  CHECK(d.events("call:newInfo").empty());

  d.text(in_dialog("BYE", tag, 12, "z9hG4bKbye"));
  CHECK(d.response(200).cseq()->method == "BYE");
  auto ended = d.event("call:ended");
  CHECK(ended["originator"] == "remote");
  CHECK(ended["cause"] == "Bye");
  CHECK(d.has("closePc"));
  CHECK(d.ua->call_phase() == CallPhase::kIdle);
  // A BYE for the ended dialog: 481.
  d.text(in_dialog("BYE", tag, 13, "z9hG4bKbye2"));
  d.response(481);
}

TEST_CASE("incoming call: decline 603, CANCEL → 200 + 487, busy 486 for a second INVITE", "[sip][ua][call]") {
  SipDriver d;
  register_ok(d);
  d.text(invite_text("z9hG4bKa"));
  REQUIRE_FALSE(d.ua->decline(603, base::Ms(d.now)));
  d.collect();
  CHECK(d.response(603).response()->reason == "Decline");
  CHECK(d.events("incoming-call:declinedIncomingCall").size() == 1);
  d.text(in_dialog("ACK", d.response(603).to()->tag(), 10, "z9hG4bKa"));  // same branch: ends the transaction
  CHECK(d.ua->server_transactions() == 0);

  d.text(invite_text("z9hG4bKb"));
  const std::string tag = d.response(180).to()->tag();
  d.text(invite_text("z9hG4bKc"));  // another call while this one rings
  CHECK(d.response(486).call_id() == "incoming-1");
  std::string cancel = invite_text("z9hG4bKb");
  cancel.replace(0, 6, "CANCEL");
  cancel.replace(cancel.find("CSeq: 10 INVITE"), 15, "CSeq: 10 CANCEL");
  cancel = cancel.substr(0, cancel.find("Content-Type")) + "\r\n";
  d.text(cancel);
  CHECK(d.response(200).cseq()->method == "CANCEL");
  CHECK(d.response(487).to()->tag() == tag);
  CHECK(d.events("incoming-call:terminatedIncomingCall").size() == 1);
  CHECK(d.event("call:failed")["cause"] == "Canceled");
  CHECK(d.ua->call_phase() == CallPhase::kIdle);
}

TEST_CASE("incoming call: no ACK for the 200 within 64*T1 → BYE (§13.3.1.4)", "[sip][ua][call]") {
  SipDriver d(no_ping());
  register_ok(d);
  d.text(invite_text("z9hG4bKn"));
  REQUIRE_FALSE(d.ua->answer(kMedia, base::Ms(d.now)));
  d.collect();
  d.feed(io::in::RemoteDescriptionSet{"offer"});
  d.feed(io::in::LocalDescription{"answer", kAnswer});
  d.feed(io::in::LocalIceCandidate{nullptr});
  d.response(200);
  const double sent_at = d.now;
  d.advance(sent_at + 31999);
  CHECK(d.sent().empty());
  d.advance(sent_at + 32000);
  d.request("BYE");
  CHECK(d.event("call:ended")["cause"] == "No ACK");
}

TEST_CASE("OPTIONS answered 200 with Allow; unknown methods 405", "[sip][ua]") {
  SipDriver d;
  register_ok(d);
  d.text("OPTIONS sip:alice@x.invalid SIP/2.0\r\nVia: SIP/2.0/WSS 127.0.0.1;branch=z9hG4bKo1\r\n"
         "From: <sip:k@127.0.0.1>;tag=k\r\nTo: <sip:alice@127.0.0.1>\r\nCall-ID: o1\r\nCSeq: 1 OPTIONS\r\n\r\n");
  auto ok = d.response(200);
  CHECK(ok.first("Allow")->find("INVITE") != std::string_view::npos);
  CHECK_FALSE(ok.to()->tag().empty());
  d.text("SUBSCRIBE sip:alice@x.invalid SIP/2.0\r\nVia: SIP/2.0/WSS 127.0.0.1;branch=z9hG4bKs1\r\n"
         "From: <sip:k@127.0.0.1>;tag=k\r\nTo: <sip:alice@127.0.0.1>\r\nCall-ID: s1\r\nCSeq: 1 SUBSCRIBE\r\n\r\n");
  d.response(405);
}

TEST_CASE("OPTIONS ping every 15 s; two failures in a row → the core closes and reopens the socket, then REGISTERs",
          "[sip][ua][ping]") {
  SipDriver d;
  register_ok(d);
  const double opened = 1000;
  d.advance(opened + 14999);
  CHECK(d.sent().empty());
  d.advance(opened + 15000);
  auto ping = d.request("OPTIONS");
  CHECK(sipw::to_string(ping.request()->uri) == "sip:alice@127.0.0.1");
  d.reply(ping, 200, "OK");
  CHECK(d.ua->ping_failures() == 0);
  d.advance(opened + 30000);
  auto ping2 = d.request("OPTIONS");
  d.reply(ping2, 404, "Not Found");  // a failure
  CHECK(d.ua->ping_failures() == 1);
  d.advance(opened + 45000);
  d.request("OPTIONS");
  d.advance(opened + 54999);
  CHECK_FALSE(d.has("closeTransport"));
  d.advance(opened + 55000);  // 10 s without an answer: the second failure
  CHECK(d.has("closeTransport"));
  const double delay = d.event("connection:disconnected")["reconnectInMs"];
  CHECK(delay >= 2000);
  CHECK(delay <= 6000);
  CHECK_FALSE(d.ua->registered());
  d.advance(d.now + delay);
  CHECK(d.has("openTransport"));
  d.feed(io::in::TransportOpened{});
  d.request("REGISTER");
}

TEST_CASE("malformed input: sipError and a log entry, no state change; a readable request gets 400", "[sip][ua][errors]") {
  SipDriver d;
  register_ok(d);
  const json before = d.ua->snapshot();
  const auto refresh = d.ua->register_refresh_at();
  d.text("this is not SIP\r\n\r\n");
  auto error = d.events("sipError");
  REQUIRE(error.size() == 1);
  CHECK(error[0]["type"] == "sip");
  CHECK(d.last.front().data["emitType"] == "error");
  CHECK(d.sent().empty());
  CHECK(d.ua->snapshot() == before);
  // An INVITE whose basics can be read but whose Max-Forwards is not a number.
  d.text("INVITE sip:alice@x.invalid SIP/2.0\r\nVia: SIP/2.0/WSS 127.0.0.1;branch=z9hG4bKbad\r\n"
         "From: <sip:k@127.0.0.1>;tag=k\r\nTo: <sip:alice@127.0.0.1>\r\nCall-ID: b1\r\nCSeq: 1 INVITE\r\n"
         "Max-Forwards: many\r\n\r\n");
  CHECK(d.response(400).call_id() == "b1");
  CHECK(d.events("sipError").size() == 1);
  CHECK(d.ua->snapshot() == before);
  CHECK(d.ua->register_refresh_at() == refresh);
  // A response nobody waits for changes nothing either.
  d.text("SIP/2.0 200 OK\r\nVia: SIP/2.0/WSS x.invalid;branch=z9hG4bKnone\r\nFrom: <sip:a@b>;tag=1\r\n"
         "To: <sip:a@b>;tag=2\r\nCall-ID: z\r\nCSeq: 1 REGISTER\r\n\r\n");
  CHECK(d.sent().empty());
  CHECK(d.ua->snapshot() == before);
}

TEST_CASE("socket lost mid-call: transactions fail, the call stays, the socket is reopened and REGISTER sent", "[sip][ua]") {
  SipDriver d;
  register_ok(d);
  auto invite = dial(d);
  d.reply(invite, 200, "OK", {{"Contact", "<sip:bob@b.invalid;transport=ws>"}}, kAnswer);
  REQUIRE(d.ua->call_phase() == CallPhase::kConfirmed);
  d.feed(io::in::TransportClosed{1006, ""});
  CHECK(d.event("connection:disconnected")["code"] == 1006);
  CHECK(d.ua->call_phase() == CallPhase::kConfirmed);  // media does not depend on the socket
  REQUIRE(d.ua->reconnect_at());
  d.advance(d.ua->reconnect_at()->value);
  d.feed(io::in::TransportOpened{});
  d.request("REGISTER");
}

TEST_CASE("add_candidates: by index or mid, no duplicates, end-of-candidates when complete", "[sip][ua]") {
  const std::vector<json> c = {{{"candidate", "candidate:a"}, {"sdpMLineIndex", 1}},
                               {{"candidate", "candidate:b"}, {"sdpMid", "0"}},
                               {{"candidate", "candidate:a"}, {"sdpMLineIndex", 1}},
                               {{"candidate", "candidate:c"}, {"sdpMid", "nope"}},
                               {{"candidate", ""}, {"sdpMLineIndex", 0}}};
  const std::string out = session::sip::add_candidates(kOffer, c, true);
  CHECK(out == "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
               "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=candidate:b\r\na=end-of-candidates\r\n"
               "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:1\r\na=candidate:a\r\na=end-of-candidates\r\n");
  CHECK(session::sip::add_candidates(out, c, true) == out);
}

// ---- the app's promises (request ids settled by the core) and connect()'s parameters ---------

namespace {

// The settle effects of the latest input: (requestId, error JSON or null).
std::vector<std::pair<int, json>> settles(const SipDriver& d) {
  std::vector<std::pair<int, json>> out;
  for (const auto& o : d.last) {
    if (o.kind == "settle") out.emplace_back(o.data["requestId"].get<int>(), o.data["error"]);
  }
  return out;
}

}  // namespace

TEST_CASE("promises: connect() settles on registered, or with CallError sip naming the 401; disconnect() once closed",
          "[sip][ua][promise]") {
  SipDriver d;
  d.ua->connect(base::Ms(d.now), 7);
  d.collect();
  d.feed(io::in::TransportOpened{});
  CHECK(settles(d).empty());  // connected, not yet registered
  auto first = d.request("REGISTER");
  d.reply(first, 401, "Unauthorized", {{"WWW-Authenticate", kMd5Challenge}});
  CHECK(settles(d).empty());
  auto second = d.request("REGISTER");
  d.reply(second, 200, "OK", {{"Contact", "<" + sipw::to_string(second.contacts().front().uri) + ">;expires=300"}});
  REQUIRE(settles(d).size() == 1);
  CHECK(settles(d)[0] == std::pair<int, json>{7, nullptr});
  // Already registered: a further connect() resolves at once.
  d.ua->connect(base::Ms(d.now), 8);
  d.collect();
  CHECK(settles(d) == std::vector<std::pair<int, json>>{{8, nullptr}});
  // disconnect(): resolved when the un-REGISTER is answered and the socket closes.
  d.ua->disconnect(base::Ms(d.now), 9);
  d.collect();
  CHECK(settles(d).empty());
  d.reply(d.request("REGISTER"), 200, "OK");
  CHECK(d.has("closeTransport"));
  CHECK(settles(d) == std::vector<std::pair<int, json>>{{9, nullptr}});

  // A wrong password: 401 after credentials → rejected, the status and reason in the description.
  SipDriver w;
  w.ua->connect(base::Ms(w.now), 3);
  w.collect();
  w.feed(io::in::TransportOpened{});
  w.reply(w.request("REGISTER"), 401, "Unauthorized", {{"WWW-Authenticate", kMd5Challenge}});
  w.reply(w.request("REGISTER"), 401, "Unauthorized", {{"WWW-Authenticate", kMd5Challenge}});
  REQUIRE(settles(w).size() == 1);
  CHECK(settles(w)[0].first == 3);
  CHECK(settles(w)[0].second["type"] == "sip");
  CHECK(settles(w)[0].second["description"] == "SIP 401 Unauthorized (Authentication Error)");
  // connect() again on the same agent: refused at once, no REGISTER with the refused password.
  w.ua->connect(base::Ms(w.now), 13);
  w.collect();
  REQUIRE(settles(w).size() == 1);
  CHECK(settles(w)[0].second["type"] == "sip");
  CHECK(w.sent().empty());

  // The socket closes before: rejected with 'connection'; disconnect() first: 'state'.
  SipDriver c;
  c.ua->connect(base::Ms(c.now), 4);
  c.collect();
  c.feed(io::in::TransportClosed{1006, ""});
  REQUIRE(settles(c).size() == 1);
  CHECK(settles(c)[0].second["type"] == "connection");
  CHECK(settles(c)[0].second["description"] == "WebSocket closed: 1006 closed");
  // connect() twice while connecting: the first promise is superseded, the second registers.
  SipDriver t;
  t.ua->connect(base::Ms(t.now), 14);
  t.ua->connect(base::Ms(t.now), 15);
  t.collect();
  CHECK(settles(t) == std::vector<std::pair<int, json>>{{14, errors::to_json(errors::state_error("connect() called again before it settled"))}});
  t.feed(io::in::TransportOpened{});
  auto reg = t.request("REGISTER");
  t.reply(reg, 200, "OK", {{"Contact", "<" + sipw::to_string(reg.contacts().front().uri) + ">;expires=300"}});
  CHECK(settles(t) == std::vector<std::pair<int, json>>{{15, nullptr}});
  SipDriver s;
  s.ua->connect(base::Ms(s.now), 5);
  s.ua->disconnect(base::Ms(s.now), 6);
  s.collect();
  CHECK(settles(s).size() == 2);
  CHECK(settles(s)[0] == std::pair<int, json>{5, errors::to_json(errors::state_error("disconnect() before connect() settled"))});
  CHECK(settles(s)[1] == std::pair<int, json>{6, nullptr});
  // Without REGISTER, connect() resolves on connected.
  auto config = ua_config();
  config.register_ = false;
  SipDriver u(config);
  u.ua->connect(base::Ms(u.now), 11);
  u.collect();
  u.feed(io::in::TransportOpened{});
  CHECK(settles(u) == std::vector<std::pair<int, json>>{{11, nullptr}});
}

TEST_CASE("promises: call() resolves on the 2xx, rejects with 'remote: SIP 486 Busy Here (Busy)'; answer() on the ACK",
          "[sip][ua][promise]") {
  SipDriver d;
  register_ok(d);
  REQUIRE_FALSE(d.ua->call("bob", kMedia, base::Ms(d.now), {{"X-Vinteo-Mic-State", "1"}}, 21));
  d.collect();
  d.feed(io::in::LocalDescription{"offer", kOffer});
  d.feed(io::in::LocalIceCandidate{nullptr});
  auto invite = d.request("INVITE");
  CHECK(invite.first("X-Vinteo-Mic-State") == "1");
  d.reply(invite, 180, "Ringing", {{"Contact", "<sip:bob@b.invalid;transport=ws>"}});
  CHECK(settles(d).empty());
  d.reply(invite, 200, "OK", {{"Contact", "<sip:bob@b.invalid;transport=ws>"}}, kAnswer);
  CHECK(settles(d) == std::vector<std::pair<int, json>>{{21, nullptr}});
  d.ua->hang_up(base::Ms(d.now));
  d.collect();
  CHECK(settles(d).empty());  // settled once only
  d.reply(d.request("BYE"), 200, "OK");

  REQUIRE_FALSE(d.ua->call("bob", kMedia, base::Ms(d.now), {}, 22));
  d.collect();
  d.feed(io::in::LocalDescription{"offer", kOffer});
  d.feed(io::in::LocalIceCandidate{nullptr});
  d.reply(d.request("INVITE"), 486, "Busy Here");
  REQUIRE(settles(d).size() == 1);
  CHECK(settles(d)[0].first == 22);
  CHECK(settles(d)[0].second["type"] == "sip");
  CHECK(settles(d)[0].second["description"] == "remote: SIP 486 Busy Here (Busy)");

  // UAS: answer() resolves on the ACK; a CANCEL first rejects it.
  d.text(invite_text("z9hG4bKp1"));
  const std::string tag = d.response(180).to()->tag();
  REQUIRE_FALSE(d.ua->answer(kMedia, base::Ms(d.now), 23));
  d.collect();
  d.feed(io::in::RemoteDescriptionSet{"offer"});
  d.feed(io::in::LocalDescription{"answer", kAnswer});
  d.feed(io::in::PeerStateChange{"icegatheringstatechange", "complete"});
  d.response(200);
  CHECK(settles(d).empty());
  d.text(in_dialog("ACK", tag, 10, "z9hG4bKpack"));
  CHECK(settles(d) == std::vector<std::pair<int, json>>{{23, nullptr}});
}

TEST_CASE("make_user_agent: sip-connector's connect() parameters; a refused one names its field", "[sip][ua][params]") {
  log::Logger logger(100);
  const auto make = [&](const json& p) { return session::sip::make_user_agent("", p, logger, base::Ms(0)); };
  const auto refused = [&](const json& p) {
    auto made = make(p);
    REQUIRE(std::holds_alternative<errors::CallError>(made));
    CHECK(std::get<errors::CallError>(made).type == "params");
    return std::get<errors::CallError>(made).description;
  };
  const json ok = {{"sipServerUrl", "vinteo.example"}, {"sipServerIp", "10.0.0.1"}, {"user", "100"}, {"password", "p"},
                   {"displayName", "Ann Lee"}, {"remoteAddress", "192.0.2.7"}, {"extraHeaders", {"X-A: 1"}}, {"randomSeed", 3}};
  auto made = make(ok);
  REQUIRE(std::holds_alternative<std::unique_ptr<session::sip::UserAgent>>(made));
  auto& ua = *std::get<std::unique_ptr<session::sip::UserAgent>>(made);
  ua.connect(base::Ms(0));
  std::optional<io::Effect> e;
  bool opened = false;
  while ((e = ua.poll_output())) {
    if (auto* o = std::get_if<io::fx::OpenTransport>(&*e)) {
      CHECK(o->url == "wss://vinteo.example/webrtc/wss/");  // sip-connector's socket URL
      CHECK(o->protocol == "sip");
      opened = true;
    }
  }
  CHECK(opened);
  ua.handle(io::make_input(io::in::TransportOpened{}, 1), base::Ms(1));
  std::string registered;
  while ((e = ua.poll_output())) {
    if (auto* s = std::get_if<io::fx::Send>(&*e)) registered = s->message.get<std::string>();
  }
  auto reg = std::get<sipw::Message>(sipw::parse(registered));
  CHECK(sipw::to_string(reg.request()->uri) == "sip:10.0.0.1");
  CHECK(reg.from()->uri.user == "100");
  CHECK(reg.from()->display_name() == "Ann_Lee");  // sip-connector: spaces become '_'
  CHECK(reg.first("X-Vinteo-Remote") == "192.0.2.7");
  CHECK(reg.first("X-A") == "1");

  CHECK(std::holds_alternative<std::unique_ptr<session::sip::UserAgent>>(
      make({{"sipServerUrl", "ws://127.0.0.1:5/"}, {"sipServerIp", "127.0.0.1"}, {"register", false}})));  // random user
  CHECK(refused(json::array()) == "connect() parameters must be an object");
  CHECK(refused({{"sipServerIp", "h"}, {"user", "a"}}).find("sipServerUrl") == 0);
  CHECK(refused({{"sipServerUrl", "h"}, {"user", "a"}}).find("sipServerIp") == 0);
  CHECK(refused({{"sipServerUrl", "h"}, {"sipServerIp", "h"}}).find("user must be given") == 0);
  CHECK(refused({{"sipServerUrl", "h"}, {"sipServerIp", "h"}, {"user", "a b"}}).find("user must be") == 0);
  CHECK(refused({{"sipServerUrl", "h"}, {"sipServerIp", "h"}, {"user", "a"}, {"password", "x\r\nVia: y"}}).find("password") == 0);
  CHECK(refused({{"sipServerUrl", "h"}, {"sipServerIp", "h"}, {"user", "a"}, {"registerExpires", 0}}).find("registerExpires") == 0);
  CHECK(refused({{"sipServerUrl", "h"}, {"sipServerIp", "h"}, {"user", "a"}, {"connectionRecoveryMinInterval", 9},
                 {"connectionRecoveryMaxInterval", 3}}).find("connectionRecoveryMaxInterval") == 0);
}

TEST_CASE("parse_extra_headers: JsSIP's \"Name: value\" strings; no header injection", "[sip][ua][params]") {
  using Headers = std::vector<std::pair<std::string, std::string>>;
  auto parsed = session::sip::parse_extra_headers(json{"X-Vinteo-Mic-State: 1", " X-B :  two words "}, "extraHeaders");
  REQUIRE(std::holds_alternative<Headers>(parsed));
  CHECK(std::get<Headers>(parsed) == Headers{{"X-Vinteo-Mic-State", "1"}, {"X-B", "two words"}});
  CHECK(std::get<Headers>(session::sip::parse_extra_headers(nullptr, "h")).empty());
  for (const json& bad : {json("X-A: 1"), json::array({"X-A: 1\r\nVia: x"}), json::array({"no colon"}), json::array({"X A: 1"}),
                          json::array({1})}) {
    CHECK(std::holds_alternative<errors::CallError>(session::sip::parse_extra_headers(bad, "extraHeaders")));
  }
  json many = json::array();
  for (int i = 0; i < 33; ++i) many.push_back("X-N: " + std::to_string(i));
  CHECK(std::holds_alternative<errors::CallError>(session::sip::parse_extra_headers(many, "extraHeaders")));
}
