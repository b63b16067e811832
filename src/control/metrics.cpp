// Snapshot -> metric families -> Prometheus text; the HTTP exporter through teredod-metrics.so.
#include "control/metrics.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <mutex>
#include <stdexcept>

#include "control/metrics_module.hpp"

#ifndef TEREDOD_METRICS_MODULE_RELPATH
#define TEREDOD_METRICS_MODULE_RELPATH "teredod-metrics.so"
#endif

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
  return gauge("teredod_up", "0 when the data path did not answer the scrape", up ? 1 : 0);
}

// A value as prometheus-cpp 1.0 writes it: "Nan", "+Inf", "-Inf", else the shortest of %.16g
// (std::ostream with precision max_digits10 - 1 in the classic locale).
void append_value(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "Nan";
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
  MetricFamily info = family("teredod_info", "teredod role (label role) of this process", false);
  add(info, 1, {{"role", s.role}});
  out.push_back(std::move(info));
  out.push_back(gauge("teredod_uptime_seconds", "Seconds since the daemon started", s.uptime));
  out.push_back(gauge("teredod_start_time_seconds", "Start time of the daemon (Unix time)",
                      static_cast<double>(s.started_unix)));
  for (const auto& [name, value] : s.counters) {
    MetricFamily f = family("teredod_" + std::string(name) + "_total", "teredod counter " + std::string(name), true);
    add(f, static_cast<double>(value));
    out.push_back(std::move(f));
  }
  MetricFamily drops = family("teredod_drops_total", "Packets discarded, by reason", true);
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
    MetricFamily st = family("teredod_client_state", "Client state (1 for the current one)", false);
    for (auto state : {core::ClientState::Probing, core::ClientState::Qualified, core::ClientState::Down})
      add(st, s.client->state == state ? 1 : 0, {{"state", client_state_name(state)}});
    out.push_back(std::move(st));
    if (s.client->state_since_age)
      out.push_back(gauge("teredod_client_state_age_seconds", "Seconds since the client entered its state",
                          *s.client->state_since_age));
    out.push_back(gauge("teredod_client_symmetric_nat", "1 when the NAT showed a different mapping per server",
                        s.client->symmetric_nat ? 1 : 0));
  }
  if (s.server) out.push_back(gauge("teredod_server_workers", "Worker threads of teredod-server", s.server->workers));
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

std::string metrics_text(const ControlSnapshot& s) { return metrics_text(metric_families(s)); }

// ---- the HTTP exporter (teredod-metrics.so) ---------------------------------------------------

namespace {

const teredod_metrics_module* g_module = nullptr;

// The module's collect callback: one scrape, handed over as C structures. Never throws.
void collect(void* ctx, teredod_metrics_sink sink, void* sink_ctx) {
  std::vector<MetricFamily> families;
  try {
    families = scrape_families(*static_cast<const SnapshotProvider*>(ctx));
  } catch (const std::exception&) {
    families.clear();
    try {
      families.push_back(up_gauge(false));
    } catch (const std::exception&) {
      sink(sink_ctx, nullptr, 0);
      return;
    }
  }
  try {
    std::vector<std::vector<teredod_metric_label>> labels;
    std::vector<std::vector<teredod_metric_sample>> samples(families.size());
    std::vector<teredod_metric_family> out;
    out.reserve(families.size());
    for (std::size_t i = 0; i < families.size(); ++i) {
      const MetricFamily& f = families[i];
      samples[i].reserve(f.samples.size());
      for (const MetricSample& m : f.samples) {
        auto& l = labels.emplace_back();
        l.reserve(m.labels.size());
        for (const MetricLabel& x : m.labels) l.push_back({x.name.c_str(), x.value.c_str()});
        samples[i].push_back({l.data(), l.size(), m.value});
      }
      out.push_back({f.name.c_str(), f.help.c_str(), f.counter ? 1 : 0, samples[i].data(), samples[i].size()});
    }
    sink(sink_ctx, out.data(), out.size());
  } catch (const std::exception&) {
    sink(sink_ctx, nullptr, 0);
  }
}

}  // namespace

std::string MetricsExporter::module_path() {
  // The executable's directory (readlink: /proc is still visible before the chroot).
  std::string dir;
  char exe[4096];
  const ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0) {
    dir.assign(exe, static_cast<std::size_t>(n));
    dir.erase(dir.rfind('/') + 1);
  }
#ifdef TEREDOD_METRICS_MODULE_FALLBACK
  if (dir.empty()) return TEREDOD_METRICS_MODULE_FALLBACK;
#endif
  return dir + TEREDOD_METRICS_MODULE_RELPATH;
}

std::string MetricsExporter::load_module() {
  static std::mutex mutex;
  const std::lock_guard lock(mutex);
  if (g_module != nullptr) return {};
  const std::string path = module_path();
  void* lib = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) {
    const char* why = ::dlerror();
    return "cannot load " + path + ": " + (why != nullptr ? why : "dlopen failed");
  }
  auto entry = reinterpret_cast<const teredod_metrics_module* (*)()>(::dlsym(lib, kTeredodMetricsEntry));
  const teredod_metrics_module* m = entry != nullptr ? entry() : nullptr;
  if (m == nullptr || m->abi != kTeredodMetricsAbi) {
    ::dlclose(lib);
    return path + " is not a teredod metrics module of this version";
  }
  g_module = m;  // the library stays loaded for the life of the process
  return {};
}

MetricsExporter::MetricsExporter(const std::string& listen, SnapshotProvider provider)
    : provider_(std::move(provider)) {
  if (g_module == nullptr) throw std::runtime_error("the metrics module is not loaded");
  char error[256] = "";
  exporter_ = g_module->start(listen.c_str(), &collect, &provider_, error, sizeof error);
  if (exporter_ == nullptr) throw std::runtime_error(error[0] != '\0' ? error : "cannot start the HTTP server");
}

MetricsExporter::~MetricsExporter() {
  if (exporter_ != nullptr) g_module->stop(exporter_);
}

}  // namespace teredo::control
