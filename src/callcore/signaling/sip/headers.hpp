// Typed SIP header values (RFC 3261 §20 and the grammar of §25.1): Via (with RFC 3581 rport),
// name-addr / addr-spec (From, To, Contact, Route, Record-Route), CSeq, Call-ID, and the
// numeric headers. Each parse_* reads one value (or one element of a comma list) whose folding
// is already unfolded and returns nullopt if it breaks the grammar; each to_string writes the
// canonical form, which parses back to an equal value. Nothing throws.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "callcore/signaling/sip/syntax.hpp"
#include "callcore/signaling/sip/uri.hpp"

namespace callcore::signaling::sip {

/// The magic cookie that starts an RFC 3261 branch (§8.1.1.7).
inline constexpr std::string_view kBranchCookie = "z9hG4bK";

/// One Via element: `SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bK...;rport` (RFC 3261
/// §20.42, §25.1 via-parm; RFC 7118 §5.2 WS/WSS transports; RFC 3581 rport).
struct Via {
  std::string protocol = "SIP";        ///< protocol-name, as written ("SIP")
  std::string version = "2.0";         ///< protocol-version
  std::string transport;               ///< upper case: "UDP", "TCP", "TLS", "WS", "WSS", ...
  std::string host;                    ///< sent-by host as written
  std::optional<std::uint16_t> port;   ///< sent-by port, 1..65535
  Params params;                       ///< branch, received, rport, maddr, ttl and extensions

  /// `branch` or "" (RFC 3261 §20.42).
  std::string branch() const { return param_value(params, "branch").value_or(""); }
  /// `received` (the address the server saw), or nullopt.
  std::optional<std::string> received() const { return param_value(params, "received"); }
  /// RFC 3581 §4: nullopt when absent; 0 when present without a value (a request asking for it);
  /// else the port filled in by the server.
  std::optional<std::uint16_t> rport() const;
  friend bool operator==(const Via&, const Via&) = default;
};

/// `[display-name] <uri>;params` or `uri;params` (RFC 3261 §20.10, §20.20, §25.1 name-addr /
/// addr-spec): From, To, Contact, Route, Record-Route, Refer-To, ... A Contact of `*` parses
/// with `star` set and nothing else.
struct NameAddr {
  /// The display name as written: a quoted-string with its quotes, or tokens joined by one SP;
  /// "" when absent. display_name() has the text.
  std::string display;
  Uri uri;
  /// True when the URI was (and will be) written in <...>. Always true for a URI with headers,
  /// parameters, "," "?" or ";" (RFC 3261 §20.10 requires the brackets then).
  bool angle = true;
  Params params;     ///< header parameters after the URI (tag, expires, q, ...)
  bool star = false;  ///< Contact: * (RFC 3261 §10.2.2, un-REGISTER of all bindings)

  /// The display name's text (quotes and escapes resolved), "" if none.
  std::string display_name() const;
  /// `tag` parameter (RFC 3261 §19.3) or "".
  std::string tag() const { return param_value(params, "tag").value_or(""); }
  friend bool operator==(const NameAddr&, const NameAddr&) = default;
};

/// `CSeq: 4711 INVITE` (RFC 3261 §20.16): number < 2^31 (§8.1.1.5), method a token (case
/// kept; methods are case-sensitive, §7.1).
struct CSeq {
  std::uint32_t number = 0;
  std::string method;
  friend bool operator==(const CSeq&, const CSeq&) = default;
};

/// Largest CSeq number (RFC 3261 §8.1.1.5: "MUST be less than 2**31").
inline constexpr std::uint32_t kMaxCSeq = 0x7FFFFFFF;

std::optional<Via> parse_via(std::string_view value);
std::string to_string(const Via& via);

/// One name-addr / addr-spec. `allow_star` accepts `*` (Contact only).
std::optional<NameAddr> parse_name_addr(std::string_view value, bool allow_star = false);
std::string to_string(const NameAddr& addr);

std::optional<CSeq> parse_cseq(std::string_view value);
std::string to_string(const CSeq& cseq);

/// `word ["@" word]` (RFC 3261 §25.1 callid).
bool valid_call_id(std::string_view value);

/// 1*DIGIT no larger than `max`; nullopt otherwise (RFC 3261 §25.1: Content-Length, Expires and
/// the expires parameter are delta-seconds; Max-Forwards is at most 255, RFC 4475 §3.1.2.4).
std::optional<std::uint32_t> parse_number(std::string_view value, std::uint32_t max);

/// `type/subtype *(;param)` (RFC 3261 §20.15 media-type); the type and subtype lower-cased.
struct MediaType {
  std::string type;     ///< "application"
  std::string subtype;  ///< "sdp"
  Params params;
  /// "type/subtype" without parameters.
  std::string essence() const { return type + "/" + subtype; }
  friend bool operator==(const MediaType&, const MediaType&) = default;
};
std::optional<MediaType> parse_media_type(std::string_view value);
std::string to_string(const MediaType& media_type);

}  // namespace callcore::signaling::sip
