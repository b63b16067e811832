// SPDX-License-Identifier: GPL-2.0-or-later
// A worker's packet I/O with the offloads (performance.md 2, 3), so that the tunnel path and the
// core stay per-packet:
//  - TUN -> core: batched reads into an arena; TCP/UDP super-packets (TUN_F_TSO6/USO6, partial
//    checksums with TUN_F_CSUM) are cut into complete IPv6 packets of the tunnel MTU there.
//  - core -> UDP: datagrams go out in sendmmsg batches; consecutive ones to one peer of equal
//    size leave as one UDP_SEGMENT message (scatter-gather over the core's headers and the
//    packets), with a fallback to one by one when the kernel refuses GSO.
//  - UDP -> core: recvmmsg batches; UDP_GRO runs from one peer are split into datagrams.
//  - core -> TUN: consecutive segments of a TCP (or UDP) flow are merged back into one
//    super-packet, one write each.
// Each offload is probed at start, can be turned off by configuration, and falls back on
// refusal. Buffers are allocated once (page-mapped: resident only as far as traffic reaches);
// nothing per packet. Used by the worker's one thread.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "config/datapath_settings.hpp"
#include "core/buffer_memory.hpp"
#include "datapath/error_log.hpp"
#include "os/page_memory.hpp"
#include "os/raw_icmpv6_socket.hpp"
#include "os/tun_device.hpp"
#include "os/udp_socket.hpp"
#include "proto/drop.hpp"
#include "proto/offload.hpp"

namespace teredo::datapath {

/// What the data path ended up using, after probing.
struct ActiveOffloads {
  os::TunOffloads tun;
  bool tcp_coalescing = false;
  bool udp_coalescing = false;
  bool udp_gso = false;
  bool udp_gro = false;
};

/// "offloads: tun csum+tso6+uso6, tcp coalescing, udp gso, udp gro" or "offloads: none".
std::string describe_offloads(const ActiveOffloads& a);

/// The TUN, UDP and ICMPv6 endpoints of one worker (the worker owns them; this borrows them).
struct PacketDevices {
  os::TunDevice& tun;
  os::UdpSocket& udp;
  os::RawIcmpv6Socket& icmp;
};

class OffloadIo {
 public:
  /// A UDP datagram's payload is at most 65507 bytes; a slot that large is never truncated,
  /// and holds a UDP GRO run (at most 64 KiB).
  static constexpr std::size_t kUdpSlotSize = 65536;
  /// The TUN batch arena: raw reads and segmented packets, reused once the batch is processed.
  static constexpr std::size_t kArenaSize = 1 << 20;

  /// Probes the offloads `settings` allow and logs what is in use. `max_mtu` is the largest MTU
  /// the interface can have while this runs.
  OffloadIo(PacketDevices devices, std::size_t max_mtu, const config::DataPathSettings& settings);
  OffloadIo(const OffloadIo&) = delete;
  OffloadIo& operator=(const OffloadIo&) = delete;

  const ActiveOffloads& offloads() const { return active_; }

  /// Reads up to os::kMaxBatch TUN packets, cutting super-packets into packets, and hands each to
  /// sink.add(view). Views stay valid until sink.drain() (which must carry out everything they
  /// were given), called whenever the arena or sink.full() says there is no room for more.
  template <class Sink>
  void read_tun_batch(Sink& sink);

  /// Receives one recvmmsg batch and calls fn(from, payload) for every datagram (GRO runs split).
  /// Payloads stay valid until the next receive.
  template <class Fn>
  void receive_udp(Fn&& fn) {
    receive_udp_on(devices_.udp, fn);
  }
  /// The same from another socket of the worker (a client's random-port socket), into the same
  /// batch: one receive buffer per worker, since the path handles one socket at a time.
  template <class Fn>
  void receive_udp_on(os::UdpSocket& socket, Fn&& fn);

  /// Queues a datagram (`header` then `body`); sends the batch first when it is full. The bytes
  /// must stay valid until finish_batch().
  void send_udp(proto::Endpoint to, proto::ByteView header, proto::ByteView body) {
    if (!send_.add(to, header, body)) {
      flush_udp();
      (void)send_.add(to, header, body);
    }
  }

  /// Writes one IPv6 packet to the TUN, merged into its flow's run when coalescing. A packet
  /// either joins its flow's run or ends the runs before it is written, so a flow keeps its order.
  void write_tun(proto::ByteView packet) {
    if (active_.tcp_coalescing) {
      if (tcp_.add(packet)) return;
      write_run(tcp_);
      if (tcp_.add(packet)) return;
    }
    if (active_.udp_coalescing) {
      if (udp_.add(packet)) return;
      write_run(udp_);
      if (udp_.add(packet)) return;
    }
    write_one(packet, proto::OffloadInfo{});
  }

  /// Sends an ICMPv6 error through the raw socket.
  void send_icmp(const proto::Ipv6Addr& to, proto::ByteView message);

  /// Writes the pending TUN runs and sends the pending datagrams: call before the bytes they view
  /// (the core's actions, received batches) are released.
  void finish_batch() {
    write_run(tcp_);
    write_run(udp_);
    flush_udp();
  }

  /// Drops counted here (send failures), to add to the core's.
  const proto::DropCounters& drops() const { return drops_; }
  ErrorLog& errors() { return errors_; }

 private:
  static std::size_t align(std::size_t n) { return (n + 63) & ~std::size_t{63}; }

  template <class Coalescer>
  void write_run(Coalescer& c) {
    if (c.empty()) return;
    const auto out = c.take();
    write_one(out.packet, out.info);
  }
  void write_one(proto::ByteView packet, const proto::OffloadInfo& info);
  void flush_udp();

  PacketDevices devices_;
  std::size_t read_size_;  // bytes offered to one TUN read
  std::size_t room_;       // arena bytes one read may need
  core::BufferArray<std::uint8_t> arena_;
  os::RecvBatch recv_;
  os::SendBatch send_;
  core::BufferArray<std::uint8_t> tcp_buf_;
  proto::TcpCoalescer tcp_;
  core::BufferArray<std::uint8_t> udp_buf_;
  proto::UdpCoalescer udp_;
  ActiveOffloads active_;
  proto::DropCounters drops_;
  ErrorLog errors_;
};

template <class Sink>
void OffloadIo::read_tun_batch(Sink& sink) {
  std::size_t used = 0;
  for (std::size_t reads = 0; reads < os::kMaxBatch; ++reads) {
    if (kArenaSize - used < room_ || sink.full()) {
      sink.drain();
      used = 0;
    }
    std::uint8_t* at = arena_.get() + used;
    proto::OffloadInfo info;
    auto r = devices_.tun.read(proto::MutableBytes{at, read_size_}, info);
    if (!r) {
      errors_.note("read(tun)", r.error().code.value());
      break;
    }
    if (!r.value()) break;  // drained
    const std::size_t len = *r.value();
    if (info.gso == proto::GsoType::None && !info.needs_checksum) {
      sink.add(proto::ByteView{at, len});
      used += align(len);
      continue;
    }
    std::uint8_t* out = at + align(len);
    auto seg = proto::segment_super_packet(proto::ByteView{at, len}, info,
                                           proto::MutableBytes{out, kArenaSize - used - align(len)});
    if (!seg) {
      drops_.add(seg.drop());
      continue;
    }
    for (std::size_t k = 0, off = 0; k < seg->count; ++k) {
      const std::size_t n = std::min(seg->segment_size, seg->total - off);
      sink.add(proto::ByteView{out + off, n});
      off += n;
    }
    used += align(len) + align(seg->total);
  }
  sink.drain();
}

template <class Fn>
void OffloadIo::receive_udp_on(os::UdpSocket& socket, Fn&& fn) {
  auto received = socket.recv_batch(recv_);
  if (!received) {
    errors_.note("recvmmsg", received.error().code.value());
    return;
  }
  for (std::size_t i = 0; i < *received; ++i) {
    const proto::ByteView all = recv_.payload(i);
    const proto::Endpoint from = recv_.source(i);
    const std::size_t seg = recv_.segment_size(i);
    if (seg == 0 || seg >= all.size()) {
      fn(from, all);
      continue;
    }
    for (std::size_t off = 0; off < all.size(); off += seg)
      fn(from, all.subspan(off, std::min(seg, all.size() - off)));
  }
}

}  // namespace teredo::datapath
