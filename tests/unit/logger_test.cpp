#include <catch2/catch.hpp>

#include "callcore/log/logger.hpp"

using callcore::log::Level;
using callcore::log::Logger;
using nlohmann::json;

TEST_CASE("the logger is a bounded ring buffer that drops the oldest entries", "[log]") {
  Logger logger(3);
  for (int i = 0; i < 5; ++i) logger.log(i, Level::Info, "e" + std::to_string(i), "c1");
  REQUIRE(logger.entries().size() == 3);
  CHECK(logger.entries().front().event == "e2");
  CHECK(logger.entries().back().event == "e4");
  CHECK(logger.dropped() == 2);
  const json exported = logger.to_json();
  CHECK(exported[0]["time"] == 2);
  CHECK(exported[0]["level"] == "info");
  CHECK(exported[0]["connectionId"] == "c1");
  logger.clear();
  CHECK(logger.entries().empty());
}

TEST_CASE("secrets are redacted before they are stored", "[log]") {
  Logger logger(10);
  logger.log(1, Level::Info, "config", "",
             {{"iceServers", {{{"urls", "turn:127.0.0.1"}, {"username", "u"}, {"credential", "p4ss"}}}},
              {"authToken", "abc"},
              {"sdp", "v=0\r\na=ice-ufrag:xyz\r\na=ice-pwd:SECRETPWD\r\na=fingerprint:sha-256 AA\r\n"}});
  const std::string dumped = logger.to_json().dump();
  CHECK(dumped.find("p4ss") == std::string::npos);
  CHECK(dumped.find("SECRETPWD") == std::string::npos);
  CHECK(dumped.find("\"abc\"") == std::string::npos);
  const json& data = logger.entries().back().data;
  CHECK(data["iceServers"][0]["username"] == "[redacted]");  // a TURN username
  CHECK(data["iceServers"][0]["credential"] == "[redacted]");
  CHECK(data["sdp"] == "v=0\r\na=ice-ufrag:xyz\r\na=ice-pwd:[redacted]\r\na=fingerprint:sha-256 AA\r\n");
}

TEST_CASE("a boolean or null under a secret-like name is kept: it holds no secret", "[log]") {
  using callcore::log::redact;
  // hasGetToken (RTCParams: the app gave getToken) decides whether the core asks for a token; the
  // flight recording must keep it or the replay takes another path (docs/debugging.md).
  const json out = redact(json{{"hasGetToken", true}, {"token", nullptr}, {"hasSecret", false},
                               {"authToken", "abc"}, {"tokenTtl", 600}, {"credential", {{"x", true}}}});
  CHECK(out["hasGetToken"] == true);
  CHECK(out["token"].is_null());
  CHECK(out["hasSecret"] == false);
  CHECK(out["authToken"] == "[redacted]");
  CHECK(out["tokenTtl"] == "[redacted]");    // a number may be a secret (a PIN): redacted
  CHECK(out["credential"] == "[redacted]");  // an object under a secret name goes whole
}

TEST_CASE("the export says how many entries the ring buffer dropped", "[log]") {
  Logger logger(2);
  logger.log(1, Level::Info, "a", "");
  json exported = logger.export_json();
  CHECK(exported["format"] == "callcore-log");
  CHECK(exported["version"] == 1);
  CHECK(exported["capacity"] == 2);
  CHECK(exported["dropped"] == 0);
  CHECK(exported["truncated"] == false);
  CHECK(exported["entries"].size() == 1);
  logger.log(2, Level::Info, "b", "");
  logger.log(3, Level::Info, "c", "");
  exported = logger.export_json();
  CHECK(exported["dropped"] == 1);
  CHECK(exported["truncated"] == true);
  CHECK(exported["entries"][0]["event"] == "b");
  logger.clear();
  CHECK(logger.export_json()["truncated"] == false);
}

TEST_CASE("secret keys are recognised whatever their spelling", "[log]") {
  using callcore::log::is_secret_key;
  for (const char* key : {"password", "Passwd", "pwd", "ice-pwd", "credential", "authToken", "access_token",
                          "X-Auth-Token", "clientSecret", "Authorization", "Cookie", "set-cookie", "apiKey",
                          "api_key", "API-KEY", "jwt", "privateKey"}) {
    CAPTURE(key);
    CHECK(is_secret_key(key));
  }
  for (const char* key : {"username", "urls", "sdp", "consultationId", "connectionId", "type", "candidate"}) {
    CAPTURE(key);
    CHECK_FALSE(is_secret_key(key));
  }
}

TEST_CASE("secrets inside strings are redacted: URLs, SDP in any case, SDES keys, header lines", "[log]") {
  using callcore::log::redact;
  CHECK(redact("wss://sig.example/ws?token=abc.def-ghi&room=42") == "wss://sig.example/ws?token=[redacted]&room=42");
  CHECK(redact("https://x/y?a=1&access_token=T0K#frag") == "https://x/y?a=1&access_token=[redacted]#frag");
  CHECK(redact("https://x/y?apiKey=K1&api_key=K2;jwt=J3") == "https://x/y?apiKey=[redacted]&api_key=[redacted];jwt=[redacted]");
  CHECK(redact("https://x/y?page=2&sort=asc") == "https://x/y?page=2&sort=asc");
  CHECK(redact("v=0\r\nA=ICE-PWD:Secret1\r\na=Ice-Pwd:Secret2\n") == "v=0\r\nA=ICE-PWD:[redacted]\r\na=Ice-Pwd:[redacted]\n");
  // RFC 4568 §6.1 example, two keys on one line, with lifetime and MKI after the key.
  CHECK(redact("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:4;"
               "inline:QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo|2^20|2:4 FEC_ORDER=FEC_SRTP\r\nm=audio") ==
        "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:[redacted]|2^20|1:4;inline:[redacted]|2^20|2:4 FEC_ORDER=FEC_SRTP\r\nm=audio");
  CHECK(redact("A=CRYPTO:2 F8_128_HMAC_SHA1_80 INLINE:MTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5QUJjZGVm") ==
        "A=CRYPTO:2 F8_128_HMAC_SHA1_80 INLINE:[redacted]");
  CHECK(redact("REGISTER sip:a SIP/2.0\r\nAuthorization: Digest username=\"bob\", response=\"6629fae4\"\r\nCSeq: 2 REGISTER\r\n") ==
        "REGISTER sip:a SIP/2.0\r\nAuthorization: [redacted]\r\nCSeq: 2 REGISTER\r\n");
  CHECK(redact("proxy-authorization: Digest x\r\ncookie: sid=1\r\nSet-Cookie: sid=2") ==
        "proxy-authorization: [redacted]\r\ncookie: [redacted]\r\nSet-Cookie: [redacted]");
  // Text that only mentions the words keeps them.
  CHECK(redact("the authorization failed; see the token docs") == "the authorization failed; see the token docs");
  // An SDP inside JSON text held in a string (a raw signaling message): escaped line breaks.
  CHECK(redact(R"({"sdp":"v=0\r\na=ice-ufrag:x\r\na=ice-pwd:S3cret\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:KEY|2^20\r\n"})") ==
        R"({"sdp":"v=0\r\na=ice-ufrag:x\r\na=ice-pwd:[redacted]\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:[redacted]|2^20\r\n"})");
  CHECK(redact(R"(x\\na=ice-pwd:kept)") == R"(x\\na=ice-pwd:kept)");  // an escaped backslash, then "n"
  // A line is a header only where it starts.
  CHECK(redact("x\nnot an Authorization: header") == "x\nnot an Authorization: header");
}

TEST_CASE("TURN usernames are redacted; STUN entries and other usernames are kept", "[log]") {
  using callcore::log::redact;
  const json in = {{"iceServers",
                    {{{"urls", {"turn:127.0.0.1:3478?transport=udp", "turns:127.0.0.1:5349"}},
                      {"username", "1767225600:user-42"},
                      {"credential", "c"}},
                     {{"url", "TURN:127.0.0.1"}, {"username", "legacy"}},
                     {{"urls", "stun:127.0.0.1"}, {"username", "stun-user"}}}},
                   {"username", "doctor@example"}};
  const json out = redact(in);
  CHECK(out["iceServers"][0]["username"] == "[redacted]");
  CHECK(out["iceServers"][0]["credential"] == "[redacted]");
  CHECK(out["iceServers"][0]["urls"][0] == "turn:127.0.0.1:3478?transport=udp");
  CHECK(out["iceServers"][1]["username"] == "[redacted]");
  CHECK(out["iceServers"][2]["username"] == "stun-user");
  CHECK(out["username"] == "doctor@example");
}
