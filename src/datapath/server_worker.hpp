// SPDX-License-Identifier: GPL-2.0-or-later
// One teredod-server worker thread: its own core::Server, its own SO_REUSEPORT socket pair and
// raw IPv6 socket, a poll loop, and batched I/O (recvmmsg of 64 -> core::Server::on_datagram ->
// sendmmsg per socket). No locks on the packet path.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>

#include "core/server.hpp"
#include "datapath/error_log.hpp"
#include "os/heartbeat.hpp"
#include "os/os_result.hpp"
#include "os/raw_ipv6_socket.hpp"
#include "os/udp_socket.hpp"

namespace teredo::datapath {

/// The sockets a worker owns; opened by the set-up while it still has root privileges.
struct ServerSockets {
  os::UdpSocket primary;
  os::UdpSocket secondary;
  os::RawIpv6Socket raw;
};

/// A server worker's counters and all its drops (the core's and the send failures).
struct ServerTotals {
  core::ServerCounters counters;
  proto::DropCounters drops;

  ServerTotals& operator+=(const ServerTotals& o) {
    core::add_counters(counters, o.counters);
    drops += o.drops;
    return *this;
  }
};

class ServerWorker {
 public:
  /// `stop_fd` is an eventfd that becomes readable when the worker must stop; the set-up keeps it
  /// open until run() has returned.
  ServerWorker(const core::ServerConfig& config, ServerSockets sockets, int stop_fd,
               os::Heartbeat heartbeat = {});

  /// The worker thread's body: returns once stop_fd is readable, or on a poll failure.
  void run();

  /// The latest published totals. Thread-safe; the worker publishes once per batch.
  ServerTotals published() const;

  ServerWorker(const ServerWorker&) = delete;
  ServerWorker& operator=(const ServerWorker&) = delete;

 private:
  /// Receives and answers one batch from `on`; returns how many datagrams were received.
  std::size_t process_batch(core::ServerSocket on);
  void publish();

  core::Server server_;
  ServerSockets sockets_;
  int stop_fd_;
  os::Heartbeat heartbeat_;  // systemd's watchdog (os/heartbeat.hpp)
  os::RecvBatch recv_;
  os::SendBatch send_primary_;
  os::SendBatch send_secondary_;
  // Per-datagram output buffers: a ServerSendUdp header views one of these until the batch is sent.
  std::array<std::array<std::uint8_t, core::kServerOutputSize>, os::kMaxBatch> out_{};
  proto::DropCounters send_drops_;
  ErrorLog errors_;

  mutable std::mutex published_mutex_;
  ServerTotals published_;
};

}  // namespace teredo::datapath
