// SPDX-License-Identifier: GPL-2.0-or-later
// Tests for teredod's relay directives (config/teredod_settings).
#include "config/teredod_settings.hpp"

#include <gtest/gtest.h>

#include "support/config_helpers.hpp"

namespace teredo::config {
namespace {

using test::all_diagnostics;
using test::has_diagnostic;

ConfigFile parse(std::string_view text) {
  return test::parse_config(text, "r.conf");
}

TEST(RelaySettings, DefaultsAreMiredos) {
  ConfigFile c = parse("RelayType relay\n");
  auto s = load_relay_settings(c);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->role, TeredoRole::Cone);
  EXPECT_EQ(s->relay.mode, core::RelayMode::Cone);
  EXPECT_EQ(s->interface_name, "teredo");
  EXPECT_EQ(s->relay.mtu, 1280u);
  EXPECT_EQ(s->relay.prefix, proto::kTeredoPrefix);
  EXPECT_EQ(s->bind, (proto::Endpoint{proto::Ipv4Addr{0}, 0}));
  EXPECT_EQ(s->relay.max_peers, 1u << 20);
  EXPECT_TRUE(c.diagnostics().empty()) << all_diagnostics(c);
}

TEST(RelaySettings, EveryDirectiveIsRead) {
  ConfigFile c = parse(
      "RelayType cone\nInterfaceName tered0\nInterfaceMTU 0x578\nPrefix 3ffe:831f::\nBindAddress 192.0.2.7\n"
      "BindPort 3545\nSyslogFacility LOCAL3\nMaxPeers 1000\n");
  auto s = load_relay_settings(c);
  ASSERT_TRUE(s) << all_diagnostics(c);
  EXPECT_EQ(s->role, TeredoRole::Cone);
  EXPECT_EQ(s->interface_name, "tered0");
  EXPECT_EQ(s->relay.mtu, 1400u);
  EXPECT_EQ(s->relay.prefix, 0x3ffe831fu);
  EXPECT_EQ(s->bind, (proto::Endpoint{proto::make_ipv4(192, 0, 2, 7), 3545}));
  EXPECT_EQ(s->relay.max_peers, 1000u);
  EXPECT_NE(s->syslog_facility, 0);
  EXPECT_TRUE(c.diagnostics().empty()) << all_diagnostics(c);
}

TEST(RelaySettings, ServedPrefixesLimitWhatTheRelayForwards) {
  ConfigFile c = parse("RelayType relay\nServedPrefixes 2001:db8:100::/48,2001:db8:200::/40,::/0\n");
  auto s = load_relay_settings(c);
  ASSERT_TRUE(s) << all_diagnostics(c);
  ASSERT_EQ(s->relay.served_count, 3u);
  EXPECT_EQ(s->relay.served[0].length, 48);
  EXPECT_EQ(s->relay.served[1].length, 40);
  EXPECT_EQ(s->relay.served[2].length, 0);
  ConfigFile d = parse("RelayType relay\n");
  EXPECT_EQ(load_relay_settings(d)->relay.served_count, 0u);  // default: everything
}

TEST(RelaySettings, BadServedPrefixesNameTheLine) {
  for (std::string_view bad :
       {"ServedPrefixes 2001:db8::1/32\n", "ServedPrefixes 2001:db8::/129\n", "ServedPrefixes 2001:db8::\n",
        "ServedPrefixes 2001:db8::/x\n", "ServedPrefixes ,,\n",
        "ServedPrefixes ::/1,::/2,::/3,::/4,::/5,::/6,::/7,::/8,::/9\n"}) {
    ConfigFile c = parse(std::string("RelayType relay\n") + std::string(bad));
    EXPECT_FALSE(load_relay_settings(c)) << bad;
    EXPECT_TRUE(has_diagnostic(c, Severity::Error, "r.conf:2:")) << bad << all_diagnostics(c);
  }
}

TEST(RelaySettings, RelayTypeIsCaseInsensitiveAndRelayMeansCone) {
  for (const char* text : {"relaytype RELAY\n", "RelayType Cone\n"}) {
    ConfigFile c = parse(text);
    auto s = load_relay_settings(c);
    ASSERT_TRUE(s) << text;
    EXPECT_EQ(s->relay.mode, core::RelayMode::Cone) << text;
  }
}

TEST(RelaySettings, RestrictedWarnsThatItIsDeprecated) {
  ConfigFile c = parse("\nRelayType restricted\n");
  auto s = load_relay_settings(c);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->relay.mode, core::RelayMode::Restricted);
  EXPECT_TRUE(has_diagnostic(c, Severity::Warning,
                             "r.conf:2: RelayType restricted is deprecated and STRONGLY DISCOURAGED"))
      << all_diagnostics(c);
}

TEST(RelaySettings, InvalidRelayTypeIsAnErrorWithItsLine) {
  ConfigFile c = parse("# comment\nRelayType router\n");
  EXPECT_FALSE(load_relay_settings(c));
  EXPECT_TRUE(has_diagnostic(c, Severity::Error, "r.conf:2: invalid value \"router\" for RelayType"))
      << all_diagnostics(c);
}

TEST(RelaySettings, MtuBelow1280IsAnErrorWithFileAndLine) {
  ConfigFile c = parse("RelayType relay\nInterfaceMTU 1000\n");
  EXPECT_FALSE(load_relay_settings(c));
  EXPECT_TRUE(has_diagnostic(c, Severity::Error,
                             "r.conf:2: invalid value \"1000\" for InterfaceMTU (expected 1280..65535)"))
      << all_diagnostics(c);
}

TEST(RelaySettings, OutOfRangeValuesAreErrors) {
  for (const char* text :
       {"RelayType relay\nInterfaceMTU 65536\n", "RelayType relay\nBindPort 70000\n",
        "RelayType relay\nMaxPeers 15\n", "RelayType relay\nInterfaceName abcdefghijklmnop\n",
        "RelayType relay\nPrefix ff02::\n", "RelayType relay\nBindAddress nowhere.invalid\n"}) {
    ConfigFile c = parse(text);
    EXPECT_FALSE(load_relay_settings(c)) << text;
    EXPECT_TRUE(has_diagnostic(c, Severity::Error, "r.conf:2: ")) << text << all_diagnostics(c);
  }
}

TEST(RelaySettings, FifteenCharacterInterfaceNameIsAccepted) {
  ConfigFile c = parse("RelayType relay\nInterfaceName abcdefghijklmno\n");
  auto s = load_relay_settings(c);
  ASSERT_TRUE(s) << all_diagnostics(c);
  EXPECT_EQ(s->interface_name, "abcdefghijklmno");
}

TEST(RelaySettings, AutoclientIsClientAndLeavesClientDirectivesAlone) {
  ConfigFile c = parse("ServerAddress 192.0.2.7\nRelayType autoclient\n");
  auto s = load_relay_settings(c);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->role, TeredoRole::Client);
  EXPECT_EQ(s->role_line, 2u);
  EXPECT_TRUE(c.diagnostics().empty()) << all_diagnostics(c);  // no superfluous-directive noise
}

TEST(RelaySettings, ClientIsTheDefaultRelayType) {
  ConfigFile c = parse("InterfaceName teredo\n");
  auto s = load_relay_settings(c);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->role, TeredoRole::Client);
  EXPECT_EQ(s->role_line, 0u);
}

TEST(RelaySettings, ClientDirectivesAreSuperfluousInRelayMode) {
  ConfigFile c = parse("RelayType relay\nServerAddress 192.0.2.7\nServerAddress2 192.0.2.8\n");
  ASSERT_TRUE(load_relay_settings(c));
  EXPECT_TRUE(has_diagnostic(c, Severity::Warning, "r.conf:2: ServerAddress is superfluous in relay mode"))
      << all_diagnostics(c);
  EXPECT_TRUE(has_diagnostic(c, Severity::Warning, "r.conf:3: ServerAddress2 is superfluous in relay mode"))
      << all_diagnostics(c);
  EXPECT_FALSE(c.has_errors());
}

TEST(RelaySettings, UnknownDirectiveWarnsWithItsLine) {
  ConfigFile c = parse("RelayType relay\n\nFrobnicate yes\n");
  ASSERT_TRUE(load_relay_settings(c));
  EXPECT_TRUE(has_diagnostic(c, Severity::Warning, "r.conf:3: unknown directive Frobnicate"))
      << all_diagnostics(c);
}

TEST(RelaySettings, WorkersIsAutoOrOneTo64) {
  {
    ConfigFile c = parse("RelayType relay\n");
    ASSERT_TRUE(load_relay_settings(c));
  }
  for (auto [text, want] : {std::pair{"RelayType relay\nWorkers auto\n", 0u},
                            {"RelayType relay\nWorkers 1\n", 1u},
                            {"RelayType relay\nWorkers 64\n", 64u},
                            {"RelayType relay\nWorkers AUTO\n", 0u}}) {
    ConfigFile c = parse(text);
    auto s = load_relay_settings(c);
    ASSERT_TRUE(s) << text << all_diagnostics(c);
    EXPECT_EQ(s->data_path.workers, want) << text;
  }
  for (const char* v : {"0", "65", "two", "-1", "2x"}) {
    ConfigFile c = parse(std::string("RelayType relay\nWorkers ") + v + "\n");
    EXPECT_FALSE(load_relay_settings(c)) << v;
    EXPECT_TRUE(has_diagnostic(
        c, Severity::Error,
        "r.conf:2: invalid value \"" + std::string(v) + "\" for Workers (expected auto or 1..64)"))
        << v << all_diagnostics(c);
  }
}

}  // namespace
}  // namespace teredo::config
