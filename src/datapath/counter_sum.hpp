// Sums of counter structs (core::RelayCounters, core::ClientCounters, core::ServerCounters) over several workers.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace teredo::datapath {

/// Adds every counter of `b` to `a`. `Counters` must consist of std::uint64_t fields only (the
/// static_assert catches a field of another size).
template <class Counters>
void add_counters(Counters& a, const Counters& b) {
  static_assert(std::is_trivially_copyable_v<Counters>);
  constexpr std::size_t kCount = sizeof(Counters) / sizeof(std::uint64_t);
  static_assert(sizeof(Counters) == kCount * sizeof(std::uint64_t), "counters must all be std::uint64_t");
  std::array<std::uint64_t, kCount> x{}, y{};
  std::memcpy(x.data(), &a, sizeof x);
  std::memcpy(y.data(), &b, sizeof y);
  for (std::size_t i = 0; i < kCount; ++i) x[i] += y[i];
  std::memcpy(static_cast<void*>(&a), x.data(), sizeof x);
}

}  // namespace teredo::datapath
