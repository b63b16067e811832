// SPDX-License-Identifier: GPL-2.0-or-later
// The relay's tunnel interface (roles/relay_interface.hpp) against the real kernel, in a network
// namespace of the test's own: created with its MTU, fe80::ffff:ffff:ffff/64 and the Prefix/32
// route, removed again with the object.
#include "roles/relay_interface.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <memory>
#include <string>

#include "support/netns.hpp"

namespace teredo::roles {
namespace {

std::string run(const char* cmd) {
  std::string out;
  std::unique_ptr<FILE, int (*)(FILE*)> p(::popen(cmd, "r"), ::pclose);
  std::array<char, 512> buf{};
  while (p && std::fgets(buf.data(), buf.size(), p.get()) != nullptr) out += buf.data();
  return out;
}

TEST(RelayInterface, CarriesItsAddressAndRouteForItsLifetime) {
  TEREDO_NETNS_OR_SKIP();
  {
    auto iface = RelayInterface::create("teredo", 1400, 0x20010db8, false);
    ASSERT_TRUE(iface);
    const std::string link = run("ip -o link show dev teredo");
    EXPECT_NE(link.find("mtu 1400"), std::string::npos) << link;
    EXPECT_NE(link.find("NOARP"), std::string::npos) << link;
    EXPECT_NE(link.find(",UP"), std::string::npos) << link;
    EXPECT_NE(run("ip -6 -o addr show dev teredo").find("fe80::ffff:ffff:ffff/64"), std::string::npos);
    const std::string route = run("ip -6 route show dev teredo");
    EXPECT_NE(route.find("2001:db8::/32"), std::string::npos) << route;
    EXPECT_NE(route.find("metric 1024"), std::string::npos) << route;
    // A second relay cannot take the name while this one holds it.
    EXPECT_FALSE(RelayInterface::create("teredo", 1280, 0x20010000, false));
  }
  EXPECT_EQ(run("ip -o link show dev teredo 2>/dev/null"), "");
}

}  // namespace
}  // namespace teredo::roles
