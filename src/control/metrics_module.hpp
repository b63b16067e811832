// The C interface between teredod / teredod-server and teredod-metrics.so, the module that serves
// MetricsListen over HTTP with prometheus-cpp's Exposer (civetweb). The daemons load the module with
// dlopen, as root before the chroot, only when MetricsListen is set: a daemon without it never maps
// prometheus-cpp, civetweb or zlib (issue 7: memory). Plain C types only, so that the daemon (which
// may carry its own static C++ runtime) and the module (shared libstdc++) never exchange C++ objects
// or exceptions.
#pragma once

#include <cstddef>

extern "C" {

/// Bumped whenever a structure or a function below changes.
inline constexpr unsigned kTeredodMetricsAbi = 1;

struct teredod_metric_label {
  const char* name;
  const char* value;
};

struct teredod_metric_sample {
  const teredod_metric_label* labels;
  std::size_t label_count;
  double value;
};

struct teredod_metric_family {
  const char* name;
  const char* help;
  int counter;  // 1: counter, 0: gauge
  const teredod_metric_sample* samples;
  std::size_t sample_count;
};

/// Receives the families of one scrape (valid only during the call).
typedef void (*teredod_metrics_sink)(void* sink_ctx, const teredod_metric_family* families, std::size_t count);
/// Called by the module on each scrape (from its HTTP threads): calls `sink` once. Must not throw.
typedef void (*teredod_metrics_collect)(void* ctx, teredod_metrics_sink sink, void* sink_ctx);

struct teredod_metrics_module {
  unsigned abi;  // kTeredodMetricsAbi
  /// Serves GET /metrics on `listen` ("IPV4:PORT", "[IPV6]:PORT" or "*:PORT"). Returns the exporter,
  /// or null with a reason in `error` (NUL-terminated, truncated to `error_size`).
  void* (*start)(const char* listen, teredod_metrics_collect collect, void* ctx, char* error, std::size_t error_size);
  /// Stops serving (joins the HTTP threads) and frees the exporter.
  void (*stop)(void* exporter);
};

/// The module's one exported symbol.
const teredod_metrics_module* teredod_metrics_module_v1(void);
inline constexpr const char* kTeredodMetricsEntry = "teredod_metrics_module_v1";
}
