// libFuzzer target: the SIP wire codec (signaling/sip/message.hpp) on arbitrary bytes.
//  - parse(text): no crash, no sanitizer report; an error has a named kind and a message; a
//    message one byte over max_bytes is refused as tooLarge;
//  - a parsed message re-serializes and re-parses to an equal Message, and serializing that
//    gives the same bytes (the canonical form is a fixed point);
//  - the typed accessors agree with the header fields: as many Vias / Contacts / Routes /
//    Record-Routes as fields, and From, To, Call-ID and CSeq present; a request's CSeq method
//    is its method;
//  - a response built for a parsed request, and the 400 built from an error's ReplyBasis,
//    serialize to messages that parse and keep the transaction's Via branch, Call-ID and CSeq.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "callcore/signaling/sip/message.hpp"
#include "check.hpp"

using namespace callcore::signaling::sip;

namespace {

Message must_parse(const std::string& wire, const char* what) {
  ParseResult again = parse(wire);
  if (const auto* err = std::get_if<ParseError>(&again)) {
    FUZZ_CHECK(false, std::string(what) + " does not parse: " + std::string(parse_error_name(err->kind)) + " " +
                          err->message + "\n" + wire);
  }
  return std::get<Message>(again);
}

void check_response(const Message& response, const std::vector<Via>& vias, const std::string& call_id, const CSeq& cseq,
                    const char* what) {
  const Message back = must_parse(serialize(response), what);
  FUZZ_CHECK(back == response, std::string(what) + " changed through serialize/parse");
  FUZZ_CHECK(back.vias() == vias, std::string(what) + " lost its Vias");
  FUZZ_CHECK(back.call_id() == call_id, std::string(what) + " lost its Call-ID");
  FUZZ_CHECK(back.cseq() == cseq, std::string(what) + " lost its CSeq");
  FUZZ_CHECK(!back.to()->tag().empty(), std::string(what) + " has no To tag");
}

void check_message(const Message& m) {
  const std::string wire = serialize(m);
  const Message again = must_parse(wire, "the serialized message");
  FUZZ_CHECK(again == m, "parse(serialize(m)) != m\n" + wire);
  FUZZ_CHECK(serialize(again) == wire, "serialize is not a fixed point");

  FUZZ_CHECK(!m.vias().empty() && m.vias().size() == m.all("Via").size(), "Via accessor disagrees with the fields");
  FUZZ_CHECK(m.contacts().size() == m.all("Contact").size(), "Contact accessor disagrees with the fields");
  FUZZ_CHECK(m.routes().size() == m.all("Route").size(), "Route accessor disagrees with the fields");
  FUZZ_CHECK(m.record_routes().size() == m.all("Record-Route").size(), "Record-Route accessor disagrees");
  FUZZ_CHECK(m.from() && m.to() && m.call_id() && m.cseq(), "a required header does not read back");
  FUZZ_CHECK(m.all("Max-Forwards").empty() || m.max_forwards(), "Max-Forwards does not read back");
  FUZZ_CHECK(m.all("Expires").empty() || m.expires(), "Expires does not read back");
  FUZZ_CHECK(m.all("Content-Type").empty() || m.content_type(), "Content-Type does not read back");
  FUZZ_CHECK(m.headers.size() <= kMaxHeaders, "more headers than kMaxHeaders");
  if (const auto* request = m.request()) {
    FUZZ_CHECK(m.cseq()->method == request->method, "CSeq method differs from the request's");
    FUZZ_CHECK(request->uri.headers.empty(), "Request-URI with headers accepted");
    check_response(make_response(m, 200, "OK", "fz1"), m.vias(), *m.call_id(), *m.cseq(), "a 200 for the request");
  } else {
    const int code = m.response()->code;
    FUZZ_CHECK(code >= 100 && code <= 699, "status code out of range");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const ParseResult result = parse(text);
  if (const auto* err = std::get_if<ParseError>(&result)) {
    FUZZ_CHECK(parse_error_name(err->kind) != "unknown" && !err->message.empty(), "unnamed parse error");
    if (err->reply) {
      FUZZ_CHECK(err->reply->method != "ACK" && !err->reply->vias.empty(), "a ReplyBasis for an ACK or without Via");
      check_response(make_response(*err->reply, 400, "Bad Request", "fz2"), err->reply->vias, err->reply->call_id,
                     err->reply->cseq, "the 400");
    }
  } else {
    check_message(std::get<Message>(result));
  }
  if (size > 0) {
    const ParseResult small = parse(text, size - 1);
    FUZZ_CHECK(std::holds_alternative<ParseError>(small) && std::get<ParseError>(small).kind == ParseErrorKind::kTooLarge,
               "a message over max_bytes is not refused as tooLarge");
  }
  return 0;
}
