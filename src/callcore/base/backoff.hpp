// Retry delays with exponential backoff and jitter, and the deterministic random source they
// draw from (the core reads no clock and no OS randomness: the shell passes a seed).
#pragma once

#include <cstdint>

#include "callcore/base/time.hpp"

namespace callcore::base {

/// xorshift64* pseudo-random numbers (Vigna 2016). Deterministic for a given seed, so a
/// recorded call replays identically; seed 0 is replaced by a fixed non-zero constant.
class Random {
 public:
  explicit Random(std::uint64_t seed);
  /// A number in [0, 1).
  double next_unit();

 private:
  std::uint64_t state_;
};

/// Backoff policy: attempt n (1-based) waits min(cap, base * 2^(n-1)) scaled by a jitter
/// factor drawn uniformly from [1 - jitter, 1] ("equal jitter" when jitter = 0.5), so clients
/// that failed together do not retry together.
struct Backoff {
  Ms base{500};
  Ms cap{8000};
  double jitter = 0.5;  // fraction of the delay, 0..1

  /// The delay before attempt `attempt` (>= 1); never negative, never above cap.
  Ms delay(int attempt, Random& random) const;
};

}  // namespace callcore::base
