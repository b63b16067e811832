// SPDX-License-Identifier: GPL-2.0-or-later
// The global unicast IPv4 test (sheet 1.4, RFC 4380 5.2.4, and our widening DECISION).
#include <gtest/gtest.h>

#include "proto/ipv4.hpp"
#include "support/packet_helpers.hpp"

namespace teredo::proto {
namespace {

TEST(GlobalUnicast, RejectsEveryRangeListedByRfc4380AndOurDecisions) {
  const char* rejected[] = {
      "0.0.0.0",         "0.255.255.255",   "10.0.0.0",        "10.255.255.255", "127.0.0.1",
      "127.255.255.255", "169.254.0.0",     "169.254.255.255", "172.16.0.0",     "172.31.255.255",
      "192.168.0.0",     "192.168.255.255", "192.88.99.0",     "192.88.99.255",  "224.0.0.0",
      "224.0.0.253",     "239.255.255.255", "255.255.255.255", "240.0.0.0",      "254.1.2.3",
      "100.64.0.0",      "100.127.255.255", "100.100.1.1",     "192.0.0.0",      "192.0.0.255",
  };
  for (const char* a : rejected) EXPECT_FALSE(is_global_unicast(test::ipv4(a))) << a;
}

TEST(GlobalUnicast, AcceptsPublicAddressesAndTheDocumentationRanges) {
  const char* accepted[] = {
      "8.8.8.8",        "1.1.1.1",         "65.54.227.120",   "192.0.2.1",       "192.0.2.45",
      "198.51.100.10",  "203.0.113.120",   "1.0.0.0",         "9.255.255.255",   "11.0.0.0",
      "100.63.255.255", "100.128.0.0",     "126.255.255.255", "128.0.0.0",       "169.253.255.255",
      "169.255.0.0",    "172.15.255.255",  "172.32.0.0",      "192.0.1.255",     "192.88.98.255",
      "192.88.100.0",   "192.167.255.255", "192.169.0.0",     "223.255.255.255",
  };
  for (const char* a : accepted) EXPECT_TRUE(is_global_unicast(test::ipv4(a))) << a;
}

TEST(GlobalUnicast, MakeIpv4UsesHostByteOrder) {
  EXPECT_EQ(make_ipv4(192, 0, 2, 1).value, 0xC0000201u);
  EXPECT_EQ(test::ipv4("192.0.2.1"), make_ipv4(192, 0, 2, 1));
}

}  // namespace
}  // namespace teredo::proto
