// SPDX-License-Identifier: GPL-2.0-or-later
// Tests for the JSON documents of the control protocol (control/json), schema 2.
#include "control/json.hpp"

#include <gtest/gtest.h>

#include "daemon/version.hpp"
#include "samples.hpp"

namespace teredo::control {
namespace {

using samples::client_snapshot;

TEST(ControlJson, Status) {
  const nlohmann::ordered_json j = status_json(client_snapshot());
  EXPECT_EQ(j["ok"], true);
  EXPECT_EQ(j["schema"], 2);
  EXPECT_EQ(j["version"], daemon::kVersion);
  EXPECT_EQ(j["revision"], daemon::revision());
  EXPECT_EQ(j["state"], "qualified");
  EXPECT_EQ(j["state_age_seconds"], 3);
  EXPECT_EQ(j["uptime_seconds"], 12.5);
  EXPECT_EQ(j["teredo_address"], "2001:0:c633:640a:3c50:2c39:39cc:9be1");
  EXPECT_EQ(j["address_server"], "198.51.100.10");
  EXPECT_EQ(j["mapped_address"], "198.51.100.30");
  EXPECT_EQ(j["mapped_port"], 54214);
  EXPECT_EQ(j["flags"], "0x3c50");
  EXPECT_EQ(j["cone"], false);
  EXPECT_EQ(j["server_secondary"], "198.51.100.11");
  EXPECT_EQ(j["workers"], 1);
  EXPECT_TRUE(j["last_refresh_age_seconds"].is_null() || j["last_refresh_age_seconds"].is_number());
}

// Every duration is named *_seconds, in every document (schema 2).
TEST(ControlJson, DurationsAreSeconds) {
  const ControlSnapshot s = client_snapshot();
  for (const nlohmann::ordered_json& j : {status_json(s), stats_json(s), peers_json(s)}) {
    const std::string text = j.dump();
    EXPECT_EQ(text.find("_s\""), std::string::npos) << text;
    EXPECT_EQ(text.find("_unix\""), std::string::npos) << text;
  }
  EXPECT_TRUE(peers_json(s)["peers"][0].contains("last_receive_age_seconds"));
  EXPECT_TRUE(peers_json(s)["peers"][0].contains("last_send_age_seconds"));
}

TEST(ControlJson, StatsAndPeers) {
  const ControlSnapshot s = client_snapshot();
  const nlohmann::ordered_json st = stats_json(s);
  EXPECT_EQ(st["counters"]["sent_packets"], 10);
  EXPECT_EQ(st["drops"].size(), proto::kDropCount);
  EXPECT_EQ(st["drops"]["not_ipv6"], 1);
  EXPECT_EQ(st["drops_total"], 1);
  const nlohmann::ordered_json p = peers_json(s);
  EXPECT_EQ(p["count"], 1);
  EXPECT_EQ(p["peers"][0]["address"], "2001:db8:100::100");
  EXPECT_EQ(p["peers"][0]["packets_in"], 3);
  EXPECT_EQ(p["peers"][0]["bytes_out"], 400);
  // The reply is written peer by peer, and is the same document.
  EXPECT_EQ(peers_reply(s), p.dump() + "\n");
  ControlSnapshot none = s;
  none.peers.clear();
  EXPECT_EQ(peers_reply(none), peers_json(none).dump() + "\n");
  EXPECT_TRUE(st.contains("longest_peer_walk_slice_seconds"));
}

TEST(ControlHandle, ErrorsAndSuccess) {
  SnapshotProvider ok = [](const PeerQuery&) { return std::optional(client_snapshot()); };
  SnapshotProvider timeout = [](const PeerQuery&) { return std::optional<ControlSnapshot>(); };
  EXPECT_NE(handle_control_request("status", ok).find("\"ok\":true"), std::string::npos);
  EXPECT_NE(handle_control_request("metrics", ok).find("teredod_info"), std::string::npos);
  EXPECT_NE(handle_control_request("bogus", ok).find("\"ok\":false"), std::string::npos);
  EXPECT_NE(handle_control_request("status", timeout).find("did not answer"), std::string::npos);
}

}  // namespace
}  // namespace teredo::control
