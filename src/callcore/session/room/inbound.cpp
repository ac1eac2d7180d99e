// The room session's handling of Janus's messages: answers to its requests (matched by
// transaction), the VideoRoom's notifications (publishers, unpublished, leaving, ...), the
// subscriber's offers, and the refusal of what does not decode (docs/room.md, "Room session").
#include <fmt/format.h>

#include "callcore/base/json.hpp"
#include "callcore/events/dictionary.hpp"
#include "callcore/session/room/session.hpp"
#include "callcore/signaling/janus/errors.hpp"
#include "callcore/base/overloaded.hpp"

namespace callcore::session::room {

using nlohmann::json;
namespace ev = events;
namespace le = events::log_event;
namespace vr = janus::videoroom;

namespace {

using base::overloaded;

janus::Id session_of(const janus::Inbound& m) {
  return std::visit([](const auto& x) -> janus::Id { return x.session_id; }, m);
}

std::string transaction_of(const janus::Inbound& m) {
  return std::visit(overloaded{[](const janus::Ack& x) { return x.transaction; },
                               [](const janus::Success& x) { return x.transaction; },
                               [](const janus::Error& x) { return x.transaction; },
                               [](const janus::Event& x) { return x.transaction; },
                               [](const auto&) { return std::string(); }},
                    m);
}

json description(const janus::Jsep& jsep) { return {{"type", jsep.type}, {"sdp", jsep.sdp}}; }

}  // namespace

void RoomSession::refuse(std::string_view code, std::string_view message) {
  ctx_.log(log::Level::Warn, le::kMessageRefused, {{"code", code}, {"message", message}});
  emit_error(errors::make(ev::error_type::kSignaling, "A message from the room server was refused",
                          fmt::format("{}: {}", code, message)));
}

void RoomSession::on_text(const std::string& text) {
  auto decoded = janus::decode(text);
  if (auto* err = std::get_if<janus::DecodeError>(&decoded)) {
    refuse(err->code, err->message);
    return;
  }
  const auto& message = std::get<janus::Inbound>(decoded);
  const janus::Id session = session_of(message);
  const std::string transaction = transaction_of(message);
  ctx_.log(log::Level::Debug, le::kJanusMessage,
           {{"janus", janus::name(message)}, {"transaction", transaction}, {"sessionId", std::to_string(session)}});
  if (session != 0 && session != session_id_) {
    // A late message of a session we left behind (rebuilt): nothing of ours.
    ctx_.log(log::Level::Info, le::kIgnoredMessage, {{"why", "another Janus session"}, {"janus", janus::name(message)}});
    return;
  }
  if (session != 0) last_alive_ = ctx_.now();
  on_message(message);
}

void RoomSession::on_message(const janus::Inbound& message) {
  std::visit(overloaded{
                 [this](const janus::Ack& a) { on_ack(a); },
                 [this](const janus::Success& s) { on_success(s); },
                 [this](const janus::Error& e) { on_error(e); },
                 [this](const janus::Event& e) { on_event(e); },
                 [this](const janus::Timeout& t) {
                   if (t.session_id != session_id_ || !session_id_) return;
                   emit_error(janus::core_call_error(janus::core_error::kSessionNotFound, "session timed out"));
                   rebuild_session("Janus timed the session out");
                 },
                 [this](const janus::TrickleEvent& t) {
                   rtc::Peer* peer = t.sender == publisher_handle_ ? &publisher_
                                     : t.sender == subscriber_handle_ ? &subscriber_ : nullptr;
                   if (!peer || !peer->created()) return;
                   json candidate = nullptr;
                   if (t.candidate) {
                     candidate = {{"candidate", t.candidate->candidate}};
                     if (t.candidate->sdp_mid) candidate["sdpMid"] = *t.candidate->sdp_mid;
                     if (t.candidate->sdp_mline_index) candidate["sdpMLineIndex"] = *t.candidate->sdp_mline_index;
                   }
                   peer->on_remote_candidate(candidate);
                 },
                 [this](const janus::HangupEvent& h) {
                   ctx_.log(log::Level::Warn, le::kJanusMessage,
                            {{"janus", "hangup"}, {"reason", h.reason},
                             {"handle", h.sender == publisher_handle_ ? "publisher" : "subscriber"}});
                 },
                 [](const auto&) {},  // webrtcup, media, slowlink, ice-failed, detached: logged above
             },
             message);
}

void RoomSession::on_ack(const janus::Ack& a) {
  for (auto& r : in_flight_) {
    if (r.transaction != a.transaction) continue;
    if (r.kind == RequestKind::KeepAlive || r.kind == RequestKind::Trickle) {
      take(a.transaction);  // an ack is their whole answer
    } else {
      r.acked = true;  // the plugin's event follows
    }
    return;
  }
}

void RoomSession::on_success(const janus::Success& s) {
  auto it = std::find_if(in_flight_.begin(), in_flight_.end(), [&](const InFlight& r) { return r.transaction == s.transaction; });
  if (it == in_flight_.end()) {
    ctx_.log(log::Level::Info, le::kIgnoredMessage, {{"why", "answers no request in flight"}, {"janus", "success"}});
    return;
  }
  const RequestKind kind = it->kind;
  const bool needs_id = kind == RequestKind::Create || kind == RequestKind::AttachPublisher ||
                        kind == RequestKind::AttachSubscriber;
  if (needs_id && !s.id) {
    refuse("invalidField", fmt::format("success of {} without data.id", to_string(kind)));
    return;  // the request stays in flight and times out
  }
  take(s.transaction);
  switch (kind) {
    case RequestKind::Create:
      session_id_ = *s.id;
      last_alive_ = ctx_.now();
      phase_ = Phase::Attaching;
      timers_.start(Timer::KeepAlive, ctx_.now() + config_.keepalive);
      send(janus::Attach{session_id_, ""}, RequestKind::AttachPublisher);
      return;
    case RequestKind::Claim:
      phase_ = Phase::Joined;
      lost_requests_ = false;
      ctx_.log(log::Level::Info, le::kJanusSessionClaimed, {{"sessionId", std::to_string(session_id_)}});
      timers_.start(Timer::KeepAlive, ctx_.now() + config_.keepalive);
      transport_->on_joined(/*resumed=*/true);
      set_status(Status::Connected);
      sync_subscription();
      return;
    case RequestKind::AttachPublisher: {
      publisher_handle_ = *s.id;
      phase_ = Phase::Joining;
      vr::JoinPublisher join;
      join.room = config_.room;
      // A rejoin keeps the participant id the others know.
      if (participant_id_) join.id = participant_id_;
      else if (config_.id) join.id = config_.id;
      join.display = own_display();
      join.token = config_.token;
      join.pin = config_.pin;
      send(janus::Message{session_id_, publisher_handle_, join, std::nullopt}, RequestKind::JoinPublisher);
      return;
    }
    case RequestKind::AttachSubscriber:
      subscriber_handle_ = *s.id;
      subscription_busy_ = false;
      sync_subscription();
      return;
    default:
      if (s.plugin) on_plugin_event(*s.plugin, std::nullopt, s.sender, kind);
      return;
  }
}

void RoomSession::on_error(const janus::Error& e) {
  const auto error = janus::to_call_error(e);
  if (e.transaction.empty()) {
    emit_error(error);
    return;
  }
  auto r = take(e.transaction);
  if (!r) {
    ctx_.log(log::Level::Info, le::kIgnoredMessage, {{"why", "answers no request in flight"}, {"janus", "error"}});
    return;
  }
  fail_request(*r, error, e.code);
}

void RoomSession::on_event(const janus::Event& e) {
  if (e.sender == 0 || (e.sender != publisher_handle_ && e.sender != subscriber_handle_)) {
    ctx_.log(log::Level::Info, le::kIgnoredMessage, {{"why", "not one of our handles"}, {"janus", "event"}});
    return;
  }
  std::optional<RequestKind> answers;
  if (!e.transaction.empty()) {
    if (auto r = take(e.transaction)) answers = r->kind;
  }
  on_plugin_event(e.plugin, e.jsep, e.sender, answers);
}

void RoomSession::on_plugin_event(const vr::Event& event, const std::optional<janus::Jsep>& jsep, janus::Id sender,
                                  std::optional<RequestKind> answers) {
  const bool from_subscriber = subscriber_handle_ != 0 && sender == subscriber_handle_;
  std::visit(overloaded{
                 [&](const vr::Error& err) {
                   const auto error = janus::to_call_error(err);
                   if (answers) {
                     fail_request(InFlight{"", *answers, ctx_.now()}, error, err.code);
                   } else {
                     emit_error(error);
                   }
                 },
                 [&](const vr::Joined& j) {
                   if (!from_subscriber && phase_ == Phase::Joining) on_joined(j);
                 },
                 [&](const vr::Publishers& p) {
                   if (phase_ == Phase::Joined) add_publishers(p.publishers, false);
                 },
                 [&](const vr::Unpublished& u) {
                   if (u.id) remove_participant(*u.id, "unpublished");
                 },
                 [&](const vr::Leaving& l) {
                   if (l.id) {
                     remove_participant(*l.id, l.reason == "kicked" ? "kicked" : "left");
                   } else if (l.reason == "kicked") {
                     leave(errors::make(ev::error_type::kRoom, "You were removed from the room", "VideoRoom: kicked"));
                   }
                 },
                 [&](const vr::Configured&) {
                   if (from_subscriber && jsep) on_subscriber_offer(*jsep);  // configure restart
                   if (from_subscriber || !jsep || jsep->type != "answer" || !publisher_.created()) return;
                   publisher_.on_remote_description(description(*jsep), /*is_offer=*/false);
                   if (answers == RequestKind::Publish) {
                     published_ = true;
                     if (!audio_on_ || !video_on_) apply_mute();
                   }
                 },
                 [&](const vr::Attached& a) {
                   if (!from_subscriber) return;
                   on_subscription(a.streams);
                   if (jsep) on_subscriber_offer(*jsep);
                 },
                 [&](const vr::Updated& u) {
                   if (!from_subscriber) return;
                   if (u.streams) on_subscription(*u.streams);
                   if (jsep) {
                     if (answers == RequestKind::UpdateSubscription) {
                       pending_unsubscribe_.clear();  // the renegotiation came
                       timers_.cancel(Timer::Unsubscribe);
                     }
                     on_subscriber_offer(*jsep);
                   } else if (answers) {
                     subscription_busy_ = false;  // no SDP change: nothing to answer
                     // An unsubscribe answered without an offer: Janus may owe one (pending_unsubscribe_).
                     if (answers == RequestKind::UpdateSubscription && last_update_unsubscribed_) retry_unsubscribe_later();
                     if (subscription_dirty_) sync_subscription();
                   }
                 },
                 [&](const vr::ParticipantUpdated& u) {
                   // A display change (configure display), pushed to every publisher handle.
                   if (!from_subscriber && phase_ == Phase::Joined) update_participant(u.participant.id, u.participant.display);
                 },
                 [&](const vr::Destroyed&) {
                   leave(errors::make(ev::error_type::kRoom, "The room was closed", "VideoRoom: destroyed"));
                 },
                 [&](const auto&) {
                   // A new offer on its own (e.g. after a subscriber ICE restart).
                   if (from_subscriber && jsep) on_subscriber_offer(*jsep);
                 },
             },
             event);
}

void RoomSession::on_joined(const vr::Joined& joined) {
  const bool rejoin = participant_id_ != 0;
  participant_id_ = joined.id;
  private_id_ = joined.private_id;
  phase_ = Phase::Joined;
  ctx_.log(log::Level::Info, le::kRoomJoined,
           {{"participantId", std::to_string(joined.id)}, {"publishers", joined.publishers.size()}, {"rejoin", rejoin}});
  transport_->on_joined(/*resumed=*/false);
  set_status(Status::Connected);
  settle_join(std::nullopt);
  add_publishers(joined.publishers, /*full_list=*/true);
  start_publishing();
}

void RoomSession::add_publishers(const std::vector<vr::Publisher>& publishers, bool full_list) {
  if (full_list) {
    std::vector<janus::Id> gone;
    for (const auto& known : participants_) {
      const janus::Id id = known.first;
      if (std::none_of(publishers.begin(), publishers.end(), [id](const vr::Publisher& x) { return x.id == id; }))
        gone.push_back(id);
    }
    for (auto id : gone) remove_participant(id, "left");
  }
  for (const auto& p : publishers) {
    if (p.id == participant_id_ || p.dummy) continue;
    const bool known = participants_.contains(p.id);
    if (known) update_participant(p.id, p.display);
    auto [it, added] = participants_.try_emplace(p.id);
    it->second.streams = p.streams;
    if (known) continue;
    auto presence = decode_presence(p.display);
    if (auto* bad = std::get_if<std::string>(&presence)) {
      // Added all the same (it is in the room), with its display as given and both kinds on.
      refuse("invalidField", fmt::format("participant {}: {}", p.id, *bad));
      it->second.display = p.display;
    } else {
      const auto& state = std::get<Presence>(presence);
      it->second.display = state.name;
      it->second.audio = state.audio;
      it->second.video = state.video;
    }
    json tracks = json::array();
    for (const auto& s : p.streams) {
      if (!s.disabled && (s.type == "audio" || s.type == "video"))
        tracks.push_back({{"tag", tag_of(p.id, s.mid, s.type)}, {"kind", s.type}, {"mid", s.mid}});
    }
    ctx_.emit(ev::kParticipantJoined, {{"participantId", std::to_string(p.id)}, {"display", it->second.display},
                                       {"audioEnabled", it->second.audio}, {"videoEnabled", it->second.video},
                                       {"tracks", tracks}});
  }
  sync_subscription();
}

// A known participant's display as Janus now gives it: a change of its name or mute state is a
// participantUpdated event; a state suffix that does not read changes nothing (roomError + log).
void RoomSession::update_participant(janus::Id id, const std::string& display) {
  auto it = participants_.find(id);
  if (it == participants_.end()) {
    ctx_.log(log::Level::Info, le::kIgnoredMessage, {{"why", "update of an unknown participant"}, {"participantId", std::to_string(id)}});
    return;
  }
  auto presence = decode_presence(display);
  if (auto* bad = std::get_if<std::string>(&presence)) {
    refuse("invalidField", fmt::format("participant {}: {}", id, *bad));
    return;
  }
  const auto& state = std::get<Presence>(presence);
  Participant& p = it->second;
  if (p.display == state.name && p.audio == state.audio && p.video == state.video) return;
  p.display = state.name;
  p.audio = state.audio;
  p.video = state.video;
  ctx_.log(log::Level::Info, le::kParticipantState, {{"participantId", std::to_string(id)}, {"audioEnabled", p.audio}, {"videoEnabled", p.video}});
  ctx_.emit(ev::kParticipantUpdated, {{"participantId", std::to_string(id)}, {"display", p.display},
                                      {"audioEnabled", p.audio}, {"videoEnabled", p.video}});
}

void RoomSession::remove_participant(janus::Id id, std::string_view reason) {
  auto it = participants_.find(id);
  if (it == participants_.end()) return;
  drop_received(id);
  const std::string display = it->second.display;
  participants_.erase(it);
  layers_.erase(id);
  ctx_.emit(ev::kParticipantLeft, {{"participantId", std::to_string(id)}, {"display", display}, {"reason", reason}});
  sync_subscription();
}

void RoomSession::on_subscription(const std::vector<vr::SubscriptionStream>& streams) {
  std::map<std::string, ReceivedTrack> now;
  for (const auto& s : streams) {
    if (!s.feed_id || !s.active || (s.type != "audio" && s.type != "video")) continue;
    if (!participants_.contains(*s.feed_id)) continue;  // left meanwhile: its removal is under way
    now[s.mid] = ReceivedTrack{*s.feed_id, s.feed_mid, s.type, tag_of(*s.feed_id, s.feed_mid, s.type)};
  }
  auto same = [](const ReceivedTrack& a, const ReceivedTrack& b) { return a.feed == b.feed && a.feed_mid == b.feed_mid; };
  for (const auto& [mid, r] : received_) {
    auto n = now.find(mid);
    if (n == now.end() || !same(n->second, r))
      ctx_.emit(ev::kRoomTrackRemoved, {{"participantId", std::to_string(r.feed)}, {"tag", r.tag}, {"kind", r.kind}, {"mid", mid}});
  }
  bool layered = false;
  for (const auto& [mid, r] : now) {
    auto o = received_.find(mid);
    if (o != received_.end() && same(o->second, r)) continue;
    const auto& p = participants_.at(r.feed);
    ctx_.emit(ev::kRoomTrackAdded, {{"participantId", std::to_string(r.feed)}, {"display", p.display}, {"tag", r.tag},
                                    {"kind", r.kind}, {"mid", mid}});
    layered = layered || (r.kind == "video" && layers_.contains(r.feed));
  }
  received_ = std::move(now);
  if (layered) apply_layers();
}

void RoomSession::on_subscriber_offer(const janus::Jsep& jsep) {
  if (jsep.type != "offer") return;
  if (!subscriber_.created()) subscriber_.open();
  subscription_busy_ = true;  // until our answer goes out with start
  subscriber_.on_remote_description(description(jsep), /*is_offer=*/true);
}

}  // namespace callcore::session::room
