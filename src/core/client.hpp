// SPDX-License-Identifier: GPL-2.0-or-later
// The Teredo client state machine (RFC 4380 5.2, RFC 5991): qualification and maintenance
// through a server, the peer list with bubbles for Teredo destinations, and the direct IPv6
// connectivity test that finds a relay for native destinations. No I/O: events in, actions out.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <type_traits>
#include <vector>

#include "core/authentication.hpp"
#include "core/client_counters.hpp"
#include "core/local_peers.hpp"
#include "core/random_ports.hpp"
#include "core/random_source.hpp"
#include "core/rate_limiter.hpp"
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

struct ClientConfig {
  /// The server's primary IPv4 (ServerAddress) and the one tried when it stops answering
  /// (ServerAddress2, by convention primary + 1: the same server's second address).
  proto::Ipv4Addr server;
  proto::Ipv4Addr server2;
  std::chrono::seconds refresh_interval{30};  // RFC 4380 2.15, 5.2
  /// The Teredo prefix (first 32 bits) an RA must advertise: an RA for any other is rejected.
  std::uint32_t prefix = proto::kTeredoPrefix;
  std::size_t max_peers = 1 << 16;
  std::size_t queue_packets_per_peer = 8;
  std::size_t queue_packets_total = 1024;
  std::uint32_t icmp_errors_per_second = 50;
  std::array<std::uint8_t, 16> secret{};
  /// RFC 6081 3.1 (SymmetricNatSupport): Nonce trailers in indirect bubbles, a direct bubble
  /// from an unexpected endpoint accepted when it echoes one. Off: a symmetric NAT found by the
  /// secondary-address probe takes the client off-line, as RFC 4380 5.2.1 requires.
  bool symmetric_nat_support = true;
  /// RFC 6081 3.5 (Hairpinning): indirect bubbles list `local` as an alternate address, and the
  /// alternate addresses a peer lists get direct bubbles.
  bool hairpinning = true;
  /// RFC 6081 3.6 (ServerLoadReduction): a trusted peer gone quiet for 30 s is re-checked with
  /// direct bubbles carrying an ND solicitation before any indirect bubble loads the server.
  bool server_load_reduction = true;
  /// The service socket's own IPv4 address and port, as the NAT's inside sees it (0: unknown).
  proto::Endpoint local{};
  /// RFC 4380 5.2.8 (LocalDiscovery): discovery bubbles to 224.0.0.253 every 200-300 s and the
  /// clients on our link reached at their local address (5.2.4 case 3). The driver delivers what
  /// arrives on the group through on_discovery_datagram(); off, those are dropped.
  bool local_discovery = true;
  /// The prefix length of `local`'s subnet: discovery bubbles from outside it are dropped (0:
  /// unknown, every discovery bubble is dropped).
  std::uint8_t local_prefix_length = 0;
  /// Local peers remembered (the one seen longest ago gives way).
  std::size_t max_local_peers = 64;
  /// Secure qualification (RFC 4380 5.2.2; ClientIdentifier, ClientSecret): with a key, every RS
  /// carries the identifier and an authentication value, and only an RA authenticated with the
  /// same key is accepted. `mac` computes the HMACs (needed with a key).
  std::optional<ClientKey> key;
  const MacFunction* mac = nullptr;
  /// Bubbles sent in answer to received ones (to origins, alternate addresses, verified peers),
  /// per second with a burst of the same size: what a flood of relayed bubbles can make us send.
  std::uint32_t reply_bubbles_per_second = 100;
  /// Direct IPv6 connectivity tests that packets from unverified native sources may trigger, per
  /// second with a burst of the same size (RFC 4380 5.2.3 rule 6; CVE-2006-6266: spoofed sources
  /// must not turn the client into a reflector). Tests for our own outgoing packets are not limited.
  std::uint32_t incoming_tests_per_second = 20;
  /// Several data-path workers: every worker but the first runs a follower. A follower never
  /// qualifies (no RS, no refresh, no network-change round); it takes the first worker's state
  /// changes through adopt() and serves the peers that belong to it.
  bool follower = false;
  /// RFC 6081 3.3 (PortPreservingSymmetricNat): behind a symmetric NAT that preserves the local
  /// port, a random local port per peer, advertised in Random Port trailers.
  bool port_preserving = true;
  /// RFC 6081 3.4 (SequentialPortSymmetricNat): behind a symmetric NAT that does not preserve
  /// ports, an echo test from a random port predicts the port the NAT gives the peer's flow.
  bool sequential = true;
  /// Random-port peers at once (each holds a socket while its path opens or stays in use).
  std::size_t max_random_ports = 64;
  /// RFC 6081 3.2 (UPnP): the mapping the IGD gave the service port, when known at start.
  proto::Endpoint upnp_mapping{};
  /// Where the large buffers come from (buffer_memory.hpp); the driver passes its page memory.
  BufferMemory* memory = &heap_buffer_memory();
};

class Client : public TunnelBase {
 public:
  /// Starts probing at once: the first RS is among the actions after construction.
  Client(const ClientConfig& config, RandomSource& random, TimePoint now);

  void on_tun_packet(TimePoint now, proto::ByteView packet);
  /// A datagram received on the service socket (`local_port` 0) or on the random-port socket
  /// `local_port` that an OpenPort action opened.
  void on_udp_datagram(TimePoint now, proto::Endpoint from, proto::ByteView payload,
                       std::uint16_t local_port = 0);
  /// The driver could not open the random port of an OpenPort action: the peer goes on without it.
  void on_port_unavailable(TimePoint now, std::uint16_t port);
  /// RFC 6081 5.3: the mapping a UPnP IGD gave the service port (AddPortMapping and
  /// GetExternalIPAddress), or {} when there is none (any more). May arrive at any time.
  void set_upnp_mapping(TimePoint now, proto::Endpoint mapping);
  /// A datagram that arrived on the local discovery group 224.0.0.253:3544 (RFC 4380 5.2.8).
  void on_discovery_datagram(TimePoint now, proto::Endpoint from, proto::ByteView payload);
  void on_tick(TimePoint now);
  /// The local network changed (address or route): re-qualify now instead of at the next refresh.
  void on_network_change(TimePoint now);
  /// Follower: the first worker's state change (its StateChange action), taken over with its
  /// NAT findings, so that a follower's peers get random ports behind a symmetric NAT too.
  void adopt(const StateChange& change);
  TimePoint next_deadline() const;

  ClientState state() const { return state_; }
  const std::optional<Qualification>& qualification() const { return qual_; }
  /// The server address the client is currently qualifying through or qualified with.
  proto::Ipv4Addr current_server() const { return using_secondary_ ? config_.server2 : config_.server; }
  /// True when the secondary server showed a different mapping than the primary (symmetric NAT).
  bool symmetric_nat() const { return symmetric_nat_; }
  /// True once the secondary-address probe has answered for the current mapping (the NAT type
  /// is then known: symmetric_nat() or not).
  bool nat_type_known() const { return nat_probe_answered_; }
  /// True when the primary server saw our service port unchanged (RFC 6081 5.4.1): behind a
  /// symmetric NAT, the NAT preserves ports.
  bool port_preserving() const { return port_preserving_; }
  /// The UPnP mapping in use: {} without one, or once it proved equal to the server-learned
  /// mapping (one NAT, RFC 6081 5.3.2).
  proto::Endpoint upnp_mapping() const;
  const RandomPorts& random_ports() const { return random_ports_; }
  /// True when the last authenticated RA asked for a new key (confirmation non-zero).
  bool key_renewal_requested() const { return key_renewal_requested_; }
  /// When the last RA was accepted (the last completed qualification or refresh), if any.
  std::optional<TimePoint> last_refresh() const { return last_ra_; }
  /// When the next RS leaves: the retry deadline during a round, else the next refresh.
  TimePoint next_refresh() const { return round_active_ ? rs_deadline_ : next_refresh_; }
  /// The RS source address (link-local, Miredo's fe80::ffff:ffff:ffff).
  static proto::Ipv6Addr rs_source();

  const ClientConfig& config() const { return config_; }
  const ClientCounters& counters() const { return counters_; }
  const LocalPeers& local_peers() const { return local_peers_; }
  /// The live local entry for `addr` at `now`, or nullptr.
  const LocalPeer* local_peer(const proto::Ipv6Addr& addr, TimePoint now) const {
    return local_peers_.find(addr, to_tick(epoch_, now));
  }

 private:
  // Qualification and maintenance (5.2.1, 5.2.5).
  void send_rs(TimePoint now, proto::Ipv4Addr to, bool secondary_probe);
  void handle_ra(TimePoint now, proto::Endpoint from, const proto::TeredoPacket& pkt,
                 const proto::Ipv6Packet& ip);
  void rs_timeout(TimePoint now);
  void start_secondary_probe(TimePoint now);
  bool answers_secondary_probe(const proto::TeredoPacket& pkt) const;
  void go_down(TimePoint now);
  void start_round(TimePoint now);
  void schedule_refresh(TimePoint now);

  // Data path (5.2.3, 5.2.4, 5.2.6, 5.2.9).
  void to_teredo(TimePoint now, Tick tick, const proto::Ipv6Packet& ip, proto::ByteView packet);
  void to_native(TimePoint now, Tick tick, const proto::Ipv6Packet& ip, proto::ByteView packet);
  void from_server(TimePoint now, Tick tick, proto::Endpoint from, const proto::TeredoPacket& pkt,
                   const proto::Ipv6Packet& ip);
  void from_peer(TimePoint now, Tick tick, proto::Endpoint from, const proto::TeredoPacket& pkt,
                 const proto::Ipv6Packet& ip);
  void send_bubbles(Tick tick, PeerEntry& peer);
  /// 5.2.4 case 3: a unicast bubble to a local peer's local address and a discovery bubble.
  void send_local_bubbles(Tick tick, PeerEntry& peer, const LocalPeer& local);
  /// A local discovery bubble to 224.0.0.253:3544 (5.2.8).
  void send_discovery_bubble();
  bool on_link(proto::Ipv4Addr a) const;
  /// RFC 6081 5.7: a direct bubble with an ND solicitation to the peer's verified mapping.
  void send_solicitation(Tick tick, PeerEntry& peer);
  /// A bubble from our address to `dst`, sent to `to`, with the trailers asked for (none: 0 and
  /// nullopt). False (send_failed) when the output arena is full.
  bool push_bubble(proto::Endpoint to, const proto::Ipv6Addr& dst, std::uint32_t nonce,
                   std::optional<proto::DiscoveryType> discovery, std::uint16_t from_port = 0,
                   std::uint16_t random_port = 0);
  /// An RS with a nonce authentication header (with our key, the identifier and HMAC too).
  bool push_rs(proto::Ipv4Addr to, const proto::Nonce& nonce, std::uint16_t from_port);
  /// The indirect bubble of send_bubbles: Nonce, Alternate Address and Random Port trailers.
  void send_indirect_bubble(PeerEntry& peer, const RandomPortPeer* rp);

  // RFC 6081 3.3 / 3.4: random ports (random_ports.hpp).
  bool pp_active() const;
  bool sequential_active() const;
  bool random_port_support() const;
  RandomPortPeer* random_port_of(const PeerEntry& peer);
  RandomPortPeer* random_port_entry(PeerEntry& peer);
  bool open_random_port(RandomPortPeer& rp);
  void close_random_port(RandomPortPeer& rp);
  /// Where direct traffic to a trusted peer leaves from: its random port once the peer answered
  /// there (5.4: Direct Receive on Random), else the service port.
  std::uint16_t send_port(const PeerEntry& peer);
  void learn_peer_port(Tick tick, PeerEntry& peer, std::uint16_t port);
  void start_echo_test(Tick tick, PeerEntry& peer, RandomPortPeer& rp);
  void on_random_port_datagram(TimePoint now, Tick tick, proto::Endpoint from, std::uint16_t port,
                               const proto::TeredoPacket& pkt, const proto::Ipv6Packet& ip);
  void handle_echo_ra(RandomPortPeer& rp, proto::Endpoint from, const proto::TeredoPacket& pkt);
  /// Where a trust decision came in: the random port or the service port (5.4.4: DRoR / DRoP).
  void note_arrival(PeerEntry& peer);
  void random_port_tick(Tick tick);
  std::optional<Tick> next_random_port_event() const;
  /// Takes a token of the reply limit; without one, counts bubble_replies_limited.
  bool reply_allowed(TimePoint now);
  void answer_solicitation(TimePoint now, PeerEntry& peer, proto::Endpoint from);
  void send_connectivity_test(Tick tick, PeerEntry& peer);
  /// A bubble answering one we received: within the reply limit, with `nonce` as its Nonce
  /// trailer when set. False when the limit withheld it.
  bool send_reply_bubble(TimePoint now, const proto::Ipv6Addr& dst, proto::Endpoint to, std::uint32_t nonce,
                         std::uint16_t from_port = 0);
  void answer_indirect_bubble(TimePoint now, Tick tick, const proto::Endpoint& origin,
                              const proto::Ipv6Packet& ip, const proto::Trailers& trailers);
  void accept_by_nonce(TimePoint now, Tick tick, PeerEntry& peer, proto::Endpoint from);
  std::uint32_t fresh_nonce();
  bool uses_nonces() const { return config_.symmetric_nat_support || config_.hairpinning; }
  void trust_and_flush(Tick tick, PeerEntry& peer, proto::Endpoint mapping);
  void retry_pending(TimePoint now, Tick tick);
  PeerEntry* peer_for(Tick tick, const proto::Ipv6Addr& addr);
  bool hold(Tick tick, PeerEntry& peer, proto::ByteView packet, std::uint8_t tag, proto::Endpoint from = {});
  void error(TimePoint now, std::uint8_t type, std::uint8_t code, const proto::Ipv6Packet& offending,
             proto::ByteView bytes, std::uint32_t param = 0);
  void send_packet(Tick tick, PeerEntry& peer, proto::ByteView packet);
  bool from_current_server(proto::Endpoint from) const;
  NatFindings nat_findings() const { return {nat_probe_answered_, symmetric_nat_, port_preserving_}; }
  /// A StateChange action carrying the current state and NAT findings.
  void push_state_change(bool nat_only = false);

  ClientConfig config_;
  RandomSource& random_;
  ClientState state_ = ClientState::Probing;
  std::optional<Qualification> qual_;
  bool using_secondary_ = false;
  bool symmetric_nat_ = false;
  bool nat_probe_answered_ = false;
  bool key_renewal_requested_ = false;
  bool port_preserving_ = false;

  RandomPorts random_ports_;
  std::uint16_t arrival_port_ = 0;  // the random port the datagram being handled came in on
  Tick next_peer_refresh_ = 0;
  bool peer_refresh_armed_ = false;

  // The RS round in progress: nonces of the RS sent in this round (an RA may answer any).
  std::array<proto::Nonce, 3> rs_nonces_{};
  std::size_t rs_sent_ = 0;
  bool round_active_ = false;
  bool secondary_probe_pending_ = false;  // NAT-type test through server2 after qualifying
  std::array<proto::Nonce, 3> secondary_nonces_{};
  std::size_t secondary_sent_ = 0;
  TimePoint secondary_deadline_ = TimePoint::max();
  TimePoint rs_deadline_;
  TimePoint next_refresh_;
  TimePoint last_server_rx_;
  std::optional<TimePoint> last_ra_;
  std::chrono::seconds restart_delay_{0};

  LocalPeers local_peers_;
  TimePoint next_discovery_ = TimePoint::max();
  std::optional<TimePoint> last_announcement_;  // a discovery bubble answering a newcomer

  TokenBucket reply_limit_;
  TokenBucket incoming_test_limit_;
  ClientCounters counters_;
};

}  // namespace teredo::core
