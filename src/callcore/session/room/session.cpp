// The room session's flow: options, app requests, the socket, the peer connections, requests and
// their timeouts, reconnect and leave. Janus's messages are handled in inbound.cpp.
#include "callcore/session/room/session.hpp"

#include <algorithm>
#include <charconv>
#include <tuple>

#include <fmt/format.h>

#include "callcore/base/json.hpp"
#include "callcore/events/dictionary.hpp"
#include "callcore/signaling/janus/errors.hpp"
#include "callcore/base/overloaded.hpp"

namespace callcore::session::room {

using nlohmann::json;
namespace ev = events;
namespace le = events::log_event;
namespace vr = janus::videoroom;

namespace {

using base::overloaded;

// A Janus id option: an integer >= 1 or its decimal text (exact up to 2^64-1).
std::optional<janus::Id> id_option(const json& j) {
  if (j.is_number_unsigned()) {
    const auto v = j.get<std::uint64_t>();
    return v >= 1 ? std::optional<janus::Id>(v) : std::nullopt;
  }
  if (j.is_number_integer()) {
    const auto v = j.get<std::int64_t>();
    return v >= 1 ? std::optional<janus::Id>(static_cast<janus::Id>(v)) : std::nullopt;
  }
  if (j.is_string()) {
    const auto& s = j.get_ref<const std::string&>();
    janus::Id v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec == std::errc() && end == s.data() + s.size() && v >= 1) return v;
  }
  return std::nullopt;
}

// The mid of the first m-section of each kind in `sdp` (RFC 8866 §5.14 m=, RFC 8843 §15 a=mid).
std::map<std::string, std::string> mids_by_kind(std::string_view sdp) {
  std::map<std::string, std::string> out;
  std::string kind;
  std::size_t pos = 0;
  while (pos < sdp.size()) {
    std::size_t end = sdp.find('\n', pos);
    if (end == std::string_view::npos) end = sdp.size();
    std::string_view line = sdp.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.starts_with("m=")) {
      kind = std::string(line.substr(2, line.find(' ') == std::string_view::npos ? 0 : line.find(' ') - 2));
    } else if (line.starts_with("a=mid:") && (kind == "audio" || kind == "video") && !out.contains(kind)) {
      out[kind] = std::string(line.substr(6));
    }
    pos = end + 1;
  }
  return out;
}

// The mid of the m-section whose a=msid names MediaStream `stream_id` (RFC 8830 §2, "a=msid:
// <stream id> <track id>"; RFC 8843 §15 a=mid), or "" when none does.
std::string mid_of_stream(std::string_view sdp, std::string_view stream_id) {
  if (stream_id.empty()) return "";
  std::string mid;
  bool match = false;
  std::size_t pos = 0;
  while (pos <= sdp.size()) {
    std::size_t end = sdp.find('\n', pos);
    if (end == std::string_view::npos) end = sdp.size();
    std::string_view line = sdp.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.starts_with("m=")) {
      if (match && !mid.empty()) return mid;
      mid.clear();
      match = false;
    } else if (line.starts_with("a=mid:")) {
      mid = std::string(line.substr(6));
    } else if (line.starts_with("a=msid:")) {
      std::string_view rest = line.substr(7);
      match = match || rest.substr(0, rest.find(' ')) == stream_id;
    }
    pos = end + 1;
  }
  return match ? mid : "";
}

std::optional<janus::Jsep> jsep_of(const json& fields) {
  const json* d = fields.contains("description") ? &fields["description"] : nullptr;
  if (!d || !d->is_object()) return std::nullopt;
  return janus::Jsep{base::string_or(*d, "type"), base::string_or(*d, "sdp")};
}

}  // namespace

std::string_view to_string(Status status) {
  switch (status) {
    case Status::Disconnected: return "disconnected";
    case Status::Connecting: return "connecting";
    case Status::Connected: return "connected";
    case Status::Reconnecting: return "reconnecting";
  }
  return "disconnected";
}

std::string_view to_string(RequestKind kind) {
  switch (kind) {
    case RequestKind::Create: return "create";
    case RequestKind::Claim: return "claim";
    case RequestKind::KeepAlive: return "keepalive";
    case RequestKind::Destroy: return "destroy";
    case RequestKind::AttachPublisher: return "attach publisher";
    case RequestKind::AttachSubscriber: return "attach subscriber";
    case RequestKind::Detach: return "detach";
    case RequestKind::JoinPublisher: return "join publisher";
    case RequestKind::Publish: return "publish";
    case RequestKind::ConfigurePublisher: return "configure publisher";
    case RequestKind::Leave: return "leave";
    case RequestKind::JoinSubscriber: return "join subscriber";
    case RequestKind::UpdateSubscription: return "update subscription";
    case RequestKind::Start: return "start";
    case RequestKind::ConfigureSubscriber: return "configure subscriber";
    case RequestKind::Trickle: return "trickle";
  }
  return "request";
}

std::variant<RoomConfig, errors::CallError> parse_config(const json& j) {
  if (!j.is_object()) return errors::params_error("room options must be an object");
  RoomConfig c;
  auto url = j.find("signalingUrl");
  if (url == j.end() || !url->is_string() ||
      !(url->get_ref<const std::string&>().starts_with("ws://") || url->get_ref<const std::string&>().starts_with("wss://")))
    return errors::params_error("signalingUrl must be the Janus WebSocket URL (ws:// or wss://)");
  c.url = url->get<std::string>();
  auto room = j.find("room");
  std::optional<janus::Id> room_id = room == j.end() ? std::nullopt : id_option(*room);
  if (!room_id) return errors::params_error("room must be a Janus room id: an integer >= 1 or its decimal text");
  c.room = *room_id;
  if (auto it = j.find("id"); it != j.end() && !it->is_null()) {
    c.id = id_option(*it);
    if (!c.id) return errors::params_error("id must be a participant id: an integer >= 1 or its decimal text");
  }
  for (auto [key, field] : {std::pair{"display", &c.display}, std::pair{"pin", &c.pin}, std::pair{"token", &c.token}}) {
    if (auto it = j.find(key); it != j.end() && !it->is_null()) {
      if (!it->is_string() || !base::valid_utf8(it->get_ref<const std::string&>()))
        return errors::params_error(fmt::format("{} must be a string", key));
      *field = it->get<std::string>();
    }
  }
  if (c.display.find(kPresenceSeparator) != std::string::npos)
    return errors::params_error("display must not contain U+001F (callcore appends the mute state after it)");
  // audio / video: a boolean, or MediaTrackConstraints passed to getUserMedia as given.
  for (auto [key, on, constraints] : {std::tuple{"audio", &c.audio, &c.audio_constraints},
                                      std::tuple{"video", &c.video, &c.video_constraints}}) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) continue;
    if (it->is_boolean()) {
      *on = it->get<bool>();
      *constraints = *on;
    } else if (it->is_object() && it->dump().size() <= 4096) {
      *on = true;
      *constraints = *it;
    } else {
      return errors::params_error(fmt::format("{} must be a boolean or an object of MediaTrackConstraints (at most 4 KiB)", key));
    }
  }
  for (auto [key, field] : {std::pair{"useSimulcast", &c.use_simulcast}, std::pair{"autoReconnect", &c.auto_reconnect}}) {
    if (auto it = j.find(key); it != j.end() && !it->is_null()) {
      if (!it->is_boolean()) return errors::params_error(fmt::format("{} must be a boolean", key));
      *field = it->get<bool>();
    }
  }
  for (auto [key, field] : {std::pair{"keepaliveSecond", &c.keepalive}, std::pair{"requestTimeoutSecond", &c.request_timeout},
                            std::pair{"sessionTimeoutSecond", &c.session_timeout}}) {
    if (auto it = j.find(key); it != j.end() && !it->is_null()) {
      if (!it->is_number() || !(it->get<double>() > 0) || it->get<double>() > 86400)
        return errors::params_error(fmt::format("{} must be a positive number of seconds (at most a day)", key));
      *field = base::Ms::seconds(it->get<double>());
    }
  }
  if (auto it = j.find("randomSeed"); it != j.end() && it->is_number() && it->get<double>() >= 0 && it->get<double>() < 1.8e19)
    c.random_seed = static_cast<std::uint64_t>(it->get<double>());
  return c;
}

std::variant<std::unique_ptr<RoomSession>, errors::CallError> make_session(const json& options, log::Logger& logger,
                                                                           base::Ms now) {
  auto parsed = parse_config(options);
  if (auto* err = std::get_if<errors::CallError>(&parsed)) return *err;
  return std::make_unique<RoomSession>(std::get<RoomConfig>(std::move(parsed)), logger, now);
}

RoomSession::RoomSession(RoomConfig config, log::Logger& logger, base::Ms now)
    : config_(std::move(config)),
      ctx_(logger, now, config_.random_seed),
      publisher_(rtc::PeerConfig{kPublisherPc, /*polite=*/false, config_.ice, {kPublisherData}}, ctx_,
                 [this](std::string_view type, json fields) { signal_publisher(type, fields); }),
      // The subscriber only answers Janus's offers (it never offers: polite, no ICE restarts of
      // its own — Janus restarts ICE with a new offer).
      subscriber_(rtc::PeerConfig{kSubscriberPc, /*polite=*/true, rtc::IceRestartPolicy{base::Ms(3000), 0}, {kSubscriberData}}, ctx_,
                  [this](std::string_view type, json fields) { signal_subscriber(type, fields); }) {
  transaction_prefix_ = fmt::format("{:08x}", static_cast<std::uint32_t>(ctx_.random().next_unit() * 4294967296.0));
  ctx_.log(log::Level::Info, le::kSessionCreated, {{"product", "room"}, {"room", std::to_string(config_.room)}});
}

void RoomSession::handle(const io::Input& input, base::Ms now) {
  ctx_.set_now(now);
  std::visit(overloaded{
                 [this](const io::FromApp& a) {
                   std::visit(overloaded{
                                  [this](const io::in::Call& r) { on(r); },
                                  [this](const io::in::HangUp& r) { on(r); },
                                  [this](const io::in::Destroy& r) { on(r); },
                                  [this](const io::in::ChangeDeviceState& r) { on(r); },
                                  [this](const io::in::SendMessage& r) { on(r); },
                                  [this](const io::in::SendTrack& r) { on(r); },
                                  [this](const io::in::TrackControl& r) { on(r); },
                                  [this](const io::in::SwitchDevice& r) { on_unsupported(r, "switchDevice"); },
                              },
                              a.request);
                 },
                 [this](const io::FromTransport& t) {
                   if (t.transport != kTransport || !transport_ || !active()) return;
                   std::visit(overloaded{
                                  [this](const io::in::TransportOpened&) { on_opened(); },
                                  [this](const io::in::TransportClosed& c) { on_closed(c.code, c.reason); },
                                  [this](const io::in::TransportMessage& m) { on_text(m.text); },
                                  [this](const io::in::SendFailed& f) {
                                    // The socket is going away; the close that follows recovers.
                                    ctx_.log(log::Level::Warn, le::kSendFailed, {{"reason", f.reason}});
                                  },
                                  [](const auto&) {},  // portal pause/resume: the room owns its socket
                              },
                              t.event);
                 },
                 [this](const io::FromPc& p) {
                   if (p.pc == kPublisherPc && publisher_.created()) on_pc(publisher_, p.event);
                   if (p.pc == kSubscriberPc && subscriber_.created()) on_pc(subscriber_, p.event);
                 },
                 [this](const io::FromMedia& m) { on_media(m.event); },
                 [this](const io::Timeout&) { on_timeout(); },
             },
             input);
}

std::optional<base::Ms> RoomSession::poll_timeout() const {
  auto t = base::earliest(timers_.next(), base::earliest(publisher_.next_timeout(), subscriber_.next_timeout()));
  return transport_ ? base::earliest(t, transport_->next_timeout()) : t;
}

json RoomSession::snapshot() const {
  json participants = json::array();
  for (const auto& [id, p] : participants_) {
    json tracks = json::object();
    for (const auto& s : p.streams) {
      if (s.disabled || (s.type != "audio" && s.type != "video")) continue;
      std::string mid;
      for (const auto& [sub_mid, r] : received_) {
        if (r.feed == id && r.feed_mid == s.mid) mid = sub_mid;
      }
      tracks[tag_of(id, s.mid, s.type)] = {{"kind", s.type}, {"mid", mid}, {"receiving", !mid.empty()}};
    }
    json layers = nullptr;
    if (auto it = layers_.find(id); it != layers_.end())
      layers = {{"substream", it->second.substream ? json(*it->second.substream) : json(nullptr)},
                {"temporal", it->second.temporal ? json(*it->second.temporal) : json(nullptr)}};
    participants.push_back({{"id", std::to_string(id)}, {"display", p.display}, {"audioEnabled", p.audio},
                            {"videoEnabled", p.video}, {"tracks", tracks}, {"layers", layers}});
  }
  json in_flight = json::array();
  for (const auto& r : in_flight_) in_flight.push_back({{"transaction", r.transaction}, {"request", to_string(r.kind)}});
  auto id_text = [](janus::Id id) { return id ? json(std::to_string(id)) : json(nullptr); };
  return {{"connectStatus", to_string(status_)},
          {"joined", phase_ == Phase::Joined},
          {"room", std::to_string(config_.room)},
          {"participantId", id_text(participant_id_)},
          {"sessionId", id_text(session_id_)},
          {"audioEnabled", audio_on_},
          {"videoEnabled", video_on_},
          {"publishing", published_},
          {"screenSharing", publisher_.senders().contains(std::string(kScreenTag))},
          {"data", {{"sending", publisher_.data_channel_open()}, {"receiving", subscriber_.data_channel_open()}}},
          {"participants", participants},
          {"inFlight", in_flight},
          {"reconnectAttempt", transport_ ? transport_->reconnect_attempt() : 0}};
}

// ---- app ------------------------------------------------------------------------------------------

void RoomSession::on(const io::in::Call& c) {
  if (active() || pending_join_) {
    const auto err = errors::state_error("joinCall() while already in the room");
    ctx_.log(log::Level::Warn, le::kCallRejected, errors::to_json(err));
    ctx_.push(io::fx::SettleRequest{c.request_id, err});
    return;
  }
  pending_join_ = c.request_id;
  participant_id_ = 0;
  transport_ = std::make_unique<signaling::Transport>(
      signaling::TransportConfig{kTransport, config_.url, config_.reconnect, 1024, std::string(janus::kSubprotocol)},
      ctx_, [](const json&) { return le::kJanusRequest; }, nullptr);
  set_status(Status::Connecting);
  transport_->start();
  if (config_.audio || config_.video) {
    media_requested_ = true;
    ctx_.push(io::fx::AcquireMedia{{{"audio", config_.audio_constraints}, {"video", config_.video_constraints}}});
  } else {
    media_ready_ = true;  // receive only
  }
}

void RoomSession::on(const io::in::ChangeDeviceState& c) {
  if (c.is_mute) audio_on_ = !*c.is_mute;
  if (c.is_hidden) video_on_ = !*c.is_hidden;
  const json state = {{"isHidden", !video_on_}, {"isMute", !audio_on_}};
  ctx_.log(log::Level::Info, le::kDeviceState, state);
  ctx_.emit(ev::kLocalDeviceState, state);
  apply_mute();
}

// sendData(text): on our publisher's data channel; Janus relays it to every subscriber of our
// data stream (janus_videoroom_incoming_data → relay_data_packet, label = our id).
void RoomSession::on(const io::in::SendMessage& m) {
  std::optional<errors::CallError> err;
  const std::string* text = m.body.is_string() ? &m.body.get_ref<const std::string&>() : nullptr;
  if (!text || text->empty() || text->size() > kMaxDataBytes || !base::valid_utf8(*text)) {
    err = errors::params_error(fmt::format("sendData(text): text must be a non-empty string of at most {} bytes", kMaxDataBytes));
  } else if (phase_ != Phase::Joined || !published_) {
    err = errors::state_error("sendData() before the room was joined and our media published");
  } else if (!publisher_.send_data(*text)) {
    err = errors::state_error("sendData(): the room's data channel is not open yet");
  }
  if (err) {
    ctx_.log(log::Level::Warn, le::kRequestRefused, errors::to_json(*err));
  } else {
    ctx_.log(log::Level::Debug, le::kRoomData, {{"direction", "out"}, {"bytes", text->size()}});
  }
  ctx_.push(io::fx::SettleRequest{m.request_id, err});
}

// A data message from the subscriber connection: Janus labels each publisher's relayed channel
// with its participant id. A label that names nobody we know is refused (roomError + log).
void RoomSession::on_data(bool from_subscriber, const io::in::DataChannelMessage& message) {
  if (!from_subscriber) {
    ctx_.log(log::Level::Info, le::kIgnoredMessage, {{"why", "data on the publisher connection"}, {"label", message.label}});
    return;
  }
  janus::Id feed = 0;
  auto [end, ec] = std::from_chars(message.label.data(), message.label.data() + message.label.size(), feed);
  auto p = participants_.find(feed);
  if (ec != std::errc() || end != message.label.data() + message.label.size() || p == participants_.end()) {
    refuse("invalidField", fmt::format("data channel \"{}\": not a participant of the room", base::utf8_prefix(message.label, 64)));
    return;
  }
  if (!base::valid_utf8(message.text)) {
    refuse("invalidText", fmt::format("data of participant {}: not UTF-8 text", feed));
    return;
  }
  ctx_.log(log::Level::Debug, le::kRoomData, {{"direction", "in"}, {"participantId", std::to_string(feed)}, {"bytes", message.text.size()}});
  ctx_.emit(ev::kRoomDataReceived, {{"participantId", std::to_string(feed)}, {"display", p->second.display}, {"text", message.text}});
}

// shareScreen(track): the screen as a second published video under the tag 'screen'. A new
// sender renegotiates (negotiationneeded → configure + offer with its description); a second
// share replaces the track on the same sender, without renegotiation.
void RoomSession::on(const io::in::SendTrack& s) {
  std::optional<errors::CallError> err;
  if (s.tag != kScreenTag || s.kind != "video") {
    err = errors::params_error("a room publishes one more track: the screen (tag 'screen', a video track)");
  } else if (phase_ != Phase::Joined || !media_ready_) {
    err = errors::state_error("shareScreen() before the room was joined");
  } else {
    for (const auto& [tag, sender] : publisher_.senders()) {
      if (tag != s.tag && sender.track == s.track) err = errors::params_error(fmt::format("this track is already published as '{}'", tag));
    }
  }
  if (err) {
    ctx_.log(log::Level::Warn, le::kRequestRefused, errors::to_json(*err));
    ctx_.push(io::fx::SettleRequest{s.request_id, err});
    return;
  }
  if (rtc::Sender* sender = publisher_.sender(s.tag)) {
    const io::TrackId old = sender->track;
    sender->track = s.track;
    publisher_.replace_track(s.tag, s.track);
    if (old != s.track) ctx_.push(io::fx::ReleaseTrack{old});
  } else {
    publisher_.add_sender(s.tag, rtc::Sender{"video", s.track, "", false, false});
    start_publishing();  // a receive-only participant starts publishing with its screen
  }
  ctx_.log(log::Level::Info, le::kSendTrack, {{"tag", s.tag}, {"kind", s.kind}});
  ctx_.push(io::fx::SettleRequest{s.request_id, std::nullopt});
}

// stopScreenShare(): trackControl {close, 'screen'}; the sender goes (removeTrack: its m-section
// becomes recvonly, Janus marks the stream disabled and the others unsubscribe it).
void RoomSession::on(const io::in::TrackControl& c) {
  std::optional<errors::CallError> err;
  if (c.tag != kScreenTag || c.action != "close") {
    err = errors::params_error("a room's only track control is closing the screen share");
  } else if (!active() || !publisher_.sender(c.tag)) {
    err = errors::state_error("stopScreenShare() without a screen shared");
  }
  if (err) {
    ctx_.log(log::Level::Warn, le::kRequestRefused, errors::to_json(*err));
    ctx_.push(io::fx::SettleRequest{c.request_id, err});
    return;
  }
  publisher_.remove_sender(c.tag);
  ctx_.log(log::Level::Info, le::kTrackControl, {{"tag", c.tag}, {"action", c.action}});
  ctx_.push(io::fx::SettleRequest{c.request_id, std::nullopt});
}

template <typename R>
void RoomSession::on_unsupported(const R& request, std::string_view what) {
  const auto err = errors::state_error(fmt::format("{}() is not available in a room", what));
  ctx_.log(log::Level::Warn, le::kRequestRefused, errors::to_json(err));
  if constexpr (requires { request.request_id; }) ctx_.push(io::fx::SettleRequest{request.request_id, err});
}

// enableAudio/enableVideo: the local track is disabled at once (a disabled track sends silence /
// black frames, W3C mediacapture-streams §4.3.1 "enabled") and Janus is told to stop relaying
// the stream (configure streams[{mid, send: false}]), so subscribers stop receiving it and
// bandwidth is saved; re-enabling reverses both. No renegotiation either way.
void RoomSession::apply_mute() {
  for (const auto& [tag, s] : publisher_.senders()) {
    if (tag == "audio" || tag == "video") ctx_.push(io::fx::SetTrackEnabled{s.track, tag == "audio" ? audio_on_ : video_on_});
  }
  if (!published_ || !transport_ || !transport_->open()) return;
  vr::ConfigurePublisher configure;
  configure.display = own_display();  // Janus tells the others (presence.hpp)
  for (const auto& [kind, mid] : local_mids_) {
    configure.streams.push_back({mid, kind == "audio" ? audio_on_ : video_on_, std::nullopt});
  }
  send(janus::Message{session_id_, publisher_handle_, configure, std::nullopt}, RequestKind::ConfigurePublisher);
}

std::string RoomSession::own_display() const {
  return encode_presence(Presence{config_.display, audio_on_, video_on_});
}

void RoomSession::select_layers(janus::Id participant, std::optional<int> substream, std::optional<int> temporal,
                                base::Ms now) {
  ctx_.set_now(now);
  auto clamp = [](std::optional<int> v) { return v ? std::optional<int>(std::clamp(*v, 0, 2)) : std::nullopt; };
  if (!participants_.contains(participant)) {
    ctx_.log(log::Level::Warn, le::kRequestRefused, {{"request", "selectLayers"}, {"why", "no such participant"},
                                                     {"participantId", std::to_string(participant)}});
    return;
  }
  layers_[participant] = Layers{clamp(substream), clamp(temporal)};
  apply_layers();
}

void RoomSession::apply_layers() {
  if (!subscriber_joined_ || !transport_ || !transport_->open()) return;
  vr::ConfigureSubscriber configure;
  for (const auto& [mid, r] : received_) {
    auto it = layers_.find(r.feed);
    if (r.kind != "video" || it == layers_.end()) continue;
    configure.streams.push_back({mid, std::nullopt, it->second.substream.value_or(2), it->second.temporal.value_or(2),
                                 std::nullopt, std::nullopt});
  }
  if (!configure.streams.empty())
    send(janus::Message{session_id_, subscriber_handle_, configure, std::nullopt}, RequestKind::ConfigureSubscriber);
}

// ---- media ------------------------------------------------------------------------------------

void RoomSession::on_media(const io::MediaEvent& event) {
  std::visit(overloaded{
                 [this](const io::in::MediaAcquired& m) {
                   if (!active() || !media_requested_ || media_ready_) {
                     // The call this media was for has ended (or it came twice): release it.
                     if (m.audio) ctx_.push(io::fx::ReleaseTrack{*m.audio});
                     if (m.video) ctx_.push(io::fx::ReleaseTrack{*m.video});
                     return;
                   }
                   media_ready_ = true;
                   ctx_.log(log::Level::Info, le::kMediaAcquired, {{"audio", m.audio.has_value()}, {"video", m.video.has_value()}});
                   if (m.audio) publisher_.add_sender("audio", rtc::Sender{"audio", *m.audio, m.stream_id, false, false});
                   if (m.video)
                     publisher_.add_sender("video", rtc::Sender{"video", *m.video, m.stream_id, false, config_.use_simulcast});
                   ctx_.emit(ev::kLocalStream, {{"stream", m.stream_id}});
                   for (const auto& [tag, s] : publisher_.senders()) {
                     if (tag == "audio" || tag == "video")
                       ctx_.push(io::fx::SetTrackEnabled{s.track, tag == "audio" ? audio_on_ : video_on_});
                   }
                   start_publishing();
                 },
                 [this](const io::in::TrackEnded& e) {
                   // The browser ended the shared screen ("Stop sharing"): stop publishing it.
                   const rtc::Sender* screen = publisher_.sender(std::string(kScreenTag));
                   if (!active() || !screen || screen->track != e.track) return;
                   ctx_.log(log::Level::Info, le::kTrackControl, {{"tag", std::string(kScreenTag)}, {"action", "ended"}});
                   publisher_.remove_sender(std::string(kScreenTag));
                 },
                 [this](const io::in::MediaFailed& m) {
                   if (!active() || media_ready_) return;
                   // The room still works without local media: receive only.
                   media_ready_ = true;
                   emit_error(errors::stream_error(m.name, {}, m.constraint));
                 },
                 [](const auto&) {},
             },
             event);
}

// ---- socket -------------------------------------------------------------------------------------

void RoomSession::on_opened() {
  transport_->on_opened();
  const bool may_live = session_id_ != 0 && ctx_.now() - last_alive_ < config_.session_timeout;
  if (may_live && (phase_ == Phase::Joined || phase_ == Phase::Claiming) && !lost_requests_) {
    phase_ = Phase::Claiming;
    send(janus::ClaimSession{session_id_}, RequestKind::Claim);
    return;
  }
  if (session_id_ != 0) {
    rebuild_session(may_live ? "requests were lost with the socket" : "the Janus session has expired");
    return;
  }
  begin_session();
}

void RoomSession::on_closed(int code, std::string_view reason) {
  for (const auto& r : in_flight_) {
    if (r.kind != RequestKind::KeepAlive && r.kind != RequestKind::Trickle) lost_requests_ = true;
  }
  if (phase_ != Phase::Joined && phase_ != Phase::Claiming) lost_requests_ = true;
  in_flight_.clear();
  timers_.cancel_all();
  subscription_busy_ = false;
  transport_->on_closed(code, reason, config_.auto_reconnect);
  if (!config_.auto_reconnect) {
    leave(errors::make(ev::error_type::kConnection, "The connection to the room was lost",
                       fmt::format("WebSocket closed ({}) {}", code, reason)));
    return;
  }
  set_status(Status::Reconnecting);
}

void RoomSession::begin_session() {
  phase_ = Phase::Creating;
  send(janus::CreateSession{}, RequestKind::Create);
}

void RoomSession::rebuild_session(std::string_view why) {
  ctx_.log(log::Level::Warn, le::kJanusSessionRebuilt, {{"why", why}, {"sessionId", std::to_string(session_id_)}});
  // The old session may still be alive (requests lost, not expired): free its participant id.
  if (session_id_ != 0 && transport_->open()) send(janus::DestroySession{session_id_}, std::nullopt);
  for (const auto& [mid, r] : received_) {
    ctx_.emit(ev::kRoomTrackRemoved, {{"participantId", std::to_string(r.feed)}, {"tag", r.tag}, {"kind", r.kind}, {"mid", mid}});
  }
  received_.clear();
  subscribed_.clear();
  pending_unsubscribe_.clear();
  last_update_unsubscribed_ = false;
  subscriber_joined_ = false;
  subscription_busy_ = false;
  subscription_dirty_ = false;
  subscriber_.close();
  publisher_.close();  // keeps its senders: the next publish offers the same tracks
  publishing_ = false;
  published_ = false;
  local_mids_.clear();
  in_flight_.clear();
  timers_.cancel_all();
  lost_requests_ = false;
  session_id_ = publisher_handle_ = subscriber_handle_ = private_id_ = 0;
  set_status(Status::Reconnecting);
  if (transport_->open()) begin_session();
  else phase_ = Phase::Idle;  // on_opened() creates it
}

// ---- requests -------------------------------------------------------------------------------------

bool RoomSession::send(janus::Request request, std::optional<RequestKind> kind) {
  if (!transport_ || !transport_->open()) return false;
  const std::string transaction = fmt::format("{}-{}", transaction_prefix_, ++transaction_seq_);
  auto encoded = janus::encode(request, transaction);
  if (auto* err = std::get_if<janus::EncodeError>(&encoded)) {
    // Only a bug or bad options (e.g. a display name that is not UTF-8) gets here.
    emit_error(errors::make(ev::error_type::kRoom, "A room request could not be built",
                            fmt::format("{}: {}", err->code, err->message)));
    return false;
  }
  json message = base::parse_json(std::get<std::string>(encoded));
  ctx_.log(log::Level::Debug, le::kJanusRequest,
           {{"janus", janus::name(request)}, {"transaction", transaction},
            {"request", kind ? to_string(*kind) : std::string_view("notification")}});
  transport_->send_now(std::move(message));
  if (kind) {
    in_flight_.push_back(InFlight{transaction, *kind, ctx_.now() + config_.request_timeout});
    arm_request_timer();
  }
  return true;
}

std::optional<InFlight> RoomSession::take(const std::string& transaction) {
  auto it = std::find_if(in_flight_.begin(), in_flight_.end(), [&](const InFlight& r) { return r.transaction == transaction; });
  if (it == in_flight_.end()) return std::nullopt;
  InFlight r = *it;
  in_flight_.erase(it);
  arm_request_timer();
  return r;
}

void RoomSession::arm_request_timer() {
  if (in_flight_.empty()) {
    timers_.cancel(Timer::Request);
    return;
  }
  base::Ms first = in_flight_.front().deadline;
  for (const auto& r : in_flight_) first = std::min(first, r.deadline);
  timers_.start(Timer::Request, first);
}

void RoomSession::on_timeout() {
  const base::Ms now = ctx_.now();
  if (transport_) transport_->on_timeout(now);
  if (auto f = publisher_.on_timeout(now)) emit_error(f->error);
  if (auto f = subscriber_.on_timeout(now)) emit_error(f->error);
  while (auto t = timers_.pop_due(now)) {
    if (*t == Timer::KeepAlive) {
      if (session_id_ && transport_ && transport_->open()) send(janus::KeepAlive{session_id_}, RequestKind::KeepAlive);
      timers_.start(Timer::KeepAlive, now + config_.keepalive);
    } else if (*t == Timer::Unsubscribe) {
      resend_unsubscribe();
    } else {
      std::vector<InFlight> due;
      for (auto it = in_flight_.begin(); it != in_flight_.end();) {
        if (it->deadline <= now) {
          due.push_back(*it);
          it = in_flight_.erase(it);
        } else {
          ++it;
        }
      }
      arm_request_timer();
      for (const auto& r : due) {
        ctx_.log(log::Level::Warn, le::kJanusRequestTimeout, {{"request", to_string(r.kind)}, {"transaction", r.transaction}});
        fail_request(r,
                     errors::make(ev::error_type::kRoom, "The room server did not answer",
                                  fmt::format("{} (transaction {}) got no answer within {} ms", to_string(r.kind),
                                              r.transaction, config_.request_timeout.value)),
                     0);
        if (!active()) return;
      }
    }
  }
}

// What a failed request does to the session. `code`: Janus's error code (core or VideoRoom), 0
// when it got no answer in time.
void RoomSession::fail_request(const InFlight& request, const errors::CallError& error, int code) {
  const bool timed_out = code == 0;
  if (code == janus::core_error::kSessionNotFound) {
    emit_error(error);
    rebuild_session("Janus no longer knows the session");
    return;
  }
  switch (request.kind) {
    case RequestKind::Claim:
      emit_error(error);
      rebuild_session(timed_out ? "the claim got no answer" : "the claim was refused");
      return;
    case RequestKind::KeepAlive:
    case RequestKind::Create:
    case RequestKind::AttachPublisher:
    case RequestKind::JoinPublisher:
      if (!timed_out) {
        // The join sequence was refused (no such room, room full, not allowed, ...): the call ends.
        if (request.kind != RequestKind::KeepAlive) {
          leave(error);
        } else {
          emit_error(error);
        }
        return;
      }
      emit_error(error);
      drop_socket("no answer from Janus");
      return;
    case RequestKind::AttachSubscriber:
    case RequestKind::JoinSubscriber:
    case RequestKind::UpdateSubscription:
    case RequestKind::Start:
      emit_error(error);
      subscription_busy_ = false;
      if (subscription_dirty_) sync_subscription();
      return;
    default:
      emit_error(error);
      return;
  }
}

// Janus does not answer on this socket: close it and recover as from a dropped socket (the
// reopen reclaims the session or rebuilds it).
void RoomSession::drop_socket(std::string_view why) {
  ctx_.push(io::fx::CloseTransport{kTransport});
  on_closed(4000, why);
}

// ---- publishing --------------------------------------------------------------------------------

void RoomSession::start_publishing() {
  if (phase_ != Phase::Joined || !media_ready_ || publishing_ || publisher_.senders().empty()) return;
  publishing_ = true;
  publisher_.open();
  publisher_.make_offer();
}

void RoomSession::signal_publisher(std::string_view type, const json& fields) {
  auto jsep = jsep_of(fields);
  if (type != ev::wire::kOffer || !jsep) return;
  local_mids_ = mids_by_kind(jsep->sdp);
  // The screen's m-section is described as "screen": Janus lists that description with the
  // stream, and the others tag its track with it (tag_of).
  std::vector<vr::StreamDescription> descriptions;
  if (const rtc::Sender* screen = publisher_.sender(std::string(kScreenTag))) {
    const std::string mid = mid_of_stream(jsep->sdp, screen->stream_id);
    if (!mid.empty()) descriptions.push_back({mid, std::string(kScreenTag)});
    else ctx_.log(log::Level::Warn, le::kRequestRefused, {{"request", "describe screen"}, {"why", "no m-section carries its stream"}});
  }
  if (!published_) {
    vr::Publish publish;
    publish.display = own_display();
    publish.descriptions = std::move(descriptions);
    send(janus::Message{session_id_, publisher_handle_, publish, jsep}, RequestKind::Publish);
  } else {
    vr::ConfigurePublisher configure;
    configure.descriptions = std::move(descriptions);
    send(janus::Message{session_id_, publisher_handle_, configure, jsep}, RequestKind::ConfigurePublisher);
  }
}

void RoomSession::signal_subscriber(std::string_view type, const json& fields) {
  auto jsep = jsep_of(fields);
  if (type != ev::wire::kAnswer || !jsep) return;
  send(janus::Message{session_id_, subscriber_handle_, vr::Start{}, jsep}, RequestKind::Start);
  subscription_busy_ = false;
  if (subscription_dirty_) sync_subscription();
}

void RoomSession::on_local_candidate(rtc::Peer& peer, const json& candidate) {
  const janus::Id handle = &peer == &publisher_ ? publisher_handle_ : subscriber_handle_;
  if (!handle || !session_id_) return;
  janus::Trickle trickle{session_id_, handle, janus::EndOfCandidates{}};
  if (candidate.is_object()) {
    janus::IceCandidate c{base::string_or(candidate, "candidate"), std::nullopt, std::nullopt};
    if (c.candidate.empty()) return;  // Chrome's empty end-of-candidates candidate: null follows
    if (auto m = candidate.find("sdpMid"); m != candidate.end() && m->is_string()) c.sdp_mid = m->get<std::string>();
    if (auto i = candidate.find("sdpMLineIndex"); i != candidate.end() && i->is_number_integer() && i->get<std::int64_t>() >= 0)
      c.sdp_mline_index = static_cast<std::uint32_t>(std::min<std::int64_t>(i->get<std::int64_t>(), UINT32_MAX));
    trickle.candidates = std::move(c);
  }
  // Not sent while the socket is down: ICE carries on with the candidates Janus has.
  send(trickle, RequestKind::Trickle);
}

void RoomSession::on_pc(rtc::Peer& peer, const io::PcEvent& event) {
  const bool is_publisher = &peer == &publisher_;
  std::visit(overloaded{
                 [&](const io::in::LocalDescription& d) { peer.on_local_description(d.type, d.sdp); },
                 [&](const io::in::RemoteDescriptionSet& d) { peer.on_remote_description_set(d.type); },
                 [&](const io::in::OperationFailed& f) {
                   if (auto failure = peer.on_operation_failed(f.operation, f.name, f.message)) emit_error(failure->error);
                 },
                 [&](const io::in::LocalIceCandidate& c) { on_local_candidate(peer, c.candidate); },
                 [&](const io::in::PeerStateChange& s) {
                   if (s.event == ev::kSignalingStateChange) {
                     peer.on_signaling_state(s.state);
                   } else if (auto failure = peer.on_connection_state(s.event, s.state)) {
                     emit_error(failure->error);
                     // The subscriber cannot offer: Janus restarts its ICE with a new offer
                     // (configure restart, janus_videoroom.c).
                     if (!is_publisher && subscriber_joined_) {
                       vr::ConfigureSubscriber restart;
                       restart.restart = true;
                       send(janus::Message{session_id_, subscriber_handle_, restart, std::nullopt},
                            RequestKind::ConfigureSubscriber);
                     }
                   }
                 },
                 [&](const io::in::NegotiationNeeded&) {
                   if (is_publisher) peer.on_negotiation_needed();  // the subscriber never offers
                 },
                 [&](const io::in::DataChannelState& d) { peer.on_data_channel_state(d.state); },
                 [&](const io::in::TrackAdded& a) {
                   // The shell put a sender's track (the screen's) in a new MediaStream: its id
                   // finds the track's m-section in our offers (a=msid).
                   if (rtc::Sender* sender = peer.sender(a.tag)) sender->stream_id = a.stream_id;
                 },
                 [&](const io::in::DataChannelMessage& m) { on_data(!is_publisher, m); },
                 [](const auto&) {},  // tracks are named by mid from Janus's stream lists
             },
             event);
}

// ---- subscribing -------------------------------------------------------------------------------

std::set<std::pair<janus::Id, std::string>> RoomSession::wanted_streams() const {
  std::set<std::pair<janus::Id, std::string>> out;
  for (const auto& [id, p] : participants_) {
    for (const auto& s : p.streams) {
      // Its data stream too: sendData's messages come that way.
      if (!s.disabled && (s.type == "audio" || s.type == "video" || s.type == "data")) out.emplace(id, s.mid);
    }
  }
  return out;
}

void RoomSession::sync_subscription() {
  if (phase_ != Phase::Joined || !transport_ || !transport_->open()) return;
  if (subscription_busy_) {
    subscription_dirty_ = true;
    return;
  }
  subscription_dirty_ = false;
  const auto wanted = wanted_streams();
  if (!subscriber_handle_) {
    if (wanted.empty()) return;
    subscription_busy_ = send(janus::Attach{session_id_, ""}, RequestKind::AttachSubscriber);
    return;
  }
  if (!subscriber_joined_) {
    if (wanted.empty()) return;
    vr::JoinSubscriber join;
    join.room = config_.room;
    if (private_id_) join.private_id = private_id_;
    join.autoupdate = false;  // callcore unsubscribes itself, so the offers follow its own requests
    join.pin = config_.pin;
    for (const auto& [feed, mid] : wanted) join.streams.push_back({feed, mid, ""});
    if (send(janus::Message{session_id_, subscriber_handle_, join, std::nullopt}, RequestKind::JoinSubscriber)) {
      subscriber_joined_ = true;
      subscription_busy_ = true;
      subscribed_ = wanted;
    }
    return;
  }
  vr::Update update;
  for (const auto& w : wanted) {
    if (!subscribed_.contains(w)) update.subscribe.push_back({w.first, w.second, ""});
  }
  for (const auto& s : subscribed_) {
    if (!wanted.contains(s)) update.unsubscribe.push_back({s.first, s.second, ""});
  }
  if (update.subscribe.empty() && update.unsubscribe.empty()) return;
  // subscribe / unsubscribe alone where one list suffices (Janus 1.0 has no "update").
  vr::Request body = update.unsubscribe.empty()   ? vr::Request(vr::Subscribe{update.subscribe})
                     : update.subscribe.empty() ? vr::Request(vr::Unsubscribe{update.unsubscribe})
                                                : vr::Request(update);
  if (send(janus::Message{session_id_, subscriber_handle_, body, std::nullopt}, RequestKind::UpdateSubscription)) {
    subscription_busy_ = true;
    subscribed_ = wanted;
    last_update_unsubscribed_ = !update.unsubscribe.empty();
    if (last_update_unsubscribed_) {
      pending_unsubscribe_ = update.unsubscribe;
      unsubscribe_retries_ = 0;
      timers_.cancel(Timer::Unsubscribe);
    }
  }
}

// Janus answered an unsubscribe with `updated` and no offer (see pending_unsubscribe_): ask again
// later, a few times, so the renegotiation Janus skipped is offered.
void RoomSession::retry_unsubscribe_later() {
  if (pending_unsubscribe_.empty() || unsubscribe_retries_ >= kUnsubscribeRetries) {
    pending_unsubscribe_.clear();
    return;
  }
  timers_.start(Timer::Unsubscribe, ctx_.now() + kUnsubscribeRetry);
}

void RoomSession::resend_unsubscribe() {
  if (pending_unsubscribe_.empty() || !subscriber_joined_ || !transport_ || !transport_->open()) return;
  if (subscription_busy_) return;  // a change is under way: its answer settles it
  // Never take back what is wanted again (a participant that came back under the same id).
  std::erase_if(pending_unsubscribe_, [this](const vr::UnsubscribeStream& u) {
    return u.feed && (participants_.contains(*u.feed) || subscribed_.contains({*u.feed, u.mid}));
  });
  if (pending_unsubscribe_.empty()) return;
  ++unsubscribe_retries_;
  ctx_.log(log::Level::Info, le::kJanusRequest, {{"request", "unsubscribe again"}, {"attempt", unsubscribe_retries_},
                                                {"why", "updated without an offer"}});
  if (send(janus::Message{session_id_, subscriber_handle_, vr::Unsubscribe{pending_unsubscribe_}, std::nullopt},
           RequestKind::UpdateSubscription)) {
    subscription_busy_ = true;
    last_update_unsubscribed_ = true;
  }
}

std::string RoomSession::tag_of(janus::Id feed, const std::string& feed_mid, const std::string& kind) const {
  if (auto p = participants_.find(feed); p != participants_.end()) {
    for (const auto& s : p->second.streams) {
      if (s.mid == feed_mid && !s.description.empty()) return s.description;
    }
  }
  return kind;
}

void RoomSession::drop_received(janus::Id feed) {
  for (auto it = received_.begin(); it != received_.end();) {
    if (it->second.feed == feed) {
      ctx_.emit(ev::kRoomTrackRemoved, {{"participantId", std::to_string(feed)}, {"tag", it->second.tag},
                                        {"kind", it->second.kind}, {"mid", it->first}});
      it = received_.erase(it);
    } else {
      ++it;
    }
  }
}

// ---- leave, status, errors ------------------------------------------------------------------

void RoomSession::leave(std::optional<errors::CallError> error) {
  if (!active()) return;
  if (transport_ && transport_->open() && session_id_) {
    // In order on one socket; the shell's close() sends what is buffered first (RFC 6455 §7.1.2
    // closes after the data). Not awaited: the Janus session goes with destroy either way.
    if (publisher_handle_ && phase_ == Phase::Joined)
      send(janus::Message{session_id_, publisher_handle_, vr::Leave{}, std::nullopt}, std::nullopt);
    if (subscriber_handle_) send(janus::Detach{session_id_, subscriber_handle_}, std::nullopt);
    if (publisher_handle_) send(janus::Detach{session_id_, publisher_handle_}, std::nullopt);
    send(janus::DestroySession{session_id_}, std::nullopt);
  }
  if (transport_) transport_->stop(std::nullopt);
  for (const auto& [mid, r] : received_) {
    ctx_.emit(ev::kRoomTrackRemoved, {{"participantId", std::to_string(r.feed)}, {"tag", r.tag}, {"kind", r.kind}, {"mid", mid}});
  }
  subscriber_.close();
  publisher_.close();
  publisher_.clear_senders();
  if (media_requested_) ctx_.push(io::fx::StopTracks{});
  timers_.cancel_all();
  in_flight_.clear();
  received_.clear();
  subscribed_.clear();
  participants_.clear();
  layers_.clear();
  local_mids_.clear();
  pending_unsubscribe_.clear();
  last_update_unsubscribed_ = false;
  session_id_ = publisher_handle_ = subscriber_handle_ = private_id_ = participant_id_ = 0;
  phase_ = Phase::Idle;
  media_requested_ = media_ready_ = publishing_ = published_ = false;
  subscriber_joined_ = subscription_busy_ = subscription_dirty_ = lost_requests_ = false;
  ctx_.log(error ? log::Level::Warn : log::Level::Info, le::kRoomLeft,
           error ? errors::to_json(*error) : json{{"reason", "leaveCall"}});
  if (error) emit_error(*error);
  settle_join(error ? error : std::optional<errors::CallError>(errors::state_error("leaveCall() before the room was joined")));
  set_status(Status::Disconnected);
  transport_.reset();
}

void RoomSession::set_status(Status next) {
  if (next == status_) return;
  const Status previous = status_;
  status_ = next;
  ctx_.emit(ev::kRoomConnectionStatus, {{"status", to_string(next)}, {"previous", to_string(previous)}});
}

void RoomSession::emit_error(const errors::CallError& error) {
  ctx_.log(log::Level::Warn, ev::kRoomError, errors::to_json(error));
  ctx_.emit(ev::kRoomError, errors::to_json(error), /*is_error=*/true);
}

void RoomSession::settle_join(const std::optional<errors::CallError>& error) {
  if (!pending_join_) return;
  ctx_.push(io::fx::SettleRequest{*pending_join_, error});
  pending_join_.reset();
}

}  // namespace callcore::session::room
