// A client data-path worker other than the first (several workers, issue 7): its own TUN queue,
// UDP socket (SO_REUSEPORT, same port as the first: one NAT mapping), raw ICMPv6 socket, timer
// and core::Client in follower mode. It serves the peers proto::shard_of gives it; the first
// worker qualifies, configures the interface and hands its state over (ClientStateRecord).
#pragma once

#include <memory>
#include <optional>

#include "core/client.hpp"
#include "os/kernel_random.hpp"
#include "datapath/client_stats.hpp"
#include "control/port.hpp"
#include "datapath/handoff.hpp"
#include "config/datapath_settings.hpp"
#include "datapath/published_stats.hpp"
#include "datapath/stats_file.hpp"
#include "datapath/tunnel_path.hpp"
#include "datapath/worker_loop.hpp"
#include "os/raw_icmpv6_socket.hpp"
#include "os/timer_fd.hpp"
#include "os/tun_device.hpp"
#include "os/udp_socket.hpp"

namespace teredo::datapath {

struct ClientFollowerIo {
  os::TunDevice& tun;  // this worker's queue
  os::UdpSocket udp;
  os::RawIcmpv6Socket icmp;
  os::TimerFd timer;
  int stop_fd;  // readable when the worker must stop
  config::OffloadSettings offloads{};
};

class ClientFollower {
 public:
  /// `config.follower` is set here. `shards` outlive the worker; this one is number `self` (>= 1).
  static os::OsResult<std::unique_ptr<ClientFollower>> create(core::ClientConfig config, ClientFollowerIo io,
                                                             Shards& shards, unsigned self);

  /// The thread's body: returns once stop_fd is readable (true) or on an epoll failure (false).
  bool run();

  /// From the worker's thread (or once run() returned).
  ClientStats stats() const {
    return collect_client_stats(client_, path_.drops(), path_.handed_off(), path_.taken_over());
  }
  /// From any thread: the statistics as published at most about a second ago.
  ClientStats published() const { return published_.get(); }

  void attach_control(control::ControlPort& port) { loop_.attach_control(port); }

  ClientFollower(const ClientFollower&) = delete;
  ClientFollower& operator=(const ClientFollower&) = delete;

 private:
  ClientFollower(const core::ClientConfig& config, ClientFollowerIo io, os::Epoll epoll);

  os::KernelRandom random_;
  core::Client client_;
  ClientFollowerIo io_;
  std::optional<StatsFile> no_stats_;  // the first worker writes the stats file
  WorkerLoop loop_;
  TunnelDataPath<core::Client> path_;
  PublishedStats<ClientStats> published_;
};

}  // namespace teredo::datapath
