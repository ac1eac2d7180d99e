// The client's side of a consultation, driven input by input with time passed in.
#include "callcore/session/consultation/warm_up.hpp"
#include "driver.hpp"

using namespace callcore;
using namespace callcore::session::consultation;
using namespace callcore::io;
using callcore::test::client_params;
using callcore::test::Driver;
using nlohmann::json;
using Strings = std::vector<std::string>;

namespace {

json doctor_enter() {
  return {{"name", "Dr House"}, {"clientId", "doc-1"}, {"isAudio", false},
          {"doctor", {{"fullName", "Gregory House"}}}, {"deviceState", {{"isHidden", false}, {"isMute", false}}}};
}

// RTCParams with instant answer off: the doctor's offer waits until the client answers.
json no_preconnect() {
  json p = client_params();
  p["preconnect"] = false;
  return p;
}

}  // namespace

TEST_CASE("client: a whole call, answered after the doctor entered, hung up by the doctor", "[client]") {
  Driver c(Role::Client, client_params());
  c.message("enter", doctor_enter(), "conn-doc", 1000);
  CHECK(c.kinds() == Strings{"emit:enter", "emit:enterEvent", "emit:rtcRespondentPropsEvent", "send"});
  CHECK(c.find("emit", "rtcRespondentPropsEvent")["payload"]["doctor"]["fullName"] == "Gregory House");
  json reply = c.sent().at(0);
  CHECK(reply["type"] == "enter");
  CHECK(reply["connectionIds"] == json{"conn-doc"});
  CHECK(reply["data"]["name"] == "Alice");
  CHECK(c.session.snapshot()["hasEntered"] == true);
  CHECK(c.state() == "idle");

  c.feed(in::Call{4});
  c.feed(callcore::test::media());
  CHECK(c.kinds() == Strings{"emit:localStreamEvent", "setTrackEnabled", "setTrackEnabled", "createPc", "addTrack", "addTrack",
                             "send", "emit:callStateEvent", "settle", "emit:localTracksEvent", "send"});
  CHECK(c.sent().at(0)["type"] == "accept");
  CHECK(c.find("settle") == json{{"requestId", 4}, {"error", nullptr}, {"withLocalStream", true}});
  CHECK(c.session.snapshot()["hasAnswered"] == true);

  // Candidates can arrive before the offer is applied: they wait, in order.
  c.message("iceCandidate", {{"candidate", {{"candidate", "candidate:1"}, {"sdpMLineIndex", 0}}}}, "conn-doc");
  c.message("offer", {{"description", {{"type", "offer"}, {"sdp", "v=0 offer"}}}}, "conn-doc");
  CHECK(c.find("setRemoteDescription")["description"]["type"] == "offer");
  c.message("iceCandidate", {{"candidate", {{"candidate", "candidate:2"}, {"sdpMLineIndex", 0}}}}, "conn-doc");
  CHECK_FALSE(c.has("addIceCandidate"));
  CHECK(c.session.snapshot()["iceCandidatesQueue"].size() == 2);
  c.feed(in::RemoteDescriptionSet{"offer"});
  CHECK(c.kinds() == Strings{"addIceCandidate", "addIceCandidate", "setLocalDescription"});
  CHECK(c.last[0].data["candidate"]["candidate"] == "candidate:1");
  CHECK(c.last[1].data["candidate"]["candidate"] == "candidate:2");
  CHECK(c.find("setLocalDescription") == json{{"pc", 1}, {"type", "answer"}});
  c.feed(in::LocalDescription{"answer", "v=0 answer"});
  CHECK(c.sent().at(0)["type"] == "answer");
  CHECK(c.sent().at(0)["data"]["description"]["sdp"] == "v=0 answer");
  c.message("iceCandidate", {{"candidate", nullptr}}, "conn-doc");  // end-of-candidates
  CHECK(c.find("addIceCandidate")["candidate"].is_null());

  c.feed(in::RemoteTrack{"video", "stream-1"});
  c.feed(in::RemoteTrack{"audio", "stream-1"});
  CHECK(c.kinds() == Strings{"emit:track"});  // the stream was announced once, with its first track
  c.feed(in::LocalIceCandidate{{{"candidate", "candidate:3"}, {"sdpMid", "0"}}});
  CHECK(c.sent().at(0)["type"] == "iceCandidate");
  c.feed(in::PeerStateChange{"connectionstatechange", "connected"});
  CHECK(c.state() == "connected");

  c.message("deviceState", {{"isHidden", true}, {"isMute", false}}, "conn-doc");
  CHECK(c.find("emit", "remoteDeviceStateEvent")["payload"] ==
        json{{"connectionId", "conn-doc"}, {"isHidden", true}, {"isMute", false}});
  CHECK(c.find("emit", "rtcRespondentPropsEvent")["payload"]["deviceState"]["isHidden"] == true);

  c.message("hangUp", {{"reason", "hangUp"}}, "conn-doc");
  CHECK(c.find("emit", "hangUpReceiveEvent")["payload"]["reason"] == "hangUp");
  CHECK(c.has("stopTracks"));
  CHECK(c.has("closePc"));
  CHECK(c.state() == "ended");
}

TEST_CASE("client: call() before the doctor entered waits, then answers on enter", "[client]") {
  Driver c(Role::Client, client_params());
  c.feed(in::Call{1});
  c.feed(callcore::test::media());
  CHECK(c.state() == "waitingEnter");
  CHECK(c.session.enter_deadline() == base::Ms(1000 + 5000));
  CHECK(c.sent().empty());
  c.message("enter", doctor_enter(), "conn-doc");
  CHECK_FALSE(c.session.enter_deadline());
  CHECK(c.deadline() == -1);
  REQUIRE(c.sent().size() == 3);
  CHECK(c.sent()[0]["type"] == "enter");
  CHECK(c.sent()[1]["type"] == "accept");
  CHECK(c.sent()[2]["type"] == "mediaTags");
  CHECK(c.has("settle"));
  CHECK(c.state() == "connecting");
}

TEST_CASE("client: the doctor never enters", "[client][timeout]") {
  Driver c(Role::Client, client_params());
  c.feed(in::Call{1});
  c.feed(callcore::test::media());
  c.advance(7000);
  CHECK(c.find("settle")["error"]["type"] == "enter");
  CHECK(c.sent().empty());
  CHECK(c.state() == "ended");
}

TEST_CASE("client: hangs up during the call and tells the doctor", "[client]") {
  Driver c(Role::Client, client_params());
  c.message("enter", doctor_enter(), "conn-doc");
  c.feed(in::Call{1});
  c.feed(callcore::test::media());
  c.feed(in::HangUp{});
  CHECK(c.kinds() == Strings{"send", "stopTracks", "closePc", "emit:localTracksEvent", "emit:callStateEvent"});
  CHECK(c.sent().at(0)["connectionIds"] == json{"conn-doc"});
  CHECK(c.sent().at(0)["type"] == "hangUp");
}

TEST_CASE("client: the doctor giving up before the answer clears the far side", "[client]") {
  Driver c(Role::Client, client_params());
  c.message("enter", doctor_enter(), "conn-doc");
  c.message("hangUp", {{"reason", "answer"}}, "conn-doc");
  CHECK(c.find("emit", "hangUpReceiveEvent")["payload"]["reason"] == "answer");
  CHECK(c.session.snapshot()["remote"].is_null());
  CHECK(c.state() == "idle");
  // The doctor calls again: the client enters again.
  c.message("enter", doctor_enter(), "conn-doc");
  CHECK(c.has("emit", "enterEvent"));
}

TEST_CASE("client: media that arrives after a hang up is released", "[client][media]") {
  Driver c(Role::Client, client_params());
  c.message("enter", doctor_enter(), "conn-doc");
  c.feed(in::Call{1});
  c.feed(in::HangUp{});
  CHECK(c.find("settle")["error"]["type"] == "hangUp");
  c.feed(callcore::test::media());
  CHECK(c.kinds() == Strings{"releaseTrack", "releaseTrack"});  // those tracks only
  CHECK(c.last[0].data == json{{"trackId", 1}});
  CHECK(c.last[1].data == json{{"trackId", 2}});
}

TEST_CASE("client: the doctor's offer made while ringing is held, then applied when the client answers", "[client]") {
  Driver c(Role::Client, no_preconnect());
  c.message("enter", doctor_enter(), "conn-doc");
  c.message("offer", {{"description", {{"type", "offer"}, {"sdp", "v=0"}}}}, "conn-doc");
  CHECK_FALSE(c.has("setRemoteDescription"));
  CHECK_FALSE(c.has("emit", "signalingErrorEvent"));
  c.message("iceCandidate", {{"candidate", {{"candidate", "candidate:1"}}}}, "conn-doc");
  CHECK(c.session.snapshot()["iceCandidatesQueue"].size() == 1);
  c.feed(in::Call{1});
  c.feed(callcore::test::media());
  CHECK(c.kinds() == Strings{"emit:localStreamEvent", "setTrackEnabled", "setTrackEnabled", "createPc", "addTrack", "addTrack",
                             "send", "emit:callStateEvent", "settle", "emit:localTracksEvent", "send",
                             "setRemoteDescription"});
  CHECK(c.find("setRemoteDescription")["description"]["sdp"] == "v=0");
  c.feed(in::RemoteDescriptionSet{"offer"});
  CHECK(c.kinds() == Strings{"addIceCandidate", "setLocalDescription"});
}

TEST_CASE("client: a newer offer while ringing replaces the held one and its candidates", "[client]") {
  Driver c(Role::Client, no_preconnect());
  c.message("enter", doctor_enter(), "conn-doc");
  c.message("offer", {{"description", {{"type", "offer"}, {"sdp", "v=0 first"}}}}, "conn-doc");
  c.message("iceCandidate", {{"candidate", {{"candidate", "candidate:first"}}}}, "conn-doc");
  c.message("offer", {{"description", {{"type", "offer"}, {"sdp", "v=0 second"}}}}, "conn-doc");
  CHECK(c.session.snapshot()["iceCandidatesQueue"].empty());
  c.message("iceCandidate", {{"candidate", {{"candidate", "candidate:second"}}}}, "conn-doc");
  c.feed(in::Call{1});
  c.feed(callcore::test::media());
  CHECK(c.find("setRemoteDescription")["description"]["sdp"] == "v=0 second");
  c.feed(in::RemoteDescriptionSet{"offer"});
  CHECK(c.find("addIceCandidate")["candidate"]["candidate"] == "candidate:second");
  CHECK(c.kinds() == Strings{"addIceCandidate", "setLocalDescription"});
}

TEST_CASE("client: a held offer is dropped when the doctor gives up before the answer", "[client]") {
  Driver c(Role::Client, no_preconnect());
  c.message("enter", doctor_enter(), "conn-doc");
  c.message("offer", {{"description", {{"type", "offer"}, {"sdp", "v=0 old"}}}}, "conn-doc");
  c.message("hangUp", {{"reason", "answer"}}, "conn-doc");
  c.message("enter", doctor_enter(), "conn-doc");  // rings again
  c.feed(in::Call{1});
  c.feed(callcore::test::media());
  CHECK_FALSE(c.has("setRemoteDescription"));  // the old offer is not applied
}

TEST_CASE("inputs decode from their JSON form by source, and junk decodes to nothing", "[io]") {
  auto app = [](const json& j) { return std::get<FromApp>(*decode_input(j)).request; };
  CHECK(std::get<in::Call>(app(json{{"kind", "call"}, {"requestId", 3}})).request_id == 3);
  CHECK(std::get<in::ChangeDeviceState>(app(json{{"kind", "changeDeviceState"}, {"isMute", true}})).is_mute == true);
  CHECK(std::holds_alternative<Timeout>(*decode_input(json{{"kind", "timeout"}})));
  const auto pc = std::get<FromPc>(*decode_input(json{{"kind", "localDescription"}, {"pc", 2}, {"type", "offer"}, {"sdp", "v=0"}}));
  CHECK(pc.pc == PcId{2});
  CHECK(std::get<in::LocalDescription>(pc.event).sdp == "v=0");
  const auto t = std::get<FromTransport>(*decode_input(json{{"kind", "transportClosed"}, {"transport", 1}, {"code", 1006}}));
  CHECK(t.transport == TransportId{1});
  CHECK(std::get<in::TransportClosed>(t.event).code == 1006);
  const auto m = std::get<FromMedia>(*decode_input(json{{"kind", "mediaAcquired"}, {"audio", 7}, {"video", nullptr}, {"streamId", "s"}}));
  CHECK(std::get<in::MediaAcquired>(m.event).audio == TrackId{7});
  CHECK_FALSE(std::get<in::MediaAcquired>(m.event).video.has_value());
  CHECK_FALSE(decode_input(json{{"kind", "nope"}}).has_value());
  CHECK_FALSE(decode_input(json{{"kind", "sendFailed"}, {"transport", 1}}).has_value());  // no message to requeue
  // A SIP message is a string (RFC 7118: one SIP message per WebSocket text message).
  const auto sip = std::get<FromTransport>(*decode_input(json{{"kind", "sendFailed"}, {"transport", 1}, {"message", "OPTIONS sip:a@b SIP/2.0\r\n"}, {"reason", "socket not open"}}));
  CHECK(std::get<in::SendFailed>(sip.event).message == "OPTIONS sip:a@b SIP/2.0\r\n");
  CHECK(std::get<in::SendFailed>(sip.event).reason == "socket not open");
  CHECK_FALSE(decode_input(json{{"kind", "sendFailed"}, {"transport", 1}, {"message", 5}}).has_value());
  CHECK_FALSE(decode_input(json::array()).has_value());
}

TEST_CASE("effects encode as {kind, ...} with typed handles as integers", "[io]") {
  CHECK(encode(fx::ReplaceTrack{PcId{1}, "screen", std::nullopt}) ==
        json{{"kind", "replaceTrack"}, {"pc", 1}, {"tag", "screen"}, {"trackId", nullptr}});
  CHECK(encode(fx::CreatePc{PcId{3}, {{"callcore", 0, true, true}}}) ==
        json{{"kind", "createPc"}, {"pc", 3},
             {"dataChannels", {{{"label", "callcore"}, {"id", 0}, {"negotiated", true}, {"ordered", true}}}},
             {"bundlePolicy", "max-bundle"}});
  CHECK(encode(fx::SettleRequest{5, errors::state_error("x"), false})["error"]["type"] == "state");
  CHECK(encode(fx::SwapLocalTrack{TrackId{2}, TrackId{9}}) == json{{"kind", "swapLocalTrack"}, {"from", 2}, {"to", 9}});
  CHECK(effect_kind(fx::Emit{"event", "callStateEvent", {}}) == "emit");
}

TEST_CASE("client: offers, answers and candidates that arrive after the call ended are dropped", "[client]") {
  Driver c(Role::Client, client_params());
  c.message("enter", doctor_enter(), "conn-doc");
  c.feed(in::Call{1});
  c.feed(callcore::test::media());
  c.message("offer", {{"description", {{"type", "offer"}, {"sdp", "v=0"}}}}, "conn-doc");
  c.feed(in::RemoteDescriptionSet{"offer"});
  c.feed(in::HangUp{});
  c.message("iceCandidate", {{"candidate", {{"candidate", "candidate:9"}}}}, "conn-doc");
  CHECK(c.last.empty());
  c.message("offer", {{"description", {{"type", "offer"}, {"sdp", "v=0 again"}}}}, "conn-doc");
  CHECK(c.last.empty());
}

TEST_CASE("client: fields of the wrong type or null from the far side never throw (fuzzer findings)", "[client][malformed]") {
  Driver c(Role::Client, client_params());
  c.message("enter", {{"name", nullptr}, {"deviceState", {{"isHidden", "yes"}, {"isMute", nullptr}}}}, "conn-doc");
  CHECK(c.find("emit", "rtcRespondentPropsEvent")["payload"]["deviceState"] == json{{"isHidden", false}, {"isMute", false}});
  CHECK(c.find("emit", "rtcRespondentPropsEvent")["payload"]["name"] == "");
  c.message("deviceState", {{"isHidden", nullptr}, {"isMute", true}}, "conn-doc");
  CHECK(c.find("emit", "remoteDeviceStateEvent")["payload"] == json{{"connectionId", "conn-doc"}, {"isHidden", false}, {"isMute", true}});
  c.feed(in::TransportMessage{R"({"type":"joined","data":{"connectionId":"x","resumed":null}})"});
  // A long foreign consultation id with multi-byte characters is cut on a character boundary.
  std::string id(63, 'a');
  id += "\xD0\x96\xD1\x83";  // "Жу": the 64th byte is inside "Ж"
  c.feed(in::TransportMessage{json{{"type", "hangUp"}, {"data", {{"consultationId", id}, {"sender", {{"connectionId", "conn-doc"}}}}}}.dump()});
  const std::string message = c.find("emit", "signalingErrorEvent")["payload"]["message"];
  CHECK(message == "message for consultation '" + std::string(63, 'a') + "'");
}

TEST_CASE("the core-side warm-up runs a whole call through the codec and leaves the page log alone", "[warmup]") {
  const int handled = callcore::session::consultation::warm_up();
  CHECK(handled > 20);    // the call went through: connected, then hung up
  CHECK(handled < 400);  // it ended by itself, not at the bound
}

// ---- instant answer (preconnect.cpp) --------------------------------------------------------------

TEST_CASE("client: instant answer — the doctor's offer while ringing is answered with empty senders; call() only attaches the tracks", "[client][preconnect]") {
  Driver c(Role::Client, client_params());
  c.message("enter", doctor_enter(), "conn-doc");
  c.message("offer", {{"description", {{"type", "offer"}, {"sdp", "v=0 offer"}}}}, "conn-doc");
  // No getUserMedia, no track: a connection and the offer applied.
  CHECK(c.kinds() == Strings{"emit:offer", "createPc", "setRemoteDescription"});
  CHECK(c.state() == "idle");
  c.message("iceCandidate", {{"candidate", {{"candidate", "candidate:1"}}}}, "conn-doc");
  CHECK(c.session.snapshot()["iceCandidatesQueue"].size() == 1);
  c.feed(in::RemoteDescriptionSet{"offer"});
  // Candidates first, then the offered transceivers become our (empty) senders, then the answer.
  CHECK(c.kinds() == Strings{"addIceCandidate", "prepareSender", "prepareSender", "setLocalDescription"});
  CHECK(c.last[1].data == json{{"pc", 1}, {"tag", "audio"}, {"trackKind", "audio"}});
  CHECK(c.last[2].data == json{{"pc", 1}, {"tag", "video"}, {"trackKind", "video"}});
  c.feed(in::TrackAdded{"audio", "pre-stream-a"});
  c.feed(in::TrackAdded{"video", "pre-stream-v"});
  CHECK_FALSE(c.has("send"));  // nothing announced while ringing
  c.feed(in::LocalDescription{"answer", "v=0 answer"});
  CHECK(c.sent().size() == 1);
  CHECK(c.sent().at(0)["type"] == "answer");
  c.feed(in::LocalIceCandidate{{{"candidate", "candidate:c1"}, {"sdpMid", "0"}}});
  CHECK(c.sent().at(0)["type"] == "iceCandidate");
  // The doctor's media arrives and ICE connects: the app is told neither the tracks nor a state.
  c.feed(in::RemoteTrack{"audio", "doc-stream"});
  CHECK(c.kinds().empty());
  c.feed(in::RemoteTrack{"video", "doc-stream"});
  c.feed(in::PeerStateChange{"iceconnectionstatechange", "connected"});
  CHECK(c.kinds().empty());  // connection states are not told while it rings
  c.feed(in::PeerStateChange{"connectionstatechange", "connected"});
  CHECK(c.kinds().empty());
  CHECK(c.state() == "idle");

  // The person answers: getUserMedia, then the tracks go onto the prepared senders.
  c.feed(in::Call{7});
  CHECK(c.kinds() == Strings{"emit:callStateEvent", "acquireMedia"});
  c.feed(callcore::test::media());
  CHECK(c.kinds() == Strings{"replaceTrack", "replaceTrack", "emit:localStreamEvent", "setTrackEnabled", "setTrackEnabled",
                             "send", "emit:callStateEvent", "emit:iceconnectionstatechange", "emit:connectionstatechange",
                             "emit:track", "emit:remoteStreamEvent", "emit:track", "emit:callStateEvent", "settle",
                             "emit:localTracksEvent", "send"});
  CHECK(c.find("emit", "connectionstatechange")["payload"] == json{{"state", "connected"}, {"connectionId", "conn-doc"}});
  CHECK(c.last[0].data == json{{"pc", 1}, {"tag", "audio"}, {"trackId", 1}});
  CHECK(c.last[1].data == json{{"pc", 1}, {"tag", "video"}, {"trackId", 2}});
  CHECK_FALSE(c.has("createPc"));
  CHECK_FALSE(c.has("addTrack"));
  CHECK_FALSE(c.has("setRemoteDescription"));  // the offer was applied while ringing
  CHECK(c.sent().at(0)["type"] == "accept");
  CHECK(c.state() == "connected");  // it connected before the answer
  // The doctor learns which of our streams carries which tag: the prepared ones it sees.
  const json tags = c.sent().at(1)["data"]["tracks"];
  CHECK(c.sent().at(1)["type"] == "mediaTags");
  CHECK(tags == json{{{"tag", "audio"}, {"kind", "audio"}, {"streamId", "pre-stream-a"}, {"state", "sending"}},
                     {{"tag", "video"}, {"kind", "video"}, {"streamId", "pre-stream-v"}, {"state", "sending"}}});
  c.feed(in::HangUp{});
  CHECK(c.has("closePc"));
  CHECK(c.state() == "ended");
}

TEST_CASE("client: instant answer — answered before ICE connects: connecting, then connected as usual", "[client][preconnect]") {
  Driver c(Role::Client, client_params());
  c.message("enter", doctor_enter(), "conn-doc");
  c.message("offer", {{"description", {{"type", "offer"}, {"sdp", "v=0"}}}}, "conn-doc");
  c.feed(in::RemoteDescriptionSet{"offer"});
  c.feed(in::TrackAdded{"audio", "a"});
  c.feed(in::TrackAdded{"video", "v"});
  c.feed(in::Call{1});
  c.feed(callcore::test::media());
  CHECK(c.state() == "connecting");
  c.feed(in::PeerStateChange{"connectionstatechange", "connected"});
  CHECK(c.state() == "connected");
}

TEST_CASE("client: instant answer — an audio-only client prepares only audio; a kind the offer lacks is added (renegotiated)", "[client][preconnect]") {
  json p = client_params();
  p["isAudio"] = true;
  Driver c(Role::Client, p);
  c.message("enter", doctor_enter(), "conn-doc");
  c.message("offer", {{"description", {{"type", "offer"}, {"sdp", "v=0"}}}}, "conn-doc");
  c.feed(in::RemoteDescriptionSet{"offer"});
  CHECK(c.kinds() == Strings{"prepareSender", "setLocalDescription"});

  // A video client whose doctor offered audio only: no video transceiver, so no TrackAdded for it.
  Driver v(Role::Client, client_params());
  v.message("enter", doctor_enter(), "conn-doc");
  v.message("offer", {{"description", {{"type", "offer"}, {"sdp", "v=0"}}}}, "conn-doc");
  v.feed(in::RemoteDescriptionSet{"offer"});
  v.feed(in::TrackAdded{"audio", "a"});
  v.feed(in::Call{1});
  v.feed(callcore::test::media());
  CHECK(v.last[0].kind == "replaceTrack");
  CHECK(v.find("addTrack") == json{{"pc", 1}, {"tag", "video"}, {"trackId", 2}, {"streamId", callcore::test::kLocalStream}});
}

TEST_CASE("client: instant answer — the doctor gives up while it rings: the connection is closed, nothing is told", "[client][preconnect]") {
  Driver c(Role::Client, client_params());
  c.message("enter", doctor_enter(), "conn-doc");
  c.message("offer", {{"description", {{"type", "offer"}, {"sdp", "v=0"}}}}, "conn-doc");
  c.feed(in::RemoteDescriptionSet{"offer"});
  c.feed(in::RemoteTrack{"video", "doc-stream"});
  c.message("hangUp", {{"reason", "answer"}}, "conn-doc");
  CHECK(c.has("closePc"));
  CHECK_FALSE(c.has("emit", "track"));
  CHECK(c.state() == "idle");
  // It rings again: a fresh connection for the new offer.
  c.message("enter", doctor_enter(), "conn-doc");
  c.message("offer", {{"description", {{"type", "offer"}, {"sdp", "v=0 again"}}}}, "conn-doc");
  CHECK(c.kinds() == Strings{"emit:offer", "createPc", "setRemoteDescription"});
  CHECK(c.find("setRemoteDescription")["description"]["sdp"] == "v=0 again");
}

TEST_CASE("client: instant answer — a failed browser operation while ringing falls back to the held offer on answer", "[client][preconnect]") {
  Driver c(Role::Client, client_params());
  c.message("enter", doctor_enter(), "conn-doc");
  c.message("offer", {{"description", {{"type", "offer"}, {"sdp", "v=0 held"}}}}, "conn-doc");
  c.feed(in::OperationFailed{"setRemoteDescription", "OperationError", "bad sdp"});
  CHECK(c.kinds() == Strings{"closePc"});
  c.feed(in::Call{1});
  c.feed(callcore::test::media());
  CHECK(c.has("createPc"));
  CHECK(c.has("addTrack"));
  CHECK(c.find("setRemoteDescription")["description"]["sdp"] == "v=0 held");
}

TEST_CASE("client: instant answer — ICE failed while ringing: the restart policy takes over on answer", "[client][preconnect]") {
  Driver c(Role::Client, client_params());
  c.message("enter", doctor_enter(), "conn-doc");
  c.message("offer", {{"description", {{"type", "offer"}, {"sdp", "v=0"}}}}, "conn-doc");
  c.feed(in::RemoteDescriptionSet{"offer"});
  c.feed(in::TrackAdded{"audio", "a"});
  c.feed(in::TrackAdded{"video", "v"});
  c.feed(in::LocalDescription{"answer", "v=0 answer"});
  c.feed(in::PeerStateChange{"iceconnectionstatechange", "disconnected"});
  CHECK_FALSE(c.has("emit", "iceRestartEvent"));  // nothing before the answer
  c.feed(in::Call{1});
  c.feed(callcore::test::media());
  CHECK(c.state() == "connecting");
  CHECK(c.find("emit", "iceRestartEvent")["payload"]["phase"] == "disconnected");  // the grace period starts now
}

TEST_CASE("client: instant answer off (preconnect: false) holds the offer; preconnect must be a boolean", "[client][preconnect]") {
  Driver c(Role::Client, no_preconnect());
  c.message("enter", doctor_enter(), "conn-doc");
  c.message("offer", {{"description", {{"type", "offer"}, {"sdp", "v=0"}}}}, "conn-doc");
  CHECK(c.kinds() == Strings{"emit:offer"});
  json bad = client_params();
  bad["preconnect"] = "yes";
  CHECK(std::holds_alternative<callcore::errors::CallError>(parse_params(bad)));
}
