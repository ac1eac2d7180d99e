#include "callcore/log/logger.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace callcore::log {
namespace {

constexpr std::string_view kRedacted = "[redacted]";

bool is_secret_key(std::string_view key) {
  std::string lower(key);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  constexpr std::array kWords{"password", "credential", "token", "secret", "authorization"};
  return std::any_of(kWords.begin(), kWords.end(),
                     [&](const char* w) { return lower.find(w) != std::string::npos; });
}

// Replaces the value of every "a=ice-pwd:" attribute in an SDP-like string.
std::string redact_sdp(std::string text) {
  constexpr std::string_view kAttr = "a=ice-pwd:";
  std::size_t pos = 0;
  while ((pos = text.find(kAttr, pos)) != std::string::npos) {
    std::size_t start = pos + kAttr.size();
    std::size_t end = text.find_first_of("\r\n", start);
    if (end == std::string::npos) end = text.size();
    text.replace(start, end - start, kRedacted);
    pos = start + kRedacted.size();
  }
  return text;
}

}  // namespace

std::string_view to_string(Level level) {
  switch (level) {
    case Level::Debug: return "debug";
    case Level::Info: return "info";
    case Level::Warn: return "warn";
    case Level::Error: return "error";
  }
  return "info";
}

nlohmann::json redact(const nlohmann::json& data) {
  if (data.is_object()) {
    nlohmann::json out = nlohmann::json::object();
    for (auto it = data.begin(); it != data.end(); ++it) {
      out[it.key()] = is_secret_key(it.key()) ? nlohmann::json(kRedacted) : redact(it.value());
    }
    return out;
  }
  if (data.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& v : data) out.push_back(redact(v));
    return out;
  }
  if (data.is_string()) return redact_sdp(data.get<std::string>());
  return data;
}

Logger::Logger(std::size_t capacity) : capacity_(std::max<std::size_t>(capacity, 1)) {}

void Logger::log(double time_ms, Level level, std::string_view event, std::string_view connection_id,
                 const nlohmann::json& data) {
  if (entries_.size() == capacity_) {
    entries_.pop_front();
    ++dropped_;
  }
  entries_.push_back(Entry{time_ms, level, std::string(event), std::string(connection_id), redact(data)});
}

void Logger::clear() {
  entries_.clear();
  dropped_ = 0;
}

nlohmann::json Logger::to_json() const {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& e : entries_) {
    out.push_back({{"time", e.time_ms},
                   {"level", to_string(e.level)},
                   {"event", e.event},
                   {"connectionId", e.connection_id},
                   {"data", e.data}});
  }
  return out;
}

}  // namespace callcore::log
