#include "tools/replay.hpp"

#include <fmt/format.h>

#include "callcore/base/json.hpp"
#include "callcore/io/json_session.hpp"
#include "callcore/log/logger.hpp"
#include "callcore/session/consultation/session.hpp"

namespace callcore::tools {
namespace {

using nlohmann::json;
using Consultation = io::JsonSession<session::consultation::ConsultationSession, &session::consultation::make_session>;

// One output in a timeline line: `send`, `emit callStateEvent`, `settle(error: connection)`.
std::string describe(const json& output) {
  const std::string kind = base::string_or(output, "kind");
  if (kind == "emit") return fmt::format("emit {}", base::string_or(output, "eventType"));
  if (kind == "settle") {
    auto err = output.find("error");
    if (err != output.end() && err->is_object()) return fmt::format("settle(error: {})", base::string_or(*err, "type"));
    return "settle";
  }
  if (kind == "send") {
    const auto msg = output.find("message");
    if (msg != output.end() && msg->is_object()) {
      std::string type = base::string_or(*msg, "type");
      if (type.empty()) {
        if (auto d = msg->find("data"); d != msg->end()) type = base::string_or(*d, "type");
      }
      if (!type.empty()) return fmt::format("send {}", type);
    }
  }
  return kind;
}

std::string describe_all(const json& outputs) {
  std::string out;
  if (!outputs.is_array()) return out;
  for (const auto& o : outputs) {
    if (!out.empty()) out += ", ";
    out += describe(o);
  }
  return out;
}

}  // namespace

bool ReplayResult::ok() const {
  if (!error.empty()) return false;
  for (const auto& s : sessions) {
    if (!s.first_difference.empty() || s.identical != s.steps) return false;
  }
  return true;
}

ReplayResult replay(const json& report, std::ostream* timeline) {
  ReplayResult result;
  const json* recording = &report;
  if (report.is_object() && report.contains("recording")) recording = &report["recording"];
  if (!recording->is_object() || !recording->contains("sessions") || !(*recording)["sessions"].is_array()) {
    result.error = "no recording: expected logger.export() output (with `recording`) or {sessions: [...]}";
    return result;
  }
  for (const auto& rec : (*recording)["sessions"]) {
    SessionReplay sr;
    sr.id = static_cast<std::uint32_t>(base::int_or(rec, "id", 0));
    sr.kind = base::string_or(rec, "kind");
    sr.role = base::string_or(rec, "role");
    sr.truncated = base::bool_or(rec, "truncated", false);
    if (sr.kind != "consultation") {
      sr.first_difference = fmt::format("unknown session kind '{}'", base::utf8_prefix(sr.kind, 64));
      result.sessions.push_back(std::move(sr));
      continue;
    }
    const double created = rec.value("created", 0.0);
    log::Logger logger(1000);
    const json params = rec.contains("params") ? rec["params"] : json::object();
    Consultation session("consultation", sr.role, params.is_string() ? params.get<std::string>() : base::json_text(params),
                         created, logger, nullptr);
    if (timeline) *timeline << fmt::format("session {} {} {}{}\n", sr.id, sr.kind, sr.role,
                                           session.error().empty() ? "" : " (not made: " + session.error() + ")");
    io::RecordingExpander expander;  // statsReport deltas back into whole reports (io/recording.hpp)
    const json steps = rec.contains("steps") && rec["steps"].is_array() ? rec["steps"] : json::array();
    for (const auto& st : steps) {
      const double t = st.value("t", 0.0);
      const std::string op = base::string_or(st, "op");
      const json in = expander.input(st.contains("in") ? st["in"] : json(nullptr));
      std::string text = op == "drain" ? session.drain(t)
                                       : session.handle(in.is_string() ? in.get<std::string>() : base::json_text(in), t);
      json got = base::parse_json(text);
      log::redact_in_place(got);
      const json expected = st.contains("out") ? st["out"] : json::array();
      ++sr.steps;
      const bool same = io::outputs_match(expected, got);
      if (same) {
        ++sr.identical;
      } else if (sr.first_difference.empty()) {
        sr.first_difference = fmt::format("step {} ({} {} at +{} ms): recorded [{}], replayed [{}]", sr.steps, op,
                                          base::string_or(in, "kind"), t - created, describe_all(expected),
                                          describe_all(got));
      }
      if (timeline) {
        *timeline << fmt::format("  +{:>8.1f} ms  {:<5} {:<22} -> {}{}\n", t - created, op, base::string_or(in, "kind"),
                                 describe_all(got), same ? "" : "   [DIFFERS from the recording]");
      }
    }
    if (timeline) {
      *timeline << fmt::format("session {}: {} steps replayed, {} identical to the recording{}\n", sr.id, sr.steps,
                               sr.identical, sr.truncated ? " (the recording was truncated: it stops early)" : "");
    }
    result.sessions.push_back(std::move(sr));
  }
  return result;
}

}  // namespace callcore::tools
