// The packet path shared by the relay and client workers: batched TUN reads and recvmmsg into
// the core, the core's actions out through sendmmsg / write(tun) / ICMPv6 sendto, and the
// timerfd armed to the core's next deadline. Buffers are allocated once; nothing per packet.
//
// Offloads (performance.md 2, 3), all done here so that the core stays per-packet:
//  - TUN -> UDP: the kernel hands over TCP/UDP super-packets (TUN_F_TSO6/USO6) with partial
//    checksums (TUN_F_CSUM); they are cut into complete IPv6 packets of the tunnel MTU
//    (proto::segment_super_packet) in a batch arena, and each goes through the core.
//  - Send: consecutive datagrams to one peer of equal size (the last may be shorter) leave as
//    one UDP_SEGMENT message, scatter-gather over the core's headers and the packets.
//  - UDP -> TUN: UDP_GRO hands over runs of datagrams from one peer; they are split and go
//    through the core one by one; consecutive TCP segments of a flow the core writes to the TUN
//    are merged back into one super-packet (proto::TcpCoalescer), one write per super-packet.
// Each is probed at start, can be turned off by configuration, and falls back on refusal.
//
// Several workers (relay): each worker has its own TUN queue, UDP socket and core, and owns the
// peers proto::shard_of assigns to it. A packet whose peer another worker owns (the kernel's
// steering refused or bypassed) is handed over through a lock-free ring (handoff.hpp) and goes
// through the owner's core; the owner is woken once per batch.
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "core/buffer_memory.hpp"
#include "core/time.hpp"
#include "core/tunnel_actions.hpp"
#include "datapath/handoff.hpp"
#include "daemon/log.hpp"
#include "config/datapath_settings.hpp"
#include "os/page_memory.hpp"
#include "os/raw_icmpv6_socket.hpp"
#include "os/timer_fd.hpp"
#include "os/tun_device.hpp"
#include "os/udp_socket.hpp"
#include "proto/drop.hpp"
#include "proto/offload.hpp"
#include "proto/steering.hpp"

namespace teredo::datapath {

namespace log = daemon::log;

/// What the data path ended up using, after probing.
struct ActiveOffloads {
  os::TunOffloads tun;
  bool tcp_coalescing = false;
  bool udp_coalescing = false;
  bool udp_gso = false;
  bool udp_gro = false;
};

/// "offloads: tun csum+tso6+uso6, tcp coalescing, udp gso, udp gro" or "offloads: none".
inline std::string describe_offloads(const ActiveOffloads& a) {
  std::string parts;
  auto add = [&](const std::string& p) { parts += (parts.empty() ? "" : ", ") + p; };
  if (a.tun.any()) {
    std::string t = "tun csum";
    if (a.tun.tso6) t += "+tso6";
    if (a.tun.uso6) t += "+uso6";
    add(t);
  }
  if (a.tcp_coalescing) add("tcp coalescing");
  if (a.udp_coalescing) add("udp coalescing");
  if (a.udp_gso) add("udp gso");
  if (a.udp_gro) add("udp gro");
  return "offloads: " + (parts.empty() ? std::string("none") : parts);
}

/// `Core` is core::Relay or core::Client: on_tun_packet, on_udp_datagram, on_tick,
/// next_deadline, actions, should_flush and clear_actions. The data path borrows the core and
/// the descriptors (the worker owns them) and is used by the worker's one thread.
template <class Core>
class TunnelDataPath {
 public:
  /// A UDP datagram's payload is at most 65507 bytes; a slot that large is never truncated,
  /// and holds a UDP GRO run (at most 64 KiB).
  static constexpr std::size_t kUdpSlotSize = 65536;
  /// Slack over the MTU for TUN slots (the kernel never hands the TUN a packet above its MTU).
  static constexpr std::size_t kTunSlack = 64;
  /// The TUN batch arena: raw reads and segmented packets, reused once the batch is processed.
  /// Pages are only touched as far as a batch reaches (RSS at idle stays small).
  static constexpr std::size_t kArenaSize = 1 << 20;
  /// Room a super-packet needs in the arena: itself plus its segments (40 + 60 bytes of headers
  /// per segment of at least 536 bytes of payload: well under 128 KiB).
  static constexpr std::size_t kSuperPacketRoom = os::TunDevice::kMaxSuperPacket + (128u << 10);
  /// Packets handed to the core per pass.
  static constexpr std::size_t kMaxPending = 1024;
  /// The coalescer's buffer: a 64 KiB TCP payload and its IPv6 header.
  static constexpr std::size_t kCoalesceSize = 40 + 65535;

  /// `max_mtu` is the largest MTU the interface can have while this path runs.
  TunnelDataPath(Core& core, os::TunDevice& tun, os::UdpSocket& udp, os::RawIcmpv6Socket& icmp, os::TimerFd& timer,
                 std::size_t max_mtu, const config::OffloadSettings& settings = {})
      : core_(core),
        tun_(tun),
        udp_(udp),
        icmp_(icmp),
        timer_(timer),
        tun_slot_size_(std::max<std::size_t>(max_mtu, 1500) + kTunSlack),
        arena_(os::page_memory(), kArenaSize),
        udp_recv_(kUdpSlotSize),
        coalesce_buf_(os::page_memory(), kCoalesceSize),
        coalescer_(proto::MutableBytes{coalesce_buf_.get(), kCoalesceSize}),
        udp_coalesce_buf_(os::page_memory(), kCoalesceSize),
        udp_coalescer_(proto::MutableBytes{udp_coalesce_buf_.get(), kCoalesceSize}),
        pending_(os::page_memory(), kMaxPending) {
    if (settings.tun) {
      active_.tun = tun_.enable_offloads(true, true);
      active_.tcp_coalescing = true;  // writing GSO packets to a TUN needs no negotiation
      // UDP (USO) super-packets are only written to a kernel that offered USO itself.
      active_.udp_coalescing = active_.tun.uso6;
    } else {
      active_.tun = os::TunOffloads{};
    }
    if (settings.udp_gso) active_.udp_gso = udp_.probe_gso();
    if (settings.udp_gro) active_.udp_gro = udp_.enable_gro();
    udp_send_.set_gso(active_.udp_gso);
    read_size_ = active_.tun.any() ? os::TunDevice::kMaxSuperPacket : tun_slot_size_;
    room_ = active_.tun.any() ? kSuperPacketRoom : tun_slot_size_;
    log::notice("{}", describe_offloads(active_));
  }

  TunnelDataPath(const TunnelDataPath&) = delete;
  TunnelDataPath& operator=(const TunnelDataPath&) = delete;

  const ActiveOffloads& offloads() const { return active_; }

  /// Several workers: this path is worker `self` of `shards` (which outlives it). With
  /// `auth_to_first` (client) a datagram with an authentication header (a router advertisement)
  /// belongs to worker 0, which alone qualifies, whatever its inner source.
  void set_shards(Shards& shards, unsigned self, bool auth_to_first = false) {
    shards_ = &shards;
    self_ = self;
    auth_to_first_ = auth_to_first;
    wake_pending_.assign(shards.count(), false);
  }

  /// Worker 0 of a client: hands `record` (a HandoffKind::State record) to every other worker
  /// and wakes them. A full ring loses the record (counted handoff_full); the next change or
  /// refresh sends the state again.
  void broadcast_state(proto::ByteView record) {
    if (!shards_) return;
    for (unsigned i = 0; i < shards_->count(); ++i) {
      if (i == self_) continue;
      if (shards_->ring(self_, i).push(HandoffKind::State, {}, record))
        shards_->wake(i).signal();
      else
        drops_.add(proto::Drop::HandoffFull);
    }
  }

  /// True once set_shards() made this path one of several workers.
  bool sharded() const { return shards_ != nullptr; }

  /// Packets this worker received for a peer another worker owns, and handed over.
  std::uint64_t handed_off() const { return handed_off_; }
  /// Packets other workers handed over to this one.
  std::uint64_t taken_over() const { return taken_over_; }

  /// Called by flush() after the actions were carried out and before clear_actions(): the
  /// place to consume anything else the core accumulated (the client's state changes).
  void set_before_clear(std::function<void()> f) { before_clear_ = std::move(f); }

  void on_tun_readable() {
    const core::TimePoint now = std::chrono::steady_clock::now();
    // Read a batch into the arena (segmenting super-packets after their raw bytes), then
    // prefetch every destination's peer-table slot, then process: the table lookups of a batch
    // overlap instead of missing the cache one by one. Packets stay in the arena until the
    // flush that sends them, as the core requires.
    std::size_t used = 0;
    for (std::size_t reads = 0; reads < os::kMaxBatch; ++reads) {
      if (kArenaSize - used < room_ || pending_count_ + 64 > kMaxPending) {
        process_pending(now);
        used = 0;
      }
      std::uint8_t* at = arena_.get() + used;
      proto::OffloadInfo info;
      auto r = tun_.read(proto::MutableBytes{at, read_size_}, info);
      if (!r) {
        note_error("read(tun)", r.error().code.value());
        break;
      }
      if (!r.value()) break;  // drained
      const std::size_t len = *r.value();
      if (info.gso == proto::GsoType::None && !info.needs_checksum) {
        add_pending(now, proto::ByteView{at, len});
        used += align(len);
        continue;
      }
      std::uint8_t* out = at + align(len);
      auto seg = proto::segment_super_packet(proto::ByteView{at, len}, info,
                                             proto::MutableBytes{out, kArenaSize - used - align(len)});
      if (!seg) {
        drops_.add(seg.drop());
        continue;
      }
      for (std::size_t k = 0, off = 0; k < seg->count; ++k) {
        const std::size_t n = std::min(seg->segment_size, seg->total - off);
        add_pending(now, proto::ByteView{out + off, n});
        off += n;
      }
      used += align(len) + align(seg->total);
    }
    process_pending(now);
    wake_owners();
  }

  void on_udp_readable() {
    auto received = udp_.recv_batch(udp_recv_);
    if (!received) {
      note_error("recvmmsg", received.error().code.value());
      return;
    }
    const core::TimePoint now = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < *received; ++i) {
      const proto::ByteView all = udp_recv_.payload(i);
      const proto::Endpoint from = udp_recv_.source(i);
      const std::size_t seg = udp_recv_.segment_size(i);
      if (seg == 0 || seg >= all.size()) {
        on_datagram(now, from, all);
        continue;
      }
      for (std::size_t off = 0; off < all.size(); off += seg)
        on_datagram(now, from, all.subspan(off, std::min(seg, all.size() - off)));
    }
    // Payloads live in udp_recv_ until the next recv_batch: flush before it.
    flush();
    wake_owners();
  }

  /// Several workers: other workers handed packets over (this worker's wake-up eventfd).
  void on_handoff() {
    if (!shards_) return;
    shards_->wake(self_).acknowledge();
    const core::TimePoint now = std::chrono::steady_clock::now();
    for (unsigned from = 0; from < shards_->count(); ++from) {
      if (from == self_) continue;
      HandoffRing& ring = shards_->ring(from, self_);
      taken_over_ += ring.drain([&](HandoffKind kind, proto::Endpoint source, proto::ByteView data) {
        if (kind == HandoffKind::State) {
          if constexpr (requires { core_.adopt(now, data); }) core_.adopt(now, data);
          return;
        }
        if (kind == HandoffKind::Tun)
          core_.on_tun_packet(now, data);
        else
          core_.on_udp_datagram(now, source, data);
        if (core_.should_flush()) flush();
      });
      // The core's actions may view the ring's records: carry them out before giving them back.
      flush();
      ring.release();
    }
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
              if (!udp_send_.add(a.to, a.header, a.body)) {
                send_udp();
                (void)udp_send_.add(a.to, a.header, a.body);
              }
            } else if constexpr (std::is_same_v<T, core::WriteTun>) {
              write_tun(a.packet);
            } else {
              if (auto st = icmp_.send(a.to, a.message); !st) {
                drops_.add(proto::Drop::SendFailed);
                note_error("ICMPv6 sendto", st.error().code.value());
              }
            }
          },
          action);
    }
    write_coalesced();
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

  static std::size_t align(std::size_t n) { return (n + 63) & ~std::size_t{63}; }

  void add_pending(core::TimePoint now, proto::ByteView packet) {
    if (shards_) {
      if (auto key = proto::tun_steering_key(packet); key && hand_off(*key, HandoffKind::Tun, {}, packet)) return;
    }
    if (pending_count_ == kMaxPending) process_packets(now);
    pending_[pending_count_++] = packet;
  }

  void on_datagram(core::TimePoint now, proto::Endpoint from, proto::ByteView payload) {
    if (shards_) {
      if (auth_to_first_ && payload.size() >= 2 && payload[0] == 0 && payload[1] == 1) {
        if (hand_off_to(0, HandoffKind::Udp, from, payload)) return;
      } else if (auto key = proto::udp_steering_key(payload);
                 key && hand_off(*key, HandoffKind::Udp, from, payload)) {
        return;
      }
    }
    core_.on_udp_datagram(now, from, payload);
    if (core_.should_flush()) flush();
  }

  /// True when another worker owns `key`: the packet was pushed to it (or dropped, counted,
  /// when its ring was full).
  bool hand_off(const proto::Ipv6Addr& key, HandoffKind kind, proto::Endpoint from, proto::ByteView data) {
    return hand_off_to(proto::shard_of(key, shards_->count()), kind, from, data);
  }
  bool hand_off_to(unsigned owner, HandoffKind kind, proto::Endpoint from, proto::ByteView data) {
    if (owner == self_) return false;
    if (shards_->ring(self_, owner).push(kind, from, data)) {
      ++handed_off_;
      wake_pending_[owner] = true;
    } else {
      drops_.add(proto::Drop::HandoffFull);
    }
    return true;
  }

  /// Wakes every worker this batch handed packets to (one eventfd write each).
  void wake_owners() {
    if (!shards_) return;
    for (unsigned i = 0; i < wake_pending_.size(); ++i) {
      if (!wake_pending_[i]) continue;
      wake_pending_[i] = false;
      shards_->wake(i).signal();
    }
  }

  /// Hands the pending packets to the core (prefetch pass first) and flushes.
  void process_packets(core::TimePoint now) {
    for (std::size_t i = 0; i < pending_count_; ++i) core_.prefetch_tun_packet(pending_[i]);
    for (std::size_t i = 0; i < pending_count_; ++i) {
      core_.on_tun_packet(now, pending_[i]);
      if (core_.should_flush()) flush();
    }
    pending_count_ = 0;
  }

  void process_pending(core::TimePoint now) {
    process_packets(now);
    flush();
  }

  void write_tun(proto::ByteView packet) {
    // A packet either joins its flow's run or ends the runs before it is written, so packets
    // of one flow keep their order.
    if (active_.tcp_coalescing) {
      if (coalescer_.add(packet)) return;
      write_tcp_run();
      if (coalescer_.add(packet)) return;
    }
    if (active_.udp_coalescing) {
      if (udp_coalescer_.add(packet)) return;
      write_udp_run();
      if (udp_coalescer_.add(packet)) return;
    }
    write_one(packet, proto::OffloadInfo{});
  }

  void write_coalesced() {
    write_tcp_run();
    write_udp_run();
  }
  void write_tcp_run() {
    if (coalescer_.empty()) return;
    const auto out = coalescer_.take();
    write_one(out.packet, out.info);
  }
  void write_udp_run() {
    if (udp_coalescer_.empty()) return;
    const auto out = udp_coalescer_.take();
    write_one(out.packet, out.info);
  }

  void write_one(proto::ByteView packet, const proto::OffloadInfo& info) {
    if (auto st = tun_.write(packet, info); !st) {
      drops_.add(proto::Drop::SendFailed);
      note_error("write(tun)", st.error().code.value());
    }
  }

  void send_udp() {
    if (udp_send_.size() == 0) return;
    const bool had_gso = udp_send_.gso();
    const os::SendReport r = udp_.send_batch(udp_send_);
    for (std::size_t k = 0; k < r.failed; ++k) drops_.add(proto::Drop::SendFailed);
    if (r.failed != 0) note_error("sendmmsg", r.first_errno);
    if (had_gso && r.gso_errno != 0) {
      active_.udp_gso = false;
      log::warning("UDP GSO refused by the kernel ({}): sending datagrams one by one from now on",
                   std::strerror(r.gso_errno));
    }
  }

  Core& core_;
  os::TunDevice& tun_;
  os::UdpSocket& udp_;
  os::RawIcmpv6Socket& icmp_;
  os::TimerFd& timer_;
  std::size_t tun_slot_size_;
  std::size_t read_size_ = 0;  // bytes offered to one TUN read
  std::size_t room_ = 0;       // arena bytes one read may need
  // Page-mapped (page_memory.hpp): resident only as far as the traffic has reached.
  core::BufferArray<std::uint8_t> arena_;
  os::RecvBatch udp_recv_;
  os::SendBatch udp_send_;
  core::BufferArray<std::uint8_t> coalesce_buf_;
  proto::TcpCoalescer coalescer_;
  core::BufferArray<std::uint8_t> udp_coalesce_buf_;
  proto::UdpCoalescer udp_coalescer_;
  core::BufferArray<proto::ByteView> pending_;  // page-mapped too: a span is trivially copyable
  std::size_t pending_count_ = 0;
  ActiveOffloads active_;
  proto::DropCounters drops_;
  std::function<void()> before_clear_;
  core::TimePoint armed_ = core::TimePoint::min();
  std::chrono::steady_clock::time_point last_error_log_{};
  // Several workers (set_shards); null with one.
  Shards* shards_ = nullptr;
  unsigned self_ = 0;
  bool auth_to_first_ = false;
  std::vector<bool> wake_pending_;
  std::uint64_t handed_off_ = 0;
  std::uint64_t taken_over_ = 0;
};

}  // namespace teredo::datapath
