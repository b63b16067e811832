// Prometheus exposition of the control snapshots (issue 6): `teredoctl metrics` and the optional
// MetricsListen HTTP endpoint. Metrics are built on demand from a fresh snapshot at each scrape;
// nothing is kept between scrapes. The text format is written here; the HTTP endpoint is
// prometheus-cpp's Exposer (civetweb) in the module teredod-metrics.so (metrics_module.hpp), which
// the daemon loads only when MetricsListen is set (issue 7: a daemon without it maps none of it).
#pragma once

#include <memory>
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

/// Every figure of the snapshot as metric families: teredod_info, teredod_uptime_seconds,
/// teredod_<counter>_total, teredod_drops_total{reason=...}, teredod_peers, ... (docs/teredoctl.md).
std::vector<MetricFamily> metric_families(const ControlSnapshot& s);

/// What one HTTP scrape serves: metric_families() of a fresh snapshot and teredod_up (0 with nothing
/// else when the data path did not answer).
std::vector<MetricFamily> scrape_families(const SnapshotProvider& provider);

/// The Prometheus text exposition format (version 0.0.4), as prometheus-cpp's TextSerializer writes it.
std::string metrics_text(const std::vector<MetricFamily>& families);
std::string metrics_text(const ControlSnapshot& s);

/// The HTTP endpoint: GET /metrics on `listen` ("IPV4:PORT", "[IPV6]:PORT" or "*:PORT").
class MetricsExporter {
 public:
  /// As root, before the chroot: loads teredod-metrics.so (once per process). Returns an empty
  /// string, or why the module cannot be used.
  static std::string load_module();
  /// The module's path: next to the executable as installed (../lib/.../teredod/ from sbin),
  /// which is also where the build tree puts it.
  static std::string module_path();

  /// Needs load_module() first. Throws std::runtime_error (with civetweb's reason) if the address
  /// cannot be bound.
  MetricsExporter(const std::string& listen, SnapshotProvider provider);
  ~MetricsExporter();
  MetricsExporter(const MetricsExporter&) = delete;
  MetricsExporter& operator=(const MetricsExporter&) = delete;

 private:
  SnapshotProvider provider_;
  void* exporter_ = nullptr;
};

}  // namespace teredo::control
