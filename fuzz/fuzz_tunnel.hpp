// SPDX-License-Identifier: GPL-2.0-or-later
// Shared bits of the stateful relay and client harnesses: the record reader that turns an input
// into events (TUN packet, UDP datagram, tick), the source endpoints a datagram may come from,
// and the checks every action of a tunnel core must pass.
//
// Record format (one per event, until the input runs out): an opcode byte, then
//  - op % 8 == 0, 1 (TUN packet): 16-bit length (& 0x0FFF), bytes;
//  - op % 8 == 2, 3 (UDP datagram): source selector byte, 16-bit length (& 0x0FFF), bytes;
//  - op % 8 == 4 (tick): one byte N; the clock advances N * {1 ms, 100 ms, 1 s, 30 s}[op >> 6];
//  - op % 8 == 5 (tick at the core's next deadline, at most 10 minutes away);
//  - op % 8 == 6, 7: harness-specific (the relay treats them as a tick of N ms).
// Packet opcode bits: 0x10 repair the IPv6 payload length, 0x20 repair the L4 checksum (both in
// the IPv6 packet inside a datagram's Teredo headers).
// Source selector: bits 0..1: 0 = table entry (address bits 2..5, port bits 6..7), 1 = the
// mapping of the packet's Teredo source, 2 = the server of the packet's Teredo source on port
// 3544, 3 = the server table entry (bits 2..3) on port 3544.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <set>
#include <span>
#include <variant>
#include <vector>

#include "core/tunnel_actions.hpp"
#include "fuzz_common.hpp"
#include "proto/encapsulation.hpp"
#include "proto/ipv4.hpp"
#include "proto/teredo_address.hpp"

namespace teredo::fuzz {

inline constexpr proto::Ipv4Addr kServer = proto::make_ipv4(198, 51, 100, 10);
inline constexpr proto::Ipv4Addr kServer2 = proto::make_ipv4(198, 51, 100, 11);

inline constexpr proto::Ipv4Addr kSourceAddrs[16] = {
    proto::make_ipv4(192, 0, 2, 45),
    proto::make_ipv4(203, 0, 113, 7),
    proto::make_ipv4(8, 8, 8, 8),
    proto::make_ipv4(10, 1, 2, 3),
    proto::make_ipv4(192, 168, 1, 10),
    proto::make_ipv4(100, 64, 0, 1),
    kServer,
    kServer2,
    proto::make_ipv4(127, 0, 0, 1),
    proto::make_ipv4(224, 0, 0, 253),
    proto::make_ipv4(198, 51, 100, 20),
    proto::make_ipv4(0, 0, 0, 0),
    proto::make_ipv4(192, 0, 2, 46),
    proto::make_ipv4(255, 255, 255, 255),
    proto::make_ipv4(65, 54, 227, 120),
    proto::make_ipv4(203, 0, 113, 8),
};
inline constexpr std::uint16_t kSourcePorts[4] = {40000, 3544, 1, 65535};

/// Picks the UDP source of a datagram (see the header comment).
inline proto::Endpoint pick_source(std::uint8_t sel, proto::ByteView payload) {
  proto::Endpoint table{kSourceAddrs[(sel >> 2) & 15], kSourcePorts[(sel >> 6) & 3]};
  const unsigned mode = sel & 3;
  if (mode == 0) return table;
  if (mode == 3) return {(sel & 4) ? kServer2 : kServer, proto::kTeredoPort};
  auto p = proto::parse_teredo_packet(payload);
  if (!p) return table;
  proto::Ipv6Addr src;
  std::memcpy(src.bytes.data(), p->ipv6.data() + 8, 16);
  const proto::TeredoAddress t = proto::parse_teredo_address(src);
  if (mode == 1) return t.mapped;
  return {t.server, proto::kTeredoPort};
}

/// Copies a packet record's bytes and repairs them as the opcode asks; `teredo`: the bytes are
/// a UDP payload whose IPv6 packet follows Teredo headers.
inline std::vector<std::uint8_t> packet_record(std::uint8_t op, proto::ByteView bytes, bool teredo) {
  std::vector<std::uint8_t> p(bytes.begin(), bytes.end());
  const std::size_t off = teredo ? teredo_ipv6_offset(p.data(), p.size()) : 0;
  fix_ipv6(p.data() + off, p.size() - off, (op & 0x10) != 0, (op & 0x20) != 0);
  return p;
}

inline std::chrono::milliseconds tick_step(std::uint8_t op, std::uint8_t n) {
  static constexpr std::int64_t kScale[4] = {1, 100, 1000, 30000};
  return std::chrono::milliseconds(std::int64_t{n} * kScale[op >> 6]);
}

/// What the last RS sent to a server looked like (for the client harness's synthetic RA).
struct SentRs {
  bool valid = false;
  proto::Endpoint to;
  proto::Nonce nonce{};
};

/// The random ports a client asked for (RFC 6081 3.3/3.4) and has not closed.
using OpenPorts = std::set<std::uint16_t>;

/// Checks every action: a SendUdp carries a non-empty Teredo payload that parses, a WriteTun
/// is exactly one IPv6 packet, an ICMPv6 error has a header and fits the minimum MTU. With
/// `ports`: a port is opened once, in the dynamic range, sent from and closed only while open.
inline void check_actions(std::span<const core::TunnelAction> actions, SentRs* rs = nullptr,
                          OpenPorts* ports = nullptr) {
  std::vector<std::uint8_t> udp;
  for (const core::TunnelAction& a : actions) {
    if (const auto* s = std::get_if<core::SendUdp>(&a)) {
      FUZZ_CHECK(s->header.size() + s->body.size() > 0);
      FUZZ_CHECK(s->to.port != 0 || skip_known());  // known finding 2
      FUZZ_CHECK(s->from_port == 0 || ports == nullptr || ports->contains(s->from_port));
      udp.assign(s->header.begin(), s->header.end());
      udp.insert(udp.end(), s->body.begin(), s->body.end());
      auto p = proto::parse_teredo_packet(udp);
      FUZZ_CHECK(p.ok());
      auto ip = proto::parse_ipv6(p->ipv6);
      FUZZ_CHECK(ip.ok());
      if (rs != nullptr && p->auth && ip->header.next_header == proto::kNextHeaderIcmpv6 &&
          !ip->payload.empty() && ip->payload[0] == 133 && s->to.port == proto::kTeredoPort) {
        rs->valid = true;
        rs->to = s->to;
        rs->nonce = p->auth->nonce;
      }
    } else if (const auto* t = std::get_if<core::WriteTun>(&a)) {
      auto ip = proto::parse_ipv6(t->packet);
      FUZZ_CHECK(ip.ok());
      FUZZ_CHECK(ip->payload.size() + proto::kIpv6HeaderSize == t->packet.size());
    } else if (const auto* e = std::get_if<core::SendIcmpv6>(&a)) {
      FUZZ_CHECK(e->message.size() >= 8 && e->message.size() <= 1280 - proto::kIpv6HeaderSize);
      FUZZ_CHECK(e->message[0] < 128);  // an error message, never an informational one
    } else if (const auto* o = std::get_if<core::OpenPort>(&a)) {
      FUZZ_CHECK(o->port >= 49152);
      if (ports != nullptr) FUZZ_CHECK(ports->insert(o->port).second);
    } else if (const auto* c = std::get_if<core::ClosePort>(&a)) {
      if (ports != nullptr) FUZZ_CHECK(ports->erase(c->port) == 1);
    } else {
      const auto& ch = std::get<core::StateChange>(a);
      FUZZ_CHECK(ch.state != core::ClientState::Probing);
      FUZZ_CHECK((ch.state == core::ClientState::Qualified) == ch.qualification.has_value());
      FUZZ_CHECK(!ch.nat_only || ch.state == core::ClientState::Qualified);
      FUZZ_CHECK(ch.nat.known || !ch.nat.symmetric);
    }
  }
}

}  // namespace teredo::fuzz
