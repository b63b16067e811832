// SPDX-License-Identifier: GPL-2.0-or-later
// Tests for the UPnP status of a client (control/upnp_status): published once by the set-up, added
// once to the merged snapshot whatever the number of workers, and shown as nat.upnp, the
// teredod_upnp_* counters and the teredod_client_upnp_mapped gauge.
#include "control/upnp_status.hpp"

#include <gtest/gtest.h>

#include "control/json.hpp"
#include "control/metrics.hpp"
#include "samples.hpp"

namespace teredo::control {
namespace {

using samples::client_snapshot;

class UpnpStatusTest : public ::testing::Test {
 protected:
  void TearDown() override { publish_upnp_status(std::nullopt); }
};

ControlSnapshot merged_client(unsigned workers, proto::Endpoint core_mapping) {
  std::vector<ControlSnapshot> parts;
  for (unsigned i = 0; i < workers; ++i) {
    parts.push_back(client_snapshot());
    parts.back().client->upnp_mapping = core_mapping;
  }
  return merge_snapshots(std::move(parts), PeerQuery{});
}

std::uint64_t counter(const ControlSnapshot& s, std::string_view name) {
  std::uint64_t total = 0;
  int seen = 0;
  for (const CounterValue& c : s.counters)
    if (c.info->name == name) total += c.value, ++seen;
  EXPECT_LE(seen, 1) << name;
  return total;
}

TEST_F(UpnpStatusTest, NothingPublishedMeansOffAndNoCounters) {
  const ControlSnapshot s = merged_client(1, {});
  EXPECT_FALSE(s.client->upnp);
  EXPECT_EQ(counter(s, "upnp_mapped"), 0u);
  const auto j = status_json(s);
  EXPECT_EQ(j["nat"]["upnp"], "off");
  EXPECT_TRUE(j["nat"]["upnp_detail"].is_null());
}

TEST_F(UpnpStatusTest, AMappingIsShownOnceWhateverTheWorkers) {
  const proto::Endpoint mapping{proto::make_ipv4(198, 51, 100, 30), 3544};
  UpnpStatus u;
  u.enabled = true;
  u.mapping = mapping;
  u.detail = "mapped in 1200 ms";
  u.counters.mapped = 1;
  u.counters.stale_deleted = 1;
  publish_upnp_status(u);
  const ControlSnapshot s = merged_client(3, mapping);
  EXPECT_EQ(counter(s, "upnp_mapped"), 1u);
  EXPECT_EQ(counter(s, "upnp_stale_deleted"), 1u);
  EXPECT_EQ(counter(s, "sent_packets"), 30u);  // the workers' own counters are still summed
  const auto j = status_json(s);
  EXPECT_EQ(j["nat"]["upnp"], "198.51.100.30:3544");
  EXPECT_EQ(j["nat"]["upnp_detail"], "mapped in 1200 ms");
  const std::string text = metrics_text(s);
  EXPECT_NE(text.find("teredod_upnp_attempts_total{outcome=\"mapped\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("teredod_upnp_attempts_total{outcome=\"no_gateway\"} 0\n"), std::string::npos);
  EXPECT_NE(text.find("teredod_client_upnp_mapped 1\n"), std::string::npos);
}

TEST_F(UpnpStatusTest, OnWithoutAMappingIsNone) {
  UpnpStatus u;
  u.enabled = true;
  u.detail = "no IGD answered discovery within 1000 ms";
  u.counters.no_gateway = 1;
  publish_upnp_status(u);
  const ControlSnapshot s = merged_client(1, {});
  const auto j = status_json(s);
  EXPECT_EQ(j["nat"]["upnp"], "none");
  EXPECT_EQ(j["nat"]["upnp_detail"], "no IGD answered discovery within 1000 ms");
  EXPECT_NE(metrics_text(s).find("teredod_client_upnp_mapped 0\n"), std::string::npos);
}

TEST_F(UpnpStatusTest, ARelayGetsNothing) {
  UpnpStatus u;
  u.counters.mapped = 1;
  publish_upnp_status(u);
  ControlSnapshot relay;
  relay.role = "cone";
  std::vector<ControlSnapshot> parts{relay};
  const ControlSnapshot s = merge_snapshots(std::move(parts), PeerQuery{});
  EXPECT_TRUE(s.counters.empty());
}

}  // namespace
}  // namespace teredo::control
