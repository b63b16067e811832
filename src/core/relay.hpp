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
#include "proto/ipv4.hpp"
#include "proto/ipv6.hpp"
#include "proto/teredo_address.hpp"

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

  /// The link-local source of our bubbles to `peer`: fe80::/64 + keyed hash of its address.
  proto::Ipv6Addr bubble_source(const proto::Ipv6Addr& peer) const;

 private:
  void send_packet_to_peer(Tick tick, PeerEntry& peer, proto::ByteView packet);
  void send_bubbles(Tick tick, PeerEntry& peer);
  void trust_and_flush(Tick tick, PeerEntry& peer, proto::Endpoint mapping);
  void error(TimePoint now, std::uint8_t type, std::uint8_t code, std::uint32_t param,
             const proto::Ipv6Packet& offending, proto::ByteView bytes);
  PeerEntry* peer_for(Tick tick, const proto::Ipv6Addr& addr);

  RelayConfig config_;
  RelayCounters counters_;
};

}  // namespace teredo::core
