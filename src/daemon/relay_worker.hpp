// The relay data path (RFC 4380 5.4): one thread, one epoll loop over the TUN device, the UDP
// service socket, a timerfd armed to the core's next deadline and the signalfd. Batched I/O
// (up to 64 TUN reads, recvmmsg/sendmmsg) into buffers allocated once; nothing per packet.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

#include "core/relay.hpp"
#include "daemon/control_port.hpp"
#include "daemon/relay_stats.hpp"
#include "daemon/stats_file.hpp"
#include "daemon/tunnel_data_path.hpp"
#include "daemon/worker_loop.hpp"
#include "os/epoll.hpp"
#include "os/raw_icmpv6_socket.hpp"
#include "os/signals.hpp"
#include "os/timer_fd.hpp"
#include "os/tun_device.hpp"
#include "os/udp_socket.hpp"

namespace teredo::daemon {

/// Everything the data path uses, opened by the driver while it still had root privileges.
struct RelayIo {
  os::TunDevice& tun;
  os::UdpSocket udp;
  os::RawIcmpv6Socket icmp;
  os::TimerFd timer;
  os::SignalFd& signals;
  OffloadSettings offloads{};
};

class RelayWorker {
 public:
  /// Builds the core (which allocates its peer table: may throw std::bad_alloc) and the epoll
  /// set. `stats`, when set, is rewritten every second and at the end of run().
  static os::OsResult<std::unique_ptr<RelayWorker>> create(const core::RelayConfig& config, RelayIo io,
                                                          std::optional<StatsFile>& stats);

  /// Runs until SIGINT, SIGTERM or SIGQUIT (true) or an epoll failure (false).
  bool run();

  RelayStats stats() const { return collect_relay_stats(relay_, path_.drops()); }

  /// Control channel (issue 6): answers `port`'s requests from this loop (port.fd() in the epoll set).
  void attach_control(ControlPort& port) { loop_.attach_control(port); }

  RelayWorker(const RelayWorker&) = delete;
  RelayWorker& operator=(const RelayWorker&) = delete;

 private:
  RelayWorker(const core::RelayConfig& config, RelayIo io, os::Epoll epoll, std::optional<StatsFile>& stats);
  /// Returns false when a signal asks the loop to stop.
  bool on_signals();
  /// Asks for huge pages on the peer table once it holds kHugePagePeers peers.
  void maybe_advise_huge_pages();
  static constexpr std::size_t kHugePagePeers = 4096;

  core::Relay relay_;
  RelayIo io_;
  WorkerLoop loop_;
  TunnelDataPath<core::Relay> path_;
  bool huge_pages_advised_ = false;
};

}  // namespace teredo::daemon
