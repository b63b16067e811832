// teredod-server: its supervisor role (configuration, effective settings for reloads) and its
// worker process: sockets as root, privilege drop into the chroot, seccomp, one data-path
// thread per CPU (miredo-behaviour.md 1.2, 1.6, 5.13, 6; supervisor.hpp).
//
// Test hook: when TEREDOD_STATS_FILE is set, the main thread rewrites that file every second
// and at exit with the counters summed over all workers (format_stats: "name value" lines,
// including drop_<reason> for every proto::kDropNames entry). Workers publish a snapshot under
// a short mutex once per batch, never per packet. A later issue replaces this with teredoctl.
//
// TEREDOD_WORKERS=N overrides the worker count (default: one per CPU), e.g. for benchmarks.
#include "roles/server.hpp"

#include <linux/capability.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "config/config_file.hpp"
#include "config/effective.hpp"
#include "config/load.hpp"
#include "control/server.hpp"
#include "daemon/daemon_setup.hpp"
#include "daemon/log.hpp"
#include "config/server_settings.hpp"
#include "datapath/server_worker.hpp"
#include "datapath/stats_file.hpp"
#include "daemon/supervisor.hpp"
#include "datapath/worker_threads.hpp"
#include "os/epoll.hpp"
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

std::optional<ServerSettings> load_settings(const CommandLine& options) {
  const std::string path = options.config_file.value_or(kDefaultServerConfig);
  ConfigFile config = ConfigFile::load(path);
  if (!config.readable()) {
    if (!options.server_name) {
      log::alert("Loading configuration from {} failed: {}", path, config.diagnostics().front().message);
      return std::nullopt;
    }
    // With SERVER_NAME the file is optional (as in Miredo): defaults apply.
    log::warning("Loading configuration from {} failed; using defaults", path);
    config = ConfigFile::empty(path);
  }
  auto settings = load_server_settings(config, options.server_name);
  log_diagnostics(config);
  if (!settings) log::alert("Fatal configuration error in {}", path);
  return settings;
}

std::vector<WorkerSockets> open_sockets(const core::ServerConfig& config, unsigned workers) {
  std::vector<WorkerSockets> out;
  os::UdpSocketOptions udp;
  udp.reuse_port = true;
  const proto::Endpoint primary{config.primary, proto::kTeredoPort};
  const proto::Endpoint secondary{config.secondary, proto::kTeredoPort};
  // The workers' sockets share the ports (SO_REUSEPORT); a port another process holds is an error.
  for (const proto::Endpoint& e : {primary, secondary}) {
    if (auto c = os::UdpSocket::claim(e); !c) {
      log::alert("Cannot open UDP socket on {}: {}", os::to_string(e), c.error().message());
      return {};
    }
  }
  for (unsigned i = 0; i < workers; ++i) {
    auto a = os::UdpSocket::open(primary, udp);
    if (!a) {
      log::alert("Cannot open UDP socket on {}: {}", os::to_string(primary), a.error().message());
      return {};
    }
    auto b = os::UdpSocket::open(secondary, udp);
    if (!b) {
      log::alert("Cannot open UDP socket on {}: {}", os::to_string(secondary), b.error().message());
      return {};
    }
    auto raw = os::RawIpv6Socket::open();
    if (!raw) {
      log::alert("Raw IPv6 socket not working: {}", raw.error().message());
      return {};
    }
    out.push_back(WorkerSockets{std::move(*a), std::move(*b), std::move(*raw)});
  }
  return out;
}

// One worker per CPU, unless TEREDOD_WORKERS (1..1024) says otherwise (benchmarks, pinning).
unsigned worker_count() {
  unsigned n = std::max(1u, std::thread::hardware_concurrency());
  if (const char* env = std::getenv("TEREDOD_WORKERS"); env != nullptr && *env != '\0') {
    char* end = nullptr;
    const unsigned long v = std::strtoul(env, &end, 10);
    if (*end == '\0' && v >= 1 && v <= 1024)
      n = static_cast<unsigned>(v);
    else
      log::warning("Ignoring TEREDOD_WORKERS={}: expected a number from 1 to 1024", env);
  }
  return n;
}

ServerStats sum(const std::vector<std::unique_ptr<ServerWorker>>& workers) {
  ServerStats total;
  for (const auto& w : workers) total += w->snapshot();
  return total;
}

// Waits for signals; writes the stats file once a second. Returns when asked to stop.
void main_loop(os::SignalFd& signals, std::optional<StatsFile>& stats,
               const std::vector<std::unique_ptr<ServerWorker>>& workers) {
  auto epoll = os::Epoll::open();
  if (!epoll || !epoll->add_readable(signals.fd(), 0)) {
    log::alert("Cannot wait for signals");
    return;
  }
  std::array<std::uint64_t, 1> ready{};
  for (;;) {
    auto n = epoll->wait(ready, stats ? 1000 : -1);
    if (stats) stats->write(format_stats(sum(workers)));
    if (!n || *n == 0) continue;
    // SIGHUP never arrives here: the worker ignores it, the supervisor handles reloads.
    while (auto signo = signals.read()) {
      log::notice("Worker exiting on signal {} ({})", *signo, os::signal_name(*signo));
      return;
    }
  }
}

std::string prefix_text(std::uint32_t prefix) {
  return os::to_string(proto::Ipv6Addr{{static_cast<std::uint8_t>(prefix >> 24), static_cast<std::uint8_t>(prefix >> 16),
                                        static_cast<std::uint8_t>(prefix >> 8), static_cast<std::uint8_t>(prefix)}}) +
         "/32";
}

EffectiveSettings describe(const ServerSettings& s) {
  EffectiveSettings e{{"ServerBindAddress", os::to_string(s.server.primary)},
                      {"ServerBindAddress2", os::to_string(s.server.secondary)},
                      {"Prefix", prefix_text(s.server.prefix)},
                      {"InterfaceMTU", std::to_string(s.server.mtu)},
                      {"SyslogFacility", facility_text(s.syslog_facility)}};
  append_control_settings(e, s.control);
  return e;
}

int run_server_worker(const LoadedConfig& loaded, WorkerContext& ctx) {
  const core::ServerConfig config = std::any_cast<const ServerSettings&>(loaded.settings).server;
  auto signals = os::SignalFd::open(os::SignalRole::Worker);
  if (!signals) {
    log::alert("Cannot set up signals: {}", signals.error().message());
    return kExitSetupFailure;
  }
  auto shutdown = os::EventFd::open();
  if (!shutdown) {
    log::alert("Cannot create eventfd: {}", shutdown.error().message());
    return kExitSetupFailure;
  }

  const unsigned nworkers = worker_count();
  std::vector<WorkerSockets> sockets = open_sockets(config, nworkers);
  if (sockets.empty()) return kExitSetupFailure;

  std::optional<StatsFile> stats;
  if (!open_stats_file(stats)) return kExitSetupFailure;

  std::unique_ptr<ControlServer> control;  // control channel (issue 6): the socket is created as root
  if (!ControlServer::open(std::any_cast<const ServerSettings&>(loaded.settings).control, control))
    return kExitSetupFailure;
  if (!ctx.drop_privileges()) return kExitSetupFailure;

  std::vector<std::unique_ptr<ServerWorker>> workers;
  for (auto& s : sockets) {
    auto w = ServerWorker::create(config, std::move(s), shutdown->fd());
    if (!w) {
      log::alert("Cannot create worker: {}", w.error().message());
      return kExitSetupFailure;
    }
    workers.push_back(std::move(*w));
  }
  if (control && !control->start_metrics([&](const PeerQuery&) {  // control channel: before seccomp
        return std::optional(server_snapshot(config, nworkers, sum(workers).counters, sum(workers).drops));
      }))
    return kExitSetupFailure;
  // Threads inherit the filter: install it before the first one starts.
  if (!ctx.confine()) return kExitSetupFailure;
  WorkerThreads threads(*shutdown);
  for (auto& w : workers)
    if (!threads.start([worker = w.get()] { worker->run(); })) return kExitSetupFailure;

  log::notice("Teredo server started on {}:{} and {}:{} ({} workers, prefix {}, MTU {}, user {})",
              os::to_string(config.primary), proto::kTeredoPort, os::to_string(config.secondary), proto::kTeredoPort,
              nworkers, prefix_text(config.prefix), config.mtu, ctx.user().name);
  if (control && !control->start()) log::error("teredoctl will not be answered");  // control thread (issue 6)
  ctx.ready();

  main_loop(*signals, stats, workers);
  control.reset();  // control channel (issue 6): stop before the workers go

  threads.stop_and_join();
  const ServerStats total = sum(workers);
  if (stats) stats->write(format_stats(total));
  log::notice("Totals: {}", summarize_stats(total));
  return kExitOk;
}

}  // namespace

int run_server(const CommandLine& options) {
  DaemonRole role = daemon_role(kServerProgram, kDefaultServerConfig, kDefaultServerPidfile, kDefaultServerUser,
                                kDefaultServerChroot);
  // Raw IPv6 socket (NET_RAW); the drop itself (SETUID, SETGID, SYS_CHROOT, SETPCAP for the
  // bounding set); stopping the worker (KILL).
  role.supervisor_caps = {CAP_NET_RAW, CAP_SETUID, CAP_SETGID, CAP_SYS_CHROOT, CAP_SETPCAP, CAP_KILL};
  role.load = [](const CommandLine& o) -> std::optional<LoadedConfig> {
    auto settings = load_settings(o);
    if (!settings) return std::nullopt;
    LoadedConfig loaded;
    loaded.effective = describe(*settings);
    loaded.syslog_facility = settings->syslog_facility;
    loaded.settings = std::move(*settings);
    return loaded;
  };
  role.run_worker = run_server_worker;
  return run_supervised(options, role);
}

}  // namespace teredo::roles
