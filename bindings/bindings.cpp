// embind bindings: the sans-IO core exposed to JavaScript. Inputs and outputs cross the
// boundary as JSON text through the core's one codec (src/callcore/io/codec.hpp), one call per
// input. One templated binding per session kind; no call logic lives here.
#include <emscripten/bind.h>

#include <memory>
#include <string>
#include <variant>

#include <nlohmann/json.hpp>

#include "callcore/base/json.hpp"
#include "callcore/events/dictionary.hpp"
#include "callcore/io/codec.hpp"
#include "callcore/io/json_session.hpp"
#include "callcore/log/recorder.hpp"
#include "callcore/log/logger.hpp"
#include "callcore/session/consultation/session.hpp"
#include "callcore/session/consultation/warm_up.hpp"

namespace {

using nlohmann::json;
using namespace callcore;

// The page-wide logger behind the JS `logger` (shared by every session of the page).
log::Logger& page_logger() {
  static log::Logger logger(1000);
  return logger;
}

/// The dictionary as JSON: {GROUP: {KEY: value}} (the JS enums; the payload types are a build
/// matter: bindings/dictionary_json.cpp).
std::string dictionary() {
  json out = json::object();
  for (const auto& e : events::dictionary()) out[std::string(e.group)][std::string(e.key)] = e.value;
  return base::json_text(out);
}

// The page-wide flight recorder: every session's inputs and outputs (log/recorder.hpp), carried
// by the logger's export.
log::Recorder& page_recorder() {
  static log::Recorder recorder;
  return recorder;
}

std::string logger_entries() { return base::json_text(page_logger().to_json()); }
/// The logger's export with the recording: {format, version, capacity, dropped, truncated,
/// entries, recording} (docs/debugging.md).
std::string logger_export() {
  json out = page_logger().export_json();
  out["recording"] = page_recorder().to_json();
  return base::json_text(out);
}
double logger_dropped() { return static_cast<double>(page_logger().dropped()); }
/// Empties the log, and the recording of ended sessions (live ones keep theirs).
void logger_clear() {
  page_logger().clear();
  page_recorder().clear();
}
/// Logs an entry from the shell (a browser failure with no call decision attached).
void logger_log(const std::string& level, const std::string& event, const std::string& connection_id,
                const std::string& data, double now_ms) {
  log::Level l = level == "error" ? log::Level::Error
                 : level == "warn" ? log::Level::Warn
                 : level == "debug" ? log::Level::Debug
                                    : log::Level::Info;
  json d = base::parse_json(data);
  page_logger().log(now_ms, l, event, connection_id, d.is_discarded() ? json::object() : d);
}

/// One session of kind `S` for JavaScript: io::JsonSession with the page's logger and recorder
/// (the constructor embind can call: role, params JSON, now in ms).
template <typename S, auto make, const char* kind>
class SessionBinding {
 public:
  SessionBinding(const std::string& role, const std::string& params, double now_ms)
      : json_(kind, role, params, now_ms, page_logger(), &page_recorder()) {}

  /// "" when the session exists, else the CallError JSON of why it could not be made.
  std::string error() const { return json_.error(); }
  /// Feeds one input (JSON `{kind, ...}`, io/codec.hpp) at `now_ms`; returns the outputs as a
  /// JSON array.
  std::string handle(const std::string& input, double now_ms) { return json_.handle(input, now_ms); }
  /// Outputs not yet taken (e.g. those of the constructor), as a JSON array.
  std::string drain(double now_ms) { return json_.drain(now_ms); }
  /// The next deadline (ms, the shell's clock) at which to feed a `timeout` input; -1 for none.
  double timeout() const { return json_.timeout(); }
  std::string snapshot() const { return json_.snapshot(); }

 protected:
  const S* session() const { return json_.session(); }

 private:
  io::JsonSession<S, make> json_;
};

using session::consultation::ConsultationSession;
constexpr char kConsultationKind[] = "consultation";
class Consultation
    : public SessionBinding<ConsultationSession, &session::consultation::make_session, kConsultationKind> {
 public:
  using SessionBinding::SessionBinding;

  std::string create_publish_message(const std::string& type, const std::string& fields) const {
    if (!session()) return "{}";
    json f = base::parse_json(fields);
    return base::json_text(session()->create_publish_message(type, f.is_object() ? f : json::object()));
  }

  std::string create_transient_message(const std::string& connection_ids, const std::string& fields) const {
    if (!session()) return "{}";
    json ids = base::parse_json(connection_ids);
    std::vector<std::string> list;
    if (ids.is_array()) {
      for (const auto& id : ids) {
        if (id.is_string()) list.push_back(id.get<std::string>());
      }
    } else if (ids.is_string()) {
      list.push_back(ids.get<std::string>());
    }
    json f = base::parse_json(fields);
    return base::json_text(session()->create_transient_message(list, f.is_object() ? f : json::object()));
  }
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

}  // namespace

EMSCRIPTEN_BINDINGS(callcore) {
  emscripten::function("dictionary", &dictionary);
  emscripten::function("loggerEntries", &logger_entries);
  emscripten::function("loggerDropped", &logger_dropped);
  emscripten::function("loggerExport", &logger_export);
  emscripten::function("loggerClear", &logger_clear);
  emscripten::function("loggerLog", &logger_log);
  emscripten::function("warmUpConsultation", &session::consultation::warm_up);
  bind_session<Consultation>("Consultation")
      .function("createPublishMessage", &Consultation::create_publish_message)
      .function("createTransientMessage", &Consultation::create_transient_message);
}
