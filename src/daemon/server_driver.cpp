// teredod-server set-up and main loop (miredo-behaviour.md 1.2, 1.6, 5.13, 6).
//
// Test hook: when TEREDOD_STATS_FILE is set, the main thread rewrites that file every second
// and at exit with the counters summed over all workers (format_stats: "name value" lines,
// including drop_<reason> for every proto::kDropNames entry). Workers publish a snapshot under
// a short mutex once per batch, never per packet. A later issue replaces this with teredoctl.
//
// TEREDOD_WORKERS=N overrides the worker count (default: one per CPU), e.g. for benchmarks.
#include "daemon/server_driver.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <system_error>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "daemon/config_file.hpp"
#include "daemon/daemon_setup.hpp"
#include "daemon/log.hpp"
#include "daemon/server_settings.hpp"
#include "daemon/server_worker.hpp"
#include "daemon/stats_file.hpp"
#include "os/daemonize.hpp"
#include "os/epoll.hpp"
#include "os/event_fd.hpp"
#include "os/net_text.hpp"
#include "os/pidfile.hpp"
#include "os/privileges.hpp"
#include "os/signals.hpp"

namespace teredo::daemon {

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
    while (auto signo = signals.read()) {
      if (*signo == SIGHUP) {
        // TODO(reload issue): re-read the configuration and restart the workers.
        log::notice("Received SIGHUP: configuration reload is not implemented yet for {}; continuing",
                    kServerProgram);
        continue;
      }
      log::notice("Exiting on signal {} ({})", *signo, os::signal_name(*signo));
      return;
    }
  }
}

}  // namespace

int run_server(const CommandLine& options) {
  log::open(kServerProgram, log::default_syslog_facility(), true);
  auto settings = load_settings(options);
  if (!settings) return kExitSetupFailure;
  log::set_facility(settings->syslog_facility);
  const core::ServerConfig& config = settings->server;

  auto user = lookup_run_user(options.user.value_or(kDefaultServerUser));
  if (!user) return kExitSetupFailure;

  std::optional<os::Daemonizer> daemonizer;
  if (!start_daemon(options.foreground, daemonizer)) return kExitSetupFailure;

  // The pidfile is the single-instance lock: take it before binding, since SO_REUSEPORT would
  // otherwise let a second instance share (and steal traffic from) the first one's sockets.
  const std::string pid_path = options.pidfile.value_or(kDefaultServerPidfile);
  auto pidfile = take_pidfile(pid_path, kServerProgram);
  if (!pidfile) return kExitSetupFailure;

  auto signals = os::SignalFd::open();
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

  if (auto st = os::drop_privileges(*user, options.chroot_dir.value_or("")); !st) {
    log::alert("Cannot drop privileges to {}: {}", user->name, st.error().message());
    return kExitSetupFailure;
  }

  std::vector<std::unique_ptr<ServerWorker>> workers;
  for (auto& s : sockets) {
    auto w = ServerWorker::create(config, std::move(s), shutdown->fd());
    if (!w) {
      log::alert("Cannot create worker: {}", w.error().message());
      return kExitSetupFailure;
    }
    workers.push_back(std::move(*w));
  }
  std::vector<std::thread> threads;
  try {
    for (auto& w : workers) threads.emplace_back([worker = w.get()] { worker->run(); });
  } catch (const std::system_error& e) {
    log::alert("Cannot start worker thread: {}", e.what());
    shutdown->signal();
    for (auto& t : threads) t.join();
    return kExitSetupFailure;
  }

  log::notice("Teredo server started on {}:{} and {}:{} ({} workers, prefix {}/32, MTU {}, user {})",
              os::to_string(config.primary), proto::kTeredoPort, os::to_string(config.secondary), proto::kTeredoPort,
              nworkers, os::to_string(proto::Ipv6Addr{{static_cast<std::uint8_t>(config.prefix >> 24),
                                                       static_cast<std::uint8_t>(config.prefix >> 16),
                                                       static_cast<std::uint8_t>(config.prefix >> 8),
                                                       static_cast<std::uint8_t>(config.prefix)}}),
              config.mtu, user->name);
  finish_daemon_setup(daemonizer);

  main_loop(*signals, stats, workers);

  shutdown->signal();
  for (auto& t : threads) t.join();
  const ServerStats total = sum(workers);
  if (stats) stats->write(format_stats(total));
  log::notice("Totals: {}", summarize_stats(total));
  log::info("Terminated with no error.");
  return kExitOk;
}

}  // namespace teredo::daemon
