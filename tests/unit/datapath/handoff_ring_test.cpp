// SPDX-License-Identifier: GPL-2.0-or-later
// HandoffRing (daemon/handoff.hpp): records keep kind, source and bytes; the ring wraps, refuses
// what does not fit and accepts again once the consumer released; one producer thread and one
// consumer thread move a million records in order (run under TSan/ASan in CI builds).
#include <gtest/gtest.h>

#include <cstring>
#include <thread>
#include <vector>

#include "datapath/handoff.hpp"

namespace teredo::datapath {
namespace {

std::vector<std::uint8_t> bytes_of(std::size_t n, std::uint8_t seed) {
  std::vector<std::uint8_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>(seed + i);
  return v;
}

TEST(HandoffRing, RecordsComeBackAsPushed) {
  HandoffRing ring;
  const auto a = bytes_of(1, 1), b = bytes_of(1280, 2), c = bytes_of(0, 3);
  const proto::Endpoint from{proto::Ipv4Addr{0xc0000201}, 3545};
  ASSERT_TRUE(ring.push(HandoffKind::Tun, {}, a));
  ASSERT_TRUE(ring.push(HandoffKind::Udp, from, b));
  ASSERT_TRUE(ring.push(HandoffKind::Udp, from, c));
  std::vector<std::vector<std::uint8_t>> got;
  std::vector<HandoffKind> kinds;
  std::vector<proto::Endpoint> froms;
  EXPECT_EQ(ring.drain([&](HandoffKind k, proto::Endpoint f, proto::ByteView d) {
    kinds.push_back(k);
    froms.push_back(f);
    got.emplace_back(d.begin(), d.end());
  }),
            3u);
  ring.release();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0], a);
  EXPECT_EQ(got[1], b);
  EXPECT_TRUE(got[2].empty());
  EXPECT_EQ(kinds[0], HandoffKind::Tun);
  EXPECT_EQ(kinds[1], HandoffKind::Udp);
  EXPECT_EQ(froms[1], from);
  EXPECT_TRUE(ring.empty());
  EXPECT_EQ(ring.drain([](auto, auto, auto) {}), 0u);
}

TEST(HandoffRing, RefusesWhenFullAndWrapsAfterRelease) {
  HandoffRing ring;
  const auto big = bytes_of(60000, 9);
  std::size_t pushed = 0;
  while (ring.push(HandoffKind::Tun, {}, big)) ++pushed;
  EXPECT_EQ(pushed, HandoffRing::kBytes / (16 + 60000));  // 4 records of 60016 bytes fit in 256 KiB
  EXPECT_FALSE(ring.push(HandoffKind::Tun, {}, bytes_of(HandoffRing::kMaxRecord + 1, 0)));
  // Drained but not released: still full.
  EXPECT_EQ(ring.drain([](auto, auto, auto) {}), pushed);
  EXPECT_FALSE(ring.push(HandoffKind::Tun, {}, big));
  ring.release();
  // The next records wrap around the end; their contents survive.
  for (int round = 0; round < 10; ++round) {
    const auto rec = bytes_of(50000 + round, static_cast<std::uint8_t>(round));
    ASSERT_TRUE(ring.push(HandoffKind::Udp, {}, rec));
    ASSERT_TRUE(ring.push(HandoffKind::Udp, {}, rec));
    std::size_t n = ring.drain([&](auto, auto, proto::ByteView d) {
      ASSERT_EQ(d.size(), rec.size());
      EXPECT_EQ(std::memcmp(d.data(), rec.data(), rec.size()), 0);
    });
    EXPECT_EQ(n, 2u);
    ring.release();
  }
}

TEST(HandoffRing, OneProducerOneConsumerKeepOrder) {
  HandoffRing ring;
  constexpr std::uint32_t kRecords = 1'000'000;
  std::thread producer([&] {
    for (std::uint32_t i = 0; i < kRecords;) {
      std::uint8_t rec[64];
      const std::size_t len = 4 + i % 60;
      std::memset(rec, static_cast<int>(i & 0xff), len);
      std::memcpy(rec, &i, 4);
      if (ring.push(HandoffKind::Tun, {}, proto::ByteView{rec, len}))
        ++i;
      else
        std::this_thread::yield();
    }
  });
  std::uint32_t next = 0;
  bool ok = true;
  while (next < kRecords) {  // keep draining after a failure: the producer must finish
    ring.drain([&](auto, auto, proto::ByteView d) {
      std::uint32_t v = 0;
      std::memcpy(&v, d.data(), 4);
      if (v != next || d.size() != 4 + next % 60 || d[d.size() - 1] != (d.size() > 4 ? (next & 0xff) : d[3]))
        ok = false;
      ++next;
    });
    ring.release();
  }
  producer.join();
  EXPECT_TRUE(ok) << "record " << next << " out of order or corrupted";
  EXPECT_EQ(next, kRecords);
}

}  // namespace
}  // namespace teredo::datapath
