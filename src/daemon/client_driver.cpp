// teredod client worker: set-up and shutdown.
//
// Order: signals, tunnel interface (down, no address), sockets, timers, netlink monitor,
// secret, stats file, the privileged helper, privilege drop, core, seccomp, "ready" to the
// supervisor, data path; at exit the helper's down + destroy, then the TUN descriptor is
// closed (the interface disappears).
#include "daemon/client_driver.hpp"

#include <unistd.h>

#include <memory>

#include "daemon/client_helper.hpp"
#include "daemon/client_worker.hpp"
#include "daemon/control_server.hpp"
#include "daemon/daemon_setup.hpp"
#include "daemon/log.hpp"
#include "daemon/relay_driver.hpp"
#include "daemon/tunnel_worker_setup.hpp"
#include "os/net_text.hpp"
#include "os/netlink.hpp"

namespace teredo::daemon {

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
  auto signals = os::SignalFd::open(os::SignalRole::Worker);
  if (!signals) {
    log::alert("Cannot set up signals: {}", signals.error().message());
    return kExitSetupFailure;
  }

  // The tunnel starts down and without addresses; the helper configures it once qualified.
  auto tun = os::TunDevice::open(settings.interface_name);
  if (!tun) {
    log::alert("{} tunneling interface creation failure: {}", settings.interface_name, tun.error().message());
    return kExitSetupFailure;
  }
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

  auto sockets = open_tunnel_sockets(settings.bind);
  if (!sockets) return kExitSetupFailure;
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

  const proto::Endpoint bound = sockets->udp.local();
  std::unique_ptr<ClientWorker> worker = create_tunnel_worker<ClientWorker>("client", config.max_peers, [&] {
    return ClientWorker::create(config,
                                ClientIo{*tun, ifindex, std::move(sockets->udp), std::move(sockets->icmp),
                                         std::move(sockets->timer), std::move(*debounce), std::move(*monitor),
                                         *signals, *helper, settings.offload},
                                stats);
  });
  if (!worker) return kExitSetupFailure;
  if (!confine_with_control(control, *worker, ctx)) return kExitSetupFailure;

  log::notice("Teredo client started: server {} ({}, {}), interface {}, UDP {}, {}, max peers {}, user {}",
              settings.server_name, os::to_string(config.server), os::to_string(config.server2), tun->name(),
              os::to_string(bound), settings.hook_script ? "hook " + *settings.hook_script : "netlink configuration",
              config.max_peers, ctx.user().name);
  ctx.ready();

  const bool clean = worker->run();
  log::notice("Totals: {}", summarize_client_stats(worker->stats()));
  helper->finish();  // down + destroy while the interface still exists
  worker.reset();
  return clean ? kExitOk : kExitSetupFailure;
}

}  // namespace teredo::daemon
