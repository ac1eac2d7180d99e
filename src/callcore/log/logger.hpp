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

/// True when an object key names a secret: after lowercasing and dropping '-' and '_', it
/// contains password, passwd, pwd, credential, token, secret, authorization, cookie, apikey, jwt
/// or privatekey ("api_key", "X-Auth-Token", "iceServers[].credential", "jwt", "ice-pwd").
bool is_secret_key(std::string_view key);

/// Returns `data` with secrets replaced by "[redacted]", recursively:
/// - the value of every object key for which is_secret_key() is true;
/// - `username` in an RTCIceServer-like object whose `urls`/`url` is a `turn:`/`turns:` URL
///   (TURN REST usernames carry the user id and expiry);
/// - in strings, whatever the case: SDP `a=ice-pwd:` values (RFC 8839 §5.4) and the `inline:` keys
///   of `a=crypto:` lines (SDES, RFC 4568 §6.1); the value of header lines `Authorization:`,
///   `Proxy-Authorization:` (RFC 9110 §11.6.2, RFC 3261 §20.7/§20.28), `Cookie:`, `Set-Cookie:`
///   (RFC 6265 §5.4) and of `Bearer <token>`; URL query/fragment/matrix parameters whose name
///   is a secret key (`wss://host/ws?token=…`, `&api_key=…`, `;jwt=…`).
/// Values keep their position; only the secret bytes change. Never throws.
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

  /// JSON array of entries: [{time, level, event, connectionId, data}, ...], oldest first.
  nlohmann::json to_json() const;

  /// The export a bug report carries: {format: "callcore-log", version: 1, capacity (entries),
  /// dropped (entries lost to the ring buffer since the last clear()), truncated (dropped > 0:
  /// the oldest entries are missing), entries: to_json()}.
  nlohmann::json export_json() const;

  static constexpr std::string_view kExportFormat = "callcore-log";
  static constexpr int kExportVersion = 1;

 private:
  std::size_t capacity_;
  std::deque<Entry> entries_;
  std::uint64_t dropped_ = 0;
};

}  // namespace callcore::log
