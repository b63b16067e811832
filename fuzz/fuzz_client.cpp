// SPDX-License-Identifier: GPL-2.0-or-later
// Fuzzes core::Client as a state machine, with a deterministic RandomSource. Input: a seed byte
// for the random source, then event records as described in fuzz_tunnel.hpp, plus:
//  - op % 8 == 6: the local network changed (on_network_change);
//  - op % 8 == 7: a synthetic Router Advertisement answering the last RS the client sent
//    (auth header with its nonce, origin indication, RA from the server's link-local to
//    rs_source() with PIO 2001:0:<server>::/64), from the RS's destination. Control byte: bits
//    0..3 origin (source table entry), bit 4 MTU 1400 instead of none, bit 5 name the other
//    server in the prefix, bit 6 break the nonce, bit 7 omit the origin indication.
// UDP opcode 2 with bit 0x80 delivers the datagram on the lowest random port open (RFC 6081 3.3);
// opcode 6 with bit 0x80 reports the highest one as unavailable (on_port_unavailable).
// UDP opcode 3 with bit 0x80 delivers the datagram as one from the local discovery group
// (on_discovery_datagram); the client's local address is 192.0.2.45:40000 on a /24, so the
// sources 192.0.2.45 (ours) and 192.0.2.46 (on the link) get past the subnet check.
// TUN opcode bit 0x40 rewrites the packet's source to the client's Teredo address (when it has
// one) before the repairs, so packets get past the source check.
// Invariants: as for the relay (peers <= max_peers, queue <= total, SendUdp non-empty and
// parsing, WriteTun exactly one IPv6 packet), plus: Qualified implies a qualification whose
// address decodes to its fields, and the state last reported through a StateChange action is
// Qualified exactly when state() is.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "core/client.hpp"
#include "fuzz_tunnel.hpp"
#include "proto/router_discovery.hpp"

using namespace teredo;

namespace {

constexpr std::size_t kMaxPeers = 64;
constexpr std::size_t kQueueTotal = 48;

std::vector<std::uint8_t> synthetic_ra(std::uint8_t control, const fuzz::SentRs& rs) {
  proto::RouterAdvertisement ra;
  ra.retrans_timer = 2000;
  proto::PrefixInformation pio;
  proto::store_be32(pio.prefix.bytes.data(), proto::kTeredoPrefix);
  const proto::Ipv4Addr named =
      (control & 0x20) ? (rs.to.addr == fuzz::kServer ? fuzz::kServer2 : fuzz::kServer) : rs.to.addr;
  proto::store_be32(pio.prefix.bytes.data() + 4, named.value);
  ra.prefix = pio;
  if (control & 0x10) ra.mtu = 1400;
  proto::Nonce nonce = rs.nonce;
  if (control & 0x40) nonce[7] ^= 0x01;
  const proto::Endpoint origin{fuzz::kSourceAddrs[control & 15], 40000};
  std::vector<std::uint8_t> buf(256);
  proto::Writer w(buf);
  proto::build_auth_header(w, nonce, 0);
  if (!(control & 0x80)) proto::build_origin_indication(w, origin);
  proto::build_router_advertisement(w, proto::build_server_link_local(rs.to.addr), core::Client::rs_source(),
                                    ra);
  FUZZ_CHECK(w.ok());
  buf.resize(w.size());
  return buf;
}

struct Checker {
  bool reported_up = false;
  fuzz::SentRs rs;
  fuzz::OpenPorts ports;

  void check(const core::Client& c) {
    FUZZ_CHECK(c.peers().size() <= kMaxPeers);
    FUZZ_CHECK(c.queue().packets_queued() <= kQueueTotal);
    FUZZ_CHECK(c.local_peers().size() <= c.local_peers().capacity());
    fuzz::check_actions(c.actions(), &rs, &ports);
    FUZZ_CHECK(c.random_ports().open_ports() == ports.size());
    const core::StateChange* last = nullptr;
    for (const core::TunnelAction& a : c.actions()) {
      if (const auto* ch = std::get_if<core::StateChange>(&a)) {
        reported_up = ch->state == core::ClientState::Qualified;
        last = ch;
      }
    }
    FUZZ_CHECK(reported_up == (c.state() == core::ClientState::Qualified));
    if (c.state() == core::ClientState::Qualified) {
      FUZZ_CHECK(c.qualification().has_value());
      const core::Qualification& q = *c.qualification();
      const proto::TeredoAddress t = proto::parse_teredo_address(q.address);
      FUZZ_CHECK(t.prefix == q.prefix && t.server == q.server && t.flags == q.flags && t.mapped == q.mapped);
      FUZZ_CHECK(q.server == fuzz::kServer || q.server == fuzz::kServer2);
      FUZZ_CHECK(q.mtu >= 1280 && q.mtu <= 65535);
      FUZZ_CHECK((q.flags & ~proto::kFlagRandomMask) == 0);
      if (last != nullptr) FUZZ_CHECK(last->qualification->address == q.address);
    }
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::InputReader in(data, size);
  core::SeededRandom random(in.u8());
  core::ClientConfig config;
  config.server = fuzz::kServer;
  config.server2 = fuzz::kServer2;
  config.max_peers = kMaxPeers;
  config.queue_packets_per_peer = 4;
  config.queue_packets_total = kQueueTotal;
  config.icmp_errors_per_second = 10;
  config.local = {fuzz::kSourceAddrs[0], 40000};
  config.local_prefix_length = 24;
  config.max_local_peers = 4;
  for (std::size_t i = 0; i < config.secret.size(); ++i)
    config.secret[i] = static_cast<std::uint8_t>(i * 5 + 3);
  core::TimePoint now{std::chrono::hours(1)};
  core::Client client(config, random, now);
  Checker checker;
  checker.check(client);
  FUZZ_CHECK(checker.rs.valid);  // the first RS goes out at construction
  client.clear_actions();

  while (!in.empty()) {
    const std::uint8_t op = in.u8();
    std::vector<std::uint8_t> pkt;  // must outlive the actions that view it
    switch (op & 7) {
      case 0:
      case 1: {
        const proto::ByteView bytes = in.take(in.u16() & 0x0FFF);
        pkt.assign(bytes.begin(), bytes.end());
        if ((op & 0x40) && client.qualification() && pkt.size() >= proto::kIpv6HeaderSize)
          std::memcpy(pkt.data() + 8, client.qualification()->address.bytes.data(), 16);
        pkt = fuzz::packet_record(op, pkt, false);
        client.prefetch_tun_packet(pkt);
        client.on_tun_packet(now, pkt);
        break;
      }
      case 2:
      case 3: {
        const std::uint8_t sel = in.u8();
        pkt = fuzz::packet_record(op, in.take(in.u16() & 0x0FFF), true);
        if ((op & 7) == 3 && (op & 0x80))
          client.on_discovery_datagram(now, fuzz::pick_source(sel, pkt), pkt);
        else if ((op & 7) == 2 && (op & 0x80) && !checker.ports.empty())
          client.on_udp_datagram(now, fuzz::pick_source(sel, pkt), pkt, *checker.ports.begin());
        else
          client.on_udp_datagram(now, fuzz::pick_source(sel, pkt), pkt);
        break;
      }
      case 4:
        now += fuzz::tick_step(op, in.u8());
        client.on_tick(now);
        FUZZ_CHECK(client.next_deadline() > now || fuzz::skip_known());  // known finding 3
        break;
      case 5: {
        const core::TimePoint d = client.next_deadline();
        if (d > now) now = std::min(d, now + std::chrono::minutes(10));
        client.on_tick(now);
        FUZZ_CHECK(client.next_deadline() > now || fuzz::skip_known());  // known finding 3
        break;
      }
      case 6:
        if ((op & 0x80) && !checker.ports.empty()) {
          // The driver could not open it: the client forgets it without a ClosePort.
          const std::uint16_t port = *checker.ports.rbegin();
          checker.ports.erase(port);
          client.on_port_unavailable(now, port);
        } else {
          client.on_network_change(now);
        }
        break;
      default: {
        const std::uint8_t control = in.u8();
        if (!checker.rs.valid) break;
        pkt = synthetic_ra(control, checker.rs);
        client.on_udp_datagram(now, checker.rs.to, pkt);
        break;
      }
    }
    checker.check(client);
    client.clear_actions();
  }
  return 0;
}
