// SPDX-License-Identifier: GPL-2.0-or-later
// Tests for teredod-server's settings (config/server_settings).
#include "config/server_settings.hpp"

#include <gtest/gtest.h>

#include "support/config_helpers.hpp"

namespace teredo::config {
namespace {

ConfigFile parse(std::string_view text) {
  return test::parse_config(text, "s.conf");
}

TEST(ServerSettings, DefaultsApplyAroundThePrimaryAddress) {
  ConfigFile c = ConfigFile::parse("ServerBindAddress 198.51.100.10\n", "s.conf");
  auto s = load_server_settings(c, std::nullopt);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->server.primary, proto::make_ipv4(198, 51, 100, 10));
  EXPECT_EQ(s->server.secondary, proto::make_ipv4(198, 51, 100, 11));
  EXPECT_EQ(s->server.prefix, proto::kTeredoPrefix);
  EXPECT_EQ(s->server.mtu, 1280u);
}

TEST(ServerSettings, AllDirectivesAreRead) {
  ConfigFile c = ConfigFile::parse(
      "ServerBindAddress 198.51.100.10\nServerBindAddress2 198.51.100.20\nPrefix 3ffe:831f::\nInterfaceMTU "
      "1400\n"
      "SyslogFacility local1\n",
      "s.conf");
  auto s = load_server_settings(c, std::nullopt);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->server.secondary, proto::make_ipv4(198, 51, 100, 20));
  EXPECT_EQ(s->server.prefix, 0x3ffe831fu);
  EXPECT_EQ(s->server.mtu, 1400u);
  EXPECT_TRUE(c.diagnostics().empty());
}

TEST(ServerSettings, RateLimitsDefaultAndCanBeSetOrTurnedOff) {
  ConfigFile d = parse("ServerBindAddress 198.51.100.10\n");
  auto s = load_server_settings(d, std::nullopt);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->server.destination_rate, 200u);
  EXPECT_EQ(s->server.source_rate, 2000u);
  ConfigFile c = parse("ServerBindAddress 198.51.100.10\nDestinationRateLimit 0\nSourceRateLimit 50000\n");
  s = load_server_settings(c, std::nullopt);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->server.destination_rate, 0u);
  EXPECT_EQ(s->server.source_rate, 50000u);
  ConfigFile bad = parse("ServerBindAddress 198.51.100.10\nDestinationRateLimit fast\n");
  EXPECT_FALSE(load_server_settings(bad, std::nullopt));
  ASSERT_TRUE(bad.has_errors());
  EXPECT_NE(bad.diagnostics().back().to_string().find("s.conf:2:"), std::string::npos)
      << bad.diagnostics().back().to_string();
}

TEST(ServerSettings, BindAddressIsRequiredWithoutServerName) {
  ConfigFile c = parse("");
  EXPECT_FALSE(load_server_settings(c, std::nullopt));
  EXPECT_TRUE(c.has_errors());
}

TEST(ServerSettings, NonGlobalAddressIsRejected) {
  ConfigFile c = ConfigFile::parse("ServerBindAddress 10.1.2.3\n", "s.conf");
  EXPECT_FALSE(load_server_settings(c, std::nullopt));
  ASSERT_TRUE(c.has_errors());
  EXPECT_NE(c.diagnostics().back().to_string().find("s.conf:1: Server IPv4 addresses must be global unicast"),
            std::string::npos)
      << c.diagnostics().back().to_string();
}

TEST(ServerSettings, ServerNameReplacesBothBindAddresses) {
  ConfigFile c =
      ConfigFile::parse("ServerBindAddress 198.51.100.10\nServerBindAddress2 198.51.100.20\n", "s.conf");
  auto s = load_server_settings(c, std::string("203.0.113.5"));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->server.primary, proto::make_ipv4(203, 0, 113, 5));
  EXPECT_EQ(s->server.secondary, proto::make_ipv4(203, 0, 113, 6));
  EXPECT_FALSE(c.has_errors());
}

TEST(ServerSettings, WorkersIsAutoOrOneTo64) {
  ConfigFile c = ConfigFile::parse("ServerBindAddress 198.51.100.10\nWorkers 3\n", "s.conf");
  auto s = load_server_settings(c, std::nullopt);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->workers, 3u);
  ConfigFile d = ConfigFile::parse("ServerBindAddress 198.51.100.10\n", "s.conf");
  EXPECT_EQ(load_server_settings(d, std::nullopt)->workers, 0u);  // auto: one per CPU
  ConfigFile bad = ConfigFile::parse("ServerBindAddress 198.51.100.10\nWorkers 100\n", "s.conf");
  EXPECT_FALSE(load_server_settings(bad, std::nullopt));
}

TEST(ServerSettings, MtuBelow1280IsAnError) {
  ConfigFile c = ConfigFile::parse("ServerBindAddress 198.51.100.10\nInterfaceMTU 1000\n", "s.conf");
  EXPECT_FALSE(load_server_settings(c, std::nullopt));
}

}  // namespace
}  // namespace teredo::config
