// SPDX-License-Identifier: GPL-2.0-or-later
// Client scenarios on a virtual clock: qualification and every rejection, refresh, mapping
// change, server loss and failover, bubbles between clients, the connectivity test through a
// relay (RFC 4380 5.2), with the server and relay cores and simulated NATs.
#include <gtest/gtest.h>

#include "core/client.hpp"
#include "proto/checksum.hpp"
#include "proto/echo.hpp"
#include "proto/router_discovery.hpp"
#include "sim_network.hpp"

namespace teredo::test {
namespace {

using core::ClientState;
using proto::Drop;
using proto::Endpoint;
using proto::Ipv6Addr;
using proto::make_ipv4;
using namespace std::chrono_literals;

std::unique_ptr<SimNat> restricted_nat(std::uint8_t last) {
  return std::make_unique<SimNat>(make_ipv4(203, 0, 113, last), NatMapping::EndpointIndependent,
                                  NatFiltering::PortRestricted);
}

std::size_t echo_replies(const std::vector<std::vector<std::uint8_t>>& packets) {
  std::size_t n = 0;
  for (const auto& p : packets) {
    auto ip = proto::parse_ipv6(p);
    if (!ip) continue;
    auto e = proto::parse_echo(*ip);
    if (e && e->type == proto::kIcmpv6EchoReply) ++n;
  }
  return n;
}

TEST(ClientScenario, QualifiesBehindRestrictedNatWithRandomFlagsAndNoConeBit) {
  SimNetwork net;
  auto c = net.add_client({make_ipv4(10, 0, 0, 2), 40000}, restricted_nat(1), 1);
  auto& cl = net.client(c);
  ASSERT_EQ(cl.core->state(), ClientState::Qualified);
  const auto& q = *cl.core->qualification();
  EXPECT_EQ(q.server, kSimServer);
  EXPECT_EQ(q.mapped.addr, make_ipv4(203, 0, 113, 1));
  EXPECT_EQ(q.flags & proto::kFlagCone, 0);
  EXPECT_EQ(q.flags & ~proto::kFlagRandomMask, 0);
  EXPECT_EQ(q.mtu, 1280u);
  EXPECT_EQ(q.address, proto::build_teredo_address({proto::kTeredoPrefix, kSimServer, q.flags, q.mapped}));
  // Qualified, then the NAT's kind from the second server address (for the other workers).
  ASSERT_EQ(cl.changes.size(), 2u);
  EXPECT_EQ(cl.changes[0].state, ClientState::Qualified);
  EXPECT_FALSE(cl.changes[0].nat_only);
  EXPECT_TRUE(cl.changes[1].nat_only);
  EXPECT_TRUE(cl.changes[1].nat.known && !cl.changes[1].nat.symmetric);
  EXPECT_FALSE(cl.core->symmetric_nat());
}

TEST(ClientScenario, DetectsSymmetricNatButKeepsItsAddress) {
  SimNetwork net;
  auto c = net.add_client({make_ipv4(10, 0, 0, 2), 40000},
                          std::make_unique<SimNat>(make_ipv4(203, 0, 113, 1), NatMapping::Symmetric,
                                                   NatFiltering::PortRestricted),
                          2);
  EXPECT_EQ(net.client(c).core->state(), ClientState::Qualified);
  EXPECT_TRUE(net.client(c).core->symmetric_nat());
}

TEST(ClientScenario, RefreshKeepsAddressAndNatMappingChangeGivesNewAddressAtOnce) {
  SimNetwork net;
  auto c = net.add_client({make_ipv4(10, 0, 0, 2), 40000}, restricted_nat(1), 3);
  auto& cl = net.client(c);
  const auto first = cl.core->qualification()->address;
  const auto rs_before = cl.core->counters().rs_sent;
  net.advance(61s);
  EXPECT_GE(cl.core->counters().rs_sent, rs_before + 2);  // refreshed at least twice in 61 s
  EXPECT_EQ(cl.core->qualification()->address, first);
  EXPECT_EQ(cl.changes.size(), 2u);  // qualified, NAT kind; a plain refresh reports nothing
  // The NAT forgets its mappings: the next refresh shows a new mapping and a new address, and the
  // NAT's kind is found again for it.
  net.nat_flush(c);
  net.advance(31s);
  EXPECT_NE(cl.core->qualification()->address, first);
  EXPECT_EQ(cl.core->counters().address_changes, 1u);
  ASSERT_EQ(cl.changes.size(), 4u);
  EXPECT_EQ(cl.changes[2].qualification->address, cl.core->qualification()->address);
  EXPECT_FALSE(cl.changes[2].nat.known);
  EXPECT_TRUE(cl.changes[3].nat_only && cl.changes[3].nat.known);
}

TEST(ClientScenario, NetworkChangeRequalifiesImmediately) {
  SimNetwork net;
  auto c = net.add_client({make_ipv4(10, 0, 0, 2), 40000}, restricted_nat(1), 4);
  auto& cl = net.client(c);
  net.nat_flush(c);
  cl.core->on_network_change(net.now);
  net.advance(200ms);
  EXPECT_EQ(cl.core->counters().address_changes, 1u);
}

TEST(ClientScenario, DeadlineIsNeverInThePastWhileARoundRuns) {
  SimNetwork net;
  auto c = net.add_client({make_ipv4(10, 0, 0, 2), 40000}, restricted_nat(1), 14);
  auto& cl = *net.client(c).core;
  net.server_up = net.server2_up = false;  // the round started below stays unanswered
  net.advance(20s);
  cl.on_network_change(net.now);  // a round starts while the refresh is due in a few seconds
  cl.clear_actions();
  for (int i = 0; i < 120; ++i) {
    net.advance(100ms);
    ASSERT_GT(cl.next_deadline(), net.now) << i;  // a driver arming its timer must not spin
  }
}

TEST(ClientScenario, ServerLossFailsOverToSecondaryThenGoesDownAndRecovers) {
  SimNetwork net;
  auto c = net.add_client({make_ipv4(10, 0, 0, 2), 40000}, restricted_nat(1), 5);
  auto& cl = net.client(c);
  const auto addr = cl.core->qualification()->address;
  net.server_up = false;  // the primary address stops answering
  net.advance(50s);
  EXPECT_EQ(cl.core->state(), ClientState::Qualified);
  EXPECT_EQ(cl.core->current_server(), kSimServer2);
  EXPECT_EQ(cl.core->counters().failovers, 1u);
  EXPECT_EQ(cl.core->qualification()->address, addr);  // the same server names itself
  net.server2_up = false;
  net.advance(60s);
  EXPECT_EQ(cl.core->state(), ClientState::Down);
  ASSERT_GE(cl.changes.size(), 2u);
  EXPECT_EQ(cl.changes.back().state, ClientState::Down);
  net.server_up = net.server2_up = true;
  net.advance(130s);
  EXPECT_EQ(cl.core->state(), ClientState::Qualified);
  EXPECT_EQ(cl.core->current_server(), kSimServer);
}

/// Two qualified clients behind two port-restricted NATs (203.0.113.1 and .2).
struct TwoClients {
  TwoClients(std::uint64_t seed_a, std::uint64_t seed_b)
      : a(net.add_client({make_ipv4(10, 0, 0, 2), 40000}, restricted_nat(1), seed_a)),
        b(net.add_client({make_ipv4(10, 0, 1, 2), 40001}, restricted_nat(2), seed_b)),
        addr_a(net.client(a).core->qualification()->address),
        addr_b(net.client(b).core->qualification()->address) {}
  SimNetwork net;
  std::size_t a, b;
  Ipv6Addr addr_a, addr_b;
};

TEST(ClientScenario, ClientsBehindNatsReachEachOtherAfterBubbles) {
  TwoClients t(6, 7);
  SimNetwork& net = t.net;
  const std::size_t a = t.a, b = t.b;
  const Ipv6Addr addr_a = t.addr_a, addr_b = t.addr_b;
  net.client_sends(a, echo_request(addr_a, addr_b, 1));
  net.advance(3s);
  // B got the packet once the path opened (A's queue flushed after B's direct bubble).
  ASSERT_EQ(net.client(b).delivered.size(), 1u);
  EXPECT_EQ(net.client(a).core->counters().packets_flushed, 1u);
  EXPECT_GE(net.client(b).core->counters().bubble_replies_sent, 1u);
  // Both directions are direct from now on.
  net.client_sends(b, echo_request(addr_b, addr_a, 2));
  net.advance(3s);
  EXPECT_EQ(net.client(a).delivered.size(), 1u);
  net.client_sends(a, echo_request(addr_a, addr_b, 3));
  EXPECT_EQ(net.client(b).delivered.size(), 2u);
}

TEST(ClientScenario, DirectBubblesFromUnexpectedEndpointsNeedOurNonce) {
  // RFC 6081 5.2.4.4: a direct bubble whose outer source is not the mapping in its source
  // address is accepted only when it echoes the nonce of our last indirect bubble.
  SimNetwork net;
  auto a = net.add_client({make_ipv4(10, 0, 0, 2), 40000}, restricted_nat(1), 40);
  auto& cl = net.client(a);
  const auto addr = cl.core->qualification()->address;
  const Ipv6Addr peer = proto::build_teredo_address(
      {proto::kTeredoPrefix, kSimServer, 0, Endpoint{make_ipv4(198, 51, 100, 77), 5000}});
  net.client_sends(a, echo_request(addr, peer, 1));  // opens the peer's queue, sends bubbles
  const std::uint32_t sent = cl.core->queue().info(cl.core->peers().find(peer)->queue).nonce_sent;
  ASSERT_NE(sent, 0u);
  auto bubble_with = [&](std::vector<std::uint8_t> trailer) {
    std::vector<std::uint8_t> b(40);
    proto::Writer w(b);
    proto::build_bubble(w, peer, addr, 64);
    b.insert(b.end(), trailer.begin(), trailer.end());
    return b;
  };
  const Endpoint elsewhere{make_ipv4(198, 51, 100, 78), 6000};
  auto feed = [&](const std::vector<std::uint8_t>& d) {
    cl.core->on_udp_datagram(net.now, elsewhere, d);
    cl.core->clear_actions();
  };
  feed(bubble_with({}));
  EXPECT_EQ(cl.core->drops()[Drop::SourceMappingMismatch], 1u);
  const std::uint32_t wrong = sent ^ 0x10;
  feed(
      bubble_with({0x01, 0x04, static_cast<std::uint8_t>(wrong >> 24), static_cast<std::uint8_t>(wrong >> 16),
                   static_cast<std::uint8_t>(wrong >> 8), static_cast<std::uint8_t>(wrong)}));
  EXPECT_EQ(cl.core->drops()[Drop::BubbleNonceMismatch], 1u);
  feed(bubble_with({0x01, 0x03, 0, 0, 0}));
  EXPECT_EQ(cl.core->drops()[Drop::BadTrailerLength], 1u);
  EXPECT_FALSE(cl.core->peers().find(peer)->trusted());
  feed(bubble_with({0x01, 0x04, static_cast<std::uint8_t>(sent >> 24), static_cast<std::uint8_t>(sent >> 16),
                    static_cast<std::uint8_t>(sent >> 8), static_cast<std::uint8_t>(sent)}));
  const core::PeerEntry* e = cl.core->peers().find(peer);
  ASSERT_NE(e, nullptr);
  EXPECT_TRUE(e->trusted());
  EXPECT_EQ(e->mapped(), elsewhere);
  EXPECT_EQ(cl.core->counters().bubbles_nonce_verified, 1u);
  EXPECT_EQ(cl.core->counters().packets_flushed, 1u);
}

TEST(ClientScenario, APeerSilentForMoreThan30sIsReachedAgainWithoutLoss) {
  // After 30 s without reception the entry is no longer valid (5.2.4): the next packet waits
  // for a bubble exchange, and the answer, from the peer's known mapping, must release it.
  TwoClients t(41, 42);
  SimNetwork& net = t.net;
  const std::size_t a = t.a, b = t.b;
  const Ipv6Addr addr_a = t.addr_a, addr_b = t.addr_b;
  net.client_sends(a, echo_request(addr_a, addr_b, 1));
  net.advance(3s);
  ASSERT_EQ(net.client(b).delivered.size(), 1u);
  // One-way traffic: B's host never answers, so after 30 s A has heard nothing from B.
  for (std::uint16_t i = 2; i <= 10; ++i) {
    net.advance(5s);
    net.client_sends(a, echo_request(addr_a, addr_b, i));
  }
  net.advance(5s);
  EXPECT_EQ(net.client(b).delivered.size(), 10u);
  EXPECT_EQ(net.client(a).core->drops()[Drop::PeerUnreachable], 0u);
}

TEST(ClientScenario, ConnectivityTestFindsTheRelayAndTrafficFlowsBothWays) {
  SimNetwork net;
  auto c = net.add_client({make_ipv4(10, 0, 0, 2), 40000}, restricted_nat(1), 8);
  auto& cl = net.client(c);
  const auto addr = cl.core->qualification()->address;
  net.client_sends(c, echo_request(addr, kSimNativeHost, 1));
  net.advance(3s);
  EXPECT_EQ(cl.core->counters().connectivity_tests_sent, 1u);
  EXPECT_EQ(cl.core->counters().relays_verified, 1u);
  // The queued echo request reached the native host through the relay, and its reply came back.
  EXPECT_EQ(echo_replies(cl.delivered), 1u);
  net.client_sends(c, echo_request(addr, kSimNativeHost, 2));
  EXPECT_EQ(echo_replies(cl.delivered), 2u);
  // And the native host reaches the client directly through the trusted relay.
  net.native_sends(echo_request(kSimNativeHost, addr, 3));
  EXPECT_EQ(cl.delivered.size(), 3u);
}

TEST(ClientScenario, NativeHostCanReachAnIdleClientFirst) {
  SimNetwork net;
  auto c = net.add_client({make_ipv4(10, 0, 0, 2), 40000}, restricted_nat(1), 9);
  auto& cl = net.client(c);
  const auto addr = cl.core->qualification()->address;
  net.native_sends(echo_request(kSimNativeHost, addr, 1));
  net.advance(5s);
  // Relay bubbled through the server, the client answered, the relay flushed; the client held
  // the packet from the unverified relay until the connectivity test confirmed it.
  ASSERT_EQ(cl.delivered.size(), 1u);
  EXPECT_EQ(cl.core->counters().relays_verified, 1u);
}

TEST(ClientScenario, ForgedAdvertisementsAreRejected) {
  SimNetwork net;
  auto c = net.add_client({make_ipv4(192, 0, 2, 2), 40000}, nullptr, 10);
  auto& cl = *net.client(c).core;
  ASSERT_EQ(cl.state(), ClientState::Qualified);
  auto make_ra = [](const proto::Nonce& n, bool origin, std::uint32_t server) {
    std::vector<std::uint8_t> buf(200);
    proto::Writer w(buf);
    proto::build_auth_header(w, n, 0);
    if (origin) proto::build_origin_indication(w, {make_ipv4(10, 0, 0, 2), 40000});
    proto::RouterAdvertisement ra;
    proto::PrefixInformation pio;
    proto::store_be32(pio.prefix.bytes.data(), proto::kTeredoPrefix);
    proto::store_be32(pio.prefix.bytes.data() + 4, server);
    ra.prefix = pio;
    ra.mtu = 1280;
    proto::build_router_advertisement(w, proto::build_server_link_local(kSimServer),
                                      core::Client::rs_source(), ra);
    buf.resize(w.size());
    return buf;
  };
  const auto before = cl.counters().ra_rejected;
  // From another address, with a random nonce, from the right address with a wrong nonce.
  auto ra = make_ra({1, 2, 3, 4, 5, 6, 7, 8}, true, kSimServer.value);
  cl.on_udp_datagram(net.now, {make_ipv4(192, 0, 2, 66), 3544}, ra);
  cl.on_udp_datagram(net.now, {kSimServer, 3544}, ra);
  EXPECT_EQ(cl.drops()[Drop::RaFromWrongSource], 1u);
  EXPECT_EQ(cl.drops()[Drop::RaNonceMismatch], 1u);
  EXPECT_EQ(cl.counters().ra_rejected, before + 2);
  EXPECT_EQ(cl.qualification()->mapped, (Endpoint{make_ipv4(192, 0, 2, 2), 40000}));
  cl.clear_actions();
}

TEST(ClientScenario, EveryRaCheckRejectsWithItsOwnReason) {
  // RFC 4380 5.2.1 / RFC 4861 6.1.2 with the nonce right: link-local source, origin indication,
  // destination, exactly one prefix, and that prefix pinned to the configured one.
  SimNetwork net;
  auto c = net.add_client({make_ipv4(192, 0, 2, 2), 40000}, nullptr, 12);
  auto& cl = *net.client(c).core;
  ASSERT_EQ(cl.state(), ClientState::Qualified);
  cl.clear_actions();
  cl.on_network_change(net.now);  // a new round: catch its RS and answer it ourselves
  proto::Nonce nonce{};
  for (const auto& a : cl.actions())
    if (auto* u = std::get_if<core::SendUdp>(&a)) {
      auto p = proto::parse_teredo_packet(u->header);
      ASSERT_TRUE(p.ok() && p->auth);
      nonce = p->auth->nonce;
    }
  cl.clear_actions();
  struct Variant {
    bool link_local = true, origin = true, right_dst = true, two_prefixes = false;
    std::uint32_t prefix = proto::kTeredoPrefix;
  };
  auto make_ra = [&](const Variant& v) {
    std::vector<std::uint8_t> buf(300);
    proto::Writer w(buf);
    proto::build_auth_header(w, nonce, 0);
    if (v.origin) proto::build_origin_indication(w, {make_ipv4(192, 0, 2, 2), 40000});
    proto::RouterAdvertisement ra;
    proto::PrefixInformation pio;
    proto::store_be32(pio.prefix.bytes.data(), v.prefix);
    proto::store_be32(pio.prefix.bytes.data() + 4, kSimServer.value);
    ra.prefix = pio;
    ra.mtu = 1280;
    const Ipv6Addr src = v.link_local ? proto::build_server_link_local(kSimServer) : kSimNativeHost;
    const Ipv6Addr dst = v.right_dst ? core::Client::rs_source() : kSimNativeHost;
    proto::build_router_advertisement(w, src, dst, ra);
    buf.resize(w.size());
    if (v.two_prefixes) {  // repeat the PIO (after the auth header, the IPv6 header and 16 RA bytes)
      const std::size_t pio_at = 13 + (v.origin ? 8 : 0) + 40 + 16;
      buf.insert(buf.end(), buf.begin() + static_cast<std::ptrdiff_t>(pio_at),
                 buf.begin() + static_cast<std::ptrdiff_t>(pio_at + 32));
      const std::size_t ip_at = 13 + (v.origin ? 8 : 0);
      proto::store_be16(buf.data() + ip_at + 4, static_cast<std::uint16_t>(buf.size() - ip_at - 40));
      proto::store_be16(buf.data() + ip_at + 42, 0);
      auto ip = proto::parse_ipv6(proto::ByteView(buf).subspan(ip_at));
      proto::store_be16(
          buf.data() + ip_at + 42,
          proto::ipv6_upper_checksum(ip->header.src, ip->header.dst, proto::kNextHeaderIcmpv6, ip->payload));
    }
    return buf;
  };
  struct Case {
    Variant v;
    Drop drop;
  };
  Case cases[5];
  cases[0].v.link_local = false;
  cases[0].drop = Drop::RaNotLinkLocalSource;
  cases[1].v.origin = false;
  cases[1].drop = Drop::RaMissingOrigin;
  cases[2].v.right_dst = false;
  cases[2].drop = Drop::RaWrongDestination;
  cases[3].v.two_prefixes = true;
  cases[3].drop = Drop::RaBadPrefix;
  cases[4].v.prefix = 0x3ffe0000;
  cases[4].drop = Drop::RaForeignPrefix;
  const auto rejected = cl.counters().ra_rejected;
  for (const Case& k : cases) {
    cl.on_udp_datagram(net.now, {kSimServer, 3544}, make_ra(k.v));
    EXPECT_EQ(cl.drops()[k.drop], 1u) << proto::to_string(k.drop);
  }
  EXPECT_EQ(cl.counters().ra_rejected, rejected + 5);
  const auto accepted = cl.counters().ra_accepted;
  cl.on_udp_datagram(net.now, {kSimServer, 3544}, make_ra(Variant{}));
  EXPECT_EQ(cl.counters().ra_accepted, accepted + 1);
  cl.clear_actions();
}

TEST(ClientScenario, TheSecondaryAddressProbeIsRetriedLikeQualification) {
  SimNetwork net;
  net.server2_up = false;
  auto c = net.add_client({make_ipv4(10, 0, 0, 2), 40000}, restricted_nat(1), 13);
  auto& cl = *net.client(c).core;
  ASSERT_EQ(cl.state(), ClientState::Qualified);
  const auto rs = cl.counters().rs_sent;
  net.advance(5s);
  net.server2_up = true;  // answers the second retry
  net.advance(5s);
  EXPECT_EQ(cl.counters().rs_sent, rs + 2);  // two retries of the probe
  EXPECT_EQ(cl.counters().secondary_probe_failures, 0u);
  EXPECT_FALSE(cl.symmetric_nat());
  // A second address that never answers: 3 probes, then counted, and the client stays up.
  SimNetwork net2;
  net2.server2_up = false;
  auto d = net2.add_client({make_ipv4(10, 0, 0, 2), 40000},
                           std::make_unique<SimNat>(make_ipv4(203, 0, 113, 1), NatMapping::Symmetric,
                                                    NatFiltering::PortRestricted),
                           14);
  net2.advance(15s);
  EXPECT_EQ(net2.client(d).core->counters().secondary_probe_failures, 1u);
  EXPECT_EQ(net2.client(d).core->state(), ClientState::Qualified);
  EXPECT_FALSE(net2.client(d).core->symmetric_nat());  // never learnt
}

TEST(ClientScenario, GarbageAndSpoofedPeersAreCountedAndHarmless) {
  SimNetwork net;
  auto c = net.add_client({make_ipv4(192, 0, 2, 2), 40000}, nullptr, 11);
  auto& cl = *net.client(c).core;
  const auto addr = cl.qualification()->address;
  std::vector<std::uint8_t> garbage{0x45, 0, 0, 20, 1, 2, 3};
  cl.on_udp_datagram(net.now, {make_ipv4(192, 0, 2, 1), 999}, garbage);
  EXPECT_EQ(cl.drops()[Drop::NotIpv6], 1u);
  // A packet claiming to come from a Teredo peer whose mapping is not the sender.
  const auto peer =
      proto::build_teredo_address({proto::kTeredoPrefix, kSimServer, 0, {make_ipv4(192, 0, 2, 9), 5000}});
  auto p = echo_request(peer, addr, 1);
  cl.on_udp_datagram(net.now, {make_ipv4(192, 0, 2, 66), 5000}, p);
  EXPECT_EQ(cl.drops()[Drop::SourceMappingMismatch], 1u);
  // A link-local source from a peer.
  Ipv6Addr ll{{0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};
  auto q = echo_request(ll, addr, 2);
  cl.on_udp_datagram(net.now, {make_ipv4(192, 0, 2, 9), 5000}, q);
  EXPECT_EQ(cl.drops()[Drop::LinkLocalSource], 1u);
  EXPECT_TRUE(cl.actions().empty());
  EXPECT_EQ(cl.state(), ClientState::Qualified);
}

TEST(ClientScenario, SpoofedNativeSourcesCannotMakeTheClientProbeWithoutBound) {
  // CVE-2006-6266: every packet from an unverified native source asks for a connectivity test;
  // a flood of spoofed sources gets 20 per second, the rest are counted drops.
  SimNetwork net;
  auto c = net.add_client({make_ipv4(192, 0, 2, 2), 40000}, nullptr, 15);
  auto& cl = *net.client(c).core;
  const auto addr = cl.qualification()->address;
  const auto tests = cl.counters().connectivity_tests_sent;
  for (std::uint16_t i = 0; i < 100; ++i) {
    Ipv6Addr src = kSimNativeHost;
    src.bytes[14] = static_cast<std::uint8_t>(i >> 8);
    src.bytes[15] = static_cast<std::uint8_t>(i);
    cl.on_udp_datagram(net.now, kSimRelay, echo_request(src, addr, i));
  }
  cl.clear_actions();
  EXPECT_EQ(cl.counters().connectivity_tests_sent - tests, 20u);
  EXPECT_EQ(cl.drops()[Drop::ConnectivityTestLimited], 80u);
  // Our own traffic to native hosts is never limited.
  for (std::uint16_t i = 0; i < 30; ++i) {
    Ipv6Addr dst = kSimNativeHost;
    dst.bytes[13] = 0x77;
    dst.bytes[15] = static_cast<std::uint8_t>(i);
    cl.on_tun_packet(net.now, echo_request(addr, dst, i));
  }
  cl.clear_actions();
  EXPECT_EQ(cl.counters().connectivity_tests_sent - tests, 50u);
}

TEST(ClientScenario, AFloodOfRelayedBubblesIsAnsweredWithinTheReplyLimit) {
  // 300 indirect bubbles with nonces from made-up Teredo sources, relayed by our server at once:
  // answers and new establishments share the reply limit (100 per second, burst 100).
  SimNetwork net;
  auto c = net.add_client({make_ipv4(192, 0, 2, 2), 40000}, nullptr, 16);
  auto& cl = *net.client(c).core;
  const auto addr = cl.qualification()->address;
  cl.clear_actions();
  const auto before = cl.counters();
  for (std::uint16_t i = 0; i < 300; ++i) {
    const Endpoint fake{make_ipv4(203, 0, 113, static_cast<std::uint8_t>(1 + i % 200)),
                        static_cast<std::uint16_t>(10000 + i)};
    const Ipv6Addr src =
        proto::build_teredo_address({proto::kTeredoPrefix, make_ipv4(198, 51, 100, 99), 0, fake});
    std::vector<std::uint8_t> d(200);
    proto::Writer w(d);
    proto::build_origin_indication(w, fake);
    proto::build_bubble(w, src, addr, 64);
    proto::build_nonce_trailer(w, 0x1000u + i);
    d.resize(w.size());
    cl.on_udp_datagram(net.now, {kSimServer, proto::kTeredoPort}, d);
    cl.clear_actions();
  }
  const auto& after = cl.counters();
  const auto answered = after.bubble_replies_sent - before.bubble_replies_sent;
  const auto established = after.bubbles_indirect_sent - before.bubbles_indirect_sent;
  EXPECT_LE(answered + established, 100u);
  EXPECT_GE(answered, 50u);
  EXPECT_GE(after.bubble_replies_limited - before.bubble_replies_limited, 300u);
  EXPECT_LE(cl.queue().open_lists(), 50u);
}

TEST(ClientScenario, UnqualifiedClientAnswersHostWithUnreachable) {
  SimNetwork net;
  net.server_up = net.server2_up = false;
  auto c = net.add_client({make_ipv4(10, 0, 0, 2), 40000}, restricted_nat(1), 12);
  auto& cl = *net.client(c).core;
  EXPECT_EQ(cl.state(), ClientState::Probing);
  const Ipv6Addr any{{0x20, 0x01, 0, 0, 1, 2, 3, 4, 0, 0, 0xff, 0xff, 0xfe, 0xfe, 0xfe, 0xfe}};
  auto p = echo_request(any, kSimNativeHost, 1);
  cl.on_tun_packet(net.now, p);
  EXPECT_EQ(cl.drops()[Drop::NotQualified], 1u);
  ASSERT_EQ(cl.actions().size(), 1u);
  EXPECT_TRUE(std::holds_alternative<core::SendIcmpv6>(cl.actions()[0]));
  cl.clear_actions();
}

TEST(ClientScenario, UnansweredPeerIsGivenUpAfterThreeRetries) {
  SimNetwork net;
  auto c = net.add_client({make_ipv4(10, 0, 0, 2), 40000}, restricted_nat(1), 13);
  auto& cl = *net.client(c).core;
  const auto addr = cl.qualification()->address;
  const auto ghost =
      proto::build_teredo_address({proto::kTeredoPrefix, kSimServer, 0, {make_ipv4(192, 0, 2, 77), 4000}});
  net.client_sends(c, echo_request(addr, ghost, 1));
  net.advance(10s);
  EXPECT_EQ(cl.counters().peers_given_up, 1u);
  EXPECT_EQ(cl.drops()[Drop::PeerUnreachable], 1u);
  EXPECT_EQ(cl.queue().packets_queued(), 0u);
}

}  // namespace
}  // namespace teredo::test
