// SPDX-License-Identifier: GPL-2.0-or-later
// The packet path of a relay or client worker: TUN and UDP batches into the core, the core's
// actions out, the timerfd armed to the core's next deadline, and the packets another worker owns
// passed to it (handoff.hpp). Batches and offloads are offload_io.hpp's. Buffers are allocated
// once; nothing per packet.
//
// A packet read from the TUN travels: OffloadIo::read_tun_batch -> add() (or Handoff::pass_tun
// when another worker owns its peer) -> the pending list -> Core::on_tun_packet (after a prefetch
// pass over the batch) -> flush() -> OffloadIo::send_udp -> sendmmsg.
//
// A client core may also ask for a UDP socket on a random port per peer (RFC 6081 3.3, 3.4):
// flush() opens and closes them in the worker's RandomPortSockets, sends the few datagrams that
// leave from them one by one, and tells the core which ports could not be opened.
#pragma once

#include <cerrno>
#include <chrono>
#include <cstddef>
#include <type_traits>
#include <variant>
#include <vector>

#include "core/buffer_memory.hpp"
#include "core/time.hpp"
#include "core/tunnel_actions.hpp"
#include "datapath/handoff.hpp"
#include "datapath/offload_io.hpp"
#include "datapath/random_port_sockets.hpp"
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
  /// A client core: it may ask for random-port sockets (core::OpenPort), and hears of failures.
  static constexpr bool kRandomPorts = requires(Core & c, core::TimePoint t, std::uint16_t port) {
    c.on_port_unavailable(t, port);
  };

  TunnelPath(Core& core, PacketDevices devices, os::TimerFd& timer, std::size_t max_mtu,
             const config::DataPathSettings& settings, Shards& shards, unsigned self, bool auth_to_first)
      : core_(core),
        io_(devices, max_mtu, settings),
        handoff_(shards, self, auth_to_first, drops_),
        timer_(timer),
        pending_(os::page_memory(), kMaxPending) {
    if constexpr (kRandomPorts) unavailable_.reserve(RandomPortSockets::kCapacity);
  }
  TunnelPath(const TunnelPath&) = delete;
  TunnelPath& operator=(const TunnelPath&) = delete;

  /// Where StateChange actions go (null: ignored; the relay never has any).
  void set_state_listener(StateListener* listener) { listener_ = listener; }
  /// Where OpenPort and ClosePort actions go (null: every OpenPort fails; the relay never has
  /// any). The worker owns the table and watches its sockets.
  void set_random_port_sockets(RandomPortSockets* ports) { random_sockets_ = ports; }

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

  /// The random-port socket in `slot` of the RandomPortSockets table is readable: its datagrams
  /// go to this core with the port they arrived on (they belong to the peer this worker opened it
  /// for: never passed to another worker).
  void on_random_port_readable(std::size_t slot) {
    if constexpr (kRandomPorts) {
      if (random_sockets_ == nullptr) return;
      os::UdpSocket* socket = random_sockets_->socket(slot);
      if (socket == nullptr) return;  // closed after epoll reported it
      const std::uint16_t port = socket->local().port;
      const core::TimePoint now = std::chrono::steady_clock::now();
      // A flush may close this socket: the batch is already received and the port copied.
      io_.receive_udp_on(*socket, [&](proto::Endpoint from, proto::ByteView payload) {
        core_.on_udp_datagram(now, from, payload, port);
        if (core_.should_flush()) flush();
      });
      flush();  // the payloads live in the receive batch until the next receive
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

  /// Carries out and clears the core's actions; sends the pending UDP batch. Then tells the core
  /// of the random ports that could not be opened, and carries out what that makes it do.
  void flush() {
    carry_out();
    if constexpr (kRandomPorts) {
      // Not while the actions are walked: the core's answer adds actions of its own.
      while (!unavailable_.empty()) {
        const core::TimePoint now = std::chrono::steady_clock::now();
        for (std::uint16_t port : unavailable_) core_.on_port_unavailable(now, port);
        unavailable_.clear();
        carry_out();
      }
    }
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
  void carry_out() {
    for (const core::TunnelAction& action : core_.actions()) {
      std::visit(
          [&](const auto& a) {
            using T = std::decay_t<decltype(a)>;
            if constexpr (std::is_same_v<T, core::SendUdp>) {
              if (a.from_port == 0) [[likely]]
                io_.send_udp(a.to, a.header, a.body);
              else
                send_from_random_port(a);
            } else if constexpr (std::is_same_v<T, core::WriteTun>) {
              io_.write_tun(a.packet);
            } else if constexpr (std::is_same_v<T, core::SendIcmpv6>) {
              io_.send_icmp(a.to, a.message);
            } else if constexpr (std::is_same_v<T, core::StateChange>) {
              if (listener_ != nullptr) listener_->on_state_change(a);
            } else if constexpr (std::is_same_v<T, core::OpenPort>) {
              open_port(a.port);
            } else if constexpr (std::is_same_v<T, core::ClosePort>) {
              if (random_sockets_ != nullptr) random_sockets_->close(a.port);
            }
          },
          action);
    }
    // Headers view the core's arena and bodies our input buffers: send before clearing.
    io_.finish_batch();
    core_.clear_actions();
  }

  /// A rare datagram (a bubble, a random-port peer's packet): sent at once, not batched.
  void send_from_random_port(const core::SendUdp& a) {
    os::UdpSocket* socket = random_sockets_ != nullptr ? random_sockets_->find(a.from_port) : nullptr;
    if (socket == nullptr) {  // its OpenPort failed (the core hears of it after this batch)
      drops_.add(proto::Drop::SendFailed);
      return;
    }
    if (auto st = socket->send_to(a.to, a.header, a.body); !st) {
      io_.errors().note("sendmsg(random port)", st.error().code.value());
      drops_.add(proto::Drop::SendFailed);
    }
  }

  void open_port(std::uint16_t port) {
    if constexpr (kRandomPorts) {
      os::OsStatus st = random_sockets_ != nullptr ? random_sockets_->open(port)
                                                   : os::errno_error(RandomPortSockets::kFull, ENOBUFS);
      if (st) return;
      // A taken port is no fault of ours (the core goes on without it); anything else is logged.
      if (const int err = st.error().code.value(); err != EADDRINUSE)
        io_.errors().note(st.error().operation, err);
      unavailable_.push_back(port);
    }
  }

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
  proto::DropCounters drops_;  // handoff_full, send_failed from random ports
  Handoff handoff_;
  os::TimerFd& timer_;
  core::BufferArray<proto::ByteView> pending_;  // page-mapped too: a span is trivially copyable
  std::size_t pending_count_ = 0;
  core::TimePoint now_{};  // of the TUN batch being read
  core::TimePoint armed_ = core::TimePoint::min();
  StateListener* listener_ = nullptr;
  RandomPortSockets* random_sockets_ = nullptr;
  // The ports of this batch's OpenPort actions that failed (reserved: no allocation below
  // RandomPortSockets::kCapacity per batch).
  std::vector<std::uint16_t> unavailable_;
};

}  // namespace teredo::datapath
