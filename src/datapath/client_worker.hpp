// The client data path (RFC 4380 5.2): one thread, one epoll loop over the TUN device, the UDP
// socket, the core's timerfd, the signalfd and an rtnetlink monitor (debounced by a second
// timerfd). The packet path is TunnelDataPath<core::Client>; the core's state changes go to
// the privileged helper, which configures the interface.
#pragma once

#include <functional>
#include <memory>
#include <optional>

#include "core/client.hpp"
#include "control/port.hpp"
#include "datapath/handoff.hpp"
#include "os/kernel_random.hpp"
#include "datapath/client_stats.hpp"
#include "datapath/stats_file.hpp"
#include "datapath/tunnel_path.hpp"
#include "datapath/worker_loop.hpp"
#include "os/epoll.hpp"
#include "os/netlink_monitor.hpp"
#include "os/raw_icmpv6_socket.hpp"
#include "os/signals.hpp"
#include "os/timer_fd.hpp"
#include "os/tun_device.hpp"
#include "os/udp_socket.hpp"

namespace teredo::datapath {

/// Configures the tunnel interface when the client qualifies or loses its server (the privileged
/// helper, roles/client_helper.hpp). Requests are queued without blocking.
class InterfaceControl {
 public:
  virtual ~InterfaceControl() = default;
  virtual bool send_up(const proto::Ipv6Addr& address, std::uint32_t mtu) = 0;
  virtual bool send_down() = 0;
};

/// Everything the client data path uses, opened by the driver while it still had root privileges.
struct ClientIo {
  os::TunDevice& tun;
  int ifindex = 0;
  os::UdpSocket udp;
  os::RawIcmpv6Socket icmp;
  os::TimerFd timer;
  os::TimerFd debounce;  // network-change debounce
  os::NetlinkMonitor monitor;
  os::SignalFd& signals;
  InterfaceControl& helper;
  config::OffloadSettings offloads{};
};

class ClientWorker {
 public:
  /// Builds the core (its first RS is sent when run() starts) and the epoll set. `stats`, when
  /// set, is rewritten every second and at the end of run().
  /// `shards`: several workers; this one is worker 0, the only one that qualifies, and it hands
  /// its state to the followers (client_follower.hpp) after every change.
  static os::OsResult<std::unique_ptr<ClientWorker>> create(const core::ClientConfig& config, ClientIo io,
                                                           std::optional<StatsFile>& stats, Shards* shards = nullptr);

  /// Runs until SIGINT, SIGTERM or SIGQUIT (true) or an epoll failure (false).
  bool run();

  ClientStats stats() const {
    return collect_client_stats(client_, path_.drops(), path_.handed_off(), path_.taken_over());
  }
  /// Replaces what the stats file receives (several workers: the sum over all of them).
  void set_stats_text(std::function<std::string()> f) { stats_text_ = std::move(f); }

  /// Control channel (issue 6): answers `port`'s requests from this loop (port.fd() in the epoll set).
  void attach_control(control::ControlPort& port) { loop_.attach_control(port); }

  ClientWorker(const ClientWorker&) = delete;
  ClientWorker& operator=(const ClientWorker&) = delete;

 private:
  ClientWorker(const core::ClientConfig& config, ClientIo io, os::Epoll epoll, std::optional<StatsFile>& stats);
  bool on_signals();
  void on_netlink();
  void on_debounce();
  /// Logs the core's state changes and forwards them to the helper (from flush()).
  void handle_state_changes();

  os::KernelRandom random_;
  core::Client client_;
  ClientIo io_;
  WorkerLoop loop_;
  TunnelDataPath<core::Client> path_;
  bool debounce_armed_ = false;
  std::optional<core::Qualification> announced_;  // what the helper was last told is up
  std::function<std::string()> stats_text_;
};

}  // namespace teredo::datapath
