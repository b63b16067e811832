// Shared bits of the fuzz harnesses: a check that traps (so libFuzzer and the replay runner both
// report it as a crash), and an ICMPv6 checksum fixer so mutated ND/echo messages get past the
// checksum and reach the option parsers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <algorithm>
#include <cstring>
#include <vector>

#include "proto/bytes.hpp"
#include "proto/checksum.hpp"
#include "proto/ipv6.hpp"

#define FUZZ_CHECK(cond)     \
  do {                       \
    if (!(cond)) __builtin_trap(); \
  } while (0)

namespace teredo::fuzz {

/// Input convention of the ICMPv6 harnesses: byte 0 holds control bits, the rest is an IPv6
/// packet. Bit 0 set: recompute the ICMPv6 checksum (when the packet is long enough) before parsing.
inline constexpr std::uint8_t kFixChecksum = 0x01;

/// Copies the packet part of the input and, if asked, fixes the ICMPv6 checksum field in place.
inline std::vector<std::uint8_t> icmpv6_input(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return {};
  std::vector<std::uint8_t> pkt(data + 1, data + size);
  if ((data[0] & kFixChecksum) && pkt.size() >= proto::kIpv6HeaderSize + 4) {
    const std::size_t plen = std::min<std::size_t>(proto::load_be16(pkt.data() + 4),
                                                   pkt.size() - proto::kIpv6HeaderSize);
    proto::Ipv6Addr src, dst;
    std::memcpy(src.bytes.data(), pkt.data() + 8, 16);
    std::memcpy(dst.bytes.data(), pkt.data() + 24, 16);
    std::uint8_t* icmp = pkt.data() + proto::kIpv6HeaderSize;
    if (plen >= 4) {
      icmp[2] = 0;
      icmp[3] = 0;
      proto::store_be16(icmp + 2, proto::ipv6_upper_checksum(src, dst, pkt[6], proto::ByteView(icmp, plen)));
    }
  }
  return pkt;
}

inline bool same_bytes(proto::ByteView a, proto::ByteView b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size()) == 0);
}

/// True when `inner` lies entirely within `outer` (views into the same buffer).
inline bool within(proto::ByteView inner, proto::ByteView outer) {
  if (inner.empty()) return true;
  return inner.data() >= outer.data() && inner.data() + inner.size() <= outer.data() + outer.size();
}

}  // namespace teredo::fuzz
