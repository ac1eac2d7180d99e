// Safe JSON helpers for text that crosses from outside (network, app, shell) into the core:
// reading a field never throws, writing never throws, and nothing the core cuts splits a UTF-8
// character. nlohmann::json throws on invalid UTF-8 when writing and on a wrong type in
// value()/get(), which aborts in wasm (built without exceptions).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace callcore::base {

using nlohmann::json;

/// Compact JSON text of `value`; invalid UTF-8 in strings becomes U+FFFD. Never throws.
inline std::string json_text(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

/// Parses `text`; a discarded value (is_discarded()) when it is not JSON. Never throws.
inline json parse_json(std::string_view text) {
  return json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
}

/// True when the JSON `text` nests objects/arrays more than `max_depth` levels deep, found by one
/// scan of the bytes (brackets inside strings, escapes included, are skipped) so a decoder can refuse
/// a deep message before it parses it: a 64 KiB message of '[' would nest 65 536 levels, and every
/// consumer that walks a value recursively (a copy, the logger's redaction, serialization) would
/// overflow the stack. Exact for valid JSON; on invalid JSON it may answer true, which only changes
/// which error refuses it.
inline bool nests_deeper_than(std::string_view text, int max_depth) {
  int depth = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

/// True when `text` is well-formed UTF-8 (RFC 3629 §4: no overlong forms, surrogates or code
/// points above U+10FFFF), i.e. what nlohmann::json accepts and writes without replacement.
inline bool valid_utf8(std::string_view text) {
  std::size_t i = 0;
  const std::size_t n = text.size();
  while (i < n) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    unsigned lo = 0x80, hi = 0xBF;  // range of the second byte (RFC 3629 §4)
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;  // no overlong forms
      if (c == 0xED) hi = 0x9F;  // no surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
    } else {
      return false;
    }
    if (i + len > n) return false;
    const auto c1 = static_cast<unsigned char>(text[i + 1]);
    if (c1 < lo || c1 > hi) return false;
    for (std::size_t k = 2; k < len; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return false;
    }
    i += len;
  }
  return true;
}

/// The longest prefix of `text` of at most `max_bytes` bytes that does not end inside a UTF-8
/// sequence (continuation bytes 10xxxxxx are not cut from their lead byte).
inline std::string utf8_prefix(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  std::size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return std::string(text.substr(0, end));
}

/// `obj[key]` if it is a string, else `fallback` (absent, null, another type, or `obj` not an
/// object).
inline std::string string_or(const json& obj, const char* key, std::string fallback = {}) {
  if (!obj.is_object()) return fallback;
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : fallback;
}

/// `obj[key]` if it is a boolean, else `fallback`.
inline bool bool_or(const json& obj, const char* key, bool fallback) {
  if (!obj.is_object()) return fallback;
  auto it = obj.find(key);
  return it != obj.end() && it->is_boolean() ? it->get<bool>() : fallback;
}

/// `obj[key]` if it is a boolean, else nullopt.
inline std::optional<bool> optional_bool(const json& obj, const char* key) {
  if (!obj.is_object()) return std::nullopt;
  auto it = obj.find(key);
  if (it != obj.end() && it->is_boolean()) return it->get<bool>();
  return std::nullopt;
}

/// `obj[key]` if it is an integer that fits an int, else `fallback`.
inline int int_or(const json& obj, const char* key, int fallback) {
  if (!obj.is_object()) return fallback;
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_number_integer()) return fallback;
  const auto v = it->get<std::int64_t>();
  return v >= INT32_MIN && v <= INT32_MAX ? static_cast<int>(v) : fallback;
}

/// An id-like field: a non-empty string, or an integer as its decimal text (portals use numeric
/// ids); nullopt otherwise.
inline std::optional<std::string> id_field(const json& obj, const char* key) {
  if (!obj.is_object()) return std::nullopt;
  auto it = obj.find(key);
  if (it == obj.end()) return std::nullopt;
  if (it->is_string() && !it->get_ref<const std::string&>().empty()) return it->get<std::string>();
  if (it->is_number_integer()) return it->dump();
  return std::nullopt;
}

/// The scalar members of an object (nested values dropped), so a flat record from outside
/// (e.g. RTCIceCandidateInit) cannot make later copies recurse arbitrarily deep.
inline json flat_object(const json& obj) {
  json out = json::object();
  if (!obj.is_object()) return out;
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (!it->is_structured()) out[it.key()] = *it;
  }
  return out;
}

}  // namespace callcore::base
