// The room session's timing and recovery against a scripted Janus, with time passed in:
// keepalive, request timeouts, a dropped socket (claim vs a rebuilt session), and messages that
// must change nothing.
#include "room_driver.hpp"

using namespace callcore;
using namespace callcore::io;
using callcore::test::RoomDriver;
using nlohmann::json;
using Strings = std::vector<std::string>;
namespace t = callcore::test;

namespace {

// Joined with Bob, subscribed to him (answered and started), publishing.
RoomDriver in_room(json options = t::room_options()) {
  RoomDriver d(options);
  d.join(json::array({t::publisher(t::kBob, "Bob")}));
  d.janus(RoomDriver::success(d.request("attach"), t::kSubHandle));
  d.subscribe(d.request("message", "join"), "attached",
              {t::sub_stream(0, "0", "audio", t::kBob, "0"), t::sub_stream(1, "1", "video", t::kBob, "1")});
  d.answer_subscription();
  const json start = d.request("message", "start");
  d.janus(RoomDriver::event(t::kSession, t::kSubHandle, {{"videoroom", "event"}, {"room", t::kRoom}, {"started", "ok"}}, start));
  d.publish();
  REQUIRE(d.session->in_flight().empty());
  return d;
}

}  // namespace

TEST_CASE("room: keepalive every 25 s by default, from the session's creation", "[room]") {
  RoomDriver d;
  d.feed(in::Call{1});
  d.feed(in::TransportOpened{}, 2000);
  CHECK_FALSE(d.session->keepalive_deadline());  // no session yet
  d.janus(RoomDriver::success(d.request("create"), t::kSession));
  CHECK(d.session->keepalive_deadline() == base::Ms(2000 + 25000));
}

TEST_CASE("room: keepalive timing and its ack", "[room]") {
  json options = t::room_options();
  options["keepaliveSecond"] = 10;
  RoomDriver d = in_room(options);
  // The session was created at t=1000: keepalives at 11000, 21000, ...
  CHECK(d.session->keepalive_deadline() == base::Ms(11000));
  CHECK(d.deadline() == 11000);
  d.advance(10999);
  CHECK(d.last.empty());
  d.advance(11000);
  const json keepalive = d.request("keepalive");
  CHECK(keepalive == json{{"janus", "keepalive"}, {"session_id", t::kSession}, {"transaction", keepalive["transaction"]}});
  CHECK(d.session->keepalive_deadline() == base::Ms(21000));
  CHECK(d.session->in_flight().size() == 1);
  d.janus(RoomDriver::ack(keepalive));  // an ack is a keepalive's whole answer
  CHECK(d.session->in_flight().empty());
  d.advance(21000);
  CHECK(d.sent().size() == 1);
  CHECK(d.sent()[0]["janus"] == "keepalive");
}

TEST_CASE("room: a request without an answer fails after its timeout with a typed error", "[room]") {
  RoomDriver d = in_room();
  d.janus(RoomDriver::event(t::kSession, t::kPubHandle,
                            {{"videoroom", "event"}, {"room", t::kRoom}, {"publishers", json::array({t::publisher(t::kCarol, "Carol")})}}, nullptr));
  const json subscribe = d.request("message", "subscribe");
  const double sent_at = d.now;
  d.janus(RoomDriver::ack(subscribe));  // acked, but its event never comes
  d.advance(sent_at + 9999);
  CHECK_FALSE(d.has("emit", "roomError"));
  d.advance(sent_at + 10000);
  const json error = d.find("emit", "roomError");
  CHECK(error["emitType"] == "error");
  CHECK(error["payload"]["type"] == "room");
  CHECK(error["payload"]["message"] == "The room server did not answer");
  CHECK(error["payload"]["description"].get<std::string>().find("update subscription") != std::string::npos);
  CHECK(d.session->in_flight().empty());
  CHECK(d.snapshot()["connectStatus"] == "connected");  // the room goes on
  // The next change subscribes again (the subscription is no longer busy).
  d.janus(RoomDriver::event(t::kSession, t::kPubHandle, {{"videoroom", "event"}, {"room", t::kRoom}, {"unpublished", t::kCarol}}));
  CHECK(d.has("send"));
}

TEST_CASE("room: a join sequence without an answer drops the socket and starts over", "[room]") {
  RoomDriver d;
  d.feed(in::Call{1});
  d.feed(in::TransportOpened{});
  d.advance(1000 + 10000);  // create: no answer
  CHECK(d.find("emit", "roomError")["payload"]["message"] == "The room server did not answer");
  CHECK(d.has("closeTransport"));
  CHECK(d.find("emit", "connectionStatusChanged")["payload"]["status"] == "reconnecting");
  REQUIRE(d.deadline() > 0);
  d.advance(d.deadline());
  CHECK(d.has("openTransport"));
  d.feed(in::TransportOpened{});
  CHECK(d.request("create").is_object());  // no session yet: create again
}

TEST_CASE("room: a dropped socket reclaims the Janus session while it lives", "[room]") {
  RoomDriver d = in_room();
  d.feed(in::ChangeDeviceState{std::nullopt, true});  // muted: kept across
  const json configure = d.request("message", "configure");
  d.janus(RoomDriver::ack(configure));
  d.janus(RoomDriver::event(t::kSession, t::kPubHandle, {{"videoroom", "event"}, {"room", t::kRoom}, {"configured", "ok"}},
                            configure));
  const json before = d.snapshot();

  d.feed(in::TransportClosed{1006, ""}, 5000);
  CHECK(d.find("emit", "connectionStatusChanged")["payload"] == json{{"status", "reconnecting"}, {"previous", "connected"}});
  CHECK_FALSE(d.has("closePc"));  // media keeps flowing through Janus meanwhile
  REQUIRE(d.deadline() > 5000);
  CHECK(d.deadline() <= 5000 + 500);  // first backoff step
  d.advance(d.deadline());
  CHECK(d.find("openTransport")["protocol"] == "janus-protocol");
  d.feed(in::TransportOpened{});
  const json claim = d.request("claim");
  CHECK(claim == json{{"janus", "claim"}, {"session_id", t::kSession}, {"transaction", claim["transaction"]}});
  d.janus(RoomDriver::success(claim, std::nullopt));
  CHECK(d.find("emit", "connectionStatusChanged")["payload"]["status"] == "connected");
  CHECK(d.find("emit", "signalingReconnectEvent")["payload"]["resumed"] == true);
  CHECK_FALSE(d.has("send"));  // nothing to redo
  const json after = d.snapshot();
  CHECK(after["participants"] == before["participants"]);
  CHECK(after["audioEnabled"] == false);
  CHECK(after["sessionId"] == std::to_string(t::kSession));
  CHECK(d.session->keepalive_deadline() == base::Ms(d.now + 25000));
}

TEST_CASE("room: session not found on claim → a new session, rejoined and resubscribed, state kept", "[room]") {
  RoomDriver d = in_room();
  d.feed(in::ChangeDeviceState{true, std::nullopt});  // video off
  const json configure = d.request("message", "configure");
  d.janus(RoomDriver::event(t::kSession, t::kPubHandle, {{"videoroom", "event"}, {"room", t::kRoom}, {"configured", "ok"}},
                            configure));
  d.session->select_layers(t::kBob, 0, 0, base::Ms(d.now));
  d.collect();
  const json layers = d.request("message", "configure");
  d.janus(RoomDriver::event(t::kSession, t::kSubHandle, {{"videoroom", "event"}, {"room", t::kRoom}, {"configured", "ok"}},
                            layers));
  REQUIRE(d.session->in_flight().empty());
  d.feed(in::TransportClosed{1006, ""}, 5000);
  d.advance(d.deadline());
  d.feed(in::TransportOpened{});
  d.janus(RoomDriver::error(d.request("claim"), 458, "No such session 7001"));
  CHECK(d.find("emit", "roomError")["payload"]["message"] == "The room session expired");
  CHECK(d.kinds() == Strings{"emit:roomError", "send", "emit:trackRemoved", "emit:trackRemoved", "closePc", "closePc", "send"});
  CHECK(d.sent()[0]["janus"] == "destroy");  // the old one, in case it still lives
  const json create = d.request("create");

  constexpr std::uint64_t kNewSession = 7002;
  d.janus(RoomDriver::success(create, kNewSession));
  d.janus(RoomDriver::success(d.request("attach"), t::kPubHandle + 10));
  const json join = d.request("message", "join");
  CHECK(join["body"]["id"] == t::kMe);  // the same participant id
  d.janus(RoomDriver::event(kNewSession, t::kPubHandle + 10,
                            {{"videoroom", "joined"}, {"room", t::kRoom}, {"id", t::kMe}, {"private_id", 1},
                             {"publishers", json::array({t::publisher(t::kBob, "Bob")})}},
                            join));
  CHECK_FALSE(d.has("emit", "participantJoined"));  // Bob was known
  CHECK(d.find("emit", "connectionStatusChanged")["payload"]["status"] == "connected");
  CHECK(d.find("createPc")["pc"] == 1);  // publishes again with the same tracks
  CHECK(d.find("setLocalDescription")["type"] == "offer");
  const json sub_attach = d.request("attach");
  d.feed(in::LocalDescription{"offer", t::kPublisherOffer}, -1, 1);
  const json publish = d.request("message", "publish");
  CHECK(publish["session_id"] == kNewSession);
  d.janus(RoomDriver::event(kNewSession, t::kPubHandle + 10, {{"videoroom", "event"}, {"configured", "ok"}}, publish,
                            {{"type", "answer"}, {"sdp", "v=0 a"}}));
  // The mute state is applied again to the new publisher.
  CHECK(d.request("message", "configure")["body"]["streams"] == json{{{"mid", "0"}, {"send", true}}, {{"mid", "1"}, {"send", false}}});

  d.janus(RoomDriver::success(sub_attach, t::kSubHandle + 10));
  const json sub_join = d.request("message", "join");
  CHECK(sub_join["body"]["streams"].size() == 2);
  CHECK(sub_join["body"]["private_id"] == 1);
  d.janus(RoomDriver::event(kNewSession, t::kSubHandle + 10,
                            {{"videoroom", "attached"}, {"room", t::kRoom},
                             {"streams", {t::sub_stream(0, "0", "audio", t::kBob, "0"), t::sub_stream(1, "1", "video", t::kBob, "1")}}},
                            sub_join, {{"type", "offer"}, {"sdp", "v=0 o"}}));
  CHECK(d.events("trackAdded").size() == 2);
  // The selected layer is asked for again on the new subscription.
  CHECK(d.request("message", "configure")["body"]["streams"] == json{{{"mid", "1"}, {"substream", 0}, {"temporal", 0}}});
  CHECK(d.snapshot()["participants"][0]["layers"] == json{{"substream", 0}, {"temporal", 0}});
  CHECK(d.snapshot()["videoEnabled"] == false);

  // A late message of the old session changes nothing.
  const json snap = d.snapshot();
  d.janus(RoomDriver::event(t::kSession, t::kPubHandle, {{"videoroom", "event"}, {"room", t::kRoom}, {"leaving", t::kBob}}));
  CHECK(d.last.empty());
  CHECK(d.snapshot() == snap);
}

TEST_CASE("room: a request lost with the socket rebuilds the session instead of claiming it", "[room]") {
  RoomDriver d = in_room();
  d.feed(in::ChangeDeviceState{std::nullopt, true});  // a configure in flight...
  d.feed(in::TransportClosed{1006, ""}, 5000);         // ...lost with the socket
  d.advance(d.deadline());
  d.feed(in::TransportOpened{});
  CHECK(d.sent().front()["janus"] == "destroy");
  CHECK(d.sent().back()["janus"] == "create");
  CHECK(d.snapshot()["audioEnabled"] == false);
}

TEST_CASE("room: a socket back after the session timeout rebuilds at once, without a claim", "[room]") {
  RoomDriver d = in_room();
  d.feed(in::TransportClosed{1006, ""}, 5000);
  d.feed(in::TransportOpened{}, 5000 + 61000);  // the shell's reopen came very late
  bool claimed = false;
  for (const auto& m : d.sent()) claimed = claimed || m["janus"] == "claim";
  CHECK_FALSE(claimed);
  CHECK(d.sent().back()["janus"] == "create");
}

TEST_CASE("room: a Janus timeout event or 458 on keepalive rebuilds the session", "[room]") {
  RoomDriver d = in_room();
  d.janus({{"janus", "timeout"}, {"session_id", t::kSession}});
  CHECK(d.find("emit", "roomError")["payload"]["type"] == "room");
  CHECK(d.sent().back()["janus"] == "create");

  RoomDriver k = in_room();
  k.advance(1000 + 25000);
  k.janus(RoomDriver::error(k.request("keepalive"), 458, "No such session"));
  CHECK(k.sent().back()["janus"] == "create");
}

TEST_CASE("room: malformed, unknown and foreign messages change no state", "[room]") {
  RoomDriver d = in_room();
  d.janus(RoomDriver::event(t::kSession, t::kPubHandle,
                            {{"videoroom", "event"}, {"room", t::kRoom}, {"publishers", json::array({t::publisher(t::kCarol, "Carol")})}}));
  const json subscribe = d.request("message", "subscribe");
  const json snap = d.snapshot();
  const double deadline = d.deadline();

  const std::vector<std::string> bad = {
      "not json",
      "[1,2]",
      R"({"janus":"pong","transaction":"x"})",
      R"({"janus":"event","session_id":7001,"sender":8001,"plugindata":{"plugin":"janus.plugin.videoroom","data":{"videoroom":"nope"}}})",
      R"({"janus":"event","session_id":7001,"sender":8001,"plugindata":{"plugin":"janus.plugin.videoroom","data":{"videoroom":"event","publishers":[{"display":"no id"}]}}})",
      R"({"janus":"success","transaction":")" + subscribe["transaction"].get<std::string>() + R"(","session_id":"7001"})",
      std::string(300 * 1024, ' '),
      std::string(100, '[')};
  for (const auto& text : bad) {
    INFO(text.substr(0, 80));
    d.text(text);
    REQUIRE(d.has("emit", "roomError"));
    CHECK(d.kinds() == Strings{"emit:roomError"});
    CHECK(d.find("emit", "roomError")["payload"]["type"] == "signaling");
    CHECK(d.snapshot() == snap);
    CHECK(d.deadline() == deadline);
  }
  bool logged = false;
  for (const auto& e : d.logger.entries()) logged = logged || e.event == "messageRefused";
  CHECK(logged);

  // Well-formed but not ours: another session, another handle, an answer to nothing.
  d.janus(RoomDriver::event(999, t::kPubHandle, {{"videoroom", "event"}, {"room", t::kRoom}, {"leaving", t::kBob}}));
  d.janus(RoomDriver::event(t::kSession, 4242, {{"videoroom", "event"}, {"room", t::kRoom}, {"leaving", t::kBob}}));
  d.janus({{"janus", "success"}, {"transaction", "unknown-1"}, {"session_id", t::kSession}});
  d.janus({{"janus", "ack"}, {"transaction", "unknown-2"}, {"session_id", t::kSession}});
  CHECK(d.last.empty());
  CHECK(d.snapshot() == snap);
}

TEST_CASE("room: the subscriber's ICE failure asks Janus for an ICE-restart offer", "[room]") {
  RoomDriver d = in_room();
  d.feed(in::PeerStateChange{"iceconnectionstatechange", "failed"}, -1, 2);
  CHECK(d.find("emit", "roomError")["payload"]["type"] == "connection");
  CHECK_FALSE(d.has("restartIce"));  // the subscriber never offers
  const json configure = d.request("message", "configure");
  CHECK(configure["handle_id"] == t::kSubHandle);
  CHECK(configure["body"] == json{{"request", "configure"}, {"restart", true}});
  // Janus's new offer is answered and started like any other.
  d.janus(RoomDriver::event(t::kSession, t::kSubHandle, {{"videoroom", "event"}, {"room", t::kRoom}, {"configured", "ok"}},
                            configure, {{"type", "offer"}, {"sdp", "v=0 restart"}}));
  CHECK(d.find("setRemoteDescription")["description"]["sdp"] == "v=0 restart");
  d.answer_subscription();
  CHECK(d.request("message", "start")["jsep"]["type"] == "answer");
}
