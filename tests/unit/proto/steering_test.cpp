// SPDX-License-Identifier: GPL-2.0-or-later
// Steering keys and the owner function (proto/steering.hpp): the same bytes the kernel programs
// read, for bare IPv6, origin indication, authentication header and both; short inputs.
#include <gtest/gtest.h>

#include <set>

#include "proto/encapsulation.hpp"
#include "proto/steering.hpp"
#include "support/packet_helpers.hpp"

namespace teredo::proto {
namespace {

using test::Bytes;
using test::concat;
using test::ipv6;

Bytes ipv6_header(const Ipv6Addr& src, const Ipv6Addr& dst) {
  Bytes h(40, 0);
  h[0] = 0x60;
  h[6] = 59;
  h[7] = 64;
  std::copy(src.bytes.begin(), src.bytes.end(), h.begin() + 8);
  std::copy(dst.bytes.begin(), dst.bytes.end(), h.begin() + 24);
  return h;
}

constexpr SteeringKey kKey{{0x01234567u, 0x89abcdefu, 0xdeadbeefu, 0x0badf00du}};

TEST(Steering, HashIsFourKeyedMultiplyXorshiftRounds) {
  // Computed apart (Python) from the definition in proto/steering.hpp.
  const Ipv6Addr a = ipv6("2001:0:4136:e378:8000:63bf:3fff:fdd2");
  EXPECT_EQ(steering_hash(a, SteeringKey{}), 0xf917u);
  EXPECT_EQ(steering_hash(a, kKey), 0x2fa8u);
  EXPECT_EQ(shard_of(a, 1, kKey), 0u);
  EXPECT_EQ(shard_of(a, 2, kKey), 0x2fa8u % 2);
  EXPECT_EQ(shard_of(a, 3, kKey), 0x2fa8u % 3);
}

TEST(Steering, SpreadsTeredoAddressesOverWorkers) {
  // Clients of one server differ in the mapped port and address only: both halves must matter.
  for (const SteeringKey& key : {SteeringKey{}, kKey}) {
    std::set<unsigned> seen;
    for (unsigned port = 0; port < 64; ++port) {
      Ipv6Addr a = ipv6("2001:0:cb00:7178::");
      a.bytes[10] = static_cast<std::uint8_t>(~port >> 8);
      a.bytes[11] = static_cast<std::uint8_t>(~port);
      seen.insert(shard_of(a, 4, key));
    }
    EXPECT_EQ(seen.size(), 4u);
  }
}

// The attack the key stops: unkeyed, addresses that differ by the same value in two words (here
// words 2 and 3 under the old fold, h = w0 ^ w1 ^ w2 ^ w3) kept their owner, so an attacker
// could mint any number of addresses for one worker. Keyed, which addresses share an owner depends on
// the secret: across keys, every pattern of owners appears, and each address goes to each worker for
// about half of the keys.
TEST(Steering, WhoSharesAWorkerDependsOnTheKey) {
  std::vector<Ipv6Addr> addrs;
  for (std::uint8_t i = 0; i < 8; ++i) {
    Ipv6Addr a = ipv6("2001:0:cb00:7178:8000:63bf:3fff:fdd2");
    a.bytes[9] ^= i;
    a.bytes[11] ^= i;
    a.bytes[13] ^= i;
    a.bytes[15] ^= i;
    addrs.push_back(a);
  }
  std::set<unsigned> patterns;
  std::vector<unsigned> on_one(addrs.size(), 0);
  constexpr unsigned kKeys = 512;
  for (std::uint32_t k = 0; k < kKeys; ++k) {
    const SteeringKey key{{k * 0x9e3779b9u, k * 0x85ebca6bu, k * 0xc2b2ae35u, k * 0x27d4eb2fu}};
    unsigned pattern = 0;
    for (std::size_t i = 0; i < addrs.size(); ++i) {
      const unsigned owner = shard_of(addrs[i], 2, key);
      pattern |= owner << i;
      on_one[i] += owner;
    }
    patterns.insert(pattern);
  }
  EXPECT_GT(patterns.size(), 200u);  // of 256 possible
  for (unsigned n : on_one) {
    EXPECT_GT(n, kKeys * 4 / 10);
    EXPECT_LT(n, kKeys * 6 / 10);
  }
}

TEST(Steering, TunKeyIsTheDestination) {
  const Ipv6Addr src = ipv6("2001:db8::1"), dst = ipv6("2001:0:cb00:7178:0:efff:3fff:fdfe");
  const Bytes p = ipv6_header(src, dst);
  ASSERT_TRUE(tun_steering_key(p));
  EXPECT_EQ(*tun_steering_key(p), dst);
  EXPECT_FALSE(tun_steering_key(ByteView{p.data(), 39}));
  EXPECT_FALSE(tun_steering_key(ByteView{}));
}

TEST(Steering, UdpKeyIsTheInnerSourceAfterEveryHeader) {
  const Ipv6Addr src = ipv6("2001:0:cb00:7178:0:efff:3fff:fdfe"), dst = ipv6("2001:db8::1");
  const Bytes ip = ipv6_header(src, dst);
  const Bytes origin =
      test::build([](Writer& w) { build_origin_indication(w, test::endpoint("192.0.2.1", 4096)); });
  const Bytes auth = test::build([](Writer& w) { build_auth_header(w, Nonce{1, 2, 3, 4, 5, 6, 7, 8}, 0); });
  // An authentication header with a 3-byte client ID and a 2-byte value: 18 bytes.
  Bytes long_auth = {0, 1, 3, 2, 'i', 'd', 'x', 'a', 'v', 1, 2, 3, 4, 5, 6, 7, 8, 0};
  for (const Bytes& d : {ip, concat({origin, ip}), concat({auth, ip}), concat({auth, origin, ip}),
                         concat({long_auth, origin, ip}), concat({long_auth, ip})}) {
    auto key = udp_steering_key(d);
    ASSERT_TRUE(key) << test::to_hex(d);
    EXPECT_EQ(*key, src);
    // One byte short of the source's end: no key.
    EXPECT_FALSE(udp_steering_key(ByteView{d.data(), d.size() - 40 + 23}));
  }
  EXPECT_FALSE(udp_steering_key(ByteView{}));
  EXPECT_FALSE(udp_steering_key(Bytes{0, 1, 0}));
  EXPECT_FALSE(udp_steering_key(Bytes{0, 0, 1, 2}));
}

}  // namespace
}  // namespace teredo::proto
