// SipHash-1-3 (Aumasson & Bernstein), a keyed hash: peer-table buckets and bubble source
// identifiers must not be predictable by whoever chooses the addresses.
#pragma once

#include <array>
#include <cstdint>

#include "proto/bytes.hpp"

namespace teredo::core {

using HashKey = std::array<std::uint8_t, 16>;

/// SipHash-c-d of `data` under `key`: `c` compression rounds per word, `d` finalisation rounds.
std::uint64_t siphash(const HashKey& key, proto::ByteView data, int c, int d);
/// SipHash-1-3 of `data` under `key` (the variant the relay uses for its identifiers).
inline std::uint64_t siphash13(const HashKey& key, proto::ByteView data) {
  return siphash(key, data, 1, 3);
}

/// A fast keyed hash of a 16-byte address for hash-table placement: secret-keyed multiply-mix
/// (as the kernel's jhash with a random seed), so an attacker who does not know the key cannot
/// aim many addresses at one bucket. Not a MAC: bubble identifiers use siphash13.
inline std::uint64_t table_hash(const HashKey& key, const std::uint8_t* addr16) {
  std::uint64_t a = 0, b = 0, k0 = 0, k1 = 0;
  for (int i = 0; i < 8; ++i) {
    a = (a << 8) | addr16[i];
    b = (b << 8) | addr16[8 + i];
    k0 = (k0 << 8) | key[static_cast<std::size_t>(i)];
    k1 = (k1 << 8) | key[static_cast<std::size_t>(8 + i)];
  }
  a ^= k0;
  b ^= k1;
  std::uint64_t h = a * 0x9E3779B97F4A7C15ULL;
  h ^= (b * 0xC2B2AE3D27D4EB4FULL) >> 3 | (b * 0xC2B2AE3D27D4EB4FULL) << 61;
  h ^= h >> 32;
  h *= 0xD6E8FEB86659FD93ULL;
  h ^= h >> 32;
  return h ^ k1;
}

}  // namespace teredo::core
