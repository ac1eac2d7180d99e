// Tracks by media tag and device switching in the core (issue 4), with exact outputs.
#include "driver.hpp"

using namespace callcore;
using namespace callcore::session::consultation;
using namespace callcore::io;
using callcore::test::client_params;
using callcore::test::Driver;
using nlohmann::json;
using Strings = std::vector<std::string>;

constexpr TrackId t1{11}, t2{12}, t3{13}, t9{19}, t10{20};

namespace {

// A client in a call (answered; the doctor's offer not applied yet: the media is up).
Driver answered_client() {
  Driver c(Role::Client, client_params());
  c.message("enter", {{"name", "Dr House"}}, "conn-doc");
  c.feed(in::Call{1});
  c.feed(in::MediaAcquired{callcore::test::kMic, callcore::test::kCam, "stream-local"});
  return c;
}

}  // namespace

TEST_CASE("media: the call's microphone and camera are the 'audio' and 'video' tags, announced to the far side", "[media]") {
  Driver c = answered_client();
  json tags = c.sent().at(1);  // after accept
  CHECK(tags["type"] == "mediaTags");
  CHECK(tags["data"]["tracks"] == json::array({
                                      {{"tag", "audio"}, {"kind", "audio"}, {"streamId", "stream-local"}, {"state", "sending"}},
                                      {{"tag", "video"}, {"kind", "video"}, {"streamId", "stream-local"}, {"state", "sending"}},
                                  }));
  CHECK(c.session.snapshot()["localTracks"].size() == 2);
}

TEST_CASE("media: screen share is a new tag: a sender is added, then announced with its stream", "[media]") {
  Driver c = answered_client();
  c.feed(in::SendTrack{5, "screen", "video", t1, false});
  CHECK(c.kinds() == Strings{"addTrack", "settle"});
  // A stream of its own ("" streamId): the shell makes it and reports it with trackAdded.
  CHECK(c.find("addTrack") == json{{"pc", 1}, {"tag", "screen"}, {"trackId", 11}, {"streamId", ""}});
  c.feed(in::TrackAdded{"screen", "stream-screen"});
  CHECK(c.find("emit", "localTracksEvent")["payload"]["tracks"].size() == 3);
  const json tracks = c.sent().at(0)["data"]["tracks"];
  CHECK(tracks.size() == 3);
  CHECK(tracks[1] == json{{"tag", "screen"}, {"kind", "video"}, {"streamId", "stream-screen"}, {"state", "sending"}});

  // Pause / resume: nothing sent while paused, no renegotiation; the far side is told.
  c.feed(in::TrackControl{6, "pause", "screen"});
  CHECK(c.find("replaceTrack") == json{{"pc", 1}, {"tag", "screen"}, {"trackId", nullptr}});
  CHECK(c.sent().at(0)["data"]["tracks"][1]["state"] == "paused");
  c.feed(in::TrackControl{7, "pause", "screen"});  // already paused: nothing to do
  CHECK(c.kinds() == Strings{"settle"});
  c.feed(in::TrackControl{8, "resume", "screen"});
  CHECK(c.find("replaceTrack") == json{{"pc", 1}, {"tag", "screen"}, {"trackId", 11}});

  // A new track for a known tag is a replaceTrack, not a new sender.
  c.feed(in::SendTrack{9, "screen", "video", t2, false});
  CHECK(c.find("replaceTrack") == json{{"pc", 1}, {"tag", "screen"}, {"trackId", 12}});
  CHECK_FALSE(c.has("addTrack"));

  // The browser's "stop sharing": the tag closes by itself.
  c.feed(in::TrackEnded{t1});  // the replaced track: not sent any more, nothing to do
  CHECK(c.last.empty());
  c.feed(in::TrackEnded{t2});
  CHECK(c.kinds() == Strings{"removeTrack", "releaseTrack", "emit:localTracksEvent", "send"});
  CHECK(c.find("removeTrack") == json{{"pc", 1}, {"tag", "screen"}});
  CHECK(c.find("releaseTrack") == json{{"trackId", 12}});
  CHECK(c.sent().at(0)["data"]["tracks"].size() == 2);
}

TEST_CASE("media: track requests are refused clearly", "[media]") {
  Driver idle(Role::Client, client_params());
  idle.feed(in::SendTrack{1, "screen", "video", t1, false});
  CHECK(idle.find("settle")["error"]["type"] == "state");
  Driver c = answered_client();
  c.feed(in::SendTrack{2, "video", "audio", t1, false});  // 'video' carries video
  CHECK(c.find("settle")["error"]["description"] == "tag 'video' carries video, not audio");
  c.feed(in::SendTrack{3, "", "video", t1, false});
  CHECK(c.has("settle"));
  c.feed(in::TrackControl{4, "pause", "nope"});
  CHECK(c.find("settle")["error"]["description"] == "no track with tag 'nope' in this call");
}

TEST_CASE("media: the far side's tags map its remote streams", "[media]") {
  Driver d(Role::Doctor, callcore::test::doctor_params());
  d.feed(in::Call{1});
  d.feed(in::MediaAcquired{callcore::test::kMic, callcore::test::kCam, "doc-stream"});
  d.message("enter", {{"name", "Alice"}}, "conn-cli");
  d.message("accept", json::object(), "conn-cli");
  json tracks = json::array({{{"tag", "video"}, {"kind", "video"}, {"streamId", "s1"}, {"state", "sending"}},
                             {{"tag", "screen"}, {"kind", "video"}, {"streamId", "s2"}, {"state", "paused"}}});
  d.message("mediaTags", {{"tracks", tracks}}, "conn-cli");
  CHECK(d.find("emit", "remoteTracksEvent")["payload"] == json{{"connectionId", "conn-cli"}, {"tracks", tracks}});
  d.feed(in::RemoteTrack{"video", "s2"});
  CHECK(d.find("emit", "track")["payload"]["tag"] == "screen");
  d.message("mediaTags", {{"tracks", {{{"tag", "x"}, {"kind", "data"}, {"streamId", "s"}, {"state", "sending"}}}}}, "conn-cli");
  CHECK(d.find("emit", "signalingErrorEvent")["payload"]["code"] == "invalidField");
  CHECK(d.session.snapshot()["remoteTracks"] == tracks);
  d.message("hangUp", {{"reason", "hangUp"}}, "conn-cli");  // the call ends: no tags any more
  CHECK(d.find("emit", "remoteTracksEvent")["payload"]["tracks"] == json::array());
  CHECK(d.find("emit", "localTracksEvent")["payload"]["tracks"] == json::array());
  CHECK(d.session.snapshot()["remoteTracks"] == json::array());
}

TEST_CASE("media: switching the camera replaces the track, keeps hidden, and keeps the call", "[media][device]") {
  Driver c = answered_client();
  c.feed(in::ChangeDeviceState{true, std::nullopt});
  c.feed(in::SwitchDevice{3, "video", "cam-2"});
  CHECK(c.find("acquireDevice") ==
        json{{"requestId", 3}, {"trackKind", "video"}, {"constraints", {{"video", {{"deviceId", {{"exact", "cam-2"}}}}}}}});
  c.feed(in::DeviceAcquired{3, "video", t9, "cam-2"});
  CHECK(c.kinds() == Strings{"swapLocalTrack", "replaceTrack", "setTrackEnabled", "setTrackEnabled", "emit:deviceEvent",
                             "settle"});  // no renegotiation
  CHECK(c.find("swapLocalTrack") == json{{"from", 2}, {"to", 19}});
  CHECK(c.find("replaceTrack") == json{{"pc", 1}, {"tag", "video"}, {"trackId", 19}});
  CHECK(c.last[3].data == json{{"trackId", 19}, {"enabled", false}});  // still hidden
  CHECK(c.find("emit", "deviceEvent")["payload"] == json{{"phase", "switched"}, {"kind", "video"}, {"deviceId", "cam-2"}});
  CHECK(c.state() == "connecting");
  // Pause and resume after the switch: the tag still sends the (new) local camera track.
  c.feed(in::TrackControl{5, "pause", "video"});
  c.feed(in::TrackControl{6, "resume", "video"});
  CHECK(c.find("replaceTrack") == json{{"pc", 1}, {"tag", "video"}, {"trackId", 19}});
  // Switched while paused: swapped in, not sent until resumed.
  c.feed(in::TrackControl{7, "pause", "video"});
  c.feed(in::SwitchDevice{8, "video", "cam-3"});
  c.feed(in::DeviceAcquired{8, "video", t10, "cam-3"});
  CHECK(c.find("swapLocalTrack") == json{{"from", 19}, {"to", 20}});
  CHECK_FALSE(c.has("replaceTrack"));  // paused: not sent
  c.feed(in::TrackControl{9, "resume", "video"});
  CHECK(c.find("replaceTrack") == json{{"pc", 1}, {"tag", "video"}, {"trackId", 20}});

  c.feed(in::SwitchDevice{4, "video", "cam-gone"});
  c.feed(in::DeviceFailed{4, "video", "NotFoundError", "Requested device not found"});
  CHECK(c.find("settle")["error"]["type"] == "streamError");
  CHECK_FALSE(c.has("swapLocalTrack"));  // the current camera stays
}

TEST_CASE("media: an unplugged microphone falls back to the default device", "[media][device]") {
  Driver c = answered_client();
  c.feed(in::TrackEnded{callcore::test::kMic});
  CHECK(c.find("emit", "deviceEvent")["payload"] == json{{"phase", "lost"}, {"kind", "audio"}, {"tag", "audio"}});
  CHECK(c.find("acquireDevice") == json{{"requestId", 0}, {"trackKind", "audio"}, {"constraints", {{"audio", true}}}});
  c.feed(in::DeviceAcquired{0, "audio", t3, "default"});
  CHECK(c.find("swapLocalTrack") == json{{"from", 1}, {"to", 13}});
  CHECK(c.find("emit", "deviceEvent")["payload"]["phase"] == "fallback");
  CHECK_FALSE(c.has("settle"));

  c.feed(in::TrackEnded{t3});
  c.feed(in::DeviceFailed{0, "audio", "NotFoundError", "no microphone"});
  CHECK(c.find("emit", "deviceEvent")["payload"]["phase"] == "unavailable");
  CHECK(c.find("emit", "callErrorEvent")["payload"]["type"] == "streamError");
  CHECK(c.state() == "connecting");  // the call goes on without a microphone
}

TEST_CASE("media: a device that opens after the call ended is released", "[media][device]") {
  Driver c = answered_client();
  c.feed(in::SwitchDevice{3, "video", "cam-2"});
  c.feed(in::HangUp{});
  c.feed(in::DeviceAcquired{3, "video", t9, "cam-2"});
  CHECK(c.find("releaseTrack") == json{{"trackId", 19}});
  CHECK(c.find("settle")["error"]["type"] == "state");
}

TEST_CASE("media: a track already sent under one tag is refused under another (fuzzer finding)", "[media][fuzz]") {
  // fuzz_session: tests/fuzz/crashes/session-track-shared-by-two-tags.txt — the browser refuses a
  // second sender for one track, and closing the second tag stopped the camera 'video' still sent.
  Driver c = answered_client();
  c.feed(in::SendTrack{5, "screen", "video", callcore::test::kCam, false});  // the camera again, as 'screen'
  CHECK(c.kinds() == Strings{"settle"});
  CHECK(c.find("settle")["error"]["description"] == "this track is already sent under tag 'video'");
  CHECK(c.session.snapshot()["senders"] == json{{"audio", 1}, {"video", 2}});
  c.feed(in::SendTrack{6, "video", "video", callcore::test::kCam, false});  // the same tag: a no-op replace
  CHECK_FALSE(c.find("settle")["error"].is_object());
}
