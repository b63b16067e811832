// SPDX-License-Identifier: GPL-2.0-or-later
// The word-at-a-time checksum against the textbook 16-bit big-endian sum (RFC 1071), for every
// length, alignment and starting sum.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "proto/checksum.hpp"

namespace teredo::proto {
namespace {

std::uint16_t reference(std::uint32_t start, ByteView d) {
  std::uint64_t s = start;
  for (std::size_t i = 0; i + 1 < d.size(); i += 2) s += (std::uint32_t{d[i]} << 8) | d[i + 1];
  if (d.size() % 2) s += std::uint32_t{d.back()} << 8;
  while (s >> 16) s = (s & 0xFFFF) + (s >> 16);
  return static_cast<std::uint16_t>(~s);
}

TEST(ChecksumReference, MatchesTheSixteenBitSumForEveryLengthAndAlignment) {
  std::mt19937 rng(99);
  std::vector<std::uint8_t> buf(2100);
  for (auto& b : buf) b = static_cast<std::uint8_t>(rng());
  for (std::size_t offset = 0; offset < 8; ++offset) {
    for (std::size_t len = 0; len < 300; ++len) {
      const ByteView d{buf.data() + offset, len};
      const std::uint32_t start = rng() & 0xFFFFF;
      ASSERT_EQ(checksum_finish(checksum_add(start, d)), reference(start, d)) << offset << " " << len;
    }
  }
  // Long runs of 0xFF exercise the carries.
  std::vector<std::uint8_t> ones(65535, 0xFF);
  EXPECT_EQ(checksum_finish(checksum_add(0, ones)), reference(0, ones));
}

}  // namespace
}  // namespace teredo::proto
