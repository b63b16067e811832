// SPDX-License-Identifier: GPL-2.0-or-later
// The UDP socket with batches and offloads (os/udp_socket.hpp) against the real kernel, on the
// loopback of a network namespace of the test's own.
#include "os/udp_socket.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "os/poll_set.hpp"
#include "support/netns.hpp"

namespace teredo::os {
namespace {

const proto::Endpoint kA{proto::make_ipv4(198, 51, 100, 1), 4001};
const proto::Endpoint kB{proto::make_ipv4(198, 51, 100, 2), 4002};

class UdpSocketTest : public ::testing::Test {
 protected:
  void SetUp() override { TEREDO_NETNS_OR_SKIP("198.51.100.1/32", "198.51.100.2/32"); }

  // Receives until `want` datagrams (GRO runs split) or 2 s.
  static std::vector<std::vector<std::uint8_t>> receive(UdpSocket& s, std::size_t want) {
    std::vector<std::vector<std::uint8_t>> out;
    RecvBatch batch(65536);
    PollSet poll;
    poll.add(s.fd(), PollSet::kReadable);
    for (int round = 0; out.size() < want && round < 100; ++round) {
      (void)poll.wait(20);
      auto n = s.recv_batch(batch);
      for (std::size_t i = 0; n && i < *n; ++i) {
        const proto::ByteView all = batch.payload(i);
        const std::size_t seg = batch.segment_size(i) == 0 ? all.size() : batch.segment_size(i);
        for (std::size_t off = 0; off < all.size(); off += seg) {
          const auto part = all.subspan(off, std::min(seg, all.size() - off));
          out.emplace_back(part.begin(), part.end());
          EXPECT_EQ(batch.source(i), kA);
        }
      }
    }
    return out;
  }
};

TEST_F(UdpSocketTest, BatchesWithGsoAndGroArriveWhole) {
  auto a = UdpSocket::open(kA, UdpSocketOptions{});
  auto b = UdpSocket::open(kB, UdpSocketOptions{});
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->local(), kA);
  ASSERT_TRUE(a->probe_gso());
  ASSERT_TRUE(b->enable_gro());
  SendBatch batch;
  batch.set_gso(true);
  std::vector<std::vector<std::uint8_t>> sent;
  for (int i = 0; i < 20; ++i) {
    sent.emplace_back(1000, static_cast<std::uint8_t>(i));
    ASSERT_TRUE(batch.add(kB, {}, sent.back()));
  }
  sent.emplace_back(10, 0xee);  // a shorter one ends the run
  ASSERT_TRUE(batch.add(kB, sent.back(), {}));
  EXPECT_EQ(batch.size(), 1u);  // one UDP_SEGMENT message
  const SendReport r = a->send_batch(batch);
  EXPECT_EQ(r.sent, sent.size());
  EXPECT_EQ(r.failed, 0u);
  EXPECT_EQ(receive(*b, sent.size()), sent);
}

TEST_F(UdpSocketTest, ClaimRefusesAHeldPortAndPicksOneForPortZero) {
  auto held = UdpSocket::open(kA, UdpSocketOptions{});
  ASSERT_TRUE(held);
  auto refused = UdpSocket::claim(kA);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code.value(), EADDRINUSE);
  auto any = UdpSocket::claim(proto::Endpoint{kB.addr, 0});
  ASSERT_TRUE(any);
  EXPECT_NE(any->port, 0);
}

}  // namespace
}  // namespace teredo::os
