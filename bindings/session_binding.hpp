// The shared part of the embind bindings (bindings.cpp: the consultation's module;
// room_bindings.cpp: the room's): the page-wide logger and flight recorder, the dictionary as
// JSON, and the one templated binding of a sans-IO session (io::JsonSession: JSON text in, JSON
// text out, one call per input, each call recorded). No call logic lives here.
#pragma once

#include <emscripten/bind.h>

#include <string>

#include <nlohmann/json.hpp>

#include "callcore/base/json.hpp"
#include "callcore/events/dictionary.hpp"
#include "callcore/io/json_session.hpp"
#include "callcore/log/logger.hpp"
#include "callcore/log/recorder.hpp"

namespace callcore::bindings {

using nlohmann::json;

// The page-wide logger behind the JS `logger` (shared by every session of the page).
inline log::Logger& page_logger() {
  static log::Logger logger(1000);
  return logger;
}

// The page-wide flight recorder: every session's inputs and outputs (log/recorder.hpp), carried
// by the logger's export (docs/debugging.md).
inline log::Recorder& page_recorder() {
  static log::Recorder recorder;
  return recorder;
}

/// The dictionary as JSON: {GROUP: {KEY: value}} (the JS enums; the payload types are a build
/// matter: bindings/dictionary_json.cpp).
inline std::string dictionary() {
  json out = json::object();
  for (const auto& e : events::dictionary()) out[std::string(e.group)][std::string(e.key)] = e.value;
  return base::json_text(out);
}

inline std::string logger_entries() { return base::json_text(page_logger().to_json()); }
/// The logger's export with the recording: {format, version, capacity, dropped, truncated,
/// entries, recording} (docs/debugging.md).
inline std::string logger_export() {
  json out = page_logger().export_json();
  out["recording"] = page_recorder().to_json();
  return base::json_text(out);
}
inline double logger_dropped() { return static_cast<double>(page_logger().dropped()); }
/// Empties the log, and the recording of ended sessions (live ones keep theirs).
inline void logger_clear() {
  page_logger().clear();
  page_recorder().clear();
}
/// Logs an entry from the shell (a browser failure with no call decision attached).
inline void logger_log(const std::string& level, const std::string& event, const std::string& connection_id,
                       const std::string& data, double now_ms) {
  log::Level l = level == "error" ? log::Level::Error
                 : level == "warn" ? log::Level::Warn
                 : level == "debug" ? log::Level::Debug
                                    : log::Level::Info;
  json d = base::parse_json(data);
  page_logger().log(now_ms, l, event, connection_id, d.is_discarded() ? json::object() : d);
}

/// One session of kind `S` (handle / poll_output / poll_timeout / snapshot) made by
/// `make(role, params, logger, now)`, for JavaScript: io::JsonSession with the page's logger and
/// recorder, `kind` naming it in the recording. Construction never fails: an invalid role or
/// params leave no session and error() returns the CallError JSON (the shell checks it first).
template <typename S, auto make, const char* kind>
class SessionBinding {
 public:
  SessionBinding(const std::string& role, const std::string& params, double now_ms)
      : json_(kind, role, params, now_ms, page_logger(), &page_recorder()) {}

  /// "" when the session exists, else the CallError JSON of why it could not be made.
  std::string error() const { return json_.error(); }
  /// Feeds one input (JSON `{kind, ...}`, io/codec.hpp) at `now_ms`; returns the outputs as a
  /// JSON array. An input that does not decode is logged and produces none.
  std::string handle(const std::string& input, double now_ms) { return json_.handle(input, now_ms); }
  /// Outputs not yet taken (e.g. those of the constructor), as a JSON array.
  std::string drain(double now_ms) { return json_.drain(now_ms); }
  /// The next deadline (ms, the shell's clock) at which to feed a `timeout` input; -1 for none.
  double timeout() const { return json_.timeout(); }
  std::string snapshot() const { return json_.snapshot(); }

 protected:
  const S* session() const { return json_.session(); }
  S* session() { return json_.session(); }

 private:
  io::JsonSession<S, make> json_;
};

// The base's member functions, as members of B (embind deduces the class from the pointer).
template <typename B>
emscripten::class_<B> bind_session(const char* name) {
  using Text = std::string (B::*)() const;
  return emscripten::class_<B>(name)
      .template constructor<const std::string&, const std::string&, double>()
      .function("error", static_cast<Text>(&B::error))
      .function("handle", static_cast<std::string (B::*)(const std::string&, double)>(&B::handle))
      .function("drain", static_cast<std::string (B::*)(double)>(&B::drain))
      .function("timeout", static_cast<double (B::*)() const>(&B::timeout))
      .function("snapshot", static_cast<Text>(&B::snapshot));
}

/// The page-wide functions every module exports: dictionary and logger.
inline void bind_common() {
  emscripten::function("dictionary", &dictionary);
  emscripten::function("loggerEntries", &logger_entries);
  emscripten::function("loggerDropped", &logger_dropped);
  emscripten::function("loggerExport", &logger_export);
  emscripten::function("loggerClear", &logger_clear);
  emscripten::function("loggerLog", &logger_log);
}

}  // namespace callcore::bindings
