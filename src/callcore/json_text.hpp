// Text that crosses from outside (network, app) into JSON: writing it must never throw, and
// nothing callcore cuts may split a UTF-8 character. nlohmann::json throws on invalid UTF-8
// when writing and on a wrong type in value(), which aborts in wasm (exceptions are off).
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace callcore {

/// Compact JSON text of `value`; invalid UTF-8 in strings becomes U+FFFD. Never throws.
inline std::string json_text(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

/// The longest prefix of `text` of at most `max_bytes` bytes that does not end inside a UTF-8
/// sequence (continuation bytes 10xxxxxx are not cut from their lead byte).
inline std::string utf8_prefix(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  std::size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return std::string(text.substr(0, end));
}

/// `obj[key]` if it is a string, else `fallback` (absent, null or another type). Never throws.
inline std::string string_or(const nlohmann::json& obj, const char* key, std::string fallback = {}) {
  if (!obj.is_object()) return fallback;
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : fallback;
}

/// `obj[key]` if it is a boolean, else `fallback`. Never throws.
inline bool bool_or(const nlohmann::json& obj, const char* key, bool fallback) {
  if (!obj.is_object()) return fallback;
  auto it = obj.find(key);
  return it != obj.end() && it->is_boolean() ? it->get<bool>() : fallback;
}

}  // namespace callcore
