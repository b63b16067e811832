// SPDX-License-Identifier: GPL-2.0-or-later
// TSO/USO segmentation and TCP coalescing for IPv6 (RFC 8200; RFC 9293 for TCP fields).
#include "proto/offload.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#include "proto/checksum.hpp"
#include "proto/ipv6.hpp"

namespace teredo::proto {

namespace {

constexpr std::uint8_t kTcpFin = 0x01;
constexpr std::uint8_t kTcpPsh = 0x08;
constexpr std::uint8_t kTcpAck = 0x10;
constexpr std::uint8_t kTcpCwr = 0x80;
constexpr std::size_t kTcpChecksumOffset = 16;
constexpr std::size_t kUdpChecksumOffset = 6;

Ipv6Addr addr_at(const std::uint8_t* p) {
  Ipv6Addr a;
  std::memcpy(a.bytes.data(), p, 16);
  return a;
}

void fill_l4_checksum(std::uint8_t* ip, std::size_t l4_len, std::uint8_t next_header, std::size_t csum_off) {
  std::uint8_t* l4 = ip + kIpv6HeaderSize;
  l4[csum_off] = 0;
  l4[csum_off + 1] = 0;
  std::uint16_t c = ipv6_upper_checksum(addr_at(ip + 8), addr_at(ip + 24), next_header, ByteView{l4, l4_len});
  // RFC 768: a computed UDP checksum of zero is sent as all ones.
  if (c == 0 && next_header == kNextHeaderUdp) c = 0xFFFF;
  store_be16(l4 + csum_off, c);
}

constexpr std::size_t kMaxUdpSegments = 64;

// The pseudo-header sum (not complemented) for an L4 length, as NEEDS_CSUM expects.
std::uint16_t pseudo_header_sum(const std::uint8_t* ip, std::size_t l4_len, std::uint8_t next_header) {
  std::uint32_t s = checksum_add(0, ByteView{ip + 8, 32});
  s = checksum_add(s, std::array<std::uint8_t, 8>{0, 0, static_cast<std::uint8_t>(l4_len >> 8),
                                                  static_cast<std::uint8_t>(l4_len), 0, 0, 0, next_header});
  std::uint64_t folded = s;
  while (folded >> 16) folded = (folded & 0xFFFF) + (folded >> 16);
  return static_cast<std::uint16_t>(folded);
}
// Ends a merged run: the L4 checksum field gets the pseudo-header sum (not complemented), as the
// kernel expects with NEEDS_CSUM (it completes or verifies it per segment), and the returned
// OffloadInfo describes the super-packet.
OffloadInfo finish_run(std::uint8_t* ip, std::size_t l4_len, std::uint8_t next_header,
                       std::size_t csum_offset, GsoType gso, std::size_t gso_size) {
  store_be16(ip + kIpv6HeaderSize + csum_offset, pseudo_header_sum(ip, l4_len, next_header));
  OffloadInfo info;
  info.gso = gso;
  info.gso_size = static_cast<std::uint16_t>(gso_size);
  info.needs_checksum = true;
  info.csum_start = static_cast<std::uint16_t>(kIpv6HeaderSize);
  info.csum_offset = static_cast<std::uint16_t>(csum_offset);
  return info;
}

}  // namespace

bool complete_partial_checksum(MutableBytes packet, std::uint16_t csum_start, std::uint16_t csum_offset) {
  const std::size_t field = std::size_t{csum_start} + csum_offset;
  if (csum_start > packet.size() || field + 2 > packet.size()) return false;
  // The field holds the pseudo-header sum already; summing the L4 bytes with it and
  // complementing gives the full checksum.
  const std::uint16_t c =
      checksum_finish(checksum_add(0, ByteView{packet.data() + csum_start, packet.size() - csum_start}));
  store_be16(packet.data() + field, c);
  return true;
}

Result<Segments> segment_super_packet(ByteView super, const OffloadInfo& info, MutableBytes out) {
  if (super.size() < kIpv6HeaderSize) return Drop::TruncatedIpv6Header;
  if ((super[0] >> 4) != 6) return Drop::NotIpv6;
  const std::size_t payload_len = load_be16(super.data() + 4);
  if (kIpv6HeaderSize + payload_len > super.size()) return Drop::Ipv6PayloadTruncated;
  super = super.first(kIpv6HeaderSize + payload_len);
  const std::uint8_t nh = super[6];

  if (info.gso == GsoType::None) {
    if (out.size() < super.size()) return Drop::SendFailed;
    std::memcpy(out.data(), super.data(), super.size());
    // The checksum must lie beyond the IPv6 header: never let the offsets rewrite the header.
    if (info.needs_checksum &&
        (info.csum_start < kIpv6HeaderSize ||
         !complete_partial_checksum(out.first(super.size()), info.csum_start, info.csum_offset)))
      return Drop::UnsupportedOffload;
    return Segments{1, super.size(), super.size()};
  }

  const bool tcp = info.gso == GsoType::TcpV6;
  if (nh != (tcp ? kNextHeaderTcp : kNextHeaderUdp)) return Drop::UnsupportedOffload;
  std::size_t l4_header = 8;
  if (tcp) {
    if (payload_len < 20) return Drop::UnsupportedOffload;
    l4_header = static_cast<std::size_t>(super[kIpv6HeaderSize + 12] >> 4) * 4;
    if (l4_header < 20 || l4_header > payload_len) return Drop::UnsupportedOffload;
  } else if (payload_len < 8) {
    return Drop::UnsupportedOffload;
  }
  const std::size_t mss = info.gso_size;
  if (mss == 0) return Drop::UnsupportedOffload;
  const std::size_t headers = kIpv6HeaderSize + l4_header;
  const std::size_t data_len = super.size() - headers;
  const std::size_t count = data_len == 0 ? 1 : (data_len + mss - 1) / mss;
  const std::size_t total = count * headers + data_len;
  if (out.size() < total) return Drop::SendFailed;

  const std::uint8_t* data = super.data() + headers;
  const std::uint32_t seq = tcp ? load_be32(super.data() + kIpv6HeaderSize + 4) : 0;
  const std::uint8_t flags = tcp ? super[kIpv6HeaderSize + 13] : 0;
  std::uint8_t* w = out.data();
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t off = i * mss;
    const std::size_t chunk = std::min(mss, data_len - off);
    std::memcpy(w, super.data(), headers);
    std::memcpy(w + headers, data + off, chunk);
    store_be16(w + 4, static_cast<std::uint16_t>(l4_header + chunk));
    std::uint8_t* l4 = w + kIpv6HeaderSize;
    if (tcp) {
      store_be32(l4 + 4, seq + static_cast<std::uint32_t>(off));
      std::uint8_t f = flags;
      if (i + 1 < count) f = static_cast<std::uint8_t>(f & ~(kTcpFin | kTcpPsh));
      if (i > 0) f = static_cast<std::uint8_t>(f & ~kTcpCwr);
      l4[13] = f;
      fill_l4_checksum(w, l4_header + chunk, kNextHeaderTcp, kTcpChecksumOffset);
    } else {
      store_be16(l4 + 4, static_cast<std::uint16_t>(8 + chunk));
      fill_l4_checksum(w, 8 + chunk, kNextHeaderUdp, kUdpChecksumOffset);
    }
    w += headers + chunk;
  }
  return Segments{count, headers + std::min(mss, data_len == 0 ? 0 : data_len), total};
}

bool TcpCoalescer::add(ByteView p) {
  if (p.size() < kIpv6HeaderSize + 20 || (p[0] >> 4) != 6 || p[6] != kNextHeaderTcp) return false;
  const std::size_t payload_len = load_be16(p.data() + 4);
  if (kIpv6HeaderSize + payload_len != p.size()) return false;
  const std::uint8_t* t = p.data() + kIpv6HeaderSize;
  const std::size_t thl = static_cast<std::size_t>(t[12] >> 4) * 4;
  if (thl < 20 || thl > payload_len) return false;
  const std::size_t data = payload_len - thl;
  const std::uint8_t flags = t[13];
  if (data == 0 || (flags & ~(kTcpAck | kTcpPsh)) != 0 || (flags & kTcpAck) == 0) return false;
  const std::uint32_t seq = load_be32(t + 4);

  if (segments_ == 0) {
    if (p.size() > buf_.size()) return false;
    std::memcpy(buf_.data(), p.data(), p.size());
    len_ = p.size();
    segments_ = 1;
    tcp_header_len_ = thl;
    mss_ = data;
    next_seq_ = seq + static_cast<std::uint32_t>(data);
    closed_ = (flags & kTcpPsh) != 0;
    return true;
  }
  if (closed_ || thl != tcp_header_len_ || data > mss_ || seq != next_seq_) return false;
  if (len_ + data > buf_.size() || len_ - kIpv6HeaderSize + data > 0xFFFF) return false;
  const std::uint8_t* h = buf_.data();
  // Version/class/flow label, next header and hop limit, addresses: bytes 0-3 and 6-39.
  if (std::memcmp(h, p.data(), 4) != 0 || std::memcmp(h + 6, p.data() + 6, 34) != 0) return false;
  const std::uint8_t* ht = h + kIpv6HeaderSize;
  // Ports, acknowledgement number, window, urgent pointer and options must match.
  if (std::memcmp(ht, t, 4) != 0 || std::memcmp(ht + 8, t + 8, 5) != 0 ||
      std::memcmp(ht + 14, t + 14, 2) != 0 || std::memcmp(ht + 18, t + 18, thl - 18) != 0)
    return false;
  std::memcpy(buf_.data() + len_, t + thl, data);
  len_ += data;
  ++segments_;
  next_seq_ += static_cast<std::uint32_t>(data);
  if (flags & kTcpPsh) buf_[kIpv6HeaderSize + 13] |= kTcpPsh;
  if (data < mss_ || (flags & kTcpPsh)) closed_ = true;
  return true;
}

TcpCoalescer::Output TcpCoalescer::take() {
  Output o;
  if (segments_ == 0) return o;
  std::uint8_t* h = buf_.data();
  if (segments_ > 1) {
    const std::size_t l4_len = len_ - kIpv6HeaderSize;
    store_be16(h + 4, static_cast<std::uint16_t>(l4_len));
    o.info = finish_run(h, l4_len, kNextHeaderTcp, kTcpChecksumOffset, GsoType::TcpV6, mss_);
  }
  o.packet = ByteView{h, len_};
  segments_ = 0;
  len_ = 0;
  return o;
}

bool UdpCoalescer::add(ByteView p) {
  if (p.size() < kIpv6HeaderSize + 8 || (p[0] >> 4) != 6 || p[6] != kNextHeaderUdp) return false;
  const std::size_t payload_len = load_be16(p.data() + 4);
  if (kIpv6HeaderSize + payload_len != p.size()) return false;
  const std::uint8_t* u = p.data() + kIpv6HeaderSize;
  if (load_be16(u + 4) != payload_len) return false;
  const std::size_t data = payload_len - 8;
  if (data == 0) return false;
  if (segments_ == 0) {
    if (p.size() > buf_.size()) return false;
    std::memcpy(buf_.data(), p.data(), p.size());
    len_ = p.size();
    segments_ = 1;
    size_ = data;
    closed_ = false;
    return true;
  }
  if (closed_ || data > size_ || segments_ >= kMaxUdpSegments) return false;
  if (len_ + data > buf_.size() || len_ - kIpv6HeaderSize + data > 0xFFFF) return false;
  const std::uint8_t* h = buf_.data();
  if (std::memcmp(h, p.data(), 4) != 0 || std::memcmp(h + 6, p.data() + 6, 34) != 0 ||
      std::memcmp(h + kIpv6HeaderSize, u, 4) != 0)
    return false;
  std::memcpy(buf_.data() + len_, u + 8, data);
  len_ += data;
  ++segments_;
  if (data < size_) closed_ = true;
  return true;
}

TcpCoalescer::Output UdpCoalescer::take() {
  TcpCoalescer::Output o;
  if (segments_ == 0) return o;
  std::uint8_t* h = buf_.data();
  if (segments_ > 1) {
    const std::size_t l4_len = len_ - kIpv6HeaderSize;
    store_be16(h + 4, static_cast<std::uint16_t>(l4_len));
    store_be16(h + kIpv6HeaderSize + 4, static_cast<std::uint16_t>(l4_len));
    o.info = finish_run(h, l4_len, kNextHeaderUdp, kUdpChecksumOffset, GsoType::UdpV6, size_);
  }
  o.packet = ByteView{h, len_};
  segments_ = 0;
  len_ = 0;
  return o;
}

}  // namespace teredo::proto
