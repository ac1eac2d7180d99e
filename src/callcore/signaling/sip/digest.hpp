// HTTP Digest authentication as SIP uses it (RFC 3261 §22.4, RFC 7616, RFC 8760): the
// challenges of a 401 (WWW-Authenticate) or 407 (Proxy-Authenticate), the choice among
// several, and the Authorization / Proxy-Authorization value that answers one.
//
// Supported: algorithm MD5, MD5-sess, SHA-256, SHA-256-sess (RFC 7616 §3.4.2, RFC 8760 §2.2);
// qop "auth" or no qop (RFC 2069 compatibility, RFC 7616 §3.4.1 allows it); stale, opaque,
// realm, domain. Not supported (a challenge that needs them is not chosen): qop "auth-int"
// alone, userhash=true (RFC 7616 §3.4.4), SHA-512-256 (RFC 8760 lists it; JsSIP and Kamailio
// 5.6 do not offer it). Nothing throws.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "callcore/base/backoff.hpp"
#include "callcore/signaling/sip/message.hpp"
#include "callcore/signaling/sip/syntax.hpp"

namespace callcore::signaling::sip {

/// The digest algorithms callcore computes.
enum class DigestAlgorithm { kMd5, kMd5Sess, kSha256, kSha256Sess };

/// The algorithm's token as written in challenges and credentials ("MD5", "SHA-256-sess").
std::string_view algorithm_name(DigestAlgorithm algorithm);

/// Most challenges read from one header value, and from one message.
inline constexpr std::size_t kMaxChallenges = 16;

/// One challenge (RFC 7616 §3.3). For a scheme other than Digest only `scheme` and `params`
/// are filled.
struct Challenge {
  std::string scheme;                       ///< "Digest" (compared case-insensitively)
  bool proxy = false;                       ///< from Proxy-Authenticate (a 407)
  std::string realm;                        ///< unquoted
  std::string nonce;                        ///< unquoted
  std::optional<std::string> opaque;        ///< unquoted; echoed back when present
  std::string domain;                       ///< unquoted, "" when absent
  /// The algorithm token as written; "" when absent (which means MD5, RFC 7616 §3.3).
  std::string algorithm_text;
  /// The algorithm when callcore supports it (absent → MD5), else nullopt.
  std::optional<DigestAlgorithm> algorithm;
  std::vector<std::string> qop;             ///< the qop options, lower case ("auth", "auth-int")
  bool stale = false;                       ///< stale=true: retry with the new nonce, same password
  bool userhash = false;                    ///< userhash=true (RFC 7616 §3.4.4)
  Params params;                            ///< every auth-param as written (names as written)
  friend bool operator==(const Challenge&, const Challenge&) = default;
};

/// Parses one WWW-Authenticate / Proxy-Authenticate value: `1#challenge` (RFC 7235 §4.1; SIP
/// sends one per header field but HTTP allows a list), each `scheme 1#auth-param` with
/// token or quoted-string values. Returns the challenges or a reason in words. A Digest challenge
/// without realm or nonce is refused (RFC 7616 §3.3 requires both).
std::variant<std::vector<Challenge>, std::string> parse_challenges(std::string_view value, bool proxy = false);

/// Every challenge of a 401 or 407 (WWW-Authenticate then Proxy-Authenticate fields, in order;
/// values that do not parse are skipped), at most kMaxChallenges.
std::vector<Challenge> challenges(const Message& response);

/// The challenge to answer: among Digest challenges callcore supports (known algorithm, qop
/// absent or offering "auth", no userhash), the strongest algorithm (SHA-256 and SHA-256-sess
/// over MD5 and MD5-sess, RFC 8760 §2.4 leaves the choice to the client's preference), the first
/// offered among equals; nullopt when none fits.
std::optional<Challenge> choose_challenge(const std::vector<Challenge>& offered);

/// What the credentials need besides the challenge.
struct DigestInput {
  std::string username;  ///< sent quoted (RFC 7616 §3.4: username as given, no userhash)
  std::string password;
  std::string method;    ///< the request's method ("REGISTER", "INVITE", ...)
  std::string uri;       ///< digest-uri: the Request-URI as sent (RFC 3261 §22.4)
  std::uint32_t nc = 1;  ///< nonce count: 1 for a new nonce, +1 per request with the same nonce
  std::string cnonce;    ///< client nonce (make_cnonce); used when qop=auth or a -sess algorithm
};

/// A credentials header: Authorization (for a 401) or Proxy-Authorization (for a 407).
struct Credentials {
  std::string header;  ///< "Authorization" or "Proxy-Authorization"
  std::string value;   ///< `Digest username="...", realm="...", nonce="...", uri="...", response="...", ...`
};

/// The response digest of RFC 7616 §3.4.1 in lower-case hex: with qop=auth
/// H(A1 ":" nonce ":" nc ":" cnonce ":" qop ":" H(A2)), without qop H(A1 ":" nonce ":" H(A2)),
/// where A1 = username ":" realm ":" password (-sess: H(that) ":" nonce ":" cnonce, §3.4.2) and
/// A2 = method ":" uri. `challenge.algorithm` must be set.
std::string digest_response(const Challenge& challenge, const DigestInput& input, bool use_qop);

/// The credentials answering `challenge` (RFC 7616 §3.4; qop=auth when offered). Requires
/// `challenge.algorithm`; nullopt if it is absent, or if a string cannot be quoted (CR/LF).
std::optional<Credentials> credentials(const Challenge& challenge, const DigestInput& input);

/// A client nonce: 32 lower-case hex characters (128 bits) drawn from the core's seeded random
/// source (the core reads no OS randomness; the shell seeds it, docs/architecture.md).
std::string make_cnonce(base::Random& random);

}  // namespace callcore::signaling::sip
