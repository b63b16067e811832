// SPDX-License-Identifier: GPL-2.0-or-later
// Teredo address build/parse (protocol sheet 1.3, checklist items 1-4).
#include <gtest/gtest.h>

#include "proto/teredo_address.hpp"
#include "support/packet_helpers.hpp"

namespace teredo::proto {
namespace {

using test::endpoint;
using test::ipv4;
using test::ipv6;

struct AddressVector {
  const char* server;
  std::uint16_t flags;
  const char* mapped_ip;
  std::uint16_t mapped_port;
  const char* address;
};

// Sheet 1.3: worked example with three flags values, and the RFC 6081 cross-checks.
const AddressVector kVectors[] = {
    {"65.54.227.120", 0x8000, "192.0.2.45", 40000, "2001:0:4136:e378:8000:63bf:3fff:fdd2"},
    {"65.54.227.120", 0x0000, "192.0.2.45", 40000, "2001:0:4136:e378:0:63bf:3fff:fdd2"},
    {"65.54.227.120", 0x285C, "192.0.2.45", 40000, "2001:0:4136:e378:285c:63bf:3fff:fdd2"},
    {"203.0.113.120", 0x0000, "192.0.2.1", 4096, "2001:0:cb00:7178:0:efff:3fff:fdfe"},
    {"198.51.100.118", 0x0000, "192.0.2.10", 8192, "2001:0:c633:6476:0:dfff:3fff:fdf5"},
    {"203.0.113.120", 0x0000, "198.51.100.118", 4095, "2001:0:cb00:7178:0:f000:39cc:9b89"},
};

TEST(TeredoAddress, BuildsEverySheetVectorByteForByte) {
  for (const auto& v : kVectors) {
    SCOPED_TRACE(v.address);
    TeredoAddress t;
    t.server = ipv4(v.server);
    t.flags = v.flags;
    t.mapped = endpoint(v.mapped_ip, v.mapped_port);
    EXPECT_EQ(build_teredo_address(t), ipv6(v.address));
  }
}

TEST(TeredoAddress, ParsesEverySheetVectorBackToItsFields) {
  for (const auto& v : kVectors) {
    SCOPED_TRACE(v.address);
    const TeredoAddress t = parse_teredo_address(ipv6(v.address));
    EXPECT_EQ(t.prefix, kTeredoPrefix);
    EXPECT_EQ(t.server, ipv4(v.server));
    EXPECT_EQ(t.flags, v.flags);
    EXPECT_EQ(t.mapped, endpoint(v.mapped_ip, v.mapped_port));
    EXPECT_TRUE(has_prefix(ipv6(v.address), kTeredoPrefix));
  }
}

TEST(TeredoAddress, RoundTripsArbitraryFieldValues) {
  const std::uint32_t values[] = {0, 1, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0xC0000201};
  for (std::uint32_t s : values) {
    for (std::uint32_t m : values) {
      TeredoAddress t;
      t.server = Ipv4Addr{s};
      t.flags = static_cast<std::uint16_t>(s ^ m);
      t.mapped = Endpoint{Ipv4Addr{m}, static_cast<std::uint16_t>(m >> 7)};
      EXPECT_EQ(parse_teredo_address(build_teredo_address(t)), t);
    }
  }
}

TEST(TeredoAddress, ServerLinkLocalMatchesTheSheet) {
  EXPECT_EQ(build_server_link_local(ipv4("65.54.227.120")), ipv6("fe80::8000:f227:bec9:1c87"));
  EXPECT_TRUE(has_cone_flag(build_server_link_local(ipv4("65.54.227.120"))));
}

TEST(TeredoAddress, ClientLinkLocalCarriesFlagsAndObfuscatedEndpoint) {
  const Endpoint local = endpoint("192.168.1.10", 40000);
  EXPECT_EQ(build_teredo_link_local(0x0000, local), ipv6("fe80::63bf:3f57:fef5"));
  EXPECT_EQ(build_teredo_link_local(kFlagCone, local), ipv6("fe80::8000:63bf:3f57:fef5"));
  EXPECT_FALSE(has_cone_flag(build_teredo_link_local(0x0000, local)));
  EXPECT_TRUE(is_link_local(build_teredo_link_local(0x0000, local)));
}

TEST(TeredoAddress, RandomFlagsKeepConeReservedUniversalAndGroupBitsClear) {
  for (std::uint32_t r = 0; r <= 0xFFFF; r += 0x0101) {
    const std::uint16_t f = make_random_flags(static_cast<std::uint16_t>(r));
    EXPECT_EQ(f & (kFlagCone | kFlagReserved | kFlagUniversal | kFlagGroup), 0) << r;
    EXPECT_EQ(f, r & kFlagRandomMask) << r;
  }
  EXPECT_EQ(make_random_flags(0xFFFF), 0x3CFF);
}

TEST(TeredoAddress, HasPrefixComparesOnlyTheFirst32Bits) {
  EXPECT_TRUE(has_prefix(ipv6("2001:0:ffff:ffff:ffff:ffff:ffff:ffff"), kTeredoPrefix));
  EXPECT_FALSE(has_prefix(ipv6("2001:db8::1"), kTeredoPrefix));
  EXPECT_FALSE(has_prefix(ipv6("2001:1::1"), kTeredoPrefix));
}

}  // namespace
}  // namespace teredo::proto
