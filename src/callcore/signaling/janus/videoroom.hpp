// The Janus VideoRoom plugin's API ("janus.plugin.videoroom"): typed request bodies (the `body`
// of a Janus "message") and typed events (the `plugindata.data` of a Janus "event" or
// "success"), as documented in janus-gateway's src/plugins/janus_videoroom.c, section "Video
// Room API" (multistream, Janus 1.x). Pure data: janus/codec.hpp encodes and decodes them.
//
// Ids: rooms, participants (feeds) and private ids are Janus's 64-bit integers, kept exact as
// uint64 (never through a double). A Janus configured with `string_ids = true` sends them as
// strings; callcore does not support that setting and refuses such messages (invalidField).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

namespace callcore::signaling::janus {

/// A Janus id: session, handle, room, participant (feed) or private id. Janus never uses 0
/// for one, so 0 means "absent" where a struct field says so.
using Id = std::uint64_t;

}  // namespace callcore::signaling::janus

namespace callcore::signaling::janus::videoroom {

// ---------------------------------------------------------------------------------------------
// Requests (the `body` of a Janus "message"; janus_videoroom.c "VideoRoom Publishers" and
// "VideoRoom Subscribers"). Empty strings and nullopt are left out of the JSON.

/// `{mid, description}` of a published stream (publish/configure `descriptions`).
struct StreamDescription {
  std::string mid;          ///< non-empty
  std::string description;  ///< e.g. "camera", "screen"
};

/// `{"request":"join","ptype":"publisher",room,id?,display?,token?,pin?}`: joins `room` as a
/// participant (not yet publishing). Answered by a Joined event. Carries no jsep.
struct JoinPublisher {
  Id room = 0;                ///< >= 1
  std::optional<Id> id;       ///< the participant id to register (>= 1); Janus picks one if absent
  std::string display;        ///< display name
  std::string token;          ///< invitation token of a room with an ACL
  std::string pin;            ///< the room's pin, if it has one
};

/// `{"request":"publish",display?,bitrate?,audiocodec?,videocodec?,descriptions?}` with a jsep
/// offer (required): starts publishing. Answered by a Configured event with a jsep answer.
struct Publish {
  std::string display;
  std::optional<std::uint32_t> bitrate;  ///< REMB cap, bits per second
  std::string audiocodec;                ///< codec to prefer among the negotiated ones, e.g. "opus"
  std::string videocodec;                ///< e.g. "vp8"
  std::vector<StreamDescription> descriptions;
};

/// One `streams` entry of a publisher's configure: `{mid, send?, keyframe?}`.
struct PublisherStreamConfig {
  std::string mid;                ///< non-empty
  std::optional<bool> send;       ///< relay this stream to subscribers or not
  std::optional<bool> keyframe;   ///< ask this stream for a keyframe
};

/// A publisher's `{"request":"configure",bitrate?,keyframe?,display?,streams?,descriptions?}`,
/// with an optional jsep offer (renegotiation). Answered by a Configured event (with a jsep
/// answer when an offer was sent).
struct ConfigurePublisher {
  std::optional<std::uint32_t> bitrate;  ///< REMB cap, bits per second
  std::optional<bool> keyframe;
  std::optional<std::string> display;
  std::vector<PublisherStreamConfig> streams;
  std::vector<StreamDescription> descriptions;
};

/// `{"request":"unpublish"}`: stops publishing. Answered by Unpublished without an id.
struct Unpublish {};

/// `{"request":"leave"}`: a publisher leaves the room (Leaving without an id answers), a
/// subscriber closes its subscription (Left answers).
struct Leave {};

/// One stream to subscribe to: `{feed, mid?, crossrefid?}`; without mid, every stream of feed.
struct SubscribeStream {
  Id feed = 0;             ///< the publisher's participant id, >= 1
  std::string mid;         ///< the publisher's stream mid; empty for all of the feed's streams
  std::string crossrefid;  ///< an id echoed in the subscription's stream list
};

/// `{"request":"join","ptype":"subscriber",room,private_id?,streams,use_msid?,autoupdate?,pin?}`:
/// opens a (multistream) subscription on a new handle. Answered by Attached with a jsep offer.
struct JoinSubscriber {
  Id room = 0;                         ///< >= 1
  std::optional<Id> private_id;        ///< the subscriber's publisher handle's private_id (>= 1)
  std::vector<SubscribeStream> streams;  ///< non-empty
  std::optional<bool> use_msid;        ///< msid naming the publisher in the offer
  std::optional<bool> autoupdate;      ///< new offer when a subscribed publisher leaves (Janus: true)
  std::string pin;
};

/// `{"request":"subscribe",streams}`: adds streams to a subscription (Updated answers, with a
/// jsep offer when the session changed).
struct Subscribe {
  std::vector<SubscribeStream> streams;  ///< non-empty
};

/// One stream to unsubscribe from: `{feed?, mid?, sub_mid?}`: a feed (all its streams), a feed's
/// mid, or the subscription's own mid (sub_mid).
struct UnsubscribeStream {
  std::optional<Id> feed;  ///< >= 1; required with mid
  std::string mid;         ///< the publisher's mid (needs feed)
  std::string sub_mid;     ///< the subscription's mid
};

/// `{"request":"unsubscribe",streams}` (Updated answers).
struct Unsubscribe {
  std::vector<UnsubscribeStream> streams;  ///< non-empty
};

/// `{"request":"update",subscribe?,unsubscribe?}`: both at once (Updated answers); at least one
/// list is non-empty.
struct Update {
  std::vector<SubscribeStream> subscribe;
  std::vector<UnsubscribeStream> unsubscribe;
};

/// One `streams` entry of a subscriber's configure: `{mid, send?, substream?, temporal?,
/// spatial_layer?, temporal_layer?}`. Layers are 0 (lowest) to 2.
struct SubscriberStreamConfig {
  std::string mid;                      ///< the subscription's mid, non-empty
  std::optional<bool> send;             ///< relay this stream or pause it
  std::optional<int> substream;         ///< simulcast substream 0-2
  std::optional<int> temporal;          ///< simulcast temporal layer 0-2
  std::optional<int> spatial_layer;     ///< SVC spatial layer 0-2
  std::optional<int> temporal_layer;    ///< SVC temporal layer 0-2
};

/// A subscriber's `{"request":"configure",streams?,restart?}`: per-mid layer choice or pause;
/// `restart` asks for an ICE-restart offer. Answered by Configured (and LayerChanged events).
struct ConfigureSubscriber {
  std::vector<SubscriberStreamConfig> streams;
  bool restart = false;
};

/// One `streams` entry of a switch: `{feed, mid, sub_mid}`.
struct SwitchStream {
  Id feed = 0;          ///< >= 1
  std::string mid;      ///< the new source's mid, non-empty
  std::string sub_mid;  ///< the subscription's mid it feeds, non-empty
};

/// `{"request":"switch",streams}`: changes the sources of subscription streams without a
/// renegotiation. Answered by Switched.
struct Switch {
  std::vector<SwitchStream> streams;  ///< non-empty
};

/// `{"request":"start"}`: with the subscriber's jsep answer, completes a (re)negotiation;
/// without, resumes a paused subscription. Answered by Started.
struct Start {};

/// `{"request":"pause"}`: pauses a whole subscription. Answered by Paused.
struct Pause {};

/// Every VideoRoom request callcore sends.
using Request = std::variant<JoinPublisher, Publish, ConfigurePublisher, Unpublish, Leave, JoinSubscriber, Subscribe,
                             Unsubscribe, Update, ConfigureSubscriber, Switch, Start, Pause>;

// ---------------------------------------------------------------------------------------------
// Events (`plugindata.data`, keyed by its "videoroom" member). `room` is 0 where Janus leaves it
// out (the "ok" confirmations of older versions); events documented with a room require it.

/// A published stream as listed in joined/publishers: `{type, mindex, mid, disabled?, codec?,
/// description?, moderated?, simulcast?, svc?, talking?}`.
struct PublisherStream {
  std::string type;         ///< "audio", "video" or "data"
  std::uint32_t mindex = 0; ///< m-line index in the publisher's SDP
  std::string mid;          ///< non-empty
  bool disabled = false;    ///< inactive: codec and description are then absent
  std::string codec;        ///< e.g. "opus", "vp8" ("" when absent)
  std::string description;
  bool moderated = false;   ///< muted by a moderator
  bool simulcast = false;
  bool svc = false;
  std::optional<bool> talking;  ///< only when the room reports audio levels
};

/// A participant: `{id, display?, metadata?}` (an attendee, or the joining one).
struct Participant {
  Id id = 0;                  ///< >= 1
  std::string display;
  nlohmann::json metadata;    ///< the app's JSON object, or null
};

/// An active publisher: a participant with `dummy?`, `talking?` and its `streams`.
struct Publisher {
  Id id = 0;                  ///< >= 1
  std::string display;
  nlohmann::json metadata;    ///< object or null
  bool dummy = false;         ///< a placeholder publisher (room option dummy_publisher)
  std::optional<bool> talking;
  std::vector<PublisherStream> streams;
};

/// A stream of a subscription (attached/updated/switched `streams`): `{mindex, mid, type,
/// active?, ready?, send?, feed_id?, feed_mid?, feed_display?, codec?, crossrefid?}`.
struct SubscriptionStream {
  std::uint32_t mindex = 0;
  std::string mid;           ///< the subscription's mid, non-empty
  std::string type;          ///< "audio", "video" or "data"
  bool active = true;        ///< false: no source feeds this m-line now
  bool ready = false;
  bool send = true;
  std::optional<Id> feed_id; ///< the publisher feeding it (absent for data and inactive streams)
  std::string feed_mid;      ///< the publisher's mid
  std::string feed_display;
  std::string codec;
  std::string crossrefid;
};

/// `{"videoroom":"joined",room,description?,id,private_id,publishers,attendees?}`: we joined
/// as participant `id`; `publishers` are the active ones (attendees only with notify_joining).
struct Joined {
  Id room = 0;
  std::string description;
  Id id = 0;
  Id private_id = 0;
  std::vector<Publisher> publishers;
  std::vector<Participant> attendees;
};

/// `{"videoroom":"event",room,publishers:[...]}`: publishers became active (new or renegotiated).
struct Publishers {
  Id room = 0;
  std::vector<Publisher> publishers;
};

/// `{"videoroom":"event",room,unpublished:<id>|"ok"}`: participant `id` stopped publishing;
/// "ok" (id nullopt) confirms our own unpublish.
struct Unpublished {
  Id room = 0;
  std::optional<Id> id;
};

/// `{"videoroom":"event",room,leaving:<id>|"ok",reason?}` or `{...,kicked:<id>}`: participant
/// `id` left (reason "kicked" when a moderator removed it); "ok" (id nullopt) confirms our own
/// leave or tells us we were kicked (reason "kicked").
struct Leaving {
  Id room = 0;
  std::optional<Id> id;
  std::string reason;
  std::string display;
};

/// `{"videoroom":"event",room,joining:{id,display?,metadata?}}` (rooms with notify_joining).
struct Joining {
  Id room = 0;
  Participant participant;
};

/// `{"videoroom":"attached",room,streams}` (with a jsep offer): a new subscription's streams.
struct Attached {
  Id room = 0;
  std::vector<SubscriptionStream> streams;
};

/// `{"videoroom":"updated",room,streams?}` (jsep offer when renegotiation is needed): the whole
/// subscription after subscribe/unsubscribe/update; nullopt when Janus sent no streams (no SDP change).
struct Updated {
  Id room = 0;
  std::optional<std::vector<SubscriptionStream>> streams;
};

/// `{"videoroom":"updating",room}`: a subscription update waits for the previous answer.
struct Updating {
  Id room = 0;
};

/// `{"videoroom":"event",room?,configured:"ok"}` (jsep answer after publish/configure with offer).
struct Configured {
  Id room = 0;
};

/// `{"videoroom":"event",room?,started:"ok"}`.
struct Started {
  Id room = 0;
};

/// `{"videoroom":"event",room?,paused:"ok"}`.
struct Paused {
  Id room = 0;
};

/// `{"videoroom":"event",room?,left:"ok"}`: the subscription is closed.
struct Left {
  Id room = 0;
};

/// `{"videoroom":"event",switched:"ok",room,changes,streams}`.
struct Switched {
  Id room = 0;
  std::uint32_t changes = 0;
  std::vector<SubscriptionStream> streams;
};

/// `{"videoroom":"event",room,mid,substream|temporal|spatial_layer|temporal_layer}`: a
/// subscriber's stream now receives the layer it asked for with configure (0-2).
struct LayerChanged {
  Id room = 0;
  std::string mid;
  std::optional<int> substream;
  std::optional<int> temporal;
  std::optional<int> spatial_layer;
  std::optional<int> temporal_layer;
};

/// `{"videoroom":"talking"|"stopped-talking",room,id,mindex?,mid?,audio-level-dBov-avg?}`.
struct Talking {
  Id room = 0;
  Id id = 0;
  bool talking = true;         ///< false for "stopped-talking"
  std::string mid;
  double audio_level_dbov = 0; ///< average level, 0 (loud) to 127 (muted)
};

/// `{"videoroom":"event",room,id,mid,moderation:"muted"|"unmuted"}`.
struct Moderated {
  Id room = 0;
  Id id = 0;
  std::string mid;
  bool muted = true;
};

/// `{"videoroom":"event",id,display?,metadata?}`: a participant changed its display or metadata.
struct ParticipantUpdated {
  Id room = 0;
  Participant participant;
};

/// `{"videoroom":"destroyed",room}`: the room is gone (everybody is out).
struct Destroyed {
  Id room = 0;
};

/// `{"videoroom":"slow_link","current-bitrate"?}`: the plugin's view of a slow link.
struct SlowLink {
  std::optional<std::uint64_t> current_bitrate;  ///< bits per second
};

/// `{"videoroom":"event",error_code,error}`: a request failed (codes JANUS_VIDEOROOM_ERROR_*,
/// janus/errors.hpp).
struct Error {
  int code = 0;
  std::string error;
};

/// Every VideoRoom event callcore understands.
using Event = std::variant<Joined, Publishers, Unpublished, Leaving, Joining, Attached, Updated, Updating, Configured,
                           Started, Paused, Left, Switched, LayerChanged, Talking, Moderated, ParticipantUpdated,
                           Destroyed, SlowLink, Error>;

/// The name of an event for logs, e.g. "joined", "publishers", "leaving", "error".
std::string_view name(const Event& event);
/// The name of a request, its `body.request` ("join", "publish", "configure", ...).
std::string_view name(const Request& request);

}  // namespace callcore::signaling::janus::videoroom
