// SPDX-License-Identifier: GPL-2.0-or-later
// Handing packets to the worker that owns their peer (proto/steering.hpp). With the kernel's
// steering in place nothing crosses; when it is missing or a packet still arrives elsewhere, the
// receiving worker copies it into a single-producer single-consumer ring towards the owner and
// wakes the owner's eventfd once per batch. No lock anywhere: each ring has one writer thread and
// one reader thread, synchronised by two atomic positions.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "core/buffer_memory.hpp"
#include "core/counters.hpp"
#include "os/event_fd.hpp"
#include "os/os_result.hpp"
#include "os/page_memory.hpp"
#include "proto/bytes.hpp"
#include "proto/drop.hpp"
#include "proto/encapsulation.hpp"
#include "proto/ipv4.hpp"
#include "proto/steering.hpp"

namespace teredo::datapath {

/// Where a handed-over packet was received: from the TUN (an IPv6 packet) or a UDP socket.
/// Udp: from the service socket; Discovery: from the local discovery group (RFC 4380 5.2.8).
enum class HandoffKind : std::uint16_t { Tun = 1, Udp = 2, Discovery = 3 };

/// A byte ring of records [16-byte header][data, padded to 16]. A record that does not fit before
/// the end leaves a wrap marker and starts at the beginning.
class HandoffRing {
 public:
  static constexpr std::size_t kBytes = 256 << 10;
  static constexpr std::size_t kMaxRecord = 65536;

  /// Producer thread. False when the ring has no room (the caller counts a drop) or the
  /// record is larger than kMaxRecord.
  bool push(HandoffKind kind, proto::Endpoint from, proto::ByteView data) {
    if (data.size() > kMaxRecord) return false;
    const std::uint64_t tail = tail_.load(std::memory_order_relaxed);
    const std::uint64_t head = head_.load(std::memory_order_acquire);
    std::size_t pos = tail % kBytes;
    const std::size_t need = kHeader + align(data.size());
    std::uint64_t skip = 0;
    if (pos + need > kBytes) skip = kBytes - pos;
    if (kBytes - (tail - head) < skip + need) return false;
    if (skip != 0) {
      Header wrap{kWrap, 0, 0, 0};
      std::memcpy(buf_.get() + pos, &wrap, sizeof wrap);
      pos = 0;
    }
    Header h{static_cast<std::uint32_t>(data.size()), static_cast<std::uint16_t>(kind), from.port,
             from.addr.value};
    std::memcpy(buf_.get() + pos, &h, sizeof h);
    if (!data.empty()) std::memcpy(buf_.get() + pos + kHeader, data.data(), data.size());
    tail_.store(tail + skip + need, std::memory_order_release);
    return true;
  }

  /// Consumer thread: calls f(kind, from, data) for every record pushed so far. The views stay
  /// valid until release(). Returns the number of records.
  template <class F>
  std::size_t drain(F&& f) {
    std::uint64_t at = read_;
    const std::uint64_t tail = tail_.load(std::memory_order_acquire);
    std::size_t n = 0;
    while (at < tail) {
      const std::size_t pos = at % kBytes;
      Header h;
      std::memcpy(&h, buf_.get() + pos, sizeof h);
      if (h.length == kWrap) {
        at += kBytes - pos;
        continue;
      }
      const proto::Endpoint from{proto::Ipv4Addr{h.addr}, h.port};
      f(static_cast<HandoffKind>(h.kind), from, proto::ByteView{buf_.get() + pos + kHeader, h.length});
      at += kHeader + align(h.length);
      ++n;
    }
    read_ = at;
    return n;
  }

  /// Consumer thread: gives the space of everything drained back to the producer.
  void release() { head_.store(read_, std::memory_order_release); }

  /// Records waiting (approximate from another thread).
  bool empty() const {
    return head_.load(std::memory_order_acquire) == tail_.load(std::memory_order_acquire);
  }

 private:
  struct Header {
    std::uint32_t length;
    std::uint16_t kind;
    std::uint16_t port;
    std::uint32_t addr;
    std::uint32_t reserved = 0;
  };
  static constexpr std::size_t kHeader = sizeof(Header);
  static constexpr std::uint32_t kWrap = 0xffffffffu;
  static_assert(kHeader == 16);
  static std::size_t align(std::size_t n) { return (n + 15) & ~std::size_t{15}; }

  // Page-mapped: pages become resident only as far as handovers reach.
  core::BufferArray<std::uint8_t> buf_{os::page_memory(), kBytes};
  alignas(64) std::atomic<std::uint64_t> head_{0};  // written by the consumer
  alignas(64) std::atomic<std::uint64_t> tail_{0};  // written by the producer
  alignas(64) std::uint64_t read_ = 0;              // consumer only
};

/// The rings between `n` workers (one per ordered pair) and each worker's wake-up eventfd. With
/// one worker there is no ring.
class Shards {
 public:
  /// `n` workers owning peers by proto::shard_of under `key` (the kernel programs' key too).
  static os::OsResult<std::unique_ptr<Shards>> create(unsigned n, const proto::SteeringKey& key) {
    std::unique_ptr<Shards> s(new Shards(n, key));
    for (unsigned i = 0; i < n; ++i) {
      auto e = os::EventFd::open();
      if (!e) return e.error();
      s->wake_.push_back(std::move(*e));
    }
    return s;
  }

  unsigned count() const { return n_; }
  /// The worker (0..count()-1) that owns the peer `a`.
  unsigned owner(const proto::Ipv6Addr& a) const { return proto::shard_of(a, n_, key_); }
  /// The ring from worker `from` to worker `to` (from != to).
  HandoffRing& ring(unsigned from, unsigned to) { return *rings_[from * n_ + to]; }
  /// Worker `i`'s wake-up descriptor: readable once another worker pushed to it.
  os::EventFd& wake(unsigned i) { return wake_[i]; }

 private:
  Shards(unsigned n, const proto::SteeringKey& key) : n_(n), key_(key) {
    rings_.resize(std::size_t{n} * n);
    for (unsigned i = 0; i < n; ++i)
      for (unsigned j = 0; j < n; ++j)
        if (i != j) rings_[i * n + j] = std::make_unique<HandoffRing>();
  }
  unsigned n_;
  proto::SteeringKey key_;
  std::vector<std::unique_ptr<HandoffRing>> rings_;
  std::vector<os::EventFd> wake_;
};

/// Packets this worker passed to others, and took over from them.
struct HandoffCounters {
  std::uint64_t handed_off = 0;
  std::uint64_t taken_over = 0;
};

inline constexpr std::string_view kHandoffHelp =
    "Packets passed between data-path workers, by direction (out: received for a peer another worker owns "
    "and passed to it; in: taken over from another worker)";
inline constexpr core::CounterField<HandoffCounters> kHandoffCounterFields[] = {
    {&HandoffCounters::handed_off, {"handed_off", "handoff_packets", "direction", "out", kHandoffHelp}},
    {&HandoffCounters::taken_over, {"taken_over", "handoff_packets", "direction", "in", kHandoffHelp}},
};
static_assert(core::covers_every_member(kHandoffCounterFields));

constexpr std::span<const core::CounterField<HandoffCounters>> counter_fields(
    std::type_identity<HandoffCounters>) {
  return kHandoffCounterFields;
}

/// One worker's side of the shards: passes a packet whose peer another worker owns to that
/// worker, wakes the owners once per batch, and takes over what the others passed to it. Used by
/// the worker's thread.
class Handoff {
 public:
  /// `auth_to_first` (client): a datagram with an authentication header (a router advertisement)
  /// belongs to worker 0, which alone qualifies, whatever its inner source. `drops` counts
  /// handoff_full (the owner's ring was full).
  Handoff(Shards& shards, unsigned self, bool auth_to_first, proto::DropCounters& drops)
      : shards_(shards),
        self_(self),
        auth_to_first_(auth_to_first),
        drops_(drops),
        wake_pending_(shards.count()) {}

  /// True with several workers: packets may belong to another one.
  bool active() const { return shards_.count() > 1; }
  int wake_fd() { return shards_.wake(self_).fd(); }

  /// A packet read from the TUN: true when another worker owns its destination (it was passed on,
  /// or counted as dropped when the ring was full).
  bool pass_tun(proto::ByteView packet) {
    const auto key = proto::tun_steering_key(packet);
    return key && pass_to(shards_.owner(*key), HandoffKind::Tun, {}, packet);
  }
  /// A datagram: true when another worker owns its inner source (or it is worker 0's RA).
  bool pass_udp(proto::Endpoint from, proto::ByteView payload) {
    if (auth_to_first_ && proto::has_auth_header(payload)) return pass_to(0, HandoffKind::Udp, from, payload);
    const auto key = proto::udp_steering_key(payload);
    return key && pass_to(shards_.owner(*key), HandoffKind::Udp, from, payload);
  }

  /// A datagram from the local discovery group: true when another worker owns its inner source.
  bool pass_discovery(proto::Endpoint from, proto::ByteView payload) {
    const auto key = proto::udp_steering_key(payload);
    return key && pass_to(shards_.owner(*key), HandoffKind::Discovery, from, payload);
  }

  /// Wakes every worker this batch passed packets to (one eventfd write each).
  void wake_owners() {
    for (unsigned i = 0; i < wake_pending_.size(); ++i) {
      if (!wake_pending_[i]) continue;
      wake_pending_[i] = false;
      shards_.wake(i).signal();
    }
  }
  /// Wakes every other worker (a state change they must take).
  void wake_others() {
    for (unsigned i = 0; i < shards_.count(); ++i)
      if (i != self_) shards_.wake(i).signal();
  }

  /// This worker's wake-up: calls fn(kind, from, data) for every record the others passed to it;
  /// after each ring, done_with_ring() must carry out whatever views the ring's records, before the
  /// space is given back.
  template <class Fn, class Done>
  void take_over(Fn&& fn, Done&& done_with_ring) {
    shards_.wake(self_).acknowledge();
    for (unsigned from = 0; from < shards_.count(); ++from) {
      if (from == self_) continue;
      HandoffRing& ring = shards_.ring(from, self_);
      counters_.taken_over += ring.drain(fn);
      done_with_ring();
      ring.release();
    }
  }

  const HandoffCounters& counters() const { return counters_; }

 private:
  bool pass_to(unsigned owner, HandoffKind kind, proto::Endpoint from, proto::ByteView data) {
    if (owner == self_) return false;
    if (shards_.ring(self_, owner).push(kind, from, data)) {
      ++counters_.handed_off;
      wake_pending_[owner] = true;
    } else {
      drops_.add(proto::Drop::HandoffFull);
    }
    return true;
  }

  Shards& shards_;
  unsigned self_;
  bool auth_to_first_;
  proto::DropCounters& drops_;
  std::vector<bool> wake_pending_;
  HandoffCounters counters_;
};

}  // namespace teredo::datapath
