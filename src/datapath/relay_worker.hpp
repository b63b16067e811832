// The relay data path (RFC 4380 5.4): one worker per thread, each an epoll loop over its TUN
// queue, its UDP socket (SO_REUSEPORT when there are several), a timerfd armed to its core's
// next deadline, and the signalfd (first worker) or the stop eventfd (the others). Batched I/O
// (up to 64 TUN reads, recvmmsg/sendmmsg) into buffers allocated once; nothing per packet.
// With several workers each core owns the peers proto::shard_of gives it (handoff.hpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/relay.hpp"
#include "control/port.hpp"
#include "datapath/handoff.hpp"
#include "datapath/published_stats.hpp"
#include "datapath/relay_stats.hpp"
#include "datapath/stats_file.hpp"
#include "datapath/tunnel_path.hpp"
#include "datapath/worker_loop.hpp"
#include "os/epoll.hpp"
#include "os/raw_icmpv6_socket.hpp"
#include "os/signals.hpp"
#include "os/timer_fd.hpp"
#include "os/tun_device.hpp"
#include "os/udp_socket.hpp"

namespace teredo::datapath {

/// Everything the data path uses, opened by the driver while it still had root privileges.
struct RelayIo {
  os::TunDevice& tun;  // this worker's queue
  os::UdpSocket udp;
  os::RawIcmpv6Socket icmp;
  os::TimerFd timer;
  os::SignalFd* signals;  // the first worker: the process's signals (stop on SIGINT/TERM/QUIT)
  int stop_fd;            // readable when the worker must stop: signals->fd() or an eventfd
  config::OffloadSettings offloads{};
};

class RelayWorker {
 public:
  /// Builds the core (which allocates its peer table: may throw std::bad_alloc) and the epoll
  /// set. `stats`, when set, is rewritten every second and at the end of run().
  /// `shards`: several workers, this one is number `self` (the Shards outlive the worker).
  static os::OsResult<std::unique_ptr<RelayWorker>> create(const core::RelayConfig& config, RelayIo io,
                                                          std::optional<StatsFile>& stats, Shards* shards = nullptr,
                                                          unsigned self = 0);

  /// Runs until SIGINT, SIGTERM or SIGQUIT (signals) or stop_fd (true), or an epoll failure (false).
  bool run();

  /// From the worker's thread (or once run() returned).
  RelayStats stats() const {
    return collect_relay_stats(relay_, path_.drops(), path_.handed_off(), path_.taken_over());
  }
  /// From any thread: the statistics as published at most a second ago.
  RelayStats published() const { return published_.get(); }
  /// Replaces what the stats file receives (default: this worker's stats()); several workers:
  /// the sum over all of them.
  void set_stats_text(std::function<std::string()> f) { stats_text_ = std::move(f); }

  /// Control channel (issue 6): answers `port`'s requests from this loop (port.fd() in the epoll set).
  void attach_control(control::ControlPort& port) { loop_.attach_control(port); }

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
  std::function<std::string()> stats_text_;
  PublishedStats<RelayStats> published_;
};

}  // namespace teredo::datapath
