// The room session's main flow against a scripted Janus, input by input with time passed in:
// join → publish → subscribe, participants arriving and leaving, mute, layers, leave.
#include "room_driver.hpp"

using namespace callcore;
using namespace callcore::io;
using callcore::test::RoomDriver;
using nlohmann::json;
using Strings = std::vector<std::string>;
namespace t = callcore::test;

// The publisher's offer once the screen is added: audio 0, camera 1, data 2, screen 3 (its own
// MediaStream "screen-stream", a=msid RFC 8830).
static const std::string kPublisherOfferWithScreen =
    "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=msid:local-stream a1\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:1\r\na=msid:local-stream v1\r\n"
    "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:2\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:3\r\na=msid:screen-stream s1\r\n";

TEST_CASE("room: join → publish → subscribe, with the Janus messages of each step", "[room]") {
  RoomDriver d;
  CHECK(d.last.empty());  // nothing before joinCall()

  d.feed(in::Call{1});
  CHECK(d.kinds() == Strings{"emit:connectionStatusChanged", "openTransport", "emit:socketStateEvent", "acquireMedia"});
  CHECK(d.find("openTransport") == json{{"transport", 1}, {"url", "ws://127.0.0.1:8188/"}, {"protocol", "janus-protocol"}});
  CHECK(d.find("emit", "connectionStatusChanged")["payload"] == json{{"status", "connecting"}, {"previous", "disconnected"}});
  CHECK(d.find("acquireMedia")["constraints"] == json{{"audio", true}, {"video", true}});

  d.feed(in::TransportOpened{});
  const json create = d.request("create");
  CHECK(create.size() == 2);  // {janus, transaction}
  CHECK(create["transaction"].get<std::string>().size() > 2);
  CHECK(d.snapshot()["inFlight"] == json{{{"transaction", create["transaction"]}, {"request", "create"}}});

  d.janus(RoomDriver::success(create, t::kSession));
  const json attach = d.request("attach");
  CHECK(attach["session_id"] == t::kSession);
  CHECK(attach["plugin"] == "janus.plugin.videoroom");
  CHECK(attach["transaction"] != create["transaction"]);

  d.janus(RoomDriver::success(attach, t::kPubHandle));
  const json join = d.request("message", "join");
  CHECK(join["handle_id"] == t::kPubHandle);
  CHECK(join["body"] == json{{"request", "join"}, {"ptype", "publisher"}, {"room", t::kRoom}, {"display", "Me"}});
  CHECK_FALSE(join.contains("jsep"));

  d.janus(RoomDriver::ack(join));
  CHECK(d.last.empty());  // the ack of a message: its event is still to come
  CHECK(d.snapshot()["inFlight"].size() == 1);

  d.janus(RoomDriver::event(t::kSession, t::kPubHandle,
                            {{"videoroom", "joined"}, {"room", t::kRoom}, {"id", t::kMe}, {"private_id", t::kPrivate},
                             {"publishers", json::array({t::publisher(t::kBob, "Bob", /*screen=*/true)})}},
                            join));
  CHECK(d.kinds() == Strings{"emit:connectionStatusChanged", "settle", "emit:participantJoined", "send"});
  CHECK(d.find("settle") == json{{"requestId", 1}, {"error", nullptr}, {"withLocalStream", false}});
  CHECK(d.find("emit", "participantJoined")["payload"] ==
        json{{"participantId", "11"},
             {"display", "Bob"},
             {"audioEnabled", true},
             {"videoEnabled", true},
             {"tracks",
              {{{"tag", "audio"}, {"kind", "audio"}, {"mid", "0"}},
               {{"tag", "video"}, {"kind", "video"}, {"mid", "1"}},
               {{"tag", "screen"}, {"kind", "video"}, {"mid", "2"}}}}});
  const json sub_attach = d.request("attach");  // the subscriber's handle
  CHECK(d.snapshot()["connectStatus"] == "connected");
  CHECK(d.snapshot()["participantId"] == "501");

  // The local media arrives: the publisher connection offers, the offer goes out with publish.
  d.feed(in::MediaAcquired{t::kMic, t::kCam, t::kLocalStream});
  CHECK(d.kinds() == Strings{"emit:localStreamEvent", "setTrackEnabled", "setTrackEnabled", "createPc", "addTrack",
                             "addTrack", "setLocalDescription"});
  CHECK(d.find("createPc")["pc"] == 1);
  CHECK(d.find("setLocalDescription") == json{{"pc", 1}, {"type", "offer"}});
  d.feed(in::LocalDescription{"offer", t::kPublisherOffer}, -1, 1);
  const json publish = d.request("message", "publish");
  CHECK(publish["body"] == json{{"request", "publish"}, {"display", "Me"}});
  CHECK(publish["jsep"] == json{{"type", "offer"}, {"sdp", t::kPublisherOffer}});
  d.janus(RoomDriver::ack(publish));
  d.janus(RoomDriver::event(t::kSession, t::kPubHandle, {{"videoroom", "event"}, {"room", t::kRoom}, {"configured", "ok"}},
                            publish, {{"type", "answer"}, {"sdp", "v=0 answer"}}));
  CHECK(d.find("setRemoteDescription") ==
        json{{"pc", 1}, {"description", {{"type", "answer"}, {"sdp", "v=0 answer"}}}, {"rollback", false}});
  CHECK(d.snapshot()["publishing"] == true);

  // Local candidates trickle on the publisher's handle; the end of candidates too.
  d.feed(in::LocalIceCandidate{{{"candidate", "candidate:1 1 udp 1 127.0.0.1 5000 typ host"}, {"sdpMid", "0"}, {"sdpMLineIndex", 0}}}, -1, 1);
  const json trickle = d.request("trickle");
  CHECK(trickle["handle_id"] == t::kPubHandle);
  CHECK(trickle["candidate"] == json{{"candidate", "candidate:1 1 udp 1 127.0.0.1 5000 typ host"}, {"sdpMid", "0"}, {"sdpMLineIndex", 0}});
  d.janus(RoomDriver::ack(trickle));
  d.feed(in::LocalIceCandidate{nullptr}, -1, 1);
  CHECK(d.request("trickle")["candidate"] == json{{"completed", true}});
  d.janus(RoomDriver::ack(d.request("trickle")));

  // The subscriber's handle joins with every stream of every publisher.
  d.janus(RoomDriver::success(sub_attach, t::kSubHandle));
  const json sub_join = d.request("message", "join");
  CHECK(sub_join["handle_id"] == t::kSubHandle);
  CHECK(sub_join["body"] == json{{"request", "join"}, {"ptype", "subscriber"}, {"room", t::kRoom},
                                 {"private_id", t::kPrivate}, {"autoupdate", false},
                                 {"streams", {{{"feed", t::kBob}, {"mid", "0"}}, {{"feed", t::kBob}, {"mid", "1"}},
                                              {{"feed", t::kBob}, {"mid", "2"}}}}});
  d.subscribe(sub_join, "attached",
              {t::sub_stream(0, "0", "audio", t::kBob, "0"), t::sub_stream(1, "1", "video", t::kBob, "1"),
               t::sub_stream(2, "2", "video", t::kBob, "2")});
  CHECK(d.kinds() == Strings{"emit:trackAdded", "emit:trackAdded", "emit:trackAdded", "createPc", "setRemoteDescription"});
  const auto added = d.events("trackAdded");
  CHECK(added[0] == json{{"participantId", "11"}, {"display", "Bob"}, {"tag", "audio"}, {"kind", "audio"}, {"mid", "0"}});
  CHECK(added[2] == json{{"participantId", "11"}, {"display", "Bob"}, {"tag", "screen"}, {"kind", "video"}, {"mid", "2"}});
  CHECK(d.find("createPc")["pc"] == 2);
  CHECK(d.find("setRemoteDescription")["pc"] == 2);
  d.feed(in::RemoteDescriptionSet{"offer"}, -1, 2);
  CHECK(d.find("setLocalDescription") == json{{"pc", 2}, {"type", "answer"}});
  d.feed(in::LocalDescription{"answer", "v=0 sub answer"}, -1, 2);
  const json start = d.request("message", "start");
  CHECK(start["handle_id"] == t::kSubHandle);
  CHECK(start["jsep"] == json{{"type", "answer"}, {"sdp", "v=0 sub answer"}});
  d.janus(RoomDriver::ack(start));
  d.janus(RoomDriver::event(t::kSession, t::kSubHandle, {{"videoroom", "event"}, {"room", t::kRoom}, {"started", "ok"}}, start));
  CHECK(d.snapshot()["inFlight"].empty());

  const json snap = d.snapshot();
  CHECK(snap["participants"] ==
        json{{{"id", "11"},
              {"display", "Bob"},
              {"audioEnabled", true},
              {"videoEnabled", true},
              {"layers", nullptr},
              {"tracks",
               {{"audio", {{"kind", "audio"}, {"mid", "0"}, {"receiving", true}}},
                {"video", {{"kind", "video"}, {"mid", "1"}, {"receiving", true}}},
                {"screen", {{"kind", "video"}, {"mid", "2"}, {"receiving", true}}}}}}});
}

TEST_CASE("room: the camera goes out as simulcast when asked", "[room]") {
  json options = t::room_options();
  options["useSimulcast"] = true;
  RoomDriver d(options);
  d.join();
  d.feed(in::MediaAcquired{t::kMic, t::kCam, t::kLocalStream});
  std::vector<json> tracks;
  for (const auto& o : d.last) {
    if (o.kind == "addTrack") tracks.push_back(o.data);
  }
  REQUIRE(tracks.size() == 2);
  CHECK(tracks[0] == json{{"pc", 1}, {"tag", "audio"}, {"trackId", 1}, {"streamId", "local-stream"}});
  CHECK(tracks[1] == json{{"pc", 1}, {"tag", "video"}, {"trackId", 2}, {"streamId", "local-stream"}, {"simulcast", true}});
}

TEST_CASE("room: a second participant joins, then leaves", "[room]") {
  RoomDriver d;
  d.join(json::array({t::publisher(t::kBob, "Bob")}));
  d.janus(RoomDriver::success(d.request("attach"), t::kSubHandle));
  d.subscribe(d.request("message", "join"), "attached",
              {t::sub_stream(0, "0", "audio", t::kBob, "0"), t::sub_stream(1, "1", "video", t::kBob, "1")});
  d.answer_subscription();
  const json start = d.request("message", "start");

  // Carol publishes while our answer is on its way: her subscription waits for it... then goes.
  d.janus(RoomDriver::event(t::kSession, t::kPubHandle,
                            {{"videoroom", "event"}, {"room", t::kRoom}, {"publishers", json::array({t::publisher(t::kCarol, "Carol")})}}));
  CHECK(d.kinds() == Strings{"emit:participantJoined", "send"});
  const json subscribe = d.request("message", "subscribe");
  CHECK(subscribe["body"] == json{{"request", "subscribe"}, {"streams", {{{"feed", t::kCarol}, {"mid", "0"}}, {{"feed", t::kCarol}, {"mid", "1"}}}}});
  d.janus(RoomDriver::event(t::kSession, t::kSubHandle, {{"videoroom", "event"}, {"room", t::kRoom}, {"started", "ok"}}, start));
  d.subscribe(subscribe, "updated",
              {t::sub_stream(0, "0", "audio", t::kBob, "0"), t::sub_stream(1, "1", "video", t::kBob, "1"),
               t::sub_stream(2, "2", "audio", t::kCarol, "0"), t::sub_stream(3, "3", "video", t::kCarol, "1")});
  CHECK(d.kinds() == Strings{"emit:trackAdded", "emit:trackAdded", "setRemoteDescription"});
  CHECK(d.events("trackAdded")[1] == json{{"participantId", "12"}, {"display", "Carol"}, {"tag", "video"}, {"kind", "video"}, {"mid", "3"}});
  d.answer_subscription();
  d.janus(RoomDriver::ack(d.request("message", "start")));
  CHECK(d.snapshot()["participants"].size() == 2);

  // Bob leaves: participantLeft, his receivers released, and callcore unsubscribes.
  d.janus(RoomDriver::event(t::kSession, t::kPubHandle, {{"videoroom", "event"}, {"room", t::kRoom}, {"leaving", t::kBob}}));
  CHECK(d.kinds() == Strings{"emit:trackRemoved", "emit:trackRemoved", "emit:participantLeft", "send"});
  CHECK(d.events("trackRemoved")[0] == json{{"participantId", "11"}, {"tag", "audio"}, {"kind", "audio"}, {"mid", "0"}});
  CHECK(d.find("emit", "participantLeft")["payload"] == json{{"participantId", "11"}, {"display", "Bob"}, {"reason", "left"}});
  const json unsubscribe = d.request("message", "unsubscribe");
  CHECK(unsubscribe["body"] == json{{"request", "unsubscribe"}, {"streams", {{{"feed", t::kBob}, {"mid", "0"}}, {{"feed", t::kBob}, {"mid", "1"}}}}});
  // Janus renegotiates without Bob's streams (inactive m-lines): nothing more is removed.
  json inactive0 = t::sub_stream(0, "0", "audio", t::kBob, "0");
  inactive0["active"] = false;
  inactive0.erase("feed_id");
  d.subscribe(unsubscribe, "updated", {inactive0, t::sub_stream(2, "2", "audio", t::kCarol, "0"), t::sub_stream(3, "3", "video", t::kCarol, "1")});
  CHECK(d.kinds() == Strings{"setRemoteDescription"});
  CHECK(d.snapshot()["participants"].size() == 1);

  // Carol stops publishing: she is gone from the room's media (reason 'unpublished').
  d.answer_subscription();
  d.janus(RoomDriver::event(t::kSession, t::kPubHandle, {{"videoroom", "event"}, {"room", t::kRoom}, {"unpublished", t::kCarol}}));
  CHECK(d.find("emit", "participantLeft")["payload"]["reason"] == "unpublished");
  CHECK(d.request("message", "unsubscribe")["body"]["streams"].size() == 2);
  CHECK(d.session->received().empty());
  // Our own unpublish/leave confirmations ("ok") name nobody.
  d.janus(RoomDriver::event(t::kSession, t::kPubHandle, {{"videoroom", "event"}, {"room", t::kRoom}, {"leaving", "ok"}}));
  CHECK(d.last.empty());
}

TEST_CASE("room: enableAudio/enableVideo disable the track and stop Janus relaying it", "[room]") {
  RoomDriver d;
  d.join();
  d.publish();
  d.feed(in::ChangeDeviceState{std::nullopt, true});  // enableAudio(false)
  CHECK(d.kinds() == Strings{"emit:localDeviceStateEvent", "setTrackEnabled", "setTrackEnabled", "send"});
  CHECK(d.find("setTrackEnabled") == json{{"trackId", 1}, {"enabled", false}});
  CHECK(d.request("message", "configure")["body"] ==
        json{{"request", "configure"}, {"display", "Me\x1f{\"audio\":false,\"video\":true}"},
             {"streams", {{{"mid", "0"}, {"send", false}}, {{"mid", "1"}, {"send", true}}}}});
  CHECK(d.snapshot()["audioEnabled"] == false);
  d.feed(in::ChangeDeviceState{true, false});  // enableVideo(false), enableAudio(true)
  CHECK(d.request("message", "configure")["body"]["streams"] ==
        json{{{"mid", "0"}, {"send", true}}, {{"mid", "1"}, {"send", false}}});
}

TEST_CASE("room: a layer is chosen per participant with configure substream/temporal per mid", "[room]") {
  RoomDriver d;
  d.join(json::array({t::publisher(t::kBob, "Bob")}));
  d.janus(RoomDriver::success(d.request("attach"), t::kSubHandle));
  d.subscribe(d.request("message", "join"), "attached",
              {t::sub_stream(0, "0", "audio", t::kBob, "0"), t::sub_stream(1, "1", "video", t::kBob, "1")});
  d.session->select_layers(t::kBob, 0, 1, base::Ms(d.now));
  d.collect();
  CHECK(d.request("message", "configure")["body"] ==
        json{{"request", "configure"}, {"streams", {{{"mid", "1"}, {"substream", 0}, {"temporal", 1}}}}});
  CHECK(d.request("message", "configure")["handle_id"] == t::kSubHandle);
  CHECK(d.snapshot()["participants"][0]["layers"] == json{{"substream", 0}, {"temporal", 1}});
  d.session->select_layers(t::kBob, std::nullopt, std::nullopt, base::Ms(d.now));  // unlimited
  d.collect();
  CHECK(d.request("message", "configure")["body"]["streams"] == json{{{"mid", "1"}, {"substream", 2}, {"temporal", 2}}});
  d.session->select_layers(999, 0, 0, base::Ms(d.now));  // nobody
  CHECK(d.collect().empty());
}

TEST_CASE("room: leaveCall sends leave, detach and destroy, and releases every pc, track and timer", "[room]") {
  RoomDriver d;
  d.join(json::array({t::publisher(t::kBob, "Bob")}));
  d.janus(RoomDriver::success(d.request("attach"), t::kSubHandle));
  d.subscribe(d.request("message", "join"), "attached",
              {t::sub_stream(0, "0", "audio", t::kBob, "0"), t::sub_stream(1, "1", "video", t::kBob, "1")});
  d.answer_subscription();
  d.publish();
  REQUIRE(d.deadline() > 0);

  d.feed(in::HangUp{});
  CHECK(d.kinds() == Strings{"send", "send", "send", "send", "closeTransport", "emit:trackRemoved", "emit:trackRemoved",
                             "closePc", "closePc", "stopTracks", "emit:connectionStatusChanged"});
  const auto sent = d.sent();
  CHECK(sent[0]["body"] == json{{"request", "leave"}});
  CHECK(sent[0]["handle_id"] == t::kPubHandle);
  CHECK(sent[1]["janus"] == "detach");
  CHECK(sent[1]["handle_id"] == t::kSubHandle);
  CHECK(sent[2]["janus"] == "detach");
  CHECK(sent[2]["handle_id"] == t::kPubHandle);
  CHECK(sent[3]["janus"] == "destroy");
  CHECK(sent[3]["session_id"] == t::kSession);
  CHECK(d.find("emit", "connectionStatusChanged")["payload"]["status"] == "disconnected");
  CHECK(d.deadline() == -1);  // no timer left
  CHECK_FALSE(d.session->publisher().created());
  CHECK_FALSE(d.session->subscriber().created());
  CHECK(d.snapshot()["participants"].empty());
  CHECK(d.snapshot()["sessionId"].is_null());

  // Whatever the old socket or connections still report changes nothing.
  d.janus(RoomDriver::event(t::kSession, t::kPubHandle, {{"videoroom", "event"}, {"room", t::kRoom}, {"publishers", json::array({t::publisher(t::kCarol, "C")})}}));
  CHECK(d.last.empty());
  d.feed(in::LocalDescription{"offer", "v=0"}, -1, 1);
  d.feed(in::TransportClosed{1000, ""});
  d.advance(200000);
  CHECK(d.last.empty());
  // Media that arrives after leave is released at once.
  d.feed(in::MediaAcquired{TrackId{5}, std::nullopt, "late"});
  CHECK(d.kinds() == Strings{"releaseTrack"});

  // The same object joins again.
  d.feed(in::Call{2});
  CHECK(d.has("openTransport"));
}

TEST_CASE("room: joining a room that does not exist rejects joinCall with a typed error and cleans up", "[room]") {
  RoomDriver d;
  d.feed(in::Call{1});
  d.feed(in::TransportOpened{});
  d.janus(RoomDriver::success(d.request("create"), t::kSession));
  d.janus(RoomDriver::success(d.request("attach"), t::kPubHandle));
  const json join = d.request("message", "join");
  d.janus(RoomDriver::ack(join));
  d.janus(RoomDriver::event(t::kSession, t::kPubHandle,
                            {{"videoroom", "event"}, {"error_code", 426}, {"error", "No such room (1234)"}}, join));
  const json settle = d.find("settle");
  CHECK(settle["requestId"] == 1);
  CHECK(settle["error"] == json{{"type", "room"}, {"message", "The room does not exist"},
                                {"description", "VideoRoom error 426: No such room (1234)"}});
  CHECK(d.find("emit", "roomError")["emitType"] == "error");
  CHECK(d.has("closeTransport"));
  CHECK(d.has("stopTracks"));
  CHECK(d.snapshot()["connectStatus"] == "disconnected");
  CHECK(d.deadline() == -1);
}

TEST_CASE("room: options are checked", "[room]") {
  log::Logger logger(10);
  auto error_of = [&](json o) {
    auto made = session::room::make_session(o, logger, base::Ms(0));
    REQUIRE(std::holds_alternative<errors::CallError>(made));
    return std::get<errors::CallError>(made);
  };
  CHECK(error_of(json::array()).type == "params");
  CHECK(error_of({{"room", 1}}).description.find("signalingUrl") != std::string::npos);
  CHECK(error_of({{"signalingUrl", "http://x"}, {"room", 1}}).description.find("signalingUrl") != std::string::npos);
  CHECK(error_of({{"signalingUrl", "ws://x"}, {"room", 0}}).description.find("room") != std::string::npos);
  CHECK(error_of({{"signalingUrl", "ws://x"}, {"room", 1}, {"keepaliveSecond", -1}}).description.find("keepaliveSecond") != std::string::npos);
  CHECK(error_of({{"signalingUrl", "ws://x"}, {"room", 1}, {"audio", "yes"}}).description.find("audio") != std::string::npos);
  CHECK(error_of({{"signalingUrl", "ws://x"}, {"room", 1}, {"video", json::array()}}).description.find("video") != std::string::npos);
  CHECK(error_of({{"signalingUrl", "ws://x"}, {"room", 1}, {"video", {{"x", std::string(5000, 'a')}}}}).description.find("4 KiB") != std::string::npos);
  auto ok = session::room::parse_config({{"signalingUrl", "wss://x"}, {"room", "18446744073709551615"}, {"id", 42}});
  REQUIRE(std::holds_alternative<session::room::RoomConfig>(ok));
  CHECK(std::get<session::room::RoomConfig>(ok).room == 18446744073709551615ULL);
  CHECK(std::get<session::room::RoomConfig>(ok).id == 42u);
  CHECK(std::get<session::room::RoomConfig>(ok).keepalive == base::Ms(25000));
}

TEST_CASE("room: audio / video constraints objects go to getUserMedia as given", "[room]") {
  log::Logger logger(10);
  auto options = t::room_options();
  options["video"] = {{"width", 1280}, {"height", 720}};
  options["audio"] = false;
  auto made = session::room::make_session(options, logger, base::Ms(0));
  REQUIRE(std::holds_alternative<std::unique_ptr<session::room::RoomSession>>(made));
  auto& session = *std::get<std::unique_ptr<session::room::RoomSession>>(made);
  session.handle(io::FromApp{in::Call{1}}, base::Ms(0));
  json constraints;
  while (auto effect = session.poll_output()) {
    if (auto* a = std::get_if<io::fx::AcquireMedia>(&*effect)) constraints = a->constraints;
  }
  CHECK(constraints == json{{"audio", false}, {"video", {{"width", 1280}, {"height", 720}}}});
  auto parsed = std::get<session::room::RoomConfig>(session::room::parse_config(options));
  CHECK(parsed.video);
  CHECK_FALSE(parsed.audio);
}

TEST_CASE("room: the other app requests are refused", "[room]") {
  RoomDriver d;
  d.feed(in::SendMessage{4, "chat", "hi"});
  CHECK(d.find("settle")["error"]["type"] == "state");
  d.feed(in::Call{5});
  d.feed(in::Call{6});
  CHECK(d.find("settle")["requestId"] == 6);
  CHECK(d.find("settle")["error"]["type"] == "state");
}

TEST_CASE("room: the mute state travels in the display: sent with join, publish and configure", "[room]") {
  RoomDriver d;
  d.feed(in::ChangeDeviceState{std::nullopt, true});  // enableAudio(false) before joinCall
  d.feed(in::Call{1});
  d.feed(in::TransportOpened{});
  d.janus(RoomDriver::success(d.request("create"), t::kSession));
  d.janus(RoomDriver::success(d.request("attach"), t::kPubHandle));
  CHECK(d.request("message", "join")["body"]["display"] == "Me\x1f{\"audio\":false,\"video\":true}");
  // Both on again: the plain name (what other Janus clients show as is).
  d.feed(in::ChangeDeviceState{std::nullopt, false});
  CHECK(d.session->snapshot()["audioEnabled"] == true);
}

TEST_CASE("room: encode_presence / decode_presence", "[room]") {
  using session::room::Presence;
  CHECK(session::room::encode_presence(Presence{"Ann", true, true}) == "Ann");
  CHECK(session::room::encode_presence(Presence{"Ann", true, false}) == "Ann\x1f{\"audio\":true,\"video\":false}");
  auto ok = [](std::string_view text) { return std::get<Presence>(session::room::decode_presence(text)); };
  CHECK(ok("Иван") == Presence{"Иван", true, true});
  CHECK(ok("Ann\x1f{\"audio\":true,\"video\":false}") == Presence{"Ann", true, false});
  CHECK(ok("Ann\x1f{\"video\":false,\"extra\":1}") == Presence{"Ann", true, false});
  CHECK(ok("\x1f{}") == Presence{"", true, true});
  for (std::string bad : {std::string("Ann\x1fnot json"), std::string("Ann\x1f[1]"), std::string("Ann\x1f{\"audio\":0}"),
                          std::string("Ann\x1f") + std::string(300, ' ') + "{}"}) {
    INFO(bad);
    CHECK(std::holds_alternative<std::string>(session::room::decode_presence(bad)));
  }
  // A display option with the separator is refused (it would read back as a state).
  auto options = t::room_options();
  options["display"] = "A\x1f";
  CHECK(std::holds_alternative<errors::CallError>(session::room::parse_config(options)));
}

TEST_CASE("room: another participant's mute state: participantJoined, participantUpdated, snapshot", "[room]") {
  RoomDriver d;
  json bob = t::publisher(t::kBob, "Bob\x1f{\"audio\":true,\"video\":false}");
  d.join(json::array({bob}));
  auto joined = d.events("participantJoined");
  REQUIRE(joined.size() == 1);
  CHECK(joined[0]["display"] == "Bob");
  CHECK(joined[0]["videoEnabled"] == false);
  CHECK(joined[0]["audioEnabled"] == true);
  auto participant = [&] { return d.snapshot()["participants"][0]; };
  CHECK(participant()["display"] == "Bob");
  CHECK(participant()["videoEnabled"] == false);

  // Bob's configure display: Janus pushes {"videoroom":"event","id","display"} to our publisher handle.
  auto update = [&](const std::string& display) {
    return d.janus(RoomDriver::event(t::kSession, t::kPubHandle, {{"videoroom", "event"}, {"id", t::kBob}, {"display", display}}));
  };
  update("Bob");
  auto updated = d.events("participantUpdated");
  REQUIRE(updated.size() == 1);
  CHECK(updated[0] == json{{"participantId", "11"}, {"display", "Bob"}, {"audioEnabled", true}, {"videoEnabled", true}});
  CHECK(participant()["videoEnabled"] == true);
  update("Bob\x1f{\"audio\":false,\"video\":true}");
  CHECK(d.events("participantUpdated").at(0)["audioEnabled"] == false);
  // The same again: no event.
  update("Bob\x1f{\"audio\":false,\"video\":true}");
  CHECK(d.events("participantUpdated").empty());

  // A state that does not read: a roomError and a log entry, nothing changes.
  const json before = d.snapshot();
  const auto deadline = d.deadline();
  update("Robert\x1f{\"audio\":\"no\"}");
  CHECK(d.events("participantUpdated").empty());
  REQUIRE(d.events("roomError").size() == 1);
  CHECK(d.events("roomError")[0]["type"] == "signaling");
  CHECK(d.snapshot() == before);
  CHECK(d.deadline() == deadline);
  const auto& entries = d.logger.entries();
  CHECK(std::any_of(entries.begin(), entries.end(), [](const auto& e) { return e.event == "messageRefused"; }));

  // An update of somebody unknown changes nothing.
  d.janus(RoomDriver::event(t::kSession, t::kPubHandle, {{"videoroom", "event"}, {"id", 999}, {"display", "X"}}));
  CHECK(d.events("participantUpdated").empty());
  CHECK(d.snapshot() == before);

  // A `publishers` list with a new display of a known participant (e.g. after its republish).
  d.janus(RoomDriver::event(t::kSession, t::kPubHandle,
                            {{"videoroom", "event"}, {"room", t::kRoom}, {"publishers", {t::publisher(t::kBob, "Bob")}}}));
  REQUIRE(d.events("participantUpdated").size() == 1);
  CHECK(d.events("participantUpdated")[0]["audioEnabled"] == true);
  CHECK(d.events("participantJoined").empty());
}

TEST_CASE("room: sendData goes on the publisher's data channel once it is open", "[room]") {
  RoomDriver d;
  d.feed(in::SendMessage{5, "roomData", "hi"});
  CHECK(d.find("settle")["error"]["type"] == "state");  // not joined
  d.join();
  d.publish();
  // The publisher connection is created with its in-band data channel (Janus relays it).
  d.feed(in::SendMessage{6, "roomData", "hi"});
  CHECK(d.find("settle")["error"]["type"] == "state");  // not open yet
  CHECK(d.snapshot()["data"] == json{{"sending", false}, {"receiving", false}});
  d.feed(in::DataChannelState{"open"}, -1, 1);
  CHECK(d.snapshot()["data"]["sending"] == true);
  d.feed(in::SendMessage{7, "roomData", "hello, room"});
  CHECK(d.kinds() == Strings{"dataSend", "settle"});
  CHECK(d.find("dataSend") == json{{"pc", 1}, {"label", "callcore-room"}, {"text", "hello, room"}});
  CHECK(d.find("settle") == json{{"requestId", 7}, {"error", nullptr}, {"withLocalStream", false}});
  for (const json& bad : {json(""), json(42), json(nullptr), json(std::string(session::room::kMaxDataBytes + 1, 'x'))}) {
    d.feed(in::SendMessage{8, "roomData", bad});
    CHECK(d.kinds() == Strings{"settle"});
    CHECK(d.find("settle")["error"]["type"] == "params");
  }
}

TEST_CASE("room: the others' data streams are subscribed; a message names its sender by the channel label", "[room]") {
  RoomDriver d;
  json bob = t::publisher(t::kBob, "Bob");
  bob["streams"].push_back({{"type", "data"}, {"mindex", 2}, {"mid", "2"}});
  d.join(json::array({bob}));
  d.janus(RoomDriver::success(d.request("attach"), t::kSubHandle));
  const json join = d.request("message", "join");
  CHECK(join["body"]["streams"] == json{{{"feed", t::kBob}, {"mid", "0"}}, {{"feed", t::kBob}, {"mid", "1"}},
                                        {{"feed", t::kBob}, {"mid", "2"}}});
  json data_stream = {{"mindex", 2}, {"mid", "2"}, {"type", "data"}, {"active", true}, {"sources", 1}};
  d.subscribe(join, "attached", {t::sub_stream(0, "0", "audio", t::kBob, "0"), t::sub_stream(1, "1", "video", t::kBob, "1"), data_stream});
  // The subscriber connection opens a data channel of its own (brings SCTP up, as janus.js does).
  CHECK(d.find("createPc")["dataChannels"] ==
        json{{{"label", "callcore-room-in"}, {"id", 0}, {"negotiated", false}, {"ordered", true}}});
  CHECK(d.events("trackAdded").size() == 2);  // the data stream is no track
  d.answer_subscription();
  d.feed(in::DataChannelState{"open"}, -1, 2);
  CHECK(d.snapshot()["data"]["receiving"] == true);

  d.feed(in::DataChannelMessage{"hello from Bob", "11"}, -1, 2);
  REQUIRE(d.events("dataReceived").size() == 1);
  CHECK(d.events("dataReceived")[0] == json{{"participantId", "11"}, {"display", "Bob"}, {"text", "hello from Bob"}});

  // A label that names nobody of the room, or not an id: roomError + log, nothing changes.
  const json before = d.snapshot();
  for (const std::string label : {"999", "JanusDataChannel", ""}) {
    d.feed(in::DataChannelMessage{"x", label}, -1, 2);
    CHECK(d.events("dataReceived").empty());
    REQUIRE(d.events("roomError").size() == 1);
    CHECK(d.events("roomError")[0]["type"] == "signaling");
    CHECK(d.snapshot() == before);
  }
  // Data on the publisher connection (Janus sends none there): ignored.
  d.feed(in::DataChannelMessage{"x", "11"}, -1, 1);
  CHECK(d.last.empty());
}

TEST_CASE("room: shareScreen publishes a second video described as 'screen'; stop and 'Stop sharing' remove it", "[room]") {
  RoomDriver d;
  const io::TrackId screen{3};
  d.feed(in::SendTrack{4, "screen", "video", screen, false});
  CHECK(d.find("settle")["error"]["type"] == "state");  // not joined
  d.join();
  d.publish();
  d.feed(in::SendTrack{5, "camera2", "video", screen, false});
  CHECK(d.find("settle")["error"]["type"] == "params");
  d.feed(in::SendTrack{5, "screen", "video", t::kCam, false});
  CHECK(d.find("settle")["error"]["type"] == "params");  // the camera's track
  d.feed(in::SendTrack{6, "screen", "video", screen, false});
  CHECK(d.kinds() == Strings{"addTrack", "settle"});
  CHECK(d.find("addTrack") == json{{"pc", 1}, {"tag", "screen"}, {"trackId", 3}, {"streamId", ""}});
  CHECK(d.find("settle")["error"] == nullptr);
  CHECK(d.snapshot()["screenSharing"] == true);
  d.feed(in::TrackAdded{"screen", "screen-stream"}, -1, 1);
  d.feed(in::NegotiationNeeded{}, -1, 1);
  const std::string offer = kPublisherOfferWithScreen;
  d.feed(in::LocalDescription{"offer", offer}, -1, 1);
  const json configure = d.request("message", "configure");
  CHECK(configure["body"] == json{{"request", "configure"}, {"descriptions", {{{"mid", "3"}, {"description", "screen"}}}}});
  CHECK(configure["jsep"]["type"] == "offer");

  // enableVideo(false) is the camera's: the screen stays enabled.
  d.feed(in::ChangeDeviceState{true, std::nullopt});
  for (const auto& o : d.last) {
    if (o.kind == "setTrackEnabled") CHECK(o.data["trackId"] != 3);
  }

  // stopScreenShare(): removeTrack (renegotiated) and the track released.
  d.feed(in::TrackControl{7, "close", "screen"});
  CHECK(d.kinds() == Strings{"removeTrack", "releaseTrack", "settle"});
  CHECK(d.find("releaseTrack") == json{{"trackId", 3}});
  CHECK(d.snapshot()["screenSharing"] == false);
  d.feed(in::TrackControl{8, "close", "screen"});
  CHECK(d.find("settle")["error"]["type"] == "state");

  // Shared again, then the browser's "Stop sharing" ends the track.
  d.feed(in::SendTrack{9, "screen", "video", io::TrackId{4}, false});
  CHECK(d.has("addTrack"));
  d.feed(in::TrackEnded{io::TrackId{4}});
  CHECK(d.kinds() == Strings{"removeTrack", "releaseTrack"});
  d.feed(in::TrackEnded{io::TrackId{4}});  // again: nothing
  CHECK(d.last.empty());
}

TEST_CASE("room: another participant's screen: subscribed when listed, unsubscribed when disabled", "[room]") {
  RoomDriver d;
  d.join(json::array({t::publisher(t::kBob, "Bob")}));
  d.janus(RoomDriver::success(d.request("attach"), t::kSubHandle));
  const json join = d.request("message", "join");
  d.subscribe(join, "attached", {t::sub_stream(0, "0", "audio", t::kBob, "0"), t::sub_stream(1, "1", "video", t::kBob, "1")});
  d.answer_subscription();
  const json start = d.request("message", "start");
  d.janus(RoomDriver::event(t::kSession, t::kSubHandle, {{"videoroom", "event"}, {"room", t::kRoom}, {"started", "ok"}}, start));
  // Bob shares: Janus lists his publisher again with the screen stream.
  d.janus(RoomDriver::event(t::kSession, t::kPubHandle,
                            {{"videoroom", "event"}, {"room", t::kRoom}, {"publishers", {t::publisher(t::kBob, "Bob", true)}}}));
  const json sub = d.request("message", "subscribe");
  CHECK(sub["body"]["streams"] == json{{{"feed", t::kBob}, {"mid", "2"}}});
  d.subscribe(sub, "updated", {t::sub_stream(0, "0", "audio", t::kBob, "0"), t::sub_stream(1, "1", "video", t::kBob, "1"),
                               t::sub_stream(2, "2", "video", t::kBob, "2")});
  REQUIRE(d.events("trackAdded").size() == 1);
  CHECK(d.events("trackAdded")[0]["tag"] == "screen");
  d.answer_subscription();
  d.janus(RoomDriver::event(t::kSession, t::kSubHandle, {{"videoroom", "event"}, {"room", t::kRoom}, {"started", "ok"}},
                            d.request("message", "start")));
  // Bob stops: his screen stream is listed disabled.
  json bob = t::publisher(t::kBob, "Bob", true);
  bob["streams"][2] = {{"type", "video"}, {"mindex", 2}, {"mid", "2"}, {"disabled", true}};
  d.janus(RoomDriver::event(t::kSession, t::kPubHandle, {{"videoroom", "event"}, {"room", t::kRoom}, {"publishers", {bob}}}));
  const json unsub = d.request("message", "unsubscribe");
  CHECK(unsub["body"]["streams"] == json{{{"feed", t::kBob}, {"mid", "2"}}});
  d.subscribe(unsub, "updated", {t::sub_stream(0, "0", "audio", t::kBob, "0"), t::sub_stream(1, "1", "video", t::kBob, "1")});
  REQUIRE(d.events("trackRemoved").size() == 1);
  CHECK(d.events("trackRemoved")[0] == json{{"participantId", "11"}, {"tag", "screen"}, {"kind", "video"}, {"mid", "2"}});
  CHECK_FALSE(d.snapshot()["participants"][0]["tracks"].contains("screen"));
}

TEST_CASE("room: an unsubscribe answered without an offer is sent again until Janus renegotiates", "[room]") {
  RoomDriver d;
  d.join(json::array({t::publisher(t::kBob, "Bob"), t::publisher(t::kCarol, "Carol")}));
  d.janus(RoomDriver::success(d.request("attach"), t::kSubHandle));
  const json join = d.request("message", "join");
  d.subscribe(join, "attached",
              {t::sub_stream(0, "0", "audio", t::kBob, "0"), t::sub_stream(1, "1", "video", t::kBob, "1"),
               t::sub_stream(2, "2", "audio", t::kCarol, "0"), t::sub_stream(3, "3", "video", t::kCarol, "1")});
  d.answer_subscription();
  d.janus(RoomDriver::event(t::kSession, t::kSubHandle, {{"videoroom", "event"}, {"room", t::kRoom}, {"started", "ok"}},
                            d.request("message", "start")));
  const double before = d.deadline();

  // Bob leaves; our unsubscribe reaches Janus before its clean-up: "updated", no offer.
  d.janus(RoomDriver::event(t::kSession, t::kPubHandle, {{"videoroom", "event"}, {"room", t::kRoom}, {"leaving", t::kBob}}));
  const json unsubscribe = d.request("message", "unsubscribe");
  d.janus(RoomDriver::ack(unsubscribe));
  d.janus(RoomDriver::event(t::kSession, t::kSubHandle, {{"videoroom", "updated"}, {"room", t::kRoom}}, unsubscribe));
  CHECK(d.sent().empty());
  CHECK(d.deadline() == d.now + 500);  // the retry
  d.advance(d.now + 500);
  const json again = d.request("message", "unsubscribe");
  CHECK(again["body"] == unsubscribe["body"]);
  // Janus now offers the renegotiation its clean-up skipped: answered as usual, no more retries.
  json inactive0 = t::sub_stream(0, "0", "audio", t::kBob, "0");
  inactive0["active"] = false;
  inactive0.erase("feed_id");
  d.subscribe(again, "updated", {inactive0, t::sub_stream(2, "2", "audio", t::kCarol, "0"), t::sub_stream(3, "3", "video", t::kCarol, "1")});
  CHECK(d.has("setRemoteDescription"));
  d.answer_subscription();
  d.janus(RoomDriver::event(t::kSession, t::kSubHandle, {{"videoroom", "event"}, {"room", t::kRoom}, {"started", "ok"}},
                            d.request("message", "start")));
  d.advance(d.now + 5000);
  CHECK(d.sent().empty());

  // Carol unpublishes; Janus never offers: three retries, then it stops.
  d.janus(RoomDriver::event(t::kSession, t::kPubHandle, {{"videoroom", "event"}, {"room", t::kRoom}, {"unpublished", t::kCarol}}));
  json req = d.request("message", "unsubscribe");
  int sent = 0;
  for (int i = 0; i < 10; ++i) {
    d.janus(RoomDriver::event(t::kSession, t::kSubHandle, {{"videoroom", "updated"}, {"room", t::kRoom}}, req));
    d.advance(d.now + 500);
    if (d.sent().empty()) break;
    req = d.request("message", "unsubscribe");
    ++sent;
  }
  CHECK(sent == 3);
  // Only the keepalive is left armed.
  REQUIRE(d.session->poll_timeout().has_value());
  CHECK(d.session->poll_timeout()->value == d.session->keepalive_deadline()->value);
  (void)before;
}
