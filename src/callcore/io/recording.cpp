#include "callcore/io/recording.hpp"

#include <fmt/format.h>

#include "callcore/base/json.hpp"
#include "callcore/events/dictionary.hpp"
#include "callcore/io/codec.hpp"
#include "callcore/log/logger.hpp"

namespace callcore::io {

using nlohmann::json;

namespace {

constexpr const char* kReport = "report";
constexpr const char* kDelta = "reportDelta";
constexpr const char* kGone = "-";

std::int64_t pc_of(const json& in) { return base::int_or(in, "pc", 0); }

bool is_stats_report(const json& in) {
  return in.is_object() && base::string_or(in, "kind") == kStatsReportKind;
}

// The entries of `report` by id (entries without a string id are kept whole by the delta).
std::map<std::string, const json*> by_id(const json& report) {
  std::map<std::string, const json*> out;
  if (!report.is_array()) return out;
  for (const auto& e : report) {
    if (e.is_object() && e.contains("id") && e["id"].is_string()) out.emplace(e["id"].get<std::string>(), &e);
  }
  return out;
}

// The entry of `before` with the id of `entry`; null when it has none (a new entry, kept whole).
const json* same_entry(const std::map<std::string, const json*>& before, const json& entry) {
  if (!entry.is_object() || !entry.contains("id") || !entry["id"].is_string()) return nullptr;
  auto it = before.find(entry["id"].get<std::string>());
  return it == before.end() ? nullptr : it->second;
}

json delta(const json& previous, const json& report) {
  const auto before = by_id(previous);
  json out = json::array();
  for (const auto& e : report) {
    const json* found = same_entry(before, e);
    if (!found) {
      out.push_back(e);
      continue;
    }
    const json& old = *found;
    json d = {{"id", e["id"]}};
    for (const auto& [key, value] : e.items()) {
      auto o = old.find(key);
      if (o == old.end() || *o != value) d[key] = value;
    }
    json gone = json::array();
    for (const auto& [key, value] : old.items()) {
      if (!e.contains(key)) gone.push_back(key);
    }
    if (!gone.empty()) d[kGone] = std::move(gone);
    out.push_back(std::move(d));
  }
  return out;
}

json expand(const json& previous, const json& delta) {
  const auto before = by_id(previous);
  json out = json::array();
  if (!delta.is_array()) return out;
  for (const auto& d : delta) {
    const json* found = same_entry(before, d);
    if (!found) {
      out.push_back(d);
      continue;
    }
    json e = *found;
    for (const auto& [key, value] : d.items()) {
      if (key != kGone) e[key] = value;
    }
    if (auto gone = d.find(kGone); gone != d.end() && gone->is_array()) {
      for (const auto& key : *gone) {
        if (key.is_string()) e.erase(key.get<std::string>());
      }
    }
    out.push_back(std::move(e));
  }
  return out;
}

bool is_periodic(const json& output) {
  if (!output.is_object()) return false;
  const std::string kind = base::string_or(output, "kind");
  if (kind == effect_kind(Effect{fx::CollectStats{}})) return true;
  return kind == effect_kind(Effect{fx::Emit{}}) && base::string_or(output, "eventType") == events::kStats;
}

bool is_digest(const json& output) { return output.is_object() && output.contains("digest"); }

}  // namespace

json RecordingCompactor::input(json in, bool& changed) {
  if (!is_stats_report(in) || !in.contains(kReport) || !in[kReport].is_array()) return in;
  json& last = last_report_[pc_of(in)];
  json report = std::move(in[kReport]);
  in.erase(kReport);
  in[kDelta] = delta(last, report);
  last = std::move(report);
  changed = true;
  return in;
}

json RecordingCompactor::outputs(json out, bool& changed) {
  if (!out.is_array()) return out;
  for (auto& o : out) {
    if (is_periodic(o)) {
      o = digest_output(o);
      changed = true;
    }
  }
  return out;
}

json RecordingExpander::input(json in) {
  if (!is_stats_report(in) || !in.contains(kDelta)) return in;
  json& last = last_report_[pc_of(in)];
  json report = expand(last, in[kDelta]);
  in.erase(kDelta);
  last = report;
  in[kReport] = std::move(report);
  return in;
}

json digest_output(const json& output) {
  json redacted = output;
  log::redact_in_place(redacted);
  const std::string text = base::json_text(redacted);
  std::uint64_t h = 14695981039346656037ull;  // FNV-1a 64 offset basis
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;  // FNV 64-bit prime
  }
  json d = {{"kind", base::string_or(output, "kind")}};
  if (output.contains("eventType")) d["eventType"] = output["eventType"];
  d["digest"] = fmt::format("{:016x}", h);
  return d;
}

bool outputs_match(const json& recorded, const json& replayed) {
  if (!recorded.is_array() || !replayed.is_array()) return recorded == replayed;
  if (recorded.size() != replayed.size()) return false;
  for (std::size_t i = 0; i < recorded.size(); ++i) {
    if (is_digest(recorded[i]) ? recorded[i] != digest_output(replayed[i]) : recorded[i] != replayed[i]) return false;
  }
  return true;
}

}  // namespace callcore::io
