// The control channel of a teredod process (issue 6): a Unix stream socket, created by root
// before privileges are dropped (root:root 0600, or root:ControlGroup 0660), whose listening
// descriptor the unprivileged process keeps. One control thread accepts connections one at a
// time: it reads one request line (at most kMaxControlRequest bytes, within 2 s), answers one
// JSON document (control_json.hpp) and closes. All queries are read-only. The privileged client
// helper is forked before the socket exists, so it never holds it. Optionally (MetricsListen)
// prometheus-cpp's Exposer serves the same figures over HTTP, from the module teredod-metrics.so
// that open() loads before the privilege drop (metrics_collector.hpp).
#pragma once

#include <memory>
#include <thread>

#include "control/json.hpp"
#include "control/port.hpp"
#include "config/control_settings.hpp"
#include "control/metrics.hpp"
#include "core/server.hpp"
#include "os/fd.hpp"

namespace teredo::control {

class ControlServer {
 public:
  /// As root, before the privilege drop: creates the socket. Returns false (logged) when the
  /// daemon must not start: an explicit ControlSocket that cannot be created, an unknown
  /// ControlGroup, a MetricsListen whose module (teredod-metrics.so) cannot be loaded. `out`
  /// stays null when the channel is disabled (ControlSocket none) or the default path could not
  /// be used (logged as a warning).
  static bool open(const config::ControlSettings& settings, std::unique_ptr<ControlServer>& out);

  /// The request slot a relay or client worker serves (created on first use).
  ControlPort& port();

  /// After the privilege drop and BEFORE the seccomp filter (it opens an IPv4/IPv6 socket):
  /// sets where snapshots come from (`provider`, or port() when empty) and opens the
  /// MetricsListen endpoint if configured. False (logged) when it cannot be opened.
  bool start_metrics(SnapshotProvider provider = {});
  /// AFTER the seccomp filter (the thread inherits it): starts the control thread. False (logged)
  /// when the thread cannot start.
  bool start();

  /// Stops the thread and the exporter; removes the socket file if still permitted.
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  const std::string& path() const { return settings_.socket_path; }

 private:
  ControlServer(config::ControlSettings settings, os::Fd listen, os::Fd stop)
      : settings_(std::move(settings)), listen_(std::move(listen)), stop_(std::move(stop)) {}
  void run();
  void serve_connection(int fd);

  config::ControlSettings settings_;
  os::Fd listen_;
  os::Fd stop_;  // eventfd: readable once the thread must exit
  std::unique_ptr<ControlPort> port_;
  SnapshotProvider provider_;
  std::unique_ptr<MetricsExporter> metrics_;
  std::thread thread_;
};

/// Creates and binds a Unix socket at `path`: root:root 0600, or root:`gid` 0660 when `gid` is set
/// (bound under that effective group: needs CAP_SETGID, not CAP_CHOWN). A stale socket file is replaced; a live one (another process accepts on it) is
/// an error. Returns the listening descriptor or an error text.
std::variant<os::Fd, std::string> create_control_socket(const std::string& path, std::optional<unsigned> gid);

/// The server's snapshot: its configuration and the counters summed over its workers.
ControlSnapshot server_snapshot(const core::ServerConfig& config, unsigned workers, const core::ServerCounters& counters,
                                const proto::DropCounters& drops);

}  // namespace teredo::control
