// SPDX-License-Identifier: GPL-2.0-or-later
// Fuzzes core::Server::on_datagram with a fixed configuration (primary 198.51.100.10, secondary
// 198.51.100.11). Input: byte 0 picks the socket (bit 0) and the source address (bits 1..7),
// byte 1 picks the source port; the rest is the UDP payload. When byte 0 bit 1 is set and the
// payload carries a Teredo IPv6 source, the source endpoint is that address's mapping, so the
// forwarding paths past the mapping check are reachable.
// Byte 1 bit 7 picks a second server with secure qualification (RFC 4380 5.2.2): keys for the
// client "alice" (one current, one retiring), RequireAuthentication, HMACs from libcrypto.
// Checks: every action views the payload or the output buffer, RAs parse back with our prefix,
// and received == successes + drops; the secure server answers only authenticated RSs, and its
// RAs carry the RS's identifier and a value right under one of that client's keys.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <variant>

#include "core/server.hpp"
#include "fuzz_common.hpp"
#include "os/hmac.hpp"
#include "proto/echo.hpp"
#include "proto/router_discovery.hpp"
#include "proto/teredo_address.hpp"
#include "proto/trailers.hpp"

using namespace teredo;

namespace {

constexpr proto::Ipv4Addr kPrimary = proto::make_ipv4(198, 51, 100, 10);
constexpr proto::Ipv4Addr kSecondary = proto::make_ipv4(198, 51, 100, 11);

constexpr proto::Ipv4Addr kSources[] = {
    proto::make_ipv4(192, 0, 2, 45),
    proto::make_ipv4(203, 0, 113, 7),
    proto::make_ipv4(8, 8, 8, 8),
    proto::make_ipv4(10, 1, 2, 3),
    proto::make_ipv4(192, 168, 1, 10),
    proto::make_ipv4(100, 64, 0, 1),
    kPrimary,
    kSecondary,
    proto::make_ipv4(127, 0, 0, 1),
    proto::make_ipv4(224, 0, 0, 253),
};
constexpr std::uint16_t kPorts[] = {40000, 3544, 1, 65535, 4096, 8192, 4095, 53};

proto::Endpoint pick_source(std::uint8_t b0, std::uint8_t b1, proto::ByteView payload) {
  proto::Endpoint from{kSources[(b0 >> 2) % std::size(kSources)], kPorts[b1 % std::size(kPorts)]};
  if (b0 & 0x02) {
    if (auto p = proto::parse_teredo_packet(payload)) {
      proto::Ipv6Addr src;
      std::copy_n(p->ipv6.begin() + 8, 16, src.bytes.begin());
      from = proto::parse_teredo_address(src).mapped;
    }
  }
  return from;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  static core::Server plain(core::server_config(kPrimary, kSecondary));
  static const os::LibcryptoMac mac = [] {
    auto m = os::LibcryptoMac::load();
    FUZZ_CHECK(m.ok());
    return *m;
  }();
  static core::Server secure([] {
    core::ServerConfig c = core::server_config(kPrimary, kSecondary);
    c.keys = {{"alice", {'s', 'e', 'c', 'r', 'e', 't'}, false}, {"alice", {'o', 'l', 'd'}, true}};
    c.mac = &mac;
    c.require_authentication = true;
    return c;
  }());
  core::Server& server = (data[1] & 0x80) ? secure : plain;
  const auto on = (data[0] & 1) ? core::ServerSocket::Secondary : core::ServerSocket::Primary;
  const proto::ByteView payload(data + 2, size - 2);
  const proto::Endpoint from = pick_source(data[0], data[1], payload);

  std::uint8_t out[core::kServerOutputSize];
  // A second per input: the token buckets refill, so the limits do not hide the later checks.
  static core::TimePoint now{};
  now += std::chrono::seconds(1);
  auto r = server.on_datagram(on, from, payload, out, now);
  const proto::ByteView outv(out, sizeof out);
  FUZZ_CHECK(server.counters().received == server.drops().total() + server.counters().forwarded_teredo +
                                               server.counters().forwarded_native +
                                               server.counters().router_advertisements);
  if (!r) {
    FUZZ_CHECK(proto::to_string(r.drop()) != "unknown");
    return 0;
  }
  if (auto* s = std::get_if<core::ServerSendUdp>(&*r)) {
    FUZZ_CHECK(fuzz::within(s->header, outv));
    FUZZ_CHECK(fuzz::within(s->body, payload));
    FUZZ_CHECK(proto::is_global_unicast(s->to.addr));
    if (s->body.empty()) {
      // A Router Advertisement built into `out`: it must parse back as one.
      auto pkt = proto::parse_teredo_packet(s->header);
      FUZZ_CHECK(pkt.ok() && pkt->auth && pkt->origin && *pkt->origin == from && s->to == from);
      auto ip = proto::parse_ipv6(pkt->ipv6);
      FUZZ_CHECK(ip.ok());
      auto ra = proto::parse_router_advertisement(*ip);
      FUZZ_CHECK(ra.ok() && ra->prefix_count == 1 && ra->mtu && *ra->mtu == 1280);
      FUZZ_CHECK(proto::load_be32(ra->prefix->prefix.bytes.data() + 4) == kPrimary.value);
      if (&server == &secure) {
        bool right = false;
        for (const core::ClientKey& k : server.config().keys)
          right = right || core::authentic(mac, k.secret, *pkt->auth, pkt->origin, pkt->ipv6);
        FUZZ_CHECK(right && core::client_id_of(*pkt->auth) == "alice");
      }
    } else {
      // The forwarded packet, and for a bubble its RFC 6081 trailers, which must be well formed.
      auto ip = proto::parse_ipv6(s->body);
      FUZZ_CHECK(ip.ok() && ip->payload.size() + proto::kIpv6HeaderSize <= s->body.size());
      FUZZ_CHECK(proto::has_prefix(ip->header.dst, proto::kTeredoPrefix));
      const proto::ByteView rest = s->body.subspan(ip->payload.size() + proto::kIpv6HeaderSize);
      if (!rest.empty()) FUZZ_CHECK(proto::is_bubble(*ip) && proto::parse_trailers(rest).ok());
    }
  } else {
    const auto& n = std::get<core::SendIpv6>(*r);
    FUZZ_CHECK(fuzz::within(n.packet, payload));
    auto ip = proto::parse_ipv6(n.packet);
    FUZZ_CHECK(ip.ok() && proto::is_global_scope(ip->header.dst));
    FUZZ_CHECK(!proto::has_prefix(ip->header.dst, proto::kTeredoPrefix));
  }
  return 0;
}
