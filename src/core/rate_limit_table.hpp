// SPDX-License-Identifier: GPL-2.0-or-later
// Token buckets for many keys in fixed memory: the server's limits per IPv4 destination and per
// source /24 (RFC 4380 leaves the server stateless; these tables are its only state). A key picks
// its bucket by SipHash-1-3 under a secret drawn at start, so keys that share a bucket share its
// tokens; an attacker who does not know the secret cannot aim at a victim's bucket, and with
// thousands of buckets an innocent key rarely shares one with a flooded key. Memory: 16 bytes per
// bucket, allocated once; time comes from the caller.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "core/keyed_hash.hpp"
#include "core/time.hpp"

namespace teredo::core {

class RateLimitTable {
 public:
  /// `buckets` buckets (a power of two) of `rate` tokens per second holding at most 2 * rate;
  /// rate 0: no limit.
  RateLimitTable(std::size_t buckets, std::uint32_t rate, const HashKey& key)
      : rate_(rate), burst_milli_(std::uint64_t{rate} * 2000), key_(key), buckets_(rate == 0 ? 0 : buckets) {}

  bool enabled() const { return rate_ != 0; }

  /// Takes a token from the bucket of `id` at `now`; false when it is empty.
  bool allow(std::uint32_t id, TimePoint now) {
    if (rate_ == 0) return true;
    const std::array<std::uint8_t, 4> bytes{
        static_cast<std::uint8_t>(id >> 24), static_cast<std::uint8_t>(id >> 16),
        static_cast<std::uint8_t>(id >> 8), static_cast<std::uint8_t>(id)};
    Bucket& b = buckets_[siphash13(key_, bytes) & (buckets_.size() - 1)];
    const std::int64_t us =
        std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();
    if (b.last_us == 0) {
      b.milli_tokens = burst_milli_;  // a bucket never used is full
    } else if (us > b.last_us) {
      // rate tokens per second = rate milli-tokens per millisecond = rate / 1000 per microsecond
      const auto add = static_cast<std::uint64_t>(us - b.last_us) * rate_ / 1000;
      b.milli_tokens = std::min(burst_milli_, b.milli_tokens + add);
    }
    b.last_us = std::max<std::int64_t>(us, 1);
    if (b.milli_tokens < 1000) return false;
    b.milli_tokens -= 1000;
    return true;
  }

 private:
  struct Bucket {
    std::int64_t last_us = 0;  // 0: never used
    std::uint64_t milli_tokens = 0;
  };
  std::uint64_t rate_;
  std::uint64_t burst_milli_;
  HashKey key_;
  std::vector<Bucket> buckets_;
};

}  // namespace teredo::core
