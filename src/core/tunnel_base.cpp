// SPDX-License-Identifier: GPL-2.0-or-later
// Shared machinery of the client and relay cores (RFC 4380 5.2.4, 5.2.6, 5.4.1; RFC 4443 2.4).
#include "core/tunnel_base.hpp"

#include <algorithm>

#include "proto/icmpv6_error.hpp"

namespace teredo::core {

namespace {
constexpr Tick kBubbleSpacing = ticks(std::chrono::seconds(2));
constexpr Tick kBubbleWindow = ticks(std::chrono::seconds(300));
constexpr std::uint8_t kBubbleBudget = 4;
constexpr Tick kIdleExpiry = ticks(std::chrono::seconds(30));
constexpr auto kSweepInterval = std::chrono::seconds(1);
constexpr std::size_t kArenaSize = 64 * 1024;
constexpr std::size_t kMaxEventOutput = 4096;
constexpr std::size_t kMaxActions = 1024;
}  // namespace

TunnelBase::TunnelBase(const TunnelLimits& limits, const HashKey& key, TimePoint now)
    : epoch_(now),
      peers_(limits.max_peers, key, *limits.memory),
      queue_(limits.queue_packets_total, limits.queue_slot_size, limits.queue_packets_per_peer,
             *limits.memory),
      icmp_limit_(limits.icmp_errors_per_second, limits.icmp_errors_per_second, now),
      actions_(limits.memory),
      arena_(*limits.memory, kArenaSize),
      pending_release_(limits.memory),
      next_retry_(TimePoint::max()),
      next_sweep_(now + kSweepInterval),
      per_peer_(limits.queue_packets_per_peer) {
  actions_.reserve(kMaxActions);
  pending_release_.reserve(kMaxActions);
}

proto::MutableBytes TunnelBase::scratch(std::size_t n) {
  if (kArenaSize - arena_used_ < n) return {};
  proto::MutableBytes m{arena_.get() + arena_used_, n};
  arena_used_ += n;
  return m;
}

void TunnelBase::clear_actions() {
  actions_.clear();
  arena_used_ = 0;
  for (const auto& chain : pending_release_) queue_.release(chain);
  pending_release_.clear();
}

bool TunnelBase::should_flush() const {
  return kArenaSize - arena_used_ < kMaxEventOutput || actions_.size() + 2 * per_peer_ + 4 > kMaxActions;
}

void TunnelBase::prefetch_tun_packet(proto::ByteView packet) const {
  if (packet.size() < proto::kIpv6HeaderSize) return;
  proto::Ipv6Addr dst;
  std::copy_n(packet.begin() + 24, 16, dst.bytes.begin());
  peers_.prefetch(dst);
}

TunnelBase::PeerRef TunnelBase::find_or_create(Tick tick, const proto::Ipv6Addr& addr) {
  PeerTable::Insertion ins = peers_.find_or_insert(addr, tick);
  if (ins.entry == nullptr) {
    drop(proto::Drop::PeerTableFull);
    return {};
  }
  if (ins.evicted && ins.evicted_queue != kNoQueue) discard_queue(ins.evicted_queue);
  if (ins.inserted) {
    ins.entry->last_rx = tick - kPeerValidity;
    ins.entry->last_tx = tick - kPeerValidity;
  }
  return {ins.entry, ins.inserted, ins.evicted};
}

bool TunnelBase::open_queue(Tick tick, PeerEntry& peer) {
  if (peer.queue != kNoQueue) return true;
  peer.queue = queue_.open_list(peer.addr);
  if (peer.queue == kNoQueue) {
    drop(proto::Drop::QueueFull);
    return false;
  }
  queue_.info(peer.queue).next_retry = tick + kRetryInterval;
  note_retry(tick + kRetryInterval);
  return true;
}

bool TunnelBase::remember_nonce(PeerEntry& peer, std::uint32_t nonce) {
  if (peer.queue == kNoQueue) return false;
  PacketQueue::ListInfo& info = queue_.info(peer.queue);
  info.nonce_sent_before = info.nonce_sent;
  info.nonce_sent = nonce;
  return true;
}

bool TunnelBase::sent_nonce(const PeerEntry& peer, std::uint32_t nonce) {
  if (peer.queue == kNoQueue || nonce == 0) return false;
  const PacketQueue::ListInfo& info = queue_.info(peer.queue);
  return nonce == info.nonce_sent || nonce == info.nonce_sent_before;
}

std::optional<proto::Trailers> TunnelBase::read_trailers(proto::ByteView bytes, std::uint64_t& truncated) {
  if (bytes.empty()) return proto::Trailers{};
  auto t = proto::parse_trailers(bytes);
  if (!t) {
    drop(t.drop());
    return std::nullopt;
  }
  if (t->truncated) ++truncated;
  return *t;
}

bool TunnelBase::enqueue(Tick tick, PeerEntry& peer, proto::ByteView packet, std::uint64_t& queued,
                         std::uint8_t tag) {
  if (!open_queue(tick, peer)) return false;
  if (queue_.push(peer.queue, packet, tag))
    ++queued;
  else
    drop(proto::Drop::QueueFull);
  return true;
}

void TunnelBase::discard_queue(std::uint32_t list) {
  for (std::uint32_t n = queue_.packets_in(list); n > 0; --n) drop(proto::Drop::PeerUnreachable);
  queue_.discard(list);
}

bool TunnelBase::take_bubble_budget(Tick tick, PeerEntry& peer) {
  if (tick_age(tick, peer.last_tx) < kBubbleSpacing) return false;
  if (peer.bubbles >= kBubbleBudget) {
    if (tick_age(tick, peer.bubble_window) < kBubbleWindow) return false;
    peer.bubbles = 0;
  }
  if (peer.bubbles == 0) peer.bubble_window = tick;
  ++peer.bubbles;
  peer.last_tx = tick;
  return true;
}

bool TunnelBase::icmpv6_error(TimePoint now, std::uint8_t type, std::uint8_t code, std::uint32_t parameter,
                              const proto::Ipv6Packet& offending, proto::ByteView bytes) {
  if (!proto::may_send_icmpv6_error(offending) || !icmp_limit_.allow(now)) return false;
  proto::MutableBytes buf = scratch(proto::kMinMtu);
  if (buf.empty()) return false;
  proto::Writer w(buf);
  proto::build_icmpv6_error(w, type, code, parameter, bytes);
  actions_.push_back(SendIcmpv6{offending.header.src, w.written()});
  return true;
}

std::size_t TunnelBase::sweep_idle(TimePoint now, Tick tick) {
  if (now < next_sweep_) return 0;
  next_sweep_ = now + kSweepInterval;
  const std::size_t budget = peers_.slot_count() / 30 + 64;
  return peers_.sweep(
      budget,
      [&](const PeerEntry& e) {
        return e.queue == kNoQueue && tick_age(tick, e.last_rx) > kIdleExpiry &&
               tick_age(tick, e.last_tx) > kIdleExpiry;
      },
      [&](const PeerEntry&) {});
}

}  // namespace teredo::core
