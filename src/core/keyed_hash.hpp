// SPDX-License-Identifier: GPL-2.0-or-later
// SipHash (Aumasson & Bernstein), a keyed hash: peer-table buckets and bubble source identifiers
// must not be predictable by whoever chooses the addresses. The code is checked against the
// authors' SipHash-2-4 reference vectors (tests/unit/core/keyed_hash_test.cpp); the variants in
// use, SipHash-1-3, run the same code with fewer rounds.
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>

#include "proto/bytes.hpp"

namespace teredo::core {

using HashKey = std::array<std::uint8_t, 16>;

namespace sip_detail {

inline std::uint64_t load_le64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  std::memcpy(&v, p, sizeof v);
  if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v);
  return v;
}

struct State {
  std::uint64_t v0, v1, v2, v3;
  void round() {
    v0 += v1;
    v1 = std::rotl(v1, 13);
    v1 ^= v0;
    v0 = std::rotl(v0, 32);
    v2 += v3;
    v3 = std::rotl(v3, 16);
    v3 ^= v2;
    v0 += v3;
    v3 = std::rotl(v3, 21);
    v3 ^= v0;
    v2 += v1;
    v1 = std::rotl(v1, 17);
    v1 ^= v2;
    v2 = std::rotl(v2, 32);
  }
  void rounds(int n) {
    for (int r = 0; r < n; ++r) round();
  }
};

}  // namespace sip_detail

/// SipHash-C-D of `data` under `key`: C compression rounds per word, D finalisation rounds.
template <int C, int D>
std::uint64_t siphash(const HashKey& key, proto::ByteView data) {
  using sip_detail::load_le64;
  const std::uint64_t k0 = load_le64(key.data());
  const std::uint64_t k1 = load_le64(key.data() + 8);
  sip_detail::State s{k0 ^ 0x736f6d6570736575ULL, k1 ^ 0x646f72616e646f6dULL, k0 ^ 0x6c7967656e657261ULL,
                      k1 ^ 0x7465646279746573ULL};
  const std::size_t n = data.size();
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const std::uint64_t m = load_le64(data.data() + i);
    s.v3 ^= m;
    s.rounds(C);
    s.v0 ^= m;
  }
  std::uint64_t b = static_cast<std::uint64_t>(n) << 56;
  for (std::size_t j = 0; i + j < n; ++j) b |= std::uint64_t{data[i + j]} << (8 * j);
  s.v3 ^= b;
  s.rounds(C);
  s.v0 ^= b;
  s.v2 ^= 0xff;
  s.rounds(D);
  return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

/// SipHash-1-3 of `data` under `key` (the relay's identifiers and nonces).
inline std::uint64_t siphash13(const HashKey& key, proto::ByteView data) {
  return siphash<1, 3>(key, data);
}

/// The peer table's bucket hash of a 16-byte address: SipHash-1-3 under the table's secret key,
/// the choice of the Linux kernel (hsiphash on 64-bit machines) and of Rust's HashMap against hash
/// flooding: without the key, an attacker who picks the addresses cannot aim them at one bucket.
inline std::uint64_t table_hash(const HashKey& key, const std::uint8_t* addr16) {
  return siphash13(key, proto::ByteView(addr16, 16));
}

}  // namespace teredo::core
