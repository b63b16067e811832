// SPDX-License-Identifier: GPL-2.0-or-later
// Prometheus exposition of the control snapshots: `teredoctl metrics` and the MetricsListen HTTP
// endpoint (server.hpp) serve this text. Metrics are built on demand from a fresh snapshot at each
// scrape; nothing is kept between scrapes. One name per quantity across the roles, labels for its
// dimension (core/counter_help.hpp), and a HELP that says what is counted and in which unit.
#pragma once

#include <string>
#include <vector>

#include "control/json.hpp"
#include "control/snapshot.hpp"

namespace teredo::control {

struct MetricLabel {
  std::string name;
  std::string value;
};

struct MetricSample {
  std::vector<MetricLabel> labels;
  double value = 0;
};

struct MetricFamily {
  std::string name;
  std::string help;
  bool counter = false;  // counter, else gauge
  std::vector<MetricSample> samples;
};

/// Every figure of the snapshot as metric families: teredod_build_info, teredod_info,
/// teredod_uptime_seconds, the counter families of the tables (teredod_<metric>_total),
/// teredod_drops_total{reason}, teredod_peers{worker}, ... (docs/teredoctl.md).
std::vector<MetricFamily> metric_families(const ControlSnapshot& s);

/// What one HTTP scrape serves: metric_families() of a fresh snapshot and teredod_up (0 with nothing
/// else when the data path did not answer).
std::vector<MetricFamily> scrape_families(const SnapshotProvider& provider);

/// The Prometheus text exposition format (version 0.0.4).
std::string metrics_text(const std::vector<MetricFamily>& families);
std::string metrics_text(const ControlSnapshot& s);

/// The content type of metrics_text().
inline constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace teredo::control
