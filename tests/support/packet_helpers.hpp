// SPDX-License-Identifier: GPL-2.0-or-later
// Shared helpers for tests and fuzz tools: hex <-> bytes, textual IPv4/IPv6 addresses, and
// ready-made Teredo datagrams (the protocol sheet's vectors). Header-only; depends only on
// teredo_proto and the standard library (no OS headers), so core tests and fuzz tools can use it.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "proto/bytes.hpp"
#include "proto/checksum.hpp"
#include "proto/echo.hpp"
#include "proto/encapsulation.hpp"
#include "proto/ipv4.hpp"
#include "proto/ipv6.hpp"
#include "proto/ipv6_address.hpp"
#include "proto/router_discovery.hpp"
#include "proto/teredo_address.hpp"

namespace teredo::test {

using Bytes = std::vector<std::uint8_t>;

[[noreturn]] inline void helper_abort(const char* what, std::string_view text) {
  std::fprintf(stderr, "test helper: %s: '%.*s'\n", what, static_cast<int>(text.size()), text.data());
  std::abort();
}

inline int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// "6000 0000:0008-3aff" -> bytes. Spaces, ':', '-' and '_' are ignored; aborts on anything else
/// or an odd digit count (a broken test vector is a bug in the test).
inline Bytes from_hex(std::string_view text) {
  Bytes out;
  int hi = -1;
  for (char c : text) {
    if (c == ' ' || c == ':' || c == '-' || c == '_' || c == '\n' || c == '\t') continue;
    const int d = hex_digit(c);
    if (d < 0) helper_abort("bad hex digit", text);
    if (hi < 0) {
      hi = d;
    } else {
      out.push_back(static_cast<std::uint8_t>((hi << 4) | d));
      hi = -1;
    }
  }
  if (hi >= 0) helper_abort("odd number of hex digits", text);
  return out;
}

/// Lowercase hex without separators.
inline std::string to_hex(proto::ByteView bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  s.reserve(bytes.size() * 2);
  for (std::uint8_t b : bytes) {
    s.push_back(kDigits[b >> 4]);
    s.push_back(kDigits[b & 0xF]);
  }
  return s;
}

/// "192.0.2.45" -> Ipv4Addr (host order). Aborts on malformed text.
inline proto::Ipv4Addr ipv4(std::string_view text) {
  std::uint32_t v = 0;
  int parts = 0;
  std::size_t i = 0;
  while (parts < 4) {
    unsigned octet = 0;
    std::size_t digits = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      octet = octet * 10 + static_cast<unsigned>(text[i] - '0');
      ++i;
      ++digits;
    }
    if (digits == 0 || digits > 3 || octet > 255) helper_abort("bad IPv4 address", text);
    v = (v << 8) | octet;
    ++parts;
    if (parts < 4) {
      if (i >= text.size() || text[i] != '.') helper_abort("bad IPv4 address", text);
      ++i;
    }
  }
  if (i != text.size()) helper_abort("bad IPv4 address", text);
  return proto::Ipv4Addr{v};
}

inline proto::Endpoint endpoint(std::string_view addr, std::uint16_t port) {
  return {ipv4(addr), port};
}

/// "2001:0:4136:e378:8000:63bf:3fff:fdd2" or with "::" -> Ipv6Addr. No embedded IPv4 form.
inline proto::Ipv6Addr ipv6(std::string_view text) {
  std::vector<std::uint16_t> head, tail;
  bool compressed = false;
  std::size_t i = 0;
  if (text.substr(0, 2) == "::") {
    compressed = true;
    i = 2;
  }
  while (i < text.size()) {
    std::uint32_t group = 0;
    std::size_t digits = 0;
    while (i < text.size() && hex_digit(text[i]) >= 0) {
      group = (group << 4) | static_cast<std::uint32_t>(hex_digit(text[i]));
      ++i;
      ++digits;
    }
    if (digits == 0 || digits > 4) helper_abort("bad IPv6 address", text);
    (compressed ? tail : head).push_back(static_cast<std::uint16_t>(group));
    if (i == text.size()) break;
    if (text[i] != ':') helper_abort("bad IPv6 address", text);
    ++i;
    if (i < text.size() && text[i] == ':') {
      if (compressed) helper_abort("two '::' in IPv6 address", text);
      compressed = true;
      ++i;
    } else if (i == text.size()) {
      helper_abort("trailing ':' in IPv6 address", text);
    }
  }
  const std::size_t groups = head.size() + tail.size();
  if (groups > 8 || (!compressed && groups != 8) || (compressed && groups == 8))
    helper_abort("bad IPv6 group count", text);
  std::vector<std::uint16_t> all = head;
  all.resize(8 - tail.size(), 0);
  all.insert(all.end(), tail.begin(), tail.end());
  proto::Ipv6Addr a;
  for (std::size_t g = 0; g < 8; ++g) proto::store_be16(a.bytes.data() + 2 * g, all[g]);
  return a;
}

inline Bytes concat(std::initializer_list<proto::ByteView> parts) {
  Bytes out;
  for (proto::ByteView p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

/// Runs `build` on a Writer over a generous buffer and returns what it wrote; aborts on overflow.
template <class F>
Bytes build(F&& build_fn, std::size_t capacity = 2048) {
  Bytes buf(capacity);
  proto::Writer w(buf);
  build_fn(w);
  if (!w.ok()) helper_abort("builder overflowed", "");
  buf.resize(w.size());
  return buf;
}

/// Recomputes the upper-layer checksum (bytes 2..3 of the payload, e.g. ICMPv6) of the IPv6 packet
/// in `pkt` after a test has edited it. Uses the header's next header and payload length.
inline void refresh_icmpv6_checksum(Bytes& pkt) {
  if (pkt.size() < proto::kIpv6HeaderSize + 4) helper_abort("packet too short for a checksum", "");
  proto::Ipv6Addr src, dst;
  std::copy_n(pkt.begin() + 8, 16, src.bytes.begin());
  std::copy_n(pkt.begin() + 24, 16, dst.bytes.begin());
  const std::size_t len =
      std::min<std::size_t>(proto::load_be16(pkt.data() + 4), pkt.size() - proto::kIpv6HeaderSize);
  std::uint8_t* msg = pkt.data() + proto::kIpv6HeaderSize;
  msg[2] = 0;
  msg[3] = 0;
  proto::store_be16(msg + 2, proto::ipv6_upper_checksum(src, dst, pkt[6], proto::ByteView(msg, len)));
}

/// Sets the IPv6 payload length field (bytes 4..5) to the number of bytes after the header.
inline void fix_payload_length(Bytes& pkt) {
  proto::store_be16(pkt.data() + 4, static_cast<std::uint16_t>(pkt.size() - proto::kIpv6HeaderSize));
}

// ---- The protocol sheet's vectors (teredo-protocol.md 1.3, 2.2, 2.4, 2.5, 2.7) ----

/// Sheet 2.5: RS from 192.168.1.10:40000, C=0, nonce 0123456789abcdef; 61-byte UDP payload.
inline constexpr std::string_view kRsVectorHex =
    "000100000123456789abcdef00"
    "6000000000083aff"
    "fe80000000000000000063bf3f57fef5"
    "ff020000000000000000000000000002"
    "8500db2a00000000";
inline constexpr proto::Nonce kRsVectorNonce = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};

/// Sheet 2.4: bubble from our example address to the RFC 6081 client A.
inline constexpr std::string_view kBubbleVectorHex =
    "6000000000003bff"
    "200100004136e378800063bf3ffffdd2"
    "20010000cb0071780000efff3ffffdfe";

/// Sheet 2.7: ICMPv6 part of the echo vector (src 2001:0:4136:e378:8000:63bf:3fff:fdd2, dst 2001:db8::1).
inline constexpr std::string_view kEchoVectorIcmpHex = "80003b5e123400010123456789abcdef";

/// The client link-local of the RS vector.
inline proto::Ipv6Addr rs_vector_source() {
  return proto::build_teredo_link_local(0x0000, proto::Endpoint{proto::make_ipv4(192, 168, 1, 10), 40000});
}

/// The RS vector built with the library: auth header (nonce-only) + RS packet.
inline Bytes build_rs_datagram(const proto::Nonce& nonce, const proto::Ipv6Addr& src) {
  return build([&](proto::Writer& w) {
    proto::build_auth_header(w, nonce, 0);
    proto::build_router_solicitation(w, src);
  });
}

/// A typical server RA datagram: auth (nonce) + origin + RA with PIO 2001:0:<server>::/64 and MTU.
inline Bytes build_ra_datagram(const proto::Nonce& nonce, proto::Endpoint origin, proto::Ipv4Addr server,
                               const proto::Ipv6Addr& dst, std::uint32_t mtu = 1280) {
  proto::RouterAdvertisement ra;
  ra.retrans_timer = 2000;
  proto::PrefixInformation pio;
  proto::store_be32(pio.prefix.bytes.data(), proto::kTeredoPrefix);
  proto::store_be32(pio.prefix.bytes.data() + 4, server.value);
  ra.prefix = pio;
  ra.mtu = mtu;
  return build([&](proto::Writer& w) {
    proto::build_auth_header(w, nonce, 0);
    proto::build_origin_indication(w, origin);
    proto::build_router_advertisement(w, proto::build_server_link_local(server), dst, ra);
  });
}

/// The echo vector packet (IPv6 header with hop limit 64 + ICMPv6 echo request).
inline Bytes build_echo_vector_packet(std::uint8_t type = proto::kIcmpv6EchoRequest) {
  static constexpr std::uint8_t kData[] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
  proto::Echo e;
  e.type = type;
  e.identifier = 0x1234;
  e.sequence = 1;
  e.data = kData;
  return build([&](proto::Writer& w) {
    proto::build_echo(w, ipv6("2001:0:4136:e378:8000:63bf:3fff:fdd2"), ipv6("2001:db8::1"), 64, e);
  });
}

}  // namespace teredo::test
