// The packet path of a relay or client worker: TUN and UDP batches into the core, the core's
// actions out, the timerfd armed to the core's next deadline, and the packets another worker owns
// passed to it (handoff.hpp). Batches and offloads are offload_io.hpp's. Buffers are allocated
// once; nothing per packet.
//
// A packet read from the TUN travels: OffloadIo::read_tun_batch -> add() (or Handoff::pass_tun
// when another worker owns its peer) -> the pending list -> Core::on_tun_packet (after a prefetch
// pass over the batch) -> flush() -> OffloadIo::send_udp -> sendmmsg.
#pragma once

#include <chrono>
#include <cstddef>
#include <type_traits>
#include <variant>

#include "core/buffer_memory.hpp"
#include "core/time.hpp"
#include "core/tunnel_actions.hpp"
#include "datapath/handoff.hpp"
#include "datapath/offload_io.hpp"
#include "os/page_memory.hpp"
#include "os/timer_fd.hpp"

namespace teredo::datapath {

/// Receives a client core's StateChange actions as the path carries them out (the first worker:
/// configure the interface, tell the others and the control channel).
class StateListener {
 public:
  virtual void on_state_change(const core::StateChange& change) = 0;

 protected:
  ~StateListener() = default;
};

/// `Core` is core::Relay or core::Client. The path borrows the core, the devices and the timer
/// (the worker owns them) and is used by the worker's one thread.
template <class Core>
class TunnelPath {
 public:
  /// Packets handed to the core per pass.
  static constexpr std::size_t kMaxPending = 1024;

  TunnelPath(Core& core, PacketDevices devices, os::TimerFd& timer, std::size_t max_mtu,
             const config::DataPathSettings& settings, Shards& shards, unsigned self, bool auth_to_first)
      : core_(core),
        io_(devices, max_mtu, settings),
        handoff_(shards, self, auth_to_first, drops_),
        timer_(timer),
        pending_(os::page_memory(), kMaxPending) {}
  TunnelPath(const TunnelPath&) = delete;
  TunnelPath& operator=(const TunnelPath&) = delete;

  /// Where StateChange actions go (null: ignored; the relay never has any).
  void set_state_listener(StateListener* listener) { listener_ = listener; }

  void on_tun_readable() {
    now_ = std::chrono::steady_clock::now();
    io_.read_tun_batch(*this);
    handoff_.wake_owners();
  }

  void on_udp_readable() {
    const core::TimePoint now = std::chrono::steady_clock::now();
    io_.receive_udp([&](proto::Endpoint from, proto::ByteView payload) {
      if (handoff_.active() && handoff_.pass_udp(from, payload)) return;
      core_.on_udp_datagram(now, from, payload);
      if (core_.should_flush()) flush();
    });
    // Payloads live in the receive batch until the next receive: flush before it.
    flush();
    handoff_.wake_owners();
  }

  /// The client's local discovery group socket is readable (worker 0 alone has it): each datagram
  /// goes to the worker that owns its source.
  void on_discovery_readable(os::UdpSocket& group, os::RecvBatch& batch) {
    if constexpr (requires(core::TimePoint t, proto::Endpoint e, proto::ByteView b) {
                    core_.on_discovery_datagram(t, e, b);
                  }) {
      const core::TimePoint now = std::chrono::steady_clock::now();
      for (int round = 0; round < 4; ++round) {
        auto n = group.recv_batch(batch);
        if (!n) {
          io_.errors().note("recvmmsg", n.error().code.value());
          break;
        }
        for (std::size_t i = 0; i < *n; ++i) {
          if (handoff_.active() && handoff_.pass_discovery(batch.source(i), batch.payload(i))) continue;
          core_.on_discovery_datagram(now, batch.source(i), batch.payload(i));
          if (core_.should_flush()) flush();
        }
        flush();  // the payloads live in the batch until the next receive
        if (*n < os::kMaxBatch) break;
      }
      handoff_.wake_owners();
    }
  }

  /// Other workers passed packets over (this worker's wake-up eventfd).
  void on_handoff() {
    const core::TimePoint now = std::chrono::steady_clock::now();
    handoff_.take_over(
        [&](HandoffKind kind, proto::Endpoint from, proto::ByteView data) {
          if (kind == HandoffKind::Tun)
            core_.on_tun_packet(now, data);
          else if (kind == HandoffKind::Udp)
            core_.on_udp_datagram(now, from, data);
          else if constexpr (requires { core_.on_discovery_datagram(now, from, data); })
            core_.on_discovery_datagram(now, from, data);
          if (core_.should_flush()) flush();
        },
        // The core's actions may view the ring's records: carry them out before giving them back.
        [&] { flush(); });
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
              io_.send_udp(a.to, a.header, a.body);
            } else if constexpr (std::is_same_v<T, core::WriteTun>) {
              io_.write_tun(a.packet);
            } else if constexpr (std::is_same_v<T, core::SendIcmpv6>) {
              io_.send_icmp(a.to, a.message);
            } else if (listener_ != nullptr) {
              listener_->on_state_change(a);
            }
          },
          action);
    }
    // Headers view the core's arena and bodies our input buffers: send before clearing.
    io_.finish_batch();
    core_.clear_actions();
  }

  /// Arms the timerfd to the core's next deadline (when it moved).
  void rearm_timer() {
    const core::TimePoint deadline = core_.next_deadline();
    if (deadline == armed_) return;
    if (auto st = timer_.arm(deadline); !st) {
      io_.errors().note("timerfd_settime", st.error().code.value());
      return;
    }
    armed_ = deadline;
  }

  const OffloadIo& io() const { return io_; }
  ErrorLog& errors() { return io_.errors(); }
  Handoff& handoff() { return handoff_; }
  const Handoff& handoff() const { return handoff_; }
  /// Drops counted outside the core (send failures, full handoff rings), to add to the core's.
  proto::DropCounters drops() const {
    proto::DropCounters d = drops_;
    d += io_.drops();
    return d;
  }

  // The sink of OffloadIo::read_tun_batch.
  bool full() const { return pending_count_ + 64 > kMaxPending; }
  void add(proto::ByteView packet) {
    if (handoff_.active() && handoff_.pass_tun(packet)) return;
    if (pending_count_ == kMaxPending) process_pending();
    pending_[pending_count_++] = packet;
  }
  void drain() {
    process_pending();
    flush();
  }

 private:
  /// Hands the pending packets to the core (a prefetch pass over the batch first, so that the
  /// peer-table lookups overlap instead of missing the cache one by one).
  void process_pending() {
    for (std::size_t i = 0; i < pending_count_; ++i) core_.prefetch_tun_packet(pending_[i]);
    for (std::size_t i = 0; i < pending_count_; ++i) {
      core_.on_tun_packet(now_, pending_[i]);
      if (core_.should_flush()) flush();
    }
    pending_count_ = 0;
  }

  Core& core_;
  OffloadIo io_;
  proto::DropCounters drops_;  // handoff_full
  Handoff handoff_;
  os::TimerFd& timer_;
  core::BufferArray<proto::ByteView> pending_;  // page-mapped too: a span is trivially copyable
  std::size_t pending_count_ = 0;
  core::TimePoint now_{};  // of the TUN batch being read
  core::TimePoint armed_ = core::TimePoint::min();
  StateListener* listener_ = nullptr;
};

}  // namespace teredo::datapath
