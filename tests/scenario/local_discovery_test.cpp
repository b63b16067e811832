// SPDX-License-Identifier: GPL-2.0-or-later
// Local client discovery (RFC 4380 5.2.8, 5.2.4 case 3, 5.2.3 rules 4 and 5; issue 12): two
// clients behind one NAT that does not hairpin, without the RFC 6081 extensions, find each other
// on their link and talk at their local addresses. Bad discovery bubbles are counted drops.
#include <gtest/gtest.h>

#include <string>

#include "core/client.hpp"
#include "proto/echo.hpp"
#include "sim_network.hpp"

namespace teredo::test {
namespace {

using namespace std::chrono_literals;
using core::ClientState;
using proto::Drop, proto::Endpoint, proto::Ipv6Addr, proto::make_ipv4;

const Endpoint kInsideA{make_ipv4(10, 0, 1, 2), 40000};
const Endpoint kInsideB{make_ipv4(10, 0, 1, 3), 40001};

std::shared_ptr<SimNat> lan_nat(NatFiltering filtering) {
  return std::make_shared<SimNat>(make_ipv4(203, 0, 113, 1), NatMapping::EndpointIndependent, filtering,
                                  false);
}

struct Lan {
  SimNetwork net;
  std::size_t a = 0, b = 0;
  Ipv6Addr addr_a, addr_b;

  explicit Lan(bool discovery, NatFiltering filtering = NatFiltering::PortRestricted) {
    net.rfc6081 = false;  // RFC 4380 alone: hairpinning through alternate addresses is off
    net.local_discovery = discovery;
    auto nat = lan_nat(filtering);
    a = net.add_client(kInsideA, nat, 41);
    b = net.add_client(kInsideB, nat, 42);
    net.advance(1s);  // the discovery bubbles of the new addresses
    addr_a = net.client(a).core->qualification()->address;
    addr_b = net.client(b).core->qualification()->address;
  }
  core::Client& core(std::size_t i) { return *net.client(i).core; }
  /// One echo request from `from` to the other client, 10 s for the path (3 bubble retries).
  bool reaches(std::size_t from, std::uint16_t seq) {
    const std::size_t to = from == a ? b : a;
    const std::size_t before = net.client(to).delivered.size();
    net.client_sends(from, echo_request(from == a ? addr_a : addr_b, from == a ? addr_b : addr_a, seq));
    net.advance(10s);
    return net.client(to).delivered.size() == before + 1;
  }
};

TEST(LocalDiscovery, EachClientLearnsTheOtherFromItsDiscoveryBubble) {
  Lan lan(true);
  ASSERT_EQ(lan.core(lan.a).state(), ClientState::Qualified);
  ASSERT_EQ(lan.core(lan.b).state(), ClientState::Qualified);
  // a announced itself before b existed; b's announcement made a answer with a second one.
  EXPECT_GE(lan.core(lan.a).counters().discovery_bubbles_sent, 2u);
  EXPECT_GE(lan.core(lan.b).counters().discovery_bubbles_sent, 1u);
  EXPECT_GE(lan.core(lan.a).counters().discovery_bubbles_received, 1u);
  EXPECT_GE(lan.core(lan.b).counters().discovery_bubbles_received, 1u);
  const core::LocalPeer* b_seen_by_a = lan.core(lan.a).local_peer(lan.addr_b, lan.net.now);
  const core::LocalPeer* a_seen_by_b = lan.core(lan.b).local_peer(lan.addr_a, lan.net.now);
  ASSERT_NE(b_seen_by_a, nullptr);
  ASSERT_NE(a_seen_by_b, nullptr);
  EXPECT_EQ(b_seen_by_a->local, kInsideB);
  EXPECT_EQ(a_seen_by_b->local, kInsideA);
}

TEST(LocalDiscovery, TwoClientsBehindANatThatDoesNotHairpinTalkOnTheirLinkBothWays) {
  for (auto filtering :
       {NatFiltering::FullCone, NatFiltering::AddressRestricted, NatFiltering::PortRestricted}) {
    for (bool a_first : {true, false}) {
      Lan lan(true, filtering);
      const std::string what = std::string(a_first ? "a -> b" : "b -> a") + ", filtering " +
                               std::to_string(static_cast<int>(filtering));
      const std::size_t first = a_first ? lan.a : lan.b;
      const std::size_t second = a_first ? lan.b : lan.a;
      EXPECT_TRUE(lan.reaches(first, 1)) << what;
      EXPECT_TRUE(lan.reaches(second, 2)) << what << ": back";
      const core::PeerEntry* ab = lan.core(lan.a).peers().find(lan.addr_b);
      const core::PeerEntry* ba = lan.core(lan.b).peers().find(lan.addr_a);
      ASSERT_TRUE(ab != nullptr && ba != nullptr) << what;
      EXPECT_TRUE(ab->trusted() && ba->trusted()) << what;
      EXPECT_EQ(ab->mapped(), kInsideB) << what;
      EXPECT_EQ(ba->mapped(), kInsideA) << what;
      EXPECT_GE(lan.core(lan.a).counters().local_peers_verified, 1u) << what;
      EXPECT_GE(lan.core(lan.b).counters().local_peers_verified, 1u) << what;
      EXPECT_EQ(lan.core(first).counters().bubbles_indirect_sent, 0u)
          << what << ": the server was not needed";
    }
  }
}

TEST(LocalDiscovery, WithoutItTheSameClientsCannotTalk) {
  Lan lan(false);
  EXPECT_EQ(lan.net.multicast_delivered, 0u);
  EXPECT_EQ(lan.core(lan.a).counters().discovery_bubbles_sent, 0u);
  EXPECT_FALSE(lan.reaches(lan.a, 1));
  EXPECT_GE(lan.core(lan.a).counters().peers_given_up, 1u);
}

TEST(LocalDiscovery, AStaleLocalPeerIsReachedAgainOnTheLinkNotThroughTheServer) {
  Lan lan(true);
  ASSERT_TRUE(lan.reaches(lan.a, 1));
  lan.net.advance(60s);  // both entries are stale (30 s); the local ones live 600 s
  const auto local_before = lan.core(lan.a).counters().local_bubbles_sent;
  const auto indirect_before = lan.core(lan.a).counters().bubbles_indirect_sent;
  EXPECT_TRUE(lan.reaches(lan.a, 2));
  EXPECT_GT(lan.core(lan.a).counters().local_bubbles_sent, local_before);
  EXPECT_EQ(lan.core(lan.a).counters().bubbles_indirect_sent, indirect_before);
}

TEST(LocalDiscovery, DiscoveryBubblesRepeatEveryTwoHundredToThreeHundredSeconds) {
  Lan lan(true);
  const auto start = lan.core(lan.b).counters().discovery_bubbles_sent;
  lan.net.advance(199s);
  EXPECT_EQ(lan.core(lan.b).counters().discovery_bubbles_sent, start);
  lan.net.advance(101s);
  EXPECT_EQ(lan.core(lan.b).counters().discovery_bubbles_sent, start + 1);
  lan.net.advance(900s);  // 1200 s: 4 to 6 periods in all
  const auto n = lan.core(lan.b).counters().discovery_bubbles_sent - start;
  EXPECT_GE(n, 4u);
  EXPECT_LE(n, 6u);
  // Kept alive by them, each is still the other's local peer after 600 s.
  EXPECT_NE(lan.core(lan.a).local_peer(lan.addr_b, lan.net.now), nullptr);
}

std::vector<std::uint8_t> bubble(const Ipv6Addr& src, const Ipv6Addr& dst, std::uint8_t next_header = 59) {
  std::vector<std::uint8_t> v(40);
  proto::Writer w(v);
  proto::build_bubble(w, src, dst, 1);
  v[6] = next_header;
  return v;
}

TEST(LocalDiscovery, MalformedOrOffLinkDiscoveryBubblesAreCountedDrops) {
  Lan lan(true);
  core::Client& c = lan.core(lan.a);
  const Ipv6Addr all = proto::kAllNodesMulticast;
  const auto before = c.counters().discovery_bubbles_received;
  auto expect_drop = [&](const std::vector<std::uint8_t>& payload, Endpoint from, Drop d, const char* what) {
    const auto n = c.drops()[d];
    c.on_discovery_datagram(lan.net.now, from, payload);
    c.clear_actions();
    EXPECT_EQ(c.drops()[d], n + 1) << what;
  };
  expect_drop(bubble(lan.addr_b, all), {make_ipv4(10, 0, 2, 3), 40001}, Drop::DiscoveryNotOnLink,
              "IPv4 source off our /24");
  expect_drop(bubble(lan.addr_b, all), {make_ipv4(10, 0, 1, 2), 40001}, Drop::DiscoveryNotOnLink,
              "our own IPv4 address");
  expect_drop(bubble(lan.addr_b, lan.addr_a), kInsideB, Drop::BadDiscoveryBubble, "unicast IPv6 destination");
  expect_drop(bubble(kSimNativeHost, all), kInsideB, Drop::BadDiscoveryBubble, "a non-Teredo source");
  expect_drop(bubble(lan.addr_a, all), kInsideB, Drop::BadDiscoveryBubble, "our own address");
  expect_drop(bubble(lan.addr_b, all, 58), kInsideB, Drop::BadDiscoveryBubble, "not a bubble");
  expect_drop(bubble(lan.addr_b, all), {kInsideB.addr, 0}, Drop::BadDiscoveryBubble, "port 0");
  std::vector<std::uint8_t> with_origin = {0, 0, 0, 0, 0, 0, 0, 0};
  const auto b = bubble(lan.addr_b, all);
  with_origin.insert(with_origin.end(), b.begin(), b.end());
  expect_drop(with_origin, kInsideB, Drop::BadDiscoveryBubble, "an origin indication");
  const std::vector<std::uint8_t> short_one(b.begin(), b.begin() + 20);
  const auto total = c.drops().total();
  c.on_discovery_datagram(lan.net.now, kInsideB, short_one);
  EXPECT_EQ(c.drops().total(), total + 1) << "truncated";
  EXPECT_EQ(c.counters().discovery_bubbles_received, before);
  // Nothing learned from any of them: the entry for b is still the one its real bubble made.
  EXPECT_EQ(c.local_peer(lan.addr_b, lan.net.now)->local, kInsideB);
}

TEST(LocalDiscovery, OffItDropsWhatArrivesOnTheGroup) {
  Lan lan(false);
  core::Client& c = lan.core(lan.a);
  c.on_discovery_datagram(lan.net.now, kInsideB, bubble(lan.addr_b, proto::kAllNodesMulticast));
  EXPECT_EQ(c.drops()[Drop::BadDiscoveryBubble], 1u);
  EXPECT_EQ(c.local_peer(lan.addr_b, lan.net.now), nullptr);
}

}  // namespace
}  // namespace teredo::test
