#include "callcore/base/backoff.hpp"

#include <algorithm>
#include <cmath>

namespace callcore::base {

Random::Random(std::uint64_t seed) : state_(seed != 0 ? seed : 0x9E3779B97F4A7C15ULL) {}

double Random::next_unit() {
  state_ ^= state_ >> 12;
  state_ ^= state_ << 25;
  state_ ^= state_ >> 27;
  const std::uint64_t value = state_ * 0x2545F4914F6CDD1DULL;
  return static_cast<double>(value >> 11) * 0x1.0p-53;  // 53 random bits → [0, 1)
}

Ms Backoff::delay(int attempt, Random& random) const {
  const int exponent = std::clamp(attempt - 1, 0, 30);
  const double ceiling = std::min(cap.value, base.value * std::ldexp(1.0, exponent));
  const double j = std::clamp(jitter, 0.0, 1.0);
  return Ms(std::max(0.0, ceiling * (1.0 - j * random.next_unit())));
}

}  // namespace callcore::base
