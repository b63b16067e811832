// One teredod-server worker thread: its own core::Server, its own SO_REUSEPORT socket pair and
// raw IPv6 socket, a poll loop, and batched I/O. No locks on the packet path.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>

#include "core/server.hpp"
#include "datapath/server_stats.hpp"
#include "os/os_result.hpp"
#include "os/raw_ipv6_socket.hpp"
#include "os/udp_socket.hpp"

namespace teredo::datapath {

/// The sockets a worker owns; opened by the driver while it still has root privileges.
struct WorkerSockets {
  os::UdpSocket primary;
  os::UdpSocket secondary;
  os::RawIpv6Socket raw;
};

class ServerWorker {
 public:
  /// `shutdown_fd` is an eventfd that becomes readable when the worker must stop; the driver
  /// keeps it open until run() has returned.
  static os::OsResult<std::unique_ptr<ServerWorker>> create(const core::ServerConfig& config, WorkerSockets sockets,
                                                            int shutdown_fd);

  /// The worker thread's body: returns once shutdown_fd is readable, or on a poll failure.
  void run();

  /// The latest published counters. Thread-safe; the worker publishes once per batch.
  ServerStats snapshot() const;

  ServerWorker(const ServerWorker&) = delete;
  ServerWorker& operator=(const ServerWorker&) = delete;

 private:
  ServerWorker(const core::ServerConfig& config, WorkerSockets sockets, int shutdown_fd);
  /// Receives and answers one batch from `on`; returns how many datagrams were received.
  std::size_t process_batch(core::ServerSocket on);
  void publish();
  void note_error(const char* what, int err);

  core::Server server_;
  WorkerSockets sockets_;
  int shutdown_fd_;
  os::RecvBatch recv_;
  os::SendBatch send_primary_;
  os::SendBatch send_secondary_;
  // Per-datagram output buffers: a ServerSendUdp header views one of these until the batch is sent.
  std::array<std::array<std::uint8_t, core::kServerOutputSize>, os::kMaxBatch> out_{};
  proto::DropCounters driver_drops_;
  std::chrono::steady_clock::time_point last_error_log_{};

  mutable std::mutex published_mutex_;
  ServerStats published_;
};

}  // namespace teredo::datapath
