#include "callcore/signaling/sip/digest.hpp"

#include <cstdio>

#include "callcore/signaling/sip/hash.hpp"

namespace callcore::signaling::sip {

namespace {

std::optional<DigestAlgorithm> algorithm_of(std::string_view text) {
  if (text.empty() || iequals(text, "MD5")) return DigestAlgorithm::kMd5;
  if (iequals(text, "MD5-sess")) return DigestAlgorithm::kMd5Sess;
  if (iequals(text, "SHA-256")) return DigestAlgorithm::kSha256;
  if (iequals(text, "SHA-256-sess")) return DigestAlgorithm::kSha256Sess;
  return std::nullopt;
}

std::string hash_hex(DigestAlgorithm algorithm, std::string_view data) {
  if (algorithm == DigestAlgorithm::kMd5 || algorithm == DigestAlgorithm::kMd5Sess) return to_hex(md5(data));
  return to_hex(sha256(data));
}

bool is_sess(DigestAlgorithm a) { return a == DigestAlgorithm::kMd5Sess || a == DigestAlgorithm::kSha256Sess; }

int strength(DigestAlgorithm a) { return a == DigestAlgorithm::kSha256 || a == DigestAlgorithm::kSha256Sess ? 2 : 1; }

bool offers_auth(const Challenge& c) {
  for (const auto& q : c.qop) {
    if (q == "auth") return true;
  }
  return false;
}

// Fills the Digest fields of `c` from its params (the first of each name); a reason when one is
// missing or malformed.
std::optional<std::string> finish_digest(Challenge& c) {
  const auto realm = param_value(c.params, "realm");
  const auto nonce = param_value(c.params, "nonce");
  if (!realm) return "Digest challenge without realm";
  if (!nonce) return "Digest challenge without nonce";
  c.realm = *realm;
  c.nonce = *nonce;
  c.opaque = param_value(c.params, "opaque");
  c.domain = param_value(c.params, "domain").value_or("");
  c.algorithm_text = param_value(c.params, "algorithm").value_or("");
  c.stale = iequals(param_value(c.params, "stale").value_or(""), "true");
  c.userhash = iequals(param_value(c.params, "userhash").value_or(""), "true");
  if (const auto qop = param_value(c.params, "qop")) {
    auto parts = split_list(*qop);
    if (!parts) return "empty qop option";
    for (auto q : *parts) {
      if (!is_token(q)) return "qop option is not a token";
      c.qop.push_back(to_lower(q));
    }
  }
  c.algorithm = algorithm_of(c.algorithm_text);
  return std::nullopt;
}

}  // namespace

std::string_view algorithm_name(DigestAlgorithm algorithm) {
  switch (algorithm) {
    case DigestAlgorithm::kMd5: return "MD5";
    case DigestAlgorithm::kMd5Sess: return "MD5-sess";
    case DigestAlgorithm::kSha256: return "SHA-256";
    case DigestAlgorithm::kSha256Sess: return "SHA-256-sess";
  }
  return "MD5";
}

std::variant<std::vector<Challenge>, std::string> parse_challenges(std::string_view value, bool proxy) {
  std::vector<Challenge> out;
  Scanner s(trim(value));
  // challenge = auth-scheme [ 1*SP ( token68 / #auth-param ) ]; a comma separates both the
  // auth-params and the challenges, so a new challenge starts where a token is followed by
  // whitespace and not by "=".
  while (!s.done()) {
    const auto scheme = s.token();
    if (scheme.empty()) return std::string("expected an auth-scheme");
    if (out.size() >= kMaxChallenges) return std::string("too many challenges");
    Challenge c;
    c.scheme = std::string(scheme);
    c.proxy = proxy;
    bool more = s.skip_ws();
    while (more && !s.done()) {
      const std::size_t mark = s.pos();
      const auto name = s.token();
      if (name.empty()) return std::string("expected an auth-param");
      if (!s.separator('=')) {
        // `token ` then not "=": the next challenge's scheme (or a token68, not used by Digest).
        if (c.params.empty()) return std::string("auth-param without a value");
        s.seek(mark);
        break;
      }
      Param p{std::string(name), std::nullopt};
      if (s.peek() == '"') {
        const auto q = s.quoted_string();
        if (!q) return std::string("unterminated quoted-string");
        p.value = std::string(*q);
      } else {
        const auto v = s.token();
        if (v.empty()) return std::string("auth-param without a value");
        p.value = std::string(v);
      }
      c.params.push_back(std::move(p));
      s.skip_ws();
      if (s.done()) break;
      if (!s.separator(',')) return std::string("expected a comma between auth-params");
      while (s.separator(',')) {}  // empty list elements are allowed (RFC 7230 §7)
    }
    if (iequals(c.scheme, "Digest")) {
      if (auto why = finish_digest(c)) return *why;
    }
    out.push_back(std::move(c));
  }
  if (out.empty()) return std::string("no challenge");
  return out;
}

std::vector<Challenge> challenges(const Message& response) {
  std::vector<Challenge> out;
  for (const char* header : {"WWW-Authenticate", "Proxy-Authenticate"}) {
    for (auto value : response.all(header)) {
      auto parsed = parse_challenges(value, std::string_view(header) == "Proxy-Authenticate");
      if (auto* list = std::get_if<std::vector<Challenge>>(&parsed)) {
        for (auto& c : *list) {
          if (out.size() < kMaxChallenges) out.push_back(std::move(c));
        }
      }
    }
  }
  return out;
}

std::optional<Challenge> choose_challenge(const std::vector<Challenge>& offered) {
  const Challenge* best = nullptr;
  for (const auto& c : offered) {
    if (!iequals(c.scheme, "Digest") || !c.algorithm || c.userhash) continue;
    if (!c.qop.empty() && !offers_auth(c)) continue;
    if (best == nullptr || strength(*c.algorithm) > strength(*best->algorithm)) best = &c;
  }
  return best ? std::optional<Challenge>(*best) : std::nullopt;
}

std::string digest_response(const Challenge& challenge, const DigestInput& input, bool use_qop) {
  const DigestAlgorithm algorithm = challenge.algorithm.value_or(DigestAlgorithm::kMd5);
  std::string ha1 = hash_hex(algorithm, input.username + ":" + challenge.realm + ":" + input.password);
  if (is_sess(algorithm)) ha1 = hash_hex(algorithm, ha1 + ":" + challenge.nonce + ":" + input.cnonce);
  const std::string ha2 = hash_hex(algorithm, input.method + ":" + input.uri);
  if (!use_qop) return hash_hex(algorithm, ha1 + ":" + challenge.nonce + ":" + ha2);
  char nc[9];
  std::snprintf(nc, sizeof nc, "%08x", input.nc);
  return hash_hex(algorithm, ha1 + ":" + challenge.nonce + ":" + nc + ":" + input.cnonce + ":auth:" + ha2);
}

std::optional<Credentials> credentials(const Challenge& challenge, const DigestInput& input) {
  if (!challenge.algorithm) return std::nullopt;
  const bool use_qop = offers_auth(challenge);
  const auto username = quote(input.username);
  const auto realm = quote(challenge.realm);
  const auto nonce = quote(challenge.nonce);
  const auto uri = quote(input.uri);
  const auto cnonce = quote(input.cnonce);
  if (!username || !realm || !nonce || !uri || !cnonce) return std::nullopt;
  std::string v = "Digest username=" + *username + ", realm=" + *realm + ", nonce=" + *nonce + ", uri=" + *uri +
                  ", response=\"" + digest_response(challenge, input, use_qop) + "\"";
  if (!challenge.algorithm_text.empty()) v += ", algorithm=" + std::string(algorithm_name(*challenge.algorithm));
  if (challenge.opaque) {
    const auto opaque = quote(*challenge.opaque);
    if (!opaque) return std::nullopt;
    v += ", opaque=" + *opaque;
  }
  if (use_qop) {
    char nc[9];
    std::snprintf(nc, sizeof nc, "%08x", input.nc);
    v += ", qop=auth, nc=" + std::string(nc) + ", cnonce=" + *cnonce;
  }
  return Credentials{challenge.proxy ? "Proxy-Authorization" : "Authorization", std::move(v)};
}

std::string make_cnonce(base::Random& random) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(32);
  while (out.size() < 32) {
    // 32 bits per draw (next_unit has 53 random bits).
    auto bits = static_cast<std::uint32_t>(random.next_unit() * 4294967296.0);
    for (int i = 0; i < 8; ++i, bits >>= 4) out.push_back(kHex[bits & 0xF]);
  }
  return out;
}

}  // namespace callcore::signaling::sip
