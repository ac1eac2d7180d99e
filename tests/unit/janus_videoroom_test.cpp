// The VideoRoom part of the Janus codec (signaling/janus/videoroom.hpp): each request's body is
// the JSON janus_videoroom.c's "Video Room API" documents, and each event it documents (as the
// plugin builds it in code: integer mindex, boolean simulcast) decodes with its fields.
#include <string>
#include <variant>

#include <catch2/catch.hpp>

#include "callcore/signaling/janus/codec.hpp"

using namespace callcore::signaling::janus;
using nlohmann::json;

namespace {

// The body of a "message" carrying `request` (and `jsep` where the request takes one).
json body(const videoroom::Request& request, std::optional<Jsep> jsep = std::nullopt) {
  const auto result = encode(Message{4574061985075210, 3209475829354, request, std::move(jsep)}, "t1");
  if (const auto* err = std::get_if<EncodeError>(&result)) FAIL(err->code << ": " << err->message);
  const json msg = json::parse(std::get<std::string>(result));
  CHECK(msg["janus"] == "message");
  CHECK(msg["session_id"] == 4574061985075210);
  CHECK(msg["handle_id"] == 3209475829354);
  return msg["body"];
}

std::string body_error(const videoroom::Request& request) {
  const auto result = encode(Message{1, 2, request, std::nullopt}, "t1");
  REQUIRE(std::holds_alternative<EncodeError>(result));
  return std::get<EncodeError>(result).message;
}

json event_message(const json& data, const json& jsep = nullptr) {
  json msg = {{"janus", "event"},
              {"session_id", 4574061985075210},
              {"sender", 3209475829354},
              {"plugindata", {{"plugin", "janus.plugin.videoroom"}, {"data", data}}}};
  if (!jsep.is_null()) msg["jsep"] = jsep;
  return msg;
}

Event event(const json& data, const json& jsep = nullptr) {
  const auto result = decode(event_message(data, jsep).dump());
  if (const auto* err = std::get_if<DecodeError>(&result)) FAIL(err->code << ": " << err->message);
  REQUIRE(std::holds_alternative<Event>(std::get<Inbound>(result)));
  return std::get<Event>(std::get<Inbound>(result));
}

template <typename T>
T plugin_event(const json& data) {
  const Event e = event(data);
  REQUIRE(std::holds_alternative<T>(e.plugin));
  return std::get<T>(e.plugin);
}

DecodeError plugin_error(const json& data) {
  const auto result = decode(event_message(data).dump());
  REQUIRE(std::holds_alternative<DecodeError>(result));
  return std::get<DecodeError>(result);
}

// A publisher as janus_videoroom.c lists it in joined and publishers events.
const json kAlice = {
    {"id", 8146509371},
    {"display", "Alice"},
    {"metadata", {{"role", "doctor"}}},
    {"streams",
     {{{"type", "audio"}, {"mindex", 0}, {"mid", "0"}, {"codec", "opus"}, {"talking", false}},
      {{"type", "video"}, {"mindex", 1}, {"mid", "1"}, {"codec", "vp8"}, {"simulcast", true}, {"description", "camera"}},
      {{"type", "video"}, {"mindex", 2}, {"mid", "2"}, {"disabled", true}}}},
    {"talking", false}};

const json kSubscription = {
    {{"type", "audio"}, {"active", true}, {"mindex", 0}, {"mid", "0"}, {"ready", false}, {"send", true},
     {"feed_id", 8146509371}, {"feed_display", "Alice"}, {"feed_mid", "0"}, {"codec", "opus"}},
    {{"type", "video"}, {"active", true}, {"mindex", 1}, {"mid", "1"}, {"ready", false}, {"send", true},
     {"feed_id", 8146509371}, {"feed_display", "Alice"}, {"feed_mid", "1"}, {"codec", "vp8"}, {"crossrefid", "alice-cam"},
     {"simulcast", {{"substream", 0}, {"substream-target", 2}, {"temporal-layer", 0}, {"temporal-layer-target", 2}}}},
    {{"type", "video"}, {"active", false}, {"mindex", 2}, {"mid", "2"}, {"ready", false}, {"send", true}}};

}  // namespace

TEST_CASE("publisher requests encode to the VideoRoom bodies", "[janus]") {
  CHECK(body(videoroom::JoinPublisher{1234, std::nullopt, "Alice", {}, {}}) ==
        json{{"request", "join"}, {"ptype", "publisher"}, {"room", 1234}, {"display", "Alice"}});
  CHECK(body(videoroom::JoinPublisher{1234, Id{9007199254740993ULL}, "", "invite-42", "1111"}) ==
        json{{"request", "join"}, {"ptype", "publisher"}, {"room", 1234}, {"id", 9007199254740993ULL},
             {"token", "invite-42"}, {"pin", "1111"}});
  CHECK(body(videoroom::Publish{"Alice", 512000, "opus", "vp8", {{"0", "microphone"}, {"1", "camera"}}},
             Jsep{"offer", "v=0\r\n"}) ==
        json{{"request", "publish"},
             {"display", "Alice"},
             {"bitrate", 512000},
             {"audiocodec", "opus"},
             {"videocodec", "vp8"},
             {"descriptions", {{{"mid", "0"}, {"description", "microphone"}}, {{"mid", "1"}, {"description", "camera"}}}}});
  CHECK(body(videoroom::Publish{}, Jsep{"offer", "v=0\r\n"}) == json{{"request", "publish"}});
  CHECK(body(videoroom::ConfigurePublisher{256000, true, std::string("Alice B."), {{"1", false, std::nullopt}, {"0", std::nullopt, true}}, {}}) ==
        json{{"request", "configure"},
             {"bitrate", 256000},
             {"keyframe", true},
             {"display", "Alice B."},
             {"streams", {{{"mid", "1"}, {"send", false}}, {{"mid", "0"}, {"keyframe", true}}}}});
  CHECK(body(videoroom::ConfigurePublisher{}) == json{{"request", "configure"}});
  CHECK(body(videoroom::Unpublish{}) == json{{"request", "unpublish"}});
  CHECK(body(videoroom::Leave{}) == json{{"request", "leave"}});
}

TEST_CASE("subscriber requests encode to the multistream VideoRoom bodies", "[janus]") {
  CHECK(body(videoroom::JoinSubscriber{1234, Id{2718281828}, {{8146509371, "", ""}, {6029847345, "1", "bob-cam"}}, true, false, {}}) ==
        json{{"request", "join"},
             {"ptype", "subscriber"},
             {"room", 1234},
             {"private_id", 2718281828},
             {"use_msid", true},
             {"autoupdate", false},
             {"streams", {{{"feed", 8146509371}}, {{"feed", 6029847345}, {"mid", "1"}, {"crossrefid", "bob-cam"}}}}});
  CHECK(body(videoroom::Subscribe{{{6029847345, "0", ""}}}) ==
        json{{"request", "subscribe"}, {"streams", {{{"feed", 6029847345}, {"mid", "0"}}}}});
  CHECK(body(videoroom::Unsubscribe{{{Id{8146509371}, "", ""}, {std::nullopt, "", "3"}, {Id{6029847345}, "1", ""}}}) ==
        json{{"request", "unsubscribe"},
             {"streams", {{{"feed", 8146509371}}, {{"sub_mid", "3"}}, {{"feed", 6029847345}, {"mid", "1"}}}}});
  CHECK(body(videoroom::Update{{{6029847345, "", ""}}, {{std::nullopt, "", "2"}}}) ==
        json{{"request", "update"},
             {"subscribe", {{{"feed", 6029847345}}}},
             {"unsubscribe", {{{"sub_mid", "2"}}}}});
  CHECK(body(videoroom::Update{{}, {{std::nullopt, "", "2"}}}) ==
        json{{"request", "update"}, {"unsubscribe", {{{"sub_mid", "2"}}}}});
  CHECK(body(videoroom::ConfigureSubscriber{{{"1", std::nullopt, 0, 1, std::nullopt, std::nullopt},
                                             {"0", false, std::nullopt, std::nullopt, std::nullopt, std::nullopt},
                                             {"2", std::nullopt, std::nullopt, std::nullopt, 2, 0}},
                                            false}) ==
        json{{"request", "configure"},
             {"streams",
              {{{"mid", "1"}, {"substream", 0}, {"temporal", 1}},
               {{"mid", "0"}, {"send", false}},
               {{"mid", "2"}, {"spatial_layer", 2}, {"temporal_layer", 0}}}}});
  CHECK(body(videoroom::ConfigureSubscriber{{}, true}) == json{{"request", "configure"}, {"restart", true}});
  CHECK(body(videoroom::Switch{{{6029847345, "1", "1"}}}) ==
        json{{"request", "switch"}, {"streams", {{{"feed", 6029847345}, {"mid", "1"}, {"sub_mid", "1"}}}}});
  CHECK(body(videoroom::Start{}, Jsep{"answer", "v=0\r\n"}) == json{{"request", "start"}});
  CHECK(body(videoroom::Start{}) == json{{"request", "start"}});
  CHECK(body(videoroom::Pause{}) == json{{"request", "pause"}});
}

TEST_CASE("VideoRoom requests that break the documented rules are refused", "[janus]") {
  CHECK(body_error(videoroom::JoinPublisher{0, std::nullopt, {}, {}, {}}) == "room must be an id >= 1");
  CHECK(body_error(videoroom::JoinPublisher{1, Id{0}, {}, {}, {}}) == "id must be an id >= 1");
  CHECK(body_error(videoroom::JoinSubscriber{1, std::nullopt, {}, std::nullopt, std::nullopt, {}}) ==
        "a subscriber join needs at least one stream");
  CHECK(body_error(videoroom::JoinSubscriber{1, std::nullopt, {{0, "", ""}}, std::nullopt, std::nullopt, {}}) ==
        "streams[].feed must be an id >= 1");
  CHECK(body_error(videoroom::Subscribe{}) == "subscribe needs at least one stream");
  CHECK(body_error(videoroom::Unsubscribe{{{std::nullopt, "", ""}}}) == "each streams entry needs a feed or a sub_mid");
  CHECK(body_error(videoroom::Unsubscribe{{{std::nullopt, "1", "2"}}}) == "a streams entry with a mid needs its feed");
  CHECK(body_error(videoroom::Update{}) == "update needs a stream to subscribe or unsubscribe");
  CHECK(body_error(videoroom::ConfigureSubscriber{}) == "a subscriber configure needs streams or restart");
  CHECK(body_error(videoroom::ConfigureSubscriber{{{"1", std::nullopt, 3, std::nullopt, std::nullopt, std::nullopt}}, false}) ==
        "streams[].substream must be 0, 1 or 2");
  CHECK(body_error(videoroom::ConfigureSubscriber{{{"", true, std::nullopt, std::nullopt, std::nullopt, std::nullopt}}, false}) ==
        "streams[].mid must not be empty");
  CHECK(body_error(videoroom::Switch{{{6029847345, "1", ""}}}) == "streams[].sub_mid must not be empty");
  CHECK(body_error(videoroom::Switch{}) == "switch needs at least one stream");
  CHECK(body_error(videoroom::ConfigurePublisher{std::nullopt, std::nullopt, std::string("\xc3"), {}, {}}) ==
        "display is not valid UTF-8");
  CHECK(body_error(videoroom::Publish{}) == "a 'publish' request needs a jsep offer");
}

TEST_CASE("joined lists the active publishers with their streams", "[janus]") {
  const auto joined = plugin_event<videoroom::Joined>({{"videoroom", "joined"},
                                                       {"room", 1234},
                                                       {"description", "Consultation 7"},
                                                       {"id", 6029847345},
                                                       {"private_id", 2718281828},
                                                       {"publishers", {kAlice}},
                                                       {"attendees", {{{"id", 777}, {"display", "Carol"}}}}});
  CHECK(joined.room == 1234);
  CHECK(joined.description == "Consultation 7");
  CHECK(joined.id == 6029847345);
  CHECK(joined.private_id == 2718281828);
  REQUIRE(joined.publishers.size() == 1);
  const auto& alice = joined.publishers[0];
  CHECK(alice.id == 8146509371);
  CHECK(alice.display == "Alice");
  CHECK(alice.metadata == json{{"role", "doctor"}});
  CHECK(alice.talking == std::optional<bool>(false));
  CHECK_FALSE(alice.dummy);
  REQUIRE(alice.streams.size() == 3);
  CHECK(alice.streams[0].type == "audio");
  CHECK(alice.streams[0].codec == "opus");
  CHECK(alice.streams[0].talking == std::optional<bool>(false));
  CHECK(alice.streams[1].mindex == 1);
  CHECK(alice.streams[1].mid == "1");
  CHECK(alice.streams[1].simulcast);
  CHECK(alice.streams[1].description == "camera");
  CHECK(alice.streams[2].disabled);
  CHECK(alice.streams[2].codec.empty());
  REQUIRE(joined.attendees.size() == 1);
  CHECK(joined.attendees[0].id == 777);
  CHECK(joined.attendees[0].display == "Carol");
  CHECK(joined.attendees[0].metadata.is_null());

  // An empty room: no publishers yet.
  const auto alone = plugin_event<videoroom::Joined>(
      {{"videoroom", "joined"}, {"room", 1234}, {"id", 1}, {"private_id", 2}, {"publishers", json::array()}});
  CHECK(alone.publishers.empty());
  CHECK(videoroom::name(videoroom::Event{alone}) == "joined");
}

TEST_CASE("room notifications decode: publishers, unpublished, leaving, kicked, joining", "[janus]") {
  const auto pubs = plugin_event<videoroom::Publishers>({{"videoroom", "event"}, {"room", 1234}, {"publishers", {kAlice}}});
  CHECK(pubs.room == 1234);
  REQUIRE(pubs.publishers.size() == 1);
  CHECK(pubs.publishers[0].streams.size() == 3);

  const auto gone = plugin_event<videoroom::Unpublished>(
      {{"videoroom", "event"}, {"room", 1234}, {"display", "Alice"}, {"unpublished", 8146509371}});
  CHECK(gone.id == std::optional<Id>(8146509371));
  CHECK_FALSE(plugin_event<videoroom::Unpublished>({{"videoroom", "event"}, {"room", 1234}, {"unpublished", "ok"}}).id);

  const auto left = plugin_event<videoroom::Leaving>(
      {{"videoroom", "event"}, {"room", 1234}, {"display", "Alice"}, {"leaving", 8146509371}});
  CHECK(left.id == std::optional<Id>(8146509371));
  CHECK(left.display == "Alice");
  CHECK(left.reason.empty());
  const auto self = plugin_event<videoroom::Leaving>({{"videoroom", "event"}, {"leaving", "ok"}});
  CHECK_FALSE(self.id);
  CHECK(self.room == 0);  // the docs' confirmation has no room
  const auto kicked_self =
      plugin_event<videoroom::Leaving>({{"videoroom", "event"}, {"room", 1234}, {"leaving", "ok"}, {"reason", "kicked"}});
  CHECK(kicked_self.reason == "kicked");
  const auto kicked = plugin_event<videoroom::Leaving>({{"videoroom", "event"}, {"room", 1234}, {"kicked", 8146509371}});
  CHECK(kicked.id == std::optional<Id>(8146509371));
  CHECK(kicked.reason == "kicked");

  const auto joining = plugin_event<videoroom::Joining>(
      {{"videoroom", "event"}, {"room", 1234}, {"joining", {{"id", 777}, {"display", "Carol"}, {"metadata", {{"k", 1}}}}}});
  CHECK(joining.room == 1234);
  CHECK(joining.participant.id == 777);
  CHECK(joining.participant.display == "Carol");
  CHECK(joining.participant.metadata == json{{"k", 1}});

  const auto renamed =
      plugin_event<videoroom::ParticipantUpdated>({{"videoroom", "event"}, {"id", 8146509371}, {"display", "Dr. Alice"}});
  CHECK(renamed.participant.id == 8146509371);
  CHECK(renamed.participant.display == "Dr. Alice");

  const auto muted = plugin_event<videoroom::Moderated>(
      {{"videoroom", "event"}, {"room", 1234}, {"id", 8146509371}, {"mid", "0"}, {"moderation", "muted"}});
  CHECK(muted.id == 8146509371);
  CHECK(muted.mid == "0");
  CHECK(muted.muted);

  CHECK(plugin_event<videoroom::Destroyed>({{"videoroom", "destroyed"}, {"room", 1234}}).room == 1234);
}

TEST_CASE("subscription events decode with their streams", "[janus]") {
  const Event attached = event({{"videoroom", "attached"}, {"room", 1234}, {"streams", kSubscription}},
                               {{"type", "offer"}, {"sdp", "v=0\r\n"}});
  REQUIRE(attached.jsep);
  CHECK(attached.jsep->type == "offer");
  const auto& a = std::get<videoroom::Attached>(attached.plugin);
  CHECK(a.room == 1234);
  REQUIRE(a.streams.size() == 3);
  CHECK(a.streams[0].type == "audio");
  CHECK(a.streams[0].feed_id == std::optional<Id>(8146509371));
  CHECK(a.streams[0].feed_mid == "0");
  CHECK(a.streams[0].feed_display == "Alice");
  CHECK(a.streams[0].codec == "opus");
  CHECK(a.streams[0].active);
  CHECK_FALSE(a.streams[0].ready);
  CHECK(a.streams[1].mindex == 1);
  CHECK(a.streams[1].crossrefid == "alice-cam");
  CHECK_FALSE(a.streams[2].active);
  CHECK_FALSE(a.streams[2].feed_id);

  const auto updated = plugin_event<videoroom::Updated>({{"videoroom", "updated"}, {"room", 1234}, {"streams", kSubscription}});
  REQUIRE(updated.streams);
  CHECK(updated.streams->size() == 3);
  CHECK_FALSE(plugin_event<videoroom::Updated>({{"videoroom", "updated"}, {"room", 1234}}).streams);
  CHECK(plugin_event<videoroom::Updating>({{"videoroom", "updating"}, {"room", 1234}}).room == 1234);

  const auto switched = plugin_event<videoroom::Switched>(
      {{"videoroom", "event"}, {"switched", "ok"}, {"room", 1234}, {"changes", 1}, {"streams", kSubscription}});
  CHECK(switched.changes == 1);
  CHECK(switched.streams.size() == 3);

  CHECK(plugin_event<videoroom::Started>({{"videoroom", "event"}, {"started", "ok"}}).room == 0);
  CHECK(plugin_event<videoroom::Paused>({{"videoroom", "event"}, {"room", 1234}, {"paused", "ok"}}).room == 1234);
  CHECK(plugin_event<videoroom::Left>({{"videoroom", "event"}, {"left", "ok"}}).room == 0);
  CHECK(plugin_event<videoroom::Configured>({{"videoroom", "event"}, {"room", 1234}, {"configured", "ok"}}).room == 1234);

  const auto layer =
      plugin_event<videoroom::LayerChanged>({{"videoroom", "event"}, {"room", 1234}, {"mid", "1"}, {"substream", 2}});
  CHECK(layer.mid == "1");
  CHECK(layer.substream == std::optional<int>(2));
  CHECK_FALSE(layer.temporal);
}

TEST_CASE("talking, slow link and VideoRoom errors decode", "[janus]") {
  const auto talking = plugin_event<videoroom::Talking>(
      {{"videoroom", "talking"}, {"room", 1234}, {"id", 8146509371}, {"mindex", 0}, {"mid", "0"}, {"audio-level-dBov-avg", 22.5}});
  CHECK(talking.talking);
  CHECK(talking.id == 8146509371);
  CHECK(talking.mid == "0");
  CHECK(talking.audio_level_dbov == Approx(22.5));
  const auto stopped = plugin_event<videoroom::Talking>(
      {{"videoroom", "stopped-talking"}, {"room", 1234}, {"id", 8146509371}, {"mid", "0"}, {"audio-level-dBov-avg", 60}});
  CHECK_FALSE(stopped.talking);
  CHECK(videoroom::name(videoroom::Event{stopped}) == "stopped-talking");

  CHECK(plugin_event<videoroom::SlowLink>({{"videoroom", "slow_link"}, {"current-bitrate", 128000}}).current_bitrate ==
        std::optional<std::uint64_t>(128000));

  const auto err = plugin_event<videoroom::Error>({{"videoroom", "event"}, {"error_code", 426}, {"error", "No such room (1234)"}});
  CHECK(err.code == 426);
  CHECK(err.error == "No such room (1234)");
}

TEST_CASE("VideoRoom data of unknown type or with bad fields is refused", "[janus]") {
  CHECK(plugin_error({{"videoroom", "created"}, {"room", 1}}).code == "unknownType");
  CHECK(plugin_error({{"videoroom", "event"}, {"room", 1}, {"something_new", true}}).code == "unknownType");
  CHECK(plugin_error({{"room", 1}}).code == "invalidField");  // no "videoroom"
  CHECK(plugin_error({{"videoroom", "joined"}, {"room", 1234}, {"id", 1}}).code == "invalidField");  // no private_id
  CHECK(plugin_error({{"videoroom", "joined"}, {"room", "1234"}, {"id", 1}, {"private_id", 2}}).code == "invalidField");
  CHECK(plugin_error({{"videoroom", "event"}, {"room", 1}, {"publishers", {{{"display", "no id"}}}}}).message ==
        "event.plugindata.data.publishers[0].id is missing (an integer id)");
  CHECK(plugin_error({{"videoroom", "event"}, {"room", 1}, {"publishers", {{{"id", 5}, {"streams", {{{"type", "audio"}, {"mid", "0"}}}}}}}})
            .message == "event.plugindata.data.publishers[0].streams[0].mindex is missing (an integer)");
  CHECK(plugin_error({{"videoroom", "event"}, {"room", 1}, {"publishers", {{{"id", 5}, {"streams", {{{"type", "screen"}, {"mindex", 0}, {"mid", "0"}}}}}}}})
            .code == "invalidField");
  CHECK(plugin_error({{"videoroom", "event"}, {"room", 1}, {"publishers", {{{"id", 5}, {"metadata", "text"}}}}}).code ==
        "invalidField");
  CHECK(plugin_error({{"videoroom", "event"}, {"room", 1}, {"publishers", {5}}}).code == "invalidField");
  CHECK(plugin_error({{"videoroom", "event"}, {"room", 1}, {"publishers", 5}}).code == "invalidField");
  CHECK(plugin_error({{"videoroom", "event"}, {"room", 1}, {"configured", "maybe"}}).code == "invalidField");
  CHECK(plugin_error({{"videoroom", "event"}, {"room", 1}, {"leaving", "soon"}}).code == "invalidField");
  CHECK(plugin_error({{"videoroom", "event"}, {"room", 1}, {"mid", "1"}, {"substream", 3}}).code == "invalidField");
  CHECK(plugin_error({{"videoroom", "attached"}, {"room", 1}, {"streams", {{{"mindex", 0}, {"mid", ""}, {"type", "audio"}}}}})
            .code == "invalidField");
  CHECK(plugin_error({{"videoroom", "event"}, {"error_code", "426"}}).code == "invalidField");
  CHECK(plugin_error({{"videoroom", "talking"}, {"room", 1}, {"id", 2}, {"audio-level-dBov-avg", "loud"}}).code ==
        "invalidField");
}
