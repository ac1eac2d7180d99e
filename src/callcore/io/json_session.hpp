// One session behind the JSON boundary: what the embind bindings expose to the shell and what
// the replay tool drives natively — the same code on both sides, so a recorded call replays
// through exactly the path it took in the page.
//
// Inputs arrive as JSON text (`{kind, ...}`, io/codec.hpp), outputs leave as a JSON array of
// encoded effects; each call is recorded (log/recorder.hpp) when a recorder is given, in the
// recording's compact form (io/recording.hpp).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include <nlohmann/json.hpp>

#include "callcore/base/json.hpp"
#include "callcore/base/time.hpp"
#include "callcore/errors/call_error.hpp"
#include "callcore/events/dictionary.hpp"
#include "callcore/io/codec.hpp"
#include "callcore/io/recording.hpp"
#include "callcore/log/logger.hpp"
#include "callcore/log/recorder.hpp"

namespace callcore::io {

/// A session of kind `S` (handle / poll_output / poll_timeout / snapshot) made by
/// `make(role, params, logger, now)`. Construction never fails: an invalid role or params leave
/// no session and error() returns the CallError JSON (the shell checks it first).
template <typename S, auto make>
class JsonSession {
 public:
  /// `kind` names the session kind in the recording ("consultation", ...); `recorder` may be null.
  JsonSession(std::string_view kind, const std::string& role, const std::string& params, double now_ms,
              log::Logger& logger, log::Recorder* recorder)
      : logger_(logger), recorder_(recorder) {
    nlohmann::json p = base::parse_json(params);
    auto made = make(role, p, logger_, base::Ms(now_ms));
    nlohmann::json error;
    if (auto* err = std::get_if<errors::CallError>(&made)) {
      error = errors::to_json(*err);
      error_ = base::json_text(error);
    } else {
      session_ = std::move(std::get<std::unique_ptr<S>>(made));
    }
    if (recorder_) {
      recorder_id_ = recorder_->begin(kind, role, p.is_discarded() ? nlohmann::json(params) : std::move(p), now_ms,
                                      std::move(error), params.size());
    }
  }
  ~JsonSession() {
    if (recorder_) recorder_->end(recorder_id_);
  }
  JsonSession(const JsonSession&) = delete;
  JsonSession& operator=(const JsonSession&) = delete;

  /// "" when the session exists, else the CallError JSON of why it could not be made.
  const std::string& error() const { return error_; }

  /// Feeds one input (JSON text `{kind, ...}`) at `now_ms` and returns the outputs it produced as
  /// JSON array text. An input that does not decode is logged (invalidInput) and produces none.
  std::string handle(const std::string& input, double now_ms) {
    if (!session_) return "[]";
    nlohmann::json parsed = base::parse_json(input);
    auto decoded = decode_input(parsed);
    if (!decoded) {
      logger_.log(now_ms, log::Level::Error, events::log_event::kInvalidInput, "",
                  {{"input", base::utf8_prefix(input, 256)}});
      record(now_ms, "input", parsed.is_discarded() ? nlohmann::json(base::utf8_prefix(input, 256)) : std::move(parsed),
             nlohmann::json::array(), input.size());
      return "[]";
    }
    session_->handle(*decoded, base::Ms(now_ms));
    return take(now_ms, "input", std::move(parsed), input.size());
  }

  /// Outputs not yet taken (e.g. those of the constructor), as JSON array text.
  std::string drain(double now_ms) { return take(now_ms, "drain", nullptr, 0); }

  /// The next deadline (ms, the shell's clock) at which to feed a `timeout` input; -1 for none.
  double timeout() const {
    auto t = session_ ? session_->poll_timeout() : std::nullopt;
    return t ? t->value : -1;
  }

  std::string snapshot() const { return session_ ? base::json_text(session_->snapshot()) : "{}"; }

  S* session() { return session_.get(); }
  const S* session() const { return session_.get(); }

 private:
  std::string take(double now_ms, std::string_view op, nlohmann::json in, std::size_t in_bytes) {
    nlohmann::json out = nlohmann::json::array();
    if (session_) {
      while (auto e = session_->poll_output()) out.push_back(encode(*e));
    }
    std::string text = base::json_text(out);
    // A drain with nothing to take is not worth a step (the shell drains after every turn).
    if (op != "drain" || !out.empty()) record(now_ms, op, std::move(in), std::move(out), in_bytes + text.size());
    return text;
  }

  // Steps are kept in the recording's compact form (io/recording.hpp); `bytes` is then the size
  // of what is kept.
  void record(double now_ms, std::string_view op, nlohmann::json in, nlohmann::json out, std::size_t bytes) {
    if (!recorder_) return;
    bool compacted = false;
    in = compactor_.input(std::move(in), compacted);
    out = RecordingCompactor::outputs(std::move(out), compacted);
    if (compacted) bytes = base::json_text(in).size() + base::json_text(out).size();
    recorder_->step(recorder_id_, now_ms, op, std::move(in), std::move(out), bytes);
  }

  log::Logger& logger_;
  log::Recorder* recorder_;
  std::uint32_t recorder_id_ = 0;
  RecordingCompactor compactor_;
  std::unique_ptr<S> session_;
  std::string error_;
};

}  // namespace callcore::io
