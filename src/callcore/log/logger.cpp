#include "callcore/log/logger.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

namespace callcore::log {
namespace {

constexpr std::string_view kRedacted = "[redacted]";

// ASCII lowercase (no locale, no libc call: this runs on every byte of every logged SDP).
constexpr char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c; }

// True when `text` at `pos` starts with the lowercase ASCII `prefix`, whatever the case.
bool starts_with_nocase(std::string_view text, std::size_t pos, std::string_view prefix) {
  if (text.size() - pos < prefix.size()) return false;
  for (std::size_t k = 0; k < prefix.size(); ++k) {
    if (lower(text[pos + k]) != prefix[k]) return false;
  }
  return true;
}

// Case-insensitive find of a lowercase ASCII `needle` in text[pos, end).
std::size_t ifind(std::string_view text, std::string_view needle, std::size_t pos, std::size_t end) {
  for (std::size_t i = pos; i + needle.size() <= end; ++i) {
    if (lower(text[i]) == needle[0] && starts_with_nocase(text, i, needle)) return i;
  }
  return std::string_view::npos;
}

// True when a name, lowercased without '-' and '_' ("api_key" → "apikey"), contains a secret
// word. Folded into a stack buffer (names longer than it are judged by their first 64 bytes):
// this runs for every key of every logged object.
bool has_secret_word(std::string_view name) {
  std::array<char, 64> buf{};
  std::size_t n = 0;
  for (char c : name) {
    if (n == buf.size()) break;
    if (c != '-' && c != '_') buf[n++] = lower(c);
  }
  const std::string_view folded(buf.data(), n);
  constexpr std::array<std::string_view, 11> kWords{"password", "passwd", "pwd",    "credential",
                                                    "token",    "secret", "authorization", "cookie",
                                                    "apikey",   "jwt",    "privatekey"};
  return std::any_of(kWords.begin(), kWords.end(),
                     [&](std::string_view w) { return folded.find(w) != std::string_view::npos; });
}

bool url_is_turn(const nlohmann::json& v) {
  auto turn = [](const nlohmann::json& s) {
    if (!s.is_string()) return false;
    const auto& t = s.get_ref<const std::string&>();
    return starts_with_nocase(t, 0, "turn:") || starts_with_nocase(t, 0, "turns:");
  };
  if (v.is_array()) return std::any_of(v.begin(), v.end(), turn);
  return turn(v);
}

// An RTCIceServer-like object naming a TURN server (urls/url "turn:" or "turns:"): its
// `username` is a credential too (TURN REST usernames carry the user id and expiry).
bool is_turn_server(const nlohmann::json& obj) {
  for (const char* key : {"urls", "url"}) {
    auto it = obj.find(key);
    if (it != obj.end() && url_is_turn(*it)) return true;
  }
  return false;
}

// End of the line that contains `pos` (index of '\r', '\n' or the end).
// A line ends at CR or LF, or at the escaped `\r` / `\n` of a JSON text held in a string (an
// SDP inside a raw signaling message).
std::size_t line_end(std::string_view text, std::size_t pos) {
  for (; pos < text.size(); ++pos) {
    const char c = text[pos];
    if (c == '\r' || c == '\n') break;
    if (c == '\\' && pos + 1 < text.size() && (text[pos + 1] == 'r' || text[pos + 1] == 'n')) break;
  }
  return pos;
}

// The next escaped `\n` (backslash, 'n') at or after `pos` that is not an escaped backslash
// followed by 'n'; npos when there is none.
std::size_t next_escaped_lf(std::string_view text, std::size_t pos) {
  std::size_t at = text.find("\\n", pos);
  while (at != std::string_view::npos && at > 0 && text[at - 1] == '\\') at = text.find("\\n", at + 2);
  return at;
}

// Replaces text[start, end) with kRedacted; returns the index just after the replacement.
std::size_t cut(std::string& text, std::size_t start, std::size_t end) {
  text.replace(start, end - start, kRedacted);
  return start + kRedacted.size();
}

// The value of one line that is a credential, whatever the case (kept: the prefix):
// SDP `a=ice-pwd:` (RFC 8839 §5.4); HTTP and SIP `Authorization:`, `Proxy-Authorization:`
// (RFC 9110 §11.6.2, RFC 3261 §20.7/§20.28), `Cookie:`, `Set-Cookie:` (RFC 6265 §5.4).
constexpr std::array<std::string_view, 5> kSecretLines{"a=ice-pwd:", "authorization:", "proxy-authorization:",
                                                       "cookie:", "set-cookie:"};

// Redacts the line text[start, end) if it is one of kSecretLines or an `a=crypto:` line (SDES,
// RFC 4568 §6.1: each `inline:<key||salt>[|lifetime][|MKI:length]` key); returns the index from
// which to look for the next line.
std::size_t redact_line(std::string& text, std::size_t start) {
  std::size_t end = start;  // computed once a prefix matched
  for (std::string_view prefix : kSecretLines) {
    if (starts_with_nocase(text, start, prefix)) {
      end = line_end(text, start);
      std::size_t value = start + prefix.size();
      while (value < end && text[value] == ' ') ++value;
      return value < end ? cut(text, value, end) : end;
    }
  }
  if (starts_with_nocase(text, start, "a=crypto:")) {
    end = line_end(text, start);
    for (std::size_t key = ifind(text, "inline:", start, end); key != std::string::npos;
         key = ifind(text, "inline:", key, end)) {
      const std::size_t value = key + 7;
      std::size_t stop = value;
      while (stop < end && std::string_view("| ;").find(text[stop]) == std::string_view::npos) ++stop;
      key = stop > value ? cut(text, value, stop) : value;
      end -= stop - value;
      end += stop > value ? kRedacted.size() : 0;
    }
  }
  return end;
}

// URL query/fragment/matrix parameters with a secret-like name (token, access_token, jwt, apiKey,
// password, ...): `wss://host/ws?token=abc&x=1` → `wss://host/ws?token=[redacted]&x=1`.
void redact_url_params(std::string& text) {
  auto next_delimiter = [&text](std::size_t from) {
    for (std::size_t i = from; i < text.size(); ++i) {
      const char c = text[i];
      if (c == '?' || c == '&' || c == '#' || c == ';') return i;
    }
    return std::string::npos;
  };
  for (std::size_t pos = next_delimiter(0); pos != std::string::npos; pos = next_delimiter(pos)) {
    std::size_t name_end = pos + 1;
    while (name_end < text.size() && (std::isalnum(static_cast<unsigned char>(text[name_end])) ||
                                      text[name_end] == '_' || text[name_end] == '-' || text[name_end] == '.'))
      ++name_end;
    if (name_end < text.size() && text[name_end] == '=' && name_end > pos + 1 &&
        has_secret_word(std::string_view(text).substr(pos + 1, name_end - pos - 1))) {
      const std::size_t start = name_end + 1;
      std::size_t stop = text.find_first_of("&#; \t\r\n\"'<>", start);
      if (stop == std::string::npos) stop = text.size();
      pos = stop > start ? cut(text, start, stop) : start;
    } else {
      pos = name_end;
    }
  }
}

// Secrets inside one string (this runs on every logged string, SDPs included, so each step is a
// vectorised byte search — memchr — that is cheap when there is nothing to find): each line is
// checked at its start (SDP attributes and header fields are lines of their own), and a string
// with a '?' or '#' has its URL parameters checked (also `;name=` matrix parameters there).
void redact_text(std::string& text) {
  if (text.size() < 7) return;  // too short to hold any pattern
  // Lines start after LF, or after an escaped `\n` when the string holds JSON text (an SDP inside
  // a raw signaling message); the escaped ones are looked for only in strings with a backslash.
  const bool escapes = text.find('\\') != std::string::npos;
  std::size_t escaped = escapes ? next_escaped_lf(text, 0) : std::string::npos;
  for (std::size_t start = 0; start < text.size();) {
    const char first = lower(text[start]);
    std::size_t next = start;
    if (first == 'a' || first == 'p' || first == 'c' || first == 's')  // kSecretLines, a=crypto:
      next = redact_line(text, start);
    if (escapes && escaped != std::string::npos && escaped < next) escaped = next_escaped_lf(text, next);
    const std::size_t lf = text.find('\n', next);
    if (escaped != std::string::npos && escaped < lf) {
      start = escaped + 2;
      escaped = next_escaped_lf(text, start);
    } else if (lf != std::string::npos) {
      start = lf + 1;
    } else {
      break;
    }
  }
  if (text.find('?') != std::string::npos || text.find('#') != std::string::npos) redact_url_params(text);
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

bool is_secret_key(std::string_view key) { return has_secret_word(key); }

void redact_in_place(nlohmann::json& data) {
  if (data.is_object()) {
    const bool turn = is_turn_server(data);
    for (auto it = data.begin(); it != data.end(); ++it) {
      // A boolean or null under a secret-like name holds no secret (`hasGetToken: true` says only
      // that the app gave getToken) and is kept: the core decides on it, so a flight recording
      // that lost it would not replay (docs/debugging.md).
      const bool no_secret = it.value().is_boolean() || it.value().is_null();
      if (no_secret) continue;
      if (is_secret_key(it.key()) || (turn && it.key() == "username")) {
        it.value() = kRedacted;
      } else {
        redact_in_place(it.value());
      }
    }
  } else if (data.is_array()) {
    for (auto& v : data) redact_in_place(v);
  } else if (data.is_string()) {
    redact_text(data.get_ref<std::string&>());
  }
}

nlohmann::json redact(const nlohmann::json& data) {
  nlohmann::json out = data;
  redact_in_place(out);
  return out;
}

Logger::Logger(std::size_t capacity) : capacity_(std::max<std::size_t>(capacity, 1)) {}

void Logger::log(double time_ms, Level level, std::string_view event, std::string_view connection_id,
                 nlohmann::json data) {
  if (entries_.size() == capacity_) {
    entries_.pop_front();
    ++dropped_;
  }
  entries_.push_back(Entry{time_ms, level, std::string(event), std::string(connection_id), std::move(data)});
  redact_in_place(entries_.back().data);
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

nlohmann::json Logger::export_json() const {
  return {{"format", kExportFormat},
          {"version", kExportVersion},
          {"capacity", capacity_},
          {"dropped", dropped_},
          {"truncated", dropped_ > 0},
          {"entries", to_json()}};
}

}  // namespace callcore::log
