// embind bindings: exposes the sans-IO core to JavaScript (DESIGN.md §2). Inputs and outputs
// cross the boundary as JSON text, one call per input; no call logic lives here.
#include <emscripten/bind.h>

#include <string>

#include <nlohmann/json.hpp>

#include "callcore/events/event_list.hpp"
#include "callcore/json_text.hpp"
#include "callcore/log/logger.hpp"
#include "callcore/session/consultation.hpp"

namespace {

using nlohmann::json;
using namespace callcore;

// The page-wide logger behind the JS `logger` (shared by every session of the page).
log::Logger& page_logger() {
  static log::Logger logger(1000);
  return logger;
}

json parse(const std::string& text) { return json::parse(text, nullptr, /*allow_exceptions=*/false); }

json error_json(const errors::CallError& e) {
  return {{"type", e.type}, {"message", e.message}, {"description", e.description}};
}

/// The event dictionary as JSON: {GROUP: {KEY: value}}.
std::string dictionary() {
  json out = json::object();
  for (const auto& e : events::dictionary()) out[std::string(e.group)][std::string(e.key)] = e.value;
  return json_text(out);
}

/// "" when the RTCParams JSON is valid, else the CallError JSON ({type:'params', ...}).
std::string validate_params(const std::string& params) {
  auto result = session::parse_params(parse(params));
  if (auto* err = std::get_if<errors::CallError>(&result)) return json_text(error_json(*err));
  return "";
}

std::string logger_entries() { return json_text(page_logger().to_json()); }
void logger_clear() { page_logger().clear(); }
/// Logs an entry from the shell (e.g. a browser failure with no call decision attached).
void logger_log(const std::string& level, const std::string& event, const std::string& connection_id,
                const std::string& data, double now_ms) {
  log::Level l = level == "error" ? log::Level::Error
                 : level == "warn" ? log::Level::Warn
                 : level == "debug" ? log::Level::Debug
                                    : log::Level::Info;
  json d = parse(data);
  page_logger().log(now_ms, l, event, connection_id, d.is_discarded() ? json::object() : d);
}

/// One consultation session. Construct only with params that validate_params accepted.
class Session {
 public:
  Session(const std::string& role, const std::string& params, double now_ms)
      : session_(role == "doctor" ? session::Role::Doctor : session::Role::Client,
                 std::get<session::Params>(session::parse_params(parse(params))), page_logger(), now_ms) {}

  /// Feeds one input (JSON `{kind, ...}`) and returns the outputs it produced as a JSON array.
  /// An input that does not decode is logged and produces no output.
  std::string handle(const std::string& input, double now_ms) {
    auto decoded = session::decode_input(parse(input));
    if (!decoded) {
      page_logger().log(now_ms, log::Level::Error, "invalidInput", "", {{"input", input.substr(0, 256)}});
      return "[]";
    }
    session_.handle(*decoded, now_ms);
    return drain();
  }

  /// Outputs not yet taken (e.g. those of the constructor), as a JSON array of {kind, data}.
  std::string drain() {
    json out = json::array();
    while (auto o = session_.poll_output()) out.push_back({{"kind", std::move(o->kind)}, {"data", std::move(o->data)}});
    return json_text(out);
  }

  std::string snapshot() const { return json_text(session_.snapshot()); }

  std::string create_publish_message(const std::string& type, const std::string& fields) const {
    json f = parse(fields);
    return json_text(session_.create_publish_message(type, f.is_object() ? f : json::object()));
  }

  std::string create_transient_message(const std::string& connection_ids, const std::string& fields) const {
    json ids = parse(connection_ids);
    std::vector<std::string> list;
    if (ids.is_array()) {
      for (const auto& id : ids) {
        if (id.is_string()) list.push_back(id.get<std::string>());
      }
    } else if (ids.is_string()) {
      list.push_back(ids.get<std::string>());
    }
    json f = parse(fields);
    return json_text(session_.create_transient_message(list, f.is_object() ? f : json::object()));
  }

 private:
  session::ConsultationSession session_;
};

}  // namespace

EMSCRIPTEN_BINDINGS(callcore) {
  emscripten::function("dictionary", &dictionary);
  emscripten::function("validateParams", &validate_params);
  emscripten::function("loggerEntries", &logger_entries);
  emscripten::function("loggerClear", &logger_clear);
  emscripten::function("loggerLog", &logger_log);
  emscripten::class_<Session>("Session")
      .constructor<const std::string&, const std::string&, double>()
      .function("handle", &Session::handle)
      .function("drain", &Session::drain)
      .function("snapshot", &Session::snapshot)
      .function("createPublishMessage", &Session::create_publish_message)
      .function("createTransientMessage", &Session::create_transient_message);
}
