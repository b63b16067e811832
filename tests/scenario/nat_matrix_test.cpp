// SPDX-License-Identifier: GPL-2.0-or-later
// Every pair of NAT kinds, both ways (issue 12, part 4): clients behind simulated NATs on a
// virtual clock, with the server and relay cores. Pairs RFC 4380 + RFC 6081 can connect must
// connect in both directions; the others must fail cleanly: counted, no loop, no state left.
// Two NATs in a row (every kind behind every kind) connect as their composition.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>

#include "core/client.hpp"
#include "proto/echo.hpp"
#include "sim_network.hpp"

namespace teredo::test {
namespace {

using core::ClientState;
using proto::Drop;
using proto::Endpoint;
using proto::Ipv6Addr;
using proto::make_ipv4;
using namespace std::chrono_literals;

// Symmetric numbers its mappings in sequence (RFC 6081 3.4's sequential port-symmetric NAT).
enum class Kind { FullCone, AddressRestricted, PortRestricted, Symmetric, PortPreserving, RandomSymmetric };

const char* name(Kind k) {
  switch (k) {
    case Kind::FullCone:
      return "full-cone";
    case Kind::AddressRestricted:
      return "address-restricted";
    case Kind::PortRestricted:
      return "port-restricted";
    case Kind::Symmetric:
      return "symmetric (sequential)";
    case Kind::PortPreserving:
      return "symmetric (port-preserving)";
    case Kind::RandomSymmetric:
      return "symmetric (random)";
  }
  return "?";
}

std::shared_ptr<SimNat> make_nat(Kind k, std::uint8_t last, bool hairpin = false) {
  const proto::Ipv4Addr pub = make_ipv4(203, 0, 113, last);
  switch (k) {
    case Kind::FullCone:
      return std::make_shared<SimNat>(pub, NatMapping::EndpointIndependent, NatFiltering::FullCone, hairpin);
    case Kind::AddressRestricted:
      return std::make_shared<SimNat>(pub, NatMapping::EndpointIndependent, NatFiltering::AddressRestricted,
                                      hairpin);
    case Kind::PortRestricted:
      return std::make_shared<SimNat>(pub, NatMapping::EndpointIndependent, NatFiltering::PortRestricted,
                                      hairpin);
    case Kind::Symmetric:
      return std::make_shared<SimNat>(pub, NatMapping::Symmetric, NatFiltering::PortRestricted, hairpin);
    case Kind::PortPreserving:
      return std::make_shared<SimNat>(pub, NatMapping::PortPreservingSymmetric, NatFiltering::PortRestricted,
                                      hairpin);
    case Kind::RandomSymmetric:
      return std::make_shared<SimNat>(pub, NatMapping::RandomSymmetric, NatFiltering::PortRestricted,
                                      hairpin);
  }
  return nullptr;
}

/// What RFC 4380 + RFC 6081 can connect. Cone and address-restricted NATs accept a symmetric
/// peer's unpredictable endpoint (3.1, nonces). A port-restricted NAT needs the symmetric peer's
/// port told in advance: kept by a port-preserving NAT (3.3) or predicted for a sequential one
/// (3.4); two port-preserving NATs each keep the port opened toward the other (3.3). A random
/// symmetric NAT cannot be predicted, and two sequential ones (or one of each of the symmetric
/// kinds) would each need the other's port before sending the flow that fixes it.
bool connectable(Kind a, Kind b) {
  auto symmetric = [](Kind k) { return k >= Kind::Symmetric; };
  auto cone = [](Kind k) { return k == Kind::FullCone || k == Kind::AddressRestricted; };
  if (cone(a) || cone(b)) return true;
  if (!symmetric(a) && !symmetric(b)) return true;  // port-restricted with port-restricted
  if (symmetric(a) && symmetric(b)) return a == Kind::PortPreserving && b == Kind::PortPreserving;
  const Kind sym = symmetric(a) ? a : b;  // the other one is port-restricted
  return sym == Kind::Symmetric || sym == Kind::PortPreserving;
}

struct Pair {
  SimNetwork net;
  std::size_t a = 0, b = 0;
  Ipv6Addr addr_a, addr_b;
};

/// Sends one echo request from `from` to `to` and gives the path 10 s (3 bubble retries) to open.
bool reaches(Pair& p, std::size_t from, std::size_t to, std::uint16_t seq) {
  const std::size_t before = p.net.client(to).delivered.size();
  const Ipv6Addr& src = from == p.a ? p.addr_a : p.addr_b;
  const Ipv6Addr& dst = from == p.a ? p.addr_b : p.addr_a;
  p.net.client_sends(from, echo_request(src, dst, seq));
  p.net.advance(10s);
  return p.net.client(to).delivered.size() == before + 1;
}

/// A failed attempt leaves nothing behind: no open queue, no trusted entry, a counted give-up,
/// and a bounded number of bubbles (RFC 4380 5.2.6: at most 4 per peer in 300 s).
void expect_clean_failure(Pair& p, std::size_t from, const std::string& what) {
  const core::Client& c = *p.net.client(from).core;
  const Ipv6Addr& dst = from == p.a ? p.addr_b : p.addr_a;
  EXPECT_EQ(c.queue().open_lists(), 0u) << what;
  EXPECT_EQ(c.queue().packets_queued(), 0u) << what;
  const core::PeerEntry* e = c.peers().find(dst);
  EXPECT_TRUE(e == nullptr || !e->trusted()) << what;
  EXPECT_GE(c.counters().peers_given_up, 1u) << what;
  EXPECT_GE(c.drops()[Drop::PeerUnreachable], 1u) << what;
  EXPECT_LE(c.counters().bubbles_indirect_sent, 8u) << what;
  EXPECT_LE(c.counters().bubble_replies_sent, 16u) << what;
  // RFC 6081 3.3 / 3.4: the random port opened for the peer is closed with it.
  EXPECT_EQ(c.random_ports().open_ports(), 0u) << what;
}

void run_pair(std::shared_ptr<SimNat> nat_a, std::shared_ptr<SimNat> nat_b, const std::string& what,
              bool initiator_is_a, bool rfc6081, bool expect) {
  Pair p;
  p.net.rfc6081 = rfc6081;
  p.a = p.net.add_client({make_ipv4(10, 0, 1, 2), 40000}, std::move(nat_a), 21);
  p.b = p.net.add_client({make_ipv4(10, 0, 2, 2), 40001}, std::move(nat_b), 22);
  ASSERT_EQ(p.net.client(p.a).core->state(), ClientState::Qualified) << what;
  ASSERT_EQ(p.net.client(p.b).core->state(), ClientState::Qualified) << what;
  p.addr_a = p.net.client(p.a).core->qualification()->address;
  p.addr_b = p.net.client(p.b).core->qualification()->address;
  const std::size_t first = initiator_is_a ? p.a : p.b;
  const std::size_t second = initiator_is_a ? p.b : p.a;
  const bool ok = reaches(p, first, second, 1);
  EXPECT_EQ(ok, expect) << what;
  if (!expect) {
    expect_clean_failure(p, first, what);
    return;
  }
  // Once open, the path carries the answer back at once, and more traffic both ways.
  p.net.client_sends(
      second, echo_request(second == p.a ? p.addr_a : p.addr_b, second == p.a ? p.addr_b : p.addr_a, 2));
  EXPECT_EQ(p.net.client(first).delivered.size(), 1u) << what << ": answer";
  EXPECT_TRUE(reaches(p, first, second, 3)) << what << ": again";
}

void run_pair(Kind ka, Kind kb, bool initiator_is_a, bool rfc6081, bool expect) {
  const std::string what = std::string(name(ka)) + (initiator_is_a ? " -> " : " <- ") + name(kb) +
                           (rfc6081 ? "" : " (RFC 6081 off)");
  run_pair(make_nat(ka, 1), make_nat(kb, 2), what, initiator_is_a, rfc6081, expect);
}

const Kind kKinds[] = {Kind::FullCone,  Kind::AddressRestricted, Kind::PortRestricted,
                       Kind::Symmetric, Kind::PortPreserving,    Kind::RandomSymmetric};
/// The kinds two NATs in a row are made of (their composition is one of them).
const Kind kChainKinds[] = {Kind::FullCone, Kind::AddressRestricted, Kind::PortRestricted, Kind::Symmetric};

/// Two NATs in a row (a home router of kind `inner` behind a carrier-grade NAT of kind `outer`,
/// inner public address in 100.64/10): the client sees their composition.
std::shared_ptr<SimNat> make_chain(Kind inner, Kind outer, std::uint8_t last) {
  auto up = make_nat(outer, last);
  const auto mapping = inner == Kind::Symmetric ? NatMapping::Symmetric : NatMapping::EndpointIndependent;
  const auto filtering = inner == Kind::FullCone            ? NatFiltering::FullCone
                         : inner == Kind::AddressRestricted ? NatFiltering::AddressRestricted
                                                            : NatFiltering::PortRestricted;
  return std::make_shared<SimNat>(make_ipv4(100, 64, 0, last), mapping, filtering, false, std::move(up));
}

/// The kind two NATs in a row amount to: symmetric if either is, else the stricter filtering.
Kind composition(Kind inner, Kind outer) {
  if (inner == Kind::Symmetric || outer == Kind::Symmetric) return Kind::Symmetric;
  return std::max(inner, outer);  // FullCone < AddressRestricted < PortRestricted
}

TEST(NatMatrix, EveryPairTheRfcsCanConnectConnectsBothWaysAndTheOthersFailCleanly) {
  for (Kind a : kKinds)
    for (Kind b : kKinds)
      for (bool a_first : {true, false}) run_pair(a, b, a_first, true, connectable(a, b));
}

TEST(NatMatrix, TwoNatsInARowConnectAsTheirCompositionBothWays) {
  for (Kind inner : kChainKinds)
    for (Kind outer : kChainKinds) {
      const Kind both = composition(inner, outer);
      for (Kind peer : {Kind::AddressRestricted, Kind::PortRestricted})
        for (bool a_first : {true, false}) {
          const std::string what = std::string(name(inner)) + " behind " + name(outer) + " (as " +
                                   name(both) + ")" + (a_first ? " -> " : " <- ") + name(peer);
          run_pair(make_chain(inner, outer, 1), make_nat(peer, 2), what, a_first, true,
                   connectable(both, peer));
        }
    }
}

TEST(NatMatrix, TwoNatsInARowReachTheNativeHostBothWays) {
  for (Kind inner : kChainKinds)
    for (Kind outer : kChainKinds) {
      SimNetwork net;
      const auto c = net.add_client({make_ipv4(10, 0, 1, 2), 40000}, make_chain(inner, outer, 1), 24);
      const std::string what = std::string(name(inner)) + " behind " + name(outer);
      ASSERT_EQ(net.client(c).core->state(), ClientState::Qualified) << what;
      const core::Qualification q = *net.client(c).core->qualification();
      EXPECT_EQ(q.mapped.addr, make_ipv4(203, 0, 113, 1)) << what << ": the outer NAT's address";
      EXPECT_EQ(net.client(c).core->symmetric_nat(), composition(inner, outer) == Kind::Symmetric) << what;
      net.client_sends(c, echo_request(q.address, kSimNativeHost, 1));
      net.advance(10s);
      EXPECT_EQ(net.client(c).core->counters().relays_verified, 1u) << what;
      ASSERT_EQ(net.client(c).delivered.size(), 1u) << what << ": the echo reply";
      net.native_sends(echo_request(kSimNativeHost, q.address, 2));
      net.advance(5s);
      EXPECT_EQ(net.client(c).delivered.size(), 2u) << what << ": a packet from the native host";
    }
}

TEST(NatMatrix, TwoHomesBehindOneCarrierGradeNatConnectOnlyIfItHairpins) {
  // Each client's LAN address is private to its home: the alternate addresses cannot help, only a
  // hairpinning carrier-grade NAT can (RFC 6081 3.5 covers clients of one NAT, not of one CGN).
  for (bool hairpin : {true, false}) {
    auto cgn = make_nat(Kind::PortRestricted, 1, hairpin);
    auto home = [&](std::uint8_t n) {
      return std::make_shared<SimNat>(make_ipv4(100, 64, 0, n), NatMapping::EndpointIndependent,
                                      NatFiltering::PortRestricted, false, cgn);
    };
    for (bool a_first : {true, false})
      run_pair(home(1), home(2), std::string("two homes behind one CGN") + (hairpin ? " that hairpins" : ""),
               a_first, true, hairpin);
  }
}

TEST(NatMatrix, WithoutRfc6081TheConeKindsStillConnect) {
  // RFC 4380 alone (Miredo's behaviour): every pair of cone NATs; symmetric NATs take the
  // client off-line (next test).
  for (Kind a : {Kind::FullCone, Kind::AddressRestricted, Kind::PortRestricted})
    for (Kind b : {Kind::FullCone, Kind::AddressRestricted, Kind::PortRestricted})
      for (bool a_first : {true, false}) run_pair(a, b, a_first, false, true);
}

// RFC 6081 3.6: one-way traffic from A to B for 40 s (B's host never answers), so A's entry for B
// goes stale after 30 s. Returns the two clients' counters afterwards; every packet must arrive.
struct QuietPeerRun {
  core::ClientCounters a, b;
  std::size_t delivered = 0;
};
QuietPeerRun quiet_peer(bool b_speaks_6081, bool b_answers_solicitations) {
  SimNetwork net;
  const auto a = net.add_client({make_ipv4(10, 0, 1, 2), 40000}, make_nat(Kind::PortRestricted, 1), 51);
  net.rfc6081 = b_speaks_6081;
  net.server_load_reduction = b_answers_solicitations;
  const auto b = net.add_client({make_ipv4(10, 0, 2, 2), 40001}, make_nat(Kind::PortRestricted, 2), 52);
  const Ipv6Addr addr_a = net.client(a).core->qualification()->address;
  const Ipv6Addr addr_b = net.client(b).core->qualification()->address;
  for (std::uint16_t i = 1; i <= 9; ++i) {
    net.client_sends(a, echo_request(addr_a, addr_b, i));
    net.advance(5s);
  }
  net.advance(10s);
  return {net.client(a).core->counters(), net.client(b).core->counters(), net.client(b).delivered.size()};
}

TEST(NatMatrix, AQuietRfc6081PeerIsReCheckedDirectlyWithoutTheServer) {
  const QuietPeerRun r = quiet_peer(true, true);
  EXPECT_EQ(r.delivered, 9u);
  EXPECT_GE(r.a.nd_solicitations_sent, 1u);
  EXPECT_GE(r.b.nd_advertisements_sent, 1u);
  EXPECT_EQ(r.a.bubbles_indirect_sent, 1u);  // only the first contact went through the server
}

TEST(NatMatrix, APeerThatDoesNotAnswerSolicitationsIsReachedThroughTheServerAfterThree) {
  const QuietPeerRun r = quiet_peer(true, false);
  EXPECT_EQ(r.delivered, 9u);
  EXPECT_EQ(r.a.nd_solicitations_sent, 3u);
  EXPECT_EQ(r.b.nd_advertisements_sent, 0u);
  EXPECT_GE(r.a.bubbles_indirect_sent, 2u);  // the fallback (RFC 6081 5.7.4.1)
}

TEST(NatMatrix, APeerWithoutRfc6081IsNeverSolicited) {
  const QuietPeerRun r = quiet_peer(false, false);
  EXPECT_EQ(r.delivered, 9u);
  EXPECT_EQ(r.a.nd_solicitations_sent, 0u);
  EXPECT_GE(r.a.bubbles_indirect_sent, 2u);
}

TEST(NatMatrix, SymmetricNatWithoutTheExtensionTakesTheClientOffline) {
  SimNetwork net;
  net.rfc6081 = false;
  auto c = net.add_client({make_ipv4(10, 0, 1, 2), 40000}, make_nat(Kind::Symmetric, 1), 23);
  EXPECT_TRUE(net.client(c).core->symmetric_nat());
  EXPECT_EQ(net.client(c).core->state(), ClientState::Down);
  EXPECT_EQ(net.client(c).core->counters().symmetric_nat_offline, 1u);
  ASSERT_FALSE(net.client(c).changes.empty());
  EXPECT_EQ(net.client(c).changes.back().state, ClientState::Down);
  // Later refreshes find the same NAT and the client stays off-line, without flapping.
  net.advance(120s);
  EXPECT_EQ(net.client(c).core->state(), ClientState::Down);
  EXPECT_EQ(net.client(c).changes.back().state, ClientState::Down);
  // With the extension the same NAT keeps the client up.
  SimNetwork net2;
  auto d = net2.add_client({make_ipv4(10, 0, 1, 2), 40000}, make_nat(Kind::Symmetric, 1), 23);
  EXPECT_TRUE(net2.client(d).core->symmetric_nat());
  EXPECT_EQ(net2.client(d).core->state(), ClientState::Qualified);
}

void run_same_nat(Kind kind, bool hairpin, bool rfc6081, bool expect) {
  Pair p;
  p.net.rfc6081 = rfc6081;
  auto nat = make_nat(kind, 1, hairpin);
  p.a = p.net.add_client({make_ipv4(10, 0, 1, 2), 40000}, nat, 31);
  p.b = p.net.add_client({make_ipv4(10, 0, 1, 3), 40001}, nat, 32);
  const std::string what = std::string("two clients behind one ") + name(kind) + " NAT" +
                           (hairpin ? " that hairpins" : " without hairpinning") +
                           (rfc6081 ? "" : " (RFC 6081 off)");
  if (kind >= Kind::Symmetric && !rfc6081) {
    // RFC 4380 alone: both clients are off-line behind a symmetric NAT.
    EXPECT_EQ(p.net.client(p.a).core->state(), ClientState::Down) << what;
    EXPECT_EQ(p.net.client(p.b).core->state(), ClientState::Down) << what;
    return;
  }
  p.addr_a = p.net.client(p.a).core->qualification()->address;
  p.addr_b = p.net.client(p.b).core->qualification()->address;
  EXPECT_EQ(reaches(p, p.a, p.b, 1), expect) << what;
  if (!expect) {
    expect_clean_failure(p, p.a, what);
    return;
  }
  EXPECT_TRUE(reaches(p, p.b, p.a, 2)) << what << ": back";
  if (!hairpin) {
    // The path is the LAN: each side trusts the other's local address, verified by its nonce.
    EXPECT_EQ(p.net.client(p.a).core->peers().find(p.addr_b)->mapped(),
              (Endpoint{make_ipv4(10, 0, 1, 3), 40001}));
    EXPECT_EQ(p.net.client(p.b).core->peers().find(p.addr_a)->mapped(),
              (Endpoint{make_ipv4(10, 0, 1, 2), 40000}));
    EXPECT_GE(p.net.client(p.a).core->counters().bubbles_nonce_verified, 1u);
    EXPECT_GE(p.net.client(p.b).core->counters().bubbles_nonce_verified, 1u);
  }
}

TEST(NatMatrix, TwoClientsBehindOneNatThatDoesNotHairpinReachEachOtherThroughAlternateAddresses) {
  for (Kind k : kKinds) {
    run_same_nat(k, false, true, true);
    run_same_nat(k, false, false, false);  // RFC 4380 alone (Miredo): no way
  }
}

TEST(NatMatrix, AHairpinningNatNeedsNoExtension) {
  run_same_nat(Kind::PortRestricted, true, false, true);
  run_same_nat(Kind::PortRestricted, true, true, true);
}

}  // namespace
}  // namespace teredo::test
