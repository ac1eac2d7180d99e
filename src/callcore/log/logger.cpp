#include "callcore/log/logger.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace callcore::log {
namespace {

constexpr std::string_view kRedacted = "[redacted]";

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

// Case-insensitive find of an ASCII `needle` (lowercase) in `text` from `pos`.
std::size_t ifind(std::string_view text, std::string_view needle, std::size_t pos = 0) {
  if (needle.empty() || text.size() < needle.size()) return std::string_view::npos;
  for (std::size_t i = pos; i + needle.size() <= text.size(); ++i) {
    std::size_t k = 0;
    while (k < needle.size() && lower(text[i + k]) == needle[k]) ++k;
    if (k == needle.size()) return i;
  }
  return std::string_view::npos;
}

// A key's name folded for matching: lowercase, without '-' and '_' ("api_key" → "apikey").
std::string fold(std::string_view key) {
  std::string out;
  out.reserve(key.size());
  for (char c : key) {
    if (c != '-' && c != '_') out.push_back(lower(c));
  }
  return out;
}

bool has_secret_word(std::string_view folded) {
  constexpr std::array<std::string_view, 11> kWords{"password", "passwd", "pwd",    "credential",
                                                    "token",    "secret", "authorization", "cookie",
                                                    "apikey",   "jwt",    "privatekey"};
  return std::any_of(kWords.begin(), kWords.end(),
                     [&](std::string_view w) { return folded.find(w) != std::string::npos; });
}

bool url_is_turn(const nlohmann::json& v) {
  auto turn = [](const nlohmann::json& s) {
    if (!s.is_string()) return false;
    const auto& t = s.get_ref<const std::string&>();
    return ifind(t, "turn:") == 0 || ifind(t, "turns:") == 0;
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
std::size_t line_end(std::string_view text, std::size_t pos) {
  const std::size_t end = text.find_first_of("\r\n", pos);
  return end == std::string_view::npos ? text.size() : end;
}

bool at_line_start(std::string_view text, std::size_t pos) {
  return pos == 0 || text[pos - 1] == '\n' || text[pos - 1] == '\r';
}

// Replaces text[start, end) with kRedacted; returns the index just after the replacement.
std::size_t cut(std::string& text, std::size_t start, std::size_t end) {
  text.replace(start, end - start, kRedacted);
  return start + kRedacted.size();
}

// SDP: `a=ice-pwd:` values (RFC 8839 §5.4) and the `inline:` keys of `a=crypto:` lines (SDES,
// RFC 4568 §6.1: inline:<key||salt>[|lifetime][|MKI:length]), whatever the case.
void redact_sdp(std::string& text) {
  for (std::size_t pos = ifind(text, "a=ice-pwd:"); pos != std::string::npos;
       pos = ifind(text, "a=ice-pwd:", pos)) {
    pos = cut(text, pos + 10, line_end(text, pos));
  }
  for (std::size_t pos = ifind(text, "a=crypto:"); pos != std::string::npos; pos = ifind(text, "a=crypto:", pos)) {
    std::size_t end = line_end(text, pos);
    pos += 9;
    for (std::size_t key = ifind(std::string_view(text).substr(0, end), "inline:", pos); key != std::string::npos;
         key = ifind(std::string_view(text).substr(0, end), "inline:", pos)) {
      const std::size_t start = key + 7;
      std::size_t stop = text.find_first_of("| ;\r\n", start);
      if (stop == std::string::npos || stop > end) stop = end;
      pos = cut(text, start, stop);
      end = line_end(text, pos);
    }
  }
}

// Header lines whose whole value is a credential (HTTP and SIP: RFC 9110 §11.6.2, RFC 3261
// §20.7/§20.28, RFC 6265 §5.4).
void redact_headers(std::string& text) {
  constexpr std::array<std::string_view, 4> kHeaders{"authorization:", "proxy-authorization:", "cookie:",
                                                     "set-cookie:"};
  for (std::string_view header : kHeaders) {
    for (std::size_t pos = ifind(text, header); pos != std::string::npos; pos = ifind(text, header, pos)) {
      if (!at_line_start(text, pos)) {
        pos += header.size();
        continue;
      }
      std::size_t start = pos + header.size();
      while (start < text.size() && text[start] == ' ') ++start;
      pos = cut(text, start, line_end(text, start));
    }
  }
  for (std::size_t pos = ifind(text, "bearer "); pos != std::string::npos; pos = ifind(text, "bearer ", pos)) {
    // b64token of RFC 6750 §2.1: ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/", then "="s.
    const std::size_t start = pos + 7;
    std::size_t stop = start;
    while (stop < text.size() && (std::isalnum(static_cast<unsigned char>(text[stop])) ||
                                  std::string_view("-._~+/=").find(text[stop]) != std::string_view::npos))
      ++stop;
    pos = stop > start ? cut(text, start, stop) : start;
  }
}

// URL query/fragment/matrix parameters with a secret-like name (token, access_token, jwt, apiKey,
// password, ...): `wss://host/ws?token=abc&x=1` → `wss://host/ws?token=[redacted]&x=1`.
void redact_url_params(std::string& text) {
  std::size_t pos = text.find_first_of("?&#;");
  while (pos != std::string::npos) {
    std::size_t name_end = pos + 1;
    while (name_end < text.size() && (std::isalnum(static_cast<unsigned char>(text[name_end])) ||
                                      text[name_end] == '_' || text[name_end] == '-' || text[name_end] == '.'))
      ++name_end;
    if (name_end < text.size() && text[name_end] == '=' && name_end > pos + 1 &&
        has_secret_word(fold(std::string_view(text).substr(pos + 1, name_end - pos - 1)))) {
      const std::size_t start = name_end + 1;
      std::size_t stop = text.find_first_of("&#; \t\r\n\"'<>", start);
      if (stop == std::string::npos) stop = text.size();
      pos = stop > start ? cut(text, start, stop) : start;
    } else {
      pos = name_end;
    }
    pos = text.find_first_of("?&#;", pos);
  }
}

std::string redact_text(std::string text) {
  if (text.size() < 7) return text;  // too short to hold any pattern below
  redact_sdp(text);
  redact_headers(text);
  if (text.find('=') != std::string::npos) redact_url_params(text);
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

bool is_secret_key(std::string_view key) { return has_secret_word(fold(key)); }

nlohmann::json redact(const nlohmann::json& data) {
  if (data.is_object()) {
    const bool turn = is_turn_server(data);
    nlohmann::json out = nlohmann::json::object();
    for (auto it = data.begin(); it != data.end(); ++it) {
      const bool secret = is_secret_key(it.key()) || (turn && it.key() == "username");
      out[it.key()] = secret ? nlohmann::json(kRedacted) : redact(it.value());
    }
    return out;
  }
  if (data.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& v : data) out.push_back(redact(v));
    return out;
  }
  if (data.is_string()) return redact_text(data.get<std::string>());
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

nlohmann::json Logger::export_json() const {
  return {{"format", kExportFormat},
          {"version", kExportVersion},
          {"capacity", capacity_},
          {"dropped", dropped_},
          {"truncated", dropped_ > 0},
          {"entries", to_json()}};
}

}  // namespace callcore::log
