// SPDX-License-Identifier: GPL-2.0-or-later
// teredod-server: the Teredo server (RFC 4380 5.3), compatible with miredo-server(8). Its
// supervisor reads the configuration; the worker process opens the sockets as root, drops its
// privileges into the chroot, installs seccomp and runs one data-path thread per CPU (Workers
// auto) while its main thread waits for a stop signal (miredo-behaviour.md 1.2, 1.6, 5.13, 6).
#include <fmt/format.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "config/datapath_settings.hpp"
#include "config/defaults.hpp"
#include "config/effective.hpp"
#include "config/server_settings.hpp"
#include "control/server.hpp"
#include "control/stats_text.hpp"
#include "daemon/daemon_main.hpp"
#include "daemon/log.hpp"
#include "daemon/supervisor.hpp"
#include "datapath/server_worker.hpp"
#include "datapath/worker_threads.hpp"
#include "os/net_text.hpp"
#include "os/poll_set.hpp"
#include "os/random.hpp"
#include "os/signals.hpp"
#include "roles/busy_messages.hpp"
#include "roles/mac_loader.hpp"
#include "roles/worker_stop.hpp"

namespace {

using namespace teredo;  // NOLINT(google-build-using-namespace): main's file
namespace log = daemon::log;

// Both addresses' port 3544, shared by the workers' sockets (SO_REUSEPORT); a port another
// process holds is an error.
std::vector<datapath::ServerSockets> open_sockets(const core::ServerConfig& config, unsigned workers) {
  os::UdpSocketOptions udp;
  udp.reuse_port = true;
  const proto::Endpoint primary{config.primary, proto::kTeredoPort};
  const proto::Endpoint secondary{config.secondary, proto::kTeredoPort};
  for (const proto::Endpoint& e : {primary, secondary}) {
    if (auto c = os::UdpSocket::claim(e); !c) {
      log::alert("Cannot open UDP socket on {}: {}", os::to_string(e),
                 roles::udp_failure(e, c.error(), "miredo-server"));
      return {};
    }
  }
  std::vector<datapath::ServerSockets> out;
  for (unsigned i = 0; i < workers; ++i) {
    auto a = os::UdpSocket::open(primary, udp);
    if (!a) {
      log::alert("Cannot open UDP socket on {}: {}", os::to_string(primary),
                 roles::udp_failure(primary, a.error(), "miredo-server"));
      return {};
    }
    auto b = os::UdpSocket::open(secondary, udp);
    if (!b) {
      log::alert("Cannot open UDP socket on {}: {}", os::to_string(secondary),
                 roles::udp_failure(secondary, b.error(), "miredo-server"));
      return {};
    }
    auto raw = os::RawIpv6Socket::open();
    if (!raw) {
      log::alert("Raw IPv6 socket not working: {}", raw.error().message());
      return {};
    }
    out.push_back(datapath::ServerSockets{std::move(*a), std::move(*b), std::move(*raw)});
  }
  return out;
}

datapath::ServerTotals sum(const std::vector<std::unique_ptr<datapath::ServerWorker>>& workers) {
  datapath::ServerTotals total;
  for (const auto& w : workers) total += w->published();
  return total;
}

// Waits for a stop signal (SIGHUP never arrives: the worker ignores it, the supervisor reloads).
void wait_for_stop(os::SignalFd& signals) {
  os::PollSet poll;
  poll.add(signals.fd(), os::PollSet::kReadable);
  for (;;) {
    if (auto n = poll.wait(-1); !n) {
      log::alert("Cannot wait for signals: {}", n.error().message());
      return;
    }
    while (auto signo = signals.read()) {
      log::notice("Worker exiting on signal {} ({})", *signo, os::signal_name(*signo));
      return;
    }
  }
}

std::string limit_text(std::uint32_t rate) {
  return rate == 0 ? std::string("no limit") : fmt::format("{}/s (burst {})", rate, 2 * std::uint64_t{rate});
}

int run_server_worker(const config::ServerSettings& settings, daemon::WorkerContext& ctx) {
  core::ServerConfig config = settings.server;
  if (!config.keys.empty() && !roles::load_mac(config.mac)) return daemon::kExitSetupFailure;
  if (auto st = os::fill_random(config.limit_key); !st) {
    log::alert("Cannot draw the rate limits' secret: {}", st.error().message());
    return daemon::kExitSetupFailure;
  }
  auto ending = roles::open_worker_stop();  // this thread reads the signals; the eventfd stops the workers
  if (!ending) return daemon::kExitSetupFailure;
  const unsigned n = config::one_per_cpu_if_auto(settings.workers);
  std::vector<datapath::ServerSockets> sockets = open_sockets(config, n);
  if (sockets.empty()) return daemon::kExitSetupFailure;
  auto control = control::ControlServer::open(settings.control);  // the socket is created as root
  if (!control) return daemon::kExitSetupFailure;
  if (!ctx.drop_privileges()) return daemon::kExitSetupFailure;

  std::vector<std::unique_ptr<datapath::ServerWorker>> workers;
  for (unsigned i = 0; i < sockets.size(); ++i)
    workers.push_back(std::make_unique<datapath::ServerWorker>(config, std::move(sockets[i]),
                                                               ending->stop.fd(), ctx.heartbeat(i)));
  // MetricsListen's socket: before seccomp, which forbids creating it.
  if (*control && !(*control)->listen([&](const control::PeerQuery&) {
        const datapath::ServerTotals t = sum(workers);
        return std::optional(control::server_snapshot(config, n, t.counters, t.drops));
      }))
    return daemon::kExitSetupFailure;
  if (!ctx.confine()) return daemon::kExitSetupFailure;  // threads inherit the filter
  datapath::WorkerThreads threads(ending->stop);
  for (auto& w : workers)
    if (!threads.start([worker = w.get()] { worker->run(); })) return daemon::kExitSetupFailure;
  log::notice("Teredo server started on {}:{} and {}:{} ({} workers, prefix {}, MTU {}, user {})",
              os::to_string(config.primary), proto::kTeredoPort, os::to_string(config.secondary),
              proto::kTeredoPort, n, os::prefix32_to_string(config.prefix), config.mtu, ctx.user().name);
  log::status(fmt::format("serving on {}:{} and {}:{}, prefix {}, {} worker{}", os::to_string(config.primary),
                          proto::kTeredoPort, os::to_string(config.secondary), proto::kTeredoPort,
                          os::prefix32_to_string(config.prefix), n, n == 1 ? "" : "s"));
  log::info("Rate limits per worker: {} per destination IPv4 address, {} per source /24",
            limit_text(config.destination_rate), limit_text(config.source_rate));
  if (*control && !(*control)->start()) log::error("teredoctl will not be answered");
  ctx.ready();

  wait_for_stop(ending->signals);
  control->reset();  // stop asking the workers before they go
  threads.stop_and_join();
  const datapath::ServerTotals total = sum(workers);
  std::vector<control::CounterValue> counters;
  control::append_counters(counters, total.counters);
  log::notice("Totals: {}", control::summary_line(counters, total.drops));
  return daemon::kExitOk;
}

int run_server(const daemon::CommandLine& options) {
  using os::Capability;
  static const daemon::DaemonRole<config::ServerSettings> role{
      {config::kServerProgram,
       config::kDefaultServerConfig,
       config::kDefaultServerPidfile,
       config::kDefaultServerUser,
       config::kDefaultServerChroot,
       // Raw IPv6 socket (NET_RAW); the drop itself (SETUID, SETGID, SYS_CHROOT, SETPCAP for the
       // bounding set); stopping the worker (KILL).
       {Capability::NetRaw, Capability::SetUid, Capability::SetGid, Capability::SysChroot,
        Capability::SetPcap, Capability::Kill}},
      config::load_server_config,
      [](const config::ServerSettings& s) { return config::describe(s); },
      [](const config::ServerSettings& s) { return s.syslog_facility; },
      run_server_worker};
  return daemon::run_supervised(options, role);
}

}  // namespace

int main(int argc, char** argv) {
  return daemon::daemon_main(
      argc, argv,
      daemon::DaemonMain{
          config::kServerProgram, "Teredo (RFC 4380) server for Linux.",
          "SERVER_NAME, if given, is the primary server IPv4 address or host name; it replaces\n"
          "ServerBindAddress and ServerBindAddress2 (the secondary becomes primary + 1).",
          daemon::UsageDefaults{config::kDefaultServerConfig, config::kDefaultServerPidfile,
                                config::kDefaultServerUser},
          daemon::kVersion, run_server});
}
