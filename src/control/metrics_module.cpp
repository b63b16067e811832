// teredod-metrics.so: MetricsListen's HTTP endpoint (prometheus-cpp Exposer on civetweb), loaded by
// the daemons with dlopen only when MetricsListen is set (metrics_module.hpp).
#include "control/metrics_module.hpp"

#include <prometheus/collectable.h>
#include <prometheus/exposer.h>
#include <prometheus/metric_family.h>

#include <cstring>
#include <exception>
#include <memory>
#include <string>
#include <vector>

namespace {

class CallbackCollectable : public prometheus::Collectable {
 public:
  CallbackCollectable(teredod_metrics_collect collect, void* ctx) : collect_(collect), ctx_(ctx) {}

  std::vector<prometheus::MetricFamily> Collect() const override {
    std::vector<prometheus::MetricFamily> out;
    collect_(ctx_, &CallbackCollectable::sink, &out);
    return out;
  }

 private:
  static void sink(void* sink_ctx, const teredod_metric_family* families, std::size_t count) {
    auto& out = *static_cast<std::vector<prometheus::MetricFamily>*>(sink_ctx);
    try {
      out.reserve(count);
      for (std::size_t i = 0; i < count; ++i) {
        const teredod_metric_family& f = families[i];
        prometheus::MetricFamily family;
        family.name = f.name;
        family.help = f.help;
        family.type = f.counter ? prometheus::MetricType::Counter : prometheus::MetricType::Gauge;
        for (std::size_t j = 0; j < f.sample_count; ++j) {
          const teredod_metric_sample& s = f.samples[j];
          prometheus::ClientMetric m;
          for (std::size_t k = 0; k < s.label_count; ++k) m.label.push_back({s.labels[k].name, s.labels[k].value});
          if (f.counter)
            m.counter.value = s.value;
          else
            m.gauge.value = s.value;
          family.metric.push_back(std::move(m));
        }
        out.push_back(std::move(family));
      }
    } catch (const std::exception&) {
      out.clear();  // out of memory: an empty scrape rather than an exception through C frames
    }
  }

  teredod_metrics_collect collect_;
  void* ctx_;
};

struct Exporter {
  std::shared_ptr<CallbackCollectable> collectable;
  std::unique_ptr<prometheus::Exposer> exposer;
};

void* start(const char* listen, teredod_metrics_collect collect, void* ctx, char* error, std::size_t error_size) {
  try {
    // civetweb syntax: "PORT" for every address, "IPV4:PORT", "[IPV6]:PORT".
    const std::string l(listen);
    const std::string ports = l.rfind("*:", 0) == 0 ? l.substr(2) : l;
    auto e = std::make_unique<Exporter>();
    e->collectable = std::make_shared<CallbackCollectable>(collect, ctx);
    e->exposer = std::make_unique<prometheus::Exposer>(
        std::vector<std::string>{"listening_ports", ports, "num_threads", "2", "request_timeout_ms", "5000"});
    e->exposer->RegisterCollectable(e->collectable);
    return e.release();
  } catch (const std::exception& ex) {
    if (error_size > 0) {
      std::strncpy(error, ex.what(), error_size - 1);
      error[error_size - 1] = '\0';
    }
    return nullptr;
  }
}

void stop(void* exporter) { delete static_cast<Exporter*>(exporter); }

constexpr teredod_metrics_module kModule{kTeredodMetricsAbi, &start, &stop};

}  // namespace

extern "C" __attribute__((visibility("default"))) const teredod_metrics_module* teredod_metrics_module_v1(void) {
  return &kModule;
}
