// Snapshot -> Prometheus metric families; the HTTP exporter.
#include "daemon/metrics_collector.hpp"

#include <prometheus/exposer.h>
#include <prometheus/text_serializer.h>

#include <sstream>

namespace teredo::daemon {

namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

MetricFamily family(std::string name, std::string help, MetricType type) {
  MetricFamily f;
  f.name = std::move(name);
  f.help = std::move(help);
  f.type = type;
  return f;
}

void add(MetricFamily& f, double value, std::vector<ClientMetric::Label> labels = {}) {
  ClientMetric m;
  m.label = std::move(labels);
  if (f.type == MetricType::Counter)
    m.counter.value = value;
  else
    m.gauge.value = value;
  f.metric.push_back(std::move(m));
}

MetricFamily gauge(std::string name, std::string help, double value) {
  MetricFamily f = family(std::move(name), std::move(help), MetricType::Gauge);
  add(f, value);
  return f;
}

}  // namespace

std::vector<MetricFamily> metric_families(const ControlSnapshot& s) {
  std::vector<MetricFamily> out;
  MetricFamily info = family("teredod_info", "teredod role (label role) of this process", MetricType::Gauge);
  add(info, 1, {{"role", s.role}});
  out.push_back(std::move(info));
  out.push_back(gauge("teredod_uptime_seconds", "Seconds since the daemon started", s.uptime));
  out.push_back(gauge("teredod_start_time_seconds", "Start time of the daemon (Unix time)",
                      static_cast<double>(s.started_unix)));
  for (const auto& [name, value] : s.counters) {
    MetricFamily f = family("teredod_" + std::string(name) + "_total", "teredod counter " + std::string(name),
                            MetricType::Counter);
    add(f, static_cast<double>(value));
    out.push_back(std::move(f));
  }
  MetricFamily drops = family("teredod_drops_total", "Packets discarded, by reason", MetricType::Counter);
  for (std::size_t i = 0; i < proto::kDropCount; ++i)
    add(drops, static_cast<double>(s.drops.count[i]), {{"reason", std::string(proto::kDropNames[i])}});
  out.push_back(std::move(drops));
  if (s.peer_count) {
    out.push_back(gauge("teredod_peers", "Entries in the peer table", static_cast<double>(*s.peer_count)));
    out.push_back(gauge("teredod_max_peers", "Peer table capacity (MaxPeers)", static_cast<double>(s.max_peers)));
    out.push_back(gauge("teredod_queued_packets", "Packets waiting for a path to a peer to open",
                        static_cast<double>(s.queued_packets)));
  }
  if (s.mtu) out.push_back(gauge("teredod_mtu_bytes", "MTU of the Teredo interface", *s.mtu));
  if (s.client) {
    MetricFamily st = family("teredod_client_state", "Client state (1 for the current one)", MetricType::Gauge);
    for (auto state : {core::ClientState::Probing, core::ClientState::Qualified, core::ClientState::Down})
      add(st, s.client->state == state ? 1 : 0, {{"state", client_state_name(state)}});
    out.push_back(std::move(st));
    if (s.client->state_since_age)
      out.push_back(gauge("teredod_client_state_age_seconds", "Seconds since the client entered its state",
                          *s.client->state_since_age));
    out.push_back(gauge("teredod_client_symmetric_nat", "1 when the NAT showed a different mapping per server",
                        s.client->symmetric_nat ? 1 : 0));
  }
  if (s.server)
    out.push_back(gauge("teredod_server_workers", "Worker threads of teredod-server", s.server->workers));
  return out;
}

std::string metrics_text(const ControlSnapshot& s) {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, metric_families(s));
  return out.str();
}

std::vector<MetricFamily> SnapshotCollectable::Collect() const {
  std::optional<ControlSnapshot> s = provider_(PeerQuery{});
  if (!s) return {gauge("teredod_up", "0 when the data path did not answer the scrape", 0)};
  auto families = metric_families(*s);
  families.push_back(gauge("teredod_up", "0 when the data path did not answer the scrape", 1));
  return families;
}

MetricsExporter::MetricsExporter(const std::string& listen, SnapshotProvider provider)
    : collectable_(std::make_shared<SnapshotCollectable>(std::move(provider))) {
  // civetweb syntax: "PORT" for every address, "IPV4:PORT", "[IPV6]:PORT".
  std::string ports = listen.rfind("*:", 0) == 0 ? listen.substr(2) : listen;
  exposer_ = std::make_unique<prometheus::Exposer>(std::vector<std::string>{"listening_ports", ports, "num_threads",
                                                                            "2", "request_timeout_ms", "5000"});
  exposer_->RegisterCollectable(collectable_);
}

MetricsExporter::~MetricsExporter() = default;

}  // namespace teredo::daemon
