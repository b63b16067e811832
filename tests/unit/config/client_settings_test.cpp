// SPDX-License-Identifier: GPL-2.0-or-later
// Tests for teredod's client-mode directives (config/client_settings).
#include "config/teredod_settings.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

#include "os/net_text.hpp"
#include "os/system_log.hpp"
#include "support/config_helpers.hpp"

namespace teredo::config {
namespace {

using test::all_diagnostics;
using test::has_diagnostic;

ConfigFile parse(std::string_view text) {
  return test::parse_config(text, "c.conf",
                            test::no_dns_resolver({{"teredo.example", proto::make_ipv4(192, 0, 2, 7)}}));
}

// RelayType and SyslogFacility first (as run_teredod does), then the client directives.
std::optional<ClientSettings> load(ConfigFile& c, std::optional<std::string> server_name = std::nullopt) {
  auto base = load_relay_settings(c);
  if (!base || base->role != TeredoRole::Client) return std::nullopt;
  return load_client_settings(c, server_name, base->syslog_facility);
}

TEST(ClientSettings, DefaultsAreMiredos) {
  ConfigFile c = parse("RelayType client\nServerAddress 198.51.100.10\n");
  auto s = load(c);
  ASSERT_TRUE(s) << all_diagnostics(c);
  EXPECT_EQ(s->client.server, proto::make_ipv4(198, 51, 100, 10));
  EXPECT_EQ(s->client.server2, proto::make_ipv4(198, 51, 100, 11));  // primary + 1
  EXPECT_EQ(s->client.refresh_interval, std::chrono::seconds(30));
  EXPECT_EQ(s->interface_name, "teredo");
  EXPECT_EQ(s->bind, (proto::Endpoint{proto::Ipv4Addr{0}, 0}));
  EXPECT_FALSE(s->hook_script);
  EXPECT_EQ(s->server_name, "198.51.100.10");
  EXPECT_TRUE(c.diagnostics().empty()) << all_diagnostics(c);
}

TEST(ClientSettings, AutoclientAndTheDefaultTypeAreClient) {
  for (std::string_view text :
       {"RelayType autoclient\nServerAddress 198.51.100.10\n", "ServerAddress 198.51.100.10\n"}) {
    ConfigFile c = parse(text);
    EXPECT_TRUE(load(c)) << all_diagnostics(c);
  }
}

TEST(ClientSettings, ReadsEveryDirective) {
  ConfigFile c = parse(
      "RelayType client\nServerAddress teredo.example\nServerAddress2 198.51.100.99\nBindAddress 10.77.0.2\n"
      "BindPort 3545\nInterfaceName tun7\nSyslogFacility local3\nHookScript /etc/miredo/client-hook\n"
      "MaxPeers 1000\n");
  auto s = load(c);
  ASSERT_TRUE(s) << all_diagnostics(c);
  EXPECT_EQ(s->client.server, proto::make_ipv4(192, 0, 2, 7));
  EXPECT_EQ(s->client.server2, proto::make_ipv4(198, 51, 100, 99));
  EXPECT_EQ(s->bind, (proto::Endpoint{proto::make_ipv4(10, 77, 0, 2), 3545}));
  EXPECT_EQ(s->interface_name, "tun7");
  EXPECT_EQ(s->hook_script, "/etc/miredo/client-hook");
  EXPECT_EQ(s->client.max_peers, 1000u);
  EXPECT_NE(s->syslog_facility, os::default_syslog_facility());
  EXPECT_TRUE(c.diagnostics().empty()) << all_diagnostics(c);
}

TEST(ClientSettings, ServerNameOverridesServerAddress) {
  ConfigFile c = parse("RelayType client\nServerAddress 198.51.100.10\nServerAddress2 198.51.100.12\n");
  auto s = load(c, std::string("203.0.113.5"));
  ASSERT_TRUE(s) << all_diagnostics(c);
  EXPECT_EQ(s->client.server, proto::make_ipv4(203, 0, 113, 5));
  EXPECT_EQ(s->client.server2, proto::make_ipv4(203, 0, 113, 6));
  EXPECT_TRUE(has_diagnostic(c, Severity::Warning, "c.conf:2: ServerAddress ignored: SERVER_NAME"))
      << all_diagnostics(c);
  EXPECT_TRUE(has_diagnostic(c, Severity::Warning, "c.conf:3: ServerAddress2 ignored: SERVER_NAME"))
      << all_diagnostics(c);
}

TEST(ClientSettings, ServerNameAloneIsEnough) {
  ConfigFile c = parse("RelayType client\n");
  auto s = load(c, std::string("203.0.113.5"));
  ASSERT_TRUE(s) << all_diagnostics(c);
  EXPECT_EQ(s->client.server, proto::make_ipv4(203, 0, 113, 5));
}

TEST(ClientSettings, MissingServerAddressIsAnErrorWithFileAndLine) {
  ConfigFile c = parse("# client\nRelayType client\n");
  EXPECT_FALSE(load(c));
  EXPECT_TRUE(has_diagnostic(c, Severity::Error, "c.conf:2: Server address not specified"))
      << all_diagnostics(c);
}

TEST(ClientSettings, MissingServerAddressWithoutRelayTypeNamesTheFile) {
  ConfigFile c = parse("InterfaceName teredo\n");
  EXPECT_FALSE(load(c));
  EXPECT_TRUE(has_diagnostic(c, Severity::Error, "c.conf: Server address not specified"))
      << all_diagnostics(c);
}

TEST(ClientSettings, UnresolvableServerIsAnErrorOnItsLine) {
  ConfigFile c = parse("RelayType client\nServerAddress nowhere.invalid\n");
  EXPECT_FALSE(load(c));
  EXPECT_TRUE(
      has_diagnostic(c, Severity::Error, "c.conf:2: invalid value \"nowhere.invalid\" for ServerAddress"))
      << all_diagnostics(c);
}

TEST(ClientSettings, ServerMustBeGlobalUnicast) {
  ConfigFile c = parse("RelayType client\nServerAddress 10.1.2.3\n");
  EXPECT_FALSE(load(c));
  EXPECT_TRUE(has_diagnostic(c, Severity::Error, "c.conf:2: Teredo server has a non global IPv4 address"))
      << all_diagnostics(c);

  ConfigFile c2 = parse("RelayType client\nServerAddress 198.51.100.10\nServerAddress2 192.168.1.1\n");
  EXPECT_FALSE(load(c2));
  EXPECT_TRUE(has_diagnostic(c2, Severity::Error, "c.conf:3:")) << all_diagnostics(c2);

  ConfigFile c3 = parse("RelayType client\n");
  EXPECT_FALSE(load(c3, std::string("127.0.0.1")));
  EXPECT_TRUE(has_diagnostic(c3, Severity::Error, "non global")) << all_diagnostics(c3);
}

TEST(ClientSettings, MtuIsSuperfluousAndPrefixIsPinned) {
  ConfigFile c =
      parse("RelayType client\nServerAddress 198.51.100.10\nInterfaceMTU 1400\nPrefix 3ffe:831f::\n");
  auto s = load(c);
  ASSERT_TRUE(s) << all_diagnostics(c);
  EXPECT_TRUE(has_diagnostic(c, Severity::Warning, "c.conf:3: InterfaceMTU is superfluous in client mode"))
      << all_diagnostics(c);
  EXPECT_EQ(s->client.prefix, 0x3ffe831fu);
  EXPECT_EQ(c.diagnostics().size(), 1u) << all_diagnostics(c);
  ConfigFile d = parse("ServerAddress 198.51.100.10\n");
  EXPECT_EQ(load(d)->client.prefix, proto::kTeredoPrefix);
}

TEST(ClientSettings, DefaultRouteIsAutoYesOrNo) {
  ConfigFile d = parse("ServerAddress 198.51.100.10\n");
  EXPECT_EQ(load(d)->default_route, DefaultRoute::Auto);
  ConfigFile y = parse("ServerAddress 198.51.100.10\nDefaultRoute yes\n");
  EXPECT_EQ(load(y)->default_route, DefaultRoute::Yes);
  ConfigFile n = parse("ServerAddress 198.51.100.10\nDefaultRoute NO\n");
  EXPECT_EQ(load(n)->default_route, DefaultRoute::No);
  ConfigFile bad = parse("ServerAddress 198.51.100.10\nDefaultRoute sometimes\n");
  EXPECT_FALSE(load(bad));
  EXPECT_TRUE(has_diagnostic(bad, Severity::Error, "c.conf:2:")) << all_diagnostics(bad);
}

TEST(ClientSettings, InvalidValuesAreErrors) {
  for (std::string_view bad : {"HookScript client-hook\n", "InterfaceName a/b\n",
                               "InterfaceName 0123456789abcdef\n", "BindPort 70000\n", "MaxPeers 3\n"}) {
    ConfigFile c = parse("RelayType client\nServerAddress 198.51.100.10\n" + std::string(bad));
    EXPECT_FALSE(load(c)) << bad;
    EXPECT_TRUE(has_diagnostic(c, Severity::Error, "c.conf:3:")) << bad << all_diagnostics(c);
  }
}

TEST(ClientSettings, Rfc6081ExtensionsAreOnByDefaultAndEachCanBeTurnedOff) {
  ConfigFile d = parse("ServerAddress 198.51.100.10\n");
  auto on = load(d);
  ASSERT_TRUE(on);
  EXPECT_TRUE(on->client.symmetric_nat_support);
  EXPECT_TRUE(on->client.hairpinning);
  EXPECT_TRUE(on->client.server_load_reduction);
  EXPECT_TRUE(on->client.local_discovery);
  EXPECT_TRUE(on->client.port_preserving);
  EXPECT_TRUE(on->client.sequential);
  ConfigFile c = parse(
      "ServerAddress 198.51.100.10\nSymmetricNatSupport no\nHairpinning off\nRefreshInterval "
      "15\nServerLoadReduction 0\nLocalDiscovery no\nPortPreservingNat no\nSequentialNat no\n");
  auto off = load(c);
  ASSERT_TRUE(off) << all_diagnostics(c);
  EXPECT_FALSE(off->client.symmetric_nat_support);
  EXPECT_FALSE(off->client.hairpinning);
  EXPECT_FALSE(off->client.server_load_reduction);
  EXPECT_FALSE(off->client.local_discovery);
  EXPECT_FALSE(off->client.port_preserving);
  EXPECT_FALSE(off->client.sequential);
  EXPECT_EQ(off->client.refresh_interval, std::chrono::seconds(15));
}

TEST(ClientSettings, BadExtensionValuesNameTheLine) {
  for (std::string_view bad : {"SymmetricNatSupport maybe\n", "Hairpinning 2\n", "LocalDiscovery often\n",
                               "PortPreservingNat perhaps\n", "SequentialNat 3\n", "RefreshInterval 4\n",
                               "RefreshInterval 3601\n", "RefreshInterval soon\n"}) {
    ConfigFile c = parse(std::string("ServerAddress 198.51.100.10\n") + std::string(bad));
    EXPECT_FALSE(load(c)) << bad;
    EXPECT_TRUE(has_diagnostic(c, Severity::Error, "c.conf:2:")) << bad << all_diagnostics(c);
  }
}

TEST(ClientSettings, UpnpIsOnByDefaultAndNeedsSymmetricNatSupport) {
  ConfigFile d = parse("ServerAddress 198.51.100.10\n");
  EXPECT_TRUE(load(d)->upnp);
  ConfigFile off = parse("ServerAddress 198.51.100.10\nUPnP no\n");
  EXPECT_FALSE(load(off)->upnp);
  ConfigFile lower = parse("ServerAddress 198.51.100.10\nupnp yes\n");
  EXPECT_TRUE(load(lower)->upnp);
  // RFC 6081 3: UPnP depends on Symmetric NAT Support; said out loud only when UPnP is written.
  ConfigFile quiet = parse("ServerAddress 198.51.100.10\nSymmetricNatSupport no\n");
  auto q = load(quiet);
  ASSERT_TRUE(q);
  EXPECT_FALSE(q->upnp);
  EXPECT_EQ(all_diagnostics(quiet), "");
  ConfigFile loud = parse("ServerAddress 198.51.100.10\nSymmetricNatSupport no\nUPnP yes\n");
  auto l = load(loud);
  ASSERT_TRUE(l);
  EXPECT_FALSE(l->upnp);
  EXPECT_TRUE(has_diagnostic(loud, Severity::Warning, "c.conf:3: UPnP needs SymmetricNatSupport"))
      << all_diagnostics(loud);
}

TEST(ClientSettings, BadUpnpValuesNameTheLine) {
  for (std::string_view bad : {"UPnP maybe\n", "UPnP 2\n"}) {
    ConfigFile c = parse(std::string("ServerAddress 198.51.100.10\n") + std::string(bad));
    EXPECT_FALSE(load(c)) << bad;
    EXPECT_TRUE(has_diagnostic(c, Severity::Error, "c.conf:2:")) << bad << all_diagnostics(c);
  }
  // A lone name is ignored, as Miredo ignores it: the default stays, a warning names the line.
  ConfigFile lone = parse("ServerAddress 198.51.100.10\nUPnP\n");
  auto l = load(lone);
  ASSERT_TRUE(l) << all_diagnostics(lone);
  EXPECT_TRUE(l->upnp);
  EXPECT_TRUE(has_diagnostic(lone, Severity::Warning, "c.conf:2: directive UPnP has no value"))
      << all_diagnostics(lone);
}

TEST(ClientSettings, SecureQualificationNeedsBothIdentifierAndSecret) {
  ConfigFile c = parse("ServerAddress 198.51.100.10\nClientIdentifier alice\nClientSecret s3cret\n");
  auto s = load(c);
  ASSERT_TRUE(s) << all_diagnostics(c);
  ASSERT_TRUE(s->client.key);
  EXPECT_EQ(s->client.key->id, "alice");
  EXPECT_EQ(std::string(s->client.key->secret.begin(), s->client.key->secret.end()), "s3cret");
  ConfigFile none = parse("ServerAddress 198.51.100.10\n");
  EXPECT_FALSE(load(none)->client.key);
  for (const std::string& bad :
       {std::string("ClientIdentifier alice\n"), std::string("ClientSecret s3cret\n"),
        "ClientIdentifier alice\nClientSecret " + std::string(256, 'x') + "\n"}) {
    ConfigFile b = parse(std::string("ServerAddress 198.51.100.10\n") + std::string(bad));
    EXPECT_FALSE(load(b)) << bad;
    EXPECT_TRUE(has_diagnostic(b, Severity::Error, "c.conf:")) << bad << all_diagnostics(b);
  }
}

TEST(ClientSettings, UnknownDirectivesAreReported) {
  ConfigFile c = parse("RelayType client\nServerAddress 198.51.100.10\nFrobnicateInterval 10\n");
  EXPECT_TRUE(load(c));
  EXPECT_TRUE(has_diagnostic(c, Severity::Warning, "c.conf:3:")) << all_diagnostics(c);
}

}  // namespace
}  // namespace teredo::config
