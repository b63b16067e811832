// SPDX-License-Identifier: GPL-2.0-or-later
// Server core: RS -> RA (RFC 4380 5.3.2), forwarding (5.3.1) and every drop reason.
#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "core/server.hpp"
#include "proto/checksum.hpp"
#include "proto/echo.hpp"
#include "proto/encapsulation.hpp"
#include "proto/ipv6.hpp"
#include "proto/router_discovery.hpp"
#include "proto/teredo_address.hpp"

namespace teredo::core {
namespace {

using proto::ByteView;
using proto::Drop;
using proto::Endpoint;
using proto::Ipv6Addr;
using proto::make_ipv4;

const proto::Ipv4Addr kPrimary = make_ipv4(198, 51, 100, 10);
const proto::Ipv4Addr kSecondary = make_ipv4(198, 51, 100, 11);
const Endpoint kClient{make_ipv4(203, 0, 113, 7), 40000};
const Endpoint kOtherClient{make_ipv4(203, 0, 113, 8), 50000};
const proto::Nonce kNonce{1, 2, 3, 4, 5, 6, 7, 8};

Ipv6Addr teredo_of(Endpoint mapped, proto::Ipv4Addr server = kPrimary) {
  return proto::build_teredo_address({proto::kTeredoPrefix, server, 0, mapped});
}

Ipv6Addr native(std::uint8_t last) {
  Ipv6Addr a{{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, last}};
  return a;
}

std::vector<std::uint8_t> rs_datagram(bool with_auth, std::uint16_t ll_flags = 0) {
  std::vector<std::uint8_t> buf(256);
  proto::Writer w(buf);
  if (with_auth) proto::build_auth_header(w, kNonce, 0);
  proto::build_router_solicitation(w,
                                   proto::build_teredo_link_local(ll_flags, {make_ipv4(10, 0, 0, 2), 1234}));
  buf.resize(w.size());
  return buf;
}

std::vector<std::uint8_t> bubble_datagram(const Ipv6Addr& src, const Ipv6Addr& dst) {
  std::vector<std::uint8_t> buf(64);
  proto::Writer w(buf);
  proto::build_bubble(w, src, dst, 0);
  buf.resize(w.size());
  return buf;
}

std::vector<std::uint8_t> echo_datagram(const Ipv6Addr& src, const Ipv6Addr& dst, std::size_t data_len = 8) {
  std::vector<std::uint8_t> data(data_len, 0xab);
  std::vector<std::uint8_t> buf(2048);
  proto::Writer w(buf);
  proto::build_echo(w, src, dst, 64, {proto::kIcmpv6EchoRequest, 0x1234, 1, data});
  buf.resize(w.size());
  return buf;
}

class ServerTest : public ::testing::Test {
 protected:
  proto::Result<ServerAction> feed(const std::vector<std::uint8_t>& dgram, Endpoint from = kClient,
                                   ServerSocket on = ServerSocket::Primary) {
    return server_.on_datagram(on, from, dgram, out_, now_);
  }
  core::TimePoint now_ = core::TimePoint{} + std::chrono::seconds(100);
  Server server_{core::server_config(kPrimary, kSecondary, proto::kTeredoPrefix, 1280)};
  std::array<std::uint8_t, kServerOutputSize> out_{};
};

// Reassembles the UDP payload of a ServerSendUdp action.
std::vector<std::uint8_t> payload_of(const ServerSendUdp& s) {
  std::vector<std::uint8_t> v(s.header.begin(), s.header.end());
  v.insert(v.end(), s.body.begin(), s.body.end());
  return v;
}

TEST_F(ServerTest, AnswersRouterSolicitationWithAuthenticatedAdvertisement) {
  auto dgram = rs_datagram(true);
  auto r = feed(dgram);
  ASSERT_TRUE(r.ok()) << proto::to_string(r.drop());
  const auto& send = std::get<ServerSendUdp>(*r);
  EXPECT_EQ(send.from, ServerSocket::Primary);
  EXPECT_EQ(send.to, kClient);
  auto payload = payload_of(send);
  auto pkt = proto::parse_teredo_packet(payload);
  ASSERT_TRUE(pkt.ok());
  ASSERT_TRUE(pkt->auth.has_value());
  EXPECT_EQ(pkt->auth->nonce, kNonce);
  EXPECT_EQ(pkt->auth->confirmation, 0);
  ASSERT_TRUE(pkt->origin.has_value());
  EXPECT_EQ(*pkt->origin, kClient);
  auto ip = proto::parse_ipv6(pkt->ipv6);
  ASSERT_TRUE(ip.ok());
  EXPECT_EQ(ip->header.src, proto::build_server_link_local(kPrimary));
  EXPECT_EQ(ip->header.dst, proto::build_teredo_link_local(0, {make_ipv4(10, 0, 0, 2), 1234}));
  EXPECT_EQ(ip->header.hop_limit, 255);
  auto ra = proto::parse_router_advertisement(*ip);
  ASSERT_TRUE(ra.ok()) << proto::to_string(ra.drop());
  EXPECT_EQ(ra->prefix_count, 1u);
  ASSERT_TRUE(ra->prefix.has_value());
  EXPECT_EQ(ra->prefix->prefix_length, 64);
  Ipv6Addr expected_prefix{};
  proto::store_be32(expected_prefix.bytes.data(), proto::kTeredoPrefix);
  proto::store_be32(expected_prefix.bytes.data() + 4, kPrimary.value);
  EXPECT_EQ(ra->prefix->prefix, expected_prefix);
  ASSERT_TRUE(ra->mtu.has_value());
  EXPECT_EQ(*ra->mtu, 1280u);
  EXPECT_EQ(server_.counters().router_advertisements, 1u);
}

TEST_F(ServerTest, SolicitationWithoutAuthGetsZeroNonceNeverGarbage) {
  auto r = feed(rs_datagram(false));
  ASSERT_TRUE(r.ok());
  auto payload = payload_of(std::get<ServerSendUdp>(*r));
  auto pkt = proto::parse_teredo_packet(payload);
  ASSERT_TRUE(pkt.ok());
  ASSERT_TRUE(pkt->auth.has_value());
  EXPECT_EQ(pkt->auth->nonce, proto::Nonce{});
}

TEST_F(ServerTest, ConeSolicitationIsAnsweredFromTheOtherAddress) {
  auto r = feed(rs_datagram(true, proto::kFlagCone));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(std::get<ServerSendUdp>(*r).from, ServerSocket::Secondary);
  auto r2 = feed(rs_datagram(true, proto::kFlagCone), kClient, ServerSocket::Secondary);
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(std::get<ServerSendUdp>(*r2).from, ServerSocket::Primary);
}

TEST_F(ServerTest, SolicitationOnSecondaryIsAnsweredFromSecondaryWithPrimaryPrefix) {
  auto r = feed(rs_datagram(true), kClient, ServerSocket::Secondary);
  ASSERT_TRUE(r.ok());
  const auto& send = std::get<ServerSendUdp>(*r);
  EXPECT_EQ(send.from, ServerSocket::Secondary);
  auto payload = payload_of(send);
  auto pkt = proto::parse_teredo_packet(payload);
  auto ip = proto::parse_ipv6(pkt->ipv6);
  auto ra = proto::parse_router_advertisement(*ip);
  ASSERT_TRUE(ra.ok());
  EXPECT_EQ(proto::load_be32(ra->prefix->prefix.bytes.data() + 4), kPrimary.value);
}

TEST_F(ServerTest, SolicitationWithClientIdentifierEchoesNonce) {
  std::vector<std::uint8_t> d = {0x00, 0x01, 4, 2, 'a', 'b', 'c', 'd', 0xee, 0xff};
  d.insert(d.end(), kNonce.begin(), kNonce.end());
  d.push_back(0);
  auto rs = rs_datagram(false);
  d.insert(d.end(), rs.begin(), rs.end());
  auto r = feed(d);
  ASSERT_TRUE(r.ok()) << proto::to_string(r.drop());
  auto payload = payload_of(std::get<ServerSendUdp>(*r));
  auto pkt = proto::parse_teredo_packet(payload);
  EXPECT_EQ(pkt->auth->nonce, kNonce);
}

TEST_F(ServerTest, SolicitationToServerLinkLocalIsAnswered) {
  std::vector<std::uint8_t> buf(128);
  proto::Writer w(buf);
  const Ipv6Addr src = proto::build_teredo_link_local(0, {make_ipv4(10, 0, 0, 2), 1});
  const Ipv6Addr dst = proto::build_server_link_local(kPrimary);
  proto::Ipv6Header h;
  h.payload_length = 8;
  h.next_header = proto::kNextHeaderIcmpv6;
  h.hop_limit = 255;
  h.src = src;
  h.dst = dst;
  proto::build_ipv6_header(w, h);
  std::array<std::uint8_t, 8> rs{133, 0, 0, 0, 0, 0, 0, 0};
  proto::store_be16(rs.data() + 2, proto::ipv6_upper_checksum(src, dst, 58, rs));
  w.put(rs);
  buf.resize(w.size());
  EXPECT_TRUE(feed(buf).ok());
}

TEST_F(ServerTest, EveryTruncationOfASolicitationIsDroppedNeverAnswered) {
  auto full = rs_datagram(true);
  for (std::size_t n = 0; n < full.size(); ++n) {
    std::vector<std::uint8_t> cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    auto r = feed(cut);
    EXPECT_FALSE(r.ok()) << "truncated to " << n;
  }
  EXPECT_EQ(server_.drops().total(), full.size());
  EXPECT_TRUE(feed(full).ok());
}

TEST_F(ServerTest, BadChecksumIsDropped) {
  auto d = rs_datagram(true);
  d.back() ^= 0x01;
  auto r = feed(d);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.drop(), Drop::BadIcmpv6Checksum);
  EXPECT_EQ(server_.drops()[Drop::BadIcmpv6Checksum], 1u);
}

TEST_F(ServerTest, SolicitationWithBadHopLimitIsDropped) {
  auto d = rs_datagram(false);
  d[7] = 64;
  EXPECT_EQ(feed(d).drop(), Drop::BadHopLimit);
}

TEST_F(ServerTest, GarbageIsDroppedByReason) {
  EXPECT_EQ(feed({0x42}).drop(), Drop::DatagramTooShort);
  EXPECT_EQ(feed({0x45, 0x00, 0x00, 0x10}).drop(), Drop::NotIpv6);
  EXPECT_EQ(feed({0x00, 0x01, 0x00}).drop(), Drop::TruncatedAuthHeader);
  EXPECT_EQ(feed({0x00, 0x00, 0x01, 0x02}).drop(), Drop::TruncatedOriginIndication);
  EXPECT_EQ(feed({0x60, 0x00, 0x00}).drop(), Drop::TruncatedIpv6Header);
}

TEST_F(ServerTest, NonGlobalSourceIsDropped) {
  EXPECT_EQ(feed(rs_datagram(true), {make_ipv4(192, 168, 1, 5), 4000}).drop(), Drop::NonGlobalSource);
  EXPECT_EQ(feed(rs_datagram(true), {make_ipv4(100, 64, 0, 1), 4000}).drop(), Drop::NonGlobalSource);
}

TEST_F(ServerTest, PacketsFromOwnTeredoPortAreLoops) {
  EXPECT_EQ(feed(rs_datagram(true), {kSecondary, proto::kTeredoPort}).drop(), Drop::OwnAddressLoop);
  EXPECT_EQ(feed(rs_datagram(true), {kPrimary, proto::kTeredoPort}).drop(), Drop::OwnAddressLoop);
}

TEST_F(ServerTest, NonIcmpNonBubbleIsDropped) {
  std::vector<std::uint8_t> buf(64);
  proto::Writer w(buf);
  proto::Ipv6Header h;
  h.payload_length = 8;
  h.next_header = proto::kNextHeaderUdp;
  h.src = teredo_of(kClient);
  h.dst = native(1);
  proto::build_ipv6_header(w, h);
  w.put_zeros(8);
  buf.resize(w.size());
  EXPECT_EQ(feed(buf).drop(), Drop::NotBubbleOrIcmpv6);
}

TEST_F(ServerTest, BubbleTrailersTravelWithTheBubbleAndMalformedOnesAreDropped) {
  // RFC 6081: nonce and alternate address are for the destination client.
  auto d = bubble_datagram(teredo_of(kClient), teredo_of(kOtherClient));
  const std::vector<std::uint8_t> tr = {0x01, 0x04, 0xde, 0xad, 0xbe, 0xef, 0x03, 0x08,
                                        0,    0,    10,   0,    0,    2,    0x9c, 0x40};
  d.insert(d.end(), tr.begin(), tr.end());
  auto r = feed(d);
  ASSERT_TRUE(r.ok()) << proto::to_string(r.drop());
  auto payload = payload_of(std::get<ServerSendUdp>(*r));
  auto pkt = proto::parse_teredo_packet(payload);
  ASSERT_TRUE(pkt.ok());
  EXPECT_TRUE(pkt->origin.has_value());
  EXPECT_TRUE(std::equal(pkt->trailers.begin(), pkt->trailers.end(), tr.begin(), tr.end()));
  // A must-understand unknown trailer, or a malformed known one, stops at the server.
  auto bad = bubble_datagram(teredo_of(kClient), teredo_of(kOtherClient));
  bad.insert(bad.end(), {0x46, 0x00});
  EXPECT_EQ(feed(bad).drop(), Drop::UnknownMandatoryTrailer);
  auto bad2 = bubble_datagram(teredo_of(kClient), teredo_of(kOtherClient));
  bad2.insert(bad2.end(), {0x01, 0x02, 0, 0});
  EXPECT_EQ(feed(bad2).drop(), Drop::BadTrailerLength);
}

TEST_F(ServerTest, ForwardsBubbleBetweenOwnClientsWithOriginIndication) {
  auto d = bubble_datagram(teredo_of(kClient), teredo_of(kOtherClient));
  auto r = feed(d);
  ASSERT_TRUE(r.ok()) << proto::to_string(r.drop());
  const auto& send = std::get<ServerSendUdp>(*r);
  EXPECT_EQ(send.to, kOtherClient);
  EXPECT_EQ(send.from, ServerSocket::Primary);
  auto payload = payload_of(send);
  auto pkt = proto::parse_teredo_packet(payload);
  ASSERT_TRUE(pkt.ok());
  ASSERT_TRUE(pkt->origin.has_value());
  EXPECT_EQ(*pkt->origin, kClient);
  EXPECT_TRUE(std::equal(pkt->ipv6.begin(), pkt->ipv6.end(), d.begin(), d.end()));
  EXPECT_EQ(server_.counters().bubbles_forwarded, 1u);
}

TEST_F(ServerTest, ForwardsToForeignServerClientWithoutOriginIndication) {
  const auto foreign = make_ipv4(192, 0, 2, 99);
  auto d = bubble_datagram(teredo_of(kClient), teredo_of(kOtherClient, foreign));
  auto r = feed(d);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(std::get<ServerSendUdp>(*r).header.empty());
}

TEST_F(ServerTest, ForwardsConnectivityTestEchoNatively) {
  auto d = echo_datagram(teredo_of(kClient), native(1));
  auto r = feed(d);
  ASSERT_TRUE(r.ok()) << proto::to_string(r.drop());
  const auto& send = std::get<SendIpv6>(*r);
  EXPECT_TRUE(std::equal(send.packet.begin(), send.packet.end(), d.begin(), d.end()));
  EXPECT_EQ(server_.counters().forwarded_native, 1u);
}

TEST_F(ServerTest, ForwardsNativeEchoReplyToOwnClientWithOrigin) {
  const Endpoint relay{make_ipv4(198, 51, 100, 20), 3545};
  auto d = echo_datagram(native(1), teredo_of(kClient));
  auto r = feed(d, relay);
  ASSERT_TRUE(r.ok()) << proto::to_string(r.drop());
  const auto& send = std::get<ServerSendUdp>(*r);
  EXPECT_EQ(send.to, kClient);
  auto payload = payload_of(send);
  auto pkt = proto::parse_teredo_packet(payload);
  EXPECT_EQ(*pkt->origin, relay);
}

TEST_F(ServerTest, SpoofedMappingIsDropped) {
  auto d = bubble_datagram(teredo_of(kOtherClient), teredo_of(kClient));
  EXPECT_EQ(feed(d, kClient).drop(), Drop::SourceMappingMismatch);
}

TEST_F(ServerTest, NativeSourceToAnotherServersClientIsDropped) {
  auto d = echo_datagram(native(1), teredo_of(kClient, make_ipv4(192, 0, 2, 99)));
  EXPECT_EQ(feed(d, {make_ipv4(198, 51, 100, 20), 3545}).drop(), Drop::ForeignClientDestination);
  auto d2 = echo_datagram(native(1), native(2));
  EXPECT_EQ(feed(d2, {make_ipv4(198, 51, 100, 20), 3545}).drop(), Drop::ForeignClientDestination);
}

TEST_F(ServerTest, NonGlobalDestinationsAreNeverForwarded) {
  Ipv6Addr ll = proto::build_teredo_link_local(0, kOtherClient);
  EXPECT_EQ(feed(bubble_datagram(teredo_of(kClient), ll)).drop(), Drop::NonGlobalDestination);
  EXPECT_EQ(feed(bubble_datagram(teredo_of(kClient), proto::kAllNodesMulticast)).drop(),
            Drop::NonGlobalDestination);
  EXPECT_EQ(feed(bubble_datagram(teredo_of(kClient), proto::kAllRoutersMulticast)).drop(),
            Drop::UnexpectedLocalDestination);
}

TEST_F(ServerTest, TeredoDestinationWithPrivateMappingIsDropped) {
  auto d = bubble_datagram(teredo_of(kClient), teredo_of({make_ipv4(10, 1, 2, 3), 4000}));
  EXPECT_EQ(feed(d).drop(), Drop::NonGlobalMappedDestination);
  auto port0 = bubble_datagram(teredo_of(kClient), teredo_of({make_ipv4(203, 0, 113, 9), 0}));
  EXPECT_EQ(feed(port0).drop(), Drop::NonGlobalMappedDestination);
}

// Token buckets (issue 15): a spoofed RS flood aimed at one victim gets it 2 x rate RAs at once,
// then `rate` per second; another client is answered meanwhile; the limit is counted by reason.
TEST_F(ServerTest, RsFloodAtOneVictimIsLimitedPerDestination) {
  const std::uint32_t rate = core::ServerConfig::kDefaultDestinationRate;
  std::size_t answered = 0, limited = 0;
  const auto rs = rs_datagram(true);
  for (std::uint32_t i = 0; i < 10 * rate; ++i) {
    auto r =
        feed(rs, {kClient.addr, static_cast<std::uint16_t>(1024 + i)});  // any port: the victim's address
    if (r.ok())
      ++answered;
    else if (r.drop() == Drop::RateLimitedDestination)
      ++limited;
  }
  EXPECT_EQ(answered, 2 * rate);  // the burst
  EXPECT_EQ(limited, 8 * rate);
  EXPECT_EQ(server_.drops().count[static_cast<std::size_t>(Drop::RateLimitedDestination)], 8 * rate);
  EXPECT_TRUE(feed(rs, {make_ipv4(198, 51, 100, 33), 4000}).ok());  // another client, another /24
  EXPECT_TRUE(feed(rs, kOtherClient).ok());  // and one in the victim's /24 (its own address's bucket)
  now_ += std::chrono::milliseconds(500);    // half a second refills rate / 2
  answered = 0;
  for (std::uint32_t i = 0; i < rate; ++i) answered += feed(rs, kClient).ok() ? 1 : 0;
  EXPECT_EQ(answered, rate / 2);
}

TEST_F(ServerTest, BouncesToOneVictimFromManySourcesAreLimitedPerDestination) {
  const Endpoint victim{make_ipv4(198, 51, 100, 99), 5555};
  std::size_t forwarded = 0, limited = 0;
  for (std::uint32_t i = 0; i < 1000; ++i) {
    // each from another /24: only the destination's bucket can stop them
    const Endpoint from{make_ipv4(203, static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i), 1),
                        4000};
    auto r = feed(bubble_datagram(teredo_of(from), teredo_of(victim)), from);
    if (r.ok())
      ++forwarded;
    else if (r.drop() == Drop::RateLimitedDestination)
      ++limited;
  }
  EXPECT_EQ(forwarded, 2 * core::ServerConfig::kDefaultDestinationRate);
  EXPECT_EQ(forwarded + limited, 1000u);
}

TEST_F(ServerTest, OneSourceNetworkIsLimitedPer24) {
  const std::uint32_t rate = core::ServerConfig::kDefaultSourceRate;
  std::size_t forwarded = 0, limited = 0;
  for (std::uint32_t i = 0; i < 3 * rate; ++i) {
    // from many addresses of one /24, each bubble to another destination
    const Endpoint from{make_ipv4(203, 0, 113, static_cast<std::uint8_t>(i)), 4000};
    const Endpoint to{make_ipv4(198, 51, static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)),
                      4000};
    auto r = feed(bubble_datagram(teredo_of(from), teredo_of(to)), from);
    if (r.ok())
      ++forwarded;
    else if (r.drop() == Drop::RateLimitedSource)
      ++limited;
  }
  EXPECT_EQ(forwarded, 2 * rate);
  EXPECT_EQ(limited, rate);
}

TEST_F(ServerTest, ZeroRatesTurnTheLimitsOff) {
  core::ServerConfig config = core::server_config(kPrimary, kSecondary);
  config.destination_rate = 0;
  config.source_rate = 0;
  Server s{config};
  const auto rs = rs_datagram(true);
  for (int i = 0; i < 10000; ++i)
    ASSERT_TRUE(s.on_datagram(ServerSocket::Primary, kClient, rs, out_, now_).ok()) << i;
}

TEST_F(ServerTest, OversizedIcmpv6IsDropped) {
  EXPECT_TRUE(feed(echo_datagram(teredo_of(kClient), native(1), 80)).ok());
  EXPECT_EQ(feed(echo_datagram(teredo_of(kClient), native(1), 81)).drop(), Drop::OversizedIcmpv6);
}

TEST_F(ServerTest, CustomPrefixAndMtuAreAdvertised) {
  Server s{core::server_config(kPrimary, kSecondary, 0x3ffe831f, 1400)};
  auto d = rs_datagram(true);
  auto r = s.on_datagram(ServerSocket::Primary, kClient, d, out_, now_);
  ASSERT_TRUE(r.ok());
  auto payload = payload_of(std::get<ServerSendUdp>(*r));
  auto pkt = proto::parse_teredo_packet(payload);
  auto ip = proto::parse_ipv6(pkt->ipv6);
  auto ra = proto::parse_router_advertisement(*ip);
  EXPECT_EQ(proto::prefix32(ra->prefix->prefix), 0x3ffe831fu);
  EXPECT_EQ(*ra->mtu, 1400u);
}

TEST_F(ServerTest, CountsEveryDatagram) {
  (void)feed(rs_datagram(true));
  (void)feed({0x1});
  EXPECT_EQ(server_.counters().received, 2u);
  EXPECT_EQ(server_.drops().total(), 1u);
}

}  // namespace
}  // namespace teredo::core
