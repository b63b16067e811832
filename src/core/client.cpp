// SPDX-License-Identifier: GPL-2.0-or-later
// Teredo client (RFC 4380 5.2; RFC 5991 3.2): qualification (5.2.1) with a random nonce per RS,
// maintenance (5.2.5), transmission (5.2.4), reception (5.2.3), bubbles (5.2.6) and the direct
// IPv6 connectivity test (5.2.9).
#include "core/client.hpp"

#include <cstring>

#include <algorithm>

#include "proto/echo.hpp"
#include "proto/icmpv6_error.hpp"
#include "proto/router_discovery.hpp"
#include "proto/trailers.hpp"

namespace teredo::core {

using proto::ByteView;
using proto::Drop;
using proto::Endpoint;
using proto::Ipv6Addr;

namespace {

constexpr auto kRsTimeout = std::chrono::seconds(4);  // 5.2.1: T = 4 s
constexpr std::size_t kRsRetries = 3;                 // 5.2.1: N = 3
constexpr auto kMinRestart = std::chrono::seconds(10);
constexpr auto kMaxRestart = std::chrono::seconds(120);
constexpr std::uint8_t kHopLimit = 64;
// Packets waiting for a path are copied into slots of this size; larger ones are not held.
constexpr std::size_t kQueueSlotSize = 4096;
// 5.2.8: a discovery bubble every 200 to 300 s (uniform).
constexpr auto kDiscoveryMin = std::chrono::seconds(200);
constexpr auto kDiscoverySpread = std::chrono::milliseconds(100'000);
// A newcomer's discovery bubble is answered with one of ours at most this often (docs/decisions.md).
constexpr auto kAnnouncementSpacing = std::chrono::seconds(1);
// RFC 6081 5.4.6: the Peer Refresh Timer, and the refreshes sent without data in between before
// the random port is given up (docs/decisions.md). The timer looks every 10 s and refreshes a peer
// idle for 20 s, so that an idle random-port peer is refreshed before its entry's 30 s expiry.
constexpr auto kPeerRefresh = std::chrono::seconds(10);
constexpr auto kPeerRefreshIdle = std::chrono::seconds(20);
constexpr std::uint8_t kMaxPeerRefreshes = 20;
// RFC 6081 5.4.4: a peer's new Random Port replaces the old one only after this much silence.
constexpr auto kPeerPortQuiet = std::chrono::seconds(30);
// Random ports are drawn from the dynamic range (RFC 6335).
constexpr std::uint16_t kRandomPortFirst = 49152;

/// True when `nonce` is one of the RS nonces of a round that has sent `sent` (kept cyclically).
bool among_sent(const std::array<proto::Nonce, 3>& nonces, std::size_t sent, const proto::Nonce& nonce) {
  const auto end = nonces.begin() + static_cast<std::ptrdiff_t>(std::min(sent, nonces.size()));
  return std::find(nonces.begin(), end, nonce) != end;
}

TunnelLimits limits_of(const ClientConfig& c) {
  TunnelLimits l;
  l.max_peers = c.max_peers;
  l.queue_packets_per_peer = c.queue_packets_per_peer;
  l.queue_packets_total = c.queue_packets_total;
  l.queue_slot_size = kQueueSlotSize;
  l.icmp_errors_per_second = c.icmp_errors_per_second;
  l.memory = c.memory;
  return l;
}

}  // namespace

Ipv6Addr Client::rs_source() {
  return proto::kTeredoLinkLocal;
}

Client::Client(const ClientConfig& config, RandomSource& random, TimePoint now)
    : TunnelBase(limits_of(config), config.secret, now),
      config_(config),
      random_(random),
      random_ports_(config.max_random_ports),
      rs_deadline_(TimePoint::max()),
      next_refresh_(TimePoint::max()),
      last_server_rx_(now),
      local_peers_(config.local_discovery ? config.max_local_peers : 0),
      reply_limit_(config.reply_bubbles_per_second, config.reply_bubbles_per_second, now),
      incoming_test_limit_(config.incoming_tests_per_second, config.incoming_tests_per_second, now) {
  if (!config_.follower) start_round(now);
}

void Client::adopt(const StateChange& change) {
  if (!config_.follower) return;
  state_ = change.state;
  qual_ = change.state == ClientState::Qualified ? change.qualification : std::nullopt;
  nat_probe_answered_ = change.nat.known;
  symmetric_nat_ = change.nat.symmetric;
  port_preserving_ = change.nat.port_preserving;
}

void Client::push_state_change(bool nat_only) {
  actions_.push_back(
      StateChange{state_, state_ == ClientState::Qualified ? qual_ : std::nullopt, nat_findings(), nat_only});
}

bool Client::from_current_server(Endpoint from) const {
  return from.port == proto::kTeredoPort && (from.addr == config_.server || from.addr == config_.server2);
}

// ---- Qualification and maintenance -------------------------------------------------------------

void Client::start_round(TimePoint now) {
  round_active_ = true;
  rs_sent_ = 0;
  send_rs(now, current_server(), false);
}

void Client::send_rs(TimePoint now, proto::Ipv4Addr to, bool secondary_probe) {
  proto::Nonce nonce{};
  random_.fill(nonce);
  if (secondary_probe) {
    secondary_nonces_[secondary_sent_ % secondary_nonces_.size()] = nonce;
    ++secondary_sent_;
    secondary_probe_pending_ = true;
    secondary_deadline_ = now + kRsTimeout;
  } else {
    rs_nonces_[rs_sent_ % rs_nonces_.size()] = nonce;
    ++rs_sent_;
    rs_deadline_ = now + kRsTimeout;
  }
  if (push_rs(to, nonce, 0)) ++counters_.rs_sent;
}

bool Client::push_rs(proto::Ipv4Addr to, const proto::Nonce& nonce, std::uint16_t from_port) {
  const bool secure = config_.key.has_value() && config_.mac != nullptr;
  const std::size_t id_size = secure ? config_.key->id.size() : 0;
  proto::MutableBytes buf =
      scratch(proto::kAuthHeaderMinSize + id_size + kAuthValueSize + proto::kRouterSolicitationSize);
  if (buf.empty()) {
    drop(Drop::SendFailed);
    return false;
  }
  proto::Writer w(buf);
  if (secure) {
    // 5.2.2: the identifier and HMAC-SHA1 over nonce, confirmation 0 and the RS.
    const proto::ByteView id(reinterpret_cast<const std::uint8_t*>(config_.key->id.data()), id_size);
    const AuthValue placeholder{};
    const std::size_t value_at = proto::build_auth_header(w, id, placeholder, nonce, 0);
    const std::size_t rs_at = w.size();
    proto::build_router_solicitation(w, rs_source());
    if (!write_authentication_value(*config_.mac, config_.key->secret, nonce, 0, std::nullopt,
                                    w.written().subspan(rs_at), buf.subspan(value_at, kAuthValueSize))) {
      drop(Drop::SendFailed);
      return false;
    }
  } else {
    // A nonce-only authentication header (ID-len = AU-len = 0) protects against off-path RAs.
    proto::build_auth_header(w, nonce, 0);
    proto::build_router_solicitation(w, rs_source());
  }
  actions_.push_back(SendUdp{Endpoint{to, proto::kTeredoPort}, w.written(), {}, from_port});
  return true;
}

void Client::schedule_refresh(TimePoint now) {
  // RFC 4380 5.2: the randomized refresh interval is uniform in [75%, 100%] of the interval.
  const auto interval = std::chrono::duration_cast<std::chrono::milliseconds>(config_.refresh_interval);
  const auto quarter = interval.count() / 4;
  const auto jitter =
      quarter > 0 ? static_cast<std::int64_t>(random_.u32() % static_cast<std::uint32_t>(quarter)) : 0;
  next_refresh_ = now + std::chrono::milliseconds(interval.count() - jitter);
}

void Client::handle_ra(TimePoint now, Endpoint from, const proto::TeredoPacket& pkt,
                       const proto::Ipv6Packet& ip) {
  // 5.2.1 / 5.2.2: only the server we solicited may advertise, echoing one of our nonces.
  const bool probe = answers_secondary_probe(pkt);
  const proto::Ipv4Addr expected = probe ? config_.server2 : current_server();
  auto reject = [&](Drop d) {
    ++counters_.ra_rejected;
    drop(d);
  };
  if (from.addr != expected) return reject(Drop::RaFromWrongSource);
  if (!pkt.auth) return reject(Drop::RaNonceMismatch);
  if (!probe) {
    if (!round_active_) return reject(Drop::RaNonceMismatch);
    if (!among_sent(rs_nonces_, rs_sent_, pkt.auth->nonce)) return reject(Drop::RaNonceMismatch);
  }
  if (!pkt.origin) return reject(Drop::RaMissingOrigin);
  if (config_.key && config_.mac != nullptr) {
    // 5.2.2: our identifier, and the value right under our secret (the confirmation is covered).
    if (client_id_of(*pkt.auth) != config_.key->id ||
        !authentic(*config_.mac, config_.key->secret, *pkt.auth, pkt.origin, pkt.ipv6))
      return reject(Drop::RaAuthenticationFailed);
  } else if (pkt.auth->confirmation != 0 || !pkt.auth->client_id.empty() || !pkt.auth->auth_value.empty()) {
    return reject(Drop::RaAuthenticationFailed);
  }
  if (!proto::is_link_local(ip.header.src)) return reject(Drop::RaNotLinkLocalSource);  // RFC 4861 6.1.2
  if (ip.header.dst != rs_source()) return reject(Drop::RaWrongDestination);
  auto ra = proto::parse_router_advertisement(ip);
  if (!ra) return reject(ra.drop());
  if (ra->prefix_count != 1 || ra->prefix->prefix_length != 64) return reject(Drop::RaBadPrefix);
  const Ipv6Addr& prefix = ra->prefix->prefix;
  const proto::Ipv4Addr named{proto::load_be32(prefix.bytes.data() + 4)};
  // The prefix is pinned (issue 12): 2001::/32 unless configured otherwise, naming our server.
  if (proto::prefix32(prefix) != config_.prefix) return reject(Drop::RaForeignPrefix);
  if ((named != config_.server && named != config_.server2) || !proto::is_global_scope(prefix))
    return reject(Drop::RaBadPrefix);
  std::uint32_t mtu = 1280;
  if (ra->mtu) {
    if (*ra->mtu < 1280 || *ra->mtu > 65535) return reject(Drop::BadNdOption);
    mtu = *ra->mtu;
  }
  ++counters_.ra_accepted;
  if (config_.key) {
    // 5.2.2: a non-zero confirmation says our key is retiring: the operator must get a new one.
    key_renewal_requested_ = pkt.auth->confirmation != 0;
    if (key_renewal_requested_) ++counters_.key_renewals_requested;
  }
  last_server_rx_ = now;

  if (probe) {
    // RFC 4380 5.2.1: a different mapping through the second address means a symmetric NAT.
    // Like Miredo (and RFC 6081 3.1) the client keeps its address; the finding is reported.
    secondary_probe_pending_ = false;
    secondary_deadline_ = TimePoint::max();
    const NatFindings before = nat_findings();
    symmetric_nat_ = qual_ && qual_->mapped != *pkt.origin;
    nat_probe_answered_ = qual_.has_value();
    if (symmetric_nat_ && !config_.symmetric_nat_support && state_ == ClientState::Qualified) {
      // RFC 4380 5.2.1: without RFC 6081 a symmetric NAT leaves the client unusable: off-line.
      ++counters_.symmetric_nat_offline;
      state_ = ClientState::Down;
      push_state_change();
    } else if (state_ == ClientState::Qualified && nat_findings() != before) {
      push_state_change(true);  // the followers learn the NAT's kind too
    }
    return;
  }

  round_active_ = false;
  rs_deadline_ = TimePoint::max();
  restart_delay_ = std::chrono::seconds(0);
  last_ra_ = now;
  // RFC 6081 5.4.1: the primary server saw our service port unchanged: the NAT preserves ports.
  port_preserving_ = config_.local.port != 0 && pkt.origin->port == config_.local.port;
  const std::uint32_t prefix32 = proto::prefix32(prefix);
  const bool same =
      qual_ && qual_->mapped == *pkt.origin && qual_->server == named && qual_->prefix == prefix32;
  const bool was_up = state_ == ClientState::Qualified;
  if (same && symmetric_nat_ && !config_.symmetric_nat_support) {
    // Still behind the symmetric NAT found earlier: stay off-line, ask again at the next refresh.
    schedule_refresh(now);
    return;
  }
  if (!same) symmetric_nat_ = nat_probe_answered_ = false;  // a new mapping: the probe runs again
  if (!same) {
    Qualification q;
    q.server = named;
    q.mapped = *pkt.origin;
    q.prefix = prefix32;
    // RFC 5991 3.1/3.2: C = 0, z = U = G = 0, 12 random bits drawn afresh for a new address.
    q.flags = proto::make_random_flags(random_.u16());
    q.address = proto::build_teredo_address({prefix32, named, q.flags, q.mapped});
    q.mtu = mtu;
    if (qual_) ++counters_.address_changes;
    qual_ = q;
  }
  const bool mtu_changed = qual_->mtu != mtu;
  qual_->mtu = mtu;
  state_ = ClientState::Qualified;
  if (!was_up || !same || mtu_changed) {
    if (!was_up) ++counters_.qualifications;
    push_state_change();
    // After a new address, test the NAT through the server's second address (5.2.1).
    if (!same && config_.server2 != config_.server && proto::is_global_unicast(config_.server2) &&
        !using_secondary_)
      start_secondary_probe(now);
    // 5.2.8: a new address is announced on the link at once, then every 200-300 s.
    if ((!was_up || !same) && config_.local_discovery && !config_.follower) next_discovery_ = now;
  }
  schedule_refresh(now);
}

void Client::start_secondary_probe(TimePoint now) {
  secondary_sent_ = 0;
  send_rs(now, config_.server2, true);
}

bool Client::answers_secondary_probe(const proto::TeredoPacket& pkt) const {
  return secondary_probe_pending_ && pkt.auth &&
         among_sent(secondary_nonces_, secondary_sent_, pkt.auth->nonce);
}

void Client::rs_timeout(TimePoint now) {
  if (rs_sent_ < kRsRetries) {
    send_rs(now, current_server(), false);
    return;
  }
  round_active_ = false;
  rs_deadline_ = TimePoint::max();
  // The server stopped answering: try its secondary address before giving up.
  if (!using_secondary_ && config_.server2 != config_.server && proto::is_global_unicast(config_.server2)) {
    using_secondary_ = true;
    ++counters_.failovers;
    start_round(now);
    return;
  }
  go_down(now);
}

void Client::go_down(TimePoint now) {
  const bool was_up = state_ == ClientState::Qualified;
  state_ = ClientState::Down;
  if (was_up) {
    ++counters_.server_losses;
    push_state_change();
  }
  using_secondary_ = false;
  restart_delay_ = restart_delay_.count() == 0
                       ? std::chrono::seconds(kMinRestart)
                       : std::min<std::chrono::seconds>(restart_delay_ * 2, kMaxRestart);
  next_refresh_ = now + restart_delay_;
}

void Client::on_network_change(TimePoint now) {
  if (round_active_ || config_.follower) return;
  start_round(now);
}

void Client::on_tick(TimePoint now) {
  const Tick tick = to_tick(epoch_, now);
  if (round_active_ && now >= rs_deadline_) rs_timeout(now);
  if (secondary_probe_pending_ && now >= secondary_deadline_) {
    // The NAT test is retried like qualification (T = 4 s, N = 3). Unanswered, the NAT type stays
    // unknown and the client stays up (docs/decisions.md).
    if (secondary_sent_ < kRsRetries && state_ == ClientState::Qualified) {
      send_rs(now, config_.server2, true);
    } else {
      secondary_probe_pending_ = false;
      secondary_deadline_ = TimePoint::max();
      ++counters_.secondary_probe_failures;
    }
  }
  if (!round_active_ && now >= next_refresh_ && !config_.follower) {
    next_refresh_ = TimePoint::max();
    // Each round starts with the primary address again, so a client that failed over returns
    // to it once it answers.
    using_secondary_ = false;
    start_round(now);
  }
  if (now >= next_discovery_) {
    next_discovery_ = TimePoint::max();
    if (state_ == ClientState::Qualified) {
      send_discovery_bubble();
      next_discovery_ =
          now + kDiscoveryMin + std::chrono::milliseconds(random_.u32() % kDiscoverySpread.count());
    }
  }
  if (now >= next_retry_) retry_pending(now, tick);
  if (!random_ports_.entries().empty()) random_port_tick(tick);
  sweep_idle(now, tick);
}

TimePoint Client::next_deadline() const {
  // While a round runs, its retry deadline replaces the refresh (on_tick starts no refresh
  // then, so a refresh time already past must not be reported: the driver would spin).
  TimePoint random_port_event = TimePoint::max();
  if (const auto t = next_random_port_event()) random_port_event = epoch_ + kTickLength * *t;
  return std::min({next_sweep_, next_retry_, round_active_ ? rs_deadline_ : next_refresh_,
                   secondary_probe_pending_ ? secondary_deadline_ : TimePoint::max(), next_discovery_,
                   random_port_event});
}

// ---- Transmission (IPv6 from the host) --------------------------------------------------------

void Client::on_tun_packet(TimePoint now, ByteView packet) {
  ++counters_.tun_packets;
  counters_.tun_bytes += packet.size();
  auto ip = proto::parse_ipv6(packet);
  if (!ip) return drop(ip.drop());
  const ByteView exact = packet.first(proto::kIpv6HeaderSize + ip->header.payload_length);
  const Ipv6Addr& dst = ip->header.dst;
  if (proto::is_multicast(dst)) return drop(Drop::MulticastDestination);
  if (state_ != ClientState::Qualified || !qual_) {
    error(now, proto::kIcmpv6DestinationUnreachable, proto::kUnreachableAddress, *ip, exact);
    return drop(Drop::NotQualified);
  }
  if (ip->header.src != qual_->address) {
    if (!proto::is_link_local(ip->header.src))
      error(now, proto::kIcmpv6DestinationUnreachable, proto::kUnreachableAdminProhibited, *ip, exact);
    return drop(Drop::NotOurAddress);
  }
  if (exact.size() > qual_->mtu) {
    error(now, proto::kIcmpv6PacketTooBig, 0, *ip, exact, qual_->mtu);
    return drop(Drop::PacketTooBig);
  }
  const Tick tick = to_tick(epoch_, now);
  if (proto::prefix32(dst) == qual_->prefix)
    to_teredo(now, tick, *ip, exact);
  else
    to_native(now, tick, *ip, exact);
}

PeerEntry* Client::peer_for(Tick tick, const Ipv6Addr& addr) {
  return find_or_create(tick, addr).entry;
}

bool Client::hold(Tick tick, PeerEntry& peer, ByteView packet, std::uint8_t tag, Endpoint from) {
  if (!enqueue(tick, peer, packet, counters_.packets_queued, tag)) return false;
  PacketQueue::ListInfo& info = queue_.info(peer.queue);
  if (tag == PacketQueue::kIncoming && info.incoming_addr == 0) {
    info.incoming_addr = from.addr.value;
    info.incoming_port = from.port;
  }
  return true;
}

void Client::send_packet(Tick tick, PeerEntry& peer, ByteView packet) {
  std::uint16_t from_port = 0;
  if ((peer.flags & PeerEntry::kRandomPort) != 0) {
    from_port = send_port(peer);
    if (RandomPortPeer* rp = random_port_of(peer)) rp->last_data_sent = tick;
  }
  Endpoint to = peer.mapped();
  // RFC 6081 5.3.3: behind a symmetric NAT whose UPnP mapping is the server-learned one, a
  // symmetric peer is sent to at its embedded mapping, which our UPnP port lets in.
  if ((peer.flags & PeerEntry::kSymmetricPeer) != 0 && symmetric_nat_ && config_.upnp_mapping.port != 0 &&
      upnp_mapping().port == 0)
    to = proto::parse_teredo_address(peer.addr).mapped;
  actions_.push_back(SendUdp{to, {}, packet, from_port});
  ++counters_.sent_packets;
  counters_.sent_bytes += packet.size();
  ++peer.tx_packets;
  peer.tx_bytes += packet.size();
  peer.last_tx = tick;
}

void Client::to_teredo(TimePoint, Tick tick, const proto::Ipv6Packet& ip, ByteView packet) {
  const proto::TeredoAddress t = proto::parse_teredo_address(ip.header.dst);
  // 5.2.4 cases 4/5: the embedded IPv4 must be global unicast, else silently discard.
  if (!proto::is_global_unicast(t.mapped.addr) || t.mapped.port == 0)
    return drop(Drop::NonGlobalMappedDestination);
  if (!proto::is_global_unicast(t.server)) return drop(Drop::NonGlobalTeredoServer);
  PeerEntry* peer = peers_.find(ip.header.dst);
  if (peer != nullptr && peer->trusted() && tick_age(tick, peer->last_rx) < kPeerValidity)
    return send_packet(tick, *peer, packet);
  peer = peer_for(tick, ip.header.dst);
  if (peer == nullptr) return;
  if (!peer->trusted()) peer->set_mapped(t.mapped);
  const bool fresh = peer->queue == kNoQueue;
  if (!hold(tick, *peer, packet, PacketQueue::kOutgoing)) return;
  // RFC 6081 5.7: a verified peer that went quiet is asked directly first (only peers that have
  // shown RFC 6081: others would not answer, and the fallback would cost 6 s; docs/decisions.md).
  if (fresh && config_.server_load_reduction && peer->trusted() && (peer->flags & PeerEntry::kRfc6081) != 0) {
    queue_.info(peer->queue).soliciting = true;
    return send_solicitation(tick, *peer);
  }
  if (!queue_.info(peer->queue).soliciting) send_bubbles(tick, *peer);
}

bool Client::push_bubble(Endpoint to, const Ipv6Addr& dst, std::uint32_t nonce,
                         std::optional<proto::DiscoveryType> discovery, std::uint16_t from_port,
                         std::uint16_t random_port) {
  proto::MutableBytes buf = scratch(proto::kIpv6HeaderSize + proto::kNonceTrailerSize +
                                    proto::kDiscoveryTrailerSize + proto::kRandomPortTrailerSize);
  if (buf.empty()) {
    drop(Drop::SendFailed);
    return false;
  }
  proto::Writer w(buf);
  proto::build_bubble(w, qual_->address, dst, kHopLimit);
  if (nonce != 0) proto::build_nonce_trailer(w, nonce);
  if (discovery) proto::build_discovery_trailer(w, *discovery);
  if (random_port != 0) proto::build_random_port_trailer(w, random_port);
  actions_.push_back(SendUdp{to, w.written(), {}, from_port});
  return true;
}

bool Client::reply_allowed(TimePoint now) {
  if (reply_limit_.allow(now)) return true;
  ++counters_.bubble_replies_limited;
  return false;
}

void Client::send_solicitation(Tick tick, PeerEntry& peer) {
  if (!push_bubble(peer.mapped(), peer.addr, 0, proto::DiscoveryType::Solicitation, send_port(peer))) return;
  peer.last_tx = tick;
  ++counters_.nd_solicitations_sent;
}

void Client::answer_solicitation(TimePoint now, PeerEntry& peer, Endpoint from) {
  if (reply_allowed(now) &&
      push_bubble(from, peer.addr, 0, proto::DiscoveryType::Advertisement, arrival_port_))
    ++counters_.nd_advertisements_sent;
}

std::uint32_t Client::fresh_nonce() {
  std::uint32_t n = 0;
  while (n == 0) n = random_.u32();  // 0 stands for "no nonce"
  return n;
}

void Client::send_bubbles(Tick tick, PeerEntry& peer) {
  // 5.2.6 limits; 5.2.4 case 5 with RFC 5991: a direct bubble to the embedded mapping and an
  // indirect one through the peer's server. RFC 6081: the indirect one carries a fresh Nonce
  // trailer (5.2.4.1) and our own address as an Alternate Address (5.6.4.1); the direct one
  // carries no nonce (5.2.4.2: none before the peer's indirect bubble, which we answer apart).
  if (const LocalPeer* local = local_peers_.find(peer.addr, tick))
    return send_local_bubbles(tick, peer, *local);
  RandomPortPeer* rp = random_port_of(peer);
  if (rp != nullptr && rp->echo_running()) return;  // the echo test decides when the indirect one leaves
  if (!take_bubble_budget(tick, peer)) return;
  const proto::TeredoAddress t = proto::parse_teredo_address(peer.addr);
  if (push_bubble(t.mapped, peer.addr, 0, std::nullopt)) ++counters_.bubbles_direct_sent;
  // RFC 6081 5.4.2 / 5.5.2: behind a symmetric NAT, a random port for the peer first. Behind a
  // sequential one, the echo test predicts the port its NAT gives that flow, and the indirect
  // bubble waits for the prediction.
  if ((pp_active() || sequential_active()) && !peer.trusted() && (rp == nullptr || rp->local == 0)) {
    rp = random_port_entry(peer);
    if (rp != nullptr && open_random_port(*rp) && sequential_active())
      return start_echo_test(tick, peer, *rp);
  }
  if (rp != nullptr && rp->peer_port != 0) {
    // 5.4.3: to the peer's random port, from ours (when we have one). It echoes the peer's nonce.
    const std::uint32_t received = peer.queue != kNoQueue ? queue_.info(peer.queue).nonce_received : 0;
    if (push_bubble({t.mapped.addr, rp->peer_port}, peer.addr, received, std::nullopt, rp->local,
                    rp->advertised))
      ++counters_.random_port_bubbles_sent;
  } else if (rp != nullptr && rp->local != 0 && peer.queue != kNoQueue &&
             queue_.info(peer.queue).nonce_received != 0) {
    // The peer bubbled us without a Random Port: it has none. Open our NAT for it from our random
    // port (DECISION, docs/decisions.md: a port-preserving NAT keeps the port for this first flow).
    if (push_bubble(peer.mapped(), peer.addr, queue_.info(peer.queue).nonce_received, std::nullopt, rp->local,
                    rp->advertised))
      ++counters_.random_port_bubbles_sent;
  }
  send_indirect_bubble(peer, rp);
}

void Client::send_indirect_bubble(PeerEntry& peer, const RandomPortPeer* rp) {
  std::array<Endpoint, 2> alternates{};
  std::size_t n_alternates = 0;
  if (config_.hairpinning && config_.local.port != 0 && proto::is_valid_unicast(config_.local.addr))
    alternates[n_alternates++] = config_.local;
  // RFC 6081 5.6.4.1: the UPnP mapping too, when it is not the one the server saw.
  if (const Endpoint upnp = upnp_mapping(); config_.hairpinning && upnp.port != 0)
    alternates[n_alternates++] = upnp;
  proto::MutableBytes buf = scratch(proto::kIpv6HeaderSize + proto::kNonceTrailerSize +
                                    proto::alternate_address_trailer_size(2) + proto::kRandomPortTrailerSize);
  if (buf.empty()) return drop(Drop::SendFailed);
  proto::Writer w(buf);
  proto::build_bubble(w, qual_->address, peer.addr, kHopLimit);
  if (uses_nonces()) {
    const std::uint32_t nonce = fresh_nonce();
    if (remember_nonce(peer, nonce)) {
      proto::build_nonce_trailer(w, nonce);
      if (n_alternates > 0)
        proto::build_alternate_address_trailer(w, std::span(alternates.data(), n_alternates));
    }
  }
  if (rp != nullptr && rp->advertised != 0) proto::build_random_port_trailer(w, rp->advertised);
  const ByteView all = w.written();
  const proto::TeredoAddress t = proto::parse_teredo_address(peer.addr);
  actions_.push_back(SendUdp{Endpoint{t.server, proto::kTeredoPort}, all.first(proto::kIpv6HeaderSize),
                             all.subspan(proto::kIpv6HeaderSize)});
  ++counters_.bubbles_indirect_sent;
}

void Client::send_local_bubbles(Tick tick, PeerEntry& peer, const LocalPeer& local) {
  // 5.2.4 case 3: the peer is on our link. A unicast bubble to where its discovery bubble came
  // from, and a discovery bubble so that it learns ours (its answer is then trusted by rule 5).
  if (!take_bubble_budget(tick, peer)) return;
  if (push_bubble(local.local, peer.addr, 0, std::nullopt)) ++counters_.local_bubbles_sent;
  send_discovery_bubble();
}

void Client::send_discovery_bubble() {
  // 5.2.8: IPv6 from our address to ff02::1, hop limit 1, to 224.0.0.253:3544 (the driver sends
  // it with TTL 1 on the local address's interface).
  proto::MutableBytes buf = scratch(proto::kIpv6HeaderSize);
  if (buf.empty()) return drop(Drop::SendFailed);
  proto::Writer w(buf);
  proto::build_bubble(w, qual_->address, proto::kAllNodesMulticast, 1);
  actions_.push_back(SendUdp{Endpoint{proto::kTeredoDiscoveryAddress, proto::kTeredoPort}, w.written(), {}});
  ++counters_.discovery_bubbles_sent;
}

bool Client::on_link(proto::Ipv4Addr a) const {
  const unsigned len = config_.local_prefix_length;
  if (len == 0 || len > 32 || config_.local.addr.value == 0) return false;
  const std::uint32_t mask = len == 32 ? 0xFFFFFFFFu : ~(0xFFFFFFFFu >> len);
  return (a.value & mask) == (config_.local.addr.value & mask) && a != config_.local.addr;
}

void Client::to_native(TimePoint, Tick tick, const proto::Ipv6Packet& ip, ByteView packet) {
  if (!proto::is_global_scope(ip.header.dst)) return drop(Drop::NonGlobalDestination);
  PeerEntry* peer = peers_.find(ip.header.dst);
  if (peer != nullptr && peer->trusted() && tick_age(tick, peer->last_rx) < kPeerValidity)
    return send_packet(tick, *peer, packet);
  peer = peer_for(tick, ip.header.dst);
  if (peer == nullptr) return;
  // 5.2.4 case 2: queue, and find the relay with the direct IPv6 connectivity test.
  const bool fresh = peer->queue == kNoQueue;
  if (!hold(tick, *peer, packet, PacketQueue::kOutgoing)) return;
  if (fresh || !queue_.info(peer->queue).testing) send_connectivity_test(tick, *peer);
}

void Client::send_connectivity_test(Tick tick, PeerEntry& peer) {
  // 5.2.9: an echo request from our address to the native peer, through our server, carrying
  // a random nonce; the reply arrives through the relay nearest the peer.
  PacketQueue::ListInfo& info = queue_.info(peer.queue);
  if (!info.testing) {
    random_.fill(info.nonce);
    info.testing = true;
  }
  proto::MutableBytes buf = scratch(proto::kIpv6HeaderSize + 8 + info.nonce.size());
  if (buf.empty()) return drop(Drop::SendFailed);
  proto::Writer w(buf);
  proto::Echo e;
  e.type = proto::kIcmpv6EchoRequest;
  e.identifier = static_cast<std::uint16_t>((info.nonce[0] << 8) | info.nonce[1]);
  e.sequence = info.retries;
  e.data = info.nonce;
  proto::build_echo(w, qual_->address, peer.addr, kHopLimit, e);
  actions_.push_back(SendUdp{Endpoint{current_server(), proto::kTeredoPort}, w.written(), {}});
  ++counters_.connectivity_tests_sent;
  peer.last_tx = tick;
}

void Client::retry_pending(TimePoint now, Tick tick) {
  next_retry_ = TimePoint::max();
  queue_.for_each_open([&](std::uint32_t id, PacketQueue::ListInfo& info) {
    if (!tick_reached(tick, info.next_retry)) return note_retry(info.next_retry);
    PeerEntry* peer = peers_.find(info.peer);
    if (peer == nullptr || peer->queue != id) return discard_queue(id);
    if (info.retries >= kMaxRetries || state_ != ClientState::Qualified) {
      // No answer after 3 repeats (5.2.4): drop the queue, tell the host once.
      PacketQueue::SlotList chain = queue_.take(id);
      bool first = true;
      queue_.for_each_tagged(chain, [&](ByteView p, std::uint8_t tag) {
        drop(Drop::PeerUnreachable);
        if (!first || tag != PacketQueue::kOutgoing) return;
        first = false;
        if (auto ip = proto::parse_ipv6(p))
          error(now, proto::kIcmpv6DestinationUnreachable, proto::kUnreachableAddress, *ip, p);
      });
      queue_.release(chain);
      peer->queue = kNoQueue;
      if (!peer->trusted()) peers_.erase(peer);
      ++counters_.peers_given_up;
      return;
    }
    ++info.retries;
    info.next_retry = tick + kRetryInterval;
    note_retry(info.next_retry);
    if (info.testing) {
      send_connectivity_test(tick, *peer);
    } else if (info.soliciting && info.retries < kMaxRetries) {
      send_solicitation(tick, *peer);  // RFC 6081 5.7.4.1: resend every 2 s
    } else if (info.soliciting) {
      // The third solicitation went unanswered: re-establish the path the RFC 4380 way.
      info.soliciting = false;
      info.retries = 0;
      peer->flags &= static_cast<std::uint8_t>(~PeerEntry::kTrusted);
      peer->set_mapped(proto::parse_teredo_address(peer->addr).mapped);
      send_bubbles(tick, *peer);
    } else {
      send_bubbles(tick, *peer);
    }
  });
}

// ---- Reception (Teredo datagrams) -------------------------------------------------------------

void Client::on_udp_datagram(TimePoint now, Endpoint from, ByteView payload, std::uint16_t local_port) {
  ++counters_.udp_datagrams;
  counters_.udp_bytes += payload.size();
  auto pkt = proto::parse_teredo_packet(payload);
  if (!pkt) return drop(pkt.drop());
  auto ip = proto::parse_ipv6(pkt->ipv6);
  if (!ip) return drop(ip.drop());
  const Tick tick = to_tick(epoch_, now);
  if (local_port != 0) return on_random_port_datagram(now, tick, from, local_port, *pkt, *ip);

  if (from_current_server(from)) {
    const bool advertisement = ip->header.next_header == proto::kNextHeaderIcmpv6 && !ip->payload.empty() &&
                               ip->payload[0] == proto::kIcmpv6RouterAdvertisement;
    if (advertisement) return handle_ra(now, from, *pkt, *ip);
    if (state_ != ClientState::Qualified) return drop(Drop::NotQualified);
    return from_server(now, tick, from, *pkt, *ip);
  }
  // Only the server may send router advertisements (5.2.3); anything else needs an address.
  if (ip->header.next_header == proto::kNextHeaderIcmpv6 && !ip->payload.empty() &&
      ip->payload[0] == proto::kIcmpv6RouterAdvertisement) {
    ++counters_.ra_rejected;
    return drop(Drop::RaFromWrongSource);
  }
  if (state_ != ClientState::Qualified) return drop(Drop::NotQualified);
  from_peer(now, tick, from, *pkt, *ip);
}

void Client::on_discovery_datagram(TimePoint now, Endpoint from, ByteView payload) {
  ++counters_.udp_datagrams;
  counters_.udp_bytes += payload.size();
  if (!config_.local_discovery) return drop(Drop::BadDiscoveryBubble);
  if (state_ != ClientState::Qualified || !qual_) return drop(Drop::NotQualified);
  auto pkt = proto::parse_teredo_packet(payload);
  if (!pkt) return drop(pkt.drop());
  auto ip = proto::parse_ipv6(pkt->ipv6);
  if (!ip) return drop(ip.drop());
  // 5.2.8: a bubble to ff02::1 from a well-formed Teredo address (under our prefix, not ours), no
  // authentication or origin indication; from an IPv4 address on our subnet.
  const Ipv6Addr& src = ip->header.src;
  const proto::TeredoAddress t = proto::parse_teredo_address(src);
  if (!proto::is_bubble(*ip) || ip->header.dst != proto::kAllNodesMulticast || pkt->auth || pkt->origin ||
      proto::prefix32(src) != qual_->prefix || src == qual_->address || !proto::is_global_unicast(t.server) ||
      from.port == 0)
    return drop(Drop::BadDiscoveryBubble);
  if (!on_link(from.addr)) return drop(Drop::DiscoveryNotOnLink);
  ++counters_.discovery_bubbles_received;
  const Tick tick = to_tick(epoch_, now);
  const bool news = local_peers_.seen(src, from, tick);
  // 5.2.3 rule 4: answered with a unicast bubble. A newcomer does not know us yet: one discovery
  // bubble of ours lets it trust that answer (rule 5) without waiting up to 300 s for our next one.
  send_reply_bubble(now, src, from, 0);
  if (news && (!last_announcement_ || now - *last_announcement_ >= kAnnouncementSpacing)) {
    last_announcement_ = now;
    send_discovery_bubble();
  }
  // A peer we are trying to reach at its public mapping is on our link: try there too.
  PeerEntry* peer = peers_.find(src);
  if (peer != nullptr && peer->queue != kNoQueue && !peer->trusted())
    send_local_bubbles(tick, *peer, LocalPeer{src, from, tick});
}

bool Client::send_reply_bubble(TimePoint now, const Ipv6Addr& dst, Endpoint to, std::uint32_t nonce,
                               std::uint16_t from_port) {
  if (!reply_allowed(now) || !push_bubble(to, dst, nonce, std::nullopt, from_port)) return false;
  ++counters_.bubble_replies_sent;
  return true;
}

void Client::from_server(TimePoint now, Tick tick, Endpoint, const proto::TeredoPacket& pkt,
                         const proto::Ipv6Packet& ip) {
  last_server_rx_ = now;
  if (proto::is_bubble(ip) && pkt.origin) {
    ++counters_.bubbles_received;
    if (!proto::is_global_unicast(pkt.origin->addr) || pkt.origin->port == 0)
      return drop(Drop::NonGlobalMappedDestination);
    const auto trailers = read_trailers(pkt.trailers, counters_.trailers_truncated);
    if (!trailers) return;
    return answer_indirect_bubble(now, tick, *pkt.origin, ip, *trailers);
  }
  drop(Drop::UnexpectedFromServer);
}

void Client::answer_indirect_bubble(TimePoint now, Tick tick, const Endpoint& origin,
                                    const proto::Ipv6Packet& ip, const proto::Trailers& trailers) {
  // 5.2.3 step 2: an indirect bubble relayed by our server, with the origin of its sender. We
  // answer with a direct bubble to that origin, which opens our NAT for the sender (a peer or a
  // relay); the reply swaps the addresses, so a relay can recognise its own bubble. RFC 6081
  // 5.2.4.2: the answer echoes the bubble's nonce.
  const Ipv6Addr& src = ip.header.src;
  const std::uint32_t nonce = uses_nonces() ? trailers.nonce.value_or(0) : 0;
  const bool teredo = proto::prefix32(src) == qual_->prefix;
  PeerEntry* known = teredo ? peers_.find(src) : nullptr;
  // RFC 6081 5.4: a peer we hold a random port for is answered from that port alone, so that it
  // learns one endpoint of ours, the one its traffic will reach.
  const RandomPortPeer* rp = known != nullptr ? random_port_of(*known) : nullptr;
  if (rp == nullptr || rp->local == 0 || nonce == 0) send_reply_bubble(now, src, origin, nonce);
  if (!teredo) return;  // a relay: nothing more to do
  PeerEntry* peer = peer_for(tick, src);
  if (peer == nullptr) return;
  if (!peer->trusted()) peer->set_mapped(origin);
  if (nonce != 0) peer->flags |= PeerEntry::kRfc6081;
  if (peer->queue != kNoQueue && nonce != 0) queue_.info(peer->queue).nonce_received = nonce;
  // RFC 6081 5.4.4: the peer's random port; our direct answer goes there too (from our random
  // port when we have one), or, when the peer has none, from our random port to its origin.
  if (trailers.random_port && random_port_support()) learn_peer_port(tick, *peer, *trailers.random_port);
  if (RandomPortPeer* r = random_port_of(*peer); r != nullptr && nonce != 0) {
    const Endpoint to =
        r->peer_port != 0 ? Endpoint{proto::parse_teredo_address(src).mapped.addr, r->peer_port} : origin;
    if ((r->peer_port != 0 || r->local != 0) && reply_allowed(now) &&
        push_bubble(to, src, nonce, std::nullopt, r->local, r->advertised))
      ++counters_.random_port_bubbles_sent;
  }
  // A path verified earlier through another endpoint (a symmetric NAT's or a local one) is where
  // the peer listens now: answer there too.
  if (peer->trusted() && peer->mapped() != origin) send_reply_bubble(now, src, peer->mapped(), nonce);
  if (nonce == 0) return;
  // RFC 6081 5.6.4.2: a direct bubble, echoing the nonce, to each of its alternate addresses.
  if (config_.hairpinning) {
    for (const Endpoint& alt : trailers.alternate_addresses())
      if (alt != origin && send_reply_bubble(now, src, alt, nonce)) ++counters_.bubbles_alternate_sent;
  }
  // DECISION (docs/decisions.md): a peer whose bubble carried a nonce gets our own indirect
  // bubble, with our nonce, until it is trusted: behind a symmetric NAT its direct answer comes
  // from an endpoint we could not predict, and only our nonce lets us accept it (6081 5.2.4.4).
  // A new establishment costs a token of the reply limit too: relayed bubbles from made-up
  // sources cannot make us open queues and bubble their servers without bound.
  if (peer->trusted() || !config_.symmetric_nat_support) return;
  if (peer->queue == kNoQueue && !reply_allowed(now)) return;
  if (open_queue(tick, *peer)) {
    queue_.info(peer->queue).nonce_received = nonce;
    send_bubbles(tick, *peer);
  }
}

void Client::accept_by_nonce(TimePoint now, Tick tick, PeerEntry& peer, Endpoint from) {
  // RFC 6081 5.2.4.4: the observed endpoint becomes the peer's mapping. Our direct answer lets
  // a peer that has not verified us yet learn the path (with its nonce, when we hold it).
  const std::uint32_t received = peer.queue != kNoQueue ? queue_.info(peer.queue).nonce_received : 0;
  ++counters_.bubbles_nonce_verified;
  trust_and_flush(tick, peer, from);
  send_reply_bubble(now, peer.addr, from, received, arrival_port_);
}

void Client::from_peer(TimePoint now, Tick tick, Endpoint from, const proto::TeredoPacket& pkt,
                       const proto::Ipv6Packet& ip) {
  const Ipv6Addr& src = ip.header.src;
  // Link-local sources are refused (they could forge router advertisements).
  if (proto::is_link_local(src)) return drop(Drop::LinkLocalSource);
  const bool bubble = proto::is_bubble(ip);
  const auto parsed = read_trailers(pkt.trailers, counters_.trailers_truncated);
  if (!parsed) return;
  const proto::Trailers& trailers = *parsed;
  PeerEntry* peer = peers_.find(src);

  // The answer to our connectivity test (5.2.3 rule 2), through a new relay or the one we know.
  if (peer != nullptr && peer->queue != kNoQueue && queue_.info(peer->queue).testing &&
      ip.header.next_header == proto::kNextHeaderIcmpv6 && proto::prefix32(src) != qual_->prefix) {
    auto echo = proto::parse_echo(ip);
    const PacketQueue::ListInfo& info = queue_.info(peer->queue);
    if (echo && echo->type == proto::kIcmpv6EchoReply &&
        std::equal(echo->data.begin(), echo->data.end(), info.nonce.begin(), info.nonce.end())) {
      ++counters_.relays_verified;
      peer->last_rx = tick;
      trust_and_flush(tick, *peer, from);
      return;  // our own probe: not delivered
    }
  }

  if (peer == nullptr || !peer->trusted() || peer->mapped() != from) {
    if (proto::prefix32(src) != qual_->prefix) {
      // A native source through an unverified relay (5.2.3 rule 6): hold the packet and verify the
      // relay first. A new test costs a token: a flood of spoofed native sources cannot make us
      // probe them all.
      const bool testing = peer != nullptr && peer->queue != kNoQueue && queue_.info(peer->queue).testing;
      if (!testing && !incoming_test_limit_.allow(now)) return drop(Drop::ConnectivityTestLimited);
      if (peer == nullptr) peer = peer_for(tick, src);
      if (peer == nullptr) return;
      const bool fresh = peer->queue == kNoQueue;
      if (!hold(tick, *peer, pkt.ipv6, PacketQueue::kIncoming, from)) return;
      if (fresh || !queue_.info(peer->queue).testing) send_connectivity_test(tick, *peer);
      return;
    }
    // A Teredo source: its outer source must be the mapping embedded in its address (rule 3),
    // or, RFC 6081 5.2.4.4, a direct bubble must echo the nonce of our last indirect bubble.
    const LocalPeer* local = local_peers_.find(src, tick);  // none without LocalDiscovery
    if (local != nullptr && local->local == from) {
      // 5.2.3 rule 5: a client on our link, at the local address its discovery bubble came from.
      if (peer == nullptr) peer = peer_for(tick, src);
      if (peer == nullptr) return;
      ++counters_.local_peers_verified;
      trust_and_flush(tick, *peer, from);
    } else if (proto::parse_teredo_address(src).mapped != from) {
      const RandomPortPeer* rp = peer != nullptr ? random_port_of(*peer) : nullptr;
      if (!bubble && peer != nullptr && peer->queue != kNoQueue &&
          (queue_.info(peer->queue).nonce_sent != 0 || (rp != nullptr && rp->echo_running()))) {
        // The peer verified our nonce before we verified its (or our echo test still holds our
        // indirect bubble back): its first packets may come from the endpoint its bubble will
        // prove. Held, delivered only if that proof comes from there.
        hold(tick, *peer, pkt.ipv6, PacketQueue::kIncoming, from);
        return;
      }
      if (!bubble || !uses_nonces() || !trailers.nonce) return drop(Drop::SourceMappingMismatch);
      if (peer == nullptr || !sent_nonce(*peer, *trailers.nonce)) return drop(Drop::BubbleNonceMismatch);
      peer->flags |= PeerEntry::kRfc6081 | PeerEntry::kSymmetricPeer;
      ++counters_.bubbles_received;
      peer->last_rx = tick;
      peer->bubbles = 0;
      return accept_by_nonce(now, tick, *peer, from);
    } else {
      if (peer == nullptr) peer = peer_for(tick, src);
      if (peer == nullptr) return;
      trust_and_flush(tick, *peer, from);
    }
  }
  peer->last_rx = tick;
  peer->bubbles = 0;
  // Anything straight from the peer's verified mapping releases what waits for it: packets
  // queued while the entry was stale (no reception for 30 s) would otherwise wait in vain.
  if (peer->queue != kNoQueue) trust_and_flush(tick, *peer, from);
  if (bubble) {
    ++counters_.bubbles_received;
    if (trailers.nonce) peer->flags |= PeerEntry::kRfc6081;
    // RFC 6081 5.7.4.2: a solicitation is answered with an advertisement.
    if (trailers.discovery == proto::DiscoveryType::Solicitation && config_.server_load_reduction) {
      peer->flags |= PeerEntry::kRfc6081;
      answer_solicitation(now, *peer, from);
    }
    return;
  }
  if (ip.header.dst != qual_->address) return drop(Drop::NotOurAddress);
  actions_.push_back(WriteTun{pkt.ipv6});
  ++peer->rx_packets;
  peer->rx_bytes += pkt.ipv6.size();
  ++counters_.delivered_packets;
  counters_.delivered_bytes += pkt.ipv6.size();
}

void Client::trust_and_flush(Tick tick, PeerEntry& peer, Endpoint mapping) {
  peer.set_mapped(mapping);
  peer.flags |= PeerEntry::kTrusted | PeerEntry::kHeard;
  if ((peer.flags & PeerEntry::kRandomPort) != 0) note_arrival(peer);
  if (peer.queue == kNoQueue) return;
  const PacketQueue::ListInfo info = queue_.info(peer.queue);
  const Endpoint held_from{proto::Ipv4Addr{info.incoming_addr}, info.incoming_port};
  flush_queue(peer, [&](ByteView p, std::uint8_t tag) {
    if (tag == PacketQueue::kOutgoing) {
      send_packet(tick, peer, p);
      ++counters_.packets_flushed;
    } else if (held_from == mapping) {
      // Held incoming packets are delivered only if the verified relay is the one that sent them.
      actions_.push_back(WriteTun{p});
      ++peer.rx_packets;
      peer.rx_bytes += p.size();
      ++counters_.delivered_packets;
      counters_.delivered_bytes += p.size();
    } else {
      drop(Drop::SourceMappingMismatch);
    }
  });
}

void Client::error(TimePoint now, std::uint8_t type, std::uint8_t code, const proto::Ipv6Packet& offending,
                   ByteView bytes, std::uint32_t param) {
  if (icmpv6_error(now, type, code, param, offending, bytes)) ++counters_.icmpv6_errors_sent;
}

// ---- RFC 6081 3.3 / 3.4: random ports ----------------------------------------------------------

bool Client::random_port_support() const {
  return config_.symmetric_nat_support && (config_.port_preserving || config_.sequential);
}

bool Client::pp_active() const {
  return config_.port_preserving && config_.symmetric_nat_support && symmetric_nat_ && port_preserving_;
}

bool Client::sequential_active() const {
  // 6081 5.5 builds on the port-preserving extension (sheet 10.6): both must be on.
  return config_.sequential && config_.port_preserving && config_.symmetric_nat_support && symmetric_nat_ &&
         !port_preserving_;
}

RandomPortPeer* Client::random_port_of(const PeerEntry& peer) {
  return (peer.flags & PeerEntry::kRandomPort) != 0 ? random_ports_.find(peer.addr) : nullptr;
}

RandomPortPeer* Client::random_port_entry(PeerEntry& peer) {
  RandomPortPeer* rp = random_ports_.ensure(peer.addr);
  if (rp == nullptr) {
    ++counters_.random_port_failures;  // the table is full: this peer goes without
    return nullptr;
  }
  peer.flags |= PeerEntry::kRandomPort;
  return rp;
}

bool Client::open_random_port(RandomPortPeer& rp) {
  // A port of the dynamic range that none of our peers holds and that is not the service port.
  std::uint16_t port = 0;
  for (int attempt = 0; attempt < 8 && port == 0; ++attempt) {
    const auto candidate =
        static_cast<std::uint16_t>(kRandomPortFirst + random_.u32() % (65536u - kRandomPortFirst));
    if (candidate != config_.local.port && !random_ports_.port_in_use(candidate)) port = candidate;
  }
  if (port == 0) {
    ++counters_.random_port_failures;
    return false;
  }
  rp.local = port;
  rp.advertised = pp_active() ? port : 0;  // sequential: the echo test predicts it
  rp.direct_on_random = false;
  rp.refresh_count = 0;
  actions_.push_back(OpenPort{port});
  ++counters_.random_ports_opened;
  return true;
}

void Client::close_random_port(RandomPortPeer& rp) {
  if (rp.local != 0) actions_.push_back(ClosePort{rp.local});
  rp.local = 0;
  rp.advertised = 0;
  rp.direct_on_random = false;
  rp.echo_tests = 0;
  rp.lower = rp.upper = 0;
  rp.echo_deadline = std::nullopt;
}

void Client::on_port_unavailable(TimePoint, std::uint16_t port) {
  RandomPortPeer* rp = random_ports_.find_port(port);
  if (rp == nullptr) return;
  ++counters_.random_port_failures;
  rp->local = 0;  // the driver has no socket to close
  close_random_port(*rp);
}

std::uint16_t Client::send_port(const PeerEntry& peer) {
  if ((peer.flags & PeerEntry::kRandomPort) == 0) return 0;
  const RandomPortPeer* rp = random_ports_.find(peer.addr);
  return rp != nullptr && rp->local != 0 && rp->direct_on_random ? rp->local : 0;
}

void Client::learn_peer_port(Tick tick, PeerEntry& peer, std::uint16_t port) {
  RandomPortPeer* rp = random_port_of(peer);
  if (rp != nullptr && rp->peer_port == port) return;
  if (rp != nullptr && rp->peer_port != 0) {
    // A different port while data flows is ignored; after 30 s of quiet it replaces the old one
    // and our own random port starts afresh (5.4.4).
    if (peer.trusted() && tick_age(tick, peer.last_rx) < ticks(kPeerPortQuiet)) return;
    if (pp_active()) close_random_port(*rp);
  }
  if (rp == nullptr) rp = random_port_entry(peer);
  if (rp == nullptr) return;
  rp->peer_port = port;
  ++counters_.random_port_trailers_received;
}

void Client::note_arrival(PeerEntry& peer) {
  RandomPortPeer* rp = random_ports_.find(peer.addr);
  if (rp == nullptr || rp->local == 0) return;
  if (arrival_port_ == rp->local) {
    rp->direct_on_random = true;       // 5.4.4: Direct Receive on Random
    rp->echo_deadline = std::nullopt;  // 5.5.4: a sequential peer's echo test is done
  } else if (arrival_port_ == 0) {
    // 5.4.4: the service port works for this peer (Direct Receive on Primary): the random port
    // is not needed any more.
    close_random_port(*rp);
  }
}

void Client::start_echo_test(Tick tick, PeerEntry& peer, RandomPortPeer& rp) {
  // 5.5.2: from the random port, an RS to the primary server, a direct bubble to the peer and an
  // RS to the secondary server. A sequential NAT numbers the three flows in a row: the bubble's
  // port lies midway between the two the servers see.
  random_.fill(rp.echo_nonce1);
  random_.fill(rp.echo_nonce2);
  rp.lower = rp.upper = 0;
  push_rs(config_.server, rp.echo_nonce1, rp.local);
  if (push_bubble(proto::parse_teredo_address(peer.addr).mapped, peer.addr, 0, std::nullopt, rp.local))
    ++counters_.random_port_bubbles_sent;
  push_rs(config_.server2, rp.echo_nonce2, rp.local);
  ++rp.echo_tests;
  // 5.5.3: the Echo Test Failover Timer, one second per test run so far.
  rp.echo_deadline = tick + ticks(std::chrono::seconds(rp.echo_tests));
  ++counters_.echo_tests_sent;
}

void Client::handle_echo_ra(RandomPortPeer& rp, Endpoint from, const proto::TeredoPacket& pkt) {
  if (!rp.echo_running() || !pkt.auth || !pkt.origin) return drop(Drop::RaNonceMismatch);
  if (from.addr == config_.server && pkt.auth->nonce == rp.echo_nonce1 && rp.lower == 0)
    rp.lower = pkt.origin->port;
  else if (from.addr == config_.server2 && pkt.auth->nonce == rp.echo_nonce2 && rp.upper == 0)
    rp.upper = pkt.origin->port;
  else
    return drop(Drop::RaNonceMismatch);
  if (rp.lower == 0 || rp.upper == 0) return;
  // 5.5.4.4 prints (Upper + Upper) / 2; 3.4 says midway: the sheet's erratum (docs/decisions.md).
  rp.advertised = static_cast<std::uint16_t>((static_cast<unsigned>(rp.lower) + rp.upper) / 2);
  rp.echo_deadline = std::nullopt;
  ++counters_.ports_predicted;
  PeerEntry* peer = peers_.find(rp.peer);
  if (peer != nullptr && !peer->trusted() && state_ == ClientState::Qualified) {
    send_indirect_bubble(*peer, &rp);
  }
}

void Client::on_random_port_datagram(TimePoint now, Tick tick, Endpoint from, std::uint16_t port,
                                     const proto::TeredoPacket& pkt, const proto::Ipv6Packet& ip) {
  RandomPortPeer* rp = random_ports_.find_port(port);
  if (rp == nullptr) return drop(Drop::RandomPortUnknown);
  if (from_current_server(from)) return handle_echo_ra(*rp, from, pkt);
  if (state_ != ClientState::Qualified || !qual_) return drop(Drop::NotQualified);
  // The port was opened for one peer: nobody else may use it (not even a relay).
  if (ip.header.src != rp->peer) return drop(Drop::RandomPortWrongPeer);
  arrival_port_ = port;
  from_peer(now, tick, from, pkt, ip);
  arrival_port_ = 0;
}

void Client::random_port_tick(Tick tick) {
  auto& entries = random_ports_.entries();
  for (std::size_t i = 0; i < entries.size();) {
    RandomPortPeer& rp = entries[i];
    PeerEntry* peer = peers_.find(rp.peer);
    if (peer == nullptr || (rp.local == 0 && rp.peer_port == 0)) {
      // The peer was forgotten: so is its random port.
      close_random_port(rp);
      if (peer != nullptr) peer->flags &= static_cast<std::uint8_t>(~PeerEntry::kRandomPort);
      random_ports_.erase(&rp);
      continue;
    }
    if (rp.echo_running() && tick_reached(tick, *rp.echo_deadline)) {
      // 5.5.3: no prediction yet: one more echo test, then the indirect bubble without one.
      if (rp.echo_tests < 2 && state_ == ClientState::Qualified) {
        start_echo_test(tick, *peer, rp);
      } else {
        rp.echo_deadline = std::nullopt;
        if (!peer->trusted() && state_ == ClientState::Qualified) send_indirect_bubble(*peer, &rp);
      }
    }
    ++i;
  }
  if (!peer_refresh_armed_) {
    peer_refresh_armed_ = true;
    next_peer_refresh_ = tick + ticks(kPeerRefresh);
  }
  if (!tick_reached(tick, next_peer_refresh_)) return;
  next_peer_refresh_ = tick + ticks(kPeerRefresh);
  // 5.4.6: the Peer Refresh Timer keeps the NAT's mapping of each random port open while idle.
  for (std::size_t i = 0; i < entries.size();) {
    RandomPortPeer& rp = entries[i];
    PeerEntry* peer = peers_.find(rp.peer);
    if (peer == nullptr || rp.local == 0 || !rp.direct_on_random || !peer->trusted()) {
      ++i;
      continue;
    }
    if (tick_age(tick, rp.last_data_sent) < ticks(kPeerRefreshIdle)) {
      rp.refresh_count = 0;
    } else if (tick_age(tick, peer->last_tx) < ticks(kPeerRefreshIdle)) {
      // A refresh went out recently.
    } else if (rp.refresh_count < kMaxPeerRefreshes) {
      if (push_bubble(peer->mapped(), peer->addr, 0, std::nullopt, rp.local)) ++counters_.peer_refreshes_sent;
      ++rp.refresh_count;
      peer->last_tx = tick;
    } else {
      // DECISION (docs/decisions.md): 20 refreshes without data: the port goes, and the peer is
      // reached the usual way again when traffic resumes.
      close_random_port(rp);
      peer->flags &= static_cast<std::uint8_t>(~(PeerEntry::kTrusted | PeerEntry::kRandomPort));
      peer->set_mapped(proto::parse_teredo_address(peer->addr).mapped);
      random_ports_.erase(&rp);
      continue;
    }
    ++i;
  }
}

std::optional<Tick> Client::next_random_port_event() const {
  const auto& entries = random_ports_.entries();
  if (entries.empty()) return std::nullopt;
  std::optional<Tick> next;
  // Deadlines are compared by age from the refresh time, which every live entry lies within.
  auto earlier = [&](Tick t) {
    if (!next || tick_age(*next, t) < 0x80000000u) next = t;
  };
  for (const RandomPortPeer& rp : entries)
    if (rp.echo_running()) earlier(*rp.echo_deadline);
  earlier(peer_refresh_armed_ ? next_peer_refresh_ : Tick{0});
  return next;
}

Endpoint Client::upnp_mapping() const {
  // RFC 6081 5.3.2: the same mapping as the server saw means one NAT: the UPnP one is not used.
  if (qual_ && qual_->mapped == config_.upnp_mapping) return {};
  return config_.upnp_mapping;
}

void Client::set_upnp_mapping(TimePoint, Endpoint mapping) {
  config_.upnp_mapping = mapping;
}

}  // namespace teredo::core
