// SPDX-License-Identifier: GPL-2.0-or-later
// Teredo server packet processing (RFC 4380 5.3.1 ingress checks, 5.3.2 RS -> RA; RFC 5991 3.2).
#include "core/server.hpp"

#include <string_view>

#include "proto/echo.hpp"
#include "proto/encapsulation.hpp"
#include "proto/ipv6.hpp"
#include "proto/router_discovery.hpp"
#include "proto/trailers.hpp"

namespace teredo::core {

using proto::ByteView;
using proto::Drop;
using proto::Endpoint;
using proto::Ipv6Addr;
using proto::Result;

namespace {

// Miredo refuses to relay ICMPv6 messages with more than 88 bytes of ICMPv6 payload, so that the
// server cannot be used as an open relay for large traffic. We keep that policy: a connectivity
// test echo request is small.
constexpr std::size_t kMaxForwardedIcmpv6 = 88;

// Token buckets (rate_limit_table.hpp): 256 KiB and 64 KiB per worker, touched as keys arrive.
constexpr std::size_t kDestinationBuckets = 16384;
constexpr std::size_t kSourceBuckets = 4096;

ServerSocket other(ServerSocket s) {
  return s == ServerSocket::Primary ? ServerSocket::Secondary : ServerSocket::Primary;
}

}  // namespace

Server::Server(const ServerConfig& config)
    : config_(config),
      link_local_(proto::build_server_link_local(config.primary)),
      by_destination_(kDestinationBuckets, config.destination_rate, config.limit_key),
      by_source_(kSourceBuckets, config.source_rate, config.limit_key) {}

Result<ServerAction> Server::on_datagram(ServerSocket on, Endpoint from, ByteView payload,
                                         proto::MutableBytes out, TimePoint now) {
  ++counters_.received;
  Result<ServerAction> r = handle(on, from, payload, out, now);
  if (!r) drops_.add(r.drop());
  return r;
}

std::optional<proto::Drop> Server::over_limit(proto::Ipv4Addr from, std::optional<proto::Ipv4Addr> to,
                                              TimePoint now) {
  if (!by_source_.allow(from.value & 0xffffff00u, now)) return Drop::RateLimitedSource;
  if (to && !by_destination_.allow(to->value, now)) return Drop::RateLimitedDestination;
  return std::nullopt;
}

Result<ServerAction> Server::handle(ServerSocket on, Endpoint from, ByteView payload, proto::MutableBytes out,
                                    TimePoint now) {
  // Loop guard: a datagram from our own addresses' Teredo port (Miredo, MTFL-SA 0603).
  if (from.port == proto::kTeredoPort && (from.addr == config_.primary || from.addr == config_.secondary))
    return Drop::OwnAddressLoop;

  // 5.3.1 rule 1: well-formed Teredo packet.
  auto pkt = proto::parse_teredo_packet(payload);
  if (!pkt) return pkt.drop();
  auto ip = proto::parse_ipv6(pkt->ipv6);
  if (!ip) return ip.drop();
  const proto::Ipv6Header& h = ip->header;

  // Rule 2: only bubbles and ICMPv6.
  const bool bubble = proto::is_bubble(*ip);
  if (!bubble && h.next_header != proto::kNextHeaderIcmpv6) return Drop::NotBubbleOrIcmpv6;
  // Rule 3: the IPv4 source must be global unicast.
  if (!proto::is_global_unicast(from.addr)) return Drop::NonGlobalSource;

  // Rule 4: a Router Solicitation from a link-local source to ff02::2 (or to our link-local).
  if (proto::is_link_local(h.src) && (h.dst == proto::kAllRoutersMulticast || h.dst == link_local_)) {
    auto rs = proto::parse_router_solicitation(*ip);
    if (!rs) return rs.drop();
    ++counters_.router_solicitations;
    // Without keys (no ClientKeysFile) an identifier is ignored and the nonce echoed, as Miredo does.
    const bool identified = !config_.keys.empty() && pkt->auth &&
                            (!pkt->auth->client_id.empty() || !pkt->auth->auth_value.empty());
    const ClientKey* key = nullptr;
    if (identified) {
      auto k = key_for(*pkt);
      if (!k) return k.drop();
      key = *k;
      ++counters_.authenticated_solicitations;
    } else if (config_.require_authentication) {
      return Drop::RsAuthenticationRequired;
    }
    if (auto limited = over_limit(from.addr, from.addr, now)) return *limited;  // the RA goes back to `from`
    return answer_router_solicitation(on, from, h.src, pkt->auth, key, out);
  }

  // Rules 5-7: the source must be a Teredo client whose mapping matches the outer source, or a
  // native node talking to one of our own clients.
  if (proto::has_prefix(h.src, config_.prefix)) {
    const proto::TeredoAddress claimed = proto::parse_teredo_address(h.src);
    if (claimed.mapped != from) return Drop::SourceMappingMismatch;
  } else {
    if (!proto::has_prefix(h.dst, config_.prefix) ||
        proto::parse_teredo_address(h.dst).server != config_.primary)
      return Drop::ForeignClientDestination;
  }

  // Destination handling (5.3.1): nothing else is processed locally.
  if (h.dst == proto::kAllRoutersMulticast || h.dst == link_local_) return Drop::UnexpectedLocalDestination;
  if (!proto::is_global_scope(h.dst)) return Drop::NonGlobalDestination;
  if (!bubble && ip->payload.size() > kMaxForwardedIcmpv6) return Drop::OversizedIcmpv6;

  if (!proto::has_prefix(h.dst, config_.prefix)) {
    if (auto limited = over_limit(from.addr, std::nullopt, now)) return *limited;
    ++counters_.forwarded_native;
    if (!bubble) ++counters_.echo_forwarded;
    return ServerAction{SendIpv6{pkt->ipv6}};
  }

  const proto::TeredoAddress dst = proto::parse_teredo_address(h.dst);
  if (!proto::is_global_unicast(dst.mapped.addr) || dst.mapped.port == 0)
    return Drop::NonGlobalMappedDestination;
  if (auto limited = over_limit(from.addr, dst.mapped.addr, now)) return *limited;
  ServerSendUdp send;
  send.from = ServerSocket::Primary;
  send.to = dst.mapped;
  send.body = pkt->ipv6;
  if (!pkt->trailers.empty()) {
    // RFC 6081: the trailers of a bubble travel with it (the nonces and alternate addresses are
    // for the destination). Malformed ones are not passed on; other packets lose them.
    auto t = proto::parse_trailers(pkt->trailers);
    if (!t) return t.drop();
    if (bubble) send.body = ByteView(pkt->ipv6.data(), pkt->ipv6.size() + pkt->trailers.size());
  }
  // An origin indication goes in front of packets for our own clients (the destination names
  // our primary address), carrying the source as we saw it.
  if (dst.server == config_.primary) {
    proto::Writer w(out);
    proto::build_origin_indication(w, from);
    send.header = w.written();
  }
  ++counters_.forwarded_teredo;
  if (bubble) ++counters_.bubbles_forwarded;
  return ServerAction{send};
}

Result<const ClientKey*> Server::key_for(const proto::TeredoPacket& pkt) const {
  // 5.3.1 rule 4: the value must be right under one of the client's keys; current keys first.
  const std::string_view id = client_id_of(*pkt.auth);
  bool known = false;
  for (bool retiring : {false, true}) {
    for (const ClientKey& k : config_.keys) {
      if (k.retiring != retiring || k.id != id) continue;
      known = true;
      if (config_.mac != nullptr && authentic(*config_.mac, k.secret, *pkt.auth, pkt.origin, pkt.ipv6))
        return &k;
    }
  }
  return known ? Drop::RsAuthenticationFailed : Drop::RsUnknownClient;
}

Result<ServerAction> Server::answer_router_solicitation(ServerSocket on, Endpoint from,
                                                        const Ipv6Addr& rs_source,
                                                        const std::optional<proto::AuthHeader>& auth,
                                                        const ClientKey* key, proto::MutableBytes out) {
  // 5.3.2: never send an RA to a non-global IPv4 (already checked for the source), the RA goes
  // to the mapped address. A cone-flagged RS (C=1) is answered from the other address.
  proto::Writer w(out);
  // The authentication header echoes the client's nonce; when the RS had none, the nonce is
  // zeros (Miredo echoes uninitialised stack bytes there). With a key (secure qualification) it
  // repeats the client identifier and carries the RA's authentication value, filled in below.
  const proto::Nonce nonce = auth ? auth->nonce : proto::Nonce{};
  const std::uint8_t confirmation = key != nullptr && key->retiring ? 1 : 0;
  std::size_t value_at = 0;
  if (key != nullptr) {
    const AuthValue placeholder{};
    value_at = proto::build_auth_header(w, auth->client_id, placeholder, nonce, confirmation);
  } else {
    proto::build_auth_header(w, nonce, 0);
  }
  proto::build_origin_indication(w, from);
  const std::size_t ra_at = w.size();

  proto::RouterAdvertisement ra;
  ra.cur_hop_limit = 0;
  ra.router_lifetime = 0;
  ra.retrans_timer = 2000;
  proto::PrefixInformation pio;
  pio.prefix_length = 64;
  pio.flags = proto::kPrefixFlagAutonomous;
  proto::store_be32(pio.prefix.bytes.data(), config_.prefix);
  proto::store_be32(pio.prefix.bytes.data() + 4, config_.primary.value);
  ra.prefix = pio;
  ra.mtu = config_.mtu;
  proto::build_router_advertisement(w, link_local_, rs_source, ra);
  if (!w.ok()) return Drop::SendFailed;
  if (key != nullptr) {
    if (!write_authentication_value(*config_.mac, key->secret, nonce, confirmation, from,
                                    w.written().subspan(ra_at), out.subspan(value_at, kAuthValueSize)))
      return Drop::SendFailed;
    if (key->retiring) ++counters_.key_renewals_requested;
  }

  ServerSendUdp send;
  send.from = proto::has_cone_flag(rs_source) ? other(on) : on;
  send.to = from;
  send.header = w.written();
  ++counters_.router_advertisements;
  return ServerAction{send};
}

}  // namespace teredo::core
