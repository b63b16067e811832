// SPDX-License-Identifier: GPL-2.0-or-later
// Internet checksum over the IPv6 pseudo-header.
#include "proto/checksum.hpp"

#include <bit>
#include <cstring>

namespace teredo::proto {

std::uint32_t checksum_add(std::uint32_t sum, ByteView data) {
  // RFC 1071 1.2: the one's-complement sum does not depend on byte order. Sum the bulk as
  // native 32-bit words into a 64-bit accumulator (no carries lost for any realistic length),
  // fold to 16 bits, and swap into network order once at the end.
  const std::uint8_t* p = data.data();
  std::size_t n = data.size();
  std::uint64_t acc = 0;
  while (n >= 16) {
    std::uint32_t w[4];
    std::memcpy(w, p, 16);
    acc += std::uint64_t{w[0]} + w[1] + w[2] + w[3];
    p += 16;
    n -= 16;
  }
  while (n >= 4) {
    std::uint32_t w;
    std::memcpy(&w, p, 4);
    acc += w;
    p += 4;
    n -= 4;
  }
  while (acc >> 16) acc = (acc & 0xFFFF) + (acc >> 16);
  std::uint64_t total = sum;
  if constexpr (std::endian::native == std::endian::little)
    total += static_cast<std::uint16_t>((acc >> 8) | (acc << 8));
  else
    total += acc;
  // The last 0..3 bytes, in network order (an odd byte is the high half of a 16-bit word).
  if (n >= 2) {
    total += load_be16(p);
    p += 2;
    n -= 2;
  }
  if (n == 1) total += std::uint64_t{p[0]} << 8;
  while (total >> 32) total = (total & 0xFFFFFFFF) + (total >> 32);
  return static_cast<std::uint32_t>(total);
}

std::uint16_t checksum_finish(std::uint32_t sum) {
  std::uint64_t s = sum;
  while (s >> 16) s = (s & 0xFFFF) + (s >> 16);
  return static_cast<std::uint16_t>(~s & 0xFFFF);
}

std::uint16_t ipv6_upper_checksum(const Ipv6Addr& src, const Ipv6Addr& dst, std::uint8_t next_header,
                                  ByteView message) {
  std::uint32_t s = 0;
  s = checksum_add(s, src.bytes);
  s = checksum_add(s, dst.bytes);
  const auto len = static_cast<std::uint32_t>(message.size());
  std::uint64_t acc = s;
  acc += (len >> 16) + (len & 0xFFFF) + next_header;
  while (acc >> 32) acc = (acc & 0xFFFFFFFF) + (acc >> 32);
  return checksum_finish(checksum_add(static_cast<std::uint32_t>(acc), message));
}

}  // namespace teredo::proto
