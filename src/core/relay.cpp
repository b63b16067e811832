// SPDX-License-Identifier: GPL-2.0-or-later
// Teredo relay (RFC 4380 5.4; RFC 5991 3.2). Native -> Teredo: trusted peers get packets at
// once, others are queued while bubbles open the path (5.4.1). Teredo -> native: the outer
// source must match the mapping in the Teredo source address (5.4.2), or the datagram must be a
// bubble answering one of our last two bubbles to that peer: it echoes their fresh Nonce trailer
// (RFC 6081 5.2.4) or, from a client without RFC 6081, is addressed to their source, which is
// derived from the nonce. That admits clients behind symmetric NATs, and nothing replays it.
#include "core/relay.hpp"

#include <algorithm>

#include "core/keyed_hash.hpp"
#include "proto/echo.hpp"
#include "proto/encapsulation.hpp"
#include "proto/icmpv6_error.hpp"
#include "proto/trailers.hpp"

namespace teredo::core {

using proto::ByteView;
using proto::Drop;
using proto::Endpoint;
using proto::Ipv6Addr;

namespace {

constexpr std::uint8_t kBubbleHopLimit = 255;

TunnelLimits limits_of(const RelayConfig& c) {
  TunnelLimits l;
  l.max_peers = c.max_peers;
  l.queue_packets_per_peer = c.queue_packets_per_peer;
  l.queue_packets_total = c.queue_packets_total;
  l.queue_slot_size = c.mtu;
  l.icmp_errors_per_second = c.icmp_errors_per_second;
  l.memory = c.memory;
  return l;
}

}  // namespace

Relay::Relay(const RelayConfig& config, TimePoint now)
    : TunnelBase(limits_of(config), config.secret, now), config_(config) {}

std::uint32_t Relay::bubble_nonce(const Ipv6Addr& peer) const {
  const PeerEntry* e = peers_.find(peer);
  return e == nullptr || e->queue == kNoQueue ? 0 : queue_.info(e->queue).nonce_sent;
}

Ipv6Addr Relay::bubble_source(const Ipv6Addr& peer, std::uint32_t nonce) const {
  // fe80::/64 + a keyed hash of the peer's address and the nonce (u/g bits cleared).
  std::array<std::uint8_t, 21> msg{};
  std::copy(peer.bytes.begin(), peer.bytes.end(), msg.begin());
  proto::store_be32(msg.data() + 16, nonce);
  msg[20] = 0xb0;
  const std::uint64_t h = siphash13(config_.secret, msg);
  Ipv6Addr a;
  a.bytes[0] = 0xfe;
  a.bytes[1] = 0x80;
  for (int i = 0; i < 8; ++i)
    a.bytes[static_cast<std::size_t>(8 + i)] = static_cast<std::uint8_t>(h >> (8 * i));
  a.bytes[8] &= 0xfc;
  return a;
}

void Relay::error(TimePoint now, std::uint8_t type, std::uint8_t code, std::uint32_t param,
                  const proto::Ipv6Packet& offending, ByteView bytes) {
  if (icmpv6_error(now, type, code, param, offending, bytes)) ++counters_.icmpv6_errors_sent;
}

PeerEntry* Relay::peer_for(Tick tick, const Ipv6Addr& addr) {
  const PeerRef ref = find_or_create(tick, addr);
  if (ref.evicted) ++counters_.peers_evicted;
  if (ref.created) ++counters_.peers_created;
  return ref.entry;
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
    error(now, proto::kIcmpv6DestinationUnreachable, proto::kUnreachableAddress, 0, *ip, exact);
    return drop(Drop::NotTeredoDestination);
  }
  if (exact.size() > config_.mtu) {
    error(now, proto::kIcmpv6PacketTooBig, 0, config_.mtu, *ip, exact);
    return drop(Drop::PacketTooBig);
  }
  const proto::TeredoAddress t = proto::parse_teredo_address(dst);
  if (!proto::is_global_unicast(t.server)) return drop(Drop::NonGlobalTeredoServer);
  // A mapped port of 0 is no endpoint either (and a bubble to it would be sent to port 0).
  if (!proto::is_global_unicast(t.mapped.addr) || t.mapped.port == 0)
    return drop(Drop::NonGlobalMappedDestination);

  const Tick tick = to_tick(epoch_, now);
  if (PeerEntry* peer = peers_.find(dst);
      peer != nullptr && peer->trusted() && tick_age(tick, peer->last_rx) < kPeerValidity) {
    send_packet_to_peer(tick, *peer, exact);
    return;
  }

  // 5.4.1 case 3 (cone bit ignored, RFC 5991 3.2): queue, and bubble through the peer's server.
  PeerEntry* peer = peer_for(tick, dst);
  if (peer == nullptr) return;
  if (!peer->trusted()) peer->set_mapped(t.mapped);
  enqueue(tick, *peer, exact, counters_.packets_queued);
  send_bubbles(tick, *peer);
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
  if (!take_bubble_budget(tick, peer)) return;
  proto::MutableBytes buf = scratch(proto::kIpv6HeaderSize + proto::kNonceTrailerSize);
  if (buf.empty()) return drop(Drop::SendFailed);
  // A fresh nonce per bubble (RFC 6081 5.2.4.1), unpredictable to anyone without the secret; it
  // lives in the peer's queue, so it is forgotten once the peer is trusted or given up.
  std::array<std::uint8_t, 25> msg{};
  std::copy(peer.addr.bytes.begin(), peer.addr.bytes.end(), msg.begin());
  for (int i = 0; i < 8; ++i)
    msg[16 + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(nonces_drawn_ >> (8 * i));
  msg[24] = 0xb1;
  ++nonces_drawn_;
  std::uint32_t nonce = static_cast<std::uint32_t>(siphash13(config_.secret, msg));
  if (nonce == 0) nonce = 1;
  if (!remember_nonce(peer, nonce)) nonce = 0;  // no queue: a bubble only a true mapping answers
  proto::Writer w(buf);
  proto::build_bubble(w, bubble_source(peer.addr, nonce), peer.addr, kBubbleHopLimit);
  if (nonce != 0) proto::build_nonce_trailer(w, nonce);
  const proto::TeredoAddress t = proto::parse_teredo_address(peer.addr);
  // Indirect bubble: to the peer's own server, which relays it with an origin indication.
  actions_.push_back(SendUdp{Endpoint{t.server, proto::kTeredoPort}, w.written(), {}});
  ++counters_.bubbles_indirect_sent;
  if (config_.mode == RelayMode::Restricted) {
    actions_.push_back(SendUdp{peer.mapped(), w.written(), {}});
    ++counters_.bubbles_direct_sent;
  }
}

bool Relay::serves(const Ipv6Addr& dst) const {
  if (config_.served_count == 0) return true;
  for (std::size_t i = 0; i < config_.served_count; ++i)
    if (proto::in_prefix(dst, config_.served[i])) return true;
  return false;
}

bool Relay::answers_our_bubble(PeerEntry* peer, const proto::Ipv6Header& h, const proto::Trailers& trailers) {
  if (peer == nullptr || peer->queue == kNoQueue) return false;
  const PacketQueue::ListInfo& info = queue_.info(peer->queue);
  if (trailers.nonce && sent_nonce(*peer, *trailers.nonce)) return true;
  for (const std::uint32_t n : {info.nonce_sent, info.nonce_sent_before})
    if (n != 0 && h.dst == bubble_source(h.src, n)) return true;
  return false;
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
  const auto trailers = read_trailers(pkt->trailers, counters_.trailers_truncated);
  if (!trailers) return;
  const Tick tick = to_tick(epoch_, now);

  PeerEntry* peer = peers_.find(h.src);
  const bool known_path = peer != nullptr && peer->trusted() && peer->mapped() == from;
  if (!known_path) {
    // 5.4.2: the outer source must be the mapping embedded in the Teredo source address, or the
    // packet is a bubble that answers ours.
    const bool mapping_ok = proto::parse_teredo_address(h.src).mapped == from;
    if (!mapping_ok) {
      if (!bubble) return drop(Drop::SourceMappingMismatch);
      if (!answers_our_bubble(peer, h, *trailers))
        return drop(trailers->nonce ? Drop::BubbleNonceMismatch : Drop::SourceMappingMismatch);
      ++counters_.bubbles_nonce_verified;
    }
    if (peer == nullptr) peer = peer_for(tick, h.src);
    if (peer == nullptr) return;
    trust_and_flush(tick, *peer, from);
  }
  peer->last_rx = tick;
  peer->bubbles = 0;
  // Anything from the verified mapping releases the packets queued while the entry was stale.
  if (peer->queue != kNoQueue) trust_and_flush(tick, *peer, from);

  if (bubble) {
    ++counters_.bubbles_received;
    return;
  }
  if (proto::has_prefix(h.dst, config_.prefix)) return drop(Drop::TeredoToTeredo);
  if (!proto::is_global_scope(h.dst)) return drop(Drop::NonGlobalDestination);
  if (!serves(h.dst)) return drop(Drop::OutsideServedPrefixes);
  actions_.push_back(WriteTun{pkt->ipv6});
  ++peer->rx_packets;
  peer->rx_bytes += pkt->ipv6.size();
  ++counters_.to_native_packets;
  counters_.to_native_bytes += pkt->ipv6.size();
}

void Relay::trust_and_flush(Tick tick, PeerEntry& peer, Endpoint mapping) {
  peer.set_mapped(mapping);
  peer.flags |= PeerEntry::kTrusted | PeerEntry::kHeard;
  flush_queue(peer, [&](ByteView p, std::uint8_t) {
    send_packet_to_peer(tick, peer, p);
    ++counters_.packets_flushed;
  });
}

void Relay::on_tick(TimePoint now) {
  const Tick tick = to_tick(epoch_, now);
  if (now >= next_retry_) {
    next_retry_ = TimePoint::max();
    queue_.for_each_open([&](std::uint32_t id, PacketQueue::ListInfo& info) {
      if (!tick_reached(tick, info.next_retry)) return note_retry(info.next_retry);
      PeerEntry* peer = peers_.find(info.peer);
      if (peer == nullptr || peer->queue != id) return discard_queue(id);
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
            error(now, proto::kIcmpv6DestinationUnreachable, proto::kUnreachableAddress, 0, *ip, p);
        });
        queue_.release(chain);
        peers_.erase(peer);
        ++counters_.peers_given_up;
        return;
      }
      ++info.retries;
      info.next_retry = tick + kRetryInterval;
      note_retry(info.next_retry);
      send_bubbles(tick, *peer);
    });
  }
  counters_.peers_expired += sweep_idle(now, tick);
}

TimePoint Relay::next_deadline() const {
  return std::min(next_sweep_, next_retry_);
}

}  // namespace teredo::core
