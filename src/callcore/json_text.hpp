// JSON text for anything that may hold bytes from outside (network text, app strings): invalid
// UTF-8 is replaced by U+FFFD instead of making nlohmann::json throw (which aborts in wasm,
// where exceptions are off).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace callcore {

/// Compact JSON text of `value`; invalid UTF-8 in strings becomes U+FFFD. Never throws.
inline std::string json_text(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace callcore
