// Tests for the supervisor's pure logic: what a reload compares and how it reports changes.
#include "daemon/supervisor.hpp"

#include <gtest/gtest.h>
#include <syslog.h>

namespace teredo::daemon {
namespace {

TEST(DescribeChanges, IdenticalSettingsAreUnchanged) {
  const EffectiveSettings a = {{"BindPort", "3545"}, {"InterfaceMTU", "1280"}};
  EXPECT_EQ(describe_changes(a, a), "");
}

TEST(DescribeChanges, NamesEachChangedSettingInOrder) {
  const EffectiveSettings a = {{"BindPort", "0"}, {"InterfaceMTU", "1280"}, {"MaxPeers", "16"}};
  const EffectiveSettings b = {{"BindPort", "3600"}, {"InterfaceMTU", "1280"}, {"MaxPeers", "32"}};
  EXPECT_EQ(describe_changes(a, b), "BindPort 0 -> 3600, MaxPeers 16 -> 32");
}

TEST(DescribeChanges, AddedAndRemovedSettingsShowUnset) {
  const EffectiveSettings a = {{"RelayType", "cone"}, {"Prefix", "2001::/32"}};
  const EffectiveSettings b = {{"RelayType", "client"}, {"HookScript", "/x"}};
  EXPECT_EQ(describe_changes(a, b), "RelayType cone -> client, HookScript (unset) -> /x, Prefix 2001::/32 -> (unset)");
}

TEST(DescribeChanges, AnEmptyValueCountsAsUnset) {
  EXPECT_EQ(describe_changes({{"HookScript", ""}}, {{"HookScript", ""}}), "");
  EXPECT_EQ(describe_changes({{"HookScript", "/a"}}, {{"HookScript", ""}}), "HookScript /a -> (unset)");
}

// Data-path and control directives are part of what a reload compares (a change is applied).
TEST(DescribeChanges, DataPathAndControlDirectivesAreCompared) {
  EffectiveSettings a, b;
  OffloadSettings o;
  ControlSettings c;
  c.socket_path = "/run/teredod/teredod.sock";
  append_data_path_settings(a, o);
  append_control_settings(a, c);
  EXPECT_EQ(describe_changes(a, a), "");
  o.workers = 2;
  o.udp_gro = false;
  c.metrics_listen = "127.0.0.1:9464";
  append_data_path_settings(b, o);
  append_control_settings(b, c);
  EXPECT_EQ(describe_changes(a, b), "UdpGro yes -> no, Workers auto -> 2, MetricsListen (unset) -> 127.0.0.1:9464");
}

TEST(FacilityText, NamesKnownFacilities) {
  EXPECT_EQ(facility_text(LOG_DAEMON), "daemon");
  EXPECT_EQ(facility_text(LOG_LOCAL3), "local3");
  EXPECT_EQ(facility_text(12345), "12345");
}

}  // namespace
}  // namespace teredo::daemon
