// App messages (sendMessage; seed media-store): sent on the data channel when it is open, else
// as a 'message' signaling message; each has a seq so the far side delivers them in order (and
// once) whichever way each one came.
#include <fmt/format.h>

#include "callcore/base/json.hpp"
#include "callcore/events/dictionary.hpp"
#include "callcore/session/consultation/session.hpp"

namespace callcore::session::consultation {

using nlohmann::json;
namespace ev = events;
namespace le = events::log_event;
namespace vcm = signaling::vcm;

void ConsultationSession::on(const io::in::SendMessage& m) {
  std::optional<errors::CallError> err;
  if (!in_call() || !remote_) {
    err = errors::state_error("sendMessage() needs a call with a far side");
  } else if (m.type.empty() || m.type.size() > 64) {
    err = errors::make(ev::error_type::kMessage, "The message was refused", "type must be a string of 1 to 64 bytes");
  }
  const json app = {{"type", m.type}, {"body", m.body}, {"seq", app_seq_out_ + 1}};
  const std::string text = base::json_text(app);
  if (!err && text.size() > vcm::kMaxAppMessageBytes) {
    err = errors::make(ev::error_type::kMessage, "The message is too large",
                       fmt::format("{} bytes exceed the {} byte limit", text.size(), vcm::kMaxAppMessageBytes));
  }
  if (err) {
    ctx_.log(log::Level::Warn, le::kMessageRefused, errors::to_json(*err));
    settle(m.request_id, err);
    return;
  }
  ++app_seq_out_;
  if (!peer_.send_data(text)) send_to_remote(ev::wire::kMessage, {{"message", app}});
  settle(m.request_id, std::nullopt);
}

void ConsultationSession::on(const io::in::DataChannelState& s) { peer_.on_data_channel_state(s.state); }

void ConsultationSession::on(const io::in::DataChannelSendFailed& f) {
  peer_.on_data_channel_state("closing");
  auto parsed = vcm::decode_app_message(f.text);
  if (auto* app = std::get_if<vcm::AppMessage>(&parsed); app && remote_ && in_call()) {
    send_to_remote(ev::wire::kMessage, {{"message", {{"type", app->type}, {"body", app->body}, {"seq", app->seq}}}});
  }
}

void ConsultationSession::on(const io::in::DataChannelMessage& m) {
  auto parsed = vcm::decode_app_message(m.text);
  if (auto* err = std::get_if<vcm::DecodeError>(&parsed)) {
    signaling_error(err->code, "data channel: " + err->message, m.text);
    return;
  }
  if (!remote_ || !in_call()) return;
  deliver_app_message(std::get<vcm::AppMessage>(std::move(parsed)), "dataChannel");
}

void ConsultationSession::deliver_app_message(vcm::AppMessage msg, std::string_view via) {
  if (msg.seq < app_seq_in_next_ || app_pending_.count(msg.seq) != 0) {
    ctx_.log(log::Level::Debug, le::kDuplicateAppMessage, {{"seq", msg.seq}});
    return;
  }
  const auto seq = msg.seq;
  app_pending_.emplace(seq, PendingAppMessage{std::move(msg), std::string(via)});
  constexpr std::size_t kMaxAhead = 256;
  if (app_pending_.size() > kMaxAhead) {
    // A gap this long will not fill: skip it rather than hold every later message back.
    ctx_.log(log::Level::Warn, le::kAppMessageGap, {{"from", app_seq_in_next_}, {"to", app_pending_.begin()->first}});
    app_seq_in_next_ = app_pending_.begin()->first;
  }
  for (auto it = app_pending_.find(app_seq_in_next_); it != app_pending_.end(); it = app_pending_.find(app_seq_in_next_)) {
    ctx_.emit(ev::kMessage, {{"type", it->second.message.type},
                             {"body", it->second.message.body},
                             {"connectionId", remote_->connection_id},
                             {"via", it->second.via}});
    app_pending_.erase(it);
    ++app_seq_in_next_;
  }
}

}  // namespace callcore::session::consultation
