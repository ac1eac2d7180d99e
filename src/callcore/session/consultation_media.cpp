// ConsultationSession: local tracks by media tag (seed: the media-store's sendTrack /
// pauseTrack / resumeTrack / closeTrack), the far side's tags, and device switching with a
// fallback when a device goes away. The call's own microphone and camera are the tags "audio"
// and "video"; screen sharing is the "screen" tag.
#include <fmt/format.h>

#include "callcore/events/event_list.hpp"
#include "callcore/json_text.hpp"
#include "callcore/session/consultation.hpp"

namespace callcore::session {

using nlohmann::json;
namespace ev = callcore::events;

namespace {

bool valid_tag(const std::string& tag) { return !tag.empty() && tag.size() <= 32; }
bool valid_kind(const std::string& kind) { return kind == "audio" || kind == "video"; }

}  // namespace

void ConsultationSession::settle_request(int request_id, const std::optional<errors::CallError>& error) {
  if (error) {
    log(log::Level::Warn, "requestRefused", {{"type", error->type}, {"description", error->description}});
    out("rejectRequest", {{"requestId", request_id},
                          {"error", {{"type", error->type}, {"message", error->message}, {"description", error->description}}}});
  } else {
    out("resolveRequest", {{"requestId", request_id}});
  }
}

json ConsultationSession::local_tags_json() const {
  json tracks = json::array();
  for (const auto& [tag, t] : local_tags_) {
    if (t.stream_id.empty()) continue;  // not on the connection yet
    tracks.push_back({{"tag", tag}, {"kind", t.kind}, {"streamId", t.stream_id}, {"state", t.paused ? "paused" : "sending"}});
  }
  return tracks;
}

// Tells the far side which of its remote streams carries which tag, and whether it is paused.
void ConsultationSession::announce_tags() {
  const json tracks = local_tags_json();
  emit(ev::kLocalTracks, {{"tracks", tracks}});
  if (remote_ && in_call() && state_ != CallState::WaitingAnswer && state_ != CallState::WaitingEnter)
    send_to_remote("mediaTags", {{"tracks", tracks}});
}

void ConsultationSession::on_media_tags(const signaling::Message& msg) {
  remote_tags_ = msg.data["tracks"];
  emit(ev::kRemoteTracks, {{"connectionId", remote_->connection_id}, {"tracks", remote_tags_}});
}

void ConsultationSession::on(const in::SendTrack& s) {
  std::optional<errors::CallError> err;
  if (!in_call() || !pc_created_) {
    err = errors::state_error("sendTrack() needs a call whose media is up (after call())");
  } else if (!valid_tag(s.tag) || !valid_kind(s.kind)) {
    err = errors::CallError{"state", "The track was refused", "mediaTag must be 1-32 bytes and the track audio or video"};
  } else if (auto it = local_tags_.find(s.tag); it != local_tags_.end() && it->second.kind != s.kind) {
    err = errors::CallError{"state", "The track was refused",
                            fmt::format("tag '{}' carries {}, not {}", s.tag, it->second.kind, s.kind)};
  }
  if (err) {
    settle_request(s.request_id, err);
    return;
  }
  auto it = local_tags_.find(s.tag);
  if (it != local_tags_.end()) {
    // A new track for a tag already sent: replace it on the same sender, no renegotiation.
    it->second.track_id = s.track_id;
    it->second.paused = s.paused;
    out("replaceTrack", {{"tag", s.tag}, {"trackId", s.paused ? json(nullptr) : json(s.track_id)}});
    announce_tags();
  } else {
    // A new tag: a new sender; negotiationneeded follows and renegotiates (perfect negotiation).
    local_tags_[s.tag] = LocalTag{s.kind, s.track_id, "", s.paused};
    out("addTrack", {{"tag", s.tag}, {"trackId", s.track_id}});
    if (s.paused) out("replaceTrack", {{"tag", s.tag}, {"trackId", nullptr}});
  }
  log(log::Level::Info, "sendTrack", {{"tag", s.tag}, {"kind", s.kind}, {"paused", s.paused}});
  settle_request(s.request_id, std::nullopt);
}

void ConsultationSession::on(const in::TrackAdded& a) {
  auto it = local_tags_.find(a.tag);
  if (it == local_tags_.end()) return;
  it->second.stream_id = a.stream_id;
  announce_tags();
}

void ConsultationSession::on(const in::TrackControl& c) {
  auto it = local_tags_.find(c.tag);
  if (it == local_tags_.end() || !in_call()) {
    settle_request(c.request_id, errors::state_error(fmt::format("no track with tag '{}' in this call", utf8_prefix(c.tag, 32))));
    return;
  }
  LocalTag& tag = it->second;
  if (c.action == "pause" || c.action == "resume") {
    const bool pause = c.action == "pause";
    if (tag.paused != pause) {
      tag.paused = pause;
      // Paused: the sender sends nothing (replaceTrack(null)); no renegotiation either way.
      out("replaceTrack", {{"tag", c.tag}, {"trackId", pause ? json(nullptr) : json(tag.track_id)}});
      announce_tags();
    }
  } else if (c.action == "close") {
    out("removeTrack", {{"tag", c.tag}});
    local_tags_.erase(it);
    announce_tags();
  } else {
    settle_request(c.request_id, errors::state_error(fmt::format("unknown track action '{}'", utf8_prefix(c.action, 16))));
    return;
  }
  log(log::Level::Info, "trackControl", {{"tag", c.tag}, {"action", c.action}});
  settle_request(c.request_id, std::nullopt);
}

void ConsultationSession::on(const in::TrackEnded& e) {
  auto it = local_tags_.find(e.tag);
  if (it == local_tags_.end() || !in_call()) return;
  if (e.tag == "audio" || e.tag == "video") {
    // The microphone or camera went away (unplugged): fall back to the default device.
    emit(ev::kDevice, {{"phase", "lost"}, {"kind", it->second.kind}, {"tag", e.tag}});
    out("acquireDevice", {{"requestId", 0}, {"kind", it->second.kind}, {"deviceId", nullptr}});
    return;
  }
  // Another tag's track ended (e.g. the browser's "stop sharing" button): close the tag.
  out("removeTrack", {{"tag", e.tag}});
  local_tags_.erase(it);
  announce_tags();
}

void ConsultationSession::on(const in::SwitchDevice& s) {
  if (!in_call() || !media_ready_) {
    settle_request(s.request_id, errors::state_error("switchDevice() needs a call whose media is up"));
    return;
  }
  if (!valid_kind(s.kind) || local_tags_.count(s.kind) == 0) {
    settle_request(s.request_id, errors::state_error(fmt::format("this call sends no '{}' track", utf8_prefix(s.kind, 16))));
    return;
  }
  out("acquireDevice", {{"requestId", s.request_id}, {"kind", s.kind}, {"deviceId", s.device_id.empty() ? json(nullptr) : json(s.device_id)}});
}

void ConsultationSession::on(const in::DeviceAcquired& d) {
  auto it = local_tags_.find(d.kind);
  if (!in_call() || it == local_tags_.end()) {
    out("releaseTrack", {{"trackId", d.track_id}});
    if (d.request_id != 0) settle_request(d.request_id, errors::state_error("the call ended while the device opened"));
    return;
  }
  // The new device's track becomes the local stream's track of that kind: the tag keeps
  // pointing at the local stream (the shell's handle d.track_id is consumed by the swap).
  it->second.track_id = "local:" + d.kind;
  out("swapLocalTrack", {{"kind", d.kind}, {"trackId", d.track_id}, {"send", !it->second.paused}});
  apply_device_state();  // keep mute / hidden on the new track
  emit(ev::kDevice, {{"phase", d.request_id == 0 ? "fallback" : "switched"}, {"kind", d.kind}, {"deviceId", d.device_id}});
  log(log::Level::Info, "deviceSwitched", {{"kind", d.kind}, {"deviceId", d.device_id}});
  if (d.request_id != 0) settle_request(d.request_id, std::nullopt);
}

void ConsultationSession::on(const in::DeviceFailed& f) {
  const auto err = errors::stream_error(f.name, f.message, "");
  if (f.request_id != 0) {
    settle_request(f.request_id, err);  // the current device stays in use
    return;
  }
  // No fallback device either: the call goes on without that kind of track.
  emit(ev::kDevice, {{"phase", "unavailable"}, {"kind", f.kind}});
  emit(ev::kCallError, {{"type", err.type}, {"message", err.message}, {"description", err.description}}, /*is_error=*/true);
}

}  // namespace callcore::session
