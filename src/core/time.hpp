// SPDX-License-Identifier: GPL-2.0-or-later
// Time as the core sees it: passed in by the driver, never read here (architecture.md 7.2).
#pragma once

#include <chrono>
#include <cstdint>

namespace teredo::core {

/// A monotonic instant. The driver passes steady_clock::now(); tests pass a virtual clock.
using TimePoint = std::chrono::steady_clock::time_point;
using Duration = std::chrono::steady_clock::duration;
using std::chrono::milliseconds;
using std::chrono::seconds;

/// Compact 32-bit timestamps for per-peer fields: 10 ms ticks since the core's epoch, so they
/// wrap after 497 days; compare them only through tick_age().
using Tick = std::uint32_t;
inline constexpr std::chrono::milliseconds kTickLength{10};

inline Tick to_tick(TimePoint epoch, TimePoint t) {
  return static_cast<Tick>(std::chrono::duration_cast<std::chrono::milliseconds>(t - epoch).count() /
                           kTickLength.count());
}
/// Age in ticks of `then` at `now` (wrap-safe for ages under 2^31 ticks).
inline std::uint32_t tick_age(Tick now, Tick then) {
  return now - then;
}
/// True once `now` has reached `deadline` (wrap-safe for deadlines within 2^31 ticks).
inline bool tick_reached(Tick now, Tick deadline) {
  return tick_age(now, deadline) < 0x80000000u;
}
inline constexpr Tick ticks(std::chrono::milliseconds d) {
  return static_cast<Tick>(d.count() / kTickLength.count());
}

}  // namespace teredo::core
