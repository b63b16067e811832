// SPDX-License-Identifier: GPL-2.0-or-later
// Packet queue: FIFO order, per-list and pool bounds, release.
#include <gtest/gtest.h>

#include <vector>

#include "core/packet_queue.hpp"

namespace teredo::core {
namespace {

std::vector<std::uint8_t> pkt(std::uint8_t tag, std::size_t len = 100) {
  return std::vector<std::uint8_t>(len, tag);
}

TEST(PacketQueue, ReplaysInArrivalOrder) {
  PacketQueue q(16, 1280, 8);
  const auto l = q.open_list({});
  for (std::uint8_t i = 1; i <= 5; ++i) ASSERT_TRUE(q.push(l, pkt(i)));
  auto chain = q.take(l);
  std::vector<std::uint8_t> order;
  q.for_each(chain, [&](proto::ByteView p) { order.push_back(p[0]); });
  EXPECT_EQ(order, (std::vector<std::uint8_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(q.packets_queued(), 5u);
  q.release(chain);
  EXPECT_EQ(q.packets_queued(), 0u);
}

TEST(PacketQueue, BoundsPerListAndPool) {
  PacketQueue q(6, 1280, 4);
  const auto a = q.open_list({});
  const auto b = q.open_list({});
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(q.push(a, pkt(1)));
  EXPECT_FALSE(q.push(a, pkt(1)));  // per list
  EXPECT_TRUE(q.push(b, pkt(2)));
  EXPECT_TRUE(q.push(b, pkt(2)));
  EXPECT_FALSE(q.push(b, pkt(2)));  // pool
  EXPECT_FALSE(q.push(b, pkt(2, 1281)));
  q.discard(a);
  EXPECT_TRUE(q.push(b, pkt(2)));
  EXPECT_EQ(q.packets_queued(), 3u);
}

TEST(PacketQueue, ListsRunOutAndComeBack) {
  PacketQueue q(2, 100, 1);
  const auto a = q.open_list({});
  const auto b = q.open_list({});
  EXPECT_NE(a, PacketQueue::kNone);
  EXPECT_NE(b, PacketQueue::kNone);
  EXPECT_EQ(q.open_list({}), PacketQueue::kNone);
  q.discard(a);
  EXPECT_NE(q.open_list({}), PacketQueue::kNone);
}

}  // namespace
}  // namespace teredo::core
