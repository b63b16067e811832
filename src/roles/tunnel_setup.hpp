// SPDX-License-Identifier: GPL-2.0-or-later
// The set-up of teredod's worker process, one routine for the relay and the client, always in its
// n-worker form (one worker is n = 1): as root, the signals, the tunnel interface and its queues,
// one UDP socket per worker on one port (SO_REUSEPORT), the kernel's steering programs, the
// secret, the rings between the workers, the control socket; then the privilege drop, the
// workers, seccomp, the control thread, the worker threads, "ready" to the supervisor, and the
// first worker's loop on this thread; at the end the totals. What differs between the roles is
// the `Role` (relay.cpp, client.cpp):
//   const char* what                     "relay" or "client", for the log
//   unsigned worker_count(const DataPathSettings&)   Workers auto: a relay one per CPU, a client one
//   bool auth_to_first                   (client) router advertisements go to worker 0
//   os::TunDevice* open_interface(unsigned n)        as root; nullptr (logged) on failure
//   bool before_control(WorkerContext&)  as root, before the control socket exists (client: the
//                                        network watch, the privileged helper)
//   void after_privilege_drop()          (relay: leave the interface's removal to the kernel)
//   void set_discovery(std::optional<os::UdpSocket>)  (client) the local discovery group's socket
//   void start_upnp(proto::Endpoint local, WorkerContext&), proto::Endpoint finish_upnp()
//                                        (client) the UPnP port mapping, started once the socket
//                                        is bound, awaited before the privilege drop
//   datapath::ClientParts client_parts(unsigned index)
//   void log_started(proto::Endpoint bound, unsigned n, const std::string& user)
//   void before_exit()                   (client: the helper's final down and destroy)
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <new>
#include <optional>
#include <type_traits>
#include <vector>

#include "config/teredod_settings.hpp"
#include "control/port.hpp"
#include "control/server.hpp"
#include "control/stats_text.hpp"
#include "daemon/command_line.hpp"
#include "daemon/log.hpp"
#include "daemon/supervisor.hpp"
#include "datapath/handoff.hpp"
#include "datapath/tunnel_worker.hpp"
#include "datapath/worker_threads.hpp"
#include "os/page_memory.hpp"
#include "os/raw_icmpv6_socket.hpp"
#include "os/timer_fd.hpp"
#include "os/tun_device.hpp"
#include "os/udp_socket.hpp"
#include "roles/mac_loader.hpp"
#include "roles/worker_stop.hpp"

namespace teredo::roles {

/// What the data path needs besides the TUN device, opened while still root.
struct TunnelSockets {
  os::UdpSocket udp;
  os::RawIcmpv6Socket icmp;
  os::TimerFd timer;  // the core's next deadline
};

// The steps of run_tunnel that need no template, each logging its own failure.

/// The TUN queues of workers 1..n-1, attached to `tun` (multi-queue when n > 1); nullopt on failure.
std::optional<std::vector<os::TunDevice>> open_worker_queues(const os::TunDevice& tun, unsigned n);
/// One set of sockets per worker. Several workers share `bind` (SO_REUSEPORT): the port is
/// claimed first, so one another process holds is an error, and port 0 becomes one port for all.
/// Empty on failure.
std::vector<TunnelSockets> open_worker_sockets(const proto::Endpoint& bind, unsigned n);
/// Several workers: attaches the kernel steering programs (os/steering.hpp) to the TUN device and
/// to the reuseport group of `first_udp` unless `steering` is off, and logs what is in use.
/// Refusals are notices (misdirected packets are then handed over).
void attach_steering(os::TunDevice& tun, os::UdpSocket& first_udp, unsigned n, const proto::SteeringKey& key,
                     bool auth_to_first, bool steering);
/// A client with LocalDiscovery (RFC 4380 5.2.8): the prefix length of config.local's subnet, the
/// socket of the group 224.0.0.253:3544 on that link, and every service socket set to send its
/// discovery bubbles there. Whatever fails is a warning that turns local discovery off
/// (config.local_discovery = false, nullopt): it never stops the client.
std::optional<os::UdpSocket> open_local_discovery(core::ClientConfig& config,
                                                  std::vector<TunnelSockets>& sockets);
/// Fills the core's secret from the kernel; false on failure.
bool draw_secret(proto::MutableBytes secret, const char* what);
/// The rings and wake-ups between `n` workers; null on failure.
std::unique_ptr<datapath::Shards> create_shards(unsigned n, const proto::SteeringKey& key);

/// The steering key (proto/steering.hpp) from the kernel's CSPRNG; nullopt (logged) if it fails.
std::optional<proto::SteeringKey> draw_steering_key();
/// One control port per worker, the merged answer for teredoctl and MetricsListen, the endpoint,
/// seccomp (ctx.confine with `seccomp`), then the control thread. `ports` keeps the ports alive;
/// `attach(i, port)` attaches port i to worker i. False: set-up failure.
bool confine_with_control(control::ControlServer* control,
                          std::vector<std::unique_ptr<control::ControlPort>>& ports, unsigned n,
                          const std::function<void(unsigned, control::ControlPort&)>& attach,
                          daemon::WorkerContext& ctx, const os::SeccompOptions& seccomp);

/// A share of a table-wide limit for one of `n` workers (rounded up; at least `floor`; all of it
/// for one worker).
inline std::size_t worker_share(std::size_t total, unsigned n, std::size_t floor) {
  return n <= 1 ? total : std::max<std::size_t>(floor, (total + n - 1) / n);
}

/// Runs the worker process of a relay (Core = core::Relay) or client (core::Client) until a stop
/// signal; returns its exit status.
template <class Core, class Role>
int run_tunnel(Role& role, typename datapath::TunnelWorker<Core>::Config config,
               const config::TunnelSettings& settings, daemon::WorkerContext& ctx) {
  namespace log = daemon::log;
  using Worker = datapath::TunnelWorker<Core>;
  config.memory = &os::page_memory();  // the cores' large buffers: pages resident only once used
  const unsigned n = role.worker_count(settings.data_path);
  auto ending = open_worker_stop();  // worker 0 reads the signals; the eventfd stops the others
  if (!ending) return daemon::kExitSetupFailure;
  os::TunDevice* tun = role.open_interface(n);
  if (tun == nullptr) return daemon::kExitSetupFailure;
  auto queues = open_worker_queues(*tun, n);  // the queues of workers 1..n-1
  if (!queues) return daemon::kExitSetupFailure;
  std::vector<TunnelSockets> sockets = open_worker_sockets(settings.bind, n);
  if (sockets.empty()) return daemon::kExitSetupFailure;
  const proto::Endpoint bound = sockets[0].udp.local();
  if constexpr (std::is_same_v<Core, core::Client>) {
    // RFC 6081 hairpinning: the alternate address is the service socket as the LAN sees it.
    config.local = bound;
    if (bound.addr.value == 0) {
      auto source = os::UdpSocket::source_toward({config.server, proto::kTeredoPort});
      config.local.addr = source ? *source : proto::Ipv4Addr{};
    }
    role.start_upnp(config.local, ctx);  // RFC 6081 3.2: the IGD is asked while set-up goes on
    role.set_discovery(open_local_discovery(config, sockets));
    if (config.key && !load_mac(config.mac)) return daemon::kExitSetupFailure;
  }
  const auto steering_key = draw_steering_key();  // who owns a peer: secret, new at each start
  if (!steering_key) return daemon::kExitSetupFailure;
  if (n > 1)
    attach_steering(*tun, sockets[0].udp, n, *steering_key, role.auth_to_first, settings.data_path.steering);
  if (!draw_secret(config.secret, role.what)) return daemon::kExitSetupFailure;
  // Each worker owns a share of the peers: MaxPeers and the queue limit are divided.
  const std::size_t max_peers = config.max_peers;
  config.max_peers = worker_share(config.max_peers, n, config::kMinMaxPeers);
  config.queue_packets_total = worker_share(config.queue_packets_total, n, config.queue_packets_per_peer);
  std::unique_ptr<datapath::Shards> shards = create_shards(n, *steering_key);
  if (!shards) return daemon::kExitSetupFailure;
  if (!role.before_control(ctx)) return daemon::kExitSetupFailure;
  auto control = control::ControlServer::open(settings.control);  // the socket is created as root
  if (!control) return daemon::kExitSetupFailure;
  if constexpr (std::is_same_v<Core, core::Client>) config.upnp_mapping = role.finish_upnp();  // as root
  if (!ctx.drop_privileges()) return daemon::kExitSetupFailure;
  role.after_privilege_drop();

  std::vector<std::unique_ptr<Worker>> workers;
  for (unsigned i = 0; i < n; ++i) {
    datapath::WorkerIo io{i == 0 ? *tun : (*queues)[i - 1], std::move(sockets[i].udp),
                          std::move(sockets[i].icmp), std::move(sockets[i].timer)};
    const datapath::WorkerPlace place{i, shards.get(), i == 0 ? &ending->signals : nullptr, ending->stop.fd(),
                                      ctx.heartbeat(i)};
    try {
      auto w = Worker::create(config, std::move(io), place, settings.data_path, role.client_parts(i));
      if (!w) {
        log::alert("Cannot create the {} data path: {}", role.what, w.error().message());
        return daemon::kExitSetupFailure;
      }
      workers.push_back(std::move(*w));
    } catch (const std::bad_alloc&) {
      log::alert("Cannot allocate the peer table for MaxPeers {}", max_peers);
      return daemon::kExitSetupFailure;
    }
  }
  std::vector<std::unique_ptr<control::ControlPort>> ports;
  os::SeccompOptions seccomp;
  // RFC 6081 3.3, 3.4: a client's UDP socket on a random port per peer (random_port_support).
  if constexpr (std::is_same_v<Core, core::Client>)
    seccomp.udp_sockets = config.symmetric_nat_support && (config.port_preserving || config.sequential);
  if (!confine_with_control(
          control->get(), ports, n,
          [&](unsigned i, control::ControlPort& p) { workers[i]->attach_control(p); }, ctx, seccomp))
    return daemon::kExitSetupFailure;
  datapath::WorkerThreads threads(ending->stop);
  for (unsigned i = 1; i < n; ++i)
    if (!threads.start([w = workers[i].get()] { w->run(); })) return daemon::kExitSetupFailure;
  role.log_started(bound, n, ctx.user().name);
  ctx.ready();

  const bool clean = workers[0]->run();
  control->reset();  // stop asking the workers before they go
  threads.stop_and_join();
  std::vector<control::ControlSnapshot> parts;
  for (auto& w : workers) parts.push_back(w->snapshot(control::PeerQuery{}));
  const control::ControlSnapshot totals = control::merge_snapshots(std::move(parts), control::PeerQuery{});
  log::notice("Totals: {}", control::summary_line(totals.counters, totals.drops));
  role.before_exit();
  workers.clear();
  return clean ? daemon::kExitOk : daemon::kExitSetupFailure;
}

}  // namespace teredo::roles
