// The packet path shared by the relay and client workers: batched TUN reads and recvmmsg into
// the core, the core's actions out through sendmmsg / write(tun) / ICMPv6 sendto, and the
// timerfd armed to the core's next deadline. Buffers are allocated once; nothing per packet.
#pragma once

#include <array>
#include <algorithm>
#include <chrono>
#include <cstring>
#include <functional>
#include <type_traits>
#include <variant>
#include <vector>

#include "core/time.hpp"
#include "core/tunnel_actions.hpp"
#include "daemon/log.hpp"
#include "os/raw_icmpv6_socket.hpp"
#include "os/timer_fd.hpp"
#include "os/tun_device.hpp"
#include "os/udp_socket.hpp"
#include "proto/drop.hpp"

namespace teredo::daemon {

/// `Core` is core::Relay or core::Client: on_tun_packet, on_udp_datagram, on_tick,
/// next_deadline, actions, should_flush and clear_actions. The data path borrows the core and
/// the descriptors (the worker owns them) and is used by the worker's one thread.
template <class Core>
class TunnelDataPath {
 public:
  /// A UDP datagram's payload is at most 65507 bytes; a slot that large is never truncated.
  static constexpr std::size_t kUdpSlotSize = 65536;
  /// Slack over the MTU for TUN slots (the kernel never hands the TUN a packet above its MTU).
  static constexpr std::size_t kTunSlack = 64;

  /// `max_mtu` is the largest MTU the interface can have while this path runs.
  TunnelDataPath(Core& core, os::TunDevice& tun, os::UdpSocket& udp, os::RawIcmpv6Socket& icmp, os::TimerFd& timer,
                 std::size_t max_mtu)
      : core_(core),
        tun_(tun),
        udp_(udp),
        icmp_(icmp),
        timer_(timer),
        tun_slot_size_(std::max<std::size_t>(max_mtu, 1500) + kTunSlack),
        tun_buffers_(os::kMaxBatch * tun_slot_size_),
        udp_recv_(kUdpSlotSize) {}

  TunnelDataPath(const TunnelDataPath&) = delete;
  TunnelDataPath& operator=(const TunnelDataPath&) = delete;

  /// Called by flush() after the actions were carried out and before clear_actions(): the
  /// place to consume anything else the core accumulated (the client's state changes).
  void set_before_clear(std::function<void()> f) { before_clear_ = std::move(f); }

  void on_tun_readable() {
    const core::TimePoint now = std::chrono::steady_clock::now();
    // Read the whole batch first, then prefetch every destination's peer-table slot, then
    // process: the table lookups of a batch overlap instead of missing the cache one by one.
    std::array<std::size_t, os::kMaxBatch> lengths{};
    std::size_t count = 0;
    for (; count < os::kMaxBatch; ++count) {
      const proto::MutableBytes slot{tun_buffers_.data() + count * tun_slot_size_, tun_slot_size_};
      auto r = tun_.read(slot);
      if (!r) {
        note_error("read(tun)", r.error().code.value());
        break;
      }
      if (!r.value()) break;  // drained
      lengths[count] = *r.value();
    }
    for (std::size_t i = 0; i < count; ++i)
      core_.prefetch_tun_packet({tun_buffers_.data() + i * tun_slot_size_, lengths[i]});
    for (std::size_t i = 0; i < count; ++i) {
      // The packet stays in its slot (not reused before the flush below), as the core requires.
      core_.on_tun_packet(now, proto::ByteView{tun_buffers_.data() + i * tun_slot_size_, lengths[i]});
      if (core_.should_flush()) flush();
    }
    flush();
  }

  void on_udp_readable() {
    auto received = udp_.recv_batch(udp_recv_);
    if (!received) {
      note_error("recvmmsg", received.error().code.value());
      return;
    }
    const core::TimePoint now = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < *received; ++i) {
      core_.on_udp_datagram(now, udp_recv_.source(i), udp_recv_.payload(i));
      if (core_.should_flush()) flush();
    }
    // Payloads live in udp_recv_ until the next recv_batch: flush before it.
    flush();
  }

  void on_timer() {
    timer_.acknowledge();
    armed_ = core::TimePoint::min();  // fired: re-arm even if the deadline did not move
    core_.on_tick(std::chrono::steady_clock::now());
    flush();
  }

  /// Carries out and clears the core's actions; sends the pending UDP batch.
  void flush() {
    for (const core::TunnelAction& action : core_.actions()) {
      std::visit(
          [&](const auto& a) {
            using T = std::decay_t<decltype(a)>;
            if constexpr (std::is_same_v<T, core::SendUdp>) {
              if (udp_send_.full()) send_udp();
              udp_send_.add(a.to, a.header, a.body);
            } else if constexpr (std::is_same_v<T, core::WriteTun>) {
              if (auto st = tun_.write(a.packet); !st) {
                drops_.add(proto::Drop::SendFailed);
                note_error("write(tun)", st.error().code.value());
              }
            } else {
              if (auto st = icmp_.send(a.to, a.message); !st) {
                drops_.add(proto::Drop::SendFailed);
                note_error("ICMPv6 sendto", st.error().code.value());
              }
            }
          },
          action);
    }
    // Headers view the core's arena and bodies view our input buffers: send before clearing.
    send_udp();
    if (before_clear_) before_clear_();
    core_.clear_actions();
  }

  void rearm_timer() {
    const core::TimePoint deadline = core_.next_deadline();
    if (deadline == armed_) return;
    if (auto st = timer_.arm(deadline); !st) {
      note_error("timerfd_settime", st.error().code.value());
      return;
    }
    armed_ = deadline;
  }

  /// Drops counted by the driver (send failures), to add to the core's.
  const proto::DropCounters& drops() const { return drops_; }

  /// Logs "WHAT failed: ERROR" at most once every 30 s.
  void note_error(const char* what, int err) {
    const auto now = std::chrono::steady_clock::now();
    if (last_error_log_.time_since_epoch().count() != 0 && now - last_error_log_ < kErrorLogInterval) return;
    last_error_log_ = now;
    log::warning("{} failed: {} (further errors suppressed for {} s)", what, std::strerror(err),
                 kErrorLogInterval.count());
  }

 private:
  static constexpr std::chrono::seconds kErrorLogInterval{30};

  void send_udp() {
    if (udp_send_.size() == 0) return;
    const os::SendReport r = udp_.send_batch(udp_send_);
    for (std::size_t k = 0; k < r.failed; ++k) drops_.add(proto::Drop::SendFailed);
    if (r.failed != 0) note_error("sendmmsg", r.first_errno);
  }

  Core& core_;
  os::TunDevice& tun_;
  os::UdpSocket& udp_;
  os::RawIcmpv6Socket& icmp_;
  os::TimerFd& timer_;
  std::size_t tun_slot_size_;
  std::vector<std::uint8_t> tun_buffers_;  // os::kMaxBatch slots of tun_slot_size_
  os::RecvBatch udp_recv_;
  os::SendBatch udp_send_;
  proto::DropCounters drops_;
  std::function<void()> before_clear_;
  core::TimePoint armed_ = core::TimePoint::min();
  std::chrono::steady_clock::time_point last_error_log_{};
};

}  // namespace teredo::daemon
