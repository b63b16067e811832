// SPDX-License-Identifier: GPL-2.0-or-later
// Tests for the client's privileged helper: its request checks and the hook environment
// (roles/client_helper).
#include "roles/client_helper.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

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

// The helper process itself (as root): requests that queue up while a hook runs are coalesced, so
// a worker flooding the channel gets one hook at a time for the newest state, not a fork each.
TEST(ClientHelperProcess, AFloodOfRequestsRunsTheHookForTheNewestStateOnly) {
  if (::geteuid() != 0) GTEST_SKIP() << "the helper needs root (CAP_NET_ADMIN, then it drops the rest)";
  char tmpl[] = "/run/teredod-helper-test.XXXXXX";  // root's alone: the helper refuses a hook elsewhere
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  ASSERT_EQ(::chmod(dir.c_str(), 0755), 0);
  const std::string hook = dir + "/hook", rec = dir + "/rec";
  std::ofstream(hook) << "#!/bin/sh\necho \"$STATE $ADDRESS\" >> " << rec << "\nsleep 0.2\n";
  ASSERT_EQ(::chmod(hook.c_str(), 0755), 0);

  HelperSettings settings;
  settings.ifindex = 1;
  settings.hook_script = hook;
  settings.policy = kPolicy;
  auto helper = ClientHelper::start(settings);
  ASSERT_TRUE(helper) << helper.error().message();
  constexpr int kRequests = 200;
  std::string last;
  for (int i = 0; i < kRequests; ++i) {
    last = "2001:0:c633:640a:385c:3eb4:39cc:" + std::to_string(1000 + i);
    auto a = os::parse_ipv6(last);
    ASSERT_TRUE(a);
    ASSERT_TRUE(helper->send_up(*a, 1280)) << i;
  }
  helper->finish();  // closes the channel: the helper applies what is queued, then down, destroy

  std::ifstream in(rec);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  std::filesystem::remove_all(dir);
  ASSERT_GE(lines.size(), 3u);
  EXPECT_LE(lines.size(), 6u) << "one hook per request would be " << kRequests + 2;
  EXPECT_EQ(lines[lines.size() - 3], "up " + last);  // the newest state was applied
  EXPECT_EQ(lines[lines.size() - 2], "down ");
  EXPECT_EQ(lines.back(), "destroy ");
}

}  // namespace
}  // namespace teredo::roles
