// SPDX-License-Identifier: GPL-2.0-or-later
// Segmentation and coalescing of IPv6 TCP/UDP super-packets, for the tunnel interface's
// offloads (TSO/USO on the way out, GRO-style coalescing on the way in). Pure functions: the
// Linux virtio header is translated to OffloadInfo by the os layer.
#pragma once

#include <cstddef>
#include <cstdint>

#include "proto/bytes.hpp"
#include "proto/result.hpp"

namespace teredo::proto {

enum class GsoType : std::uint8_t { None, TcpV6, UdpV6 };

/// What the kernel says about a packet it hands over (or what we tell it about one we write).
struct OffloadInfo {
  GsoType gso = GsoType::None;
  std::uint16_t gso_size = 0;     // payload bytes per segment (MSS)
  bool needs_checksum = false;    // the L4 checksum field holds only the pseudo-header sum
  std::uint16_t csum_start = 0;   // offset of the L4 header
  std::uint16_t csum_offset = 0;  // offset of the checksum field within the L4 header
};

/// Completes a partial L4 checksum in place (the field holds the pseudo-header sum, as with
/// CHECKSUM_PARTIAL). False if the offsets do not fit the packet.
bool complete_partial_checksum(MutableBytes packet, std::uint16_t csum_start, std::uint16_t csum_offset);

struct Segments {
  std::size_t count = 0;
  std::size_t segment_size = 0;  // every segment is this long except possibly the last
  std::size_t total = 0;         // bytes written to `out`
};

/// Cuts an IPv6 super-packet whose next header is TCP (gso TcpV6) or UDP (UdpV6) into complete
/// IPv6 packets with correct checksums, written one after another into `out`: exactly the
/// layout UDP GSO sends as equal-size datagrams. A packet without GSO is copied, with its
/// checksum completed if needed. Drops: UnsupportedOffload (extension headers, bad sizes),
/// TruncatedIpv6Header, Ipv6PayloadTruncated, and SendFailed if `out` is too small.
Result<Segments> segment_super_packet(ByteView super, const OffloadInfo& info, MutableBytes out);

/// Merges consecutive in-order segments of one TCP flow into a super-packet to write to the
/// tunnel interface with gso TcpV6 (like the kernel's GRO): same addresses, ports, traffic class,
/// flow label, hop limit, acknowledgement, window and options; contiguous sequence numbers; only
/// ACK (and PSH, which ends the run) set; every segment as long as the first except a shorter
/// last one. Not thread-safe.
class TcpCoalescer {
 public:
  /// `buffer` holds the super-packet being built: at least 65575 bytes (40 + 65535).
  explicit TcpCoalescer(MutableBytes buffer) : buf_(buffer) {}

  /// Offers the next packet. True if absorbed (copied). False if it cannot join the current
  /// run: the caller takes() the run, then offers the packet again, and writes it as it is if
  /// it is refused again (not TCP, or not coalescable).
  bool add(ByteView packet);
  bool empty() const { return segments_ == 0; }
  std::size_t segments() const { return segments_; }

  /// The accumulated packet and how to write it: gso None for a single segment (checksum
  /// intact), TcpV6 with a partial checksum for a merged run. Valid until the next add().
  struct Output {
    ByteView packet;
    OffloadInfo info;
  };
  Output take();

 private:
  MutableBytes buf_;
  std::size_t len_ = 0;
  std::size_t segments_ = 0;
  std::size_t tcp_header_len_ = 0;
  std::size_t mss_ = 0;
  std::uint32_t next_seq_ = 0;
  bool closed_ = false;
};

/// Merges consecutive datagrams of one UDP flow into a super-packet to write to the tunnel
/// interface with gso UdpV6 (USO): same addresses, ports, traffic class, flow label and hop
/// limit; every datagram as long as the first except a shorter last one; at most 64 datagrams.
/// Same protocol as TcpCoalescer. Not thread-safe.
class UdpCoalescer {
 public:
  /// `buffer`: at least 65575 bytes.
  explicit UdpCoalescer(MutableBytes buffer) : buf_(buffer) {}
  bool add(ByteView packet);
  bool empty() const { return segments_ == 0; }
  std::size_t segments() const { return segments_; }
  TcpCoalescer::Output take();

 private:
  MutableBytes buf_;
  std::size_t len_ = 0;
  std::size_t segments_ = 0;
  std::size_t size_ = 0;  // payload bytes of the first datagram
  bool closed_ = false;
};

}  // namespace teredo::proto
