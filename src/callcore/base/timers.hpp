// Deadlines owned by the core (str0m's model: no timer ids cross the boundary). A component
// keeps one Timers of its own kinds; the session's poll_timeout() is the earliest deadline of
// all, and one `timeout` input at or after it fires every timer that is due.
#pragma once

#include <array>
#include <cstddef>
#include <optional>

#include "callcore/base/time.hpp"

namespace callcore::base {

/// At most one deadline per kind. `Kind` is an enum whose values are 0..N-1.
template <typename Kind, std::size_t N>
class Timers {
 public:
  /// Arms `kind` to fire at `at` (replacing an armed deadline of that kind).
  void start(Kind kind, Ms at) { deadlines_[index(kind)] = at; }
  /// Disarms `kind`; returns whether it was armed.
  bool cancel(Kind kind) { return deadlines_[index(kind)].has_value() && (deadlines_[index(kind)].reset(), true); }
  void cancel_all() { deadlines_.fill(std::nullopt); }
  bool active(Kind kind) const { return deadlines_[index(kind)].has_value(); }
  std::optional<Ms> deadline(Kind kind) const { return deadlines_[index(kind)]; }
  /// The earliest armed deadline, or nullopt.
  std::optional<Ms> next() const {
    std::optional<Ms> best;
    for (const auto& d : deadlines_) {
      if (d && (!best || *d < *best)) best = d;
    }
    return best;
  }
  /// Disarms and returns the earliest timer due at `now` (deadline <= now), or nullopt.
  std::optional<Kind> pop_due(Ms now) {
    std::optional<std::size_t> best;
    for (std::size_t i = 0; i < N; ++i) {
      if (deadlines_[i] && *deadlines_[i] <= now && (!best || *deadlines_[i] < *deadlines_[*best])) best = i;
    }
    if (!best) return std::nullopt;
    deadlines_[*best].reset();
    return static_cast<Kind>(*best);
  }

 private:
  static constexpr std::size_t index(Kind kind) { return static_cast<std::size_t>(kind); }
  std::array<std::optional<Ms>, N> deadlines_{};
};

/// The earlier of two optional deadlines.
inline std::optional<Ms> earliest(std::optional<Ms> a, std::optional<Ms> b) {
  if (!a) return b;
  if (!b) return a;
  return *a < *b ? a : b;
}

}  // namespace callcore::base
