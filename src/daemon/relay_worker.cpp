// Relay event loop: TUN reads -> Relay::on_tun_packet, recvmmsg -> Relay::on_udp_datagram,
// actions -> sendmmsg / write(tun) / ICMPv6 sendto, timerfd -> Relay::on_tick.
#include "daemon/relay_worker.hpp"

#include <signal.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <type_traits>
#include <variant>

#include "daemon/log.hpp"

namespace teredo::daemon {

namespace {

enum Tag : std::uint64_t { kTagTun = 0, kTagUdp = 1, kTagTimer = 2, kTagSignal = 3 };

// A UDP datagram's payload is at most 65507 bytes; a slot that large is never truncated.
constexpr std::size_t kUdpSlotSize = 65536;
// Slack over the MTU for TUN slots. The kernel never hands the TUN a packet larger than its
// MTU, so a slot of max(MTU, 1500) + 64 bytes always holds a whole packet.
constexpr std::size_t kTunSlack = 64;

constexpr std::chrono::seconds kStatsInterval{1};
constexpr std::chrono::seconds kErrorLogInterval{30};

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
      tun_slot_size_(std::max<std::size_t>(config.mtu, 1500) + kTunSlack),
      tun_buffers_(os::kMaxBatch * tun_slot_size_),
      udp_recv_(kUdpSlotSize) {}

bool RelayWorker::run() {
  rearm_timer();
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
        case kTagTun: on_tun_readable(); break;
        case kTagUdp: on_udp_readable(); break;
        case kTagTimer: on_timer(); break;
        case kTagSignal:
          if (!on_signals()) {
            if (stats_file_) stats_file_->write(format_relay_stats(stats()));
            return true;
          }
          break;
        default: break;
      }
    }
    rearm_timer();
    if (stats_file_ && std::chrono::steady_clock::now() >= next_stats) {
      stats_file_->write(format_relay_stats(stats()));
      next_stats = std::chrono::steady_clock::now() + kStatsInterval;
    }
  }
}

void RelayWorker::on_tun_readable() {
  const core::TimePoint now = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < os::kMaxBatch; ++i) {
    const proto::MutableBytes slot{tun_buffers_.data() + i * tun_slot_size_, tun_slot_size_};
    auto r = io_.tun.read(slot);
    if (!r) {
      note_error("read(tun)", r.error().code.value());
      break;
    }
    if (!r.value()) break;  // drained
    // The packet stays in its slot (not reused before the flush below), as the core requires.
    relay_.on_tun_packet(now, slot.first(*r.value()));
    if (relay_.should_flush()) flush();
  }
  flush();
}

void RelayWorker::on_udp_readable() {
  auto received = io_.udp.recv_batch(udp_recv_);
  if (!received) {
    note_error("recvmmsg", received.error().code.value());
    return;
  }
  const core::TimePoint now = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < *received; ++i) {
    relay_.on_udp_datagram(now, udp_recv_.source(i), udp_recv_.payload(i));
    if (relay_.should_flush()) flush();
  }
  // Payloads live in udp_recv_ until the next recv_batch: flush before it.
  flush();
}

void RelayWorker::on_timer() {
  io_.timer.acknowledge();
  armed_ = core::TimePoint::min();  // fired: re-arm even if the deadline did not move
  relay_.on_tick(std::chrono::steady_clock::now());
  flush();
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

void RelayWorker::flush() {
  for (const core::TunnelAction& action : relay_.actions()) {
    std::visit(
        [&](const auto& a) {
          using T = std::decay_t<decltype(a)>;
          if constexpr (std::is_same_v<T, core::SendUdp>) {
            if (udp_send_.full()) send_udp();
            udp_send_.add(a.to, a.header, a.body);
          } else if constexpr (std::is_same_v<T, core::WriteTun>) {
            if (auto st = io_.tun.write(a.packet); !st) {
              driver_drops_.add(proto::Drop::SendFailed);
              note_error("write(tun)", st.error().code.value());
            }
          } else {
            if (auto st = io_.icmp.send(a.to, a.message); !st) {
              driver_drops_.add(proto::Drop::SendFailed);
              note_error("ICMPv6 sendto", st.error().code.value());
            }
          }
        },
        action);
  }
  // Headers view the core's arena and bodies view our input buffers: send before clearing.
  send_udp();
  relay_.clear_actions();
}

void RelayWorker::send_udp() {
  if (udp_send_.size() == 0) return;
  const os::SendReport r = io_.udp.send_batch(udp_send_);
  for (std::size_t k = 0; k < r.failed; ++k) driver_drops_.add(proto::Drop::SendFailed);
  if (r.failed != 0) note_error("sendmmsg", r.first_errno);
}

void RelayWorker::rearm_timer() {
  const core::TimePoint deadline = relay_.next_deadline();
  if (deadline == armed_) return;
  if (auto st = io_.timer.arm(deadline); !st) {
    note_error("timerfd_settime", st.error().code.value());
    return;
  }
  armed_ = deadline;
}

void RelayWorker::note_error(const char* what, int err) {
  const auto now = std::chrono::steady_clock::now();
  if (last_error_log_.time_since_epoch().count() != 0 && now - last_error_log_ < kErrorLogInterval) return;
  last_error_log_ = now;
  log::warning("{} failed: {} (further errors suppressed for {} s)", what, std::strerror(err),
               kErrorLogInterval.count());
}

}  // namespace teredo::daemon
