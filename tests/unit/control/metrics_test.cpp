// SPDX-License-Identifier: GPL-2.0-or-later
// Tests for the Prometheus text (control/metrics): one name per quantity, labels for the
// dimension, a HELP for every family, every counter of every table exposed.
#include "control/metrics.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "core/relay_counters.hpp"
#include "core/server_counters.hpp"
#include "daemon/version.hpp"
#include "samples.hpp"

namespace teredo::control {
namespace {

using samples::client_snapshot;

TEST(ControlMetrics, TextFormat) {
  const std::string text = metrics_text(client_snapshot());
  EXPECT_NE(text.find("# TYPE teredod_forwarded_packets_total counter\n"
                      "teredod_forwarded_packets_total{direction=\"encapsulated\"} 10\n"
                      "teredod_forwarded_packets_total{direction=\"decapsulated\"} 9\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("teredod_drops_total{reason=\"not_ipv6\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("teredod_client_state{state=\"qualified\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("teredod_info{role=\"client\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("teredod_build_info{version=\"" + std::string(daemon::kVersion) + "\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("teredod_peers{worker=\"0\"} 1\n"), std::string::npos);
}

// Every family has one HELP and one TYPE line before its samples, and no name twice.
TEST(ControlMetrics, EveryFamilyHasHelpAndType) {
  ControlSnapshot s = client_snapshot();
  for (const auto& f : core::kRelayCounterFields) s.counters.push_back({&f.info, 1});
  for (const auto& f : core::kServerCounterFields) s.counters.push_back({&f.info, 1});
  for (const auto& f : kUpnpCounterFields) s.counters.push_back({&f.info, 1});
  std::set<std::string> seen;
  for (const MetricFamily& f : metric_families(s)) {
    EXPECT_TRUE(seen.insert(f.name).second) << f.name;
    EXPECT_FALSE(f.help.empty()) << f.name;
    EXPECT_EQ(f.name.rfind("teredod_", 0), 0u) << f.name;
    if (f.counter) {
      EXPECT_EQ(f.name.substr(f.name.size() - 6), "_total") << f.name;
    }
  }
}

// The tables agree across the roles: counters that share a metric share its HELP and label name,
// and no two counters of one table land on the same sample.
template <class Counters>
void check_table(std::map<std::string_view, const core::CounterInfo*>& families) {
  std::set<std::pair<std::string_view, std::string_view>> samples;
  for (const auto& f : core::fields_of<Counters>()) {
    const core::CounterInfo& i = f.info;
    EXPECT_FALSE(i.name.empty());
    EXPECT_FALSE(i.help.empty()) << i.name;
    EXPECT_EQ(i.label_key.empty(), i.label_value.empty()) << i.name;
    EXPECT_TRUE(samples.insert({i.metric, i.label_value}).second) << i.name;
    auto [it, added] = families.try_emplace(i.metric, &i);
    if (added) continue;
    EXPECT_EQ(it->second->help, i.help) << i.metric;
    EXPECT_EQ(it->second->label_key, i.label_key) << i.metric;
  }
}

TEST(ControlMetrics, CounterTablesAgreeAcrossRoles) {
  std::map<std::string_view, const core::CounterInfo*> families;
  check_table<core::RelayCounters>(families);
  check_table<core::ClientCounters>(families);
  check_table<core::ServerCounters>(families);
  check_table<UpnpCounters>(families);
}

TEST(ControlMetrics, ScrapeSaysWhetherTheDataPathAnswered) {
  const std::string up =
      metrics_text(scrape_families([](const PeerQuery&) { return std::optional(client_snapshot()); }));
  EXPECT_NE(up.find("teredod_up 1\n"), std::string::npos);
  const std::string down =
      metrics_text(scrape_families([](const PeerQuery&) { return std::optional<ControlSnapshot>(); }));
  EXPECT_NE(down.find("teredod_up 0\n"), std::string::npos);
  EXPECT_EQ(down.find("teredod_info"), std::string::npos);
}

}  // namespace
}  // namespace teredo::control
