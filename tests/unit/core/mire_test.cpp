// SPDX-License-Identifier: GPL-2.0-or-later
// teredo-mire's responder (miredo-behaviour.md 1.4): bubbles on 3544, echo and Parameter Problem
// on 3545, and what it refuses to answer.
#include "core/mire.hpp"

#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "proto/checksum.hpp"
#include "proto/echo.hpp"
#include "proto/encapsulation.hpp"
#include "proto/icmpv6_error.hpp"
#include "proto/ipv6.hpp"
#include "proto/teredo_address.hpp"

namespace teredo::core {
namespace {

using proto::Drop;
using proto::Endpoint;
using proto::Ipv6Addr;
using proto::make_ipv4;

const proto::Ipv4Addr kHost = make_ipv4(198, 51, 100, 40);
const Ipv6Addr kMire = proto::build_teredo_address({proto::kTeredoPrefix, kHost, 0, {kHost, kMireEchoPort}});
const Endpoint kPeerMapped{make_ipv4(203, 0, 113, 5), 40000};
const Ipv6Addr kPeer = proto::build_teredo_address(
    {proto::kTeredoPrefix, make_ipv4(198, 51, 100, 10), 0x1234 & 0x3cff, kPeerMapped});

std::vector<std::uint8_t> bubble(const Ipv6Addr& src, const Ipv6Addr& dst) {
  std::vector<std::uint8_t> b(40);
  proto::Writer w(b);
  proto::build_bubble(w, src, dst, 64);
  return b;
}

std::vector<std::uint8_t> echo(const Ipv6Addr& dst, std::uint8_t type = proto::kIcmpv6EchoRequest) {
  std::vector<std::uint8_t> data(20, 0x5a);
  std::vector<std::uint8_t> b(100);
  proto::Writer w(b);
  proto::build_echo(w, kPeer, dst, 64, {type, 7, 9, data});
  b.resize(w.size());
  return b;
}

std::vector<std::uint8_t> with_next_header(std::uint8_t nh, std::size_t payload) {
  std::vector<std::uint8_t> b(40 + payload, 0xab);
  proto::Writer w(b);
  proto::Ipv6Header h;
  h.payload_length = static_cast<std::uint16_t>(payload);
  h.next_header = nh;
  h.hop_limit = 64;
  h.src = kPeer;
  h.dst = kMire;
  proto::build_ipv6_header(w, h);
  return b;
}

struct Harness {
  Mire mire;
  std::array<std::uint8_t, kMireOutputSize> out{};
  proto::Result<MireReply> feed(MirePort on, const std::vector<std::uint8_t>& d,
                                Endpoint from = kPeerMapped) {
    return mire.on_datagram(on, from, d, out);
  }
};

TEST(Mire, AnswersABubbleOn3544WithTheAddressesSwapped) {
  Harness h;
  auto r = h.feed(MirePort::Bubbles, bubble(kPeer, kMire));
  ASSERT_TRUE(r.ok()) << proto::to_string(r.drop());
  EXPECT_EQ(r->to, kPeerMapped);
  auto ip = proto::parse_ipv6(r->payload);
  ASSERT_TRUE(ip.ok());
  EXPECT_TRUE(proto::is_bubble(*ip));
  EXPECT_EQ(ip->header.src, kMire);
  EXPECT_EQ(ip->header.dst, kPeer);
  EXPECT_EQ(h.mire.counters().bubbles_answered, 1u);
}

TEST(Mire, AnswersMiredosLinkLocalBubbleToo) {
  Harness h;
  const Ipv6Addr ll{{0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0}};
  auto r = h.feed(MirePort::Bubbles, bubble(ll, kMire));
  ASSERT_TRUE(r.ok()) << proto::to_string(r.drop());
  auto ip = proto::parse_ipv6(r->payload);
  EXPECT_EQ(ip->header.dst, ll);
  EXPECT_EQ(ip->header.src, kMire);
}

TEST(Mire, AnswersAnEchoRequestOn3545) {
  Harness h;
  auto r = h.feed(MirePort::Echo, echo(kMire));
  ASSERT_TRUE(r.ok()) << proto::to_string(r.drop());
  auto ip = proto::parse_ipv6(r->payload);
  ASSERT_TRUE(ip.ok());
  EXPECT_EQ(ip->header.src, kMire);
  EXPECT_EQ(ip->header.dst, kPeer);
  EXPECT_EQ(ip->header.hop_limit, 255);
  auto e = proto::parse_echo(*ip);  // checks the checksum
  ASSERT_TRUE(e.ok()) << proto::to_string(e.drop());
  EXPECT_EQ(e->type, proto::kIcmpv6EchoReply);
  EXPECT_EQ(e->identifier, 7);
  EXPECT_EQ(e->sequence, 9);
  EXPECT_EQ(e->data.size(), 20u);
}

TEST(Mire, UnknownNextHeaderGetsParameterProblemPointingAtIt) {
  Harness h;
  auto udp = with_next_header(proto::kNextHeaderUdp, 16);
  auto r = h.feed(MirePort::Echo, udp);
  ASSERT_TRUE(r.ok()) << proto::to_string(r.drop());
  auto ip = proto::parse_ipv6(r->payload);
  ASSERT_TRUE(ip.ok());
  EXPECT_EQ(ip->header.next_header, proto::kNextHeaderIcmpv6);
  EXPECT_EQ(ip->header.dst, kPeer);
  const proto::ByteView icmp = ip->payload;
  EXPECT_EQ(icmp[0], proto::kIcmpv6ParameterProblem);
  EXPECT_EQ(icmp[1], 1);
  EXPECT_EQ(proto::load_be32(icmp.data() + 4), 6u);
  EXPECT_EQ(proto::ipv6_upper_checksum(ip->header.src, ip->header.dst, proto::kNextHeaderIcmpv6, icmp), 0);
  EXPECT_TRUE(std::equal(udp.begin(), udp.end(), icmp.begin() + 8));
  // A large one is quoted only as far as 1280 bytes allow.
  auto big = h.feed(MirePort::Echo, with_next_header(proto::kNextHeaderUdp, 4000));
  ASSERT_TRUE(big.ok());
  EXPECT_EQ(big->payload.size(), proto::kMinMtu);
}

TEST(Mire, IgnoresWhatMiredoIgnoresAndNeverReflects) {
  Harness h;
  EXPECT_EQ(h.feed(MirePort::Bubbles, echo(kMire)).drop(), Drop::NotBubbleOrIcmpv6);  // 3544: bubbles only
  EXPECT_EQ(h.feed(MirePort::Echo, bubble(kPeer, kMire)).drop(), Drop::NotBubbleOrIcmpv6);
  EXPECT_EQ(h.feed(MirePort::Echo, with_next_header(43, 16)).drop(), Drop::NotBubbleOrIcmpv6);  // routing
  EXPECT_EQ(h.feed(MirePort::Echo, echo(kMire, proto::kIcmpv6EchoReply)).drop(), Drop::NotEcho);
  EXPECT_EQ(h.feed(MirePort::Echo, echo(kPeer)).drop(), Drop::NotOurAddress);  // not a mire address
  // Private, broadcast or port-0 sources get nothing: no reflection into a LAN.
  EXPECT_EQ(h.feed(MirePort::Bubbles, bubble(kPeer, kMire), {make_ipv4(10, 0, 0, 1), 40000}).drop(),
            Drop::NonGlobalSource);
  EXPECT_EQ(h.feed(MirePort::Bubbles, bubble(kPeer, kMire), {make_ipv4(255, 255, 255, 255), 1}).drop(),
            Drop::NonGlobalSource);
  EXPECT_EQ(h.feed(MirePort::Bubbles, bubble(kPeer, kMire), {kPeerMapped.addr, 0}).drop(),
            Drop::NonGlobalSource);
  std::vector<std::uint8_t> junk{0x45, 0, 0, 1};
  EXPECT_FALSE(h.feed(MirePort::Echo, junk).ok());
  EXPECT_EQ(h.mire.counters().received, 9u);
  EXPECT_EQ(h.mire.drops().total(), 9u);
}

}  // namespace
}  // namespace teredo::core
