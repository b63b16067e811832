// SPDX-License-Identifier: GPL-2.0-or-later
// core/keyed_hash.hpp: SipHash checked against the reference vectors of its authors (SipHash-2-4,
// key 00 01 .. 0f, message 00 01 .. of each length), which exercise the round function, the word
// loading and the final block; SipHash-1-3 is the same code with fewer rounds.
#include "core/keyed_hash.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <utility>

namespace teredo::core {
namespace {

HashKey reference_key() {
  HashKey k{};
  for (std::size_t i = 0; i < k.size(); ++i) k[i] = static_cast<std::uint8_t>(i);
  return k;
}

TEST(SipHash, MatchesTheReferenceVectorsOfSipHash24) {
  std::array<std::uint8_t, 64> message{};
  for (std::size_t i = 0; i < message.size(); ++i) message[i] = static_cast<std::uint8_t>(i);
  // (length, SipHash-2-4 output as a little-endian 64-bit value)
  const std::pair<std::size_t, std::uint64_t> vectors[] = {
      {0, 0x726fdb47dd0e0e31ULL},  {1, 0x74f839c593dc67fdULL},  {2, 0x0d6c8009d9a94f5aULL},
      {3, 0x85676696d7fb7e2dULL},  {7, 0xab0200f58b01d137ULL},  {8, 0x93f5f5799a932462ULL},
      {15, 0xa129ca6149be45e5ULL}, {63, 0x958a324ceb064572ULL},
  };
  for (const auto& [length, expected] : vectors)
    EXPECT_EQ((siphash<2, 4>(reference_key(), proto::ByteView(message.data(), length))), expected) << length;
}

TEST(SipHash, TheRelaysVariantIsSipHash13AndDependsOnTheKey) {
  const std::array<std::uint8_t, 5> m{1, 2, 3, 4, 5};
  HashKey other = reference_key();
  other[15] ^= 1;
  EXPECT_EQ(siphash13(reference_key(), m), (siphash<1, 3>(reference_key(), m)));
  EXPECT_NE(siphash13(reference_key(), m), (siphash<2, 4>(reference_key(), m)));
  EXPECT_NE(siphash13(reference_key(), m), siphash13(other, m));
}

TEST(SipHash, TheTableHashIsSipHash13OfTheAddress) {
  std::array<std::uint8_t, 16> addr{0x20, 0x01, 0,    0,    0x41, 0x36, 0xe3, 0x78,
                                    0x80, 0,    0x63, 0xbf, 0x3f, 0xff, 0xfd, 0xd2};
  EXPECT_EQ(table_hash(reference_key(), addr.data()), siphash13(reference_key(), addr));
  HashKey other = reference_key();
  other[0] ^= 0x80;
  EXPECT_NE(table_hash(reference_key(), addr.data()), table_hash(other, addr.data()));
}

}  // namespace
}  // namespace teredo::core
