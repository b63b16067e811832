// SPDX-License-Identifier: GPL-2.0-or-later
// Internet checksum (RFC 1071), byte helpers, the bounds-checked Writer and drop names.
#include <gtest/gtest.h>

#include <array>
#include <set>
#include <string>

#include "proto/checksum.hpp"
#include "proto/drop.hpp"
#include "proto/echo.hpp"
#include "proto/router_discovery.hpp"
#include "support/packet_helpers.hpp"

namespace teredo::proto {
namespace {

using test::Bytes;
using test::from_hex;

TEST(Checksum, MatchesTheRfc1071Example) {
  const Bytes b = from_hex("0001f203f4f5f6f7");
  EXPECT_EQ(checksum_finish(checksum_add(0, b)), static_cast<std::uint16_t>(~0xddf2 & 0xFFFF));
}

TEST(Checksum, PadsOddLengthDataWithAZeroByte) {
  EXPECT_EQ(checksum_add(0, from_hex("01")), 0x0100u);
  EXPECT_EQ(checksum_add(0, from_hex("123456")), 0x1234u + 0x5600u);
  const Bytes odd = from_hex("deadbeef01");
  const Bytes even = from_hex("deadbeef0100");
  EXPECT_EQ(checksum_finish(checksum_add(0, odd)), checksum_finish(checksum_add(0, even)));
}

TEST(Checksum, OddLengthEchoVerifiesAfterBuilding) {
  const std::uint8_t data[] = {0xAA, 0xBB, 0xCC};
  Echo e;
  e.data = data;
  const Bytes b = test::build(
      [&](Writer& w) { build_echo(w, test::ipv6("2001:db8::1"), test::ipv6("2001:db8::2"), 64, e); });
  ASSERT_EQ(b.size(), 40u + 11);
  EXPECT_EQ(
      ipv6_upper_checksum(test::ipv6("2001:db8::1"), test::ipv6("2001:db8::2"), 58, ByteView(b).subspan(40)),
      0);
}

TEST(Checksum, FoldsCarriesFromLongRunsOfOnes) {
  const Bytes ones(70000, 0xFF);
  EXPECT_EQ(checksum_finish(checksum_add(0, ones)), 0);
  EXPECT_EQ(checksum_finish(0xFFFFFFFFu), 0);
  EXPECT_EQ(checksum_finish(0), 0xFFFF);
}

TEST(Checksum, VerifiesTheRsVectorToZero) {
  const Bytes d = from_hex(test::kRsVectorHex);
  const ByteView rs = ByteView(d).subspan(13 + 40);
  EXPECT_EQ(ipv6_upper_checksum(test::rs_vector_source(), kAllRoutersMulticast, 58, rs), 0);
}

TEST(Bytes, LoadsAndStoresBigEndian) {
  std::uint8_t b[4] = {};
  store_be32(b, 0x01020304);
  EXPECT_EQ(test::to_hex(b), "01020304");
  EXPECT_EQ(load_be32(b), 0x01020304u);
  store_be16(b, 0xFEDC);
  EXPECT_EQ(load_be16(b), 0xFEDC);
}

// A buffer with guard bytes on both sides; the Writer gets only the middle.
struct Guarded {
  static constexpr std::size_t kGuard = 16;
  static constexpr std::uint8_t kFill = 0xA5;
  std::vector<std::uint8_t> all;
  std::size_t size;
  explicit Guarded(std::size_t n) : all(n + 2 * kGuard, kFill), size(n) {}
  MutableBytes span() { return MutableBytes(all.data() + kGuard, size); }
  bool guards_intact() const {
    for (std::size_t i = 0; i < kGuard; ++i)
      if (all[i] != kFill || all[kGuard + size + i] != kFill) return false;
    return true;
  }
};

TEST(Writer, StopsAtTheEndOfItsBufferAndRemembersTheOverflow) {
  Guarded g(5);
  Writer w(g.span());
  w.put32(0x01020304);
  EXPECT_TRUE(w.ok());
  w.put16(0xFFFF);  // does not fit
  EXPECT_FALSE(w.ok());
  EXPECT_EQ(w.size(), 4u);
  w.put8(0x77);  // would fit, but the writer is already overflowed
  EXPECT_EQ(w.size(), 4u);
  EXPECT_EQ(w.reserve(0), nullptr);
  EXPECT_TRUE(g.guards_intact());
  EXPECT_EQ(g.all[Guarded::kGuard + 4], Guarded::kFill);
}

TEST(Writer, FillsItsBufferExactly) {
  Guarded g(8);
  Writer w(g.span());
  w.put_zeros(3);
  w.put8(1);
  w.put32(0x02030405);
  EXPECT_TRUE(w.ok());
  EXPECT_EQ(w.size(), 8u);
  EXPECT_EQ(test::to_hex(w.written()), "0000000102030405");
  w.put(ByteView{});
  w.put_zeros(0);
  EXPECT_TRUE(w.ok());
  w.put(from_hex("ff"));
  EXPECT_FALSE(w.ok());
  EXPECT_TRUE(g.guards_intact());
}

TEST(Writer, RejectsAHugeReservationWithoutWrapping) {
  Guarded g(4);
  Writer w(g.span());
  w.put8(1);
  EXPECT_EQ(w.reserve(static_cast<std::size_t>(-1)), nullptr);
  EXPECT_FALSE(w.ok());
  EXPECT_TRUE(g.guards_intact());
}

TEST(Writer, EveryBuilderNeverWritesOutOfBoundsForAnyBufferSize) {
  const std::uint8_t data[] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  Echo e;
  e.data = data;
  RouterAdvertisement ra;
  ra.prefix = PrefixInformation{};
  ra.mtu = 1280;
  const Ipv6Addr a = test::ipv6("2001:db8::1"), b = test::ipv6("fe80::1");
  using BuildFn =
      void (*)(Writer&, const Echo&, const RouterAdvertisement&, const Ipv6Addr&, const Ipv6Addr&);
  const std::pair<const char*, BuildFn> builders[] = {
      {"rs",
       [](Writer& w, const Echo&, const RouterAdvertisement&, const Ipv6Addr& s, const Ipv6Addr&) {
         build_auth_header(w, test::kRsVectorNonce, 0);
         build_router_solicitation(w, s);
       }},
      {"ra",
       [](Writer& w, const Echo&, const RouterAdvertisement& r, const Ipv6Addr& s, const Ipv6Addr& d) {
         build_origin_indication(w, test::endpoint("192.0.2.45", 40000));
         build_router_advertisement(w, s, d, r);
       }},
      {"echo", [](Writer& w, const Echo& x, const RouterAdvertisement&, const Ipv6Addr& s,
                  const Ipv6Addr& d) { build_echo(w, s, d, 64, x); }},
      {"bubble", [](Writer& w, const Echo&, const RouterAdvertisement&, const Ipv6Addr& s,
                    const Ipv6Addr& d) { build_bubble(w, s, d, 255); }},
  };
  for (const auto& [name, fn] : builders) {
    Guarded full(512);
    Writer fw(full.span());
    fn(fw, e, ra, a, b);
    ASSERT_TRUE(fw.ok()) << name;
    const std::size_t needed = fw.size();
    for (std::size_t n = 0; n <= needed; ++n) {
      SCOPED_TRACE(std::string(name) + " into " + std::to_string(n) + " bytes");
      Guarded g(n);
      Writer w(g.span());
      fn(w, e, ra, a, b);
      EXPECT_EQ(w.ok(), n == needed);
      EXPECT_LE(w.size(), n);
      EXPECT_TRUE(g.guards_intact());
    }
  }
}

TEST(Drop, EveryReasonHasADistinctSnakeCaseName) {
  std::set<std::string_view> names;
  for (std::size_t i = 0; i < kDropCount; ++i) {
    const std::string_view n = to_string(static_cast<Drop>(i));
    EXPECT_FALSE(n.empty());
    EXPECT_NE(n, "unknown");
    for (char c : n) EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_') << n;
    names.insert(n);
  }
  EXPECT_EQ(names.size(), kDropCount);
  EXPECT_EQ(to_string(Drop::kCount), "unknown");
}

TEST(Drop, CountersAddUpPerReasonAndInTotal) {
  DropCounters a, b;
  a.add(Drop::BadHopLimit);
  a.add(Drop::BadHopLimit);
  b.add(Drop::NotIpv6);
  a += b;
  EXPECT_EQ(a[Drop::BadHopLimit], 2u);
  EXPECT_EQ(a[Drop::NotIpv6], 1u);
  EXPECT_EQ(a.total(), 3u);
}

}  // namespace
}  // namespace teredo::proto
