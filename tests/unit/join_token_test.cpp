// Join tokens and resume secrets of the built-in socket (issue 13; docs/protocol.md §2.1, §1
// close codes): the token goes in the join, getToken() is asked before every join, the server's
// resume secret goes back in the rejoin, neither is emitted or logged, and the close codes that
// reconnecting cannot fix stop the reconnects; several signaling URLs fail over, and the rejoin
// says which message arrived last (lastSeq, docs/protocol.md §4.7).
#include "driver.hpp"

using namespace callcore;
using namespace callcore::session::consultation;
using namespace callcore::io;
using callcore::test::client_params;
using callcore::test::Driver;
using nlohmann::json;

namespace {

json url_params(json extra = json::object()) {
  json p = client_params();
  p.erase("hasSend");
  p.erase("connectionId");
  p["signalingUrl"] = "ws://127.0.0.1:1/ws";
  p["randomSeed"] = 7;
  for (auto& [k, v] : extra.items()) p[k] = v;
  return p;
}

std::vector<json> emitted(const Driver& d, const std::string& event_type) {
  std::vector<json> out;
  for (const auto& o : d.last) {
    if (o.kind == "emit" && o.data["eventType"] == event_type) out.push_back(o.data["payload"]);
  }
  return out;
}

// True when `needle` appears anywhere in the logger's entries.
bool logged(const Driver& d, const std::string& needle) {
  for (const auto& e : d.logger.entries()) {
    if (e.data.dump().find(needle) != std::string::npos) return true;
  }
  return false;
}

constexpr const char* kJoined = R"({"type":"joined","data":{"connectionId":"srv-1","members":[],"role":"client","resumeSecret":"s3cr3t-resume"}})";

}  // namespace

TEST_CASE("join token: sent in the join; the resume secret goes back in the rejoin; neither is emitted or logged", "[token]") {
  Driver c(Role::Client, url_params({{"token", "jwt-abc"}}));
  c.feed(in::TransportOpened{});
  REQUIRE(c.sent().size() == 1);
  CHECK(c.sent()[0]["type"] == "join");
  CHECK(c.sent()[0]["data"]["token"] == "jwt-abc");
  CHECK_FALSE(c.sent()[0]["data"].contains("resumeSecret"));
  c.feed(in::TransportMessage{kJoined});
  const json joined = emitted(c, "joined").at(0);
  CHECK(joined["connectionId"] == "srv-1");
  CHECK_FALSE(joined.contains("resumeSecret"));

  c.feed(in::TransportClosed{1006, ""}, 2000);
  c.advance(20000);
  c.feed(in::TransportOpened{}, 20001);
  const json rejoin = c.sent().at(0)["data"];
  CHECK(rejoin["connectionId"] == "srv-1");
  CHECK(rejoin["resumeSecret"] == "s3cr3t-resume");
  CHECK(rejoin["token"] == "jwt-abc");
  CHECK_FALSE(logged(c, "jwt-abc"));
  CHECK_FALSE(logged(c, "s3cr3t-resume"));
  CHECK(c.session.snapshot().dump().find("jwt-abc") == std::string::npos);
}

TEST_CASE("getToken: a fresh token is asked for before every join; late or failed answers", "[token]") {
  Driver c(Role::Client, url_params({{"token", "fallback"}, {"hasGetToken", true}}));
  c.feed(in::TransportOpened{});
  CHECK(c.has("requestToken"));
  CHECK(c.sent().empty());  // no join without a token
  c.feed(in::TokenProvided{"fresh-1"});
  CHECK(c.sent().at(0)["data"]["token"] == "fresh-1");
  c.feed(in::TokenProvided{"again"});  // no second join
  CHECK(c.sent().empty());
  c.feed(in::TransportMessage{kJoined});

  // Reconnect: asked again; an answer that comes after the socket closed is dropped.
  c.feed(in::TransportClosed{1006, ""}, 2000);
  c.advance(20000);
  c.feed(in::TransportOpened{}, 20001);
  CHECK(c.has("requestToken"));
  c.feed(in::TransportClosed{1006, ""}, 20002);
  c.feed(in::TokenProvided{"late"});
  CHECK(c.sent().empty());
  c.advance(40000);
  c.feed(in::TransportOpened{}, 40001);
  c.feed(in::TokenFailed{"portal down"});
  CHECK(emitted(c, "signalingErrorEvent").at(0)["code"] == "tokenFailed");
  CHECK(c.sent().at(0)["data"]["token"] == "fallback");
  CHECK(c.sent().at(0)["data"]["resumeSecret"] == "s3cr3t-resume");
  CHECK_FALSE(logged(c, "fresh-1"));
}

TEST_CASE("close codes: 4401 stops reconnecting unless getToken can refresh; 4403 and 4409 stop it", "[token]") {
  struct Case {
    int code;
    bool get_token;
    bool reconnects;
    const char* error;
  };
  for (const Case& k : {Case{4401, false, false, "unauthorized"}, Case{4401, true, true, ""},
                        Case{4403, true, false, "forbidden"}, Case{4409, false, false, "roleTaken"},
                        Case{4408, false, true, ""}, Case{4508, false, true, ""}}) {
    INFO("close " << k.code << (k.get_token ? " with getToken" : ""));
    Driver c(Role::Client, url_params({{"token", "t"}, {"hasGetToken", k.get_token}}));
    c.feed(in::TransportOpened{});
    if (k.get_token) c.feed(in::TokenProvided{"t"});
    c.feed(in::TransportClosed{k.code, "refused"});
    CHECK(c.session.transport().reconnect_scheduled() == k.reconnects);
    const auto errors = emitted(c, "signalingErrorEvent");
    if (*k.error) {
      REQUIRE(errors.size() == 1);
      CHECK(errors[0]["code"] == k.error);
    } else {
      CHECK(errors.empty());
    }
  }
}

TEST_CASE("params: token must be a string of at most 8192 characters; getToken a function", "[token]") {
  CHECK(std::holds_alternative<Params>(parse_params(url_params({{"token", "x"}}))));
  CHECK(std::holds_alternative<errors::CallError>(parse_params(url_params({{"token", 42}}))));
  CHECK(std::holds_alternative<errors::CallError>(parse_params(url_params({{"token", std::string(8193, 'a')}}))));
  const auto bad = parse_params(url_params({{"getToken", "not a function"}}));
  REQUIRE(std::holds_alternative<errors::CallError>(bad));
  CHECK(std::get<errors::CallError>(bad).description.find("getToken") != std::string::npos);
}

namespace {
std::string opened_url(const Driver& d) {
  std::string url;
  for (const auto& o : d.last) {
    if (o.kind == "openTransport") url = o.data["url"];
  }
  return url;
}
}  // namespace

TEST_CASE("failover: signalingUrl as an array — a drop reopens at the next URL; the rejoin says what arrived last (lastSeq)", "[token][failover]") {
  Driver c(Role::Client, url_params({{"signalingUrl", json::array({"ws://a/ws", "ws://b/ws"})}, {"token", "jwt-abc"}}));
  CHECK(opened_url(c) == "ws://a/ws");
  c.feed(in::TransportOpened{});
  CHECK_FALSE(c.sent().at(0)["data"].contains("lastSeq"));  // a first join has nothing to say
  c.feed(in::TransportMessage{kJoined});
  // Messages of a server that shares consultations carry their log position; the last one counts,
  // also one the session ignores (its own echo here).
  c.feed(in::TransportMessage{R"({"type":"peerJoined","data":{"connectionId":"c-b-1","clientId":"doc-1","name":"D"},"seq":"1700000000000-3"})"});
  c.feed(in::TransportMessage{R"({"type":"deviceState","data":{"sender":{"chatId":"cons-1","clientId":"cli-1","connectionId":"srv-1"},"consultationId":"cons-1","isMute":true},"seq":"1700000000001-0"})"});
  c.feed(in::TransportClosed{1006, ""}, 2000);
  c.advance(20000);
  CHECK(opened_url(c) == "ws://b/ws");
  c.feed(in::TransportOpened{}, 20001);
  const json rejoin = c.sent().at(0)["data"];
  CHECK(rejoin["connectionId"] == "srv-1");
  CHECK(rejoin["resumeSecret"] == "s3cr3t-resume");
  CHECK(rejoin["lastSeq"] == "1700000000001-0");
  // b drops too before a join: back to a.
  c.feed(in::TransportClosed{1006, ""}, 20002);
  c.advance(40000);
  CHECK(opened_url(c) == "ws://a/ws");
}

TEST_CASE("params: signalingUrl as an array holds 1 to 8 non-empty strings", "[token][failover]") {
  CHECK(std::holds_alternative<Params>(parse_params(url_params({{"signalingUrl", json::array({"ws://a/ws"})}}))));
  for (const json& bad : {json::array(), json::array({"ws://a/ws", 3}), json::array({""}),
                          json::array({"1", "2", "3", "4", "5", "6", "7", "8", "9"})}) {
    INFO(bad.dump());
    CHECK_FALSE(std::holds_alternative<Params>(parse_params(url_params({{"signalingUrl", bad}}))));
  }
}
