// SPDX-License-Identifier: GPL-2.0-or-later
// HMAC-SHA1 through libcrypto (os/hmac.hpp): the RFC 2202 test vectors, and a text in parts.
#include "os/hmac.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace teredo::os {
namespace {

proto::ByteView bytes(std::string_view s) {  // a view: `s` must outlive it (literals do)
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

std::string hex(const core::AuthValue& v) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (std::uint8_t b : v) {
    s += digits[b >> 4];
    s += digits[b & 15];
  }
  return s;
}

TEST(LibcryptoMac, Rfc2202TestVectors) {
  auto mac = LibcryptoMac::load();
  ASSERT_TRUE(mac.ok()) << mac.error().message();
  const std::string k1(20, '\x0b');
  const std::string t1 = "Hi There";
  const proto::ByteView p1 = bytes(t1);
  ASSERT_TRUE(mac->hmac_sha1(bytes(k1), std::span(&p1, 1)));
  EXPECT_EQ(hex(*mac->hmac_sha1(bytes(k1), std::span(&p1, 1))), "b617318655057264e28bc0b6fb378c8ef146be00");
  const std::string k2 = "Jefe";
  const std::string t2 = "what do ya want for nothing?";
  const proto::ByteView p2 = bytes(t2);
  EXPECT_EQ(hex(*mac->hmac_sha1(bytes(k2), std::span(&p2, 1))), "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
  const std::string k3(20, '\xaa');
  const std::string t3(50, '\xdd');
  const proto::ByteView p3 = bytes(t3);
  EXPECT_EQ(hex(*mac->hmac_sha1(bytes(k3), std::span(&p3, 1))), "125d7342b9ac11cd91a39af48aa17b4f63f175d3");
  // Test case 6: a key longer than the block size.
  const std::string k6(80, '\xaa');
  const std::string t6 = "Test Using Larger Than Block-Size Key - Hash Key First";
  const proto::ByteView p6 = bytes(t6);
  EXPECT_EQ(hex(*mac->hmac_sha1(bytes(k6), std::span(&p6, 1))), "aa4ae5e15272d00e95705637ce8a3b55ed402112");
}

TEST(LibcryptoMac, ATextInPartsIsTheirConcatenation) {
  auto mac = LibcryptoMac::load();
  ASSERT_TRUE(mac.ok());
  const std::string key = "Jefe";
  const std::vector<proto::ByteView> parts = {
      bytes("what do "), {}, bytes("ya want "), bytes("for nothing?")};
  EXPECT_EQ(hex(*mac->hmac_sha1(bytes(key), parts)), "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
  // Longer than the stack buffer: joined on the heap, same result as one piece.
  const std::string big(5000, 'x');
  const std::string first = big.substr(0, 2500), second = big.substr(2500);
  const std::vector<proto::ByteView> halves = {bytes(first), bytes(second)};
  const proto::ByteView whole = bytes(big);
  EXPECT_EQ(mac->hmac_sha1(bytes(key), halves), mac->hmac_sha1(bytes(key), std::span(&whole, 1)));
}

}  // namespace
}  // namespace teredo::os
