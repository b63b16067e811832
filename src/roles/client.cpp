// teredod client worker: set-up and shutdown.
//
// Order: signals, tunnel interface (down, no address), sockets, timers, netlink monitor,
// secret, stats file, the privileged helper, privilege drop, core, seccomp, "ready" to the
// supervisor, data path; at exit the helper's down + destroy, then the TUN descriptor is
// closed (the interface disappears).
#include "roles/client.hpp"

#include "config/effective.hpp"

#include <algorithm>
#include <functional>
#include <vector>

#include <unistd.h>

#include <memory>

#include "roles/client_helper.hpp"
#include "datapath/client_follower.hpp"
#include "datapath/client_worker.hpp"
#include "control/server.hpp"
#include "daemon/daemon_setup.hpp"
#include "daemon/log.hpp"
#include "os/page_memory.hpp"
#include "roles/teredod.hpp"
#include "config/relay_settings.hpp"
#include "roles/tunnel_setup.hpp"
#include "datapath/worker_threads.hpp"
#include "os/event_fd.hpp"
#include "os/net_text.hpp"
#include "os/netlink.hpp"

namespace teredo::roles {

using namespace daemon;    // NOLINT(google-build-using-namespace): rewritten by the one-worker step
using namespace config;    // NOLINT(google-build-using-namespace)
using namespace control;   // NOLINT(google-build-using-namespace)
using namespace datapath;  // NOLINT(google-build-using-namespace)

namespace log = daemon::log;

EffectiveSettings describe_client_settings(const ClientSettings& s) {
  EffectiveSettings e{{"RelayType", "client"},
          {"ServerAddress", s.server_name + " (" + os::to_string(s.client.server) + ")"},
          {"ServerAddress2", os::to_string(s.client.server2)},
          {"InterfaceName", s.interface_name},
          {"BindAddress", os::to_string(s.bind.addr)},
          {"BindPort", std::to_string(s.bind.port)},
          {"MaxPeers", std::to_string(s.client.max_peers)},
          {"HookScript", s.hook_script.value_or("")},
          {"SyslogFacility", facility_text(s.syslog_facility)}};
  append_data_path_settings(e, s.offload);
  append_control_settings(e, s.control);
  return e;
}

int run_teredod_client_worker(const ClientSettings& settings, WorkerContext& ctx) {
  core::ClientConfig config = settings.client;
  config.memory = &os::page_memory();  // the cores' large buffers: pages resident only once used
  // Workers: a client runs one unless Workers asks for more (auto: one; see docs/decisions.md).
  const unsigned n = std::max(1u, settings.offload.workers);
  auto signals = os::SignalFd::open(os::SignalRole::Worker);
  if (!signals) {
    log::alert("Cannot set up signals: {}", signals.error().message());
    return kExitSetupFailure;
  }
  auto stop = os::EventFd::open();  // stops the followers
  if (!stop) {
    log::alert("Cannot create eventfd: {}", stop.error().message());
    return kExitSetupFailure;
  }

  // The tunnel starts down and without addresses; the helper configures it once qualified.
  auto tun = os::TunDevice::open(settings.interface_name, n > 1);
  if (!tun) {
    log::alert("{} tunneling interface creation failure: {}", settings.interface_name, tun.error().message());
    return kExitSetupFailure;
  }
  auto queues = open_worker_queues(*tun, n);  // the followers' queues
  if (!queues) return kExitSetupFailure;
  int ifindex = 0;
  {
    auto netlink = os::Netlink::open();
    if (!netlink) {
      log::alert("Cannot open rtnetlink: {}", netlink.error().message());
      return kExitSetupFailure;
    }
    auto index = netlink->ifindex(tun->name());
    if (!index) {
      log::alert("Cannot find interface {}: {}", tun->name(), index.error().message());
      return kExitSetupFailure;
    }
    ifindex = *index;
    // Only fe80::ffff:ffff:ffff and the Teredo address: no kernel-generated link-local.
    if (auto st = netlink->disable_ipv6_address_generation(ifindex); !st)
      log::warning("Cannot disable IPv6 address generation on {}: {}", tun->name(), st.error().message());
  }

  // Every worker's socket on one port (SO_REUSEPORT): one NAT mapping, one Teredo address.
  std::vector<TunnelSockets> sockets = open_worker_sockets(settings.bind, n);
  if (sockets.empty()) return kExitSetupFailure;
  if (n > 1) attach_steering(*tun, sockets[0].udp, n, true);
  auto debounce = os::TimerFd::open();
  if (!debounce) {
    log::alert("Cannot create timer: {}", debounce.error().message());
    return kExitSetupFailure;
  }
  auto monitor = os::NetlinkMonitor::open();
  if (!monitor) {
    log::alert("Cannot watch network changes: {}", monitor.error().message());
    return kExitSetupFailure;
  }
  if (!draw_secret(config.secret, "client")) return kExitSetupFailure;
  // Each worker owns a share of the peers: MaxPeers and the queue limit are divided.
  config.max_peers = worker_share(config.max_peers, n, kMinMaxPeers);
  config.queue_packets_total = worker_share(config.queue_packets_total, n, config.queue_packets_per_peer);
  std::unique_ptr<Shards> shards;
  if (!create_shards(n, shards)) return kExitSetupFailure;
  std::optional<StatsFile> stats;
  if (!open_stats_file(stats)) return kExitSetupFailure;

  const HelperSettings helper_settings{ifindex, settings.hook_script, settings.syslog_facility,
                                       ctx.options().foreground};
  auto helper = ClientHelper::start(helper_settings);
  if (!helper) {
    log::alert("Cannot start the privileged helper: {}", helper.error().message());
    return kExitSetupFailure;
  }

  // Control channel (issue 6): created as root, after the helper was forked (it never holds it).
  std::unique_ptr<ControlServer> control;
  if (!ControlServer::open(settings.control, control)) return kExitSetupFailure;
  if (!ctx.drop_privileges()) return kExitSetupFailure;

  const proto::Endpoint bound = sockets[0].udp.local();
  std::unique_ptr<ClientWorker> worker = create_tunnel_worker<ClientWorker>("client", config.max_peers, [&] {
    return ClientWorker::create(config,
                                ClientIo{*tun, ifindex, std::move(sockets[0].udp), std::move(sockets[0].icmp),
                                         std::move(sockets[0].timer), std::move(*debounce), std::move(*monitor),
                                         *signals, *helper, settings.offload},
                                stats, shards.get());
  });
  if (!worker) return kExitSetupFailure;
  std::vector<std::unique_ptr<ClientFollower>> followers;
  for (unsigned i = 1; i < n; ++i) {
    auto f = create_tunnel_worker<ClientFollower>("client", config.max_peers, [&] {
      return ClientFollower::create(config,
                                    ClientFollowerIo{(*queues)[i - 1], std::move(sockets[i].udp),
                                                     std::move(sockets[i].icmp), std::move(sockets[i].timer),
                                                     stop->fd(), settings.offload},
                                    *shards, i);
    });
    if (!f) return kExitSetupFailure;
    followers.push_back(std::move(f));
  }
  auto total = [&] {  // from the first worker's thread
    ClientStats t = worker->stats();
    for (auto& f : followers) t += f->published();
    return t;
  };
  std::vector<std::unique_ptr<ControlPort>> ports;
  if (n == 1) {
    if (!confine_with_control(control, *worker, ctx)) return kExitSetupFailure;
  } else {
    worker->set_stats_text([&] { return format_client_stats(total()); });
    std::vector<std::function<void(ControlPort&)>> attach{[&](ControlPort& p) { worker->attach_control(p); }};
    for (auto& f : followers) attach.push_back([f = f.get()](ControlPort& p) { f->attach_control(p); });
    if (!confine_with_merged_control(control, ports, attach, ctx)) return kExitSetupFailure;
  }
  WorkerThreads threads(*stop);
  for (auto& f : followers)
    if (!threads.start([f = f.get()] { f->run(); })) return kExitSetupFailure;

  log::notice("Teredo client started: server {} ({}, {}), interface {}, UDP {}, {}, max peers {}, {} worker{}, user {}",
              settings.server_name, os::to_string(config.server), os::to_string(config.server2), tun->name(),
              os::to_string(bound), settings.hook_script ? "hook " + *settings.hook_script : "netlink configuration",
              settings.client.max_peers, n, n == 1 ? "" : "s", ctx.user().name);
  ctx.ready();

  const bool clean = worker->run();
  control.reset();  // stop asking the workers before they go
  threads.stop_and_join();
  ClientStats totals = worker->stats();
  for (auto& f : followers) totals += f->stats();
  if (stats && n > 1) stats->write(format_client_stats(totals));
  log::notice("Totals: {}", summarize_client_stats(totals));
  helper->finish();  // down + destroy while the interface still exists
  followers.clear();
  worker.reset();
  return clean ? kExitOk : kExitSetupFailure;
}

}  // namespace teredo::roles
