// teredod set-up and shutdown for the relay roles (miredo-behaviour.md 1.1, 1.6, 2.4, 6); the
// client roles are handed to run_teredod_client (client_driver.cpp) once the settings are loaded.
//
// Order: configuration, run-as user, fork (launcher waits), pidfile lock, tunnel interface,
// sockets, timer, secret, stats file, privilege drop, core, "ready" to the launcher, data path.
//
// Test hook: when TEREDOD_STATS_FILE is set, the data-path thread rewrites that file every
// second and at exit (format_relay_stats). A later issue replaces this with teredoctl.
#include "daemon/relay_driver.hpp"

#include <memory>
#include <new>
#include <optional>
#include <string>

#include "daemon/client_driver.hpp"
#include "daemon/config_file.hpp"
#include "daemon/daemon_setup.hpp"
#include "daemon/log.hpp"
#include "daemon/relay_interface.hpp"
#include "daemon/relay_settings.hpp"
#include "daemon/relay_worker.hpp"
#include "os/net_text.hpp"
#include "os/random.hpp"
#include "os/signals.hpp"

namespace teredo::daemon {

namespace {

// What the configuration asks for: a relay role or the client.
struct TeredodSettings {
  std::optional<RelaySettings> relay;
  std::optional<ClientSettings> client;
};

// Loads and checks the configuration; logs every problem. false: exit with failure.
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
    if (!out.client) log::alert("Fatal configuration error in {}", path);
    return out.client.has_value();
  }
  log_diagnostics(config);
  if (!settings) log::alert("Fatal configuration error in {}", path);
  out.relay = std::move(settings);
  return out.relay.has_value();
}

std::string prefix_text(std::uint32_t prefix) {
  proto::Ipv6Addr a;
  proto::store_be32(a.bytes.data(), prefix);
  return os::to_string(a) + "/32";
}

}  // namespace

int run_teredod(const CommandLine& options) {
  log::open(kTeredodProgram, log::default_syslog_facility(), true);
  TeredodSettings loaded;
  if (!load_settings(options, loaded)) return kExitSetupFailure;
  if (loaded.client) {
    log::set_facility(loaded.client->syslog_facility);
    return run_teredod_client(options, *loaded.client);
  }
  auto& settings = loaded.relay;
  log::set_facility(settings->syslog_facility);
  if (options.server_name)
    log::notice("SERVER_NAME \"{}\" ignored: it applies to client mode only", *options.server_name);
  core::RelayConfig& config = settings->relay;

  auto user = lookup_run_user(options.user.value_or(kDefaultTeredodUser));
  if (!user) return kExitSetupFailure;

  std::optional<os::Daemonizer> daemonizer;
  if (!start_daemon(options.foreground, daemonizer)) return kExitSetupFailure;

  const std::string pid_path = options.pidfile.value_or(kDefaultTeredodPidfile);
  auto pidfile = take_pidfile(pid_path, kTeredodProgram);
  if (!pidfile) return kExitSetupFailure;

  auto signals = os::SignalFd::open();
  if (!signals) {
    log::alert("Cannot set up signals: {}", signals.error().message());
    return kExitSetupFailure;
  }

  auto iface = RelayInterface::create(settings->interface_name, config.mtu, config.prefix);
  if (!iface) return kExitSetupFailure;

  auto udp = os::UdpSocket::open(settings->bind, os::UdpSocketOptions{});
  if (!udp) {
    log::alert("Cannot open UDP socket on {}: {}", os::to_string(settings->bind), udp.error().message());
    return kExitSetupFailure;
  }
  auto icmp = os::RawIcmpv6Socket::open();
  if (!icmp) {
    log::alert("Raw ICMPv6 socket not working: {}", icmp.error().message());
    return kExitSetupFailure;
  }
  auto timer = os::TimerFd::open();
  if (!timer) {
    log::alert("Cannot create timer: {}", timer.error().message());
    return kExitSetupFailure;
  }
  if (auto st = os::fill_random(config.secret); !st) {
    log::alert("Cannot draw the relay secret: {}", st.error().message());
    return kExitSetupFailure;
  }
  std::optional<StatsFile> stats;
  if (!open_stats_file(stats)) return kExitSetupFailure;

  if (auto st = os::drop_privileges(*user, options.chroot_dir.value_or("")); !st) {
    log::alert("Cannot drop privileges to {}: {}", user->name, st.error().message());
    return kExitSetupFailure;
  }
  // Without CAP_NET_ADMIN the explicit netlink removal would fail: closing the TUN descriptor
  // at exit deletes the interface with its address and route.
  iface->skip_explicit_cleanup();

  const proto::Endpoint bound = udp->local();
  std::unique_ptr<RelayWorker> worker;
  try {
    auto w = RelayWorker::create(config, RelayIo{iface->tun(), std::move(*udp), std::move(*icmp), std::move(*timer),
                                                 *signals},
                                 stats);
    if (!w) {
      log::alert("Cannot create the relay data path: {}", w.error().message());
      return kExitSetupFailure;
    }
    worker = std::move(*w);
  } catch (const std::bad_alloc&) {
    log::alert("Cannot allocate the peer table for MaxPeers {}", config.max_peers);
    return kExitSetupFailure;
  }

  log::notice("Teredo relay started: mode {}, interface {} (MTU {}), prefix {}, UDP {}, max peers {}, user {}",
              role_name(settings->role), iface->tun().name(), config.mtu, prefix_text(config.prefix),
              os::to_string(bound), config.max_peers, user->name);
  finish_daemon_setup(daemonizer);

  const bool clean = worker->run();
  log::notice("Totals: {}", summarize_relay_stats(worker->stats()));
  worker.reset();
  log::notice("Teredo pseudo-tunnel stopped");
  log::info("Terminated with {}.", clean ? "no error" : "error(s)");
  return clean ? kExitOk : kExitSetupFailure;
}

}  // namespace teredo::daemon
