// Relay event loop: epoll over the TUN device, the UDP socket, the timerfd and the signalfd;
// the packet path itself is TunnelDataPath<core::Relay>.
#include "daemon/relay_worker.hpp"

#include "os/memory.hpp"

#include <signal.h>

#include <array>

#include "daemon/log.hpp"

namespace teredo::daemon {

namespace {

enum Tag : std::uint64_t { kTagTun = 0, kTagUdp = 1, kTagTimer = 2, kTagSignal = 3, kTagControl = 4 };

constexpr std::chrono::seconds kStatsInterval{1};

}  // namespace

os::OsResult<std::unique_ptr<RelayWorker>> RelayWorker::create(const core::RelayConfig& config, RelayIo io,
                                                              std::optional<StatsFile>& stats) {
  auto epoll = os::Epoll::open();
  if (!epoll) return epoll.error();
  for (auto [fd, tag] : {std::pair{io.tun.fd(), kTagTun}, std::pair{io.udp.fd(), kTagUdp},
                         std::pair{io.timer.fd(), kTagTimer}, std::pair{io.signals.fd(), kTagSignal}}) {
    if (auto st = epoll->add_readable(fd, tag); !st) return st.error();
  }
  return std::unique_ptr<RelayWorker>(new RelayWorker(config, std::move(io), std::move(*epoll), stats));
}

RelayWorker::RelayWorker(const core::RelayConfig& config, RelayIo io, os::Epoll epoll, std::optional<StatsFile>& stats)
    : relay_(config, std::chrono::steady_clock::now()),
      io_(std::move(io)),
      epoll_(std::move(epoll)),
      stats_file_(stats),
      path_(relay_, io_.tun, io_.udp, io_.icmp, io_.timer, config.mtu, io_.offloads) {}

void RelayWorker::maybe_advise_huge_pages() {
  // Huge pages for the peer table: lookups at millions of peers miss the TLB far less. Only
  // once the table is busy: a huge page is 2 MiB of resident memory from the first peer on.
  if (huge_pages_advised_ || relay_.peers().size() < kHugePagePeers) return;
  huge_pages_advised_ = true;
  os::advise_huge_pages(relay_.peers().storage(), relay_.peers().memory_bytes());
}

bool RelayWorker::run() {
  path_.rearm_timer();
  auto next_stats = std::chrono::steady_clock::now() + kStatsInterval;
  std::array<std::uint64_t, 4> ready{};
  for (;;) {
    int timeout = -1;
    if (stats_file_) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(next_stats - std::chrono::steady_clock::now());
      timeout = static_cast<int>(std::clamp<std::int64_t>(left.count(), 0, 1000));
    }
    auto n = epoll_.wait(ready, timeout);
    if (!n) {
      log::error("relay data path stopped: {}", n.error().message());
      return false;
    }
    for (std::size_t i = 0; i < *n; ++i) {
      switch (ready[i]) {
        case kTagTun: path_.on_tun_readable(); break;
        case kTagUdp: path_.on_udp_readable(); break;
        case kTagTimer: path_.on_timer(); break;
        case kTagControl: if (control_) control_->serve(relay_, path_.drops(), io_.tun); break;
        case kTagSignal:
          if (!on_signals()) {
            if (stats_file_) stats_file_->write(format_relay_stats(stats()));
            return true;
          }
          break;
        default: break;
      }
    }
    path_.rearm_timer();
    maybe_advise_huge_pages();
    if (stats_file_ && std::chrono::steady_clock::now() >= next_stats) {
      stats_file_->write(format_relay_stats(stats()));
      next_stats = std::chrono::steady_clock::now() + kStatsInterval;
    }
  }
}

bool RelayWorker::on_signals() {
  while (auto signo = io_.signals.read()) {
    if (*signo == SIGHUP) {
      // TODO(reload issue): re-read the configuration and recreate the tunnel.
      log::notice("Received SIGHUP: configuration reload is not implemented yet; continuing");
      continue;
    }
    log::notice("Exiting on signal {} ({})", *signo, os::signal_name(*signo));
    return false;
  }
  return true;
}

// Control channel (issue 6): the control thread's requests wake this loop through port.fd().
void RelayWorker::attach_control(ControlPort& port) {
  if (auto st = epoll_.add_readable(port.fd(), kTagControl); !st) {
    log::warning("control channel not attached: {}", st.error().message());
    return;
  }
  control_ = &port;
}

}  // namespace teredo::daemon
