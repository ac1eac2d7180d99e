// The SIP wire codec (signaling/sip/): URIs (RFC 3261 §19.1), header values (§20, §25.1),
// whole messages (§7) with their canonical form, the errors of bad input and the 400 built
// from a request that did not parse (§8.2.6). Messages are those a WebSocket UA exchanges with
// a registrar/proxy (RFC 7118 §8 examples, Kamailio-style responses).
#include <string>
#include <variant>

#include <catch2/catch.hpp>

#include "callcore/signaling/sip/message.hpp"

using namespace callcore::signaling::sip;

namespace {

Message parsed(const std::string& text) {
  auto result = parse(text);
  if (auto* err = std::get_if<ParseError>(&result)) {
    FAIL(parse_error_name(err->kind) << " [" << err->header << "]: " << err->message);
  }
  return std::get<Message>(result);
}

ParseError refused(const std::string& text) {
  auto result = parse(text);
  REQUIRE(std::holds_alternative<ParseError>(result));
  auto err = std::get<ParseError>(result);
  CHECK_FALSE(err.message.empty());
  return err;
}

Uri uri(std::string_view text) {
  auto result = parse_uri(text);
  if (auto* why = std::get_if<std::string>(&result)) FAIL(std::string(text) << ": " << *why);
  return std::get<Uri>(result);
}

bool uri_refused(std::string_view text) { return std::holds_alternative<std::string>(parse_uri(text)); }

// Parses, serializes, parses again: the second parse equals the first and serializing it gives
// the same bytes (the canonical form is a fixed point).
Message round_trip(const std::string& text) {
  const Message first = parsed(text);
  const std::string wire = serialize(first);
  const Message second = parsed(wire);
  CHECK(second == first);
  CHECK(serialize(second) == wire);
  return first;
}

const std::string kRegister =
    "REGISTER sip:example.com SIP/2.0\r\n"
    "Via: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bKasudf;rport\r\n"
    "Max-Forwards: 69\r\n"
    "To: <sip:alice@example.com>\r\n"
    "From: \"Alice\" <sip:alice@example.com>;tag=65bnmj.34asd\r\n"
    "Call-ID: aiuy7k9njasd\r\n"
    "CSeq: 1 REGISTER\r\n"
    "Contact: <sip:alice@df7jal23ls0d.invalid;transport=ws>;expires=300\r\n"
    "Supported: path, outbound, gruu\r\n"
    "User-Agent: callcore\r\n"
    "Content-Length: 0\r\n"
    "\r\n";

const std::string kUnauthorized =
    "SIP/2.0 401 Unauthorized\r\n"
    "Via: SIP/2.0/WSS df7jal23ls0d.invalid;rport=36411;received=127.0.0.1;branch=z9hG4bKasudf\r\n"
    "To: <sip:alice@example.com>;tag=a6a1c5f60faecf035a1ae5b6e96e979a\r\n"
    "From: \"Alice\" <sip:alice@example.com>;tag=65bnmj.34asd\r\n"
    "Call-ID: aiuy7k9njasd\r\n"
    "CSeq: 1 REGISTER\r\n"
    "WWW-Authenticate: Digest realm=\"example.com\", nonce=\"Z2f1hGdn8Vgcz0E7J1ZKVSQUH0vB\", qop=\"auth\"\r\n"
    "Server: kamailio (5.6.3 (x86_64/linux))\r\n"
    "Content-Length: 0\r\n"
    "\r\n";

const std::string kInviteBody = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n";

std::string invite(const std::string& extra = "", const std::string& body = kInviteBody) {
  return "INVITE sip:bob@example.com SIP/2.0\r\n"
         "Via: SIP/2.0/WSS 7ac1ea20.invalid;branch=z9hG4bK4712\r\n"
         "Max-Forwards: 70\r\n"
         "To: Bob <sip:bob@example.com>\r\n"
         "From: <sip:alice@example.com>;tag=ab12\r\n"
         "Call-ID: 3848276298220188511@example.com\r\n"
         "CSeq: 2 INVITE\r\n"
         "Contact: <sip:k8s0t4@7ac1ea20.invalid;transport=ws;ob>\r\n"
         "Content-Type: application/sdp\r\n" +
         extra + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

}  // namespace

TEST_CASE("SIP URIs parse into their parts and re-serialize as written", "[sip]") {
  const Uri a = uri("sip:alice:secret@Example.COM:5061;transport=ws;lr?subject=project%20x&priority=urgent");
  CHECK(a.scheme == "sip");
  CHECK(a.user == "alice");
  CHECK(a.password == "secret");
  CHECK(a.host == "Example.COM");
  CHECK(a.port == 5061);
  REQUIRE(a.params.size() == 2);
  CHECK(param_value(a.params, "TRANSPORT") == "ws");
  CHECK(param_value(a.params, "lr") == "");
  REQUIRE(a.headers.size() == 2);
  CHECK(a.headers[0] == std::pair<std::string, std::string>{"subject", "project%20x"});
  CHECK(to_string(a) == "sip:alice:secret@Example.COM:5061;transport=ws;lr?subject=project%20x&priority=urgent");

  const Uri v6 = uri("SIPS:[2001:db8::10]:5070");
  CHECK(v6.scheme == "sips");
  CHECK(v6.host == "[2001:db8::10]");
  CHECK(v6.port == 5070);
  CHECK(to_string(v6) == "sips:[2001:db8::10]:5070");

  const Uri phone = uri("sip:+1-212-555-1212:1234@gateway.com;user=phone");
  CHECK(phone.user == "+1-212-555-1212");
  CHECK(phone.password == "1234");

  const Uri tel = uri("tel:+358-555-1234567;postd=pp22");
  CHECK(tel.scheme == "tel");
  CHECK_FALSE(tel.is_sip());
  CHECK(tel.opaque == "+358-555-1234567;postd=pp22");
  CHECK(to_string(tel) == "tel:+358-555-1234567;postd=pp22");

  CHECK(unescape("sip%3Auser%40example.com") == "sip:user@example.com");
  CHECK(unescape("50%") == "50%");
}

TEST_CASE("malformed URIs are refused with a reason", "[sip]") {
  CHECK(uri_refused("alice@example.com"));         // no scheme
  CHECK(uri_refused("1sip:alice@example.com"));    // scheme starts with a digit
  CHECK(uri_refused("sip:"));                      // no host
  CHECK(uri_refused("sip:alice@"));                // no host
  CHECK(uri_refused("sip:@example.com"));          // empty user
  CHECK(uri_refused("sip:a@example.com:0"));       // port 0
  CHECK(uri_refused("sip:a@example.com:65536"));   // port out of range
  CHECK(uri_refused("sip:a@example.com:50a"));     // port not digits
  CHECK(uri_refused("sip:a b@example.com"));       // space in the user
  CHECK(uri_refused("sip:a%4@example.com"));       // short escape
  CHECK(uri_refused("sip:a@exa_mple.com"));        // "_" is not a hostname character
  CHECK(uri_refused("sip:a@-example.com"));        // a label cannot start with "-"
  CHECK(uri_refused("sip:a@example..com"));        // empty label
  CHECK(uri_refused("sip:a@[2001:db8::10"));       // unclosed IPv6 reference
  CHECK(uri_refused("sip:a@example.com;=x"));      // empty parameter name
  CHECK(uri_refused("sip:a@example.com;p="));      // empty parameter value
  CHECK(uri_refused("sip:a@example.com?subject"));  // header without "="
  CHECK(uri_refused("tel:"));                       // nothing after the scheme
  CHECK(uri_refused("urn:a<b"));                    // "<" cannot be in a URI
}

TEST_CASE("Via values parse with branch, received and rport (RFC 3261 §20.42, RFC 3581)", "[sip]") {
  const auto via = parse_via("SIP / 2.0 / wss  df7jal23ls0d.invalid : 8443 ;branch = z9hG4bKasudf ;rport;received=127.0.0.1");
  REQUIRE(via);
  CHECK(via->transport == "WSS");
  CHECK(via->host == "df7jal23ls0d.invalid");
  CHECK(via->port == 8443);
  CHECK(via->branch() == "z9hG4bKasudf");
  CHECK(via->received() == "127.0.0.1");
  CHECK(via->rport() == 0);
  CHECK(to_string(*via) == "SIP/2.0/WSS df7jal23ls0d.invalid:8443;branch=z9hG4bKasudf;rport;received=127.0.0.1");
  CHECK(parse_via("SIP/2.0/UDP 10.0.0.1;rport=5062")->rport() == 5062);
  const auto v6 = parse_via("SIP/2.0/TCP [2001:db8::9:1]:5060;received=[2001:db8::9:255];branch=z9hG4bKas3");
  REQUIRE(v6);
  CHECK(v6->host == "[2001:db8::9:1]");
  CHECK(v6->received() == "[2001:db8::9:255]");

  CHECK_FALSE(parse_via("SIP/2.0 host"));                 // no transport
  CHECK_FALSE(parse_via("SIP/2.0/UDP"));                  // no sent-by
  CHECK_FALSE(parse_via("SIP/2.0/UDP host:0"));           // port 0
  CHECK_FALSE(parse_via("SIP/2.0/UDP host;rport=x"));     // rport not a number
  CHECK(parse_via("SIP/2.0/UDP host;branch"));            // a parameter without value reads
  CHECK_FALSE(parse_via("SIP/2.0/UDP host extra"));       // trailing text
}

TEST_CASE("name-addr and addr-spec values (RFC 3261 §20.10, §25.1)", "[sip]") {
  const auto quoted = parse_name_addr(R"("J Rosenberg \\\"" <sip:jdrosen@example.com> ; tag = 98asjd8)");
  REQUIRE(quoted);
  CHECK(quoted->display == R"("J Rosenberg \\\"")");
  CHECK(quoted->display_name() == R"(J Rosenberg \")");
  CHECK(quoted->uri.user == "jdrosen");
  CHECK(quoted->tag() == "98asjd8");
  CHECK(to_string(*quoted) == R"("J Rosenberg \\\"" <sip:jdrosen@example.com>;tag=98asjd8)");

  const auto tokens = parse_name_addr("Joe  Bob   Briggs <urn:ipaddr:122.1.2.3>");
  REQUIRE(tokens);
  CHECK(tokens->display == "Joe Bob Briggs");
  CHECK(tokens->uri.scheme == "urn");

  // addr-spec: the parameters after ";" belong to the header, not to the URI.
  const auto bare = parse_name_addr("sip:alice@example.com;tag=1928301774");
  REQUIRE(bare);
  CHECK_FALSE(bare->angle);
  CHECK(bare->uri.params.empty());
  CHECK(bare->tag() == "1928301774");
  CHECK(to_string(*bare) == "sip:alice@example.com;tag=1928301774");

  // In brackets, URI parameters stay with the URI.
  const auto contact = parse_name_addr("<sip:alice@h.invalid;transport=ws>;expires=300;+sip.instance=\"<urn:uuid:1>\"", true);
  REQUIRE(contact);
  CHECK(param_value(contact->uri.params, "transport") == "ws");
  CHECK(param_value(contact->params, "expires") == "300");
  CHECK(param_value(contact->params, "+sip.instance") == "<urn:uuid:1>");

  CHECK(parse_name_addr("*", true)->star);
  CHECK_FALSE(parse_name_addr("*"));
  CHECK_FALSE(parse_name_addr("<sip:alice@example.com"));           // no ">"
  CHECK_FALSE(parse_name_addr("\"unterminated <sip:a@example.com>"));
  CHECK_FALSE(parse_name_addr("sip:alice@example.com?subject=x"));   // headers need <>
  CHECK_FALSE(parse_name_addr("<sip:a@example.com> junk"));
  CHECK_FALSE(parse_name_addr("<sip:a@example.com>;"));               // empty parameter
}

TEST_CASE("CSeq, Call-ID, numbers and media types", "[sip]") {
  CHECK(parse_cseq("  4711   INVITE ") == CSeq{4711, "INVITE"});
  CHECK(parse_cseq("2147483647 ACK") == CSeq{2147483647u, "ACK"});
  CHECK_FALSE(parse_cseq("2147483648 ACK"));  // RFC 3261 §8.1.1.5: below 2^31
  CHECK_FALSE(parse_cseq("-1 ACK"));
  CHECK_FALSE(parse_cseq("1"));
  CHECK_FALSE(parse_cseq("1 INVITE x"));
  CHECK(valid_call_id("f81d4fae-7dec-11d0-a765-00a0c91e6bf6@foo.bar.com"));
  CHECK(valid_call_id("a84b4c76e66710"));
  CHECK_FALSE(valid_call_id("a@b@c"));
  CHECK_FALSE(valid_call_id("a b"));
  CHECK_FALSE(valid_call_id(""));
  CHECK(parse_number("255", 255) == 255u);
  CHECK_FALSE(parse_number("256", 255));
  CHECK_FALSE(parse_number("4294967296", 0xFFFFFFFFu));
  CHECK_FALSE(parse_number("", 10));
  const auto type = parse_media_type("Application/SDP ; charset = utf-8");
  REQUIRE(type);
  CHECK(type->essence() == "application/sdp");
  CHECK(to_string(*type) == "application/sdp;charset=utf-8");
  CHECK_FALSE(parse_media_type("application"));
}

TEST_CASE("a REGISTER from a WebSocket UA parses with every typed header", "[sip]") {
  const Message m = round_trip(kRegister);
  REQUIRE(m.request());
  CHECK(m.request()->method == "REGISTER");
  CHECK(to_string(m.request()->uri) == "sip:example.com");
  const auto vias = m.vias();
  REQUIRE(vias.size() == 1);
  CHECK(vias[0].transport == "WSS");
  CHECK(vias[0].branch() == "z9hG4bKasudf");
  CHECK(vias[0].rport() == 0);
  CHECK(m.max_forwards() == 69u);
  CHECK(m.to()->uri.user == "alice");
  CHECK(m.to()->tag().empty());
  CHECK(m.from()->display_name() == "Alice");
  CHECK(m.from()->tag() == "65bnmj.34asd");
  CHECK(m.call_id() == "aiuy7k9njasd");
  CHECK(m.cseq() == CSeq{1, "REGISTER"});
  const auto contacts = m.contacts();
  REQUIRE(contacts.size() == 1);
  CHECK(param_value(contacts[0].uri.params, "transport") == "ws");
  CHECK(param_value(contacts[0].params, "expires") == "300");
  CHECK(m.first("supported") == "path, outbound, gruu");  // unknown lists are kept whole
  CHECK(m.body.empty());
  CHECK_FALSE(m.first("Content-Length"));  // framing only; serialize() writes it
}

TEST_CASE("a 401 parses as a response with its challenge header", "[sip]") {
  const Message m = round_trip(kUnauthorized);
  REQUIRE(m.response());
  CHECK(m.response()->code == 401);
  CHECK(m.response()->reason == "Unauthorized");
  CHECK(m.vias()[0].received() == "127.0.0.1");
  CHECK(m.vias()[0].rport() == 36411);
  CHECK(m.to()->tag() == "a6a1c5f60faecf035a1ae5b6e96e979a");
  CHECK(m.all("WWW-Authenticate").size() == 1);
}

TEST_CASE("the canonical form: compact names, folding, lists split, Content-Length from the body", "[sip]") {
  const std::string text =
      "INVITE sip:bob@example.com SIP/2.0\r\n"
      "v: SIP/2.0/WSS a.invalid;branch=z9hG4bK1 ,\r\n"
      "   SIP/2.0/UDP 192.0.2.1:5060 ;branch=z9hG4bK0\r\n"
      "t: <sip:bob@example.com>\r\n"
      "f: sip:alice@example.com;tag=x\r\n"
      "i: abc@def\r\n"
      "CSEQ: 1 INVITE\r\n"
      "m: <sip:a@a.invalid;transport=ws>, \"Second\" <sip:b@b.invalid>;q=0.5\r\n"
      "c: application/sdp\r\n"
      "Subject: lunch\r\n"
      "  at noon\r\n"
      "X-Vinteo-Mic-State: 1\r\n"
      "l: 4\r\n"
      "\r\n"
      "abcd";
  const Message m = round_trip(text);
  CHECK(serialize(m) ==
        "INVITE sip:bob@example.com SIP/2.0\r\n"
        "Via: SIP/2.0/WSS a.invalid;branch=z9hG4bK1\r\n"
        "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK0\r\n"
        "To: <sip:bob@example.com>\r\n"
        "From: sip:alice@example.com;tag=x\r\n"
        "Call-ID: abc@def\r\n"
        "CSeq: 1 INVITE\r\n"
        "Contact: <sip:a@a.invalid;transport=ws>\r\n"
        "Contact: \"Second\" <sip:b@b.invalid>;q=0.5\r\n"
        "Content-Type: application/sdp\r\n"
        "Subject: lunch at noon\r\n"
        "X-Vinteo-Mic-State: 1\r\n"
        "Content-Length: 4\r\n"
        "\r\n"
        "abcd");
  CHECK(m.all("Via").size() == 2);
  CHECK(m.vias()[1].host == "192.0.2.1");
  CHECK(m.contacts().size() == 2);
  CHECK(m.contacts()[1].display_name() == "Second");
  CHECK(m.first("x-vinteo-mic-state") == "1");
  CHECK(m.content_type()->essence() == "application/sdp");
  CHECK(m.body == "abcd");
}

TEST_CASE("an INVITE with SDP: body framing by Content-Length or by the WebSocket message", "[sip]") {
  const Message m = round_trip(invite());
  CHECK(m.body == kInviteBody);
  // Without Content-Length the body is the rest of the WebSocket message (RFC 7118 §5.1).
  std::string without = invite();
  without.erase(without.find("Content-Length"), without.find("\r\n\r\n") - without.find("Content-Length") + 2);
  CHECK(parsed(without).body == kInviteBody);
  // Routes and Record-Routes keep their order.
  const Message routed = round_trip(invite("Route: <sip:p1.example.com;lr>,<sip:p2.example.com;lr>\r\n"
                                           "Record-Route: <sip:rr.example.com;transport=ws;lr;r2=on>\r\n"));
  REQUIRE(routed.routes().size() == 2);
  CHECK(routed.routes()[1].uri.host == "p2.example.com");
  CHECK(routed.record_routes()[0].uri.host == "rr.example.com");
}

TEST_CASE("bad messages are refused with a typed reason", "[sip]") {
  using K = ParseErrorKind;
  CHECK(refused(invite() + std::string(kMaxMessageBytes, 'x')).kind == K::kTooLarge);
  CHECK(std::get<ParseError>(parse(kRegister, kRegister.size() - 1)).kind == K::kTooLarge);
  CHECK(refused(kRegister.substr(0, kRegister.size() - 2)).kind == K::kTruncated);
  CHECK(refused("INVITE sip:a@b SIP/2.0\nVia: x\r\n\r\n").kind == K::kBadCharacter);
  CHECK(refused(invite("Subject: a\x01z\r\n")).kind == K::kBadCharacter);
  CHECK(refused(invite("Subject: \xC3\x28\r\n")).kind == K::kBadCharacter);
  CHECK(refused("INVITE\r\nVia: x\r\n\r\n").kind == K::kBadStartLine);
  CHECK(refused("INVITE  sip:bob@example.com SIP/2.0\r\nVia: x\r\n\r\n").kind == K::kBadStartLine);
  CHECK(refused("INVITE sip:bob@example.com SIP/7.0\r\nVia: x\r\n\r\n").kind == K::kBadVersion);
  CHECK(refused("SIP/2.1 200 OK\r\nVia: x\r\n\r\n").kind == K::kBadVersion);
  CHECK(refused("INVITE <sip:bob@example.com> SIP/2.0\r\nVia: x\r\n\r\n").kind == K::kBadRequestUri);
  CHECK(refused("INVITE sip:bob@example.com?Route=x SIP/2.0\r\nVia: x\r\n\r\n").kind == K::kBadRequestUri);
  CHECK(refused("SIP/2.0 99 Low\r\nVia: x\r\n\r\n").kind == K::kBadStatusCode);
  CHECK(refused("SIP/2.0 1000 Big\r\nVia: x\r\n\r\n").kind == K::kBadStatusCode);
  CHECK(refused("SIP/2.0 OK\r\nVia: x\r\n\r\n").kind == K::kBadStatusCode);
  CHECK(refused(invite("No colon here\r\n")).kind == K::kBadHeaderName);
  CHECK(refused(invite("Bad Name: x\r\n")).kind == K::kBadHeaderName);
  const auto bad_max = refused(invite("Max-Forwards: 256\r\n"));  // above 255 (RFC 4475 §3.1.2.4)
  CHECK(bad_max.kind == K::kBadHeaderValue);
  CHECK(bad_max.header == "Max-Forwards");
  const auto bad_cseq = refused(std::string(kRegister).replace(kRegister.find("1 REGISTER"), 10, "1"));
  CHECK(bad_cseq.kind == K::kBadHeaderValue);
  CHECK(bad_cseq.header == "CSeq");
  auto no_call_id = kRegister;
  no_call_id.erase(no_call_id.find("Call-ID"), std::string("Call-ID: aiuy7k9njasd\r\n").size());
  const auto missing = refused(no_call_id);
  CHECK(missing.kind == K::kMissingHeader);
  CHECK(missing.header == "Call-ID");
  CHECK(refused(invite("To: <sip:carol@example.com>\r\n")).kind == K::kDuplicateHeader);
  CHECK(refused(std::string(kRegister).replace(kRegister.find("1 REGISTER"), 10, "1 INVITE")).kind ==
        K::kMethodMismatch);
  CHECK(refused(invite("", kInviteBody).replace(invite().find("Content-Length: ") + 16, 2, "99")).kind ==
        K::kContentLengthMismatch);
  CHECK(refused(invite("Content-Length: -1\r\n")).kind == K::kBadHeaderValue);
  std::string many = invite();
  for (std::size_t i = 0; i < kMaxHeaders; ++i) many.insert(many.find("\r\n") + 2, "X-A: 1\r\n");
  CHECK(refused(many).kind == K::kTooManyHeaders);
  CHECK(parse_error_name(K::kContentLengthMismatch) == "contentLengthMismatch");
}

TEST_CASE("a request that cannot be parsed but names its transaction gets a 400 (RFC 3261 §8.2.6)", "[sip]") {
  auto err = refused(invite("Max-Forwards: x\r\n"));
  REQUIRE(err.reply);
  CHECK(err.reply->method == "INVITE");
  const Message response = make_response(*err.reply, 400, "Bad Request - Max-Forwards", "srv1");
  const Message back = round_trip(serialize(response));
  CHECK(back.response()->code == 400);
  CHECK(back.response()->reason == "Bad Request - Max-Forwards");
  CHECK(back.vias()[0].branch() == "z9hG4bK4712");
  CHECK(back.from()->tag() == "ab12");
  CHECK(back.to()->tag() == "srv1");
  CHECK(back.call_id() == "3848276298220188511@example.com");
  CHECK(back.cseq() == CSeq{2, "INVITE"});
  CHECK(back.body.empty());

  // Nothing to answer with: a bad Via, an ACK, a response, or an unreadable head.
  CHECK_FALSE(refused(invite("Via: bogus\r\n")).reply);
  auto ack = invite("Max-Forwards: x\r\n");
  ack.replace(0, 6, "ACK");
  ack.replace(ack.find("2 INVITE"), 8, "2 ACK");
  CHECK_FALSE(refused(ack).reply);
  CHECK_FALSE(refused("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h\r\n\r\n").reply);
  CHECK_FALSE(refused(invite("No colon here\r\n")).reply);
}

TEST_CASE("make_response copies the transaction's headers and adds the To tag once", "[sip]") {
  const Message request = parsed(invite());
  const Message ringing = make_response(request, 180, "Ringing", "t0");
  CHECK(ringing.to()->tag() == "t0");
  CHECK(ringing.vias() == request.vias());
  CHECK(ringing.cseq() == request.cseq());
  Message tagged = ringing;
  tagged.start = RequestLine{"BYE", request.request()->uri};
  CHECK(make_response(tagged, 200, "OK", "other").to()->tag() == "t0");
}
