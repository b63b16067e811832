// SPDX-License-Identifier: GPL-2.0-or-later
// Tests for the exit summary (control/stats_text).
#include "control/stats_text.hpp"

#include <gtest/gtest.h>

#include "core/relay_counters.hpp"

namespace teredo::control {
namespace {

TEST(SummaryLine, NamesNonZeroCountersAndDrops) {
  core::RelayCounters c;
  c.tun_packets = 16;
  c.peers_given_up = 2;  // the table's last row
  std::vector<CounterValue> values;
  append_counters(values, c);
  proto::DropCounters drops;
  drops.add(proto::Drop::NotIpv6);
  drops.add(proto::Drop::NotIpv6);
  drops.add(proto::Drop::HandoffFull);
  EXPECT_EQ(summary_line(values, drops),
            "tun_packets=16, peers_given_up=2, 3 dropped (not_ipv6=2, handoff_full=1)");
  EXPECT_EQ(summary_line(std::vector<CounterValue>{}, proto::DropCounters{}), "0 dropped");
}

}  // namespace
}  // namespace teredo::control
