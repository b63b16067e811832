// SPDX-License-Identifier: GPL-2.0-or-later
// What the client and relay cores share: the peer table, the queue of packets waiting for a
// path, the action list with its scratch arena, ICMPv6 error generation, bubble rate limits
// (RFC 4380 5.2.6) and the idle-peer sweep. Not thread-safe; not used on its own.
#pragma once

#include <cstdint>
#include <memory_resource>
#include <optional>
#include <span>
#include <vector>

#include "core/buffer_memory.hpp"
#include "core/packet_queue.hpp"
#include "core/peer_table.hpp"
#include "core/rate_limiter.hpp"
#include "core/time.hpp"
#include "core/tunnel_actions.hpp"
#include "proto/drop.hpp"
#include "proto/ipv6.hpp"
#include "proto/trailers.hpp"

namespace teredo::core {

/// Sizes shared by both cores.
struct TunnelLimits {
  std::size_t max_peers = 1 << 16;
  std::size_t queue_packets_per_peer = 8;
  std::size_t queue_packets_total = 1024;
  std::size_t queue_slot_size = 1280;
  std::uint32_t icmp_errors_per_second = 50;
  /// Where the peer table, the queue and the action buffers are allocated (buffer_memory.hpp);
  /// never null, and it must outlive the core.
  BufferMemory* memory = &heap_buffer_memory();
};

class TunnelBase {
 public:
  /// Every action produced since the last clear_actions(), in order. Views stay valid until then.
  std::span<const TunnelAction> actions() const { return actions_; }
  /// Forgets the actions and releases the buffers they viewed. Call after carrying them out.
  void clear_actions();
  /// True when the action buffers are nearly full: carry out and clear before the next event.
  bool should_flush() const;
  /// Hints the CPU to load the peer-table slot of a tunnel packet's destination.
  void prefetch_tun_packet(proto::ByteView packet) const;

  /// The instant peer ticks count from (PeerEntry::last_rx/last_tx are ticks since then).
  TimePoint epoch() const { return epoch_; }
  const proto::DropCounters& drops() const { return drops_; }
  const PeerTable& peers() const { return peers_; }
  const PacketQueue& queue() const { return queue_; }

 protected:
  TunnelBase(const TunnelLimits& limits, const HashKey& key, TimePoint now);

  void drop(proto::Drop d) { drops_.add(d); }
  /// Room for `n` bytes of output that lives until clear_actions(); empty when full.
  proto::MutableBytes scratch(std::size_t n);

  /// Finds or creates the entry for `addr`. A new entry has not been heard from and has sent
  /// nothing (RFC 4380 5.2.6: last rx = last tx = now - 30 s). Evicting a stale entry discards
  /// its queue. Counts peer_table_full and returns nullptr when the table is full.
  struct PeerRef {
    PeerEntry* entry = nullptr;
    bool created = false;
    bool evicted = false;
  };
  PeerRef find_or_create(Tick tick, const proto::Ipv6Addr& addr);

  /// Opens the peer's queue if needed (first retry 2 s later) and appends a copy of `packet`,
  /// counting it in `queued`. False when no queue could be opened; a packet that does not fit
  /// is counted as queue_full.
  bool enqueue(Tick tick, PeerEntry& peer, proto::ByteView packet, std::uint64_t& queued,
               std::uint8_t tag = PacketQueue::kOutgoing);
  /// Opens the peer's queue if it has none (first retry 2 s later). False, counting queue_full,
  /// when every list is in use.
  bool open_queue(Tick tick, PeerEntry& peer);
  /// RFC 6081 5.2.4: remembers `nonce` as the peer's Nonce Sent (the one before stays valid, for
  /// an answer still in flight). Needs the peer's queue; false without one.
  bool remember_nonce(PeerEntry& peer, std::uint32_t nonce);
  /// True when `nonce` is one of the last two nonces sent to the peer (its queue still open).
  bool sent_nonce(const PeerEntry& peer, std::uint32_t nonce);
  /// RFC 6081 5.1.2: the trailers after a datagram's IPv6 packet (none when `bytes` is empty), or
  /// nullopt when one of them discards the datagram (counted under its drop reason). A truncated
  /// trailer ends parsing and is counted in `truncated`.
  std::optional<proto::Trailers> read_trailers(proto::ByteView bytes, std::uint64_t& truncated);
  /// Closes a queue, counting its packets as peer_unreachable.
  void discard_queue(std::uint32_t list);
  /// Hands the peer's queued packets to fn(ByteView, tag) in arrival order; their memory stays
  /// valid until clear_actions().
  template <class Fn>
  void flush_queue(PeerEntry& peer, Fn&& fn) {
    if (peer.queue == kNoQueue) return;
    PacketQueue::SlotList chain = queue_.take(peer.queue);
    peer.queue = kNoQueue;
    queue_.for_each_tagged(chain, fn);
    pending_release_.push_back(chain);
  }

  /// RFC 4380 5.2.6: no bubble within 2 s of the last transmission to a peer, and at most 4 in
  /// 300 s without a direct answer. When allowed, records the bubble (count, window, last tx).
  bool take_bubble_budget(Tick tick, PeerEntry& peer);

  /// Queues an ICMPv6 error about `offending` to its source (RFC 4443 2.4: never about an error
  /// or a multicast/unspecified source; rate limited). True if one was queued.
  bool icmpv6_error(TimePoint now, std::uint8_t type, std::uint8_t code, std::uint32_t parameter,
                    const proto::Ipv6Packet& offending, proto::ByteView bytes);

  /// Removes entries idle (no reception, no transmission, nothing queued) for 30 s; visits the
  /// whole table every 30 s. Returns how many were removed.
  std::size_t sweep_idle(TimePoint now, Tick tick);

  /// Records that a pending queue's retry falls due at `tick`.
  void note_retry(Tick tick) { next_retry_ = std::min(next_retry_, epoch_ + tick * kTickLength); }

  static constexpr Tick kPeerValidity = ticks(std::chrono::seconds(30));  // 5.2.4
  static constexpr Tick kRetryInterval = ticks(std::chrono::seconds(2));  // 5.2.4, 5.4.1
  static constexpr std::uint8_t kMaxRetries = 3;

  TimePoint epoch_;
  PeerTable peers_;
  PacketQueue queue_;
  TokenBucket icmp_limit_;
  std::pmr::vector<TunnelAction> actions_;
  // Output headers of one batch: pages become resident as batches reach them.
  BufferArray<std::uint8_t> arena_;
  std::size_t arena_used_ = 0;
  std::pmr::vector<PacketQueue::SlotList> pending_release_;
  proto::DropCounters drops_;
  TimePoint next_retry_;
  TimePoint next_sweep_;
  std::size_t per_peer_;
};

}  // namespace teredo::core
