// Digest authentication for SIP (signaling/sip/digest.hpp, hash.hpp): the hash functions
// against their standards' vectors (RFC 1321 §A.5, FIPS 180-2 Appendix B), the worked
// examples of RFC 7616 §3.9.1 (MD5 and SHA-256) and RFC 2617 §3.5, challenge parsing with
// several challenges (RFC 8760 §2.4), the choice of the strongest, and the credentials header.
#include <cmath>
#include <string>
#include <variant>

#include <catch2/catch.hpp>

#include "callcore/signaling/sip/digest.hpp"
#include "callcore/signaling/sip/hash.hpp"

using namespace callcore::signaling::sip;

namespace {

std::vector<Challenge> parsed(std::string_view value, bool proxy = false) {
  auto result = parse_challenges(value, proxy);
  if (auto* why = std::get_if<std::string>(&result)) FAIL(std::string(value) << ": " << *why);
  return std::get<std::vector<Challenge>>(result);
}

bool refused(std::string_view value) { return std::holds_alternative<std::string>(parse_challenges(value)); }

// RFC 7616 §3.9.1: the same challenge offered with SHA-256 and with MD5.
const std::string kChallengeSha256 =
    "Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", algorithm=SHA-256, "
    "nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", "
    "opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"";
const std::string kChallengeMd5 =
    "Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", algorithm=MD5, "
    "nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", "
    "opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"";

DigestInput mufasa() {
  DigestInput in;
  in.username = "Mufasa";
  in.password = "Circle of Life";
  in.method = "GET";
  in.uri = "/dir/index.html";
  in.nc = 1;
  in.cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
  return in;
}

}  // namespace

TEST_CASE("MD5 matches the RFC 1321 §A.5 test suite", "[sip][digest]") {
  CHECK(to_hex(md5("")) == "d41d8cd98f00b204e9800998ecf8427e");
  CHECK(to_hex(md5("a")) == "0cc175b9c0f1b6a831c399e269772661");
  CHECK(to_hex(md5("abc")) == "900150983cd24fb0d6963f7d28e17f72");
  CHECK(to_hex(md5("message digest")) == "f96b697d7cb7938d525a2f31aaf161d0");
  CHECK(to_hex(md5("abcdefghijklmnopqrstuvwxyz")) == "c3fcd3d76192e4007dfb496cca67e13b");
  CHECK(to_hex(md5("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")) ==
        "d174ab98d277d9f5a5611c2c9f419d9f");
  CHECK(to_hex(md5("12345678901234567890123456789012345678901234567890123456789012345678901234567890")) ==
        "57edf4a22be3c955ac49da2e2107b67a");
  // Padding edges: 55, 56 and 64 bytes (one or two final blocks); values from Python's hashlib.
  CHECK(to_hex(md5(std::string(55, 'a'))) == "ef1772b6dff9a122358552954ad0df65");
  CHECK(to_hex(md5(std::string(56, 'a'))) == "3b0c8ac703f828b04c6c197006d17218");
  CHECK(to_hex(md5(std::string(64, 'a'))) == "014842d480b571495a4a0363793f7367");
}

TEST_CASE("the MD5 constants are floor(2^32 |sin i|) (RFC 1321 §3.4)", "[sip][digest]") {
  for (int i = 0; i < 64; ++i) {
    const double expected = std::floor(std::fabs(std::sin(static_cast<double>(i + 1))) * 4294967296.0);
    CHECK(static_cast<double>(kMd5T[static_cast<std::size_t>(i)]) == expected);
  }
}

TEST_CASE("SHA-256 matches the FIPS 180-2 Appendix B examples", "[sip][digest]") {
  CHECK(to_hex(sha256("abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(to_hex(sha256("")) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(to_hex(sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")) ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(to_hex(sha256(std::string(1000000, 'a'))) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("RFC 7616 §3.9.1: SHA-256 and MD5 responses for Mufasa", "[sip][digest]") {
  const auto sha = parsed(kChallengeSha256);
  REQUIRE(sha.size() == 1);
  CHECK(sha[0].realm == "http-auth@example.org");
  CHECK(sha[0].nonce == "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v");
  CHECK(sha[0].opaque == "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS");
  CHECK(sha[0].algorithm == DigestAlgorithm::kSha256);
  CHECK(sha[0].qop == std::vector<std::string>{"auth", "auth-int"});
  CHECK_FALSE(sha[0].stale);
  CHECK(digest_response(sha[0], mufasa(), true) == "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");

  const auto md = parsed(kChallengeMd5);
  CHECK(md[0].algorithm == DigestAlgorithm::kMd5);
  CHECK(digest_response(md[0], mufasa(), true) == "8ca523f5e9506fed4657c9700eebdbec");

  const auto creds = credentials(sha[0], mufasa());
  REQUIRE(creds);
  CHECK(creds->header == "Authorization");
  CHECK(creds->value ==
        "Digest username=\"Mufasa\", realm=\"http-auth@example.org\", "
        "nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", uri=\"/dir/index.html\", "
        "response=\"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1\", algorithm=SHA-256, "
        "opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\", qop=auth, nc=00000001, "
        "cnonce=\"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ\"");
  // The credentials read back as auth-params with the same values.
  const auto back = parsed(creds->value);
  CHECK(param_value(back[0].params, "response") == "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
  CHECK(param_value(back[0].params, "nc") == "00000001");
}

TEST_CASE("RFC 2617 §3.5: MD5 with qop=auth and no algorithm parameter", "[sip][digest]") {
  const auto c = parsed(
      "Digest realm=\"testrealm@host.com\", qop=\"auth,auth-int\", nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", "
      "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"");
  CHECK(c[0].algorithm == DigestAlgorithm::kMd5);
  CHECK(c[0].algorithm_text.empty());
  DigestInput in;
  in.username = "Mufasa";
  in.password = "Circle Of Life";
  in.method = "GET";
  in.uri = "/dir/index.html";
  in.nc = 1;
  in.cnonce = "0a4f113b";
  CHECK(digest_response(c[0], in, true) == "6629fae49393a05397450978507c4ef1");
  const auto creds = credentials(c[0], in);
  REQUIRE(creds);
  CHECK(creds->value.find("algorithm") == std::string::npos);  // not sent when not offered
  CHECK(creds->value.find("nc=00000001") != std::string::npos);
}

TEST_CASE("without qop (RFC 2069) and with -sess the response follows RFC 7616 §3.4.1-3.4.2", "[sip][digest]") {
  auto c = parsed("Digest realm=\"r\", nonce=\"n\"")[0];
  DigestInput in{"u", "p", "REGISTER", "sip:example.com", 7, "cn"};
  const std::string ha1 = to_hex(md5("u:r:p"));
  const std::string ha2 = to_hex(md5("REGISTER:sip:example.com"));
  CHECK(digest_response(c, in, false) == to_hex(md5(ha1 + ":n:" + ha2)));
  const auto creds = credentials(c, in);
  REQUIRE(creds);
  CHECK(creds->value.find("qop") == std::string::npos);
  CHECK(creds->value.find("cnonce") == std::string::npos);

  auto sess = parsed("Digest realm=\"r\", nonce=\"n\", algorithm=SHA-256-sess, qop=auth")[0];
  REQUIRE(sess.algorithm == DigestAlgorithm::kSha256Sess);
  const std::string sha1 = to_hex(sha256(to_hex(sha256("u:r:p")) + ":n:cn"));
  const std::string sha2 = to_hex(sha256("REGISTER:sip:example.com"));
  CHECK(digest_response(sess, in, true) == to_hex(sha256(sha1 + ":n:00000007:cn:auth:" + sha2)));
  CHECK(credentials(sess, in)->value.find("algorithm=SHA-256-sess") != std::string::npos);
}

TEST_CASE("a 401 with both algorithms (RFC 8760 §2.4): SHA-256 is chosen; a 407 gets Proxy-Authorization", "[sip][digest]") {
  const std::string text =
      "SIP/2.0 401 Unauthorized\r\n"
      "Via: SIP/2.0/WSS h.invalid;branch=z9hG4bK1\r\n"
      "From: <sip:alice@example.com>;tag=1\r\n"
      "To: <sip:alice@example.com>;tag=2\r\n"
      "Call-ID: c1\r\n"
      "CSeq: 1 REGISTER\r\n"
      "WWW-Authenticate: Digest realm=\"example.com\", nonce=\"a1\", qop=\"auth\", algorithm=MD5\r\n"
      "WWW-Authenticate: Digest realm=\"example.com\", nonce=\"a2\", qop=\"auth\",\r\n"
      "  algorithm=SHA-256, stale=TRUE\r\n"
      "\r\n";
  const auto result = parse(text);
  REQUIRE(std::holds_alternative<Message>(result));
  const auto offered = challenges(std::get<Message>(result));
  REQUIRE(offered.size() == 2);
  CHECK(offered[1].stale);
  const auto chosen = choose_challenge(offered);
  REQUIRE(chosen);
  CHECK(chosen->nonce == "a2");
  CHECK(chosen->algorithm == DigestAlgorithm::kSha256);

  // Only MD5 offered (JsSIP-compatible servers): MD5 it is.
  CHECK(choose_challenge({offered[0]})->nonce == "a1");
  // Equal strength: the first offered.
  CHECK(choose_challenge(parsed("Digest realm=r, nonce=x1, algorithm=MD5-sess, Digest realm=r, nonce=x2"))->nonce == "x1");
  // Nothing supported: unknown algorithm, auth-int only, userhash, another scheme.
  CHECK_FALSE(choose_challenge(parsed("Digest realm=r, nonce=x, algorithm=SHA-512-256")));
  CHECK_FALSE(choose_challenge(parsed("Digest realm=r, nonce=x, qop=\"auth-int\"")));
  CHECK_FALSE(choose_challenge(parsed("Digest realm=r, nonce=x, userhash=true")));
  CHECK_FALSE(choose_challenge(parsed("Bearer realm=\"r\"")));

  const auto proxy = parsed("Digest realm=\"p\", nonce=\"n\"", true);
  CHECK(credentials(proxy[0], DigestInput{"u", "p", "INVITE", "sip:b@example.com", 1, "c"})->header ==
        "Proxy-Authorization");
}

TEST_CASE("several challenges in one value, and malformed ones", "[sip][digest]") {
  const auto two = parsed("Digest realm=\"a\", nonce=\"1\", Digest realm=\"b\", nonce=\"2\", algorithm=SHA-256");
  REQUIRE(two.size() == 2);
  CHECK(two[0].realm == "a");
  CHECK(two[1].realm == "b");
  CHECK(two[1].algorithm == DigestAlgorithm::kSha256);
  const auto escaped = parsed(R"(Digest realm="a \"quoted\" realm", nonce="n")");
  CHECK(escaped[0].realm == "a \"quoted\" realm");

  CHECK(refused(""));
  CHECK(refused("Digest realm=\"r\""));                  // no nonce
  CHECK(refused("Digest nonce=\"n\""));                  // no realm
  CHECK(refused("Digest realm=\"r, nonce=\"n\""));       // unterminated quote... read as realm, then junk
  CHECK(refused("Digest realm=\"r\" nonce=\"n\""));      // no comma
  CHECK(refused("Digest realm=, nonce=n"));              // empty value
  CHECK(refused("Digest realm=r, nonce=n, qop=\"\""));   // empty qop
  std::string many;
  for (std::size_t i = 0; i <= kMaxChallenges; ++i) many += (i ? ", " : "") + std::string("Digest realm=r, nonce=n");
  CHECK(refused(many));
}

TEST_CASE("cnonce comes from the seeded random source: 32 hex chars, reproducible", "[sip][digest]") {
  callcore::base::Random a(42), b(42), c(43);
  const std::string first = make_cnonce(a);
  CHECK(first.size() == 32);
  CHECK(first.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(make_cnonce(b) == first);
  CHECK(make_cnonce(c) != first);
  CHECK(make_cnonce(a) != first);
}
