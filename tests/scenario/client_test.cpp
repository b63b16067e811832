// Client scenarios on a virtual clock: qualification and every rejection, refresh, mapping
// change, server loss and failover, bubbles between clients, the connectivity test through a
// relay (RFC 4380 5.2), with the server and relay cores and simulated NATs.
#include <gtest/gtest.h>

#include "core/client.hpp"
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

std::vector<std::uint8_t> echo_request(const Ipv6Addr& src, const Ipv6Addr& dst, std::uint16_t seq) {
  std::vector<std::uint8_t> data(16, static_cast<std::uint8_t>(seq));
  std::vector<std::uint8_t> buf(80);
  proto::Writer w(buf);
  proto::build_echo(w, src, dst, 64, {proto::kIcmpv6EchoRequest, 99, seq, data});
  buf.resize(w.size());
  return buf;
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
  ASSERT_EQ(cl.changes.size(), 1u);
  EXPECT_EQ(cl.changes[0].state, ClientState::Qualified);
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
  EXPECT_EQ(cl.changes.size(), 1u);  // a plain refresh reports nothing
  // The NAT forgets its mappings: the next refresh shows a new mapping and a new address.
  net.nat_flush(c);
  net.advance(31s);
  EXPECT_NE(cl.core->qualification()->address, first);
  EXPECT_EQ(cl.core->counters().address_changes, 1u);
  ASSERT_EQ(cl.changes.size(), 2u);
  EXPECT_EQ(cl.changes[1].qualification->address, cl.core->qualification()->address);
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

TEST(ClientScenario, ClientsBehindNatsReachEachOtherAfterBubbles) {
  SimNetwork net;
  auto a = net.add_client({make_ipv4(10, 0, 0, 2), 40000}, restricted_nat(1), 6);
  auto b = net.add_client({make_ipv4(10, 0, 1, 2), 40001}, restricted_nat(2), 7);
  const auto addr_a = net.client(a).core->qualification()->address;
  const auto addr_b = net.client(b).core->qualification()->address;
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
