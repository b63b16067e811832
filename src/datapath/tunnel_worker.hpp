// SPDX-License-Identifier: GPL-2.0-or-later
// One data-path worker of a relay or a client (RFC 4380 5.4, 5.2), on its own thread: an epoll
// loop over its TUN queue, its UDP socket (SO_REUSEPORT when there are several), a timerfd armed
// to its core's next deadline, its wake-up eventfd (packets other workers passed to it), what
// stops it (worker 0: the signalfd; the others: the stop eventfd), and the control port. The
// packet path is TunnelPath<Core>. With several workers each core owns the peers proto::shard_of
// gives it (handoff.hpp).
//
// A client's first worker also qualifies: it watches the network (rtnetlink, debounced) and
// carries out its core's StateChange actions: the privileged helper configures the interface,
// the other workers (followers) take the new state from the StateBoard, the control channel
// learns "state since". Every client worker keeps the random-port sockets its core asks for
// (random_port_sockets.hpp), watched by its epoll loop.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <type_traits>

#include "config/datapath_settings.hpp"
#include "control/port.hpp"
#include "control/snapshot.hpp"
#include "core/client.hpp"
#include "core/relay.hpp"
#include "datapath/client_state.hpp"
#include "datapath/handoff.hpp"
#include "datapath/random_port_sockets.hpp"
#include "datapath/tunnel_path.hpp"
#include "os/epoll.hpp"
#include "os/heartbeat.hpp"
#include "os/kernel_random.hpp"
#include "os/netlink_monitor.hpp"
#include "os/raw_icmpv6_socket.hpp"
#include "os/signals.hpp"
#include "os/timer_fd.hpp"
#include "os/tun_device.hpp"
#include "os/udp_socket.hpp"

namespace teredo::datapath {

/// The descriptors a worker owns, opened while the process was still root (the TUN queue is the
/// set-up's and outlives the worker).
struct WorkerIo {
  os::TunDevice& tun;
  os::UdpSocket udp;
  os::RawIcmpv6Socket icmp;
  os::TimerFd timer;  // the core's next deadline
};

/// Which worker this is among how many, and what stops it.
struct WorkerPlace {
  unsigned index = 0;
  Shards* shards = nullptr;         // never null: the rings and wake-ups of all the workers
  os::SignalFd* signals = nullptr;  // worker 0: stop on SIGINT, SIGTERM, SIGQUIT
  int stop_fd = -1;                 // the others: readable once they must stop
  os::Heartbeat heartbeat;          // systemd's watchdog: when this thread's turn began (os/heartbeat.hpp)
};

/// Configures the tunnel interface when the client qualifies or loses its server (the privileged
/// helper, roles/client_helper.hpp). Requests are queued without blocking.
class InterfaceControl {
 public:
  virtual bool send_up(const proto::Ipv6Addr& address, std::uint32_t mtu) = 0;
  virtual bool send_down() = 0;

 protected:
  ~InterfaceControl() = default;
};

/// What a client worker has besides the packet path. Every client worker shares the board; the
/// first one alone qualifies, with the network watch and the interface control.
struct ClientParts {
  StateBoard* board = nullptr;
  struct Qualifier {
    int ifindex = 0;
    os::NetlinkMonitor monitor;
    os::TimerFd debounce;  // network-change debounce
    InterfaceControl& interface;
    /// The local discovery group's socket (224.0.0.253:3544; RFC 4380 5.2.8), when LocalDiscovery
    /// is on and the group could be joined.
    std::optional<os::UdpSocket> discovery;
  };
  std::optional<Qualifier> qualifier;
};

template <class Core>
class TunnelWorker final : StateListener {
 public:
  using Config = std::conditional_t<std::is_same_v<Core, core::Relay>, core::RelayConfig, core::ClientConfig>;

  /// Builds the core (which allocates its peer table: may throw std::bad_alloc) and the epoll
  /// set. A client worker other than the first runs its core as a follower.
  static os::OsResult<std::unique_ptr<TunnelWorker>> create(const Config& config, WorkerIo io,
                                                            const WorkerPlace& place,
                                                            const config::DataPathSettings& settings,
                                                            ClientParts client = {});

  /// The thread's body: runs until told to stop (true) or an epoll failure (false).
  bool run();

  /// Answers `port`'s requests from this loop.
  void attach_control(control::ControlPort& port);

  /// Everything this worker reports (from its own thread, or once run() returned): the core's
  /// snapshot with the handoff counters, the drops counted outside the core and the offloads.
  control::ControlSnapshot snapshot(const control::PeerQuery& q);

  TunnelWorker(const TunnelWorker&) = delete;
  TunnelWorker& operator=(const TunnelWorker&) = delete;
  ~TunnelWorker() = default;

 private:
  // kRandomPort + slot: a client's random-port sockets (RandomPortSockets::kCapacity tags).
  enum Tag : std::uint64_t {
    kTun,
    kUdp,
    kTimer,
    kStop,
    kControl,
    kHandoff,
    kNetwork,
    kDebounce,
    kDiscovery,
    kRandomPort
  };

  TunnelWorker(const Config& config, WorkerIo io, const WorkerPlace& place,
               const config::DataPathSettings& settings, ClientParts client, os::Epoll epoll);
  static Config adjusted(Config config, unsigned index);
  static std::size_t max_mtu(const Config& config);
  /// True when the stop descriptor says stop (worker 0: a stop signal was read and logged).
  bool should_stop();
  void on_handoff();
  void on_network_change_event();
  void on_debounce();
  void on_state_change(const core::StateChange& change) override;
  void maybe_advise_huge_pages();
  /// A control request: a peers query starts a walk (answered by continue_walk once done),
  /// anything else is answered at once.
  void on_control();
  /// One slice of the peers walk in progress: table slots until kWalkSliceTime has passed, then
  /// back to the packets; answers the query once the whole table was visited.
  void continue_walk();

  os::KernelRandom random_;  // the client core's nonces and address bits
  Core core_;
  WorkerIo io_;
  WorkerPlace place_;
  ClientParts client_;
  os::Epoll epoll_;
  TunnelPath<Core> path_;
  control::ControlPort* control_ = nullptr;
  struct Walk {
    std::uint64_t id;
    control::PeerWalk walk;
  };
  std::optional<Walk> walk_;                            // a peers query in progress
  std::chrono::nanoseconds longest_walk_slice_{0};      // since the worker started: wall time
  std::chrono::nanoseconds longest_walk_slice_cpu_{0};  // and the thread's CPU time
  control::StateSince state_since_;
  std::uint64_t state_seen_ = 0;                  // follower: the board's version taken last
  std::optional<core::Qualification> announced_;  // first client worker: what the helper was told is up
  bool debounce_armed_ = false;
  bool huge_pages_advised_ = false;
  std::unique_ptr<os::RecvBatch> discovery_batch_;  // with a discovery socket
  // A client's; after epoll_ and path_, so that its sockets close before them.
  std::optional<RandomPortSockets> random_sockets_;
};

extern template class TunnelWorker<core::Relay>;
extern template class TunnelWorker<core::Client>;

}  // namespace teredo::datapath
