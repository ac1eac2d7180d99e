// VideoRoom request bodies and event parsing (janus_videoroom.c, "Video Room API").
#include "callcore/signaling/janus/videoroom.hpp"

#include <limits>
#include <utility>

#include <fmt/format.h>

#include "callcore/base/json.hpp"
#include "callcore/signaling/janus/fields.hpp"
#include "callcore/base/overloaded.hpp"

// Inside namespace videoroom, Request, Event, Error and SlowLink are the plugin's.
namespace callcore::signaling::janus::videoroom {
namespace {

using nlohmann::json;
using detail::Reader;
using detail::Writer;

using base::overloaded;

constexpr auto kU32 = std::numeric_limits<std::uint32_t>::max();

// ----- request bodies ------------------------------------------------------------------------

void put_text(json& out, const char* key, const std::string& value, Writer& w) {
  if (!value.empty()) out[key] = w.text(value, key);
}

json descriptions_json(const std::vector<StreamDescription>& list, Writer& w) {
  json out = json::array();
  for (const auto& d : list) {
    out.push_back({{"mid", w.text(d.mid, "descriptions[].mid", true)},
                   {"description", w.text(d.description, "descriptions[].description")}});
  }
  return out;
}

json subscribe_json(const std::vector<SubscribeStream>& list, const char* what, Writer& w) {
  json out = json::array();
  for (const auto& s : list) {
    json e = {{"feed", w.id(s.feed, fmt::format("{}[].feed", what))}};
    put_text(e, "mid", s.mid, w);
    put_text(e, "crossrefid", s.crossrefid, w);
    out.push_back(std::move(e));
  }
  return out;
}

json unsubscribe_json(const std::vector<UnsubscribeStream>& list, const char* what, Writer& w) {
  json out = json::array();
  for (const auto& s : list) {
    json e = json::object();
    if (s.feed) e["feed"] = w.id(*s.feed, fmt::format("{}[].feed", what));
    put_text(e, "mid", s.mid, w);
    put_text(e, "sub_mid", s.sub_mid, w);
    w.require(s.feed || !s.sub_mid.empty(), fmt::format("each {} entry needs a feed or a sub_mid", what));
    w.require(s.mid.empty() || s.feed, fmt::format("a {} entry with a mid needs its feed", what));
    out.push_back(std::move(e));
  }
  return out;
}

// A simulcast/SVC layer: 0 (lowest) to 2.
void put_layer(json& out, const char* key, const std::optional<int>& layer, Writer& w) {
  if (!layer) return;
  w.require(*layer >= 0 && *layer <= 2, fmt::format("streams[].{} must be 0, 1 or 2", key));
  out[key] = *layer;
}

json body_json(const Request& request, Writer& w) {
  return std::visit(
      overloaded{
          [&](const JoinPublisher& r) {
            json b = {{"request", "join"}, {"ptype", "publisher"}, {"room", w.id(r.room, "room")}};
            if (r.id) b["id"] = w.id(*r.id, "id");
            put_text(b, "display", r.display, w);
            put_text(b, "token", r.token, w);
            put_text(b, "pin", r.pin, w);
            return b;
          },
          [&](const Publish& r) {
            json b = {{"request", "publish"}};
            put_text(b, "display", r.display, w);
            if (r.bitrate) b["bitrate"] = *r.bitrate;
            put_text(b, "audiocodec", r.audiocodec, w);
            put_text(b, "videocodec", r.videocodec, w);
            if (!r.descriptions.empty()) b["descriptions"] = descriptions_json(r.descriptions, w);
            return b;
          },
          [&](const ConfigurePublisher& r) {
            json b = {{"request", "configure"}};
            if (r.bitrate) b["bitrate"] = *r.bitrate;
            if (r.keyframe) b["keyframe"] = *r.keyframe;
            if (r.display) b["display"] = w.text(*r.display, "display");
            if (!r.streams.empty()) {
              json streams = json::array();
              for (const auto& s : r.streams) {
                json e = {{"mid", w.text(s.mid, "streams[].mid", true)}};
                if (s.send) e["send"] = *s.send;
                if (s.keyframe) e["keyframe"] = *s.keyframe;
                streams.push_back(std::move(e));
              }
              b["streams"] = std::move(streams);
            }
            if (!r.descriptions.empty()) b["descriptions"] = descriptions_json(r.descriptions, w);
            return b;
          },
          [](const Unpublish&) { return json{{"request", "unpublish"}}; },
          [](const Leave&) { return json{{"request", "leave"}}; },
          [&](const JoinSubscriber& r) {
            w.require(!r.streams.empty(), "a subscriber join needs at least one stream");
            json b = {{"request", "join"},
                      {"ptype", "subscriber"},
                      {"room", w.id(r.room, "room")},
                      {"streams", subscribe_json(r.streams, "streams", w)}};
            if (r.private_id) b["private_id"] = w.id(*r.private_id, "private_id");
            if (r.use_msid) b["use_msid"] = *r.use_msid;
            if (r.autoupdate) b["autoupdate"] = *r.autoupdate;
            put_text(b, "pin", r.pin, w);
            return b;
          },
          [&](const Subscribe& r) {
            w.require(!r.streams.empty(), "subscribe needs at least one stream");
            return json{{"request", "subscribe"}, {"streams", subscribe_json(r.streams, "streams", w)}};
          },
          [&](const Unsubscribe& r) {
            w.require(!r.streams.empty(), "unsubscribe needs at least one stream");
            return json{{"request", "unsubscribe"}, {"streams", unsubscribe_json(r.streams, "streams", w)}};
          },
          [&](const Update& r) {
            w.require(!r.subscribe.empty() || !r.unsubscribe.empty(), "update needs a stream to subscribe or unsubscribe");
            json b = {{"request", "update"}};
            if (!r.subscribe.empty()) b["subscribe"] = subscribe_json(r.subscribe, "subscribe", w);
            if (!r.unsubscribe.empty()) b["unsubscribe"] = unsubscribe_json(r.unsubscribe, "unsubscribe", w);
            return b;
          },
          [&](const ConfigureSubscriber& r) {
            w.require(!r.streams.empty() || r.restart, "a subscriber configure needs streams or restart");
            json b = {{"request", "configure"}};
            if (!r.streams.empty()) {
              json streams = json::array();
              for (const auto& s : r.streams) {
                json e = {{"mid", w.text(s.mid, "streams[].mid", true)}};
                if (s.send) e["send"] = *s.send;
                put_layer(e, "substream", s.substream, w);
                put_layer(e, "temporal", s.temporal, w);
                put_layer(e, "spatial_layer", s.spatial_layer, w);
                put_layer(e, "temporal_layer", s.temporal_layer, w);
                streams.push_back(std::move(e));
              }
              b["streams"] = std::move(streams);
            }
            if (r.restart) b["restart"] = true;
            return b;
          },
          [&](const Switch& r) {
            w.require(!r.streams.empty(), "switch needs at least one stream");
            json streams = json::array();
            for (const auto& s : r.streams) {
              streams.push_back({{"feed", w.id(s.feed, "streams[].feed")},
                                 {"mid", w.text(s.mid, "streams[].mid", true)},
                                 {"sub_mid", w.text(s.sub_mid, "streams[].sub_mid", true)}});
            }
            return json{{"request", "switch"}, {"streams", std::move(streams)}};
          },
          [](const Start&) { return json{{"request", "start"}}; },
          [](const Pause&) { return json{{"request", "pause"}}; },
      },
      request);
}

// ----- events --------------------------------------------------------------------------------

std::string item(std::string_view where, const char* key, std::size_t i) { return fmt::format("{}.{}[{}]", where, key, i); }

// An array member's objects, each read by `read`; absent → empty.
template <typename T, typename Read>
std::vector<T> read_list(const json& obj, const char* key, std::string_view where, Reader& r, Read read) {
  std::vector<T> out;
  const json* list = r.optional_array(obj, key, where);
  if (!list) return out;
  for (std::size_t i = 0; i < list->size() && !r.error; ++i) {
    const json& e = (*list)[i];
    if (!e.is_object()) {
      r.fail(fmt::format("{} must be an object", item(where, key, i)));
      break;
    }
    out.push_back(read(e, item(where, key, i)));
  }
  return out;
}

PublisherStream read_publisher_stream(const json& s, const std::string& at, Reader& r) {
  PublisherStream out;
  out.type = r.one_of(s, "type", at, {"audio", "video", "data"});
  out.mindex = static_cast<std::uint32_t>(r.uint(s, "mindex", at, kU32));
  out.mid = r.string(s, "mid", at, true, true);
  out.disabled = r.boolean(s, "disabled", at, false);
  out.codec = r.string(s, "codec", at, false);
  out.description = r.string(s, "description", at, false);
  out.moderated = r.boolean(s, "moderated", at, false);
  out.simulcast = r.boolean(s, "simulcast", at, false);
  out.svc = r.boolean(s, "svc", at, false);
  out.talking = r.optional_boolean(s, "talking", at);
  return out;
}

Publisher read_publisher(const json& p, const std::string& at, Reader& r) {
  Publisher out;
  out.id = r.id(p, "id", at);
  out.display = r.string(p, "display", at, false);
  out.metadata = r.metadata(p, "metadata", at);
  out.dummy = r.boolean(p, "dummy", at, false);
  out.talking = r.optional_boolean(p, "talking", at);
  out.streams = read_list<PublisherStream>(p, "streams", at, r, [&r](const json& s, const std::string& where) {
    return read_publisher_stream(s, where, r);
  });
  return out;
}

std::vector<Publisher> read_publishers(const json& d, std::string_view where, Reader& r) {
  return read_list<Publisher>(d, "publishers", where, r,
                              [&r](const json& p, const std::string& at) { return read_publisher(p, at, r); });
}

Participant read_participant(const json& p, const std::string& at, Reader& r) {
  return Participant{r.id(p, "id", at), r.string(p, "display", at, false), r.metadata(p, "metadata", at)};
}

SubscriptionStream read_subscription_stream(const json& s, const std::string& at, Reader& r) {
  SubscriptionStream out;
  out.mindex = static_cast<std::uint32_t>(r.uint(s, "mindex", at, kU32));
  out.mid = r.string(s, "mid", at, true, true);
  out.type = r.one_of(s, "type", at, {"audio", "video", "data"});
  out.active = r.boolean(s, "active", at, false, true);
  out.ready = r.boolean(s, "ready", at, false);
  out.send = r.boolean(s, "send", at, false, true);
  out.feed_id = r.optional_id(s, "feed_id", at);
  out.feed_mid = r.string(s, "feed_mid", at, false);
  out.feed_display = r.string(s, "feed_display", at, false);
  out.codec = r.string(s, "codec", at, false);
  out.crossrefid = r.string(s, "crossrefid", at, false);
  return out;
}

std::vector<SubscriptionStream> read_subscription(const json& d, std::string_view where, Reader& r) {
  return read_list<SubscriptionStream>(d, "streams", where, r, [&r](const json& s, const std::string& at) {
    return read_subscription_stream(s, at, r);
  });
}

// `key` must be the string "ok" (a confirmation).
void expect_ok(const json& d, const char* key, std::string_view where, Reader& r) {
  r.one_of(d, key, where, {"ok"});
}

// An id, or "ok" (nullopt) for the confirmation of our own action.
std::optional<Id> id_or_ok(const json& d, const char* key, std::string_view where, Reader& r) {
  const json* v = Reader::find(d, key);
  if (v && v->is_string() && v->get_ref<const std::string&>() == "ok") return std::nullopt;
  return r.id(d, key, where);
}

std::optional<int> layer(const json& d, const char* key, std::string_view where, Reader& r) {
  auto v = r.optional_uint(d, key, where, 2);
  return v ? std::optional<int>(static_cast<int>(*v)) : std::nullopt;
}

// A "videoroom":"event" message, told apart by the member it carries.
std::optional<Event> read_event(const json& d, std::string_view at, Reader& r) {
  const Id room = r.optional_id(d, "room", at).value_or(0);
  auto has = [&d](const char* key) { return Reader::find(d, key) != nullptr; };
  if (has("error_code")) {
    return videoroom::Error{static_cast<int>(r.uint(d, "error_code", at, 999999)), r.string(d, "error", at, false)};
  }
  if (has("publishers")) return Publishers{r.id(d, "room", at), read_publishers(d, at, r)};
  if (has("unpublished")) return Unpublished{room, id_or_ok(d, "unpublished", at, r)};
  if (has("leaving")) {
    Leaving out{room, id_or_ok(d, "leaving", at, r), r.string(d, "reason", at, false), r.string(d, "display", at, false)};
    return out;
  }
  if (has("kicked")) return Leaving{room, r.id(d, "kicked", at), "kicked", r.string(d, "display", at, false)};
  if (has("joining")) {
    const json* p = r.object(d, "joining", at);
    return Joining{room, p ? read_participant(*p, fmt::format("{}.joining", at), r) : Participant{}};
  }
  if (has("configured")) {
    expect_ok(d, "configured", at, r);
    return Configured{room};
  }
  if (has("started")) {
    expect_ok(d, "started", at, r);
    return Started{room};
  }
  if (has("paused")) {
    expect_ok(d, "paused", at, r);
    return Paused{room};
  }
  if (has("left")) {
    expect_ok(d, "left", at, r);
    return Left{room};
  }
  if (has("switched")) {
    expect_ok(d, "switched", at, r);
    return Switched{room, static_cast<std::uint32_t>(r.optional_uint(d, "changes", at, kU32).value_or(0)),
                    read_subscription(d, at, r)};
  }
  if (has("moderation")) {
    const std::string state = r.one_of(d, "moderation", at, {"muted", "unmuted"});
    return Moderated{room, r.id(d, "id", at), r.string(d, "mid", at, true, true), state == "muted"};
  }
  if (has("substream") || has("temporal") || has("spatial_layer") || has("temporal_layer")) {
    return LayerChanged{room,
                        r.string(d, "mid", at, true, true),
                        layer(d, "substream", at, r),
                        layer(d, "temporal", at, r),
                        layer(d, "spatial_layer", at, r),
                        layer(d, "temporal_layer", at, r)};
  }
  if (has("id") && (has("display") || has("metadata"))) {
    return ParticipantUpdated{room, read_participant(d, std::string(at), r)};
  }
  std::string keys;
  for (auto it = d.begin(); it != d.end(); ++it) {
    if (keys.size() < 200) keys += fmt::format("{}{}", keys.empty() ? "" : ", ", base::utf8_prefix(it.key(), 32));
  }
  r.fail(fmt::format("{}: a videoroom event with no member callcore knows ({})", at, keys), "unknownType");
  return std::nullopt;
}

// Every "videoroom" type of plugindata: "event" (read_event), or its own.
std::optional<Event> read_plugin_event(const json& d, std::string_view at, Reader& r) {
  const std::string type = r.string(d, "videoroom", at, true);
  if (r.error) return std::nullopt;
  if (type == "event") return read_event(d, at, r);
  if (type == "joined") {
    Joined out;
    out.room = r.id(d, "room", at);
    out.description = r.string(d, "description", at, false);
    out.id = r.id(d, "id", at);
    out.private_id = r.id(d, "private_id", at);
    out.publishers = read_publishers(d, at, r);
    out.attendees = read_list<Participant>(d, "attendees", at, r, [&r](const json& p, const std::string& where) {
      return read_participant(p, where, r);
    });
    return out;
  }
  if (type == "attached") return Attached{r.id(d, "room", at), read_subscription(d, at, r)};
  if (type == "updated") {
    Updated out{r.optional_id(d, "room", at).value_or(0), std::nullopt};
    if (Reader::find(d, "streams")) out.streams = read_subscription(d, at, r);
    return out;
  }
  if (type == "updating") return Updating{r.optional_id(d, "room", at).value_or(0)};
  if (type == "talking" || type == "stopped-talking") {
    Talking out{r.id(d, "room", at), r.id(d, "id", at), type == "talking", r.string(d, "mid", at, false), 0};
    if (const json* level = Reader::find(d, "audio-level-dBov-avg")) {
      if (level->is_number()) {
        out.audio_level_dbov = level->get<double>();
      } else {
        r.fail(fmt::format("{}.audio-level-dBov-avg must be a number", at));
      }
    }
    return out;
  }
  if (type == "destroyed") return Destroyed{r.id(d, "room", at)};
  if (type == "slow_link") {
    return videoroom::SlowLink{r.optional_uint(d, "current-bitrate", at, std::numeric_limits<std::uint64_t>::max())};
  }
  r.fail(fmt::format("{}: unknown videoroom type '{}'", at, base::utf8_prefix(type, 64)), "unknownType");
  return std::nullopt;
}

}  // namespace

std::string_view name(const Event& event) {
  return std::visit(overloaded{
                        [](const Joined&) { return std::string_view("joined"); },
                        [](const Publishers&) { return std::string_view("publishers"); },
                        [](const Unpublished&) { return std::string_view("unpublished"); },
                        [](const Leaving&) { return std::string_view("leaving"); },
                        [](const Joining&) { return std::string_view("joining"); },
                        [](const Attached&) { return std::string_view("attached"); },
                        [](const Updated&) { return std::string_view("updated"); },
                        [](const Updating&) { return std::string_view("updating"); },
                        [](const Configured&) { return std::string_view("configured"); },
                        [](const Started&) { return std::string_view("started"); },
                        [](const Paused&) { return std::string_view("paused"); },
                        [](const Left&) { return std::string_view("left"); },
                        [](const Switched&) { return std::string_view("switched"); },
                        [](const LayerChanged&) { return std::string_view("layerChanged"); },
                        [](const Talking& t) { return std::string_view(t.talking ? "talking" : "stopped-talking"); },
                        [](const Moderated&) { return std::string_view("moderated"); },
                        [](const ParticipantUpdated&) { return std::string_view("participantUpdated"); },
                        [](const Destroyed&) { return std::string_view("destroyed"); },
                        [](const SlowLink&) { return std::string_view("slow_link"); },
                        [](const Error&) { return std::string_view("error"); },
                    },
                    event);
}

std::string_view name(const Request& request) {
  return std::visit(overloaded{
                        [](const JoinPublisher&) { return std::string_view("join"); },
                        [](const Publish&) { return std::string_view("publish"); },
                        [](const ConfigurePublisher&) { return std::string_view("configure"); },
                        [](const Unpublish&) { return std::string_view("unpublish"); },
                        [](const Leave&) { return std::string_view("leave"); },
                        [](const JoinSubscriber&) { return std::string_view("join"); },
                        [](const Subscribe&) { return std::string_view("subscribe"); },
                        [](const Unsubscribe&) { return std::string_view("unsubscribe"); },
                        [](const Update&) { return std::string_view("update"); },
                        [](const ConfigureSubscriber&) { return std::string_view("configure"); },
                        [](const Switch&) { return std::string_view("switch"); },
                        [](const Start&) { return std::string_view("start"); },
                        [](const Pause&) { return std::string_view("pause"); },
                    },
                    request);
}

}  // namespace callcore::signaling::janus::videoroom

namespace callcore::signaling::janus::detail {

nlohmann::json videoroom_body(const videoroom::Request& request, Writer& w) { return videoroom::body_json(request, w); }

JsepRule jsep_rule(const videoroom::Request& request) {
  if (std::holds_alternative<videoroom::Publish>(request)) return {"offer", true};
  if (std::holds_alternative<videoroom::ConfigurePublisher>(request)) return {"offer", false};
  if (std::holds_alternative<videoroom::Start>(request)) return {"answer", false};
  return {"", false};
}

std::optional<videoroom::Event> videoroom_event(const nlohmann::json& data, std::string_view where, Reader& r) {
  return videoroom::read_plugin_event(data, where, r);
}

}  // namespace callcore::signaling::janus::detail
