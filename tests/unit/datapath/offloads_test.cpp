// SPDX-License-Identifier: GPL-2.0-or-later
// Tests for the data path's offload report.
#include <gtest/gtest.h>

#include "datapath/offload_io.hpp"

namespace teredo::datapath {
namespace {

TEST(OffloadSettings, LogLineNamesWhatIsInUse) {
  ActiveOffloads a;
  EXPECT_EQ(describe_offloads(a), "offloads: none");
  a.tun = os::TunOffloads{true, true, false};
  a.tcp_coalescing = a.udp_gso = a.udp_gro = true;
  EXPECT_EQ(describe_offloads(a), "offloads: tun csum+tso6, tcp coalescing, udp gso, udp gro");
}

}  // namespace
}  // namespace teredo::datapath
