// SPDX-License-Identifier: GPL-2.0-or-later
// Grouping of datagrams into UDP GSO runs (os::SendBatch).
#include <gtest/gtest.h>

#include <vector>

#include "os/udp_socket.hpp"

namespace teredo::os {
namespace {

const proto::Endpoint kA{proto::make_ipv4(192, 0, 2, 1), 3544};
const proto::Endpoint kB{proto::make_ipv4(192, 0, 2, 2), 3544};

std::vector<std::uint8_t> bytes(std::size_t n) {
  return std::vector<std::uint8_t>(n, 0xab);
}

TEST(SendBatchGso, WithoutGsoEveryDatagramIsAMessage) {
  os::SendBatch b;
  auto p = bytes(1280);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(b.add(kA, {}, p));
  EXPECT_EQ(b.size(), 3u);
  EXPECT_EQ(b.datagrams(), 3u);
}

TEST(SendBatchGso, EqualSizesToOnePeerFormOneRunEndedByAShorterOne) {
  os::SendBatch b;
  b.set_gso(true);
  auto h = bytes(8);
  auto p = bytes(1280);
  auto shorter = bytes(500);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(b.add(kA, h, p));
  ASSERT_TRUE(b.add(kA, h, shorter));  // the last may be shorter: joins and closes the run
  ASSERT_TRUE(b.add(kA, h, p));        // after a shorter one: new message
  EXPECT_EQ(b.size(), 2u);
  EXPECT_EQ(b.datagrams(), 6u);
  EXPECT_EQ(b.segments(0), 5u);
  EXPECT_EQ(b.segment_size(0), 1288u);
  EXPECT_EQ(b.segments(1), 1u);
}

TEST(SendBatchGso, LargerDatagramOrOtherPeerStartsANewRun) {
  os::SendBatch b;
  b.set_gso(true);
  auto small = bytes(600);
  auto big = bytes(1280);
  ASSERT_TRUE(b.add(kA, {}, small));
  ASSERT_TRUE(b.add(kA, {}, big));  // larger than the run's size
  ASSERT_TRUE(b.add(kB, {}, big));  // other peer
  ASSERT_TRUE(b.add(kB, {}, big));
  EXPECT_EQ(b.size(), 3u);
  EXPECT_EQ(b.segments(0), 1u);
  EXPECT_EQ(b.segments(1), 1u);
  EXPECT_EQ(b.segments(2), 2u);
}

TEST(SendBatchGso, RunsRespectSegmentCountByteAndSizeLimits) {
  os::SendBatch b;
  b.set_gso(true);
  auto p = bytes(100);
  for (std::size_t i = 0; i < os::kMaxGsoSegments + 1; ++i) ASSERT_TRUE(b.add(kA, {}, p));
  EXPECT_EQ(b.size(), 2u);
  EXPECT_EQ(b.segments(0), os::kMaxGsoSegments);

  os::SendBatch c;
  c.set_gso(true);
  auto q = bytes(1400);
  const std::size_t per_run = os::kMaxGsoBytes / 1400;
  for (std::size_t i = 0; i < per_run + 1; ++i) ASSERT_TRUE(c.add(kA, {}, q));
  EXPECT_EQ(c.size(), 2u);
  EXPECT_EQ(c.segments(0), per_run);

  os::SendBatch d;  // above kMaxGsoSegmentSize (a relay with a large MTU): never grouped
  d.set_gso(true);
  auto jumbo = bytes(os::kMaxGsoSegmentSize + 1);
  ASSERT_TRUE(d.add(kA, {}, jumbo));
  ASSERT_TRUE(d.add(kA, {}, jumbo));
  EXPECT_EQ(d.size(), 2u);
}

TEST(SendBatchGso, FullWhenMessagesOrDatagramsRunOut) {
  os::SendBatch b;
  b.set_gso(true);
  auto p = bytes(100);
  for (std::size_t i = 0; i < os::kMaxBatch; ++i) ASSERT_TRUE(b.add(i % 2 ? kA : kB, {}, p));
  EXPECT_TRUE(b.full());
  EXPECT_FALSE(b.add(kA, {}, bytes(200)));  // would need a new message
  b.clear();
  EXPECT_EQ(b.size(), 0u);
  EXPECT_FALSE(b.full());
}

}  // namespace
}  // namespace teredo::os
