// SPDX-License-Identifier: GPL-2.0-or-later
// Peer table: differential test against std::unordered_map, eviction at the ceiling, sweep.
#include <gtest/gtest.h>

#include <random>
#include <unordered_map>

#include "core/peer_table.hpp"

namespace teredo::core {
namespace {

proto::Ipv6Addr addr_of(std::uint64_t n) {
  proto::Ipv6Addr a{};
  a.bytes[0] = 0x20;
  a.bytes[1] = 0x01;
  for (int i = 0; i < 8; ++i)
    a.bytes[static_cast<std::size_t>(8 + i)] = static_cast<std::uint8_t>(n >> (8 * i));
  return a;
}

const HashKey kKey{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

TEST(PeerTable, MatchesAReferenceMapUnderRandomInsertsAndErases) {
  PeerTable t(4000, kKey);
  std::unordered_map<proto::Ipv6Addr, std::uint32_t> ref;
  std::mt19937_64 rng(42);
  for (int step = 0; step < 200000; ++step) {
    const auto a = addr_of(rng() % 3000);
    switch (rng() % 3) {
      case 0: {
        auto ins = t.find_or_insert(a, 0);
        ASSERT_NE(ins.entry, nullptr);
        ASSERT_FALSE(ins.evicted);
        EXPECT_EQ(ins.inserted, ref.count(a) == 0);
        if (ins.inserted) {
          ins.entry->mapped_addr = static_cast<std::uint32_t>(step);
          ref[a] = static_cast<std::uint32_t>(step);
        }
        break;
      }
      case 1: {
        PeerEntry* e = t.find(a);
        ASSERT_EQ(e != nullptr, ref.count(a) == 1);
        if (e) {
          t.erase(e);
          ref.erase(a);
        }
        break;
      }
      default: {
        PeerEntry* e = t.find(a);
        ASSERT_EQ(e != nullptr, ref.count(a) == 1);
        if (e) {
          EXPECT_EQ(e->mapped_addr, ref[a]);
        }
      }
    }
    ASSERT_EQ(t.size(), ref.size());
  }
}

TEST(PeerTable, StaysUnderItsCeilingAndEvictsUntrustedBeforeTalkingPeers) {
  PeerTable t(1000, kKey);
  // 100 trusted peers that were heard from recently.
  for (std::uint64_t i = 0; i < 100; ++i) {
    auto ins = t.find_or_insert(addr_of(i), 1000);
    ins.entry->flags |= PeerEntry::kTrusted;
    ins.entry->last_rx = 1000;
  }
  // A flood of a million new untrusted destinations, never heard from.
  std::uint64_t evicted = 0;
  for (std::uint64_t i = 0; i < 1000000; ++i) {
    auto ins = t.find_or_insert(addr_of(1000000 + i), 1000);
    ASSERT_NE(ins.entry, nullptr);
    ins.entry->last_rx = 1000 - 3000;
    evicted += ins.evicted;
    ASSERT_LE(t.size(), t.max_peers());
  }
  EXPECT_GT(evicted, 900000u);
  EXPECT_EQ(t.evictions(), evicted);
  for (std::uint64_t i = 0; i < 100; ++i) EXPECT_NE(t.find(addr_of(i)), nullptr) << i;
}

TEST(PeerTable, EntriesStayFindableAfterEvictions) {
  PeerTable t(64, kKey);
  std::unordered_map<proto::Ipv6Addr, bool> present;
  for (std::uint64_t i = 0; i < 5000; ++i) {
    auto ins = t.find_or_insert(addr_of(i), static_cast<Tick>(i));
    ins.entry->last_rx = static_cast<Tick>(i);
  }
  // Whatever is in the table must be findable: walk it and look every entry up.
  std::size_t n = 0;
  t.for_each([&](const PeerEntry& e) {
    ++n;
    EXPECT_EQ(t.find(e.addr), &e);
  });
  EXPECT_EQ(n, t.size());
  EXPECT_LE(t.size(), 64u);
}

TEST(PeerTable, SweepErasesExpiredEntries) {
  PeerTable t(100, kKey);
  for (std::uint64_t i = 0; i < 80; ++i) {
    auto ins = t.find_or_insert(addr_of(i), 0);
    ins.entry->last_rx = (i % 2 == 0) ? 0 : 500;
  }
  std::size_t seen = 0;
  std::size_t erased = t.sweep(
      t.slot_count() * 2, [](const PeerEntry& e) { return e.last_rx == 0; },
      [&](const PeerEntry&) { ++seen; });
  EXPECT_EQ(erased, 40u);
  EXPECT_EQ(seen, 40u);
  EXPECT_EQ(t.size(), 40u);
  for (std::uint64_t i = 1; i < 80; i += 2) EXPECT_NE(t.find(addr_of(i)), nullptr);
}

TEST(PeerTable, EntryIsOneCacheLine) {
  EXPECT_EQ(sizeof(PeerEntry), 64u);
}

}  // namespace
}  // namespace teredo::core
