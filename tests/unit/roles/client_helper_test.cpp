// Tests for the client's privileged helper: its request checks and the hook environment
// (roles/client_helper).
#include "roles/client_helper.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

#include "os/net_text.hpp"

namespace teredo::roles {
namespace {

HelperRequest up_request(std::string_view address, std::uint32_t mtu) {
  HelperRequest r;
  r.state = kHelperUp;
  r.mtu = mtu;
  auto a = os::parse_ipv6(address);
  EXPECT_TRUE(a);
  if (a) std::memcpy(r.address, a->bytes.data(), 16);
  return r;
}

const AddressPolicy kPolicy{proto::kTeredoPrefix, proto::make_ipv4(198, 51, 100, 10),
                            proto::make_ipv4(198, 51, 100, 11)};

std::optional<std::string> check(const HelperRequest& r) {
  return check_helper_request(r, kPolicy);
}

TEST(ClientHelperRequest, AcceptsUpWithTeredoAddressAndDown) {
  EXPECT_FALSE(check(up_request("2001:0:c633:640a:385c:3eb4:39cc:9be1", 1280)));
  EXPECT_FALSE(check(up_request("2001:0:c633:640a:385c:3eb4:39cc:9be1", 65535)));
  EXPECT_FALSE(check(HelperRequest{}));
}

TEST(ClientHelperRequest, RefusesEverythingElse) {
  EXPECT_TRUE(check(up_request("ff02::1", 1280)));
  EXPECT_TRUE(check(up_request("fe80::ffff:ffff:ffff", 1280)));
  EXPECT_TRUE(check(up_request("::", 1280)));
  EXPECT_TRUE(check(up_request("::1", 1280)));
  EXPECT_TRUE(check(up_request("2001:0:c633:640a::1", 1279)));
  EXPECT_TRUE(check(up_request("2001:0:c633:640a::1", 65536)));
  HelperRequest r = up_request("2001:0:c633:640a::1", 1280);
  r.state = 2;
  EXPECT_TRUE(check(r));
  r = up_request("2001:0:c633:640a::1", 1280);
  r.reserved[1] = 1;
  EXPECT_TRUE(check(r));
  HelperRequest down;
  down.mtu = 1280;
  EXPECT_TRUE(check(down));
}

TEST(ClientHelperRequest, RefusesAddressesOutsideThePinnedPrefixAndServers) {
  EXPECT_FALSE(check(up_request("2001:0:c633:640b::1", 1280)));  // the secondary server
  auto why = check(up_request("2001:db8::1", 1280));
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("outside the Teredo prefix 2001::"), std::string::npos) << *why;
  why = check(up_request("2001:0:c633:6463::1", 1280));  // 198.51.100.99: not our server
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("names server 198.51.100.99"), std::string::npos) << *why;
  EXPECT_TRUE(check(up_request("3ffe:0:c633:640a::1", 1280)));
  // Another configured prefix moves the window.
  const AddressPolicy other{0x3ffe0000, kPolicy.server, kPolicy.server2};
  EXPECT_FALSE(check_helper_request(up_request("3ffe:0:c633:640a::1", 1280), other));
  EXPECT_TRUE(check_helper_request(up_request("2001:0:c633:640a::1", 1280), other));
}

bool contains(const std::vector<std::string>& env, std::string_view entry) {
  return std::find(env.begin(), env.end(), entry) != env.end();
}

TEST(ClientHookEnvironment, FirstUpHasOldStateDown) {
  HookState up{HookState::Kind::Up, *os::parse_ipv6("2001:0:c633:640a::1"), 1280};
  auto env = hook_environment(up, HookState{}, "teredo", 7);
  EXPECT_EQ(env.size(), 8u);
  for (std::string_view e :
       {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "IFACE=teredo", "IFINDEX=7", "STATE=up",
        "ADDRESS=2001:0:c633:640a::1", "LLADDRESS=fe80::ffff:ffff:ffff", "MTU=1280", "OLD_STATE=down"})
    EXPECT_TRUE(contains(env, e)) << e;
}

TEST(ClientHookEnvironment, DownAfterUpCarriesTheOldValues) {
  HookState up{HookState::Kind::Up, *os::parse_ipv6("2001:0:c633:640a::1"), 1400};
  auto env = hook_environment(HookState{HookState::Kind::Destroy, {}, 0}, up, "teredo", 7);
  for (std::string_view e : {"STATE=destroy", "OLD_STATE=up", "OLD_ADDRESS=2001:0:c633:640a::1",
                             "OLD_LLADDRESS=fe80::ffff:ffff:ffff", "OLD_MTU=1400"})
    EXPECT_TRUE(contains(env, e)) << e;
  for (const std::string& e : env) {
    EXPECT_NE(e.rfind("ADDRESS=", 0), 0u) << e;
    EXPECT_NE(e.rfind("MTU=", 0), 0u) << e;
  }
}

}  // namespace
}  // namespace teredo::roles
