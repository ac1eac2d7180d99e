// The visitor of a std::variant built from lambdas, one per alternative:
// std::visit(base::overloaded{[](const A&) {...}, [](const B&) {...}}, v).
#pragma once

namespace callcore::base {

/// Inherits the call operators of every lambda it is built from (C++17 aggregate + deduction
/// guide), so std::visit picks the one for the variant's alternative.
template <class... F>
struct overloaded : F... {
  using F::operator()...;
};
template <class... F>
overloaded(F...) -> overloaded<F...>;

}  // namespace callcore::base
