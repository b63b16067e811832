// SPDX-License-Identifier: GPL-2.0-or-later
// Scenarios: clients behind simulated NATs qualify against the server core and exchange bubbles
// through it (RFC 4380 5.2.1 cone probing, symmetric NAT detection, 5.3.1 relaying with origin).
#include <gtest/gtest.h>

#include <array>
#include <optional>
#include <vector>

#include "core/server.hpp"
#include "proto/echo.hpp"
#include "proto/encapsulation.hpp"
#include "proto/router_discovery.hpp"
#include "proto/teredo_address.hpp"
#include "sim_nat.hpp"

namespace teredo::test {
namespace {

using core::Server;
using core::ServerSendUdp;
using core::ServerSocket;
using proto::Endpoint;
using proto::make_ipv4;

const proto::Ipv4Addr kPrimary = make_ipv4(198, 51, 100, 10);
const proto::Ipv4Addr kSecondary = make_ipv4(198, 51, 100, 11);

// A delivered datagram: who sent it (outer source as seen by the receiver) and its payload.
struct Delivery {
  Endpoint from;
  std::vector<std::uint8_t> payload;
};

// One server, one or more NATed clients, all in memory.
class Network {
 public:
  Server server{core::server_config(kPrimary, kSecondary, proto::kTeredoPrefix, 1280)};

  // A client at `inside` behind `nat` sends `payload` to the server address `to_server`.
  // Returns what reaches the client back (after NAT filtering), if anything.
  std::optional<Delivery> client_to_server(SimNat& nat, Endpoint inside, proto::Ipv4Addr to_server,
                                           const std::vector<std::uint8_t>& payload,
                                           SimNat** dest_nat = nullptr, Endpoint* dest_inside = nullptr) {
    const Endpoint server_ep{to_server, proto::kTeredoPort};
    const Endpoint pub = nat.outbound(inside, server_ep);
    const ServerSocket on = to_server == kPrimary ? ServerSocket::Primary : ServerSocket::Secondary;
    auto r = server.on_datagram(on, pub, payload, out_, core::TimePoint{});
    if (!r) return std::nullopt;
    const auto& send = std::get<ServerSendUdp>(*r);
    const Endpoint src{send.from == ServerSocket::Primary ? kPrimary : kSecondary, proto::kTeredoPort};
    SimNat& target = dest_nat ? **dest_nat : nat;
    auto in = target.inbound(src, send.to);
    if (!in) return std::nullopt;
    if (dest_inside) *dest_inside = *in;
    Delivery d{src, std::vector<std::uint8_t>(send.header.begin(), send.header.end())};
    d.payload.insert(d.payload.end(), send.body.begin(), send.body.end());
    return d;
  }

 private:
  std::array<std::uint8_t, core::kServerOutputSize> out_{};
};

std::vector<std::uint8_t> make_rs(std::uint16_t flags, Endpoint inside, std::uint8_t nonce_seed) {
  std::vector<std::uint8_t> buf(128);
  proto::Writer w(buf);
  proto::Nonce n{};
  n.fill(nonce_seed);
  proto::build_auth_header(w, n, 0);
  proto::build_router_solicitation(w, proto::build_teredo_link_local(flags, inside));
  buf.resize(w.size());
  return buf;
}

// What a client learns from an RA: its mapped endpoint and its Teredo address (RFC 5991 flags).
struct Qualified {
  Endpoint mapped;
  proto::Ipv6Addr address;
};

std::optional<Qualified> read_ra(const Delivery& d, std::uint8_t nonce_seed) {
  auto pkt = proto::parse_teredo_packet(d.payload);
  if (!pkt || !pkt->auth || !pkt->origin) return std::nullopt;
  proto::Nonce n{};
  n.fill(nonce_seed);
  if (pkt->auth->nonce != n) return std::nullopt;
  auto ip = proto::parse_ipv6(pkt->ipv6);
  if (!ip) return std::nullopt;
  auto ra = proto::parse_router_advertisement(*ip);
  if (!ra || ra->prefix_count != 1) return std::nullopt;
  const proto::Ipv4Addr server{proto::load_be32(ra->prefix->prefix.bytes.data() + 4)};
  if (server != kPrimary) return std::nullopt;
  return Qualified{*pkt->origin,
                   proto::build_teredo_address(
                       {proto::kTeredoPrefix, server, 0x1234 & proto::kFlagRandomMask, *pkt->origin})};
}

TEST(ServerScenario, ClientBehindPortRestrictedNatQualifiesWithoutConeFlag) {
  Network net;
  SimNat nat(make_ipv4(203, 0, 113, 1), NatMapping::EndpointIndependent, NatFiltering::PortRestricted);
  const Endpoint inside{make_ipv4(10, 0, 0, 2), 40000};
  // Phase 1 (cone probe, C=1): the RA comes from the other address and the NAT filters it.
  EXPECT_FALSE(net.client_to_server(nat, inside, kPrimary, make_rs(proto::kFlagCone, inside, 1)).has_value());
  // Phase 2 (C=0): answered from the same address, admitted.
  auto d = net.client_to_server(nat, inside, kPrimary, make_rs(0, inside, 2));
  ASSERT_TRUE(d.has_value());
  auto q = read_ra(*d, 2);
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->mapped.addr, make_ipv4(203, 0, 113, 1));
  // Secondary test: same mapping through the secondary address, so not symmetric.
  auto d2 = net.client_to_server(nat, inside, kSecondary, make_rs(0, inside, 3));
  ASSERT_TRUE(d2.has_value());
  auto q2 = read_ra(*d2, 3);
  ASSERT_TRUE(q2.has_value());
  EXPECT_EQ(q2->mapped, q->mapped);
}

TEST(ServerScenario, ConeProbeSucceedsBehindFullConeNat) {
  Network net;
  SimNat nat(make_ipv4(203, 0, 113, 1), NatMapping::EndpointIndependent, NatFiltering::FullCone);
  const Endpoint inside{make_ipv4(10, 0, 0, 2), 40000};
  auto d = net.client_to_server(nat, inside, kPrimary, make_rs(proto::kFlagCone, inside, 9));
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->from.addr, kSecondary);  // answered from the other address
  EXPECT_TRUE(read_ra(*d, 9).has_value());
}

TEST(ServerScenario, SymmetricNatShowsDifferentMappingsOnTheTwoAddresses) {
  Network net;
  SimNat nat(make_ipv4(203, 0, 113, 1), NatMapping::Symmetric, NatFiltering::PortRestricted);
  const Endpoint inside{make_ipv4(10, 0, 0, 2), 40000};
  auto q1 = read_ra(*net.client_to_server(nat, inside, kPrimary, make_rs(0, inside, 1)), 1);
  auto q2 = read_ra(*net.client_to_server(nat, inside, kSecondary, make_rs(0, inside, 2)), 2);
  ASSERT_TRUE(q1 && q2);
  EXPECT_NE(q1->mapped, q2->mapped);
}

TEST(ServerScenario, IndirectBubbleReachesPeerWithOriginOfSender) {
  Network net;
  SimNat nat_a(make_ipv4(203, 0, 113, 1), NatMapping::EndpointIndependent, NatFiltering::PortRestricted);
  SimNat nat_b(make_ipv4(203, 0, 113, 2), NatMapping::EndpointIndependent, NatFiltering::PortRestricted);
  const Endpoint a_in{make_ipv4(10, 0, 0, 2), 40000};
  const Endpoint b_in{make_ipv4(10, 0, 1, 2), 40001};
  auto qa = read_ra(*net.client_to_server(nat_a, a_in, kPrimary, make_rs(0, a_in, 1)), 1);
  auto qb = read_ra(*net.client_to_server(nat_b, b_in, kPrimary, make_rs(0, b_in, 2)), 2);
  ASSERT_TRUE(qa && qb);

  std::vector<std::uint8_t> bubble(40);
  proto::Writer w(bubble);
  proto::build_bubble(w, qa->address, qb->address, 0);
  SimNat* dest = &nat_b;
  Endpoint reached{};
  auto d = net.client_to_server(nat_a, a_in, kPrimary, bubble, &dest, &reached);
  ASSERT_TRUE(d.has_value());  // B's NAT admits it: B has talked to the server
  EXPECT_EQ(reached, b_in);
  auto pkt = proto::parse_teredo_packet(d->payload);
  ASSERT_TRUE(pkt.ok());
  ASSERT_TRUE(pkt->origin.has_value());
  EXPECT_EQ(*pkt->origin, qa->mapped);  // B learns where to send its direct bubble
}

TEST(ServerScenario, AfterNatFlushTheClientRequalifiesWithANewMapping) {
  Network net;
  SimNat nat(make_ipv4(203, 0, 113, 1), NatMapping::EndpointIndependent, NatFiltering::PortRestricted);
  const Endpoint inside{make_ipv4(10, 0, 0, 2), 40000};
  auto q1 = read_ra(*net.client_to_server(nat, inside, kPrimary, make_rs(0, inside, 1)), 1);
  nat.flush();
  auto q2 = read_ra(*net.client_to_server(nat, inside, kPrimary, make_rs(0, inside, 2)), 2);
  ASSERT_TRUE(q1 && q2);
  EXPECT_NE(q1->mapped.port, q2->mapped.port);
}

TEST(ServerScenario, ForgedBubbleFromAnotherMappingNeverReachesThePeer) {
  Network net;
  SimNat nat_a(make_ipv4(203, 0, 113, 1), NatMapping::EndpointIndependent, NatFiltering::PortRestricted);
  SimNat nat_b(make_ipv4(203, 0, 113, 2), NatMapping::EndpointIndependent, NatFiltering::PortRestricted);
  const Endpoint a_in{make_ipv4(10, 0, 0, 2), 40000};
  const Endpoint b_in{make_ipv4(10, 0, 1, 2), 40001};
  auto qa = read_ra(*net.client_to_server(nat_a, a_in, kPrimary, make_rs(0, a_in, 1)), 1);
  auto qb = read_ra(*net.client_to_server(nat_b, b_in, kPrimary, make_rs(0, b_in, 2)), 2);
  ASSERT_TRUE(qa && qb);
  // A third host claims to be B and bubbles A: its outer source does not match B's address.
  SimNat nat_c(make_ipv4(203, 0, 113, 3), NatMapping::EndpointIndependent, NatFiltering::PortRestricted);
  std::vector<std::uint8_t> bubble(40);
  proto::Writer w(bubble);
  proto::build_bubble(w, qb->address, qa->address, 0);
  SimNat* dest = &nat_a;
  EXPECT_FALSE(net.client_to_server(nat_c, {make_ipv4(10, 9, 9, 9), 1}, kPrimary, bubble, &dest).has_value());
  EXPECT_EQ(net.server.drops()[proto::Drop::SourceMappingMismatch], 1u);
}

}  // namespace
}  // namespace teredo::test
