// Invariant checks shared by the fuzz targets: a failed check prints what broke and aborts, which
// libFuzzer reports as a crash and saves the input (crash-<sha1>).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#define FUZZ_CHECK(cond, what)                                                                  \
  do {                                                                                          \
    if (!(cond)) {                                                                              \
      std::fprintf(stderr, "\nfuzz invariant broken at %s:%d: %s\n  (%s)\n", __FILE__, __LINE__, \
                   std::string(what).c_str(), #cond);                                           \
      std::abort();                                                                             \
    }                                                                                           \
  } while (0)

namespace callcore::fuzz {

[[noreturn]] inline void dump_strict_fail(const char* what, const char* why) {
  std::fprintf(stderr, "\nfuzz invariant broken: %s is not serializable: %s\n", what, why);
  std::abort();
}

/// True when `text` is valid UTF-8 (what nlohmann::json::dump() accepts).
inline bool valid_utf8(std::string_view text) {
  std::size_t i = 0;
  const std::size_t n = text.size();
  while (i < n) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len;
    unsigned lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    if (i + len > n) return false;
    const auto c1 = static_cast<unsigned char>(text[i + 1]);
    if (c1 < lo || c1 > hi) return false;
    for (std::size_t k = 2; k < len; ++k) {
      const auto ck = static_cast<unsigned char>(text[i + k]);
      if (ck < 0x80 || ck > 0xBF) return false;
    }
    i += len;
  }
  return true;
}

/// Checks what nlohmann::json::dump() would refuse (a string or key that is not UTF-8) without
/// serializing: the fast form of dump_strict for hot paths.
inline void check_serializable(const nlohmann::json& j, const char* what) {
  if (j.is_string()) {
    if (!valid_utf8(j.get_ref<const std::string&>())) dump_strict_fail(what, "a string is not valid UTF-8");
  } else if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (!valid_utf8(it.key())) dump_strict_fail(what, "a key is not valid UTF-8");
      check_serializable(it.value(), what);
    }
  } else if (j.is_array()) {
    for (const auto& v : j) check_serializable(v, what);
  }
}

/// JSON text as the wasm boundary produces it (bindings.cpp dumps every output): strict, so a
/// string that is not valid UTF-8 is an invariant failure, not an exception thrown at the shell.
inline std::string dump_strict(const nlohmann::json& j, const char* what) {
  try {
    return j.dump();
  } catch (const nlohmann::json::exception& e) {
    std::fprintf(stderr, "\nfuzz invariant broken: %s is not serializable: %s\n", what, e.what());
    std::abort();
  }
}

}  // namespace callcore::fuzz
