// SPDX-License-Identifier: GPL-2.0-or-later
// Tests for the control snapshots: merging workers, peer filter and sort, snapshots of the cores,
// "state since".
#include "control/snapshot.hpp"

#include <gtest/gtest.h>

#include <random>

#include "control/json.hpp"
#include "proto/teredo_address.hpp"
#include "samples.hpp"
#include "support/packet_helpers.hpp"

namespace teredo::control {
namespace {

using samples::peer;

// Several relay workers: one snapshot with sums, per-worker peer counts and one sorted peer list.
TEST(ControlSnapshot, MergesWorkers) {
  static const core::CounterInfo tun{"tun_packets", "received_packets", "interface", "tun", "help"};
  static const core::CounterInfo handed{"handed_off", "handoff_packets", "direction", "out", "help"};
  auto part = [](std::size_t peers, std::uint64_t tun_packets,
                 std::initializer_list<std::uint8_t> last_bytes) {
    ControlSnapshot s;
    s.role = "cone";
    s.counters = {{&tun, tun_packets}, {&handed, 1}};
    s.drops.add(proto::Drop::QueueFull);
    s.peer_count = peers;
    s.max_peers = 100;
    s.queued_packets = 2;
    for (auto b : last_bytes) {
      PeerInfo p;
      p.addr.bytes[0] = 0x20;
      p.addr.bytes[1] = 0x01;
      p.addr.bytes[15] = b;
      s.peers.push_back(p);
    }
    return s;
  };
  PeerQuery q;
  q.want_peers = true;
  q.limit = 3;
  std::vector<ControlSnapshot> parts;
  parts.push_back(part(2, 10, {9, 1}));
  parts.push_back(part(3, 5, {4, 2, 7}));
  const ControlSnapshot m = merge_snapshots(std::move(parts), q);
  EXPECT_EQ(m.role, "cone");
  EXPECT_EQ(m.counters[0].value, 15u);
  EXPECT_EQ(m.counters[1].value, 2u);
  EXPECT_EQ(m.drops.count[static_cast<std::size_t>(proto::Drop::QueueFull)], 2u);
  EXPECT_EQ(m.peer_count, 5u);
  EXPECT_EQ(m.worker_peers, (std::vector<std::size_t>{2, 3}));
  EXPECT_EQ(m.workers, 2u);
  EXPECT_EQ(m.max_peers, 200u);
  EXPECT_EQ(m.queued_packets, 4u);
  ASSERT_EQ(m.peers.size(), 3u);  // sorted by address over both workers, then trimmed
  EXPECT_EQ(m.peers[0].addr.bytes[15], 1);
  EXPECT_EQ(m.peers[1].addr.bytes[15], 2);
  EXPECT_EQ(m.peers[2].addr.bytes[15], 4);
  EXPECT_EQ(m.peers[0].worker, 0u);  // each peer names the worker it came from
  EXPECT_EQ(m.peers[1].worker, 1u);
  EXPECT_EQ(m.peers[2].worker, 1u);
  EXPECT_EQ(peer_json(m.peers[1])["worker"], 1);
  const auto j = status_json(m);
  EXPECT_EQ(j["workers"], 2);
  EXPECT_EQ(j["worker_peers"], nlohmann::ordered_json::array({2, 3}));
}
TEST(ControlPeers, FilterAndSort) {
  PeerQuery q;
  ASSERT_TRUE(parse_peer_filter("2001:0:c633:640a::/64", q));
  EXPECT_TRUE(peer_matches(q, *os::parse_ipv6("2001:0:c633:640a:1:2:3:4"), {}));
  EXPECT_FALSE(peer_matches(q, *os::parse_ipv6("2001:0:c633:640b:1:2:3:4"), {}));
  PeerQuery m;
  ASSERT_TRUE(parse_peer_filter("198.51.100.30", m));
  EXPECT_TRUE(peer_matches(m, {}, proto::make_ipv4(198, 51, 100, 30)));
  EXPECT_FALSE(peer_matches(m, {}, proto::make_ipv4(198, 51, 100, 31)));

  std::vector<PeerInfo> v{peer("2001::3", 5, 0), peer("2001::1", 1, 2), peer("2001::2", 3, 7)};
  PeerQuery s;
  sort_peers(v, s);
  EXPECT_EQ(os::to_string(v[0].addr), "2001::1");
  s.sort = PeerQuery::Sort::Queued;
  sort_peers(v, s);
  EXPECT_EQ(os::to_string(v[0].addr), "2001::2");
  v[1].packets_in = 50;  // 2001::1
  s.sort = PeerQuery::Sort::Packets;
  sort_peers(v, s);
  EXPECT_EQ(os::to_string(v[0].addr), "2001::1");
  s.sort = PeerQuery::Sort::LastReceive;
  s.reverse = true;
  s.limit = 2;
  sort_peers(v, s);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(os::to_string(v[0].addr), "2001::3");
}

// The selection keeps, in O(limit) memory, exactly what sorting everything and trimming gives,
// for every order, direction and limit; an address offered twice is listed once.
TEST(ControlPeers, SelectionIsSortAndTrimInBoundedMemory) {
  std::mt19937 rng(5);
  std::vector<PeerInfo> all;
  for (int i = 0; i < 3000; ++i) {
    PeerInfo p;
    p.addr.bytes[0] = 0x20;
    p.addr.bytes[1] = 0x01;
    p.addr.bytes[13] = static_cast<std::uint8_t>(i >> 16);
    p.addr.bytes[14] = static_cast<std::uint8_t>(i >> 8);
    p.addr.bytes[15] = static_cast<std::uint8_t>(i);
    p.mapped = {proto::Ipv4Addr{static_cast<std::uint32_t>(rng() % 50)},
                static_cast<std::uint16_t>(rng() % 7)};
    p.queued_packets = static_cast<std::uint32_t>(rng() % 5);
    p.packets_in = rng() % 100;
    p.bytes_in = rng() % 1000;
    p.last_tx_age = static_cast<double>(rng() % 30);
    if (rng() % 3 != 0) p.last_rx_age = static_cast<double>(rng() % 30);
    all.push_back(p);
  }
  using S = PeerQuery::Sort;
  for (S sort : {S::Address, S::Mapped, S::LastReceive, S::LastSend, S::Queued, S::Packets, S::Bytes}) {
    for (bool reverse : {false, true}) {
      for (std::size_t limit : {std::size_t{1}, std::size_t{7}, std::size_t{1000}, std::size_t{5000}}) {
        PeerQuery q;
        q.sort = sort;
        q.reverse = reverse;
        q.limit = limit;
        std::vector<PeerInfo> expected = all;
        sort_peers(expected, q);
        PeerSelection sel(q);
        for (const PeerInfo& p : all) sel.offer(p);
        for (std::size_t i = 0; i < 40; ++i) sel.offer(all[i * 70]);  // seen twice (a moved entry)
        std::vector<PeerInfo> got = sel.take();
        sort_peers(got, q);
        ASSERT_EQ(got.size(), expected.size());
        for (std::size_t i = 0; i < got.size(); ++i)
          ASSERT_EQ(got[i].addr, expected[i].addr)
              << static_cast<int>(sort) << " " << reverse << " " << limit << " " << i;
      }
    }
  }
}

// A relay's table walked in small slices lists what one walk lists, and a query names at most
// its limit (the default when it names none).
TEST(ControlPeers, WalkInSlicesEqualsOneWalk) {
  const core::TimePoint now = std::chrono::steady_clock::now();
  core::RelayConfig rc;
  rc.max_peers = 4096;
  rc.queue_packets_total = 8192;
  core::Relay relay(rc, now);
  for (std::uint32_t i = 0; i < 2500; ++i) {
    const proto::Endpoint mapped{proto::make_ipv4(203, 0, 113, static_cast<std::uint8_t>(i)),
                                 static_cast<std::uint16_t>(1024 + i)};
    const proto::Ipv6Addr dst =
        proto::build_teredo_address({proto::kTeredoPrefix, proto::make_ipv4(198, 51, 100, 10), 0, mapped});
    std::vector<std::uint8_t> pkt(48, 0);
    pkt[0] = 0x60;
    pkt[5] = 8;   // payload length
    pkt[6] = 59;  // no next header
    pkt[7] = 64;
    const proto::Ipv6Addr src = test::ipv6("2001:db8::1");
    std::copy(src.bytes.begin(), src.bytes.end(), pkt.begin() + 8);
    std::copy(dst.bytes.begin(), dst.bytes.end(), pkt.begin() + 24);
    relay.on_tun_packet(now, pkt);
  }
  ASSERT_EQ(relay.peers().size(), 2500u);
  PeerQuery q;
  q.want_peers = true;
  q.sort = PeerQuery::Sort::Mapped;
  const ControlSnapshot once = snapshot_of(relay, q, now);
  ASSERT_EQ(once.peers.size(), kDefaultPeerLimit);
  PeerWalk walk(q);
  int slices = 1;
  while (!walk_peers(relay, walk, now, 64)) ++slices;
  EXPECT_GT(slices, 40);
  std::vector<PeerInfo> sliced = walk.selection.take();
  sort_peers(sliced, q);
  ASSERT_EQ(sliced.size(), once.peers.size());
  for (std::size_t i = 0; i < sliced.size(); ++i) EXPECT_EQ(sliced[i].addr, once.peers[i].addr) << i;
}

// A relay's and a client's snapshot carry their role, configuration, counters (every row of the
// core's table, in order) and tables.
TEST(ControlSnapshot, OfTheCores) {
  const core::TimePoint now = std::chrono::steady_clock::now();
  core::RelayConfig rc;
  rc.max_peers = 16;
  rc.queue_packets_total = 16;
  rc.mode = core::RelayMode::Restricted;
  rc.mtu = 1400;
  core::Relay relay(rc, now);
  const ControlSnapshot r = snapshot_of(relay, PeerQuery{}, now);
  EXPECT_EQ(r.role, "restricted");
  EXPECT_EQ(r.mtu, 1400u);
  EXPECT_EQ(r.prefix, proto::kTeredoPrefix);
  EXPECT_EQ(r.peer_count, 0u);
  EXPECT_EQ(r.max_peers, 16u);
  ASSERT_EQ(r.counters.size(), std::size(core::kRelayCounterFields));
  for (std::size_t i = 0; i < r.counters.size(); ++i)
    EXPECT_EQ(r.counters[i].info, &core::kRelayCounterFields[i].info);

  core::ClientConfig cc;
  cc.server = proto::make_ipv4(198, 51, 100, 10);
  cc.server2 = proto::make_ipv4(198, 51, 100, 11);
  cc.max_peers = 16;
  core::SeededRandom random(1);
  core::Client client(cc, random, now);
  StateSince since;
  const ControlSnapshot c = snapshot_of(client, PeerQuery{}, now, since);
  EXPECT_EQ(c.role, "client");
  ASSERT_TRUE(c.client);
  EXPECT_EQ(c.client->state, core::ClientState::Probing);
  EXPECT_EQ(c.client->server_secondary, cc.server2);
  EXPECT_FALSE(c.mtu);  // not qualified
  EXPECT_EQ(c.counters.size(), std::size(core::kClientCounterFields));
}

// "State since": noted changes restart the clock; a change not noted is seen at the next look.
TEST(ControlSnapshot, StateSinceFollowsTheChanges) {
  const core::TimePoint t0 = std::chrono::steady_clock::now() + std::chrono::hours(1);
  StateSince since;
  since.note(core::ClientState::Qualified, t0);
  EXPECT_DOUBLE_EQ(since.age(core::ClientState::Qualified, t0 + std::chrono::seconds(5)), 5.0);
  since.note(core::ClientState::Down, t0 + std::chrono::seconds(10));
  EXPECT_DOUBLE_EQ(since.age(core::ClientState::Down, t0 + std::chrono::seconds(12)), 2.0);
  // down -> probing is not reported by the core: the clock restarts when it is seen.
  EXPECT_DOUBLE_EQ(since.age(core::ClientState::Probing, t0 + std::chrono::seconds(20)), 0.0);
  EXPECT_DOUBLE_EQ(since.age(core::ClientState::Probing, t0 + std::chrono::seconds(21)), 1.0);
}

}  // namespace
}  // namespace teredo::control
