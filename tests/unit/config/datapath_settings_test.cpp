// SPDX-License-Identifier: GPL-2.0-or-later
// Tests for the data-path directives (config/datapath_settings).
#include "config/datapath_settings.hpp"

#include <gtest/gtest.h>

namespace teredo::config {
namespace {

TEST(DataPathSettings, OffloadsDefaultOnAndDirectivesTurnThemOff) {
  auto none = ConfigFile::parse("", "t.conf");
  DataPathSettings s;
  load_data_path_settings(none, s);
  EXPECT_TRUE(s.tun && s.udp_gso && s.udp_gro);

  auto off = ConfigFile::parse("Offload no\nUdpGro yes\n", "t.conf");
  DataPathSettings t;
  load_data_path_settings(off, t);
  EXPECT_FALSE(t.tun);
  EXPECT_FALSE(t.udp_gso);
  EXPECT_TRUE(t.udp_gro);

  auto bad = ConfigFile::parse("TunOffload maybe\n", "t.conf");
  DataPathSettings u;
  load_data_path_settings(bad, u);
  EXPECT_TRUE(bad.has_errors());
}

// Worker count and steering come from the configuration only (no environment variable).
TEST(DataPathSettings, WorkersAndSteering) {
  auto none = ConfigFile::parse("", "t.conf");
  DataPathSettings d;
  load_data_path_settings(none, d);
  EXPECT_EQ(d.workers, 0u);  // auto
  EXPECT_TRUE(d.steering);

  auto set = ConfigFile::parse("Workers 4\nSteering no\n", "t.conf");
  DataPathSettings e;
  load_data_path_settings(set, e);
  EXPECT_EQ(e.workers, 4u);
  EXPECT_FALSE(e.steering);
  EXPECT_FALSE(set.has_errors());

  for (const char* bad : {"Steering sometimes\n", "Workers 65\n", "Workers 0\n", "Workers -1\n"}) {
    auto c = ConfigFile::parse(bad, "t.conf");
    DataPathSettings f;
    load_data_path_settings(c, f);
    EXPECT_TRUE(c.has_errors()) << bad;
  }
}

}  // namespace
}  // namespace teredo::config
