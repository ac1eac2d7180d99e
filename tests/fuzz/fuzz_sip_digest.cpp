// libFuzzer target: the digest challenge parser (signaling/sip/digest.hpp) on arbitrary bytes,
// as the value of a WWW-Authenticate or Proxy-Authenticate header.
//  - parse_challenges: no crash, no sanitizer report; an error has a reason; at most
//    kMaxChallenges challenges; every Digest challenge has the realm and nonce of its params;
//  - choose_challenge picks a supported Digest challenge (known algorithm, qop absent or with
//    "auth", no userhash) of the highest strength offered, or nothing when none is supported;
//  - the credentials for the chosen challenge read back through the same parser with the
//    challenge's realm, nonce and opaque, the response digest and the nonce count; they are
//    refused only when a value holds CR or LF (it cannot be written in a header).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "callcore/signaling/sip/digest.hpp"
#include "check.hpp"

using namespace callcore::signaling::sip;

namespace {

bool supported(const Challenge& c) {
  if (!iequals(c.scheme, "Digest") || !c.algorithm || c.userhash) return false;
  if (c.qop.empty()) return true;
  for (const auto& q : c.qop) {
    if (q == "auth") return true;
  }
  return false;
}

int strength(DigestAlgorithm a) { return a == DigestAlgorithm::kSha256 || a == DigestAlgorithm::kSha256Sess ? 2 : 1; }

bool has_crlf(std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const bool proxy = size > 0 && (data[0] & 1) != 0;
  const auto result = parse_challenges(text, proxy);
  if (const auto* why = std::get_if<std::string>(&result)) {
    FUZZ_CHECK(!why->empty(), "an empty reason");
    return 0;
  }
  const auto& list = std::get<std::vector<Challenge>>(result);
  FUZZ_CHECK(!list.empty() && list.size() <= kMaxChallenges, "challenge count out of bounds");
  int best = 0;
  for (const auto& c : list) {
    FUZZ_CHECK(c.proxy == proxy, "proxy flag lost");
    if (iequals(c.scheme, "Digest")) {
      FUZZ_CHECK(param_value(c.params, "realm") == c.realm && param_value(c.params, "nonce") == c.nonce,
                 "realm or nonce differs from the params");
    }
    if (supported(c)) best = std::max(best, strength(*c.algorithm));
  }
  const auto chosen = choose_challenge(list);
  FUZZ_CHECK(chosen.has_value() == (best > 0), "choose_challenge missed a supported challenge or chose one that is not");
  if (!chosen) return 0;
  FUZZ_CHECK(supported(*chosen) && strength(*chosen->algorithm) == best, "a weaker or unsupported challenge chosen");

  const DigestInput input{"alice", "secret", "REGISTER", "sip:example.com", 3, "0a4f113b"};
  const auto creds = credentials(*chosen, input);
  if (!creds) {
    FUZZ_CHECK(has_crlf(chosen->realm) || has_crlf(chosen->nonce) || (chosen->opaque && has_crlf(*chosen->opaque)),
               "credentials refused without a reason");
    return 0;
  }
  FUZZ_CHECK(creds->header == (proxy ? "Proxy-Authorization" : "Authorization"), "credentials header name");
  const auto back = parse_challenges(creds->value);
  FUZZ_CHECK(std::holds_alternative<std::vector<Challenge>>(back), "credentials do not read back: " + creds->value);
  const auto& read = std::get<std::vector<Challenge>>(back);
  FUZZ_CHECK(read.size() == 1, "credentials read as several challenges: " + creds->value);
  const Challenge& r = read[0];
  FUZZ_CHECK(r.realm == chosen->realm && r.nonce == chosen->nonce && r.opaque == chosen->opaque,
             "realm, nonce or opaque changed in the credentials");
  const bool qop = !chosen->qop.empty();
  FUZZ_CHECK(param_value(r.params, "response") == digest_response(*chosen, input, qop), "response differs");
  FUZZ_CHECK(param_value(r.params, "nc") == (qop ? std::optional<std::string>("00000003") : std::nullopt), "nc");
  return 0;
}
