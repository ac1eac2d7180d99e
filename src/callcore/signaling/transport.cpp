#include "callcore/signaling/transport.hpp"

#include "callcore/events/dictionary.hpp"

namespace callcore::signaling {

using nlohmann::json;
namespace ev = events;
namespace le = events::log_event;

Transport::Transport(TransportConfig config, io::Context& ctx, WireType wire_type, Stamp stamp)
    : config_(std::move(config)), ctx_(ctx), wire_type_(std::move(wire_type)), stamp_(std::move(stamp)) {}

void Transport::start() {
  if (!built_in()) {
    ready_ = true;
    return;
  }
  ctx_.push(io::fx::OpenTransport{config_.id, current_url(), config_.protocol});
  ctx_.emit(ev::kSocketState, {{"state", "connecting"}});
}

void Transport::transmit(json message) {
  if (stamp_) stamp_(message);
  // A summary, not the message: what the core sends it decided itself and logs where it decides
  // (the SDP with localDescription, ...); copying and redacting every outbound message doubled
  // the logger's cost per input (bench/core_throughput.cpp).
  json summary = {{"direction", "out"}};
  if (auto to = message.find("connectionIds"); to != message.end()) summary["to"] = *to;
  if (auto data = message.find("data"); data != message.end() && data->is_object()) {
    if (auto id = data->find("messageId"); id != data->end()) summary["messageId"] = *id;
  }
  ctx_.log(log::Level::Debug, wire_type_(message), summary);
  ctx_.push(io::fx::Send{config_.id, std::move(message)});
}

void Transport::send(json message) {
  if (!ready_) {
    unsent_.push_back(std::move(message));  // delivered in order once ready
    return;
  }
  transmit(std::move(message));
}

void Transport::send_now(json message) { transmit(std::move(message)); }

void Transport::set_ready() {
  ready_ = true;
  auto queued = std::move(unsent_);
  unsent_.clear();
  for (auto& m : queued) send(std::move(m));
}

void Transport::stop(std::optional<json> farewell) {
  stopped_ = true;
  timers_.cancel(Timer::Reconnect);
  if (!built_in()) return;
  // Tell the server we are really gone (no reconnect grace), then close the socket.
  if (ready_ && farewell) send_now(std::move(*farewell));
  ctx_.push(io::fx::CloseTransport{config_.id});
}

void Transport::on_opened() {
  open_ = true;
  ctx_.emit(ev::kSocketState, {{"state", "open"}});
  ctx_.log(log::Level::Info, le::kSignalingOpen, {{"url", current_url()}});
}

void Transport::on_closed(int code, std::string_view reason, bool reconnect) {
  open_ = false;
  ready_ = false;
  ctx_.emit(ev::kSocketState, {{"state", "closed"}});
  ctx_.log(stopped_ ? log::Level::Info : log::Level::Warn, le::kSignalingClosed, {{"code", code}, {"reason", reason}});
  if (stopped_ || !reconnect || timers_.active(Timer::Reconnect)) return;
  // Messages wait in order until the channel is ready again.
  ++reconnect_attempt_;
  const base::Ms delay = config_.reconnect.delay(reconnect_attempt_, ctx_.random());
  timers_.start(Timer::Reconnect, ctx_.now() + delay);
  json scheduled = {{"phase", "scheduled"}, {"attempt", reconnect_attempt_}, {"delayMs", delay.value}};
  if (!config_.alternates.empty()) {
    // Failover: the process behind this URL may be gone (its consultations are shared with the
    // others), so the next attempt goes to the next URL rather than waiting for this one.
    url_index_ = (url_index_ + 1) % (config_.alternates.size() + 1);
    scheduled["url"] = current_url();
  }
  ctx_.emit(ev::kSignalingReconnect, scheduled);
}

void Transport::on_timeout(base::Ms now) {
  if (!timers_.pop_due(now) || stopped_) return;
  ctx_.emit(ev::kSignalingReconnect, {{"phase", "reconnecting"}, {"attempt", reconnect_attempt_}});
  ctx_.emit(ev::kSocketState, {{"state", "connecting"}});
  ctx_.push(io::fx::OpenTransport{config_.id, current_url(), config_.protocol});
}

void Transport::on_joined(bool resumed) {
  if (joined_once_) {
    ctx_.emit(ev::kSignalingReconnect,
              {{"phase", "rejoined"}, {"attempt", reconnect_attempt_}, {"resumed", resumed}, {"queued", unsent_.size()}});
  }
  joined_once_ = true;
  reconnect_attempt_ = 0;
  set_ready();
}

void Transport::on_send_failed(json message, std::string_view reason) {
  if (stopped_) return;
  // The socket is going away: keep the message, in order, for when it is back.
  ready_ = false;
  ctx_.log(log::Level::Warn, le::kSendFailed, {{"reason", reason}, {"type", wire_type_(message)}});
  unsent_.push_back(std::move(message));
}

void Transport::on_paused() {
  if (built_in()) return;  // the built-in socket reports itself
  ready_ = false;
  ctx_.log(log::Level::Warn, le::kSignalingPaused);
}

void Transport::on_resumed() {
  if (built_in()) return;
  ctx_.log(log::Level::Info, le::kSignalingResumed, {{"connectionId", ctx_.connection_id}, {"queued", unsent_.size()}});
  set_ready();
}

void Transport::log_inbound(std::string_view wire_type, const json& data) {
  ctx_.log(log::Level::Debug, wire_type, {{"direction", "in"}, {"data", data}});
}

bool Transport::is_duplicate(const std::string& key) {
  if (!seen_set_.insert(key).second) return true;
  seen_ids_.push_back(key);
  if (seen_ids_.size() > config_.dedupe_window) {
    seen_set_.erase(seen_ids_.front());
    seen_ids_.pop_front();
  }
  return false;
}

}  // namespace callcore::signaling
