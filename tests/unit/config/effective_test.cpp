// SPDX-License-Identifier: GPL-2.0-or-later
// Tests for the effective settings a reload compares (config/effective).
#include "config/effective.hpp"

#include <gtest/gtest.h>
#include <syslog.h>

#include "daemon/effective_settings.hpp"

namespace teredo::config {
namespace {

using daemon::describe_changes;

// Data-path and control directives are part of what a reload compares (a change is applied).
TEST(DescribeChanges, DataPathAndControlDirectivesAreCompared) {
  EffectiveSettings a, b;
  DataPathSettings o;
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
  EXPECT_EQ(describe_changes(a, b),
            "UdpGro yes -> no, Workers auto -> 2, MetricsListen (unset) -> 127.0.0.1:9464");
}

// A reload compares every directive the worker uses: the server's Workers, the data path's Steering.
TEST(DescribeChanges, WorkersAndSteeringAreCompared) {
  ServerSettings a;
  ServerSettings b = a;
  b.workers = 2;
  EXPECT_EQ(describe_changes(describe(a), describe(b)), "Workers auto -> 2");
  RelaySettings r;
  RelaySettings q = r;
  q.data_path.steering = false;
  EXPECT_EQ(describe_changes(describe(r), describe(q)), "Steering yes -> no");
}

// UPnP (RFC 6081 3.2) restarts the client's worker when it changes.
TEST(DescribeChanges, UpnpIsCompared) {
  ClientSettings a;
  ClientSettings b = a;
  b.upnp = false;
  EXPECT_EQ(describe_changes(describe(a), describe(b)), "UPnP yes -> no");
}

TEST(FacilityText, NamesKnownFacilities) {
  EXPECT_EQ(facility_text(LOG_DAEMON), "daemon");
  EXPECT_EQ(facility_text(LOG_LOCAL3), "local3");
  EXPECT_EQ(facility_text(12345), "12345");
}

}  // namespace
}  // namespace teredo::config
