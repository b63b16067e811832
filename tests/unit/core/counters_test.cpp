// SPDX-License-Identifier: GPL-2.0-or-later
// Tests for the counter tables (core/counters.hpp): every member of every *Counters struct is in
// its table once, and the sums over workers add every one of them.
#include "core/counters.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "core/client_counters.hpp"
#include "core/relay_counters.hpp"
#include "core/server_counters.hpp"

namespace teredo::core {
namespace {

template <class Counters>
void check_sums_every_member() {
  Counters a{}, b{};
  std::uint64_t i = 1;
  for (const auto& f : fields_of<Counters>()) {
    a.*f.member = i;
    b.*f.member = 1000 * i;
    ++i;
  }
  add_counters(a, b);
  i = 1;
  std::set<std::string_view> names;
  for (const auto& f : fields_of<Counters>()) {
    EXPECT_EQ(a.*f.member, 1001 * i) << f.info.name;
    EXPECT_TRUE(names.insert(f.info.name).second) << f.info.name;
    ++i;
  }
  // for_each_counter visits the same rows in the same order.
  std::size_t visited = 0;
  for_each_counter(a, [&](const CounterInfo& info, std::uint64_t v) {
    EXPECT_EQ(v, 1001 * (visited + 1)) << info.name;
    ++visited;
  });
  EXPECT_EQ(visited, fields_of<Counters>().size());
  EXPECT_EQ(visited * sizeof(std::uint64_t), sizeof(Counters));
}

TEST(CounterTables, RelaySumsEveryMember) {
  check_sums_every_member<RelayCounters>();
}
TEST(CounterTables, ClientSumsEveryMember) {
  check_sums_every_member<ClientCounters>();
}
TEST(CounterTables, ServerSumsEveryMember) {
  check_sums_every_member<ServerCounters>();
}

// The JSON names stay what they were (teredoctl scripts and tests read them).
TEST(CounterTables, NamesAreTheStructMembers) {
  EXPECT_EQ(kRelayCounterFields[0].info.name, "tun_packets");
  EXPECT_EQ(std::string(kRelayCounterFields[std::size(kRelayCounterFields) - 1].info.name),
            "trailers_truncated");
  EXPECT_EQ(kClientCounterFields[8].info.name, "rs_sent");
  EXPECT_EQ(kServerCounterFields[0].info.name, "received");
}

}  // namespace
}  // namespace teredo::core
