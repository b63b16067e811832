// teredod: its supervisor role (the configuration picks a relay role or the client) and the
// relay worker process (miredo-behaviour.md 1.1, 1.6, 2.4, 6; supervisor.hpp); the client
// worker is run_teredod_client_worker (client_driver.cpp).
//
// Relay worker order: signals, tunnel interface, sockets, timer, secret, stats file, privilege
// drop (chroot, user, no capabilities), core, seccomp, "ready" to the supervisor, data path.
//
// Test hook: when TEREDOD_STATS_FILE is set, the data-path thread rewrites that file every
// second and at exit (format_relay_stats). A later issue replaces this with teredoctl.
#include "roles/teredod.hpp"

#include <sched.h>
#include <unistd.h>

#include <linux/capability.h>

#include <algorithm>
#include <any>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "roles/client.hpp"
#include "config/config_file.hpp"
#include "config/effective.hpp"
#include "config/load.hpp"
#include "control/server.hpp"
#include "daemon/daemon_setup.hpp"
#include "daemon/log.hpp"
#include "os/page_memory.hpp"
#include "roles/relay_interface.hpp"
#include "config/relay_settings.hpp"
#include "datapath/relay_worker.hpp"
#include "daemon/supervisor.hpp"
#include "roles/tunnel_setup.hpp"
#include "datapath/worker_threads.hpp"
#include "datapath/handoff.hpp"
#include "os/event_fd.hpp"
#include "os/net_text.hpp"
#include "os/signals.hpp"

namespace teredo::roles {

using namespace daemon;    // NOLINT(google-build-using-namespace): rewritten by the one-worker step
using namespace config;    // NOLINT(google-build-using-namespace)
using namespace control;   // NOLINT(google-build-using-namespace)
using namespace datapath;  // NOLINT(google-build-using-namespace)

namespace log = daemon::log;

namespace {

// What the configuration asks for: a relay role or the client.
struct TeredodSettings {
  std::optional<RelaySettings> relay;
  std::optional<ClientSettings> client;
};

// Loads and checks the configuration; logs every problem. false: the file has errors.
bool load_settings(const CommandLine& options, TeredodSettings& out) {
  const std::string path = options.config_file.value_or(kDefaultTeredodConfig);
  ConfigFile config = ConfigFile::load(path);
  if (!config.readable()) {
    log::alert("Loading configuration from {} failed: {}", path, config.diagnostics().front().message);
    return false;
  }
  auto settings = load_relay_settings(config);
  if (settings && settings->role == TeredoRole::Client) {
    out.client = load_client_settings(config, options.server_name, settings->syslog_facility);
    log_diagnostics(config);
    if (out.client && out.client->hook_script && ::access(out.client->hook_script->c_str(), X_OK) != 0) {
      log::alert("{}:{}: HookScript {} is not an executable file", path, config.line_of("HookScript"),
                 *out.client->hook_script);
      out.client.reset();
      return false;
    }
    if (!out.client) log::alert("Fatal configuration error in {}", path);
    return out.client.has_value();
  }
  log_diagnostics(config);
  if (!settings) log::alert("Fatal configuration error in {}", path);
  if (settings && options.server_name)
    log::notice("SERVER_NAME \"{}\" ignored: it applies to client mode only", *options.server_name);
  out.relay = std::move(settings);
  return out.relay.has_value();
}

std::string prefix_text(std::uint32_t prefix) {
  proto::Ipv6Addr a;
  proto::store_be32(a.bytes.data(), prefix);
  return os::to_string(a) + "/32";
}

EffectiveSettings describe(const RelaySettings& s) {
  EffectiveSettings e{{"RelayType", role_name(s.role)},
          {"InterfaceName", s.interface_name},
          {"InterfaceMTU", std::to_string(s.relay.mtu)},
          {"Prefix", prefix_text(s.relay.prefix)},
          {"BindAddress", os::to_string(s.bind.addr)},
          {"BindPort", std::to_string(s.bind.port)},
          {"MaxPeers", std::to_string(s.relay.max_peers)},
          {"SyslogFacility", facility_text(s.syslog_facility)}};
  append_data_path_settings(e, s.offload);
  append_control_settings(e, s.control);
  return e;
}

// Workers: the Workers directive, or one per CPU this process may run on (at most kMaxWorkers).
unsigned relay_worker_count(const OffloadSettings& s) {
  if (s.workers != 0) return s.workers;
  cpu_set_t set;
  CPU_ZERO(&set);
  unsigned n = 1;
  if (::sched_getaffinity(0, sizeof set, &set) == 0) n = static_cast<unsigned>(CPU_COUNT(&set));
  return std::clamp(n, 1u, kMaxWorkers);
}

int run_relay_worker(const RelaySettings& settings, WorkerContext& ctx) {
  core::RelayConfig config = settings.relay;
  config.memory = &os::page_memory();  // the cores' large buffers: pages resident only once used
  const unsigned n = relay_worker_count(settings.offload);
  auto signals = os::SignalFd::open(os::SignalRole::Worker);
  if (!signals) {
    log::alert("Cannot set up signals: {}", signals.error().message());
    return kExitSetupFailure;
  }
  auto stop = os::EventFd::open();  // stops the workers after the first
  if (!stop) {
    log::alert("Cannot create eventfd: {}", stop.error().message());
    return kExitSetupFailure;
  }

  auto iface = RelayInterface::create(settings.interface_name, config.mtu, config.prefix, n > 1);
  if (!iface) return kExitSetupFailure;
  auto queues = open_worker_queues(iface->tun(), n);  // the queues of workers 1..n-1
  if (!queues) return kExitSetupFailure;
  std::vector<TunnelSockets> sockets = open_worker_sockets(settings.bind, n);
  if (sockets.empty()) return kExitSetupFailure;
  const proto::Endpoint bound = sockets[0].udp.local();
  if (n > 1) attach_steering(iface->tun(), sockets[0].udp, n, false);
  if (!draw_secret(config.secret, "relay")) return kExitSetupFailure;
  // Each worker owns a share of the peers: MaxPeers and the queue limit are divided.
  config.max_peers = worker_share(config.max_peers, n, kMinMaxPeers);
  config.queue_packets_total = worker_share(config.queue_packets_total, n, config.queue_packets_per_peer);
  std::unique_ptr<Shards> shards;
  if (!create_shards(n, shards)) return kExitSetupFailure;
  std::optional<StatsFile> stats;
  if (!open_stats_file(stats)) return kExitSetupFailure;

  std::unique_ptr<ControlServer> control;  // control channel (issue 6): the socket is created as root
  if (!ControlServer::open(settings.control, control)) return kExitSetupFailure;
  if (!ctx.drop_privileges()) return kExitSetupFailure;
  // Without CAP_NET_ADMIN the explicit netlink removal would fail: closing the TUN descriptors
  // at exit deletes the interface with its address and route.
  iface->skip_explicit_cleanup();

  std::vector<std::unique_ptr<RelayWorker>> workers;
  std::optional<StatsFile> no_stats;  // only the first worker writes the stats file
  for (unsigned i = 0; i < n; ++i) {
    os::TunDevice& tun = i == 0 ? iface->tun() : (*queues)[i - 1];
    auto w = create_tunnel_worker<RelayWorker>("relay", config.max_peers, [&] {
      return RelayWorker::create(config,
                                 RelayIo{tun, std::move(sockets[i].udp), std::move(sockets[i].icmp),
                                         std::move(sockets[i].timer), i == 0 ? &*signals : nullptr,
                                         i == 0 ? signals->fd() : stop->fd(), settings.offload},
                                 i == 0 ? stats : no_stats, shards.get(), i);
    });
    if (!w) return kExitSetupFailure;
    workers.push_back(std::move(w));
  }
  auto total = [&] {  // from the first worker's thread
    RelayStats t = workers[0]->stats();
    for (std::size_t i = 1; i < workers.size(); ++i) t += workers[i]->published();
    return t;
  };
  if (n > 1) workers[0]->set_stats_text([&] { return format_relay_stats(total()); });

  std::vector<std::unique_ptr<ControlPort>> ports;  // workers 1..n-1 (the first uses control->port())
  if (n == 1) {
    if (!confine_with_control(control, *workers[0], ctx)) return kExitSetupFailure;
  } else {
    std::vector<std::function<void(ControlPort&)>> attach;
    for (auto& w : workers) attach.push_back([w = w.get()](ControlPort& p) { w->attach_control(p); });
    if (!confine_with_merged_control(control, ports, attach, ctx)) return kExitSetupFailure;
  }
  WorkerThreads threads(*stop);
  for (unsigned i = 1; i < n; ++i)
    if (!threads.start([w = workers[i].get()] { w->run(); })) return kExitSetupFailure;

  log::notice(
      "Teredo relay started: mode {}, interface {} (MTU {}), prefix {}, UDP {}, max peers {}, {} worker{}, user {}",
      role_name(settings.role), iface->tun().name(), config.mtu, prefix_text(config.prefix), os::to_string(bound),
      settings.relay.max_peers, n, n == 1 ? "" : "s", ctx.user().name);
  ctx.ready();

  const bool clean = workers[0]->run();
  control.reset();  // control channel: stop asking the workers before they go
  threads.stop_and_join();
  RelayStats totals;
  for (auto& w : workers) totals += w->stats();
  if (stats && n > 1) stats->write(format_relay_stats(totals));
  log::notice("Totals: {}", summarize_relay_stats(totals));
  workers.clear();
  log::notice("Teredo pseudo-tunnel stopped");
  return clean ? kExitOk : kExitSetupFailure;
}

}  // namespace

int run_teredod(const CommandLine& options) {
  DaemonRole role = daemon_role(kTeredodProgram, kDefaultTeredodConfig, kDefaultTeredodPidfile,
                                kDefaultTeredodUser, kDefaultTeredodChroot);
  // TUN and rtnetlink (NET_ADMIN), the raw ICMPv6 socket (NET_RAW), a BindPort below 1024
  // (NET_BIND_SERVICE), the drop itself (SETUID, SETGID, SYS_CHROOT, SETPCAP for the bounding
  // set), stopping the worker (KILL), loading the TUN steering program of several workers (BPF).
  role.supervisor_caps = {CAP_NET_ADMIN,  CAP_NET_RAW, CAP_NET_BIND_SERVICE, CAP_SETUID, CAP_SETGID,
                          CAP_SYS_CHROOT, CAP_SETPCAP, CAP_KILL,             CAP_BPF};
  role.load = [](const CommandLine& o) -> std::optional<LoadedConfig> {
    TeredodSettings settings;
    if (!load_settings(o, settings)) return std::nullopt;
    LoadedConfig loaded;
    if (settings.client) {
      loaded.effective = describe_client_settings(*settings.client);
      loaded.syslog_facility = settings.client->syslog_facility;
    } else {
      loaded.effective = describe(*settings.relay);
      loaded.syslog_facility = settings.relay->syslog_facility;
    }
    loaded.settings = std::move(settings);
    return loaded;
  };
  role.run_worker = [](const LoadedConfig& loaded, WorkerContext& ctx) {
    const auto& settings = std::any_cast<const TeredodSettings&>(loaded.settings);
    return settings.client ? run_teredod_client_worker(*settings.client, ctx) : run_relay_worker(*settings.relay, ctx);
  };
  return run_supervised(options, role);
}

}  // namespace teredo::roles
