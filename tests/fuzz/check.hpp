// Invariant checks shared by the fuzz targets: a failed check prints what broke and aborts, which
// libFuzzer reports as a crash and saves the input (crash-<sha1>).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "callcore/base/json.hpp"

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

using base::valid_utf8;  // base/json.hpp

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
