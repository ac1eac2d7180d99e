// SIP messages on the wire (RFC 3261 §7, §20, grammar §25.1), one per WebSocket message
// (RFC 7118 §5.1: "each SIP message MUST be carried within a single WebSocket message").
//
// parse() reads one message into its canonical form, serialize() writes that form:
//  - header names in their long form and RFC spelling (compact forms expanded, §7.3.3);
//  - folding unfolded (§7.3.1) and the value trimmed; other whitespace of unknown headers kept;
//  - the values of Via, From, To, Call-ID, CSeq, Contact, Route, Record-Route, Max-Forwards,
//    Expires and Content-Type checked against their grammar and re-written canonically
//    (headers.hpp's to_string), comma lists of Via, Contact, Route and Record-Route split into one
//    header field per element (§7.3.1 says the two forms are equivalent);
//  - Content-Length checked against the body and dropped: serialize() writes the body's size.
//    Octets after Content-Length are discarded, as RFC 3261 §18.3 says for message-oriented
//    transports; fewer octets than announced is an error.
// Hence parse(serialize(m)) == m for every parsed m. Nothing here throws.
//
// Bounds: kMaxMessageBytes for the whole message, kMaxHeaders header fields after lists are
// split. Bad input gives a ParseError whose kind says what was wrong (the list is in
// parse_error_name) and, when the request line and its Via, From, To, Call-ID and CSeq could
// be read, a ReplyBasis to answer it with 400 (RFC 3261 §8.2.6, §21.4.1).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "callcore/signaling/sip/headers.hpp"
#include "callcore/signaling/sip/uri.hpp"

namespace callcore::signaling::sip {

/// Largest message parse() accepts, in bytes (an INVITE with a full SDP offer and its ICE
/// candidates is 3 to 10 KB; the WebSocket frame carries exactly one message).
inline constexpr std::size_t kMaxMessageBytes = 64 * 1024;
/// Most header fields a message may have, counting each element of a comma list.
inline constexpr std::size_t kMaxHeaders = 128;
/// The only SIP-Version accepted (RFC 3261 §7.1).
inline constexpr std::string_view kVersion = "SIP/2.0";

/// One header field: `name` canonical (canonical_header_name), `value` as described above.
struct Header {
  std::string name;
  std::string value;
  friend bool operator==(const Header&, const Header&) = default;
};

/// `INVITE sip:bob@example.com SIP/2.0` (RFC 3261 §7.1). `method` is a token, case kept.
struct RequestLine {
  std::string method;
  Uri uri;
  friend bool operator==(const RequestLine&, const RequestLine&) = default;
};

/// `SIP/2.0 180 Ringing` (RFC 3261 §7.2): code 100..699; reason may be empty.
struct StatusLine {
  int code = 0;
  std::string reason;
  friend bool operator==(const StatusLine&, const StatusLine&) = default;
};

/// A request or a response with its headers in order and its body (bytes, often SDP).
struct Message {
  std::variant<RequestLine, StatusLine> start;
  std::vector<Header> headers;
  std::string body;

  bool is_request() const { return std::holds_alternative<RequestLine>(start); }
  /// The request line, or nullptr for a response.
  const RequestLine* request() const { return std::get_if<RequestLine>(&start); }
  /// The status line, or nullptr for a request.
  const StatusLine* response() const { return std::get_if<StatusLine>(&start); }

  /// Values of every header field named `name` (any spelling or compact form), in order.
  std::vector<std::string_view> all(std::string_view name) const;
  /// The first value of `name`, or nullopt.
  std::optional<std::string_view> first(std::string_view name) const;
  /// Appends a header field (name canonicalized; the value is written as given).
  void add(std::string_view name, std::string value);
  /// Removes every field named `name`; returns how many.
  std::size_t remove(std::string_view name);

  // Typed accessors (RFC 3261 §20). On a parsed message they never fail for the headers
  // parse() checks; on a message built by hand a malformed value reads as absent.
  std::vector<Via> vias() const;
  std::optional<NameAddr> from() const;
  std::optional<NameAddr> to() const;
  std::optional<std::string> call_id() const;
  std::optional<CSeq> cseq() const;
  std::vector<NameAddr> contacts() const;
  std::vector<NameAddr> routes() const;
  std::vector<NameAddr> record_routes() const;
  std::optional<std::uint32_t> max_forwards() const;
  /// Expires in seconds (delta-seconds, at most 2^32-1).
  std::optional<std::uint32_t> expires() const;
  std::optional<MediaType> content_type() const;

  friend bool operator==(const Message&, const Message&) = default;
};

/// Why parse() refused a message.
enum class ParseErrorKind {
  kTooLarge,               ///< more than max_bytes
  kTooManyHeaders,         ///< more than kMaxHeaders header fields
  kTruncated,              ///< no empty line ends the header section
  kBadCharacter,           ///< CR or LF alone, a control character, or invalid UTF-8 in the head
  kBadStartLine,           ///< neither a Request-Line nor a Status-Line, or whitespace inside it
  kBadVersion,             ///< SIP-Version other than SIP/2.0 (answer 505, RFC 3261 §8.2.2)
  kBadRequestUri,          ///< Request-URI that is not an absolute URI, or one with headers
  kBadStatusCode,          ///< status code not 100..699
  kBadHeaderName,          ///< a header line without a token before the colon
  kBadHeaderValue,         ///< a value that breaks the grammar of its header (`header` names it)
  kMissingHeader,          ///< Via, From, To, Call-ID or CSeq absent (`header` names it)
  kDuplicateHeader,        ///< a single-valued header given twice (`header` names it)
  kMethodMismatch,         ///< CSeq method differs from the request method (RFC 3261 §8.1.1.5)
  kContentLengthMismatch,  ///< Content-Length above the bytes after the empty line (§18.3)
};

/// The kind's name in camelCase ("badHeaderValue"), for logs and error events.
std::string_view parse_error_name(ParseErrorKind kind);

/// What a 400 answer needs from a request that did not parse (RFC 3261 §8.2.6.2): its Vias,
/// From, To, Call-ID and CSeq, each already parsed. Absent for ACK (never answered, §17.2.3).
struct ReplyBasis {
  std::string method;
  std::vector<Via> vias;
  NameAddr from;
  NameAddr to;
  std::string call_id;
  CSeq cseq;
  friend bool operator==(const ReplyBasis&, const ReplyBasis&) = default;
};

struct ParseError {
  ParseErrorKind kind = ParseErrorKind::kBadStartLine;
  std::string header;   ///< the header concerned (canonical name), "" if none
  std::string message;  ///< a sentence for the log, e.g. "CSeq: number above 2^31-1"
  std::optional<ReplyBasis> reply;
};

using ParseResult = std::variant<Message, ParseError>;

/// Parses one message (RFC 3261 §7; body framing by Content-Length when present, else the rest
/// of the WebSocket message, RFC 7118 §5.1; octets beyond Content-Length discarded, §18.3).
/// Never throws; the input is not kept.
ParseResult parse(std::string_view text, std::size_t max_bytes = kMaxMessageBytes);

/// The wire text of `message`: start line, headers in order as `Name: value`, then
/// `Content-Length: <body bytes>` (a Content-Length field in `headers` is not written), an empty
/// line and the body. Lines end in CRLF.
std::string serialize(const Message& message);

/// A response to `request` (RFC 3261 §8.2.6.2): its Vias, From, Call-ID and CSeq copied, its To
/// copied with `to_tag` added when it has no tag and `to_tag` is not empty; no body.
Message make_response(const Message& request, int code, std::string reason, std::string_view to_tag);

/// The same from a ReplyBasis (for a request that parse() refused), e.g. code 400 with a reason
/// phrase naming the problem.
Message make_response(const ReplyBasis& basis, int code, std::string reason, std::string_view to_tag);

}  // namespace callcore::signaling::sip
