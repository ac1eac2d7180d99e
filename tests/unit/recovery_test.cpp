// Issue 3 behaviour of the core: perfect negotiation, duplicate messages, ICE restart with
// backoff, and signaling reconnect — every path driven with time passed in.
#include "callcore/base/backoff.hpp"
#include "callcore/rtc/negotiation.hpp"
#include "driver.hpp"

using namespace callcore;
using namespace callcore::session::consultation;
using namespace callcore::io;
using namespace callcore::base;
using callcore::rtc::PerfectNegotiation;
using callcore::test::client_params;
using callcore::test::doctor_params;
using callcore::test::Driver;
using nlohmann::json;
using Strings = std::vector<std::string>;

namespace {

json offer(const std::string& sdp) { return {{"description", {{"type", "offer"}, {"sdp", sdp}}}}; }
json answer(const std::string& sdp) { return {{"description", {{"type", "answer"}, {"sdp", sdp}}}}; }

// A doctor whose first offer/answer exchange is done and whose connection is up.
Driver connected_doctor(json params = doctor_params()) {
  Driver d(Role::Doctor, params);
  d.feed(in::Call{1});
  d.feed(callcore::test::media());
  d.message("enter", {{"name", "Alice"}}, "conn-cli");
  d.message("accept", json::object(), "conn-cli");
  d.feed(in::PeerStateChange{"signalingstatechange", "have-local-offer"});
  d.feed(in::LocalDescription{"offer", "v=0 o1"});
  d.message("answer", answer("v=0 a1"), "conn-cli");
  d.feed(in::PeerStateChange{"signalingstatechange", "stable"});
  d.feed(in::RemoteDescriptionSet{"answer"});
  d.feed(in::PeerStateChange{"iceconnectionstatechange", "connected"});
  d.feed(in::PeerStateChange{"connectionstatechange", "connected"});
  REQUIRE(d.state() == "connected");
  // The first getStats (due a second after connect) is left outstanding: no stats timer below.
  d.advance(d.now + 1000);
  REQUIRE(d.has("collectStats"));
  return d;
}

// A client that answered the doctor's first offer and is connected.
Driver connected_client() {
  Driver c(Role::Client, client_params());
  c.message("enter", {{"name", "Dr House"}}, "conn-doc");
  c.feed(in::Call{1});
  c.feed(callcore::test::media());
  c.message("offer", offer("v=0 o1"), "conn-doc");
  c.feed(in::PeerStateChange{"signalingstatechange", "have-remote-offer"});
  c.feed(in::RemoteDescriptionSet{"offer"});
  c.feed(in::LocalDescription{"answer", "v=0 a1"});
  c.feed(in::PeerStateChange{"signalingstatechange", "stable"});
  c.feed(in::PeerStateChange{"iceconnectionstatechange", "connected"});
  c.feed(in::PeerStateChange{"connectionstatechange", "connected"});
  REQUIRE(c.state() == "connected");
  c.advance(c.now + 1000);  // the first getStats, left outstanding (no stats timer below)
  REQUIRE(c.has("collectStats"));
  return c;
}

std::vector<json> emitted(const Driver& d, const std::string& event_type) {
  std::vector<json> out;
  for (const auto& o : d.last) {
    if (o.kind == "emit" && o.data["eventType"] == event_type) out.push_back(o.data["payload"]);
  }
  return out;
}

}  // namespace

TEST_CASE("negotiation: a renegotiation waits for the first exchange, then either side offers", "[negotiation]") {
  Driver d(Role::Doctor, doctor_params());
  d.feed(in::Call{1});
  d.feed(callcore::test::media());
  d.message("enter", {{"name", "Alice"}}, "conn-cli");
  d.feed(in::NegotiationNeeded{});  // tracks added before the call is set up: deferred
  CHECK(d.last.empty());

  Driver c = connected_client();
  c.feed(in::NegotiationNeeded{});  // e.g. the client turns video on in an audio-only call
  CHECK(c.find("setLocalDescription") == json{{"pc", 1}, {"type", "offer"}});
  CHECK(c.session.snapshot()["negotiating"] == true);
  c.feed(in::PeerStateChange{"signalingstatechange", "have-local-offer"});
  c.feed(in::LocalDescription{"offer", "v=0 o2"});
  CHECK(c.sent().at(0)["type"] == "offer");
  c.message("answer", answer("v=0 a2"), "conn-doc");
  CHECK(c.has("setRemoteDescription"));
  c.feed(in::PeerStateChange{"signalingstatechange", "stable"});
  c.feed(in::RemoteDescriptionSet{"answer"});
  CHECK(c.session.snapshot()["negotiating"] == false);
}

TEST_CASE("negotiation: glare, seen from the impolite doctor", "[negotiation][glare]") {
  Driver d = connected_doctor();
  d.feed(in::NegotiationNeeded{});
  CHECK(d.has("setLocalDescription"));
  // The client's offer crosses ours: the doctor keeps its own and drops theirs and its candidates.
  d.message("offer", offer("v=0 client"), "conn-cli");
  CHECK_FALSE(d.has("setRemoteDescription"));
  d.message("iceCandidate", {{"candidate", {{"candidate", "candidate:7"}}}}, "conn-cli");
  CHECK_FALSE(d.has("addIceCandidate"));
  d.feed(in::PeerStateChange{"signalingstatechange", "have-local-offer"});
  d.feed(in::LocalDescription{"offer", "v=0 doctor"});
  CHECK(d.sent().at(0)["data"]["description"]["sdp"] == "v=0 doctor");
  // The client (polite) answers our offer: we are stable again and take candidates again.
  d.message("answer", answer("v=0 client answer"), "conn-cli");
  CHECK(d.has("setRemoteDescription"));
  d.feed(in::RemoteDescriptionSet{"answer"});
  d.message("iceCandidate", {{"candidate", {{"candidate", "candidate:8"}}}}, "conn-cli");
  CHECK(d.find("addIceCandidate")["candidate"]["candidate"] == "candidate:8");
}

TEST_CASE("negotiation: glare, seen from the polite client", "[negotiation][glare]") {
  Driver c = connected_client();
  c.feed(in::NegotiationNeeded{});
  CHECK(c.has("setLocalDescription"));  // our offer is being made...
  c.message("offer", offer("v=0 doctor"), "conn-doc");  // ...when the doctor's arrives
  CHECK(c.find("setRemoteDescription") == json{{"pc", 1}, {"description", {{"type", "offer"}, {"sdp", "v=0 doctor"}}}, {"rollback", true}});  // we yield
  // Our in-flight offer resolves afterwards: it was rolled back, so it is not sent.
  c.feed(in::LocalDescription{"offer", "v=0 client"});
  CHECK(c.sent().empty());
  c.feed(in::RemoteDescriptionSet{"offer"});
  CHECK(c.find("setLocalDescription") == json{{"pc", 1}, {"type", "answer"}});
  c.feed(in::LocalDescription{"answer", "v=0 client answer"});
  CHECK(c.sent().at(0)["type"] == "answer");
  CHECK(c.session.snapshot()["negotiating"] == false);
}

TEST_CASE("negotiation: an offer while our answer is being applied is not a collision", "[negotiation]") {
  Driver d = connected_doctor();
  d.feed(in::NegotiationNeeded{});
  d.feed(in::PeerStateChange{"signalingstatechange", "have-local-offer"});
  d.feed(in::LocalDescription{"offer", "v=0 o2"});
  d.message("answer", answer("v=0 a2"), "conn-cli");  // isSettingRemoteAnswerPending
  d.message("offer", offer("v=0 client o3"), "conn-cli");
  CHECK(d.find("setRemoteDescription")["description"]["type"] == "offer");
}

TEST_CASE("negotiation: an answer with no offer outstanding is ignored", "[negotiation]") {
  Driver c = connected_client();
  c.message("answer", answer("v=0 stray"), "conn-doc");
  CHECK_FALSE(c.has("setRemoteDescription"));
  CHECK_FALSE(c.has("emit", "signalingErrorEvent"));
}

TEST_CASE("the PerfectNegotiation flags follow W3C webrtc-pc §10", "[negotiation]") {
  PerfectNegotiation impolite(false);
  CHECK(impolite.on_remote_offer() == PerfectNegotiation::OfferDecision::Apply);
  impolite.on_local_description("answer");
  impolite.on_make_offer();
  CHECK(impolite.on_remote_offer() == PerfectNegotiation::OfferDecision::Ignore);
  CHECK(impolite.ignore_offer());
  PerfectNegotiation polite(true);
  polite.on_signaling_state("have-local-offer");
  CHECK(polite.on_remote_offer() == PerfectNegotiation::OfferDecision::Rollback);
  CHECK_FALSE(polite.on_remote_answer());  // its offer was rolled back
}

TEST_CASE("messages: a message delivered twice is applied once", "[messages]") {
  Driver c(Role::Client, client_params());
  json enter = {{"name", "Dr House"}, {"messageId", "abc-1"}};
  c.message("enter", enter, "conn-doc");
  CHECK(c.has("emit", "enterEvent"));
  c.message("enter", enter, "conn-doc");
  CHECK(c.last.empty());
  c.message("deviceState", {{"isMute", true}, {"messageId", "abc-2"}}, "conn-doc");
  c.message("deviceState", {{"isMute", true}, {"messageId", "abc-2"}}, "conn-doc");
  CHECK(c.last.empty());
  // The same id from another sender is another message.
  c.message("deviceState", {{"isMute", false}, {"messageId", "abc-2"}}, "conn-other");
  CHECK(c.logger.entries().back().event == "ignoredMessage");
}

TEST_CASE("messages: every outbound call message carries a unique messageId", "[messages]") {
  Driver c(Role::Client, client_params());
  c.message("enter", {{"name", "Dr House"}}, "conn-doc");
  const std::string first = c.sent().at(0)["data"]["messageId"];
  c.feed(in::Call{1});
  c.feed(callcore::test::media());
  const std::string second = c.sent().at(0)["data"]["messageId"];
  CHECK(first != second);
  CHECK(first.size() > 9);
  CHECK(first.substr(0, 9) == second.substr(0, 9));  // same session prefix
}

TEST_CASE("ICE: 'failed' restarts at once; 'connected' again ends the restart", "[ice]") {
  Driver d = connected_doctor();
  d.feed(in::PeerStateChange{"iceconnectionstatechange", "failed"}, 10000);
  CHECK(d.has("restartIce"));
  CHECK(emitted(d, "iceRestartEvent").at(0) == json{{"phase", "attempt"}, {"attempt", 1}});
  CHECK(d.session.peer().deadline_ice_restart() == base::Ms(10000 + 10000));
  CHECK(d.deadline() == 20000);
  d.feed(in::PeerStateChange{"connectionstatechange", "failed"});  // same failure: no second attempt
  CHECK_FALSE(d.has("restartIce"));
  d.feed(in::NegotiationNeeded{});  // restartIce() asks for a new offer
  CHECK(d.find("setLocalDescription") == json{{"pc", 1}, {"type", "offer"}});
  d.feed(in::PeerStateChange{"iceconnectionstatechange", "connected"}, 11000);
  CHECK(emitted(d, "iceRestartEvent").at(0) == json{{"phase", "recovered"}, {"attempt", 1}});
  CHECK_FALSE(d.session.peer().deadline_ice_restart());
  CHECK(d.deadline() == -1);
  CHECK(d.session.snapshot()["iceRestartAttempt"] == 0);
  CHECK(d.state() == "connected");
}

TEST_CASE("ICE: 'disconnected' restarts only when it outlasts the grace", "[ice]") {
  Driver d = connected_doctor();
  d.feed(in::PeerStateChange{"iceconnectionstatechange", "disconnected"}, 10000);
  CHECK(d.session.peer().deadline_ice_grace() == base::Ms(10000 + 3000));
  d.feed(in::PeerStateChange{"iceconnectionstatechange", "connected"}, 11000);  // healed by itself
  CHECK_FALSE(d.session.peer().deadline_ice_grace());
  CHECK_FALSE(d.has("restartIce"));

  d.feed(in::PeerStateChange{"iceconnectionstatechange", "disconnected"}, 20000);
  d.advance(22999);
  CHECK_FALSE(d.has("restartIce"));
  d.advance(23000);
  CHECK(d.has("restartIce"));
}

TEST_CASE("ICE: attempts back off with jitter and are bounded; then the call ends for both sides", "[ice]") {
  json p = doctor_params();
  p["iceRestartMaxAttempts"] = 2;
  p["randomSeed"] = 42;
  Driver d = connected_doctor(p);
  d.feed(in::PeerStateChange{"iceconnectionstatechange", "failed"}, 10000);
  d.advance(20000);  // attempt 1 did not reconnect
  const json backoff = emitted(d, "iceRestartEvent").at(0);
  CHECK(backoff["phase"] == "backoff");
  const double delay = backoff["delayMs"];
  CHECK(delay >= 500.0);  // base 1000 ms, jitter up to half
  CHECK(delay <= 1000.0);
  CHECK_FALSE(d.has("restartIce"));
  CHECK(d.deadline() == 20000 + delay);
  d.advance(20000 + delay);
  CHECK(d.has("restartIce"));
  CHECK(emitted(d, "iceRestartEvent").at(0) == json{{"phase", "attempt"}, {"attempt", 2}});
  d.advance(20000 + delay + 10000);  // attempt 2 did not reconnect either
  CHECK(emitted(d, "iceRestartEvent").at(0)["phase"] == "backoff");
  d.advance(d.deadline());  // after the backoff: no attempts left
  CHECK(emitted(d, "iceRestartEvent").at(0) == json{{"phase", "failed"}, {"attempt", 2}});
  CHECK(d.find("emit", "callErrorEvent")["payload"]["type"] == "connection");
  CHECK(d.sent().at(0)["type"] == "hangUp");
  CHECK(d.sent().at(0)["data"]["reason"] == "iceFailed");
  CHECK(d.state() == "ended");
}

TEST_CASE("ICE: the far side gives up: HANG_UP with reason iceFailed", "[ice]") {
  Driver c = connected_client();
  c.message("hangUp", {{"reason", "iceFailed"}}, "conn-doc");
  CHECK(c.find("emit", "hangUpReceiveEvent")["payload"]["reason"] == "iceFailed");
}

TEST_CASE("ICE: failure before the call is set up ends it with 'connection'", "[ice]") {
  Driver d(Role::Doctor, doctor_params());
  d.feed(in::Call{1});
  d.feed(callcore::test::media());
  d.message("enter", {{"name", "Alice"}}, "conn-cli");
  d.message("accept", json::object(), "conn-cli");
  d.feed(in::PeerStateChange{"connectionstatechange", "failed"});
  CHECK(d.find("emit", "callErrorEvent")["payload"]["type"] == "connection");
  CHECK(d.state() == "ended");
}

TEST_CASE("signaling: the built-in socket reconnects with backoff and resumes its connection id", "[reconnect]") {
  json p = client_params();
  p.erase("hasSend");
  p.erase("connectionId");
  p["signalingUrl"] = "ws://127.0.0.1:1/ws";
  p["randomSeed"] = 7;
  Driver c(Role::Client, p);
  c.feed(in::TransportOpened{});
  CHECK_FALSE(c.sent().at(0)["data"].contains("connectionId"));  // first join: the server assigns
  c.feed(in::TransportMessage{R"({"type":"joined","data":{"connectionId":"srv-1","members":[]}})"});
  c.message("enter", {{"name", "Dr House"}}, "conn-doc");
  c.feed(in::Call{1});
  c.feed(callcore::test::media());
  REQUIRE(c.state() == "connecting");

  c.feed(in::TransportClosed{1006, ""}, 5000);
  CHECK(c.state() == "connecting");  // the call goes on
  const json scheduled = emitted(c, "signalingReconnectEvent").at(0);
  CHECK(scheduled["attempt"] == 1);
  CHECK(scheduled["delayMs"].get<double>() <= 500.0);
  CHECK(c.session.transport().reconnect_deadline() == base::Ms(5000 + scheduled["delayMs"].get<double>()));
  // Messages made while the socket is down wait, in order.
  c.feed(in::ChangeDeviceState{std::nullopt, true});
  c.feed(in::LocalIceCandidate{{{"candidate", "candidate:1"}}});
  CHECK(c.sent().empty());
  CHECK(c.session.snapshot()["queuedMessages"] == 2);

  c.advance(5500);
  CHECK(c.find("openTransport")["url"] == "ws://127.0.0.1:1/ws");
  c.feed(in::TransportClosed{1006, ""}, 5600);  // the server is still down
  const double second = emitted(c, "signalingReconnectEvent").at(0)["delayMs"];
  CHECK(second >= 500.0);
  CHECK(second <= 1000.0);
  c.advance(6600);
  c.feed(in::TransportOpened{}, 6700);
  CHECK(c.sent().at(0)["data"]["connectionId"] == "srv-1");  // resume the membership
  c.feed(in::TransportMessage{R"({"type":"joined","data":{"connectionId":"srv-1","resumed":true}})"}, 6710);
  REQUIRE(c.sent().size() == 2);
  CHECK(c.sent()[0]["type"] == "deviceState");
  CHECK(c.sent()[1]["type"] == "iceCandidate");
  CHECK(emitted(c, "signalingReconnectEvent").at(0)["phase"] == "rejoined");
  CHECK(c.session.snapshot()["reconnectAttempt"] == 0);

  // Destroy says goodbye to the server and stops reconnecting.
  c.feed(in::Destroy{});
  Strings types;
  for (const auto& m : c.sent()) types.push_back(m.value("type", m["data"].value("type", "")));
  CHECK(types == Strings{"hangUp", "leave"});
  CHECK(c.has("closeTransport"));
  c.feed(in::TransportClosed{1000, "destroy"});
  CHECK(c.deadline() == -1);  // no reconnect
}

TEST_CASE("signaling: a portal socket that drops queues messages until it is back", "[reconnect]") {
  Driver c = connected_client();
  c.feed(in::TransportPaused{});
  c.feed(in::HangUp{});
  CHECK(c.sent().empty());
  CHECK(c.state() == "ended");
  c.feed(in::TransportResumed{"conn-cli-2"});
  REQUIRE(c.sent().size() == 1);
  CHECK(c.sent()[0]["type"] == "hangUp");
  CHECK(c.sent()[0]["data"]["sender"]["connectionId"] == "conn-cli-2");
}

TEST_CASE("backoff: exponential, capped, jittered, deterministic for a seed", "[backoff]") {
  Backoff b{base::Ms(500), base::Ms(8000), 0.5};
  Random r1(99);
  Random r2(99);
  for (int attempt = 1; attempt <= 10; ++attempt) {
    const double ceiling = std::min(8000.0, 500.0 * (1 << (attempt - 1)));
    const double d1 = b.delay(attempt, r1).value;
    INFO("attempt " << attempt);
    CHECK(d1 >= ceiling / 2);
    CHECK(d1 <= ceiling);
    CHECK(d1 == b.delay(attempt, r2).value);
  }
  Random r3(1);
  CHECK(Backoff{base::Ms(500), base::Ms(8000), 0}.delay(100, r3) == base::Ms(8000));
}

TEST_CASE("negotiation: a rolled-back offer that fails to be set is not an error", "[negotiation][glare]") {
  Driver c = connected_client();
  c.feed(in::NegotiationNeeded{});
  c.message("offer", offer("v=0 doctor"), "conn-doc");
  c.feed(in::OperationFailed{"setLocalDescription", "InvalidStateError", "Called in wrong state: have-remote-offer"});
  CHECK(c.last.empty());
  c.feed(in::OperationFailed{"rollback", "InvalidStateError", "Called in wrong state: stable"});
  CHECK(c.last.empty());
  CHECK(c.state() == "connected");
  c.feed(in::RemoteDescriptionSet{"offer"});
  CHECK(c.find("setLocalDescription") == json{{"pc", 1}, {"type", "answer"}});
}

TEST_CASE("negotiation: negotiationneeded during an exchange is deferred", "[negotiation]") {
  Driver c = connected_client();
  c.message("offer", offer("v=0 o2"), "conn-doc");
  c.feed(in::PeerStateChange{"signalingstatechange", "have-remote-offer"});
  c.feed(in::NegotiationNeeded{});
  CHECK_FALSE(c.has("setLocalDescription"));
  c.feed(in::RemoteDescriptionSet{"offer"});
  c.feed(in::LocalDescription{"answer", "v=0 a2"});  // the exchange is done: now we offer
  CHECK(c.find("setLocalDescription") == json{{"pc", 1}, {"type", "offer"}});
  c.feed(in::PeerStateChange{"signalingstatechange", "stable"});
  c.feed(in::NegotiationNeeded{});  // the browser's own re-fire finds the offer under way
  CHECK_FALSE(c.has("setLocalDescription"));
}

TEST_CASE("signaling: a send that fails goes back to the queue, in order", "[reconnect]") {
  Driver c = connected_client();
  c.feed(in::ChangeDeviceState{std::nullopt, true});
  json first = c.sent().at(0);
  c.feed(in::LocalIceCandidate{{{"candidate", "candidate:5"}}});
  json second = c.sent().at(0);
  c.feed(in::SendFailed{first, "socket not open"});
  c.feed(in::SendFailed{second, "socket not open"});
  c.feed(in::HangUp{});  // made while the socket is down: queued after them
  CHECK(c.sent().empty());
  c.feed(in::TransportResumed{""});
  REQUIRE(c.sent().size() == 3);
  CHECK(c.sent()[0]["type"] == "deviceState");
  CHECK(c.sent()[1]["type"] == "iceCandidate");
  CHECK(c.sent()[2]["type"] == "hangUp");
  CHECK(c.sent()[0]["data"]["messageId"] == first["data"]["messageId"]);  // the same message
}

TEST_CASE("app messages: signaling until the data channel opens, then the channel; in order on arrival", "[messages][app]") {
  Driver c = connected_client();
  c.feed(in::SendMessage{1, "chat", {{"text", "hello"}}});
  CHECK(c.sent().at(0)["type"] == "message");
  CHECK(c.sent().at(0)["data"]["message"] == json{{"type", "chat"}, {"body", {{"text", "hello"}}}, {"seq", 1}});
  CHECK(c.find("settle") == json{{"requestId", 1}, {"error", nullptr}, {"withLocalStream", false}});
  c.feed(in::DataChannelState{"open"});
  c.feed(in::SendMessage{2, "chat", "second"});
  CHECK(c.find("dataSend")["text"] == R"({"body":"second","seq":2,"type":"chat"})");
  CHECK(c.sent().empty());
  // The channel closes mid-send: the message goes through signaling instead.
  c.feed(in::DataChannelSendFailed{R"({"body":"third","seq":3,"type":"chat"})"});
  CHECK(c.sent().at(0)["data"]["message"]["seq"] == 3);

  // Inbound: seq 2 on the channel overtakes seq 1 on signaling; both arrive in order, once.
  c.feed(in::DataChannelMessage{R"({"type":"chat","body":"b","seq":2})"});
  CHECK_FALSE(c.has("emit", "messageEvent"));
  c.message("message", {{"message", {{"type", "chat"}, {"body", "a"}, {"seq", 1}}}}, "conn-doc");
  const auto delivered = emitted(c, "messageEvent");
  REQUIRE(delivered.size() == 2);
  CHECK(delivered[0]["body"] == "a");
  CHECK(delivered[0]["via"] == "signaling");
  CHECK(delivered[1]["body"] == "b");
  CHECK(delivered[1]["via"] == "dataChannel");
  c.feed(in::DataChannelMessage{R"({"type":"chat","body":"b","seq":2})"});  // duplicate
  CHECK(c.last.empty());
}

TEST_CASE("app messages: oversized, bad type, no call and malformed input are refused clearly", "[messages][app]") {
  Driver c = connected_client();
  c.feed(in::SendMessage{5, "blob", std::string(17000, 'x')});
  CHECK(c.find("settle")["error"]["type"] == "message");
  CHECK(c.find("settle")["error"]["description"].get<std::string>().find("16384 byte limit") != std::string::npos);
  CHECK(c.sent().empty());
  c.feed(in::SendMessage{6, "", 1});
  CHECK(c.find("settle")["error"]["type"] == "message");
  c.feed(in::SendMessage{7, "ok", 1});  // refused messages did not use up a seq
  CHECK(c.sent().at(0)["data"]["message"]["seq"] == 1);
  c.feed(in::DataChannelMessage{"not json"});
  CHECK(c.find("emit", "signalingErrorEvent")["emitType"] == "error");
  c.message("message", {{"message", {{"type", "chat"}, {"seq", 0}}}}, "conn-doc");
  CHECK(c.find("emit", "signalingErrorEvent")["payload"]["code"] == "invalidField");

  Driver idle(Role::Client, client_params());
  idle.feed(in::SendMessage{1, "chat", 1});
  CHECK(idle.find("settle")["error"]["type"] == "state");
}

TEST_CASE("signaling: a socket taken over by a newer one (close 4001) does not reconnect", "[reconnect]") {
  json p = client_params();
  p.erase("hasSend");
  p.erase("connectionId");
  p["signalingUrl"] = "ws://127.0.0.1:1/ws";
  Driver c(Role::Client, p);
  c.feed(in::TransportOpened{});
  c.feed(in::TransportMessage{R"({"type":"joined","data":{"connectionId":"srv-1","members":[]}})"});
  c.feed(in::TransportClosed{4001, "taken over"});
  CHECK(c.deadline() == -1);  // no reconnect
  CHECK(c.find("emit", "signalingErrorEvent")["payload"]["code"] == "takenOver");
}
