// SPDX-License-Identifier: GPL-2.0-or-later
// The kernel steering programs (os/steering.hpp) against the real kernel: in a network namespace
// of its own (unshare), datagrams and packets for many peers must reach exactly the socket and
// the TUN queue that proto::shard_of names. Needs root; without it each test says SKIPPED.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include "os/netlink.hpp"
#include "os/steering.hpp"
#include "os/tun_device.hpp"
#include "os/udp_socket.hpp"
#include "proto/steering.hpp"
#include "support/netns.hpp"

namespace teredo::os {
namespace {

using Bytes = std::vector<std::uint8_t>;

// A key with every word non-zero; keyless, some owners would differ (each test checks that the
// kernel computed the keyed function, not the unkeyed one).
constexpr proto::SteeringKey kKey{{0x01234567u, 0x89abcdefu, 0xdeadbeefu, 0x0badf00du}};

class SteeringTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Loading BPF programs needs root (CAP_BPF), which a user namespace does not give.
    if (::geteuid() != 0) {
      std::fprintf(stderr, "### SKIPPED: the steering tests need root (BPF programs)\n");
      GTEST_SKIP() << "the steering tests need root (BPF programs)";
    }
    TEREDO_NETNS_OR_SKIP();
  }

  static proto::Ipv6Addr random_teredo(std::mt19937& rng) {
    proto::Ipv6Addr a{{0x20, 0x01, 0, 0, 0xcb, 0, 0x71, 0x78}};
    for (std::size_t i = 8; i < 16; ++i) a.bytes[i] = static_cast<std::uint8_t>(rng());
    return a;
  }
  static Bytes ipv6_packet(const proto::Ipv6Addr& src, const proto::Ipv6Addr& dst) {
    Bytes h(40, 0);
    h[0] = 0x60;
    h[6] = 59;
    h[7] = 64;
    std::memcpy(h.data() + 8, src.bytes.data(), 16);
    std::memcpy(h.data() + 24, dst.bytes.data(), 16);
    return h;
  }

  /// `n` SO_REUSEPORT sockets on one loopback port (`at` receives it), in bind order.
  static std::vector<UdpSocket> open_group(unsigned n, proto::Endpoint& at) {
    UdpSocketOptions options;
    options.reuse_port = true;
    std::vector<UdpSocket> socks;
    at = proto::Endpoint{proto::Ipv4Addr{0x7f000001}, 0};
    for (unsigned i = 0; i < n; ++i) {
      auto s = UdpSocket::open(at, options);
      EXPECT_TRUE(s) << s.error().message();
      if (!s) break;
      at = s->local();
      socks.push_back(std::move(*s));
    }
    return socks;
  }

  /// Sends each of `datagrams` from one socket (one 4-tuple) to `at`.
  static void send_all(const proto::Endpoint& at, const std::vector<Bytes>& datagrams) {
    const int tx = ::socket(AF_INET, SOCK_DGRAM, 0);
    ASSERT_GE(tx, 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(at.port);
    to.sin_addr.s_addr = htonl(at.addr.value);
    for (const Bytes& d : datagrams)
      ASSERT_EQ(::sendto(tx, d.data(), d.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to),
                static_cast<ssize_t>(d.size()));
    ::close(tx);
  }
};

TEST_F(SteeringTest, UdpDatagramsReachTheSocketOwningTheirInnerSource) {
  constexpr unsigned kWorkers = 3;
  proto::Endpoint at;
  std::vector<UdpSocket> socks = open_group(kWorkers, at);
  ASSERT_EQ(socks.size(), kWorkers);
  auto st = attach_udp_steering(socks[0].fd(), kWorkers, kKey);
  ASSERT_TRUE(st) << st.error().message();

  // One sender, one 4-tuple: without the program every datagram would reach one socket.
  std::mt19937 rng(7);
  const proto::Ipv6Addr dst{{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};
  const Bytes origin = {0, 0, 0xef, 0xff, 0x3f, 0xff, 0xfd, 0xfe};
  const Bytes auth = {0, 1, 2, 1, 'i', 'd', 'v', 1, 2, 3, 4, 5, 6, 7, 8, 0};  // ID-len 2, AU-len 1
  constexpr int kPeers = 120;
  std::vector<Bytes> datagrams;
  for (int i = 0; i < kPeers; ++i) {
    Bytes d;
    d.reserve(64);
    if (i % 4 >= 2) d.insert(d.end(), auth.begin(), auth.end());
    if (i % 2 == 1) d.insert(d.end(), origin.begin(), origin.end());
    const Bytes ip = ipv6_packet(random_teredo(rng), dst);
    d.insert(d.end(), ip.begin(), ip.end());
    datagrams.push_back(std::move(d));
  }
  send_all(at, datagrams);

  int received = 0;
  int key_decided = 0;  // datagrams the zero key would have sent elsewhere
  for (unsigned w = 0; w < kWorkers; ++w) {
    int here = 0;
    std::array<std::uint8_t, 2048> buf{};
    for (;;) {
      const ssize_t n = ::recv(socks[w].fd(), buf.data(), buf.size(), MSG_DONTWAIT);
      if (n < 0) break;
      auto key = proto::udp_steering_key(proto::ByteView{buf.data(), static_cast<std::size_t>(n)});
      ASSERT_TRUE(key);
      EXPECT_EQ(proto::shard_of(*key, kWorkers, kKey), w) << "datagram " << received << " on socket " << w;
      if (proto::shard_of(*key, kWorkers, proto::SteeringKey{}) != w) ++key_decided;
      ++here;
      ++received;
    }
    EXPECT_GT(here, 0) << "socket " << w << " received nothing";
  }
  EXPECT_EQ(received, kPeers);
  EXPECT_GT(key_decided, 0) << "the kernel's choice does not depend on the key";
}

TEST_F(SteeringTest, TunPacketsReachTheQueueOwningTheirDestination) {
  constexpr unsigned kQueues = 3;
  auto first = TunDevice::open("tsteer0", true);
  ASSERT_TRUE(first) << first.error().message();
  std::vector<TunDevice> queues;
  for (unsigned i = 1; i < kQueues; ++i) {
    auto q = first->open_queue();
    ASSERT_TRUE(q) << q.error().message();
    queues.push_back(std::move(*q));
  }
  auto st = attach_tun_steering(first->fd(), kKey);
  ASSERT_TRUE(st) << st.error().message();
  auto nl = Netlink::open();
  ASSERT_TRUE(nl);
  auto index = nl->ifindex("tsteer0");
  ASSERT_TRUE(index);
  ASSERT_TRUE(nl->disable_ipv6_address_generation(*index));
  ASSERT_TRUE(nl->set_link_state(*index, LinkState{}));
  const proto::Ipv6Addr self{{0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};
  ASSERT_TRUE(nl->add_address(*index, self, 128, true));
  const proto::Ipv6Addr prefix{{0x20, 0x01, 0x0d, 0xb8}};
  ASSERT_TRUE(nl->add_route(*index, prefix, 32, 1024));

  const int tx = ::socket(AF_INET6, SOCK_DGRAM, 0);
  ASSERT_GE(tx, 0);
  std::mt19937 rng(11);
  constexpr int kPeers = 120;
  for (int i = 0; i < kPeers; ++i) {
    sockaddr_in6 to{};
    to.sin6_family = AF_INET6;
    to.sin6_port = htons(9);
    proto::Ipv6Addr d = prefix;
    for (std::size_t k = 4; k < 16; ++k) d.bytes[k] = static_cast<std::uint8_t>(rng());
    std::memcpy(&to.sin6_addr, d.bytes.data(), 16);
    const char payload[] = "steer";
    ASSERT_EQ(::sendto(tx, payload, sizeof payload, 0, reinterpret_cast<const sockaddr*>(&to), sizeof to),
              static_cast<ssize_t>(sizeof payload))
        << std::strerror(errno);
  }
  ::close(tx);

  int to_us = 0;
  int key_decided = 0;  // packets the zero key would have put on another queue
  for (unsigned q = 0; q < kQueues; ++q) {
    TunDevice& dev = q == 0 ? *first : queues[q - 1];
    int here = 0;
    std::array<std::uint8_t, 2048> buf{};
    for (;;) {
      auto r = dev.read(proto::MutableBytes{buf.data(), buf.size()});
      ASSERT_TRUE(r);
      if (!*r) break;
      const proto::ByteView pkt{buf.data(), **r};
      auto key = proto::tun_steering_key(pkt);
      ASSERT_TRUE(key);
      // Every packet, ours or the kernel's own (MLD, router solicitations), is steered.
      EXPECT_EQ(proto::shard_of(*key, kQueues, kKey), q);
      if (key->bytes[0] == 0x20 && key->bytes[1] == 0x01) {
        if (proto::shard_of(*key, kQueues, proto::SteeringKey{}) != q) ++key_decided;
        ++to_us;
        ++here;
      }
    }
    EXPECT_GT(here, 0) << "queue " << q << " received nothing";
  }
  EXPECT_EQ(to_us, kPeers);
  EXPECT_GT(key_decided, 0) << "the kernel's choice does not depend on the key";
}

}  // namespace
}  // namespace teredo::os

namespace teredo::os {
namespace {

// A SO_REUSEPORT group must not join another process's: claim() refuses a port any socket holds.
TEST_F(SteeringTest, ClaimRefusesAPortAReusePortGroupHolds) {
  UdpSocketOptions options;
  options.reuse_port = true;
  auto held = UdpSocket::open(proto::Endpoint{proto::Ipv4Addr{0x7f000001}, 0}, options);
  ASSERT_TRUE(held) << held.error().message();
  auto again = UdpSocket::claim(held->local());
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, std::errc::address_in_use);
  // Without claim() the same user's SO_REUSEPORT socket would have joined silently.
  EXPECT_TRUE(UdpSocket::open(held->local(), options));
  auto fresh = UdpSocket::claim(proto::Endpoint{proto::Ipv4Addr{0x7f000001}, 0});
  ASSERT_TRUE(fresh);
  EXPECT_NE(fresh->port, 0);
  EXPECT_TRUE(UdpSocket::open(*fresh, options));  // free again once claimed
}

}  // namespace
}  // namespace teredo::os

namespace teredo::os {
namespace {

// Client: a datagram with an authentication header (a router advertisement) goes to socket 0, the
// worker that qualifies, whatever its inner source; the others still go to their owner.
TEST_F(SteeringTest, ClientAuthenticatedDatagramsReachTheFirstSocket) {
  constexpr unsigned kWorkers = 2;
  proto::Endpoint at;
  std::vector<UdpSocket> socks = open_group(kWorkers, at);
  ASSERT_EQ(socks.size(), kWorkers);
  ASSERT_TRUE(attach_udp_steering(socks[0].fd(), kWorkers, kKey, true));
  std::mt19937 rng(5);
  const proto::Ipv6Addr dst{{0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
  const Bytes auth = {0, 1, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 0};
  constexpr int kDatagrams = 64;
  std::vector<Bytes> datagrams;
  for (int i = 0; i < kDatagrams; ++i) {
    Bytes d;
    d.reserve(64);
    if (i % 2 == 0) d.insert(d.end(), auth.begin(), auth.end());
    const Bytes ip = ipv6_packet(random_teredo(rng), dst);
    d.insert(d.end(), ip.begin(), ip.end());
    datagrams.push_back(std::move(d));
  }
  send_all(at, datagrams);
  int authenticated = 0, plain = 0;
  for (unsigned w = 0; w < kWorkers; ++w) {
    std::array<std::uint8_t, 2048> buf{};
    for (;;) {
      const ssize_t n = ::recv(socks[w].fd(), buf.data(), buf.size(), MSG_DONTWAIT);
      if (n < 0) break;
      const proto::ByteView d{buf.data(), static_cast<std::size_t>(n)};
      if (d[0] == 0 && d[1] == 1) {
        EXPECT_EQ(w, 0u) << "an authenticated datagram reached socket " << w;
        ++authenticated;
      } else {
        auto key = proto::udp_steering_key(d);
        ASSERT_TRUE(key);
        EXPECT_EQ(proto::shard_of(*key, kWorkers, kKey), w);
        ++plain;
      }
    }
  }
  EXPECT_EQ(authenticated, kDatagrams / 2);
  EXPECT_EQ(plain, kDatagrams / 2);
}

}  // namespace
}  // namespace teredo::os
