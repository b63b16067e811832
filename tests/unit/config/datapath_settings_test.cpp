// Tests for the data-path directives (config/datapath_settings).
#include "config/datapath_settings.hpp"

#include <gtest/gtest.h>

namespace teredo::config {
namespace {

TEST(OffloadSettings, DefaultsOnAndDirectivesTurnThemOff) {
  auto none = ConfigFile::parse("", "t.conf");
  OffloadSettings s;
  load_offload_settings(none, s);
  EXPECT_TRUE(s.tun && s.udp_gso && s.udp_gro);

  auto off = ConfigFile::parse("Offload no\nUdpGro yes\n", "t.conf");
  OffloadSettings t;
  load_offload_settings(off, t);
  EXPECT_FALSE(t.tun);
  EXPECT_FALSE(t.udp_gso);
  EXPECT_TRUE(t.udp_gro);

  auto bad = ConfigFile::parse("TunOffload maybe\n", "t.conf");
  OffloadSettings u;
  load_offload_settings(bad, u);
  EXPECT_TRUE(bad.has_errors());
}

}  // namespace
}  // namespace teredo::config
