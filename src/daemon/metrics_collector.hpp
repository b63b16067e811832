// Prometheus exposition of the control snapshots (issue 6): `teredoctl metrics` and the optional
// MetricsListen HTTP endpoint (prometheus-cpp's Exposer, civetweb). Metrics are built on demand
// from a fresh snapshot at each scrape; nothing is kept between scrapes.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include "daemon/control_json.hpp"
#include "daemon/control_snapshot.hpp"

namespace prometheus {
class Exposer;
}

namespace teredo::daemon {

/// Every figure of the snapshot as metric families: teredod_info, teredod_uptime_seconds,
/// teredod_<counter>_total, teredod_drops_total{reason=...}, teredod_peers, ... (docs/teredoctl.md).
std::vector<prometheus::MetricFamily> metric_families(const ControlSnapshot& s);

/// The same in the Prometheus text exposition format (version 0.0.4).
std::string metrics_text(const ControlSnapshot& s);

/// A prometheus::Collectable that takes a snapshot per scrape.
class SnapshotCollectable : public prometheus::Collectable {
 public:
  explicit SnapshotCollectable(SnapshotProvider provider) : provider_(std::move(provider)) {}
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  SnapshotProvider provider_;
};

/// The HTTP endpoint: GET /metrics on `listen` ("IPV4:PORT", "[IPV6]:PORT" or "*:PORT").
class MetricsExporter {
 public:
  /// Throws std::exception (with civetweb's reason) if the address cannot be bound.
  MetricsExporter(const std::string& listen, SnapshotProvider provider);
  ~MetricsExporter();
  MetricsExporter(const MetricsExporter&) = delete;
  MetricsExporter& operator=(const MetricsExporter&) = delete;

 private:
  std::shared_ptr<SnapshotCollectable> collectable_;
  std::unique_ptr<prometheus::Exposer> exposer_;
};

}  // namespace teredo::daemon
