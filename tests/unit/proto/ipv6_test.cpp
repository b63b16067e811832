// SPDX-License-Identifier: GPL-2.0-or-later
// IPv6 fixed header parse/build (RFC 8200 3).
#include <gtest/gtest.h>

#include "proto/ipv6.hpp"
#include "support/packet_helpers.hpp"

namespace teredo::proto {
namespace {

using test::Bytes;
using test::from_hex;
using test::to_hex;

TEST(Ipv6Prefix, MatchesWholeAndPartialBytes) {
  const Ipv6Addr a = test::ipv6("2001:db8:1234:5678::1");
  EXPECT_TRUE(in_prefix(a, {test::ipv6("::"), 0}));
  EXPECT_TRUE(in_prefix(a, {test::ipv6("2001:db8::"), 32}));
  EXPECT_TRUE(in_prefix(a, {test::ipv6("2001:db8:1200::"), 39}));  // 0x12 vs 0x12: 7 of 8 bits
  EXPECT_TRUE(in_prefix(a, {test::ipv6("2001:db8:1234::"), 46}));
  EXPECT_FALSE(in_prefix(a, {test::ipv6("2001:db8:1236::"), 47}));  // differs in bit 46
  EXPECT_TRUE(in_prefix(a, {test::ipv6("2001:db8:1236::"), 46}));
  EXPECT_FALSE(in_prefix(a, {test::ipv6("2001:db9::"), 32}));
  EXPECT_TRUE(in_prefix(a, {a, 128}));
  EXPECT_FALSE(in_prefix(test::ipv6("2001:db8:1234:5678::2"), {a, 128}));
}

TEST(Ipv6, ParsesEveryHeaderField) {
  const Bytes b = from_hex(
      "6ab12345 0004 11 40 20010db8000000000000000000000001 20010db8000000000000000000000002 deadbeef");
  auto p = parse_ipv6(b);
  ASSERT_TRUE(p.ok()) << to_string(p.drop());
  EXPECT_EQ(p->header.traffic_class, 0xAB);
  EXPECT_EQ(p->header.flow_label, 0x12345u);
  EXPECT_EQ(p->header.payload_length, 4);
  EXPECT_EQ(p->header.next_header, kNextHeaderUdp);
  EXPECT_EQ(p->header.hop_limit, 64);
  EXPECT_EQ(p->header.src, test::ipv6("2001:db8::1"));
  EXPECT_EQ(p->header.dst, test::ipv6("2001:db8::2"));
  EXPECT_EQ(to_hex(p->payload), "deadbeef");
}

TEST(Ipv6, BuildsTheSameBytesItParsed) {
  const Bytes b =
      from_hex("6ab12345 0000 3b ff 20010db8000000000000000000000001 ff020000000000000000000000000001");
  auto p = parse_ipv6(b);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(to_hex(test::build([&](Writer& w) { build_ipv6_header(w, p->header); })), to_hex(b));
}

TEST(Ipv6, BuildMasksTheFlowLabelTo20Bits) {
  Ipv6Header h;
  h.flow_label = 0xFFFFFFFF;
  const Bytes b = test::build([&](Writer& w) { build_ipv6_header(w, h); });
  EXPECT_EQ(to_hex(ByteView(b).first(4)), "600fffff");
}

TEST(Ipv6, LeavesBytesAfterThePayloadOutOfThePacket) {
  Bytes b = from_hex(test::kBubbleVectorHex);
  b.insert(b.end(), {1, 2, 3});
  auto p = parse_ipv6(b);
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->payload.empty());
}

TEST(Ipv6, RejectsEveryVersionOtherThanSix) {
  for (unsigned v = 0; v < 16; ++v) {
    if (v == 6) continue;
    Bytes b = from_hex(test::kBubbleVectorHex);
    b[0] = static_cast<std::uint8_t>((v << 4) | (b[0] & 0x0F));
    auto p = parse_ipv6(b);
    ASSERT_FALSE(p.ok()) << v;
    EXPECT_EQ(p.drop(), Drop::NotIpv6) << v;
  }
}

TEST(Ipv6, RejectsHeadersShorterThanFortyBytes) {
  const Bytes full = from_hex(test::kBubbleVectorHex);
  for (std::size_t n = 0; n < 40; ++n) {
    const Bytes b(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    auto p = parse_ipv6(b);
    ASSERT_FALSE(p.ok()) << n;
    EXPECT_EQ(p.drop(), Drop::TruncatedIpv6Header) << n;
  }
}

TEST(Ipv6, RejectsAPayloadLengthLargerThanTheData) {
  for (std::uint16_t len : {1, 2, 100, 0xFFFF}) {
    Bytes b = from_hex(test::kBubbleVectorHex);
    store_be16(b.data() + 4, len);
    auto p = parse_ipv6(b);
    ASSERT_FALSE(p.ok()) << len;
    EXPECT_EQ(p.drop(), Drop::Ipv6PayloadTruncated) << len;
  }
}

TEST(Ipv6Address, ClassifiesScopes) {
  EXPECT_TRUE(is_global_scope(test::ipv6("2001:db8::1")));
  EXPECT_TRUE(is_global_scope(test::ipv6("2001:0:4136:e378:8000:63bf:3fff:fdd2")));
  for (const char* a : {"::", "::1", "fe80::1", "febf::1", "fec0::1", "ff02::2", "ff0e::1"})
    EXPECT_FALSE(is_global_scope(test::ipv6(a))) << a;
  EXPECT_TRUE(is_link_local(test::ipv6("fe80::8000:f227:bec9:1c87")));
  EXPECT_FALSE(is_link_local(test::ipv6("fec0::1")));
  EXPECT_TRUE(is_multicast(kAllRoutersMulticast));
  EXPECT_EQ(kAllRoutersMulticast, test::ipv6("ff02::2"));
  EXPECT_EQ(kAllNodesMulticast, test::ipv6("ff02::1"));
}

}  // namespace
}  // namespace teredo::proto
