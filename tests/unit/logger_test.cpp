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
  CHECK(data["iceServers"][0]["username"] == "u");
  CHECK(data["iceServers"][0]["credential"] == "[redacted]");
  CHECK(data["sdp"] == "v=0\r\na=ice-ufrag:xyz\r\na=ice-pwd:[redacted]\r\na=fingerprint:sha-256 AA\r\n");
}
