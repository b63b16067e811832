// SPDX-License-Identifier: GPL-2.0-or-later
// The local peer table (RFC 4380 5.2.8): lifetime, news, eviction.
#include "core/local_peers.hpp"

#include <gtest/gtest.h>

namespace teredo::core {
namespace {

proto::Ipv6Addr addr(std::uint8_t last) {
  proto::Ipv6Addr a{{0x20, 0x01, 0, 0, 0xc6, 0x33, 0x64, 0x0a, 0, 0, 0, 0, 0, 0, 0, last}};
  return a;
}

const proto::Endpoint kLocal{proto::make_ipv4(10, 0, 1, 3), 40001};

TEST(LocalPeers, AnEntryLivesSixHundredSecondsAfterItsLastDiscoveryBubble) {
  LocalPeers t(4);
  EXPECT_TRUE(t.seen(addr(1), kLocal, 100));
  const Tick end = 100 + LocalPeers::kLifetime;
  ASSERT_NE(t.find(addr(1), end - 1), nullptr);
  EXPECT_EQ(t.find(addr(1), end - 1)->local, kLocal);
  EXPECT_EQ(t.find(addr(1), end), nullptr);
  EXPECT_EQ(t.find(addr(2), 100), nullptr);
  EXPECT_EQ(t.live(end - 1), 1u);
  EXPECT_EQ(t.live(end), 0u);
}

TEST(LocalPeers, NewsIsANewPeerAnExpiredOneOrANewLocalEndpoint) {
  LocalPeers t(4);
  EXPECT_TRUE(t.seen(addr(1), kLocal, 0));
  EXPECT_FALSE(t.seen(addr(1), kLocal, 100));  // the same peer again: its lifetime restarts
  EXPECT_NE(t.find(addr(1), 100 + LocalPeers::kLifetime - 1), nullptr);
  EXPECT_TRUE(t.seen(addr(1), {kLocal.addr, 40002}, 200));
  EXPECT_EQ(t.find(addr(1), 200)->local.port, 40002);
  EXPECT_TRUE(t.seen(addr(1), {kLocal.addr, 40002}, 200 + LocalPeers::kLifetime));
}

TEST(LocalPeers, WhenFullThePeerSeenLongestAgoGivesWay) {
  LocalPeers t(2);
  t.seen(addr(1), kLocal, 10);
  t.seen(addr(2), kLocal, 20);
  t.seen(addr(1), kLocal, 30);  // addr(2) is now the oldest
  EXPECT_TRUE(t.seen(addr(3), kLocal, 40));
  EXPECT_EQ(t.evictions(), 1u);
  EXPECT_NE(t.find(addr(1), 40), nullptr);
  EXPECT_EQ(t.find(addr(2), 40), nullptr);
  EXPECT_NE(t.find(addr(3), 40), nullptr);
}

TEST(LocalPeers, ZeroCapacityRemembersNothing) {
  LocalPeers t(0);
  t.seen(addr(1), kLocal, 0);
  EXPECT_EQ(t.find(addr(1), 0), nullptr);
}

}  // namespace
}  // namespace teredo::core
