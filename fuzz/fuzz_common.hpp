// SPDX-License-Identifier: GPL-2.0-or-later
// Shared bits of the fuzz harnesses: a check that traps (so libFuzzer and the replay runner both
// report it as a crash), and an ICMPv6 checksum fixer so mutated ND/echo messages get past the
// checksum and reach the option parsers.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "proto/bytes.hpp"
#include "proto/checksum.hpp"
#include "proto/ipv6.hpp"

#define FUZZ_CHECK(cond)           \
  do {                             \
    if (!(cond)) __builtin_trap(); \
  } while (0)

namespace teredo::fuzz {

/// Findings already reported (fuzz/README.md "Known findings") are still checked by default, so
/// their reproducers in corpus/ keep failing until fixed; TEREDO_FUZZ_SKIP_KNOWN=1 in the
/// environment skips those checks so a fuzzing session can look past them.
inline bool skip_known() {
  static const bool skip = std::getenv("TEREDO_FUZZ_SKIP_KNOWN") != nullptr;
  return skip;
}

/// Input convention of the ICMPv6 harnesses: byte 0 holds control bits, the rest is an IPv6
/// packet. Bit 0 set: recompute the ICMPv6 checksum (when the packet is long enough) before parsing.
inline constexpr std::uint8_t kFixChecksum = 0x01;

/// Copies the packet part of the input and, if asked, fixes the ICMPv6 checksum field in place.
inline std::vector<std::uint8_t> icmpv6_input(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return {};
  std::vector<std::uint8_t> pkt(data + 1, data + size);
  if ((data[0] & kFixChecksum) && pkt.size() >= proto::kIpv6HeaderSize + 4) {
    const std::size_t plen =
        std::min<std::size_t>(proto::load_be16(pkt.data() + 4), pkt.size() - proto::kIpv6HeaderSize);
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

/// Reads an input as a sequence of fields; reads past the end yield zeros / empty views.
class InputReader {
 public:
  InputReader(const std::uint8_t* data, std::size_t size) : p_(data), n_(size) {}
  bool empty() const { return n_ == 0; }
  std::size_t remaining() const { return n_; }
  std::uint8_t u8() {
    if (n_ == 0) return 0;
    --n_;
    return *p_++;
  }
  std::uint16_t u16() {
    const std::uint8_t hi = u8();
    return static_cast<std::uint16_t>((hi << 8) | u8());
  }
  /// Up to n bytes (fewer when the input runs out).
  proto::ByteView take(std::size_t n) {
    n = std::min(n, n_);
    proto::ByteView v(p_, n);
    p_ += n;
    n_ -= n;
    return v;
  }

 private:
  const std::uint8_t* p_;
  std::size_t n_;
};

/// Offset of the L4 checksum field for TCP/UDP/ICMPv6, or 0 for other next headers.
inline std::size_t l4_checksum_offset(std::uint8_t next_header) {
  switch (next_header) {
    case proto::kNextHeaderTcp:
      return 16;
    case proto::kNextHeaderUdp:
      return 6;
    case proto::kNextHeaderIcmpv6:
      return 2;
    default:
      return 0;
  }
}

/// Repairs an IPv6 packet in place so mutations get past the cheap checks: `length` sets the
/// payload length to what follows the header (capped at 65535), `checksum` recomputes the
/// TCP/UDP/ICMPv6 checksum (UDP: and its length field) when the packet is long enough.
inline void fix_ipv6(std::uint8_t* pkt, std::size_t size, bool length, bool checksum) {
  if (size < proto::kIpv6HeaderSize) return;
  if (length)
    proto::store_be16(
        pkt + 4, static_cast<std::uint16_t>(std::min<std::size_t>(size - proto::kIpv6HeaderSize, 0xFFFF)));
  if (!checksum) return;
  const std::size_t plen = std::min<std::size_t>(proto::load_be16(pkt + 4), size - proto::kIpv6HeaderSize);
  const std::uint8_t nh = pkt[6];
  const std::size_t off = l4_checksum_offset(nh);
  if (off == 0 || plen < off + 2 || (nh == proto::kNextHeaderTcp && plen < 20) ||
      (nh == proto::kNextHeaderUdp && plen < 8))
    return;
  std::uint8_t* l4 = pkt + proto::kIpv6HeaderSize;
  if (nh == proto::kNextHeaderUdp) proto::store_be16(l4 + 4, static_cast<std::uint16_t>(plen));
  proto::Ipv6Addr src, dst;
  std::memcpy(src.bytes.data(), pkt + 8, 16);
  std::memcpy(dst.bytes.data(), pkt + 24, 16);
  l4[off] = 0;
  l4[off + 1] = 0;
  std::uint16_t c = proto::ipv6_upper_checksum(src, dst, nh, proto::ByteView(l4, plen));
  if (c == 0 && nh == proto::kNextHeaderUdp) c = 0xFFFF;
  proto::store_be16(l4 + off, c);
}

/// Offset of the IPv6 packet in a Teredo UDP payload (after auth and origin headers, read
/// leniently), for fix_ipv6 on datagrams.
inline std::size_t teredo_ipv6_offset(const std::uint8_t* p, std::size_t size) {
  std::size_t off = 0;
  if (size >= 4 && p[0] == 0 && p[1] == 1) off = 13 + std::size_t{p[2]} + p[3];
  if (off + 2 <= size && p[off] == 0 && p[off + 1] == 0) off += 8;
  return std::min(off, size);
}

}  // namespace teredo::fuzz
