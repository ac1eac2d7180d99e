// Time in the core: one type, milliseconds, for instants and durations alike. The core never
// reads a clock: every input carries the shell's `now` (ms since the Unix epoch in a browser;
// any origin in tests and replays). Seed options in seconds (enterTimeoutSecond, ...) are
// converted at the API edge (session/consultation/params.cpp).
#pragma once

#include <compare>

namespace callcore::base {

/// A time in milliseconds: an instant (ms since an origin the caller chose) or a duration.
/// Arithmetic mixes both as plain numbers do; the type only keeps seconds and bare doubles out.
struct Ms {
  double value = 0;

  constexpr Ms() = default;
  constexpr explicit Ms(double ms) : value(ms) {}
  /// `s` seconds as milliseconds (the seed's *Second options).
  static constexpr Ms seconds(double s) { return Ms(s * 1000.0); }

  friend constexpr Ms operator+(Ms a, Ms b) { return Ms(a.value + b.value); }
  friend constexpr Ms operator-(Ms a, Ms b) { return Ms(a.value - b.value); }
  friend constexpr auto operator<=>(Ms a, Ms b) = default;
};

}  // namespace callcore::base
