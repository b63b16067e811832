// SPDX-License-Identifier: GPL-2.0-or-later
// The Teredo relay state machine (RFC 4380 5.4, RFC 5991 3.2): the IPv6 router between native
// IPv6 and Teredo clients. No I/O: the driver feeds packets from the tunnel interface and the
// UDP socket, and a tick; the core answers with actions (tunnel_actions.hpp).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "core/relay_counters.hpp"
#include "core/time.hpp"
#include "core/tunnel_actions.hpp"
#include "core/tunnel_base.hpp"
#include "proto/drop.hpp"
#include "proto/encapsulation.hpp"
#include "proto/ipv4.hpp"
#include "proto/ipv6.hpp"
#include "proto/teredo_address.hpp"
#include "proto/trailers.hpp"

namespace teredo::core {

enum class RelayMode : std::uint8_t {
  Cone,        // RelayType relay / cone: indirect bubbles only (Miredo's default relay)
  Restricted,  // RelayType restricted: direct and indirect bubbles
};

struct RelayConfig {
  RelayMode mode = RelayMode::Cone;
  std::uint32_t prefix = proto::kTeredoPrefix;
  std::uint32_t mtu = 1280;
  /// Peer table ceiling (entries); memory is allocated once for this many.
  std::size_t max_peers = 1 << 20;
  /// Packets held while a path to a peer opens: per peer, and for the whole relay.
  std::size_t queue_packets_per_peer = 8;
  std::size_t queue_packets_total = 4096;
  /// ICMPv6 errors per second (token bucket, burst of the same size).
  std::uint32_t icmp_errors_per_second = 50;
  /// RFC 4380 5.4.2 (ServedPrefixes): the native destinations this relay forwards Teredo
  /// clients' packets to. None configured: every global destination.
  static constexpr std::size_t kMaxServedPrefixes = 8;
  std::array<proto::Ipv6Prefix, kMaxServedPrefixes> served{};
  std::size_t served_count = 0;
  /// Secret for the bubble source identifiers (keyed hash), drawn by the driver from the CSPRNG.
  std::array<std::uint8_t, 16> secret{};
  /// Where the large buffers come from (buffer_memory.hpp); the driver passes its page memory.
  BufferMemory* memory = &heap_buffer_memory();
};

/// One relay instance. Not thread-safe: one data-path thread owns it. The action list, peer
/// table and queue accessors come from TunnelBase.
class Relay : public TunnelBase {
 public:
  Relay(const RelayConfig& config, TimePoint now);

  /// An IPv6 packet read from the tunnel interface (native -> Teredo). `packet` must stay valid
  /// until clear_actions(): actions may view it.
  void on_tun_packet(TimePoint now, proto::ByteView packet);

  /// A UDP datagram received on the service socket from `from` (Teredo -> native). `payload`
  /// must stay valid until clear_actions().
  void on_udp_datagram(TimePoint now, proto::Endpoint from, proto::ByteView payload);

  /// Timers: bubble retransmission, giving up on silent peers, expiry sweep.
  void on_tick(TimePoint now);

  /// When on_tick must next be called.
  TimePoint next_deadline() const;

  const RelayConfig& config() const { return config_; }
  const RelayCounters& counters() const { return counters_; }

  /// The Nonce trailer of the last indirect bubble sent to `peer` while its path opens (0: none).
  std::uint32_t bubble_nonce(const proto::Ipv6Addr& peer) const;
  /// The link-local source of our bubble to `peer` carrying `nonce`: fe80::/64 + a keyed hash of
  /// both. A client without RFC 6081 answers with the addresses swapped, so the destination of
  /// its answer proves, like the nonce a 6081 client echoes, that it saw that bubble.
  proto::Ipv6Addr bubble_source(const proto::Ipv6Addr& peer, std::uint32_t nonce) const;

 private:
  void send_packet_to_peer(Tick tick, PeerEntry& peer, proto::ByteView packet);
  void send_bubbles(Tick tick, PeerEntry& peer);
  void trust_and_flush(Tick tick, PeerEntry& peer, proto::Endpoint mapping);
  void error(TimePoint now, std::uint8_t type, std::uint8_t code, std::uint32_t param,
             const proto::Ipv6Packet& offending, proto::ByteView bytes);
  PeerEntry* peer_for(Tick tick, const proto::Ipv6Addr& addr);
  /// True when a bubble from an endpoint other than the embedded mapping answers one of our last
  /// two bubbles to the peer: by the Nonce trailer it echoes, or by its destination.
  bool serves(const proto::Ipv6Addr& dst) const;
  bool answers_our_bubble(PeerEntry* peer, const proto::Ipv6Header& h, const proto::Trailers& trailers);

  RelayConfig config_;
  RelayCounters counters_;
  std::uint64_t nonces_drawn_ = 0;
};

}  // namespace teredo::core
