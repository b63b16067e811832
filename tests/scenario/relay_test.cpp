// SPDX-License-Identifier: GPL-2.0-or-later
// Relay scenarios on a virtual clock (RFC 4380 5.4): queueing, bubbles through a real server
// core, clients behind simulated NATs, retries and giving up, ICMPv6 errors, floods.
#include <gtest/gtest.h>

#include <array>
#include <deque>
#include <optional>
#include <vector>

#include "core/relay.hpp"
#include "core/server.hpp"
#include "proto/echo.hpp"
#include "proto/encapsulation.hpp"
#include "proto/icmpv6_error.hpp"
#include "proto/teredo_address.hpp"
#include "sim_nat.hpp"

namespace teredo::test {
namespace {

using core::Relay;
using core::RelayConfig;
using core::TimePoint;
using proto::ByteView;
using proto::Drop;
using proto::Endpoint;
using proto::Ipv6Addr;
using proto::make_ipv4;
using namespace std::chrono_literals;

const proto::Ipv4Addr kServer = make_ipv4(198, 51, 100, 10);
const proto::Ipv4Addr kServer2 = make_ipv4(198, 51, 100, 11);
const Endpoint kRelayEp{make_ipv4(198, 51, 100, 20), 3545};

Ipv6Addr native(std::uint8_t last) {
  return Ipv6Addr{{0x20, 0x01, 0x0d, 0xb8, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, last}};
}

std::vector<std::uint8_t> echo(const Ipv6Addr& src, const Ipv6Addr& dst, std::uint16_t seq,
                               std::size_t len = 8) {
  std::vector<std::uint8_t> data(len, static_cast<std::uint8_t>(seq));
  std::vector<std::uint8_t> buf(len + 48);
  proto::Writer w(buf);
  proto::build_echo(w, src, dst, 64, {proto::kIcmpv6EchoRequest, 7, seq, data});
  buf.resize(w.size());
  return buf;
}

std::vector<std::uint8_t> bubble(const Ipv6Addr& src, const Ipv6Addr& dst) {
  std::vector<std::uint8_t> buf(40);
  proto::Writer w(buf);
  proto::build_bubble(w, src, dst, 255);
  return buf;
}

RelayConfig config(core::RelayMode mode = core::RelayMode::Cone, std::size_t max_peers = 1024) {
  RelayConfig c;
  c.mode = mode;
  c.max_peers = max_peers;
  c.secret = {9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2, 3, 4, 5, 6};
  return c;
}

// A relay, the actions it produced, and a virtual clock.
struct Harness {
  explicit Harness(RelayConfig c) : relay(c, t0) {}
  TimePoint t0{std::chrono::hours(1)};
  TimePoint now = t0;
  Relay relay;
  // Owned copies of the inputs, since actions may view them until clear_actions().
  std::vector<std::vector<std::uint8_t>> inputs;

  std::vector<core::TunnelAction> tun(std::vector<std::uint8_t> p) {
    inputs.push_back(std::move(p));
    relay.on_tun_packet(now, inputs.back());
    return take();
  }
  std::vector<core::TunnelAction> udp(Endpoint from, std::vector<std::uint8_t> p) {
    inputs.push_back(std::move(p));
    relay.on_udp_datagram(now, from, inputs.back());
    return take();
  }
  std::vector<core::TunnelAction> tick(core::Duration d) {
    now += d;
    relay.on_tick(now);
    return take();
  }
  // Copies actions out (with their bytes, valid until the next call) and clears the relay's.
  std::vector<core::TunnelAction> take() {
    std::vector<core::TunnelAction> out;
    store.clear();
    for (const auto& a : relay.actions()) {
      if (auto* s = std::get_if<core::SendUdp>(&a)) {
        store.emplace_back(s->header.begin(), s->header.end());
        store.back().insert(store.back().end(), s->body.begin(), s->body.end());
        out.push_back(core::SendUdp{s->to, store.back(), {}});
      } else if (auto* w = std::get_if<core::WriteTun>(&a)) {
        store.emplace_back(w->packet.begin(), w->packet.end());
        out.push_back(core::WriteTun{store.back()});
      } else if (auto* e = std::get_if<core::SendIcmpv6>(&a)) {
        store.emplace_back(e->message.begin(), e->message.end());
        out.push_back(core::SendIcmpv6{e->to, store.back()});
      }
    }
    relay.clear_actions();
    return out;
  }
  std::deque<std::vector<std::uint8_t>> store;
};

template <class T>
std::vector<T> only(const std::vector<core::TunnelAction>& acts) {
  std::vector<T> v;
  for (const auto& a : acts)
    if (auto* x = std::get_if<T>(&a)) v.push_back(*x);
  return v;
}

const Endpoint kClientMapped{make_ipv4(203, 0, 113, 5), 40000};
const Ipv6Addr kClient =
    proto::build_teredo_address({proto::kTeredoPrefix, kServer, 0x1234 & 0x3cff, kClientMapped});

TEST(RelayScenario, UnknownPeerGetsQueuedAndAnIndirectBubbleOnly) {
  Harness h(config());
  auto acts = h.tun(echo(native(1), kClient, 1));
  auto sends = only<core::SendUdp>(acts);
  ASSERT_EQ(sends.size(), 1u);  // cone relay: indirect bubble only
  EXPECT_EQ(sends[0].to, (Endpoint{kServer, proto::kTeredoPort}));
  auto ip = proto::parse_ipv6(sends[0].header);
  ASSERT_TRUE(ip.ok());
  EXPECT_TRUE(proto::is_bubble(*ip));
  EXPECT_EQ(ip->header.dst, kClient);
  EXPECT_EQ(ip->header.src, h.relay.bubble_source(kClient, h.relay.bubble_nonce(kClient)));
  EXPECT_TRUE(proto::is_link_local(ip->header.src));
  EXPECT_EQ(h.relay.queue().packets_queued(), 1u);
  EXPECT_EQ(h.relay.counters().bubbles_indirect_sent, 1u);
}

TEST(RelayScenario, RestrictedRelaySendsDirectAndIndirectBubbles) {
  Harness h(config(core::RelayMode::Restricted));
  auto sends = only<core::SendUdp>(h.tun(echo(native(1), kClient, 1)));
  ASSERT_EQ(sends.size(), 2u);
  EXPECT_EQ(sends[0].to, (Endpoint{kServer, proto::kTeredoPort}));
  EXPECT_EQ(sends[1].to, kClientMapped);
}

TEST(RelayScenario, DirectBubbleTrustsPeerAndFlushesQueueInArrivalOrder) {
  Harness h(config());
  for (std::uint16_t i = 1; i <= 3; ++i) h.tun(echo(native(1), kClient, i));
  auto acts =
      h.udp(kClientMapped, bubble(kClient, h.relay.bubble_source(kClient, h.relay.bubble_nonce(kClient))));
  auto sends = only<core::SendUdp>(acts);
  ASSERT_EQ(sends.size(), 3u);
  for (std::uint16_t i = 0; i < 3; ++i) {
    EXPECT_EQ(sends[i].to, kClientMapped);
    auto ip = proto::parse_ipv6(sends[i].header);
    auto e = proto::parse_echo(*ip);
    ASSERT_TRUE(e.ok());
    EXPECT_EQ(e->sequence, i + 1);  // FIFO, not Miredo's LIFO
  }
  EXPECT_TRUE(only<core::WriteTun>(acts).empty());  // the bubble is consumed
  // Now trusted: the next packet goes straight to the client.
  auto direct = only<core::SendUdp>(h.tun(echo(native(1), kClient, 4)));
  ASSERT_EQ(direct.size(), 1u);
  EXPECT_EQ(direct[0].to, kClientMapped);
  EXPECT_EQ(h.relay.counters().packets_flushed, 3u);
  const core::PeerEntry* peer = h.relay.peers().find(kClient);
  ASSERT_NE(peer, nullptr);
  EXPECT_EQ(peer->tx_packets, 4u);  // per-peer counters for teredoctl; bubbles are not data
  EXPECT_EQ(peer->tx_bytes, 4u * echo(native(1), kClient, 1).size());
  EXPECT_EQ(peer->rx_packets, 0u);
}

TEST(RelayScenario, AStaleTrustedPeerIsFlushedByItsAnswerFromTheKnownMapping) {
  Harness h(config());
  h.tun(echo(native(1), kClient, 1));
  h.udp(kClientMapped, bubble(kClient, h.relay.bubble_source(kClient, h.relay.bubble_nonce(kClient))));
  ASSERT_TRUE(h.relay.peers().find(kClient)->trusted());
  // One-way traffic for 30 s: the client sends nothing back, so the entry stops being valid.
  for (std::uint16_t i = 2; i <= 6; ++i) {
    h.tick(std::chrono::seconds(5));
    auto direct = only<core::SendUdp>(h.tun(echo(native(1), kClient, i)));
    ASSERT_EQ(direct.size(), 1u);
    EXPECT_EQ(direct[0].to, kClientMapped);
  }
  h.tick(std::chrono::seconds(10));
  auto waits = only<core::SendUdp>(h.tun(echo(native(1), kClient, 8)));
  ASSERT_EQ(waits.size(), 1u);
  EXPECT_EQ(waits[0].to, (Endpoint{kServer, proto::kTeredoPort}));  // a bubble: the packet waits
  EXPECT_EQ(h.relay.queue().packets_queued(), 1u);
  auto sends = only<core::SendUdp>(
      h.udp(kClientMapped, bubble(kClient, h.relay.bubble_source(kClient, h.relay.bubble_nonce(kClient)))));
  ASSERT_EQ(sends.size(), 1u);
  EXPECT_EQ(sends[0].to, kClientMapped);
  EXPECT_EQ(h.relay.queue().packets_queued(), 0u);
}

TEST(RelayScenario, DecapsulatesMatchingClientTrafficToTheTunnel) {
  Harness h(config());
  auto pkt = echo(kClient, native(1), 1);
  auto acts = h.udp(kClientMapped, pkt);
  auto writes = only<core::WriteTun>(acts);
  ASSERT_EQ(writes.size(), 1u);
  EXPECT_TRUE(std::equal(writes[0].packet.begin(), writes[0].packet.end(), pkt.begin(), pkt.end()));
  EXPECT_EQ(h.relay.counters().to_native_packets, 1u);
  EXPECT_EQ(h.relay.peers().find(kClient)->rx_packets, 1u);
  EXPECT_EQ(h.relay.peers().find(kClient)->rx_bytes, pkt.size());
}

TEST(RelayScenario, ServedPrefixesLimitTheNativeDestinations) {
  // RFC 4380 5.4.2: a relay SHOULD forward only into the range it serves (no open relaying).
  RelayConfig c = config();
  c.served[0] = {native(0), 48};  // 2001:db8:100::/48
  c.served_count = 1;
  Harness h(c);
  EXPECT_EQ(only<core::WriteTun>(h.udp(kClientMapped, echo(kClient, native(1), 1))).size(), 1u);
  Ipv6Addr elsewhere = native(1);
  elsewhere.bytes[5] = 0x99;  // 2001:db8:199::: outside the /48
  EXPECT_TRUE(only<core::WriteTun>(h.udp(kClientMapped, echo(kClient, elsewhere, 2))).empty());
  EXPECT_EQ(h.relay.drops()[Drop::OutsideServedPrefixes], 1u);
}

TEST(RelayScenario, MismatchedOuterSourceIsDropped) {
  Harness h(config());
  auto acts = h.udp({make_ipv4(203, 0, 113, 66), 40000}, echo(kClient, native(1), 1));
  EXPECT_TRUE(acts.empty());
  EXPECT_EQ(h.relay.drops()[Drop::SourceMappingMismatch], 1u);
  // A bubble with a mismatched source that does not answer one of ours is dropped too.
  h.udp({make_ipv4(203, 0, 113, 66), 1}, bubble(kClient, native(9)));
  EXPECT_EQ(h.relay.drops()[Drop::SourceMappingMismatch], 2u);
}

TEST(RelayScenario, SymmetricNatClientIsAdmittedByAnsweringOurBubble) {
  Harness h(config());
  h.tun(echo(native(1), kClient, 1));
  const Endpoint observed{make_ipv4(203, 0, 113, 5), 51111};  // another port: symmetric NAT
  // Data from that port before any bubble answer is refused...
  h.udp(observed, echo(kClient, native(1), 9));
  EXPECT_EQ(h.relay.drops()[Drop::SourceMappingMismatch], 1u);
  // ...but the answer to our bubble, addressed to the keyed source we used, is accepted.
  auto sends = only<core::SendUdp>(
      h.udp(observed, bubble(kClient, h.relay.bubble_source(kClient, h.relay.bubble_nonce(kClient)))));
  ASSERT_EQ(sends.size(), 1u);
  EXPECT_EQ(sends[0].to, observed);
  auto writes = only<core::WriteTun>(h.udp(observed, echo(kClient, native(1), 10)));
  EXPECT_EQ(writes.size(), 1u);
}

std::vector<std::uint8_t> with_nonce(std::vector<std::uint8_t> datagram, std::uint32_t nonce) {
  std::uint8_t t[proto::kNonceTrailerSize];
  proto::Writer w(t);
  proto::build_nonce_trailer(w, nonce);
  datagram.insert(datagram.end(), t, t + sizeof t);
  return datagram;
}

TEST(RelayScenario, IndirectBubblesCarryAFreshNonceEachTime) {
  Harness h(config());
  std::vector<std::uint32_t> nonces;
  for (int round = 0; round < 3; ++round) {
    auto sends = round == 0 ? only<core::SendUdp>(h.tun(echo(native(1), kClient, 1)))
                            : only<core::SendUdp>(h.tick(std::chrono::milliseconds(2001)));
    ASSERT_EQ(sends.size(), 1u) << round;
    auto pkt = proto::parse_teredo_packet(sends[0].header);
    ASSERT_TRUE(pkt.ok());
    auto t = proto::parse_trailers(pkt->trailers);
    ASSERT_TRUE(t.ok() && t->nonce) << round;
    EXPECT_EQ(*t->nonce, h.relay.bubble_nonce(kClient));
    auto ip = proto::parse_ipv6(pkt->ipv6);
    EXPECT_EQ(ip->header.src, h.relay.bubble_source(kClient, *t->nonce));
    nonces.push_back(*t->nonce);
  }
  EXPECT_NE(nonces[0], nonces[1]);
  EXPECT_NE(nonces[1], nonces[2]);
}

TEST(RelayScenario, SymmetricNatClientEchoingTheNonceIsAdmittedAndTheNonceDiesWithTheQueue) {
  Harness h(config());
  h.tun(echo(native(1), kClient, 1));
  const std::uint32_t nonce = h.relay.bubble_nonce(kClient);
  const Endpoint observed{make_ipv4(203, 0, 113, 5), 51111};
  // A wrong nonce from that endpoint is refused, and counted apart.
  h.udp(observed, with_nonce(bubble(kClient, native(9)), nonce ^ 1));
  EXPECT_EQ(h.relay.drops()[Drop::BubbleNonceMismatch], 1u);
  // The RFC 6081 answer (addresses swapped, nonce echoed) is accepted.
  auto sends = only<core::SendUdp>(h.udp(observed, with_nonce(bubble(kClient, native(9)), nonce)));
  ASSERT_EQ(sends.size(), 1u);
  EXPECT_EQ(sends[0].to, observed);
  EXPECT_EQ(h.relay.counters().bubbles_nonce_verified, 1u);
  EXPECT_EQ(h.relay.bubble_nonce(kClient), 0u);  // trusted: the queue and its nonce are gone
  // Replaying that answer (or the legacy one) from elsewhere cannot redirect the client's traffic.
  const Endpoint attacker{make_ipv4(198, 51, 100, 99), 4444};
  h.udp(attacker, with_nonce(bubble(kClient, native(9)), nonce));
  h.udp(attacker, bubble(kClient, h.relay.bubble_source(kClient, nonce)));
  EXPECT_EQ(h.relay.drops()[Drop::BubbleNonceMismatch], 2u);
  EXPECT_EQ(h.relay.drops()[Drop::SourceMappingMismatch], 1u);
  auto next = only<core::SendUdp>(h.tun(echo(native(1), kClient, 2)));
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].to, observed);
}

TEST(RelayScenario, MalformedTrailersAreNamedDrops) {
  Harness h(config());
  h.tun(echo(native(1), kClient, 1));
  const Endpoint observed{make_ipv4(203, 0, 113, 5), 51111};
  auto b = bubble(kClient, native(9));
  b.insert(b.end(), {0x01, 0x03, 0, 0, 0});  // nonce of 3 bytes
  h.udp(observed, b);
  EXPECT_EQ(h.relay.drops()[Drop::BadTrailerLength], 1u);
  EXPECT_EQ(h.relay.peers().find(kClient)->trusted(), false);
  // A must-understand trailer of an unknown type discards even a well-mapped data packet.
  auto d = echo(kClient, native(1), 1);
  d.insert(d.end(), {0x46, 0x00});
  EXPECT_TRUE(h.udp(kClientMapped, d).empty());
  EXPECT_EQ(h.relay.drops()[Drop::UnknownMandatoryTrailer], 1u);
}

TEST(RelayScenario, BubblesAreRateLimitedPerPeer) {
  Harness h(config());
  std::size_t bubbles = 0;
  for (std::uint16_t i = 0; i < 5; ++i)
    bubbles += only<core::SendUdp>(h.tun(echo(native(1), kClient, i))).size();
  EXPECT_EQ(bubbles, 1u);  // none within 2 s of the last
  EXPECT_EQ(h.relay.drops()[Drop::QueueFull], 0u);
}

TEST(RelayScenario, QueueIsBoundedPerPeer) {
  Harness h(config());
  for (std::uint16_t i = 0; i < 12; ++i) h.tun(echo(native(1), kClient, i));
  EXPECT_EQ(h.relay.queue().packets_queued(), 8u);
  EXPECT_EQ(h.relay.drops()[Drop::QueueFull], 4u);
}

TEST(RelayScenario, SilentPeerIsRetriedThreeTimesThenGivenUpWithUnreachable) {
  Harness h(config());
  h.tun(echo(native(1), kClient, 1));
  std::size_t bubbles = 1;
  std::vector<std::pair<Ipv6Addr, std::vector<std::uint8_t>>> errors;
  for (int s = 0; s < 10; ++s) {
    auto acts = h.tick(1s);
    bubbles += only<core::SendUdp>(acts).size();
    for (auto& e : only<core::SendIcmpv6>(acts))
      errors.emplace_back(e.to, std::vector(e.message.begin(), e.message.end()));
  }
  EXPECT_EQ(bubbles, 4u);  // first + 3 repeats, 2 s apart
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].first, native(1));
  EXPECT_EQ(errors[0].second[0], proto::kIcmpv6DestinationUnreachable);
  EXPECT_EQ(errors[0].second[1], proto::kUnreachableAddress);
  EXPECT_EQ(h.relay.peers().find(kClient), nullptr);
  EXPECT_EQ(h.relay.queue().packets_queued(), 0u);
  EXPECT_EQ(h.relay.counters().peers_given_up, 1u);
  EXPECT_EQ(h.relay.drops()[Drop::PeerUnreachable], 1u);
}

TEST(RelayScenario, OversizedPacketGetsPacketTooBig) {
  Harness h(config());
  auto acts = h.tun(echo(native(1), kClient, 1, 1300));
  auto errs = only<core::SendIcmpv6>(acts);
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_EQ(errs[0].message[0], proto::kIcmpv6PacketTooBig);
  EXPECT_EQ(proto::load_be32(errs[0].message.data() + 4), 1280u);
  EXPECT_LE(errs[0].message.size() + 40, 1280u);
  EXPECT_EQ(h.relay.drops()[Drop::PacketTooBig], 1u);
}

TEST(RelayScenario, NonTeredoDestinationIsUnreachableAndErrorsAreNotAnsweredWithErrors) {
  Harness h(config());
  auto errs = only<core::SendIcmpv6>(h.tun(echo(native(1), native(2), 1)));
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_EQ(errs[0].message[1], proto::kUnreachableAddress);
  // An ICMPv6 error about something else, sent to a non-Teredo address: no error back.
  std::vector<std::uint8_t> err(48 + 40);
  proto::Writer w(err);
  proto::Ipv6Header ih;
  ih.payload_length = 48;
  ih.next_header = proto::kNextHeaderIcmpv6;
  ih.hop_limit = 64;
  ih.src = native(1);
  ih.dst = native(2);
  proto::build_ipv6_header(w, ih);
  w.put8(1);
  w.put_zeros(47);
  err.resize(w.size());
  EXPECT_TRUE(only<core::SendIcmpv6>(h.tun(err)).empty());
}

TEST(RelayScenario, IcmpErrorsAreRateLimited) {
  Harness h(config());
  std::size_t errors = 0;
  for (int i = 0; i < 500; ++i) errors += only<core::SendIcmpv6>(h.tun(echo(native(1), native(2), 1))).size();
  EXPECT_EQ(errors, 50u);
  h.tick(1s);
  errors = 0;
  for (int i = 0; i < 500; ++i) errors += only<core::SendIcmpv6>(h.tun(echo(native(1), native(2), 1))).size();
  EXPECT_EQ(errors, 50u);
}

TEST(RelayScenario, DropsWhatMustNotBeRelayed) {
  Harness h(config());
  const Ipv6Addr private_client =
      proto::build_teredo_address({proto::kTeredoPrefix, kServer, 0, {make_ipv4(192, 168, 1, 1), 1}});
  h.tun(echo(native(1), private_client, 1));
  EXPECT_EQ(h.relay.drops()[Drop::NonGlobalMappedDestination], 1u);
  const Ipv6Addr port_zero =
      proto::build_teredo_address({proto::kTeredoPrefix, kServer, 0, {make_ipv4(203, 0, 113, 9), 0}});
  h.tun(echo(native(1), port_zero, 1));
  EXPECT_EQ(h.relay.drops()[Drop::NonGlobalMappedDestination], 2u);
  const Ipv6Addr bad_server =
      proto::build_teredo_address({proto::kTeredoPrefix, make_ipv4(10, 0, 0, 1), 0, kClientMapped});
  h.tun(echo(native(1), bad_server, 1));
  EXPECT_EQ(h.relay.drops()[Drop::NonGlobalTeredoServer], 1u);
  h.tun(echo(native(1), proto::kAllNodesMulticast, 1));
  EXPECT_EQ(h.relay.drops()[Drop::MulticastDestination], 1u);
  // Teredo to Teredo through the relay, native sources over UDP, link-local destinations.
  h.udp(kClientMapped, echo(kClient, kClient, 1));
  EXPECT_EQ(h.relay.drops()[Drop::TeredoToTeredo], 1u);
  h.udp(kClientMapped, echo(native(1), native(2), 1));
  EXPECT_EQ(h.relay.drops()[Drop::SourceNotTeredo], 1u);
  Ipv6Addr ll{{0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};
  h.udp(kClientMapped, echo(kClient, ll, 1));
  EXPECT_EQ(h.relay.drops()[Drop::NonGlobalDestination], 1u);
  h.udp(kClientMapped, {0x45, 0, 0, 0});
  EXPECT_EQ(h.relay.drops()[Drop::NotIpv6], 1u);
}

TEST(RelayScenario, IdlePeersExpire) {
  Harness h(config());
  h.udp(kClientMapped, echo(kClient, native(1), 1));
  EXPECT_NE(h.relay.peers().find(kClient), nullptr);
  for (int i = 0; i < 70; ++i) h.tick(1s);
  EXPECT_EQ(h.relay.peers().find(kClient), nullptr);
  EXPECT_EQ(h.relay.counters().peers_expired, 1u);
}

TEST(RelayScenario, FloodOfRandomDestinationsStaysUnderCeilingAndActivePeerKeepsWorking) {
  Harness h(config(core::RelayMode::Cone, 1000));
  h.udp(kClientMapped, echo(kClient, native(1), 1));  // an active, trusted client
  std::uint32_t x = 12345;
  for (int i = 0; i < 200000; ++i) {
    x = x * 1664525u + 1013904223u;
    const Ipv6Addr dst = proto::build_teredo_address(
        {proto::kTeredoPrefix,
         kServer,
         0,
         {make_ipv4(203, 0, 113, static_cast<std::uint8_t>(x >> 24)), static_cast<std::uint16_t>(x)}});
    h.tun(echo(native(1), dst, 1));
    h.inputs.clear();
    if (i % 20000 == 0) {
      // The real client keeps talking and keeps being served directly.
      h.udp(kClientMapped, echo(kClient, native(1), 2));
      auto sends = only<core::SendUdp>(h.tun(echo(native(1), kClient, 3)));
      ASSERT_EQ(sends.size(), 1u) << i;
      EXPECT_EQ(sends[0].to, kClientMapped);
    }
    ASSERT_LE(h.relay.peers().size(), 1000u);
  }
  EXPECT_GT(h.relay.counters().peers_evicted, 150000u);
  EXPECT_LE(h.relay.queue().packets_queued(), 4096u);
}

// End to end with the server core: the relay's indirect bubble travels through the server to a
// client behind a port-restricted NAT; the client answers with a direct bubble; the path opens.
TEST(RelayScenario, PathOpensThroughServerAndRestrictedNat) {
  Harness h(config());
  core::Server server{core::server_config(kServer, kServer2, proto::kTeredoPrefix, 1280)};
  SimNat nat(make_ipv4(203, 0, 113, 9), NatMapping::EndpointIndependent, NatFiltering::PortRestricted);
  const Endpoint inside{make_ipv4(10, 0, 0, 2), 40000};
  // The client qualified earlier: its NAT mapping toward the server exists.
  const Endpoint mapped = nat.outbound(inside, {kServer, proto::kTeredoPort});
  const Ipv6Addr client = proto::build_teredo_address({proto::kTeredoPrefix, kServer, 0x0102, mapped});

  auto sends = only<core::SendUdp>(h.tun(echo(native(1), client, 1)));
  ASSERT_EQ(sends.size(), 1u);
  std::array<std::uint8_t, core::kServerOutputSize> out{};
  auto fwd = server.on_datagram(core::ServerSocket::Primary, kRelayEp, sends[0].header, out, h.now);
  ASSERT_TRUE(fwd.ok()) << proto::to_string(fwd.drop());
  const auto& f = std::get<core::ServerSendUdp>(*fwd);
  ASSERT_TRUE(nat.inbound({kServer, proto::kTeredoPort}, f.to).has_value());
  std::vector<std::uint8_t> got(f.header.begin(), f.header.end());
  got.insert(got.end(), f.body.begin(), f.body.end());
  auto pkt = proto::parse_teredo_packet(got);
  ASSERT_TRUE(pkt.ok() && pkt->origin.has_value());
  EXPECT_EQ(*pkt->origin, kRelayEp);
  // The client answers with a direct bubble to the origin, swapping the addresses.
  auto ip = proto::parse_ipv6(pkt->ipv6);
  const Endpoint client_pub = nat.outbound(inside, *pkt->origin);
  auto flushed = only<core::SendUdp>(h.udp(client_pub, bubble(ip->header.dst, ip->header.src)));
  ASSERT_EQ(flushed.size(), 1u);
  EXPECT_EQ(flushed[0].to, mapped);
  EXPECT_TRUE(nat.inbound(kRelayEp, flushed[0].to).has_value());  // the NAT lets the relay in now
}

}  // namespace
}  // namespace teredo::test
