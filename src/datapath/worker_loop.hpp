// The event loop shared by the relay and client workers: epoll over the TUN device, the UDP
// socket, the timerfd, the signalfd and the control channel's eventfd, plus the stats file
// rewritten every second; the packet path itself is a TunnelDataPath.
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <utility>

#include "control/port.hpp"
#include "daemon/log.hpp"
#include "datapath/stats_file.hpp"
#include "datapath/tunnel_path.hpp"
#include "os/epoll.hpp"

namespace teredo::datapath {

namespace log = daemon::log;

/// Epoll tags of the descriptors every worker has; a worker numbers its own from kTagWorker.
/// kTagSignal is the signalfd, or for a relay worker other than the first the stop eventfd;
/// kTagHandoff the eventfd other workers wake (handoff.hpp).
enum WorkerTag : std::uint64_t { kTagTun = 0, kTagUdp, kTagTimer, kTagSignal, kTagControl, kTagHandoff, kTagWorker };

/// An epoll set with `io`'s TUN, UDP and timer descriptors, `stop_fd` (kTagSignal), plus the
/// worker's `extra` ones.
template <class Io>
os::OsResult<os::Epoll> open_worker_epoll(const Io& io, int stop_fd,
                                          std::initializer_list<std::pair<int, std::uint64_t>> extra = {}) {
  auto epoll = os::Epoll::open();
  if (!epoll) return epoll.error();
  for (auto [fd, tag] : {std::pair<int, std::uint64_t>{io.tun.fd(), kTagTun},
                         {io.udp.fd(), kTagUdp},
                         {io.timer.fd(), kTagTimer},
                         {stop_fd, kTagSignal}}) {
    if (auto st = epoll->add_readable(fd, tag); !st) return st.error();
  }
  for (auto [fd, tag] : extra) {
    if (auto st = epoll->add_readable(fd, tag); !st) return st.error();
  }
  return epoll;
}

/// The worker's epoll set, stats file and control channel; run() is the worker's loop.
class WorkerLoop {
 public:
  static constexpr std::chrono::seconds kStatsInterval{1};

  WorkerLoop(os::Epoll epoll, std::optional<StatsFile>& stats)
      : epoll_(std::move(epoll)), stats_file_(stats) {}

  /// Control channel (issue 6): the control thread's requests wake this loop through port.fd().
  void attach_control(control::ControlPort& port) {
    if (auto st = epoll_.add_readable(port.fd(), kTagControl); !st) {
      log::warning("control channel not attached: {}", st.error().message());
      return;
    }
    control_ = &port;
  }

  control::ControlPort* control() const { return control_; }

  /// Wakes the loop at least this often even without events (after_pass then runs).
  void wake_every(std::chrono::milliseconds interval) { wake_every_ms_ = static_cast<int>(interval.count()); }

  /// Runs until `on_tag` (the worker's own tags and kTagSignal) returns false (true, after a last
  /// stats write) or an epoll failure (false; "`what` data path stopped" is logged). `after_pass`
  /// runs after every pass; `stats_text` gives the stats file's contents.
  template <std::size_t kMaxEvents, class Core, class OnTag, class AfterPass, class StatsText>
  bool run(const char* what, Core& core, TunnelDataPath<Core>& path, const os::TunDevice& tun, OnTag on_tag,
           AfterPass after_pass, StatsText stats_text) {
    path.rearm_timer();
    auto next_stats = std::chrono::steady_clock::now() + kStatsInterval;
    std::array<std::uint64_t, kMaxEvents> ready{};
    for (;;) {
      int timeout = wake_every_ms_;
      if (stats_file_) {
        const auto left =
            std::chrono::ceil<std::chrono::milliseconds>(next_stats - std::chrono::steady_clock::now());
        timeout = static_cast<int>(std::clamp<std::int64_t>(left.count(), 0, 1000));
        if (wake_every_ms_ >= 0) timeout = std::min(timeout, wake_every_ms_);
      }
      auto n = epoll_.wait(ready, timeout);
      if (!n) {
        log::error("{} data path stopped: {}", what, n.error().message());
        return false;
      }
      for (std::size_t i = 0; i < *n; ++i) {
        switch (ready[i]) {
          case kTagTun:
            path.on_tun_readable();
            break;
          case kTagUdp:
            path.on_udp_readable();
            break;
          case kTagTimer:
            path.on_timer();
            break;
          case kTagHandoff:
            path.on_handoff();
            break;
          case kTagControl:
            if (control_) control_->serve(core, path.drops(), tun, path.handed_off());
            break;
          default:
            if (!on_tag(ready[i])) {
              if (stats_file_) stats_file_->write(stats_text());
              return true;
            }
            break;
        }
      }
      path.rearm_timer();
      after_pass();
      if (stats_file_ && std::chrono::steady_clock::now() >= next_stats) {
        stats_file_->write(stats_text());
        next_stats = std::chrono::steady_clock::now() + kStatsInterval;
      }
    }
  }

 private:
  os::Epoll epoll_;
  std::optional<StatsFile>& stats_file_;
  control::ControlPort* control_ = nullptr;  // control channel (issue 6)
  int wake_every_ms_ = -1;          // -1: only on events (and stats writes)
};

}  // namespace teredo::datapath
