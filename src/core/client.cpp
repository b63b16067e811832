// Teredo client (RFC 4380 5.2; RFC 5991 3.2): qualification (5.2.1) with a random nonce per RS,
// maintenance (5.2.5), transmission (5.2.4), reception (5.2.3), bubbles (5.2.6) and the direct
// IPv6 connectivity test (5.2.9).
#include "core/client.hpp"

#include <cstring>

#include <algorithm>

#include "proto/echo.hpp"
#include "proto/icmpv6_error.hpp"
#include "proto/router_discovery.hpp"

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
  const bool secure = config_.key.has_value() && config_.mac != nullptr;
  const std::size_t id_size = secure ? config_.key->id.size() : 0;
  proto::MutableBytes buf =
      scratch(proto::kAuthHeaderMinSize + id_size + kAuthValueSize + proto::kRouterSolicitationSize);
  if (buf.empty()) return drop(Drop::SendFailed);
  proto::Writer w(buf);
  if (secure) {
    // 5.2.2: the identifier and HMAC-SHA1 over nonce, confirmation 0 and the RS.
    const proto::ByteView id(reinterpret_cast<const std::uint8_t*>(config_.key->id.data()), id_size);
    const AuthValue placeholder{};
    const std::size_t value_at = proto::build_auth_header(w, id, placeholder, nonce, 0);
    const std::size_t rs_at = w.size();
    proto::build_router_solicitation(w, rs_source());
    if (!write_authentication_value(*config_.mac, config_.key->secret, nonce, 0, std::nullopt,
                                    w.written().subspan(rs_at), buf.subspan(value_at, kAuthValueSize)))
      return drop(Drop::SendFailed);
  } else {
    // A nonce-only authentication header (ID-len = AU-len = 0) protects against off-path RAs.
    proto::build_auth_header(w, nonce, 0);
    proto::build_router_solicitation(w, rs_source());
  }
  actions_.push_back(SendUdp{Endpoint{to, proto::kTeredoPort}, w.written(), {}});
  ++counters_.rs_sent;
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
    symmetric_nat_ = qual_ && qual_->mapped != *pkt.origin;
    nat_probe_answered_ = qual_.has_value();
    if (symmetric_nat_ && !config_.symmetric_nat_support && state_ == ClientState::Qualified) {
      // RFC 4380 5.2.1: without RFC 6081 a symmetric NAT leaves the client unusable: off-line.
      ++counters_.symmetric_nat_offline;
      state_ = ClientState::Down;
      actions_.push_back(StateChange{ClientState::Down, std::nullopt});
    }
    return;
  }

  round_active_ = false;
  rs_deadline_ = TimePoint::max();
  restart_delay_ = std::chrono::seconds(0);
  last_ra_ = now;
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
    actions_.push_back(StateChange{ClientState::Qualified, qual_});
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
  if (state_ == ClientState::Qualified) {
    ++counters_.server_losses;
    actions_.push_back(StateChange{ClientState::Down, std::nullopt});
  }
  state_ = ClientState::Down;
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
  sweep_idle(now, tick);
}

TimePoint Client::next_deadline() const {
  // While a round runs, its retry deadline replaces the refresh (on_tick starts no refresh
  // then, so a refresh time already past must not be reported: the driver would spin).
  return std::min({next_sweep_, next_retry_, round_active_ ? rs_deadline_ : next_refresh_,
                   secondary_probe_pending_ ? secondary_deadline_ : TimePoint::max(), next_discovery_});
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
  actions_.push_back(SendUdp{peer.mapped(), {}, packet});
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
                         std::optional<proto::DiscoveryType> discovery) {
  proto::MutableBytes buf =
      scratch(proto::kIpv6HeaderSize + proto::kNonceTrailerSize + proto::kDiscoveryTrailerSize);
  if (buf.empty()) {
    drop(Drop::SendFailed);
    return false;
  }
  proto::Writer w(buf);
  proto::build_bubble(w, qual_->address, dst, kHopLimit);
  if (nonce != 0) proto::build_nonce_trailer(w, nonce);
  if (discovery) proto::build_discovery_trailer(w, *discovery);
  actions_.push_back(SendUdp{to, w.written(), {}});
  return true;
}

bool Client::reply_allowed(TimePoint now) {
  if (reply_limit_.allow(now)) return true;
  ++counters_.bubble_replies_limited;
  return false;
}

void Client::send_solicitation(Tick tick, PeerEntry& peer) {
  if (!push_bubble(peer.mapped(), peer.addr, 0, proto::DiscoveryType::Solicitation)) return;
  peer.last_tx = tick;
  ++counters_.nd_solicitations_sent;
}

void Client::answer_solicitation(TimePoint now, PeerEntry& peer, Endpoint from) {
  if (reply_allowed(now) && push_bubble(from, peer.addr, 0, proto::DiscoveryType::Advertisement))
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
  if (!take_bubble_budget(tick, peer)) return;
  proto::MutableBytes buf =
      scratch(proto::kIpv6HeaderSize + proto::kNonceTrailerSize + proto::alternate_address_trailer_size(1));
  if (buf.empty()) return drop(Drop::SendFailed);
  proto::Writer w(buf);
  proto::build_bubble(w, qual_->address, peer.addr, kHopLimit);
  if (uses_nonces()) {
    const std::uint32_t nonce = fresh_nonce();
    if (remember_nonce(peer, nonce)) {
      proto::build_nonce_trailer(w, nonce);
      if (config_.hairpinning && config_.local.port != 0 && proto::is_valid_unicast(config_.local.addr))
        proto::build_alternate_address_trailer(w, std::span(&config_.local, 1));
    }
  }
  const ByteView all = w.written();
  const ByteView bubble = all.first(proto::kIpv6HeaderSize);
  const proto::TeredoAddress t = proto::parse_teredo_address(peer.addr);
  actions_.push_back(SendUdp{proto::Endpoint{t.mapped.addr, t.mapped.port}, bubble, {}});
  actions_.push_back(
      SendUdp{Endpoint{t.server, proto::kTeredoPort}, bubble, all.subspan(proto::kIpv6HeaderSize)});
  ++counters_.bubbles_direct_sent;
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

void Client::on_udp_datagram(TimePoint now, Endpoint from, ByteView payload) {
  ++counters_.udp_datagrams;
  counters_.udp_bytes += payload.size();
  auto pkt = proto::parse_teredo_packet(payload);
  if (!pkt) return drop(pkt.drop());
  auto ip = proto::parse_ipv6(pkt->ipv6);
  if (!ip) return drop(ip.drop());
  const Tick tick = to_tick(epoch_, now);

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

bool Client::send_reply_bubble(TimePoint now, const Ipv6Addr& dst, Endpoint to, std::uint32_t nonce) {
  if (!reply_allowed(now) || !push_bubble(to, dst, nonce, std::nullopt)) return false;
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
  send_reply_bubble(now, src, origin, nonce);
  if (proto::prefix32(src) != qual_->prefix) return;  // a relay: nothing more to do
  PeerEntry* peer = peer_for(tick, src);
  if (peer == nullptr) return;
  if (!peer->trusted()) peer->set_mapped(origin);
  if (nonce != 0) peer->flags |= PeerEntry::kRfc6081;
  if (peer->queue != kNoQueue && nonce != 0) queue_.info(peer->queue).nonce_received = nonce;
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
  send_reply_bubble(now, peer.addr, from, received);
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
      if (!bubble && peer != nullptr && peer->queue != kNoQueue && queue_.info(peer->queue).nonce_sent != 0) {
        // The peer verified our nonce before we verified its: its first packets may come from
        // the endpoint its bubble will prove. Held, delivered only if that proof comes from there.
        hold(tick, *peer, pkt.ipv6, PacketQueue::kIncoming, from);
        return;
      }
      if (!bubble || !uses_nonces() || !trailers.nonce) return drop(Drop::SourceMappingMismatch);
      if (peer == nullptr || !sent_nonce(*peer, *trailers.nonce)) return drop(Drop::BubbleNonceMismatch);
      peer->flags |= PeerEntry::kRfc6081;
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

}  // namespace teredo::core
