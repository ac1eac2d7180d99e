// The doctor's side of a consultation, driven input by input with time passed in.
#include "callcore/base/json.hpp"
#include "driver.hpp"

using namespace callcore;
using namespace callcore::session::consultation;
using namespace callcore::io;
using callcore::test::Driver;
using callcore::test::doctor_params;
using nlohmann::json;
using Strings = std::vector<std::string>;

namespace {

// Doctor from call() to waiting for the client's enter.
Driver ringing() {
  Driver d(Role::Doctor, doctor_params());
  d.feed(in::Call{1});
  d.feed(callcore::test::media());
  return d;
}

}  // namespace

TEST_CASE("doctor: a whole call, from call() to hang up by the doctor", "[doctor]") {
  Driver d(Role::Doctor, doctor_params());
  CHECK(d.last.empty());  // portal socket: nothing to open

  d.feed(in::Call{1});
  CHECK(d.kinds() == Strings{"emit:callStateEvent", "acquireMedia"});
  CHECK(d.find("acquireMedia") == json{{"constraints", {{"audio", true}, {"video", true}}}});

  d.feed(callcore::test::media());
  CHECK(d.kinds() == Strings{"emit:localStreamEvent", "setTrackEnabled", "setTrackEnabled", "createPc", "addTrack", "addTrack",
                             "emit:callStateEvent", "send", "setLocalDescription"});
  CHECK(d.find("addTrack") == json{{"pc", 1}, {"tag", "audio"}, {"trackId", 1}, {"streamId", "local-stream"}});
  // The offer is made at once, while enter is in flight (the client applies it when it answers).
  CHECK(d.find("setLocalDescription") == json{{"pc", 1}, {"type", "offer"}});
  CHECK(d.session.snapshot()["negotiating"] == true);
  CHECK(d.session.enter_deadline() == base::Ms(1000 + 5000));
  CHECK(d.deadline() == 6000);
  json enter = d.sent().at(0);
  CHECK(enter["route"] == "vcm");
  CHECK(enter["data"]["type"] == "enter");
  CHECK(enter["data"]["doctor"]["fullName"] == "Gregory House");
  CHECK(enter["data"]["sender"]["connectionId"] == "conn-doc");
  CHECK(d.state() == "waitingEnter");
  // The offer and its candidates wait for the far side: nobody to send them to yet.
  d.feed(in::PeerStateChange{"signalingstatechange", "have-local-offer"});
  d.feed(in::LocalDescription{"offer", "v=0 offer"});
  CHECK_FALSE(d.has("send"));
  d.feed(in::LocalIceCandidate{{{"candidate", "candidate:local-1"}, {"sdpMid", "0"}}});
  d.feed(in::LocalIceCandidate{{{"candidate", "candidate:local-2"}, {"sdpMid", "0"}}});
  CHECK_FALSE(d.has("send"));

  d.message("enter", {{"name", "Alice"}, {"isAudio", false}}, "conn-cli", 2000);
  CHECK(d.kinds() == Strings{"emit:enter", "emit:enterEvent", "emit:rtcRespondentPropsEvent",
                             "emit:callStateEvent", "send", "send", "send"});
  CHECK(d.find("emit", "rtcRespondentPropsEvent")["payload"]["name"] == "Alice");
  CHECK_FALSE(d.session.enter_deadline());
  CHECK(d.session.answer_deadline() == base::Ms(2000 + 7000));
  CHECK(d.session.snapshot()["hasEntered"] == true);
  // The held offer goes out to the client, then its candidates, in order.
  json offer = d.sent().at(0);
  CHECK(d.sent().at(1)["type"] == "iceCandidate");
  CHECK(d.sent().at(1)["data"]["candidate"]["candidate"] == "candidate:local-1");
  CHECK(d.sent().at(2)["data"]["candidate"]["candidate"] == "candidate:local-2");
  CHECK(d.sent().at(2)["connectionIds"] == json{"conn-cli"});
  // Later candidates go straight out.
  d.feed(in::LocalIceCandidate{{{"candidate", "candidate:local-3"}, {"sdpMid", "0"}}});
  CHECK(d.sent().at(0)["data"]["candidate"]["candidate"] == "candidate:local-3");

  d.message("accept", json::object(), "conn-cli", 3000);
  CHECK(d.kinds() == Strings{"emit:accept", "emit:answerEvent", "emit:callStateEvent", "settle",
                             "emit:localTracksEvent", "send"});
  CHECK(d.sent().at(0)["type"] == "mediaTags");  // which stream carries which tag
  CHECK(d.find("settle") == json{{"requestId", 1}, {"error", nullptr}, {"withLocalStream", true}});
  CHECK(offer["type"] == "offer");
  CHECK(offer["connectionIds"] == json{"conn-cli"});
  CHECK(offer["data"]["description"] == json{{"type", "offer"}, {"sdp", "v=0 offer"}});

  // A candidate before the answer waits in iceCandidatesQueue.
  d.message("iceCandidate", {{"candidate", {{"candidate", "candidate:1"}, {"sdpMid", "0"}}}}, "conn-cli");
  CHECK(d.kinds() == Strings{"emit:iceCandidate"});
  CHECK(d.session.snapshot()["iceCandidatesQueue"].size() == 1);

  d.message("answer", {{"description", {{"type", "answer"}, {"sdp", "v=0 answer"}}}}, "conn-cli");
  CHECK(d.find("setRemoteDescription")["description"]["sdp"] == "v=0 answer");
  d.feed(in::RemoteDescriptionSet{"answer"});
  CHECK(d.kinds() == Strings{"addIceCandidate"});
  CHECK(d.find("addIceCandidate")["candidate"]["candidate"] == "candidate:1");
  CHECK(d.session.snapshot()["iceCandidatesQueue"].empty());
  CHECK(d.session.snapshot()["negotiating"] == false);

  d.feed(in::PeerStateChange{"connectionstatechange", "connected"});
  CHECK(d.state() == "connected");
  CHECK(d.has("emit", "connectionstatechange"));

  d.feed(in::HangUp{});
  CHECK(d.kinds() == Strings{"send", "stopTracks", "closePc", "emit:localTracksEvent", "emit:callStateEvent"});
  CHECK(d.sent().at(0)["type"] == "hangUp");
  CHECK(d.sent().at(0)["data"]["reason"] == "hangUp");
  CHECK(d.state() == "ended");

  d.feed(in::HangUp{});  // a second hangUp does nothing
  CHECK(d.last.empty());

  // Called again on the same object: the shell lets go of the ended call's streams first.
  d.feed(in::Call{2});
  CHECK(d.kinds().at(0) == "releaseStreams");
  CHECK(d.has("acquireMedia"));
  CHECK(d.state() == "acquiringMedia");
}

TEST_CASE("doctor: the client enters before the early offer is set: it is sent when it resolves", "[doctor][negotiation]") {
  Driver d = ringing();
  CHECK(d.has("setLocalDescription"));
  d.message("enter", {{"name", "Alice"}}, "conn-cli");
  CHECK_FALSE(d.has("setLocalDescription"));  // no second offer: the first is under way
  CHECK(d.sent().empty());
  d.feed(in::LocalDescription{"offer", "v=0 offer"});
  REQUIRE(d.sent().size() == 1);
  CHECK(d.sent().at(0)["type"] == "offer");
  CHECK(d.sent().at(0)["connectionIds"] == json{"conn-cli"});
}

TEST_CASE("doctor: the early offer and its candidates are forgotten when nobody enters", "[doctor][timeout]") {
  Driver d = ringing();
  d.feed(in::LocalDescription{"offer", "v=0 offer"});
  d.feed(in::LocalIceCandidate{{{"candidate", "candidate:local-1"}}});
  d.advance(1000 + 5000);
  CHECK(d.state() == "ended");
  CHECK(d.has("closePc"));
  // A new call makes a new offer; nothing of the old one is sent to the client who enters now.
  d.feed(in::Call{2});
  d.feed(callcore::test::media());
  d.message("enter", {{"name", "Alice"}}, "conn-cli");
  INFO(json(d.sent()).dump());
  CHECK(d.sent().empty());
  d.feed(in::LocalDescription{"offer", "v=0 second offer"});
  REQUIRE(d.sent().size() == 1);
  CHECK(d.sent().at(0)["data"]["description"]["sdp"] == "v=0 second offer");
}

TEST_CASE("doctor: nobody enters within enterTimeoutSecond", "[doctor][timeout]") {
  Driver d = ringing();
  d.advance(3000);  // nothing is due yet
  CHECK(d.last.empty());
  d.advance(5999);
  CHECK(d.last.empty());
  d.advance(6000);
  CHECK(d.kinds() == Strings{"emit:callErrorEvent", "settle", "stopTracks", "closePc",
                             "emit:localTracksEvent", "emit:callStateEvent"});
  const json& err = d.find("settle")["error"];
  CHECK(err["type"] == "enter");
  CHECK(err["description"] == "no one entered within 5 s (enterTimeoutSecond)");
  CHECK(d.find("emit", "callErrorEvent")["emitType"] == "error");
  CHECK(d.state() == "ended");
  CHECK(d.deadline() == -1);  // no timer left
  d.advance(7000);  // a late timeout changes nothing
  CHECK(d.last.empty());
}

TEST_CASE("doctor: the client enters but does not answer within answerTimeoutSecond", "[doctor][timeout]") {
  Driver d = ringing();
  d.message("enter", {{"name", "Alice"}}, "conn-cli", 2000);
  CHECK(d.deadline() == 9000);
  d.advance(9000);
  CHECK(d.find("settle")["error"]["type"] == "answer");
  json hang = d.sent().at(0);
  CHECK(hang["type"] == "hangUp");
  CHECK(hang["data"]["reason"] == "answer");
  CHECK(hang["connectionIds"] == json{"conn-cli"});
  CHECK(d.state() == "ended");
}

TEST_CASE("doctor: the client hangs up during the call", "[doctor]") {
  Driver d = ringing();
  d.message("enter", {{"name", "Alice"}}, "conn-cli");
  d.message("accept", json::object(), "conn-cli");
  d.message("hangUp", {{"reason", "hangUp"}}, "conn-cli");
  CHECK(d.kinds() == Strings{"emit:hangUp", "emit:hangUpReceiveEvent", "stopTracks", "closePc",
                             "emit:localTracksEvent", "emit:callStateEvent"});
  CHECK(d.find("emit", "hangUpReceiveEvent")["payload"] == json{{"reason", "hangUp"}, {"connectionId", "conn-cli"}});
  CHECK(d.sent().empty());  // no hangUp echoed back
}

TEST_CASE("doctor: the client declines before answering: call() rejects with 'hangUp'", "[doctor]") {
  Driver d = ringing();
  d.message("enter", {{"name", "Alice"}}, "conn-cli");
  d.message("hangUp", {{"reason", "hangUp"}}, "conn-cli");
  CHECK(d.find("settle")["error"]["type"] == "hangUp");
  CHECK(d.state() == "ended");
}

TEST_CASE("doctor: the far side leaving the server ends the call with reason peerLeft", "[doctor]") {
  Driver d = ringing();
  d.message("enter", {{"name", "Alice"}}, "conn-cli");
  d.message("accept", json::object(), "conn-cli");
  d.feed(in::TransportMessage{R"({"type":"peerLeft","data":{"connectionId":"conn-cli","consultationId":"cons-1"}})"});
  CHECK(d.find("emit", "hangUpReceiveEvent")["payload"]["reason"] == "peerLeft");
  CHECK(d.state() == "ended");
}

TEST_CASE("doctor: malformed and unknown messages give an error event and change no state", "[doctor][malformed]") {
  Driver d = ringing();
  d.message("enter", {{"name", "Alice"}}, "conn-cli");
  d.message("accept", json::object(), "conn-cli");
  const json before = d.session.snapshot();
  for (const std::string text : {"{oops", R"({"type":12})", R"({"type":"noSuchType","data":{}})",
                                 R"({"type":"offer","data":{"description":42}})", R"("just a string")"}) {
    INFO(text);
    d.feed(in::TransportMessage{text});
    REQUIRE(d.last.size() == 1);
    CHECK(d.last[0].data["emitType"] == "error");
    CHECK(d.last[0].data["eventType"] == "signalingErrorEvent");
    CHECK(d.session.snapshot() == before);
  }
  CHECK(d.logger.entries().back().event == "signalingErrorEvent");
  // A message for another consultation is refused as well.
  d.feed(in::TransportMessage{R"({"type":"hangUp","data":{"consultationId":"other","sender":{"connectionId":"conn-cli"}}})"});
  CHECK(d.find("emit", "signalingErrorEvent")["payload"]["code"] == "wrongConsultation");
  CHECK(d.state() == "connecting");
}

TEST_CASE("doctor: messages from a stranger are ignored during a call", "[doctor]") {
  Driver d = ringing();
  d.message("enter", {{"name", "Alice"}}, "conn-cli");
  d.message("hangUp", {{"reason", "hangUp"}}, "conn-other");
  CHECK(d.last.empty());
  d.message("enter", {{"name", "Mallory"}}, "conn-other");
  CHECK(d.last.empty());
  CHECK(d.state() == "waitingAnswer");
}

TEST_CASE("doctor: call() twice rejects the second promise with 'state'", "[doctor]") {
  Driver d(Role::Doctor, doctor_params());
  d.feed(in::Call{1});
  d.feed(in::Call{2});
  CHECK(d.kinds() == Strings{"settle"});
  CHECK(d.find("settle")["requestId"] == 2);
  CHECK(d.find("settle")["error"]["type"] == "state");
  CHECK(d.state() == "acquiringMedia");
}

TEST_CASE("doctor: getUserMedia failure rejects call() with 'streamError' and a reason", "[doctor][media]") {
  Driver d(Role::Doctor, doctor_params());
  d.feed(in::Call{1});
  d.feed(in::MediaFailed{"NotAllowedError", "Permission denied", ""});
  const json& err = d.find("settle")["error"];
  CHECK(err["type"] == "streamError");
  CHECK(err["description"] == "permission denied (NotAllowedError: Permission denied)");
  CHECK(d.state() == "ended");

  Driver d2(Role::Doctor, doctor_params());
  d2.feed(in::Call{1});
  d2.feed(in::MediaFailed{"OverconstrainedError", "", "deviceId"});
  CHECK(d2.find("settle")["error"]["description"] == "constraint not satisfied: deviceId (OverconstrainedError: )");
}

TEST_CASE("doctor: isAudio asks for audio only and never touches video tracks", "[doctor][media]") {
  json p = doctor_params();
  p["isAudio"] = true;
  Driver d(Role::Doctor, p);
  d.feed(in::Call{1});
  CHECK(d.find("acquireMedia")["constraints"] == json{{"audio", true}, {"video", false}});
  d.feed(in::MediaAcquired{callcore::test::kMic, std::nullopt, "s"});
  CHECK(d.find("setTrackEnabled") == json{{"trackId", 1}, {"enabled", true}});
  CHECK(d.kinds() == Strings{"emit:localStreamEvent", "setTrackEnabled", "createPc", "addTrack", "emit:callStateEvent", "send",
                             "setLocalDescription"});
  CHECK(d.sent().at(0)["data"]["isAudio"] == true);
}

TEST_CASE("doctor: changeDeviceState before and during the call", "[doctor][device]") {
  Driver d(Role::Doctor, doctor_params());
  d.feed(in::ChangeDeviceState{true, std::nullopt});
  CHECK(d.kinds() == Strings{"emit:localDeviceStateEvent"});  // no media yet: remembered
  d.feed(in::Call{1});
  d.feed(callcore::test::media());
  CHECK(d.last[1].data == json{{"trackId", 1}, {"enabled", true}});   // the microphone
  CHECK(d.last[2].data == json{{"trackId", 2}, {"enabled", false}});  // the camera, hidden
  CHECK(d.sent().at(0)["data"]["deviceState"] == json{{"isHidden", true}, {"isMute", false}});
  d.message("enter", {{"name", "Alice"}}, "conn-cli");
  d.feed(in::ChangeDeviceState{false, true});
  CHECK(d.kinds() == Strings{"emit:localDeviceStateEvent", "setTrackEnabled", "setTrackEnabled", "send"});
  CHECK(d.last[0].data["payload"] == json{{"isHidden", false}, {"isMute", true}});
  CHECK(d.sent().at(0)["type"] == "deviceState");
  CHECK(d.sent().at(0)["data"]["isMute"] == true);
  CHECK(d.sent().at(0)["data"]["isHidden"] == false);
}

TEST_CASE("doctor: connection failure ends the call with 'connection'", "[doctor]") {
  Driver d = ringing();
  d.message("enter", {{"name", "Alice"}}, "conn-cli");
  d.message("accept", json::object(), "conn-cli");
  d.feed(in::PeerStateChange{"connectionstatechange", "failed"});
  CHECK(d.find("emit", "callErrorEvent")["payload"]["type"] == "connection");
  CHECK(d.sent().at(0)["data"]["reason"] == "connection");
  CHECK(d.state() == "ended");
}

TEST_CASE("doctor: built-in socket joins first and queues messages until joined", "[doctor][socket]") {
  json p = doctor_params();
  p.erase("hasSend");
  p.erase("connectionId");
  p["signalingUrl"] = "ws://127.0.0.1:1/ws";
  Driver d(Role::Doctor, p);
  CHECK(d.kinds() == Strings{"openTransport", "emit:socketStateEvent"});
  d.feed(in::Call{1});
  d.feed(callcore::test::media());
  CHECK(d.sent().empty());  // enter waits for join
  d.feed(in::TransportOpened{});
  CHECK(d.sent().at(0)["type"] == "join");
  CHECK(d.sent().at(0)["data"]["consultationId"] == "cons-1");
  d.feed(in::TransportMessage{R"({"type":"joined","data":{"connectionId":"srv-7","members":[]}})"});
  REQUIRE(d.sent().size() == 1);
  CHECK(d.sent()[0]["data"]["type"] == "enter");
  CHECK(d.sent()[0]["data"]["sender"]["connectionId"] == "srv-7");
  // A client that joins later is rung directly.
  d.feed(in::TransportMessage{R"({"type":"peerJoined","data":{"connectionId":"srv-9","clientId":"cli-1"}})"});
  CHECK(d.sent().at(0)["connectionIds"] == json{"srv-9"});
  d.feed(in::Destroy{});
  CHECK(d.has("closeTransport"));
  d.feed(in::Destroy{});
  CHECK(d.last.empty());
}

TEST_CASE("doctor: RTCParams are validated", "[doctor][params]") {
  json p = doctor_params();
  p["signalingUrl"] = "ws://x";  // both signalingUrl and send
  auto r = parse_params(p);
  REQUIRE(std::holds_alternative<errors::CallError>(r));
  CHECK(std::get<errors::CallError>(r).type == "params");
  json q = doctor_params();
  q["enterTimeoutSecond"] = -1;
  CHECK(std::holds_alternative<errors::CallError>(parse_params(q)));
  json n = doctor_params();
  n.erase("consultationId");
  CHECK(std::get<errors::CallError>(parse_params(n)).description.find("consultationId") != std::string::npos);
  CHECK(std::holds_alternative<Params>(parse_params(doctor_params())));
}

TEST_CASE("doctor: glare: the impolite doctor ignores a colliding offer and its candidates", "[doctor][negotiation]") {
  Driver d = ringing();
  d.message("enter", {{"name", "Alice"}}, "conn-cli");
  d.message("accept", json::object(), "conn-cli");  // doctor is making its offer
  d.message("offer", {{"description", {{"type", "offer"}, {"sdp", "v=0 client offer"}}}}, "conn-cli");
  CHECK_FALSE(d.has("setRemoteDescription"));
  d.message("iceCandidate", {{"candidate", {{"candidate", "candidate:9"}}}}, "conn-cli");
  CHECK_FALSE(d.has("addIceCandidate"));
  CHECK(d.session.snapshot()["iceCandidatesQueue"].empty());
}

TEST_CASE("doctor: invalid UTF-8 from the network is an error event that can be written out", "[doctor][malformed]") {
  Driver d(Role::Doctor, doctor_params());
  const std::string bad = std::string(R"({"type":"hangUp","data":{"reason":")") + "\xC3\x28" + R"("}})";
  d.feed(in::TransportMessage{bad});
  REQUIRE(d.last.size() == 1);
  CHECK(d.last[0].data["eventType"] == "signalingErrorEvent");
  const std::string text = callcore::base::json_text(d.last[0].data);  // must not throw
  CHECK(text.find("signalingErrorEvent") != std::string::npos);
  CHECK_NOTHROW(callcore::base::json_text(d.logger.to_json()));
}

TEST_CASE("doctor: network text cut for an error event never splits a UTF-8 character (fuzzer findings)", "[doctor][malformed][fuzz]") {
  // A refused message is quoted in payload.raw up to 256 bytes, a foreign consultation id up to 64:
  // with a two-byte character across the cut, the event and the log must still be valid UTF-8
  // (a strict dump() throws on invalid UTF-8: in the wasm core, built without exceptions, an abort).
  Driver d(Role::Doctor, doctor_params());
  const std::string head = R"({"type":"hangUp","data":)";
  for (std::size_t pad : {254u, 255u, 256u}) {
    // Not JSON. "éé" starts at byte `pad` (0-based): with 255 the first é spans the cut at 256.
    const std::string text = head + std::string(pad - head.size(), 'x') + "\xC3\xA9\xC3\xA9";
    d.feed(in::TransportMessage{text});
    REQUIRE(d.last.size() == 1);
    CHECK_NOTHROW(d.last[0].data.dump());
    const std::string raw = d.last[0].data["payload"]["raw"];
    CHECK(raw.size() <= 256);
    CHECK(text.compare(0, raw.size(), raw) == 0);  // a prefix, cut before the split character
  }
  for (std::size_t pad : {62u, 63u, 64u}) {
    const std::string id = std::string(pad, 'c') + "\xD0\xB6\xD0\xB6";  // Cyrillic "жж" across byte 64
    const json sender = {{"chatId", id}, {"clientId", "cli-1"}, {"connectionId", "conn-cli"}};
    d.feed(in::TransportMessage{
        json{{"type", "hangUp"}, {"data", {{"consultationId", id}, {"sender", sender}, {"reason", "x"}}}}.dump()});
    REQUIRE(d.last.size() == 1);
    CHECK(d.last[0].data["payload"]["code"] == "wrongConsultation");
    CHECK_NOTHROW(d.last[0].data.dump());
  }
  CHECK_NOTHROW(d.logger.to_json().dump());
  CHECK(d.state() == "idle");  // nothing changed
}

TEST_CASE("doctor: a client that connects while it rings (instant answer): its tracks are told and the call connected only on accept", "[doctor][preconnect]") {
  Driver d = ringing();
  d.message("enter", {{"name", "Alice"}}, "conn-cli");
  d.feed(in::LocalDescription{"offer", "v=0 offer"});
  CHECK(d.state() == "waitingAnswer");
  // The client's answer and candidates come before its accept.
  d.message("answer", {{"description", {{"type", "answer"}, {"sdp", "v=0 answer"}}}}, "conn-cli");
  CHECK(d.find("setRemoteDescription")["description"]["sdp"] == "v=0 answer");
  d.feed(in::RemoteDescriptionSet{"answer"});
  d.feed(in::RemoteTrack{"audio", "cli-stream"});
  d.feed(in::RemoteTrack{"video", "cli-stream"});
  CHECK(d.kinds().empty());  // the app learns nothing of the client's media before the answer
  d.feed(in::PeerStateChange{"connectionstatechange", "connected"});
  CHECK(d.state() == "waitingAnswer");  // reachable is not answered
  CHECK(d.session.answer_deadline().has_value());
  d.message("accept", json::object(), "conn-cli");
  CHECK(d.state() == "connected");
  CHECK(d.has("emit", "track"));
  CHECK(d.has("emit", "remoteStreamEvent"));
  CHECK_FALSE(d.session.answer_deadline().has_value());
}
