// What the parts of one session share while it handles an input: the ordered output queue, the
// input's time, the jitter source and the logger. A session owns one Context and lends it to its
// parts (rtc::Peer, signaling::Transport), so their effects, events and log entries interleave
// in the order they happen.
#pragma once

#include <utility>

#include <deque>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "callcore/base/backoff.hpp"
#include "callcore/base/time.hpp"
#include "callcore/events/dictionary.hpp"
#include "callcore/io/effect.hpp"
#include "callcore/log/logger.hpp"

namespace callcore::io {

class Context {
 public:
  /// `logger` must outlive the context; `seed` seeds the jitter of retry delays.
  Context(log::Logger& logger, base::Ms now, std::uint64_t seed) : logger_(logger), now_(now), random_(seed) {}

  /// Queues an effect for the shell.
  void push(Effect effect) { outputs_.push_back(std::move(effect)); }
  /// Queues an app event (`event_type` from the dictionary; `is_error`: emitType 'error').
  void emit(std::string_view event_type, nlohmann::json payload, bool is_error = false) {
    push(fx::Emit{is_error ? events::kEmitError : events::kEmitEvent, event_type, std::move(payload)});
  }
  /// Logs an entry under `event` (a dictionary name) for this session's connection.
  void log(log::Level level, std::string_view event, nlohmann::json data = nlohmann::json::object()) {
    logger_.log(now_.value, level, event, connection_id, std::move(data));
  }
  /// The next effect in order, or nullopt.
  std::optional<Effect> poll() {
    if (outputs_.empty()) return std::nullopt;
    Effect e = std::move(outputs_.front());
    outputs_.pop_front();
    return e;
  }

  base::Ms now() const { return now_; }
  void set_now(base::Ms now) { now_ = now; }
  base::Random& random() { return random_; }

  /// This side's signaling connection id ("" until known): log entries carry it.
  std::string connection_id;

 private:
  log::Logger& logger_;
  base::Ms now_;
  base::Random random_;
  std::deque<Effect> outputs_;
};

}  // namespace callcore::io
