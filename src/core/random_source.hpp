// SPDX-License-Identifier: GPL-2.0-or-later
// Randomness as the core sees it: drawn from a source the driver passes in (the kernel CSPRNG
// in the daemon, a seeded generator in tests), never from the core itself.
#pragma once

#include <cstdint>
#include <random>

#include "proto/bytes.hpp"

namespace teredo::core {

class RandomSource {
 public:
  virtual ~RandomSource() = default;
  /// Fills `out` with unpredictable bytes (RFC 4086; RFC 5991 4 asks for a CSPRNG).
  virtual void fill(proto::MutableBytes out) = 0;

  std::uint16_t u16() {
    std::uint8_t b[2];
    fill(b);
    return static_cast<std::uint16_t>((b[0] << 8) | b[1]);
  }
  std::uint32_t u32() {
    std::uint8_t b[4];
    fill(b);
    return (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) | b[3];
  }
};

/// A deterministic source for tests, scenarios and fuzzing (never for the daemon).
class SeededRandom : public RandomSource {
 public:
  explicit SeededRandom(std::uint64_t seed) : rng_(seed) {}
  void fill(proto::MutableBytes out) override {
    for (auto& b : out) b = static_cast<std::uint8_t>(rng_());
  }

 private:
  std::mt19937_64 rng_;
};

}  // namespace teredo::core
