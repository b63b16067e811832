// SPDX-License-Identifier: GPL-2.0-or-later
// Fuzzes core::Relay as a state machine. Input: a config byte (bit 0: restricted mode), then
// event records as described in fuzz_tunnel.hpp (TUN packet, UDP datagram, tick, tick at the
// next deadline). UDP opcode bit 0x40 rewrites the IPv6 destination to the relay's bubble
// source for that Teredo source (the answer to one of our bubbles), and with bit 0x80 also appends
// a Nonce trailer echoing the relay's current nonce for it (RFC 6081); opcodes 6 and 7 are ticks
// of N ms. After every event the actions are checked and cleared.
// Invariants: peers().size() <= max_peers (64), queue().packets_queued() <= the queue total,
// every SendUdp is a non-empty Teredo payload, every WriteTun is exactly one IPv6 packet, every
// ICMPv6 error fits the minimum MTU; next_deadline() is never in the past after a tick.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "core/relay.hpp"
#include "fuzz_tunnel.hpp"
#include "proto/trailers.hpp"

using namespace teredo;

namespace {

constexpr std::size_t kMaxPeers = 64;
constexpr std::size_t kQueueTotal = 48;

void check_state(const core::Relay& relay) {
  FUZZ_CHECK(relay.peers().size() <= kMaxPeers);
  FUZZ_CHECK(relay.queue().packets_queued() <= kQueueTotal);
  fuzz::check_actions(relay.actions());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::InputReader in(data, size);
  core::RelayConfig config;
  config.mode = (in.u8() & 1) ? core::RelayMode::Restricted : core::RelayMode::Cone;
  config.max_peers = kMaxPeers;
  config.queue_packets_per_peer = 4;
  config.queue_packets_total = kQueueTotal;
  config.icmp_errors_per_second = 10;
  for (std::size_t i = 0; i < config.secret.size(); ++i)
    config.secret[i] = static_cast<std::uint8_t>(i * 7 + 1);
  core::TimePoint now{std::chrono::hours(1)};
  core::Relay relay(config, now);
  check_state(relay);
  relay.clear_actions();

  while (!in.empty()) {
    const std::uint8_t op = in.u8();
    std::vector<std::uint8_t> pkt;  // must outlive the actions that view it
    switch (op & 7) {
      case 0:
      case 1:
        pkt = fuzz::packet_record(op, in.take(in.u16() & 0x0FFF), false);
        relay.prefetch_tun_packet(pkt);
        relay.on_tun_packet(now, pkt);
        break;
      case 2:
      case 3: {
        const std::uint8_t sel = in.u8();
        pkt = fuzz::packet_record(op, in.take(in.u16() & 0x0FFF), true);
        const std::size_t off = fuzz::teredo_ipv6_offset(pkt.data(), pkt.size());
        if ((op & 0x40) && pkt.size() >= off + proto::kIpv6HeaderSize) {
          proto::Ipv6Addr src;
          std::memcpy(src.bytes.data(), pkt.data() + off + 8, 16);
          const proto::Ipv6Addr dst = relay.bubble_source(src, relay.bubble_nonce(src));
          std::memcpy(pkt.data() + off + 24, dst.bytes.data(), 16);
          // Bit 0x80 as well: echo the current nonce in a trailer (an RFC 6081 answer).
          if ((op & 0x80) && relay.bubble_nonce(src) != 0) {
            std::uint8_t t[proto::kNonceTrailerSize];
            proto::Writer w(t);
            proto::build_nonce_trailer(w, relay.bubble_nonce(src));
            pkt.insert(pkt.end(), t, t + sizeof t);
          }
        }
        relay.on_udp_datagram(now, fuzz::pick_source(sel, pkt), pkt);
        break;
      }
      case 5: {
        const core::TimePoint d = relay.next_deadline();
        if (d > now) now = std::min(d, now + std::chrono::minutes(10));
        relay.on_tick(now);
        FUZZ_CHECK(relay.next_deadline() > now);
        break;
      }
      case 4:
        now += fuzz::tick_step(op, in.u8());
        relay.on_tick(now);
        FUZZ_CHECK(relay.next_deadline() > now);
        break;
      default:
        now += std::chrono::milliseconds(in.u8());
        relay.on_tick(now);
        break;
    }
    check_state(relay);
    relay.clear_actions();
  }
  return 0;
}
