// Tests for teredod-server's settings (daemon/server_settings) and statistics text.
#include "daemon/server_settings.hpp"

#include <gtest/gtest.h>

#include "daemon/server_stats.hpp"

namespace teredo::daemon {
namespace {

ConfigFile parse(std::string_view text) {
  return ConfigFile::parse(text, "s.conf", [](std::string_view, std::string& e) -> std::optional<proto::Ipv4Addr> {
    e = "no DNS in tests";
    return std::nullopt;
  });
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
      "ServerBindAddress 198.51.100.10\nServerBindAddress2 198.51.100.20\nPrefix 3ffe:831f::\nInterfaceMTU 1400\n"
      "SyslogFacility local1\n",
      "s.conf");
  auto s = load_server_settings(c, std::nullopt);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->server.secondary, proto::make_ipv4(198, 51, 100, 20));
  EXPECT_EQ(s->server.prefix, 0x3ffe831fu);
  EXPECT_EQ(s->server.mtu, 1400u);
  EXPECT_TRUE(c.diagnostics().empty());
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
  ConfigFile c = ConfigFile::parse("ServerBindAddress 198.51.100.10\nServerBindAddress2 198.51.100.20\n", "s.conf");
  auto s = load_server_settings(c, std::string("203.0.113.5"));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->server.primary, proto::make_ipv4(203, 0, 113, 5));
  EXPECT_EQ(s->server.secondary, proto::make_ipv4(203, 0, 113, 6));
  EXPECT_FALSE(c.has_errors());
}

TEST(ServerSettings, MtuBelow1280IsAnError) {
  ConfigFile c = ConfigFile::parse("ServerBindAddress 198.51.100.10\nInterfaceMTU 1000\n", "s.conf");
  EXPECT_FALSE(load_server_settings(c, std::nullopt));
}

TEST(ServerStats, FormatListsEveryDropReason) {
  ServerStats s;
  s.counters.received = 3;
  s.drops.add(proto::Drop::NotIpv6);
  const std::string text = format_stats(s);
  EXPECT_NE(text.find("received 3\n"), std::string::npos);
  EXPECT_NE(text.find("drop_not_ipv6 1\n"), std::string::npos);
  for (auto name : proto::kDropNames) EXPECT_NE(text.find("drop_" + std::string(name) + " "), std::string::npos);
  EXPECT_NE(summarize_stats(s).find("not_ipv6=1"), std::string::npos);
}

}  // namespace
}  // namespace teredo::daemon

namespace teredo::daemon {
namespace {

TEST(ServerStats, SumOfWorkersAddsEveryCounterAndDrop) {
  ServerStats a, b;
  a.counters.received = 1;
  b.counters.received = 2;
  a.counters.router_solicitations = 10;
  b.counters.echo_forwarded = 4;  // the last field
  b.drops.add(proto::Drop::TruncatedAuthHeader);
  a += b;
  EXPECT_EQ(a.counters.received, 3u);
  EXPECT_EQ(a.counters.router_solicitations, 10u);
  EXPECT_EQ(a.counters.echo_forwarded, 4u);
  EXPECT_EQ(a.drops.count[static_cast<std::size_t>(proto::Drop::TruncatedAuthHeader)], 1u);
}

}  // namespace
}  // namespace teredo::daemon
