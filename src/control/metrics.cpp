// SPDX-License-Identifier: GPL-2.0-or-later
// Snapshot -> metric families -> Prometheus text.
#include "control/metrics.hpp"

#include <cmath>
#include <cstdio>
#include <limits>

#include "daemon/version.hpp"

namespace teredo::control {

namespace {

MetricFamily family(std::string name, std::string help, bool counter) {
  MetricFamily f;
  f.name = std::move(name);
  f.help = std::move(help);
  f.counter = counter;
  return f;
}

void add(MetricFamily& f, double value, std::vector<MetricLabel> labels = {}) {
  f.samples.push_back(MetricSample{std::move(labels), value});
}

MetricFamily gauge(std::string name, std::string help, double value) {
  MetricFamily f = family(std::move(name), std::move(help), false);
  add(f, value);
  return f;
}

MetricFamily up_gauge(bool up) {
  return gauge("teredod_up",
               "1 when the data path answered this scrape, 0 when it did not (nothing else is served)",
               up ? 1 : 0);
}

// The counter families, in the order their first counter appears: one family per metric name of
// the tables, one sample per counter (labelled when the family has a dimension).
void add_counter_families(const std::vector<CounterValue>& counters, std::vector<MetricFamily>& out) {
  const std::size_t first = out.size();
  for (const CounterValue& c : counters) {
    const std::string name = "teredod_" + std::string(c.info->metric) + "_total";
    MetricFamily* f = nullptr;
    for (std::size_t i = first; i < out.size(); ++i)
      if (out[i].name == name) f = &out[i];
    if (f == nullptr) f = &out.emplace_back(family(name, std::string(c.info->help), true));
    std::vector<MetricLabel> labels;
    if (!c.info->label_key.empty())
      labels.push_back({std::string(c.info->label_key), std::string(c.info->label_value)});
    add(*f, static_cast<double>(c.value), std::move(labels));
  }
}

// A value as Prometheus' text format wants it: "NaN", "+Inf", "-Inf", else the shortest of %.16g.
void append_value(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
  } else if (std::isinf(v)) {
    out += v < 0 ? "-Inf" : "+Inf";
  } else {
    char buf[40];
    const int n = std::snprintf(buf, sizeof buf, "%.*g", std::numeric_limits<double>::max_digits10 - 1, v);
    if (n > 0) out.append(buf, static_cast<std::size_t>(std::min<int>(n, sizeof buf - 1)));
  }
}

// A label value: backslash, double quote and newline escaped with a backslash.
void append_label_value(std::string& out, const std::string& v) {
  for (char c : v) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

}  // namespace

std::vector<MetricFamily> metric_families(const ControlSnapshot& s) {
  std::vector<MetricFamily> out;
  MetricFamily build = family("teredod_build_info", "teredod's version (label version); always 1", false);
  add(build, 1, {{"version", daemon::kVersion}});
  out.push_back(std::move(build));
  MetricFamily info = family("teredod_info",
                             "The role this process plays (label role: client, cone, restricted or "
                             "server); always 1",
                             false);
  add(info, 1, {{"role", s.role}});
  out.push_back(std::move(info));
  out.push_back(gauge("teredod_uptime_seconds", "Seconds since the daemon started", s.uptime));
  out.push_back(gauge("teredod_start_time_seconds",
                      "When the daemon started, in seconds since the Unix epoch",
                      static_cast<double>(s.start_time)));
  out.push_back(gauge("teredod_workers", "Data-path worker threads", s.workers));
  add_counter_families(s.counters, out);
  MetricFamily drops =
      family("teredod_drops_total", "Packets discarded, by reason (docs/teredoctl.md lists them)", true);
  for (std::size_t i = 0; i < proto::kDropCount; ++i)
    add(drops, static_cast<double>(s.drops.count[i]), {{"reason", std::string(proto::kDropNames[i])}});
  out.push_back(std::move(drops));
  if (s.peer_count) {
    MetricFamily peers =
        family("teredod_peers", "Entries in the peer table, by the worker that owns them", false);
    for (std::size_t i = 0; i < s.worker_peers.size(); ++i)
      add(peers, static_cast<double>(s.worker_peers[i]), {{"worker", std::to_string(i)}});
    out.push_back(std::move(peers));
    out.push_back(gauge("teredod_max_peers", "Peer table capacity, all workers together (MaxPeers)",
                        static_cast<double>(s.max_peers)));
    out.push_back(gauge("teredod_queued_packets", "Packets currently held until a path to their peer opens",
                        static_cast<double>(s.queued_packets)));
    out.push_back(gauge("teredod_peer_table_bytes", "Memory reserved for the peer table, in bytes",
                        static_cast<double>(s.peer_table_bytes)));
  }
  if (s.mtu)
    out.push_back(
        gauge("teredod_mtu_bytes", "MTU of the Teredo interface (server: advertised), in bytes", *s.mtu));
  if (s.client) {
    MetricFamily st =
        family("teredod_client_state", "Client state: 1 for the current one, 0 for the others", false);
    for (auto state : {core::ClientState::Probing, core::ClientState::Qualified, core::ClientState::Down})
      add(st, s.client->state == state ? 1 : 0, {{"state", client_state_name(state)}});
    out.push_back(std::move(st));
    if (s.client->state_age)
      out.push_back(gauge("teredod_client_state_age_seconds",
                          "Seconds since the client entered its current state", *s.client->state_age));
    out.push_back(gauge("teredod_client_symmetric_nat",
                        "1 when the NAT showed a different mapping per server address",
                        s.client->symmetric_nat ? 1 : 0));
    out.push_back(gauge("teredod_client_upnp_mapped",
                        "1 while the client holds a port mapping from a UPnP IGD (RFC 6081 3.2)",
                        s.client->upnp_mapping.port != 0 ? 1 : 0));
  }
  return out;
}

std::vector<MetricFamily> scrape_families(const SnapshotProvider& provider) {
  std::optional<ControlSnapshot> s = provider(PeerQuery{});
  if (!s) return {up_gauge(false)};
  auto families = metric_families(*s);
  families.push_back(up_gauge(true));
  return families;
}

std::string metrics_text(const std::vector<MetricFamily>& families) {
  std::string out;
  for (const MetricFamily& f : families) {
    if (!f.help.empty()) out += "# HELP " + f.name + " " + f.help + "\n";
    out += "# TYPE " + f.name + (f.counter ? " counter\n" : " gauge\n");
    for (const MetricSample& m : f.samples) {
      out += f.name;
      if (!m.labels.empty()) {
        out += '{';
        const char* sep = "";
        for (const MetricLabel& l : m.labels) {
          out += sep;
          out += l.name;
          out += "=\"";
          append_label_value(out, l.value);
          out += '"';
          sep = ",";
        }
        out += '}';
      }
      out += ' ';
      append_value(out, m.value);
      out += '\n';
    }
  }
  return out;
}

std::string metrics_text(const ControlSnapshot& s) {
  return metrics_text(metric_families(s));
}

}  // namespace teredo::control
