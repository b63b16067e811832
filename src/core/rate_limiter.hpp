// SPDX-License-Identifier: GPL-2.0-or-later
// Token bucket on the core's clock: `rate` events per second with a burst of `burst`.
#pragma once

#include <algorithm>
#include <cstdint>

#include "core/time.hpp"

namespace teredo::core {

class TokenBucket {
 public:
  TokenBucket(std::uint32_t rate_per_second, std::uint32_t burst, TimePoint now)
      : rate_(rate_per_second), burst_(burst), tokens_(burst), last_(now) {}

  /// Takes one token if there is one.
  bool allow(TimePoint now) {
    if (now > last_) {
      const auto us = std::chrono::duration_cast<std::chrono::microseconds>(now - last_).count();
      const double add = static_cast<double>(us) * rate_ / 1e6;
      tokens_ = std::min<double>(burst_, tokens_ + add);
      last_ = now;
    }
    if (tokens_ < 1.0) return false;
    tokens_ -= 1.0;
    return true;
  }

 private:
  double rate_;
  double burst_;
  double tokens_;
  TimePoint last_;
};

}  // namespace teredo::core
