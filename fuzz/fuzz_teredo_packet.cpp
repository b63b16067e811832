// SPDX-License-Identifier: GPL-2.0-or-later
// Fuzzes parse_teredo_packet (RFC 4380 5.1.1 framing) and everything a receiver runs after it.
// Round trip: the auth header and origin indication are rebuilt and compared with the input
// prefix; the views must tile the datagram exactly (headers | ipv6 | trailers). The worker
// steering key (proto/steering.hpp) is read on every input and, for a valid packet, must be its
// inner source (the same bytes the kernel's steering program reads).
#include <cstddef>
#include <cstdint>

#include "fuzz_common.hpp"
#include "proto/echo.hpp"
#include "proto/encapsulation.hpp"
#include "proto/router_discovery.hpp"
#include "proto/steering.hpp"

using namespace teredo;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const proto::ByteView in(data, size);
  auto r = proto::parse_teredo_packet(in);
  const auto key = proto::udp_steering_key(in);
  if (key) FUZZ_CHECK(proto::shard_of(*key, 3, proto::SteeringKey{{1, 2, 3, 4}}) < 3);
  if (!r) {
    FUZZ_CHECK(proto::to_string(r.drop()) != "unknown");
    return 0;
  }
  const proto::TeredoPacket& p = *r;
  FUZZ_CHECK(p.ipv6.size() >= proto::kIpv6HeaderSize);
  FUZZ_CHECK(fuzz::within(p.ipv6, in));
  FUZZ_CHECK(p.ipv6.data() + p.ipv6.size() + p.trailers.size() == in.data() + in.size());
  FUZZ_CHECK(p.trailers.empty() || p.trailers.data() == p.ipv6.data() + p.ipv6.size());
  FUZZ_CHECK(p.ipv6.size() == proto::kIpv6HeaderSize + proto::load_be16(p.ipv6.data() + 4));

  // Rebuild the encapsulation headers and compare them with what precedes the IPv6 packet.
  const auto header_len = static_cast<std::size_t>(p.ipv6.data() - in.data());
  std::uint8_t buf[600];
  proto::Writer w(buf);
  if (p.auth) {
    FUZZ_CHECK(fuzz::within(p.auth->client_id, in) && fuzz::within(p.auth->auth_value, in));
    w.put8(0x00);
    w.put8(0x01);
    w.put8(static_cast<std::uint8_t>(p.auth->client_id.size()));
    w.put8(static_cast<std::uint8_t>(p.auth->auth_value.size()));
    w.put(p.auth->client_id);
    w.put(p.auth->auth_value);
    w.put(p.auth->nonce);
    w.put8(p.auth->confirmation);
    if (p.auth->client_id.empty() && p.auth->auth_value.empty()) {
      std::uint8_t b2[proto::kAuthHeaderMinSize];
      proto::Writer w2(b2);
      proto::build_auth_header(w2, p.auth->nonce, p.auth->confirmation);
      FUZZ_CHECK(w2.ok() && fuzz::same_bytes(w2.written(), w.written()));
    }
  }
  if (p.origin) proto::build_origin_indication(w, *p.origin);
  FUZZ_CHECK(w.ok());
  FUZZ_CHECK(fuzz::same_bytes(w.written(), in.first(header_len)));

  // The IPv6 view must parse, with a payload exactly filling it; then run the ICMPv6 parsers.
  auto ip = proto::parse_ipv6(p.ipv6);
  FUZZ_CHECK(ip.ok());
  FUZZ_CHECK(key.has_value() && *key == ip->header.src);
  FUZZ_CHECK(ip->payload.size() + proto::kIpv6HeaderSize == p.ipv6.size());
  (void)proto::is_bubble(*ip);
  if (auto rs = proto::parse_router_solicitation(*ip)) (void)rs->option_count;
  if (auto ra = proto::parse_router_advertisement(*ip))
    FUZZ_CHECK(ra->prefix.has_value() == (ra->prefix_count > 0));
  if (auto e = proto::parse_echo(*ip)) FUZZ_CHECK(fuzz::within(e->data, p.ipv6));
  return 0;
}
