// SPDX-License-Identifier: GPL-2.0-or-later
// Router Solicitation / Advertisement build and parse (sheet 2.5, 2.6; RFC 4861 6.1.1, 6.1.2).
#include <gtest/gtest.h>

#include <string>

#include "proto/encapsulation.hpp"
#include "proto/router_discovery.hpp"
#include "support/packet_helpers.hpp"

namespace teredo::proto {
namespace {

using test::Bytes;
using test::from_hex;
using test::to_hex;

Bytes rs_packet() {
  return test::build([](Writer& w) { build_router_solicitation(w, test::rs_vector_source()); });
}

Result<RouterSolicitation> parse_rs_bytes(const Bytes& b) {
  auto ip = parse_ipv6(b);
  if (!ip) return ip.drop();
  return parse_router_solicitation(*ip);
}

Result<RouterAdvertisement> parse_ra_bytes(const Bytes& b) {
  auto ip = parse_ipv6(b);
  if (!ip) return ip.drop();
  return parse_router_advertisement(*ip);
}

RouterAdvertisement sample_ra() {
  RouterAdvertisement ra;
  ra.cur_hop_limit = 64;
  ra.flags = 0xC0;
  ra.router_lifetime = 1800;
  ra.reachable_time = 30000;
  ra.retrans_timer = 2000;
  PrefixInformation pio;
  pio.prefix_length = 64;
  pio.flags = kPrefixFlagOnLink | kPrefixFlagAutonomous;
  pio.valid_lifetime = 86400;
  pio.preferred_lifetime = 14400;
  pio.prefix = test::ipv6("2001:0:c633:640a::");
  ra.prefix = pio;
  ra.mtu = 1280;
  return ra;
}

Bytes ra_packet(const RouterAdvertisement& ra) {
  return test::build([&](Writer& w) {
    build_router_advertisement(w, build_server_link_local(test::ipv4("198.51.100.10")),
                               test::rs_vector_source(), ra);
  });
}

TEST(RouterSolicitation, BuildsTheSheetVectorByteForByte) {
  const Bytes d = test::build_rs_datagram(test::kRsVectorNonce, test::rs_vector_source());
  EXPECT_EQ(d.size(), 61u);
  EXPECT_EQ(to_hex(d), to_hex(from_hex(test::kRsVectorHex)));
  EXPECT_EQ(rs_packet().size(), kRouterSolicitationSize);
  EXPECT_EQ(d[13 + 40 + 2], 0xdb);  // checksum 0xdb2a
  EXPECT_EQ(d[13 + 40 + 3], 0x2a);
}

TEST(RouterSolicitation, AcceptsTheSheetVector) {
  const Bytes d = from_hex(test::kRsVectorHex);
  auto pkt = parse_teredo_packet(d);
  ASSERT_TRUE(pkt.ok());
  auto ip = parse_ipv6(pkt->ipv6);
  ASSERT_TRUE(ip.ok());
  EXPECT_EQ(ip->header.src, test::rs_vector_source());
  EXPECT_EQ(ip->header.dst, kAllRoutersMulticast);
  EXPECT_EQ(ip->header.hop_limit, 255);
  auto rs = parse_router_solicitation(*ip);
  ASSERT_TRUE(rs.ok()) << to_string(rs.drop());
  EXPECT_EQ(rs->option_count, 0);
}

TEST(RouterSolicitation, CountsWellFormedOptions) {
  Bytes b = rs_packet();
  for (std::uint8_t x : {1, 1, 0, 0, 0, 0, 0, 0, 14, 2}) b.push_back(x);
  b.resize(b.size() + 14, 0);
  test::fix_payload_length(b);
  test::refresh_icmpv6_checksum(b);
  auto rs = parse_rs_bytes(b);
  ASSERT_TRUE(rs.ok()) << to_string(rs.drop());
  EXPECT_EQ(rs->option_count, 2);
}

struct Mutation {
  const char* name;
  void (*apply)(Bytes&);
  Drop expected;
};

// Offsets inside an IPv6 packet carrying an ND message.
constexpr std::size_t kHopLimit = 7;
constexpr std::size_t kNextHeader = 6;
constexpr std::size_t kIcmp = 40;

void append_option(Bytes& b, std::initializer_list<std::uint8_t> opt) {
  b.insert(b.end(), opt.begin(), opt.end());
  test::fix_payload_length(b);
  test::refresh_icmpv6_checksum(b);
}

const Mutation kNdMutations[] = {
    {"bad checksum", [](Bytes& b) { b[kIcmp + 3] ^= 0x01; }, Drop::BadIcmpv6Checksum},
    {"checksum over changed source", [](Bytes& b) { b[23] ^= 0x10; }, Drop::BadIcmpv6Checksum},
    {"wrong code",
     [](Bytes& b) {
       b[kIcmp + 1] = 1;
       test::refresh_icmpv6_checksum(b);
     },
     Drop::BadIcmpv6Code},
    {"hop limit 254", [](Bytes& b) { b[kHopLimit] = 254; }, Drop::BadHopLimit},
    {"hop limit 1", [](Bytes& b) { b[kHopLimit] = 1; }, Drop::BadHopLimit},
    {"not ICMPv6", [](Bytes& b) { b[kNextHeader] = kNextHeaderUdp; }, Drop::NotIcmpv6},
    {"zero-length option",
     [](Bytes& b) {
       append_option(b, {1, 0, 0, 0, 0, 0, 0, 0});
     },
     Drop::BadNdOption},
    {"option longer than message",
     [](Bytes& b) {
       append_option(b, {1, 2, 0, 0, 0, 0, 0, 0});
     },
     Drop::BadNdOption},
    {"one stray option byte", [](Bytes& b) { append_option(b, {1}); }, Drop::BadNdOption},
    {"ICMPv6 of three bytes",
     [](Bytes& b) {
       b.resize(kIcmp + 3);
       test::fix_payload_length(b);
     },
     Drop::TruncatedIcmpv6},
};

TEST(RouterSolicitation, ReturnsTheNamedDropForEveryMalformedMessage) {
  for (const auto& m : kNdMutations) {
    SCOPED_TRACE(m.name);
    Bytes b = rs_packet();
    m.apply(b);
    auto rs = parse_rs_bytes(b);
    ASSERT_FALSE(rs.ok());
    EXPECT_EQ(rs.drop(), m.expected) << to_string(rs.drop());
  }
}

TEST(RouterSolicitation, RejectsOtherTypesAndShortMessages) {
  Bytes ra = ra_packet(sample_ra());
  EXPECT_EQ(parse_rs_bytes(ra).drop(), Drop::NotRouterSolicitation);
  Bytes short_rs = rs_packet();
  short_rs.resize(kIcmp + 4);  // type, code, checksum only
  test::fix_payload_length(short_rs);
  test::refresh_icmpv6_checksum(short_rs);
  EXPECT_EQ(parse_rs_bytes(short_rs).drop(), Drop::TruncatedIcmpv6);
}

TEST(RouterAdvertisement, RoundTripsWithPrefixAndMtu) {
  const RouterAdvertisement in = sample_ra();
  const Bytes b = ra_packet(in);
  EXPECT_EQ(b.size(), 40u + 16 + 32 + 8);
  auto ip = parse_ipv6(b);
  ASSERT_TRUE(ip.ok());
  EXPECT_EQ(ip->header.hop_limit, 255);
  EXPECT_EQ(ip->header.src, test::ipv6("fe80::8000:f227:39cc:9bf5"));
  EXPECT_EQ(ip->header.dst, test::rs_vector_source());
  auto ra = parse_router_advertisement(*ip);
  ASSERT_TRUE(ra.ok()) << to_string(ra.drop());
  EXPECT_EQ(ra->cur_hop_limit, 64);
  EXPECT_EQ(ra->flags, 0xC0);
  EXPECT_EQ(ra->router_lifetime, 1800);
  EXPECT_EQ(ra->reachable_time, 30000u);
  EXPECT_EQ(ra->retrans_timer, 2000u);
  EXPECT_EQ(ra->prefix_count, 1u);
  ASSERT_TRUE(ra->prefix.has_value());
  EXPECT_EQ(ra->prefix->prefix_length, 64);
  EXPECT_EQ(ra->prefix->flags, kPrefixFlagOnLink | kPrefixFlagAutonomous);
  EXPECT_EQ(ra->prefix->valid_lifetime, 86400u);
  EXPECT_EQ(ra->prefix->preferred_lifetime, 14400u);
  EXPECT_EQ(ra->prefix->prefix, test::ipv6("2001:0:c633:640a::"));
  ASSERT_TRUE(ra->mtu.has_value());
  EXPECT_EQ(*ra->mtu, 1280u);
}

TEST(RouterAdvertisement, RoundTripsEveryCombinationOfOptionalOptions) {
  for (int mask = 0; mask < 4; ++mask) {
    SCOPED_TRACE(mask);
    RouterAdvertisement in = sample_ra();
    if (!(mask & 1)) in.prefix.reset();
    if (!(mask & 2)) in.mtu.reset();
    const Bytes b = ra_packet(in);
    EXPECT_EQ(b.size(), 56u + ((mask & 1) ? 32 : 0) + ((mask & 2) ? 8 : 0));
    auto ra = parse_ra_bytes(b);
    ASSERT_TRUE(ra.ok()) << to_string(ra.drop());
    EXPECT_EQ(ra->prefix.has_value(), (mask & 1) != 0);
    EXPECT_EQ(ra->prefix_count, (mask & 1) ? 1u : 0u);
    EXPECT_EQ(ra->mtu.has_value(), (mask & 2) != 0);
  }
}

TEST(RouterAdvertisement, ParsesTheServerDatagramWithAuthAndOrigin) {
  const Bytes d = test::build_ra_datagram(test::kRsVectorNonce, test::endpoint("192.0.2.45", 40000),
                                          test::ipv4("198.51.100.10"), test::rs_vector_source());
  auto pkt = parse_teredo_packet(d);
  ASSERT_TRUE(pkt.ok());
  ASSERT_TRUE(pkt->auth && pkt->origin);
  EXPECT_EQ(pkt->auth->nonce, test::kRsVectorNonce);
  EXPECT_EQ(*pkt->origin, test::endpoint("192.0.2.45", 40000));
  auto ip = parse_ipv6(pkt->ipv6);
  ASSERT_TRUE(ip.ok());
  auto ra = parse_router_advertisement(*ip);
  ASSERT_TRUE(ra.ok());
  EXPECT_EQ(ra->prefix->prefix, test::ipv6("2001:0:c633:640a::"));
}

TEST(RouterAdvertisement, KeepsTheFirstPrefixAndCountsAllOfThem) {
  Bytes b = ra_packet(sample_ra());
  append_option(b, {3,    4,    48,   0x40, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0,
                    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
  auto ra = parse_ra_bytes(b);
  ASSERT_TRUE(ra.ok()) << to_string(ra.drop());
  EXPECT_EQ(ra->prefix_count, 2u);
  EXPECT_EQ(ra->prefix->prefix_length, 64);
}

TEST(RouterAdvertisement, SkipsUnknownOptions) {
  Bytes b = ra_packet(sample_ra());
  append_option(b, {1, 1, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff});
  auto ra = parse_ra_bytes(b);
  ASSERT_TRUE(ra.ok()) << to_string(ra.drop());
  EXPECT_EQ(ra->prefix_count, 1u);
  EXPECT_EQ(*ra->mtu, 1280u);
}

TEST(RouterAdvertisement, ReturnsTheNamedDropForEveryMalformedMessage) {
  for (const auto& m : kNdMutations) {
    SCOPED_TRACE(m.name);
    Bytes b = ra_packet(sample_ra());
    m.apply(b);
    auto ra = parse_ra_bytes(b);
    ASSERT_FALSE(ra.ok());
    EXPECT_EQ(ra.drop(), m.expected) << to_string(ra.drop());
  }
}

TEST(RouterAdvertisement, RejectsPrefixAndMtuOptionsOfTheWrongLength) {
  RouterAdvertisement no_opts = sample_ra();
  no_opts.prefix.reset();
  no_opts.mtu.reset();
  struct Case {
    const char* name;
    Bytes option;
  };
  const Case cases[] = {
      {"PIO length 3",
       Bytes{3, 3, 64, 0x40, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0x20, 0x01, 0, 0, 0, 0, 0, 0}},
      {"PIO length 5",
       [] {
         Bytes o(40, 0);
         o[0] = 3;
         o[1] = 5;
         return o;
       }()},
      {"MTU length 2", Bytes{5, 2, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Bytes b = ra_packet(no_opts);
    b.insert(b.end(), c.option.begin(), c.option.end());
    test::fix_payload_length(b);
    test::refresh_icmpv6_checksum(b);
    auto ra = parse_ra_bytes(b);
    ASSERT_FALSE(ra.ok());
    EXPECT_EQ(ra.drop(), Drop::BadNdOption);
  }
}

TEST(RouterAdvertisement, RejectsOtherTypesAndMessagesShorterThanSixteenBytes) {
  EXPECT_EQ(parse_ra_bytes(rs_packet()).drop(), Drop::NotRouterAdvertisement);
  Bytes b = ra_packet(sample_ra());
  b.resize(kIcmp + 12);
  test::fix_payload_length(b);
  test::refresh_icmpv6_checksum(b);
  EXPECT_EQ(parse_ra_bytes(b).drop(), Drop::TruncatedIcmpv6);
}

TEST(RouterDiscovery, DropsEveryTruncationOfAnIcmpv6MessageWithAConsistentLength) {
  // Shorten the ICMPv6 message one byte at a time, keeping IPv6 length and checksum consistent:
  // each result is accepted only when still a whole message, never read out of bounds.
  const Bytes full = ra_packet(sample_ra());
  for (std::size_t n = kIcmp + 4; n < full.size(); ++n) {
    SCOPED_TRACE("length " + std::to_string(n));
    Bytes b(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    test::fix_payload_length(b);
    test::refresh_icmpv6_checksum(b);
    auto ra = parse_ra_bytes(b);
    const bool whole = n == kIcmp + 16 || n == kIcmp + 16 + 32;
    EXPECT_EQ(ra.ok(), whole) << (ra.ok() ? "ok" : to_string(ra.drop()));
  }
}

}  // namespace
}  // namespace teredo::proto
