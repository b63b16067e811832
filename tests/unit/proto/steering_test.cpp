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

TEST(Steering, HashIsTheWordXorFoldedByHalves) {
  // Words 0x20010000 ^ 0x4136e378 ^ 0x800063bf ^ 0x3ffffdd2 = 0xdec87d15; ^ (>> 16) = 0xdec8a3dd; & 0xffff =
  // 0xa3dd.
  const Ipv6Addr a = ipv6("2001:0:4136:e378:8000:63bf:3fff:fdd2");
  EXPECT_EQ(steering_hash(a), 0xa3ddu);
  EXPECT_EQ(shard_of(a, 1), 0u);
  EXPECT_EQ(shard_of(a, 2), 0xa3ddu % 2);
  EXPECT_EQ(shard_of(a, 3), 0xa3ddu % 3);
}

TEST(Steering, SpreadsTeredoAddressesOverWorkers) {
  // Clients of one server differ in the mapped port and address only: both halves must matter.
  std::set<unsigned> seen;
  for (unsigned port = 0; port < 64; ++port) {
    Ipv6Addr a = ipv6("2001:0:cb00:7178::");
    a.bytes[10] = static_cast<std::uint8_t>(~port >> 8);
    a.bytes[11] = static_cast<std::uint8_t>(~port);
    seen.insert(shard_of(a, 4));
  }
  EXPECT_EQ(seen.size(), 4u);
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
