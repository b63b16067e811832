// SPDX-License-Identifier: GPL-2.0-or-later
// RFC 6081 3.2-3.4 in memory: a random port per peer behind a port-preserving symmetric NAT, the
// echo test that predicts a sequential NAT's port, the Peer Refresh Timer, what arrives on a random
// port that is not for it, a host that cannot open ports, and a UPnP port mapping.
#include <gtest/gtest.h>

#include <memory>

#include "core/client.hpp"
#include "proto/echo.hpp"
#include "proto/encapsulation.hpp"
#include "sim_network.hpp"

namespace teredo::test {
namespace {

using proto::Drop;
using proto::Endpoint;
using proto::Ipv6Addr;
using proto::make_ipv4;
using namespace std::chrono_literals;

const Endpoint kInsideA{make_ipv4(10, 0, 1, 2), 40000};
const Endpoint kInsideB{make_ipv4(10, 0, 2, 2), 40001};
const proto::Ipv4Addr kPublicA = make_ipv4(203, 0, 113, 1);
const proto::Ipv4Addr kPublicB = make_ipv4(203, 0, 113, 2);

std::shared_ptr<SimNat> nat(proto::Ipv4Addr pub, NatMapping mapping,
                            NatFiltering filtering = NatFiltering::PortRestricted) {
  return std::make_shared<SimNat>(pub, mapping, filtering);
}

/// Client A behind `nat_a` (random ports on or off), client B behind a port-restricted cone.
struct Net {
  SimNetwork net;
  std::size_t a = 0, b = 0;
  Ipv6Addr addr_a, addr_b;

  Net(std::shared_ptr<SimNat> nat_a, bool a_random_ports = true,
      std::shared_ptr<SimNat> nat_b = nat(kPublicB, NatMapping::EndpointIndependent)) {
    net.random_ports = a_random_ports;
    a = net.add_client(kInsideA, std::move(nat_a), 41);
    net.random_ports = true;
    b = net.add_client(kInsideB, std::move(nat_b), 42);
    addr_a = A().qualification()->address;
    addr_b = B().qualification()->address;
  }
  core::Client& A() { return *net.client(a).core; }
  core::Client& B() { return *net.client(b).core; }

  /// One echo request from A to B (or back), 10 s for the path to open.
  bool reaches(bool from_a, std::uint16_t seq) {
    const std::size_t to = from_a ? b : a;
    const std::size_t before = net.client(to).delivered.size();
    net.client_sends(from_a ? a : b, echo_request(from_a ? addr_a : addr_b, from_a ? addr_b : addr_a, seq));
    net.advance(10s);
    return net.client(to).delivered.size() == before + 1;
  }
  const core::RandomPortPeer* random_port_of_a() {
    const auto& e = A().random_ports().entries();
    return e.empty() ? nullptr : &e.front();
  }
};

TEST(RandomPorts, BehindAPortPreservingNatTheClientReachesAPortRestrictedPeerFromItsRandomPort) {
  for (bool a_first : {true, false}) {
    Net n(nat(kPublicA, NatMapping::PortPreservingSymmetric));
    EXPECT_TRUE(n.A().symmetric_nat());
    EXPECT_TRUE(n.A().port_preserving());  // the primary server saw port 40000 unchanged
    ASSERT_TRUE(n.reaches(a_first, 1)) << a_first;
    EXPECT_TRUE(n.reaches(!a_first, 2)) << a_first;
    const core::RandomPortPeer* rp = n.random_port_of_a();
    ASSERT_NE(rp, nullptr);
    EXPECT_NE(rp->local, 0u);
    EXPECT_EQ(rp->advertised, rp->local);  // a port-preserving NAT keeps it
    EXPECT_TRUE(rp->direct_on_random);
    // B reaches A at the random port, which the NAT preserved, and learned it from the trailer.
    EXPECT_EQ(n.B().peers().find(n.addr_a)->mapped(), (Endpoint{kPublicA, rp->local}));
    ASSERT_EQ(n.B().random_ports().entries().size(), 1u);
    EXPECT_EQ(n.B().random_ports().entries().front().peer_port, rp->local);
    EXPECT_EQ(n.A().counters().random_ports_opened, 1u);
    EXPECT_GE(n.A().counters().random_port_bubbles_sent, 1u);
    EXPECT_EQ(n.B().counters().random_port_trailers_received, 1u);
  }
}

TEST(RandomPorts, WithoutTheExtensionAPortPreservingNatCannotReachAPortRestrictedPeer) {
  Net n(nat(kPublicA, NatMapping::PortPreservingSymmetric), false);
  EXPECT_FALSE(n.reaches(true, 1));
  EXPECT_EQ(n.A().counters().random_ports_opened, 0u);
  EXPECT_GE(n.A().counters().peers_given_up, 1u);
}

TEST(RandomPorts, BehindASequentialNatTheEchoTestPredictsThePortThePeerReaches) {
  for (bool a_first : {true, false}) {
    Net n(nat(kPublicA, NatMapping::Symmetric));
    EXPECT_TRUE(n.A().symmetric_nat());
    EXPECT_FALSE(n.A().port_preserving());
    ASSERT_TRUE(n.reaches(a_first, 1)) << a_first;
    EXPECT_TRUE(n.reaches(!a_first, 2)) << a_first;
    EXPECT_EQ(n.A().counters().echo_tests_sent, 1u);
    EXPECT_EQ(n.A().counters().ports_predicted, 1u);
    const core::RandomPortPeer* rp = n.random_port_of_a();
    ASSERT_NE(rp, nullptr);
    // The prediction is where B found A: midway between the ports the two servers saw.
    EXPECT_EQ(n.B().peers().find(n.addr_a)->mapped(), (Endpoint{kPublicA, rp->advertised}));
    EXPECT_EQ(rp->advertised, (rp->lower + rp->upper) / 2);
    EXPECT_EQ(rp->upper - rp->lower, 2);  // three flows in a row: RS, bubble, RS
  }
}

TEST(RandomPorts, WithoutTheExtensionASequentialNatCannotReachAPortRestrictedPeer) {
  Net n(nat(kPublicA, NatMapping::Symmetric), false);
  EXPECT_FALSE(n.reaches(true, 1));
  EXPECT_EQ(n.A().counters().echo_tests_sent, 0u);
}

TEST(RandomPorts, AnUnansweredEchoTestIsRunTwiceThenTheIndirectBubbleLeavesWithoutAPrediction) {
  // The secondary address stops answering after qualification: no prediction is possible. Two
  // echo tests (1 s, then 2 s), then the indirect bubble: a full-cone peer is still reached.
  Net n(nat(kPublicA, NatMapping::Symmetric), true,
        nat(kPublicB, NatMapping::EndpointIndependent, NatFiltering::FullCone));
  n.net.server2_up = false;
  EXPECT_TRUE(n.reaches(true, 1));
  EXPECT_EQ(n.A().counters().echo_tests_sent, 2u);
  EXPECT_EQ(n.A().counters().ports_predicted, 0u);
  EXPECT_GE(n.A().counters().bubbles_indirect_sent, 1u);
  EXPECT_LE(n.A().counters().bubbles_indirect_sent, 3u);
}

TEST(RandomPorts, ThePeerRefreshTimerKeepsAnIdleRandomPortOpenThenGivesItUp) {
  Net n(nat(kPublicA, NatMapping::PortPreservingSymmetric));
  ASSERT_TRUE(n.reaches(true, 1));
  ASSERT_TRUE(n.reaches(false, 2));
  const std::uint16_t port = n.random_port_of_a()->local;
  // Idle: one refresh bubble every 30 s, from the random port (B's side takes them as bubbles).
  const auto b_bubbles = n.B().counters().bubbles_received;
  n.net.advance(65s);
  EXPECT_GE(n.A().counters().peer_refreshes_sent, 1u);
  EXPECT_LE(n.A().counters().peer_refreshes_sent, 4u);
  EXPECT_GT(n.B().counters().bubbles_received, b_bubbles);
  EXPECT_TRUE(n.net.client(n.a).ports.contains(port));
  // Data in between resets the count: traffic keeps flowing over the same port.
  ASSERT_TRUE(n.reaches(true, 3));
  EXPECT_EQ(n.random_port_of_a()->refresh_count, 0u);
  // Twenty refreshes without data (10 min): the port is closed.
  n.net.advance(std::chrono::minutes(11));
  EXPECT_LE(n.A().counters().peer_refreshes_sent, 24u);
  EXPECT_FALSE(n.net.client(n.a).ports.contains(port));
  EXPECT_EQ(n.A().random_ports().open_ports(), 0u);
  // Traffic that resumes finds a new path the same way.
  EXPECT_TRUE(n.reaches(true, 4));
  EXPECT_EQ(n.A().random_ports().open_ports(), 1u);
}

TEST(RandomPorts, WhatArrivesOnARandomPortForAnotherPeerIsDroppedAndChangesNothing) {
  Net n(nat(kPublicA, NatMapping::PortPreservingSymmetric));
  ASSERT_TRUE(n.reaches(true, 1));
  const core::RandomPortPeer* rp = n.random_port_of_a();
  ASSERT_NE(rp, nullptr);
  const std::uint16_t port = rp->local;
  const Endpoint mapping = n.A().peers().find(n.addr_b)->mapped();
  std::vector<std::uint8_t> buf(40);
  proto::Writer w(buf);
  // A bubble from another Teredo address (same server, another mapping) on B's random port.
  const Ipv6Addr other = proto::build_teredo_address(
      {proto::kTeredoPrefix, kSimServer, 0, Endpoint{make_ipv4(198, 51, 100, 99), 5555}});
  proto::build_bubble(w, other, n.addr_a, 64);
  n.A().on_udp_datagram(n.net.now, {make_ipv4(198, 51, 100, 99), 5555}, buf, port);
  EXPECT_EQ(n.A().drops()[Drop::RandomPortWrongPeer], 1u);
  // Anything on a port nobody holds.
  n.A().on_udp_datagram(n.net.now, {make_ipv4(198, 51, 100, 99), 5555}, buf,
                        static_cast<std::uint16_t>(port ^ 1));
  EXPECT_EQ(n.A().drops()[Drop::RandomPortUnknown], 1u);
  // An RA on the random port that answers no echo test.
  EXPECT_EQ(n.A().peers().find(n.addr_b)->mapped(), mapping);
  EXPECT_EQ(n.A().peers().find(other), nullptr);
  n.A().clear_actions();
  EXPECT_TRUE(n.reaches(false, 2));
}

TEST(RandomPorts, AHostThatCannotOpenPortsFailsCleanlyWithoutALoop) {
  Net n(nat(kPublicA, NatMapping::PortPreservingSymmetric));
  n.net.client(n.a).refuse_ports = true;
  EXPECT_FALSE(n.reaches(true, 1));
  EXPECT_GE(n.A().counters().random_port_failures, 1u);
  EXPECT_LE(n.net.ports_opened, 8u);  // one attempt per bubble round, no retry storm
  EXPECT_EQ(n.A().random_ports().open_ports(), 0u);
  EXPECT_EQ(n.A().queue().open_lists(), 0u);
  EXPECT_GE(n.A().counters().peers_given_up, 1u);
}

// With several client workers only the first qualifies; the others take its StateChange actions.
// The NAT's kind travels with them, so a follower's peers get random ports too.
TEST(RandomPorts, AFollowerWorkerLearnsTheNatKindAndOpensARandomPortForItsPeers) {
  Net n(nat(kPublicA, NatMapping::PortPreservingSymmetric));
  ASSERT_TRUE(n.A().symmetric_nat());
  const auto& changes = n.net.client(n.a).changes;
  ASSERT_GE(changes.size(), 2u);  // qualified, then the NAT's kind alone
  EXPECT_FALSE(changes.front().nat.known);
  EXPECT_TRUE(changes.back().nat_only);
  EXPECT_EQ(changes.back().nat, (core::NatFindings{true, true, true}));
  EXPECT_EQ(changes.back().qualification->address, n.addr_a);

  core::ClientConfig config = n.A().config();
  config.follower = true;
  core::SeededRandom random(7);
  core::Client follower(config, random, n.net.now);
  EXPECT_TRUE(follower.actions().empty());  // a follower never sends an RS
  for (const core::StateChange& c : changes) follower.adopt(c);
  EXPECT_EQ(follower.state(), core::ClientState::Qualified);
  EXPECT_TRUE(follower.nat_type_known());
  EXPECT_TRUE(follower.symmetric_nat());
  EXPECT_TRUE(follower.port_preserving());

  const auto packet = echo_request(n.addr_a, n.addr_b, 1);
  follower.on_tun_packet(n.net.now, packet);
  const auto opens = [&] {
    for (const auto& a : follower.actions())
      if (std::holds_alternative<core::OpenPort>(a)) return true;
    return false;
  };
  EXPECT_TRUE(opens());

  // Without the findings (a follower that took only the address), no random port.
  core::Client unaware(config, random, n.net.now);
  core::StateChange address_only = changes.front();
  address_only.nat = {};
  unaware.adopt(address_only);
  unaware.on_tun_packet(n.net.now, packet);
  for (const auto& a : unaware.actions()) EXPECT_FALSE(std::holds_alternative<core::OpenPort>(a));
}

TEST(Upnp, APortMappingLetsARandomSymmetricNatReachAPortRestrictedPeer) {
  // Without UPnP nothing predicts a fully random NAT's ports (nat_matrix_test); with a port
  // mapping of the service port (RFC 6081 3.2), the mapping is listed as an alternate address.
  for (bool upnp : {false, true})
    for (bool a_first : {true, false}) {
      auto nat_a = nat(kPublicA, NatMapping::RandomSymmetric);
      if (upnp) nat_a->forward(kInsideA.port, kInsideA);
      Net n(nat_a);
      EXPECT_TRUE(n.A().symmetric_nat());
      if (upnp) n.A().set_upnp_mapping(n.net.now, {kPublicA, kInsideA.port});
      EXPECT_EQ(n.A().upnp_mapping().port, upnp ? kInsideA.port : 0);
      const bool there = n.reaches(a_first, 1);
      EXPECT_EQ(there, upnp) << a_first;
      if (!upnp) continue;
      EXPECT_TRUE(n.reaches(!a_first, 2)) << a_first;
      EXPECT_GE(n.B().counters().bubbles_alternate_sent, 1u);
      EXPECT_EQ(n.B().peers().find(n.addr_a)->mapped(), (Endpoint{kPublicA, kInsideA.port}));
    }
}

TEST(Upnp, AMappingEqualToTheServerLearnedOneMeansOneNatAndIsNotUsed) {
  SimNetwork net;
  auto cone = nat(kPublicA, NatMapping::EndpointIndependent, NatFiltering::FullCone);
  const auto a = net.add_client(kInsideA, cone, 43);
  core::Client& c = *net.client(a).core;
  const Endpoint mapped = c.qualification()->mapped;
  c.set_upnp_mapping(net.now, mapped);
  EXPECT_EQ(c.upnp_mapping(), Endpoint{});  // RFC 6081 5.3.2: zeroed
  c.set_upnp_mapping(net.now, {kPublicA, 3544});
  EXPECT_EQ(c.upnp_mapping(), (Endpoint{kPublicA, 3544}));
  c.set_upnp_mapping(net.now, {});
  EXPECT_EQ(c.upnp_mapping(), Endpoint{});
}

}  // namespace
}  // namespace teredo::test
