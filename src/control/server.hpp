// SPDX-License-Identifier: GPL-2.0-or-later
// The control channel of a teredod or teredod-server process: a Unix stream socket, created by
// root before privileges are dropped (root:root 0600, or root:ControlGroup 0660), whose listening
// descriptor the unprivileged process keeps, and optionally (MetricsListen) a TCP endpoint that
// serves GET /metrics. One control thread serves both with a poll loop: up to kMaxConnections at
// once, each with its own deadlines, so a slow or silent client holds only its own connection (and
// loses it to a newcomer once all are taken). A
// control connection carries one request line (at most kMaxControlRequest bytes, within 2 s) and
// one JSON reply (json.hpp); an HTTP connection one request head (at most kMaxHttpHead bytes,
// within 5 s) and one response (http.hpp). All queries are read-only. The client's privileged
// helper is forked before the socket exists, so it never holds it.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "config/control_settings.hpp"
#include "control/http.hpp"
#include "control/json.hpp"
#include "os/event_fd.hpp"
#include "os/fd.hpp"

namespace teredo::control {

/// Connections served at once (control and HTTP together). When all are taken, a new one replaces
/// the one that has waited longest for its request; when all are being answered, it is closed.
inline constexpr std::size_t kMaxConnections = 32;

class ControlServer {
 public:
  /// As root, before the privilege drop: creates the control socket. nullopt (logged): the daemon
  /// must not start (an explicit ControlSocket that cannot be created, an unknown ControlGroup).
  /// A null server: no channel (ControlSocket none, or the default path could not be used: a
  /// warning).
  static std::optional<std::unique_ptr<ControlServer>> open(const config::ControlSettings& settings);

  /// After the privilege drop and BEFORE the seccomp filter (which forbids creating IP sockets):
  /// sets where snapshots come from and opens the MetricsListen endpoint if configured. False
  /// (logged) when it cannot be opened.
  bool listen(SnapshotProvider provider);
  /// AFTER the seccomp filter (the thread inherits it): starts the control thread. False (logged)
  /// when the thread cannot start.
  bool start();

  /// Stops the thread; removes the socket file if still permitted.
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

 private:
  ControlServer(config::ControlSettings settings, os::Fd listen, os::EventFd stop)
      : settings_(std::move(settings)), unix_(std::move(listen)), stop_(std::move(stop)) {
    if (settings_.metrics_credentials) authorization_ = basic_authorization(*settings_.metrics_credentials);
  }
  void run();

  config::ControlSettings settings_;
  os::Fd unix_;
  os::Fd http_;       // MetricsListen, when set
  os::EventFd stop_;  // readable once the thread must exit
  SnapshotProvider provider_;
  std::string authorization_;  // what a scrape's Authorization header must be; empty: no authentication
  std::thread thread_;
};

}  // namespace teredo::control
