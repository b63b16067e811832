// SPDX-License-Identifier: GPL-2.0-or-later
// Tests for the server workers' totals (datapath/server_worker).
#include "datapath/server_worker.hpp"

#include <gtest/gtest.h>

namespace teredo::datapath {
namespace {

TEST(ServerTotals, SumOfWorkersAddsEveryCounterAndDrop) {
  ServerTotals a, b;
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
}  // namespace teredo::datapath
