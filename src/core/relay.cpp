// Teredo relay (RFC 4380 5.4; RFC 5991 3.2). Native -> Teredo: trusted peers get packets at
// once, others are queued while bubbles open the path (5.4.1). Teredo -> native: the outer
// source must match the mapping in the Teredo source address (5.4.2), or the datagram must be a
// bubble answering one of ours (its destination is the keyed identifier we put in our bubble's
// source), which admits clients behind symmetric NATs as Miredo does.
#include "core/relay.hpp"

#include <algorithm>

#include "proto/echo.hpp"
#include "proto/encapsulation.hpp"
#include "proto/icmpv6_error.hpp"
#include "proto/ipv6.hpp"

namespace teredo::core {

using proto::ByteView;
using proto::Drop;
using proto::Endpoint;
using proto::Ipv6Addr;

namespace {

constexpr Tick kPeerValidity = ticks(std::chrono::seconds(30));   // 5.2.4: last rx < 30 s
constexpr Tick kBubbleSpacing = ticks(std::chrono::seconds(2));   // 5.2.6
constexpr Tick kBubbleWindow = ticks(std::chrono::seconds(300));  // 5.2.6: 4 per 300 s
constexpr std::uint8_t kBubbleBudget = 4;
constexpr Tick kRetryInterval = ticks(std::chrono::seconds(2));   // 5.4.1: 2 s, <= 3 repeats
constexpr std::uint8_t kMaxRetries = 3;
constexpr Tick kIdleExpiry = ticks(std::chrono::seconds(30));
constexpr auto kSweepInterval = std::chrono::seconds(1);
constexpr std::size_t kArenaSize = 64 * 1024;
constexpr std::size_t kMaxEventOutput = 4096;
constexpr std::size_t kMaxActions = 1024;
constexpr std::uint8_t kBubbleHopLimit = 255;

bool reached(Tick now, Tick deadline) { return tick_age(now, deadline) < 0x80000000u; }

}  // namespace

Relay::Relay(const RelayConfig& config, TimePoint now)
    : config_(config),
      epoch_(now),
      peers_(config.max_peers, config.secret),
      queue_(config.queue_packets_total, config.mtu, config.queue_packets_per_peer),
      icmp_limit_(config.icmp_errors_per_second, config.icmp_errors_per_second, now),
      arena_(kArenaSize),
      next_sweep_(now + kSweepInterval),
      next_retry_(TimePoint::max()) {
  actions_.reserve(kMaxActions);
  pending_release_.reserve(kMaxActions);
}

proto::MutableBytes Relay::scratch(std::size_t n) {
  if (arena_.size() - arena_used_ < n) return {};
  proto::MutableBytes m{arena_.data() + arena_used_, n};
  arena_used_ += n;
  return m;
}

void Relay::clear_actions() {
  actions_.clear();
  arena_used_ = 0;
  for (const auto& chain : pending_release_) queue_.release(chain);
  pending_release_.clear();
}

bool Relay::should_flush() const {
  return arena_.size() - arena_used_ < kMaxEventOutput || actions_.size() + 2 * config_.queue_packets_per_peer + 4 > kMaxActions;
}

Ipv6Addr Relay::bubble_source(const Ipv6Addr& peer) const {
  // fe80::/64 + a keyed hash of the peer's address (u/g bits cleared). A reply bubble swaps
  // addresses, so its destination proves it answers a bubble we sent to that peer.
  std::array<std::uint8_t, 17> msg{};
  std::copy(peer.bytes.begin(), peer.bytes.end(), msg.begin());
  msg[16] = 0xb0;
  const std::uint64_t h = siphash13(config_.secret, msg);
  Ipv6Addr a;
  a.bytes[0] = 0xfe;
  a.bytes[1] = 0x80;
  for (int i = 0; i < 8; ++i) a.bytes[static_cast<std::size_t>(8 + i)] = static_cast<std::uint8_t>(h >> (8 * i));
  a.bytes[8] &= 0xfc;
  return a;
}

void Relay::on_tun_packet(TimePoint now, ByteView packet) {
  ++counters_.tun_packets;
  counters_.tun_bytes += packet.size();
  auto ip = proto::parse_ipv6(packet);
  if (!ip) return drop(ip.drop());
  const Ipv6Addr& dst = ip->header.dst;
  const ByteView exact = packet.first(proto::kIpv6HeaderSize + ip->header.payload_length);

  if (proto::is_multicast(dst)) return drop(Drop::MulticastDestination);
  if (!proto::has_prefix(dst, config_.prefix)) {
    // Only 2001::/32 is routed to us; anything else is misrouted (Miredo: unreachable code 3).
    icmpv6_error(now, proto::kIcmpv6DestinationUnreachable, proto::kUnreachableAddress, 0, *ip, exact);
    return drop(Drop::NotTeredoDestination);
  }
  if (exact.size() > config_.mtu) {
    icmpv6_error(now, proto::kIcmpv6PacketTooBig, 0, config_.mtu, *ip, exact);
    return drop(Drop::PacketTooBig);
  }
  const proto::TeredoAddress t = proto::parse_teredo_address(dst);
  if (!proto::is_global_unicast(t.server)) return drop(Drop::NonGlobalTeredoServer);
  // A mapped port of 0 is no endpoint either (and a bubble to it would be sent to port 0).
  if (!proto::is_global_unicast(t.mapped.addr) || t.mapped.port == 0) return drop(Drop::NonGlobalMappedDestination);

  const Tick tick = to_tick(epoch_, now);
  if (PeerEntry* peer = peers_.find(dst);
      peer != nullptr && peer->trusted() && tick_age(tick, peer->last_rx) < kPeerValidity) {
    send_packet_to_peer(tick, *peer, exact);
    return;
  }

  // 5.4.1 case 3 (cone bit ignored, RFC 5991 3.2): queue, and bubble through the peer's server.
  PeerTable::Insertion ins = peers_.find_or_insert(dst, tick);
  if (ins.entry == nullptr) return drop(Drop::PeerTableFull);
  if (ins.evicted) {
    ++counters_.peers_evicted;
    if (ins.evicted_queue != kNoQueue) discard_queue(ins.evicted_queue);
  }
  PeerEntry& peer = *ins.entry;
  if (ins.inserted) {
    ++counters_.peers_created;
    peer.set_mapped(t.mapped);
    peer.last_rx = tick - kPeerValidity;  // 5.2.3(3): a new entry has not been heard from
    peer.last_tx = tick - kPeerValidity;
  }
  if (peer.queue == kNoQueue) {
    peer.queue = queue_.open_list(dst);
    if (peer.queue == kNoQueue) {
      send_bubbles(tick, peer);
      return drop(Drop::QueueFull);
    }
    PacketQueue::ListInfo& info = queue_.info(peer.queue);
    info.next_retry = tick + kRetryInterval;
    info.retries = 0;
    next_retry_ = std::min(next_retry_, epoch_ + (tick + kRetryInterval) * kTickLength);
  }
  if (queue_.push(peer.queue, exact))
    ++counters_.packets_queued;
  else
    drop(Drop::QueueFull);
  send_bubbles(tick, peer);
}

void Relay::send_packet_to_peer(Tick tick, PeerEntry& peer, ByteView packet) {
  actions_.push_back(SendUdp{peer.mapped(), {}, packet});
  ++counters_.to_teredo_packets;
  counters_.to_teredo_bytes += packet.size();
  ++peer.tx_packets;
  peer.tx_bytes += packet.size();
  peer.last_tx = tick;
}

void Relay::send_bubbles(Tick tick, PeerEntry& peer) {
  // 5.2.6: no bubble within 2 s of the last transmission to this peer, and at most 4 in 300 s
  // without a direct answer.
  if (tick_age(tick, peer.last_tx) < kBubbleSpacing) return;
  if (peer.bubbles >= kBubbleBudget) {
    if (tick_age(tick, peer.bubble_window) < kBubbleWindow) return;
    peer.bubbles = 0;
  }
  proto::MutableBytes buf = scratch(proto::kIpv6HeaderSize);
  if (buf.empty()) return drop(Drop::SendFailed);
  proto::Writer w(buf);
  proto::build_bubble(w, bubble_source(peer.addr), peer.addr, kBubbleHopLimit);
  const proto::TeredoAddress t = proto::parse_teredo_address(peer.addr);
  // Indirect bubble: to the peer's own server, which relays it with an origin indication.
  actions_.push_back(SendUdp{Endpoint{t.server, proto::kTeredoPort}, w.written(), {}});
  ++counters_.bubbles_indirect_sent;
  if (config_.mode == RelayMode::Restricted) {
    actions_.push_back(SendUdp{peer.mapped(), w.written(), {}});
    ++counters_.bubbles_direct_sent;
  }
  if (peer.bubbles == 0) peer.bubble_window = tick;
  ++peer.bubbles;
  peer.last_tx = tick;
}

void Relay::on_udp_datagram(TimePoint now, Endpoint from, ByteView payload) {
  ++counters_.udp_datagrams;
  counters_.udp_bytes += payload.size();
  auto pkt = proto::parse_teredo_packet(payload);
  if (!pkt) return drop(pkt.drop());
  auto ip = proto::parse_ipv6(pkt->ipv6);
  if (!ip) return drop(ip.drop());
  const proto::Ipv6Header& h = ip->header;
  if (!proto::has_prefix(h.src, config_.prefix)) return drop(Drop::SourceNotTeredo);
  const bool bubble = proto::is_bubble(*ip);
  const Tick tick = to_tick(epoch_, now);

  PeerEntry* peer = peers_.find(h.src);
  const bool known_path = peer != nullptr && peer->trusted() && peer->mapped() == from;
  if (!known_path) {
    // 5.4.2: the outer source must be the mapping embedded in the Teredo source address, or the
    // packet is a bubble that answers ours.
    const bool mapping_ok = proto::parse_teredo_address(h.src).mapped == from;
    const bool answers_our_bubble = bubble && h.dst == bubble_source(h.src);
    if (!mapping_ok && !answers_our_bubble) return drop(Drop::SourceMappingMismatch);
    if (peer == nullptr) {
      PeerTable::Insertion ins = peers_.find_or_insert(h.src, tick);
      if (ins.entry == nullptr) return drop(Drop::PeerTableFull);
      if (ins.evicted) {
        ++counters_.peers_evicted;
        if (ins.evicted_queue != kNoQueue) discard_queue(ins.evicted_queue);
      }
      if (ins.inserted) ++counters_.peers_created;
      peer = ins.entry;
      peer->last_tx = tick - kPeerValidity;
    }
    trust_and_flush(tick, *peer, from);
  }
  peer->last_rx = tick;
  peer->bubbles = 0;

  if (bubble) {
    ++counters_.bubbles_received;
    return;
  }
  if (proto::has_prefix(h.dst, config_.prefix)) return drop(Drop::TeredoToTeredo);
  if (!proto::is_global_scope(h.dst)) return drop(Drop::NonGlobalDestination);
  actions_.push_back(WriteTun{pkt->ipv6});
  ++peer->rx_packets;
  peer->rx_bytes += pkt->ipv6.size();
  ++counters_.to_native_packets;
  counters_.to_native_bytes += pkt->ipv6.size();
}

void Relay::trust_and_flush(Tick tick, PeerEntry& peer, Endpoint mapping) {
  peer.set_mapped(mapping);
  peer.flags |= PeerEntry::kTrusted | PeerEntry::kHeard;
  if (peer.queue == kNoQueue) return;
  PacketQueue::SlotList chain = queue_.take(peer.queue);
  peer.queue = kNoQueue;
  queue_.for_each(chain, [&](ByteView p) {
    send_packet_to_peer(tick, peer, p);
    ++counters_.packets_flushed;
  });
  pending_release_.push_back(chain);  // the packets are viewed by actions until clear_actions()
}

void Relay::discard_queue(std::uint32_t list) {
  for (std::uint32_t n = queue_.packets_in(list); n > 0; --n) drop(Drop::PeerUnreachable);
  queue_.discard(list);
}

void Relay::icmpv6_error(TimePoint now, std::uint8_t type, std::uint8_t code, std::uint32_t param,
                         const proto::Ipv6Packet& offending, ByteView bytes) {
  if (!proto::may_send_icmpv6_error(offending)) return;
  if (!icmp_limit_.allow(now)) return;
  proto::MutableBytes buf = scratch(proto::kMinMtu);
  if (buf.empty()) return;
  proto::Writer w(buf);
  proto::build_icmpv6_error(w, type, code, param, bytes);
  actions_.push_back(SendIcmpv6{offending.header.src, w.written()});
  ++counters_.icmpv6_errors_sent;
}

void Relay::on_tick(TimePoint now) {
  const Tick tick = to_tick(epoch_, now);
  if (now >= next_retry_) {
    next_retry_ = TimePoint::max();
    queue_.for_each_open([&](std::uint32_t id, PacketQueue::ListInfo& info) {
      if (!reached(tick, info.next_retry)) {
        next_retry_ = std::min(next_retry_, epoch_ + info.next_retry * kTickLength);
        return;
      }
      PeerEntry* peer = peers_.find(info.peer);
      if (peer == nullptr || peer->queue != id) {
        discard_queue(id);
        return;
      }
      if (info.retries >= kMaxRetries) {
        // 5.4.1: no answer after 3 repeats: delete the entry and its queue, and tell the
        // sender the address is unreachable (one error per peer).
        PacketQueue::SlotList chain = queue_.take(id);
        bool first = true;
        queue_.for_each(chain, [&](ByteView p) {
          drop(Drop::PeerUnreachable);
          if (!first) return;
          first = false;
          if (auto ip = proto::parse_ipv6(p))
            icmpv6_error(now, proto::kIcmpv6DestinationUnreachable, proto::kUnreachableAddress, 0, *ip, p);
        });
        queue_.release(chain);
        peers_.erase(peer);
        ++counters_.peers_given_up;
        return;
      }
      ++info.retries;
      info.next_retry = tick + kRetryInterval;
      next_retry_ = std::min(next_retry_, epoch_ + info.next_retry * kTickLength);
      send_bubbles(tick, *peer);
    });
  }
  if (now >= next_sweep_) {
    next_sweep_ = now + kSweepInterval;
    // Visit the whole table about every 30 s; entries idle that long are no longer valid.
    const std::size_t budget = peers_.slot_count() / 30 + 64;
    counters_.peers_expired += peers_.sweep(
        budget,
        [&](const PeerEntry& e) {
          return e.queue == kNoQueue && tick_age(tick, e.last_rx) > kIdleExpiry &&
                 tick_age(tick, e.last_tx) > kIdleExpiry;
        },
        [&](const PeerEntry&) {});
  }
}

TimePoint Relay::next_deadline() const { return std::min(next_sweep_, next_retry_); }

}  // namespace teredo::core
