// teredod: its supervisor role (the configuration picks a relay role or the client) and the
// relay worker process (miredo-behaviour.md 1.1, 1.6, 2.4, 6; supervisor.hpp); the client
// worker is run_teredod_client_worker (client_driver.cpp).
//
// Relay worker order: signals, tunnel interface, sockets, timer, secret, stats file, privilege
// drop (chroot, user, no capabilities), core, seccomp, "ready" to the supervisor, data path.
//
// Test hook: when TEREDOD_STATS_FILE is set, the data-path thread rewrites that file every
// second and at exit (format_relay_stats). A later issue replaces this with teredoctl.
#include "daemon/relay_driver.hpp"

#include <unistd.h>

#include <linux/capability.h>

#include <any>
#include <memory>
#include <optional>
#include <string>

#include "daemon/client_driver.hpp"
#include "daemon/config_file.hpp"
#include "daemon/control_server.hpp"
#include "daemon/daemon_setup.hpp"
#include "daemon/log.hpp"
#include "daemon/relay_interface.hpp"
#include "daemon/relay_settings.hpp"
#include "daemon/relay_worker.hpp"
#include "daemon/supervisor.hpp"
#include "daemon/tunnel_worker_setup.hpp"
#include "os/net_text.hpp"
#include "os/signals.hpp"

namespace teredo::daemon {

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
  return {{"RelayType", role_name(s.role)},
          {"InterfaceName", s.interface_name},
          {"InterfaceMTU", std::to_string(s.relay.mtu)},
          {"Prefix", prefix_text(s.relay.prefix)},
          {"BindAddress", os::to_string(s.bind.addr)},
          {"BindPort", std::to_string(s.bind.port)},
          {"MaxPeers", std::to_string(s.relay.max_peers)},
          {"SyslogFacility", facility_text(s.syslog_facility)}};
}

int run_relay_worker(const RelaySettings& settings, WorkerContext& ctx) {
  core::RelayConfig config = settings.relay;
  auto signals = os::SignalFd::open(os::SignalRole::Worker);
  if (!signals) {
    log::alert("Cannot set up signals: {}", signals.error().message());
    return kExitSetupFailure;
  }

  auto iface = RelayInterface::create(settings.interface_name, config.mtu, config.prefix);
  if (!iface) return kExitSetupFailure;

  auto sockets = open_tunnel_sockets(settings.bind);
  if (!sockets) return kExitSetupFailure;
  if (!draw_secret(config.secret, "relay")) return kExitSetupFailure;
  std::optional<StatsFile> stats;
  if (!open_stats_file(stats)) return kExitSetupFailure;

  std::unique_ptr<ControlServer> control;  // control channel (issue 6): the socket is created as root
  if (!ControlServer::open(settings.control, control)) return kExitSetupFailure;
  if (!ctx.drop_privileges()) return kExitSetupFailure;
  // Without CAP_NET_ADMIN the explicit netlink removal would fail: closing the TUN descriptor
  // at exit deletes the interface with its address and route.
  iface->skip_explicit_cleanup();

  const proto::Endpoint bound = sockets->udp.local();
  std::unique_ptr<RelayWorker> worker = create_tunnel_worker<RelayWorker>("relay", config.max_peers, [&] {
    return RelayWorker::create(config, RelayIo{iface->tun(), std::move(sockets->udp), std::move(sockets->icmp),
                                               std::move(sockets->timer), *signals, settings.offload},
                               stats);
  });
  if (!worker) return kExitSetupFailure;
  if (!confine_with_control(control, *worker, ctx)) return kExitSetupFailure;

  log::notice("Teredo relay started: mode {}, interface {} (MTU {}), prefix {}, UDP {}, max peers {}, user {}",
              role_name(settings.role), iface->tun().name(), config.mtu, prefix_text(config.prefix),
              os::to_string(bound), config.max_peers, ctx.user().name);
  ctx.ready();

  const bool clean = worker->run();
  log::notice("Totals: {}", summarize_relay_stats(worker->stats()));
  worker.reset();
  log::notice("Teredo pseudo-tunnel stopped");
  return clean ? kExitOk : kExitSetupFailure;
}

}  // namespace

int run_teredod(const CommandLine& options) {
  DaemonRole role = daemon_role(kTeredodProgram, kDefaultTeredodConfig, kDefaultTeredodPidfile,
                                kDefaultTeredodUser, kDefaultTeredodChroot);
  // TUN and rtnetlink (NET_ADMIN), the raw ICMPv6 socket (NET_RAW), a BindPort below 1024
  // (NET_BIND_SERVICE), the drop itself (SETUID, SETGID, SYS_CHROOT, SETPCAP for the bounding
  // set), stopping the worker (KILL).
  role.supervisor_caps = {CAP_NET_ADMIN, CAP_NET_RAW, CAP_NET_BIND_SERVICE, CAP_SETUID,
                          CAP_SETGID,    CAP_SYS_CHROOT, CAP_SETPCAP,       CAP_KILL};
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

}  // namespace teredo::daemon
