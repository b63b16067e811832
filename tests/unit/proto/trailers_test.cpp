// SPDX-License-Identifier: GPL-2.0-or-later
// RFC 6081 trailers (sheet 2.8; checklist items 8-10, 56, 59): vectors for each trailer, the
// unknown-type rules, truncation, and every malformed case as a named drop.
#include <gtest/gtest.h>

#include <vector>

#include "proto/encapsulation.hpp"
#include "proto/trailers.hpp"
#include "support/packet_helpers.hpp"

namespace teredo::proto {
namespace {

using test::Bytes;
using test::from_hex;
using test::to_hex;

template <class Fn>
std::string build(Fn&& fn) {
  std::uint8_t buf[64];
  Writer w(buf);
  fn(w);
  EXPECT_TRUE(w.ok());
  return to_hex(w.written());
}

TEST(Trailers, BuildsEachTrailerByteForByte) {
  EXPECT_EQ(build([](Writer& w) { build_nonce_trailer(w, 0x01234567); }), "010401234567");
  EXPECT_EQ(build([](Writer& w) { build_random_port_trailer(w, 40000); }), "05029c40");
  EXPECT_EQ(build([](Writer& w) { build_discovery_trailer(w, DiscoveryType::Solicitation); }),
            "040400000000");
  EXPECT_EQ(build([](Writer& w) { build_discovery_trailer(w, DiscoveryType::Advertisement); }),
            "040401000000");
  const Endpoint one[] = {test::endpoint("192.168.1.10", 40000)};
  EXPECT_EQ(build([&](Writer& w) { build_alternate_address_trailer(w, one); }), "03080000c0a8010a9c40");
  const Endpoint two[] = {test::endpoint("192.168.1.10", 40000), test::endpoint("203.0.113.7", 3545)};
  EXPECT_EQ(build([&](Writer& w) { build_alternate_address_trailer(w, two); }),
            "030e0000c0a8010a9c40cb007107"
            "0dd9");
  EXPECT_EQ(build([](Writer& w) { build_alternate_address_trailer(w, {}); }), "");
}

TEST(Trailers, AlternateAddressListIsCutToFour) {
  std::vector<Endpoint> five(5, test::endpoint("10.0.0.1", 1));
  std::uint8_t buf[64];
  Writer w(buf);
  build_alternate_address_trailer(w, five);
  EXPECT_EQ(w.size(), alternate_address_trailer_size(4));
  auto t = parse_trailers(w.written());
  ASSERT_TRUE(t.ok()) << to_string(t.drop());
  EXPECT_EQ(t->alternate_count, 4);
}

TEST(Trailers, ParsesEveryKnownTrailerInOneRun) {
  const Bytes b = from_hex(
      "010401234567"
      "05029c40"
      "040401000000"
      "030e0000c0a8010a9c40cb0071070dd9");
  auto t = parse_trailers(b);
  ASSERT_TRUE(t.ok()) << to_string(t.drop());
  EXPECT_EQ(t->nonce, 0x01234567u);
  EXPECT_EQ(t->random_port, 40000);
  EXPECT_EQ(t->discovery, DiscoveryType::Advertisement);
  ASSERT_EQ(t->alternate_addresses().size(), 2u);
  EXPECT_EQ(t->alternates[0], test::endpoint("192.168.1.10", 40000));
  EXPECT_EQ(t->alternates[1], test::endpoint("203.0.113.7", 3545));
  EXPECT_FALSE(t->truncated);
  EXPECT_FALSE(t->empty());
}

TEST(Trailers, EmptyInputIsNoTrailers) {
  auto t = parse_trailers({});
  ASSERT_TRUE(t.ok());
  EXPECT_TRUE(t->empty());
  EXPECT_FALSE(t->truncated);
}

TEST(Trailers, RandomPortUnderTheIanaTypeIsAcceptedToo) {
  auto t = parse_trailers(from_hex("02029c40"));
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->random_port, 40000);
}

TEST(Trailers, UnknownTypesAreSkippedUnlessTheirTopBitsAre01) {
  // 0x06 (00), 0x86 (10), 0xc6 (11): skipped, the nonce after them still counts.
  for (const char* type : {"06", "86", "c6"}) {
    auto t = parse_trailers(from_hex(std::string(type) + "03aabbcc" + "010400000001"));
    ASSERT_TRUE(t.ok()) << type;
    EXPECT_EQ(t->skipped, 1);
    EXPECT_EQ(t->nonce, 1u);
  }
  for (const char* type : {"40", "46", "7f"}) {
    auto t = parse_trailers(from_hex(std::string("010400000001") + type + "00"));
    ASSERT_FALSE(t.ok()) << type;
    EXPECT_EQ(t.drop(), Drop::UnknownMandatoryTrailer);
  }
}

TEST(Trailers, ATruncatedTrailerEndsParsingAndKeepsWhatCameBefore) {
  for (const char* tail : {"05", "0504", "05049c", "0104000000"}) {
    auto t = parse_trailers(from_hex(std::string("010400000007") + tail));
    ASSERT_TRUE(t.ok()) << tail;
    EXPECT_TRUE(t->truncated) << tail;
    EXPECT_EQ(t->nonce, 7u);
    EXPECT_FALSE(t->random_port);
  }
  // A must-understand type beyond the truncation point is never read.
  auto t =
      parse_trailers(from_hex("0504"
                              "4000"));
  ASSERT_TRUE(t.ok());
  EXPECT_TRUE(t->truncated);
}

TEST(Trailers, EveryMalformedKnownTrailerIsANamedDrop) {
  struct Case {
    const char* hex;
    Drop drop;
  };
  const Case cases[] = {
      {"0103010203", Drop::BadTrailerLength},               // nonce of 3 bytes
      {"01050102030405", Drop::BadTrailerLength},           // nonce of 5 bytes
      {"050100", Drop::BadTrailerLength},                   // random port of 1 byte
      {"05020000", Drop::BadTrailerValue},                  // random port 0
      {"0403000000", Drop::BadTrailerLength},               // ND of 3 bytes
      {"040402000000", Drop::BadTrailerValue},              // DiscoveryType 2
      {"0306000001020304", Drop::BadTrailerLength},         // alternate address of 6 bytes
      {"03090000c0a8010a9c4000", Drop::BadTrailerLength},   // 9 bytes: not 2 + 6n
      {"03080001c0a8010a9c40", Drop::BadAlternateAddress},  // reserved not zero
      {"03080000c0a8010a0000", Drop::BadAlternateAddress},  // port 0
      {"030800007f0000019c40", Drop::BadAlternateAddress},  // loopback
      {"03080000e00000fd9c40", Drop::BadAlternateAddress},  // multicast
      {"0308000000000000"
       "9c40",
       Drop::BadAlternateAddress},  // 0.0.0.0
      {"030800000a000001000103080000"
       "0a0000010001",
       Drop::DuplicateTrailer},
      {"010400000001010400000002", Drop::DuplicateTrailer},
      {"05029c40"
       "02029c41",
       Drop::DuplicateTrailer},  // both random port types
      {"040400000000040401000000", Drop::DuplicateTrailer},
  };
  for (const auto& c : cases) {
    auto t = parse_trailers(from_hex(c.hex));
    ASSERT_FALSE(t.ok()) << c.hex;
    EXPECT_EQ(t.drop(), c.drop) << c.hex << ": " << to_string(t.drop());
  }
  // Five alternate addresses (length 32) are more than 6081 allows.
  Bytes five = from_hex("03200000");
  for (int i = 0; i < 5; ++i) {
    const Bytes e = from_hex("0a0000010001");
    five.insert(five.end(), e.begin(), e.end());
  }
  auto t = parse_trailers(five);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.drop(), Drop::BadTrailerLength);
}

TEST(Trailers, PrivateAlternateAddressesAreValidUnicast) {
  EXPECT_TRUE(is_valid_unicast(test::endpoint("10.1.2.3", 1).addr));
  EXPECT_TRUE(is_valid_unicast(test::endpoint("192.168.0.1", 1).addr));
  EXPECT_TRUE(is_valid_unicast(test::endpoint("203.0.113.7", 1).addr));
  EXPECT_FALSE(is_valid_unicast(test::endpoint("0.1.2.3", 1).addr));
  EXPECT_FALSE(is_valid_unicast(test::endpoint("127.0.0.1", 1).addr));
  EXPECT_FALSE(is_valid_unicast(test::endpoint("224.0.0.253", 1).addr));
  EXPECT_FALSE(is_valid_unicast(test::endpoint("255.255.255.255", 1).addr));
}

TEST(Trailers, TeredoPacketSplitsABubbleFromItsTrailers) {
  // 6081 section 4: the IPv6 packet may be shorter than the UDP payload; the rest is trailers.
  Bytes d = from_hex(test::kBubbleVectorHex);
  const Bytes tr = from_hex("0104deadbeef");
  d.insert(d.end(), tr.begin(), tr.end());
  auto p = parse_teredo_packet(d);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->ipv6.size(), 40u);
  EXPECT_EQ(to_hex(p->trailers), "0104deadbeef");
  auto t = parse_trailers(p->trailers);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->nonce, 0xdeadbeefu);
}

}  // namespace
}  // namespace teredo::proto
