// SIP and SIPS URIs (RFC 3261 §19.1, grammar §25.1) and other absolute URIs (RFC 3986 scheme,
// kept opaque: tel:, urn:, ... as RFC 4475 §3.1.1.12 and §3.1.1.13 require a parser to accept).
// Text keeps its %-escapes as written (comparison rules of §19.1.4 are the caller's); a parsed
// URI re-serializes to the same text except that the scheme is lower-cased.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "callcore/signaling/sip/syntax.hpp"

namespace callcore::signaling::sip {

/// A parsed URI. For `sip`/`sips` every part is filled; for any other scheme only `scheme` and
/// `opaque` (everything after the first ":").
struct Uri {
  std::string scheme;                  ///< lower case: "sip", "sips", or another scheme
  std::string user;                    ///< user or telephone-subscriber, %-escapes as written; "" if none
  std::optional<std::string> password; ///< after ":" in the userinfo (deprecated, §19.1.1)
  std::string host;                    ///< hostname, IPv4address or "[IPv6reference]" as written
  std::optional<std::uint16_t> port;   ///< 1..65535 when given (0 is refused too: no SIP use)
  Params params;                       ///< `;transport=ws;lr` (names and values as written)
  std::vector<std::pair<std::string, std::string>> headers;  ///< `?name=value&...` (escaped)
  std::string opaque;                  ///< the rest of a non-SIP URI

  bool is_sip() const { return scheme == "sip" || scheme == "sips"; }
  friend bool operator==(const Uri&, const Uri&) = default;
};

/// Parses `text` (no surrounding whitespace or angle brackets). Returns the URI or a reason in
/// words ("bad host", "bad port", "bad escape in user", ...). RFC 3261 §25.1 SIP-URI / SIPS-URI /
/// absoluteURI; never throws.
std::variant<Uri, std::string> parse_uri(std::string_view text);

/// The URI's text (`sip:alice@example.com:5060;transport=ws?subject=x`); parse_uri of it gives
/// `uri` back.
std::string to_string(const Uri& uri);

/// `text` with every %HH escape decoded (RFC 3261 §19.1.2); an invalid escape is kept as written.
std::string unescape(std::string_view text);

}  // namespace callcore::signaling::sip
