// Retry delays with exponential backoff and jitter, and the deterministic random source they
// draw from (the core reads no clock and no OS randomness: the shell passes a seed).
#pragma once

#include <cstdint>

namespace callcore::session {

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

/// Backoff policy: attempt n (1-based) waits min(cap_ms, base_ms * 2^(n-1)) scaled by a jitter
/// factor drawn uniformly from [1 - jitter, 1] ("equal jitter" when jitter = 0.5), so clients
/// that failed together do not retry together. Units: milliseconds.
struct Backoff {
  double base_ms = 500;
  double cap_ms = 8000;
  double jitter = 0.5;

  /// The delay before attempt `attempt` (>= 1), in ms; never negative, never above cap_ms.
  double delay_ms(int attempt, Random& random) const;
};

}  // namespace callcore::session
