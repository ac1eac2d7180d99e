// Real Chromium getStats() reports for the stats tests: data/stats/report-{1,2,3}.json, taken a
// second apart from the doctor's side of a consultation call in Chromium with fake devices
// (data/stats/capture.mjs), compiled into the test binary (stats_data.inc, tests/unit/CMakeLists.txt).
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

namespace callcore::test {

/// The captured report `name` ("report-1", ...) as a JSON array of stats dictionaries.
inline nlohmann::json stats_report(std::string_view name) {
  static const std::pair<std::string_view, std::string_view> kReports[] = {
#include "stats_data.inc"
  };
  for (const auto& [n, text] : kReports) {
    if (n == name) return nlohmann::json::parse(text);
  }
  FAIL("no captured report " << name);
  return nullptr;
}

/// The first entry of `report` of `type` (and `kind` for RTP entries, when given).
inline nlohmann::json& stats_entry(nlohmann::json& report, std::string_view type, std::string_view kind = {}) {
  for (auto& e : report) {
    if (e.value("type", "") == type && (kind.empty() || e.value("kind", "") == kind)) return e;
  }
  FAIL("no " << type << " " << kind << " entry");
  static nlohmann::json none;
  return none;
}

}  // namespace callcore::test
