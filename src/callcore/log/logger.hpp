// Structured logger: a bounded ring buffer of entries (docs/architecture.md, "Errors, events and logs"). Secrets are redacted
// before an entry is stored, so nothing exported can leak them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace callcore::log {

/// Severity of an entry, exported as "debug" | "info" | "warn" | "error".
enum class Level { Debug, Info, Warn, Error };

std::string_view to_string(Level level);

/// One log entry. `time_ms` is the caller's clock (ms since the Unix epoch in the browser);
/// `event` an event name (a CONNECTION_EVENT_LIST value for connection events);
/// `connection_id` the connection the entry is about ("" when none); `data` any JSON.
struct Entry {
  double time_ms = 0;
  Level level = Level::Info;
  std::string event;
  std::string connection_id;
  nlohmann::json data;
};

/// Returns `data` with secrets replaced by "[redacted]": values of object keys named like
/// password, credential, token, secret, authorization (case-insensitive), and in strings the
/// SDP attribute values `a=ice-pwd:` (RFC 8839 §5.4) .
nlohmann::json redact(const nlohmann::json& data);

/// Bounded ring buffer of entries: when full, the oldest entry is dropped.
class Logger {
 public:
  /// `capacity` is the maximum number of entries kept (>= 1).
  explicit Logger(std::size_t capacity = 1000);

  /// Stores an entry after redacting `data`.
  void log(double time_ms, Level level, std::string_view event, std::string_view connection_id,
           const nlohmann::json& data = nlohmann::json::object());

  const std::deque<Entry>& entries() const { return entries_; }
  std::size_t capacity() const { return capacity_; }
  /// How many entries were dropped because the buffer was full.
  std::uint64_t dropped() const { return dropped_; }
  void clear();

  /// JSON array of entries: [{time, level, event, connectionId, data}, ...].
  nlohmann::json to_json() const;

 private:
  std::size_t capacity_;
  std::deque<Entry> entries_;
  std::uint64_t dropped_ = 0;
};

}  // namespace callcore::log
