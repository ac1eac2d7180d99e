// The shared part of the embind bindings (bindings.cpp: the consultation's module;
// room_bindings.cpp: the room's): the page-wide logger, the dictionary as JSON, and the one
// templated binding of a sans-IO session (JSON text in, JSON text out, one call per input). No
// call logic lives here.
#pragma once

#include <emscripten/bind.h>

#include <memory>
#include <string>
#include <variant>

#include <nlohmann/json.hpp>

#include "callcore/base/json.hpp"
#include "callcore/base/time.hpp"
#include "callcore/errors/call_error.hpp"
#include "callcore/events/dictionary.hpp"
#include "callcore/io/codec.hpp"
#include "callcore/log/logger.hpp"

namespace callcore::bindings {

using nlohmann::json;
using namespace callcore;


using nlohmann::json;
using namespace callcore;

// The page-wide logger behind the JS `logger` (shared by every session of the page).
inline log::Logger& page_logger() {
  static log::Logger logger(1000);
  return logger;
}

/// The dictionary as JSON: {GROUP: {KEY: value}} (the JS enums; the payload types are a build
/// matter: bindings/dictionary_json.cpp).
inline std::string dictionary() {
  json out = json::object();
  for (const auto& e : events::dictionary()) out[std::string(e.group)][std::string(e.key)] = e.value;
  return base::json_text(out);
}

inline std::string logger_entries() { return base::json_text(page_logger().to_json()); }
inline std::string logger_export() { return base::json_text(page_logger().export_json()); }
inline double logger_dropped() { return static_cast<double>(page_logger().dropped()); }
inline void logger_clear() { page_logger().clear(); }
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

/// One session of kind `S` (which has handle / poll_output / poll_timeout / snapshot), made by
/// `make(role, params, logger, now)`. Construction never fails: an invalid role or params leave
/// no session and error() returns the CallError JSON (the shell checks it first).
template <typename S, auto make>
class SessionBinding {
 public:
  SessionBinding(const std::string& role, const std::string& params, double now_ms) {
    auto made = make(role, base::parse_json(params), page_logger(), base::Ms(now_ms));
    if (auto* err = std::get_if<errors::CallError>(&made)) {
      error_ = base::json_text(errors::to_json(*err));
    } else {
      session_ = std::move(std::get<std::unique_ptr<S>>(made));
    }
  }

  /// "" when the session exists, else the CallError JSON of why it could not be made.
  std::string error() const { return error_; }

  /// Feeds one input (JSON `{kind, ...}`, io/codec.hpp) and returns the effects it produced as a
  /// JSON array. An input that does not decode is logged and produces none.
  std::string handle(const std::string& input, double now_ms) {
    if (!session_) return "[]";
    auto decoded = io::decode_input(base::parse_json(input));
    if (!decoded) {
      page_logger().log(now_ms, log::Level::Error, events::log_event::kInvalidInput, "",
                        {{"input", base::utf8_prefix(input, 256)}});
      return "[]";
    }
    session_->handle(*decoded, base::Ms(now_ms));
    return drain();
  }

  /// Effects not yet taken (e.g. those of the constructor), as a JSON array.
  std::string drain() {
    json out = json::array();
    if (session_) {
      while (auto e = session_->poll_output()) out.push_back(io::encode(*e));
    }
    return base::json_text(out);
  }

  /// The next deadline (ms, the shell's clock) at which to feed a `timeout` input; -1 for none.
  double timeout() const {
    auto t = session_ ? session_->poll_timeout() : std::nullopt;
    return t ? t->value : -1;
  }

  std::string snapshot() const { return session_ ? base::json_text(session_->snapshot()) : "{}"; }

 protected:
  std::unique_ptr<S> session_;
  std::string error_;
};

// The base's member functions, as members of B (embind deduces the class from the pointer).
template <typename B>
emscripten::class_<B> bind_session(const char* name) {
  using Text = std::string (B::*)() const;
  return emscripten::class_<B>(name)
      .template constructor<const std::string&, const std::string&, double>()
      .function("error", static_cast<Text>(&B::error))
      .function("handle", static_cast<std::string (B::*)(const std::string&, double)>(&B::handle))
      .function("drain", static_cast<std::string (B::*)()>(&B::drain))
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
