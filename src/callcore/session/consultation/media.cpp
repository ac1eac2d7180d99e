// Local tracks by media tag (seed: the media-store's sendTrack / pauseTrack / resumeTrack /
// closeTrack), the far side's tags, and device switching with a fallback when a device goes
// away. The call's own microphone and camera are the tags "audio" and "video"; screen sharing is
// the "screen" tag. The senders live in the rtc::Peer; this file decides what they carry.
#include <fmt/format.h>

#include "callcore/base/json.hpp"
#include "callcore/events/dictionary.hpp"
#include "callcore/session/consultation/session.hpp"

namespace callcore::session::consultation {

using nlohmann::json;
namespace ev = events;
namespace le = events::log_event;

namespace {

bool valid_tag(const std::string& tag) { return !tag.empty() && tag.size() <= 32; }
bool valid_kind(const std::string& kind) { return kind == "audio" || kind == "video"; }

errors::CallError refused(std::string_view description) {
  return errors::make(ev::error_type::kState, "The track was refused", description);
}

// getUserMedia constraints for one device of `kind` (W3C mediacapture-streams §10): the exact
// device, or the default one.
json device_constraints(const std::string& kind, const std::string& device_id) {
  return {{kind, device_id.empty() ? json(true) : json{{"deviceId", {{"exact", device_id}}}}}};
}

}  // namespace

json ConsultationSession::local_tags_json() const {
  json tracks = json::array();
  for (const auto& [tag, t] : peer_.senders()) {
    if (t.stream_id.empty()) continue;  // not on the connection yet
    tracks.push_back({{"tag", tag}, {"kind", t.kind}, {"streamId", t.stream_id}, {"state", t.paused ? "paused" : "sending"}});
  }
  return tracks;
}

void ConsultationSession::apply_device_state() {
  for (const auto& [tag, t] : peer_.senders()) {
    if (tag == "audio") ctx_.push(io::fx::SetTrackEnabled{t.track, !is_mute_});
    if (tag == "video" && !params_.is_audio) ctx_.push(io::fx::SetTrackEnabled{t.track, !is_hidden_});
  }
}

// Tells the far side which of its remote streams carries which tag, and whether it is paused.
void ConsultationSession::announce_tags() {
  const json tracks = local_tags_json();
  ctx_.emit(ev::kLocalTracks, {{"tracks", tracks}});
  if (remote_ && in_call() && state_ != CallState::WaitingAnswer && state_ != CallState::WaitingEnter)
    send_to_remote(ev::wire::kMediaTags, {{"tracks", tracks}});
}

void ConsultationSession::on_media_tags(const signaling::vcm::Message& msg) {
  remote_tags_ = msg.data["tracks"];
  ctx_.emit(ev::kRemoteTracks, {{"connectionId", remote_->connection_id}, {"tracks", remote_tags_}});
}

void ConsultationSession::on(const io::in::SendTrack& s) {
  std::optional<errors::CallError> err;
  const rtc::Sender* existing = peer_.sender(s.tag);
  if (!in_call() || !peer_.created()) {
    err = errors::state_error("sendTrack() needs a call whose media is up (after call())");
  } else if (!valid_tag(s.tag) || !valid_kind(s.kind)) {
    err = refused("mediaTag must be 1-32 bytes and the track audio or video");
  } else if (existing && existing->kind != s.kind) {
    err = refused(fmt::format("tag '{}' carries {}, not {}", s.tag, existing->kind, s.kind));
  } else {
    // A track has one sender per connection (W3C webrtc-pc §5.1 addTrack: InvalidAccessError).
    for (const auto& [tag, sender] : peer_.senders()) {
      if (tag != s.tag && sender.track == s.track)
        err = refused(fmt::format("this track is already sent under tag '{}'", base::utf8_prefix(tag, 32)));
    }
  }
  if (err) {
    ctx_.log(log::Level::Warn, le::kRequestRefused, errors::to_json(*err));
    settle(s.request_id, err);
    return;
  }
  if (rtc::Sender* sender = peer_.sender(s.tag)) {
    // A new track for a tag already sent: replace it on the same sender, no renegotiation.
    sender->track = s.track;
    sender->paused = s.paused;
    peer_.replace_track(s.tag, s.paused ? std::nullopt : std::optional(s.track));
    announce_tags();
  } else {
    // A new tag: a new sender in a stream of its own; negotiationneeded follows and
    // renegotiates (perfect negotiation).
    peer_.add_sender(s.tag, rtc::Sender{s.kind, s.track, "", s.paused});
  }
  ctx_.log(log::Level::Info, le::kSendTrack, {{"tag", s.tag}, {"kind", s.kind}, {"paused", s.paused}});
  settle(s.request_id, std::nullopt);
}

void ConsultationSession::on(const io::in::TrackAdded& a) {
  if (peer_.on_sender_prepared(a.tag, a.stream_id)) return;  // instant answer: no track yet
  rtc::Sender* sender = peer_.sender(a.tag);
  if (!sender) return;
  sender->stream_id = a.stream_id;
  announce_tags();
}

void ConsultationSession::on(const io::in::TrackControl& c) {
  rtc::Sender* sender = peer_.sender(c.tag);
  std::optional<errors::CallError> err;
  if (!sender || !in_call()) {
    err = errors::state_error(fmt::format("no track with tag '{}' in this call", base::utf8_prefix(c.tag, 32)));
  } else if (c.action != "pause" && c.action != "resume" && c.action != "close") {
    err = errors::state_error(fmt::format("unknown track action '{}'", base::utf8_prefix(c.action, 16)));
  }
  if (err) {
    ctx_.log(log::Level::Warn, le::kRequestRefused, errors::to_json(*err));
    settle(c.request_id, err);
    return;
  }
  if (c.action == "close") {
    peer_.remove_sender(c.tag);
    announce_tags();
  } else if (const bool pause = c.action == "pause"; sender->paused != pause) {
    // Paused: the sender sends nothing (replaceTrack(null)); no renegotiation either way.
    sender->paused = pause;
    peer_.replace_track(c.tag, pause ? std::nullopt : std::optional(sender->track));
    announce_tags();
  }
  ctx_.log(log::Level::Info, le::kTrackControl, {{"tag", c.tag}, {"action", c.action}});
  settle(c.request_id, std::nullopt);
}

void ConsultationSession::on(const io::in::TrackEnded& e) {
  if (!in_call()) return;
  for (const auto& [tag, sender] : peer_.senders()) {
    if (sender.track != e.track) continue;
    if (tag == "audio" || tag == "video") {
      // The microphone or camera went away (unplugged): fall back to the default device.
      ctx_.emit(ev::kDevice, {{"phase", "lost"}, {"kind", sender.kind}, {"tag", tag}});
      ctx_.push(io::fx::AcquireDevice{0, sender.kind, device_constraints(sender.kind, "")});
      return;
    }
    // Another tag's track ended (e.g. the browser's "stop sharing" button): close the tag.
    const std::string closed = tag;
    peer_.remove_sender(closed);
    announce_tags();
    return;
  }
}

void ConsultationSession::on(const io::in::SwitchDevice& s) {
  std::optional<errors::CallError> err;
  if (!in_call() || !media_ready_) {
    err = errors::state_error("switchDevice() needs a call whose media is up");
  } else if (!valid_kind(s.kind) || !peer_.sender(s.kind)) {
    err = errors::state_error(fmt::format("this call sends no '{}' track", base::utf8_prefix(s.kind, 16)));
  }
  if (err) {
    ctx_.log(log::Level::Warn, le::kRequestRefused, errors::to_json(*err));
    settle(s.request_id, err);
    return;
  }
  ctx_.push(io::fx::AcquireDevice{s.request_id, s.kind, device_constraints(s.kind, s.device_id)});
}

void ConsultationSession::on(const io::in::DeviceAcquired& d) {
  rtc::Sender* sender = in_call() ? peer_.sender(d.kind) : nullptr;
  if (!sender) {
    ctx_.push(io::fx::ReleaseTrack{d.track});
    if (d.request_id != 0) settle(d.request_id, errors::state_error("the call ended while the device opened"));
    return;
  }
  // The new device's track replaces the old one in the local stream and on the tag's sender.
  const io::TrackId old = sender->track;
  sender->track = d.track;
  ctx_.push(io::fx::SwapLocalTrack{old, d.track});
  if (!sender->paused) peer_.replace_track(d.kind, d.track);
  apply_device_state();  // keep mute / hidden on the new track
  ctx_.emit(ev::kDevice, {{"phase", d.request_id == 0 ? "fallback" : "switched"}, {"kind", d.kind}, {"deviceId", d.device_id}});
  ctx_.log(log::Level::Info, le::kDeviceSwitched, {{"kind", d.kind}, {"deviceId", d.device_id}});
  if (d.request_id != 0) settle(d.request_id, std::nullopt);
}

void ConsultationSession::on(const io::in::DeviceFailed& f) {
  const auto err = errors::stream_error(f.name, f.message, "");
  if (f.request_id != 0) {
    ctx_.log(log::Level::Warn, le::kRequestRefused, errors::to_json(err));
    settle(f.request_id, err);  // the current device stays in use
    return;
  }
  // No fallback device either: the call goes on without that kind of track.
  ctx_.emit(ev::kDevice, {{"phase", "unavailable"}, {"kind", f.kind}});
  ctx_.emit(ev::kCallError, errors::to_json(err), /*is_error=*/true);
}

}  // namespace callcore::session::consultation
