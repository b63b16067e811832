// SPDX-License-Identifier: GPL-2.0-or-later
// Non-blocking IPv4 UDP socket with batched receive (recvmmsg) and send (sendmmsg), and the UDP
// offloads: UDP GSO (UDP_SEGMENT: a run of equal-size datagrams to one peer goes down as one
// message, scatter-gather over the callers' header and body) and UDP GRO (UDP_GRO: the kernel
// hands over runs of equal-size datagrams from one peer in one buffer, with their size).
// All per-packet storage is preallocated in RecvBatch/SendBatch: nothing is allocated per packet.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "os/fd.hpp"
#include "os/os_result.hpp"
#include "proto/bytes.hpp"
#include "proto/ipv4.hpp"
#include "proto/ipv6_address.hpp"

namespace teredo::os {

/// Largest number of messages moved by one recv_batch/send_batch call.
inline constexpr std::size_t kMaxBatch = 64;
/// Largest number of datagrams one SendBatch holds (GSO runs included).
inline constexpr std::size_t kMaxSendDatagrams = 512;
/// UDP GSO limits: segments per message (the kernel's UDP_MAX_SEGMENTS is 64 on older kernels),
/// payload bytes per message (below the 65507-byte UDP limit), and the largest segment grouped
/// (a segment must fit the outgoing device's MTU: 1500 - 28).
inline constexpr std::size_t kMaxGsoSegments = 64;
inline constexpr std::size_t kMaxGsoBytes = 64000;
inline constexpr std::size_t kMaxGsoSegmentSize = 1472;

struct UdpSocketOptions {
  /// SO_REUSEPORT, so that several workers can bind the same address and port.
  bool reuse_port = false;
  /// SO_REUSEADDR (a multicast group's socket, shared with other listeners of this host).
  bool reuse_address = false;
  /// Requested SO_RCVBUF/SO_SNDBUF sizes (the kernel may clamp them); 0 keeps the default.
  int receive_buffer = 4 << 20;
  int send_buffer = 4 << 20;
};

/// Receive-side storage for up to kMaxBatch messages of at most slot_size bytes each (with UDP
/// GRO a message holds several datagrams: see segment_size()). Allocated once, and left
/// untouched until the kernel writes into it (idle memory stays low). Views returned by
/// payload() stay valid until the next recv_batch into it.
class RecvBatch {
 public:
  explicit RecvBatch(std::size_t slot_size = 2048);
  RecvBatch(const RecvBatch&) = delete;
  RecvBatch& operator=(const RecvBatch&) = delete;

  std::size_t size() const { return count_; }
  /// The i-th received message (truncated to slot_size if it was longer).
  proto::ByteView payload(std::size_t i) const;
  /// Where the i-th message came from.
  proto::Endpoint source(std::size_t i) const;
  /// True if the i-th message did not fit in its slot.
  bool truncated(std::size_t i) const;
  /// With UDP GRO: the size of each datagram coalesced in the i-th message (all equal except a
  /// shorter last one); 0 when the message is a single datagram.
  std::size_t segment_size(std::size_t i) const;

 private:
  friend class UdpSocket;
  void prepare();
  static constexpr std::size_t kControlSize = 32;  // CMSG_SPACE(sizeof(int)) with room

  std::size_t slot_size_;
  std::unique_ptr<std::uint8_t[]> storage_;
  std::array<mmsghdr, kMaxBatch> msgs_{};
  std::array<iovec, kMaxBatch> iov_{};
  std::array<sockaddr_in, kMaxBatch> addrs_{};
  alignas(8) std::array<std::array<std::uint8_t, kControlSize>, kMaxBatch> control_{};
  std::size_t count_ = 0;
};

/// Send-side storage for up to kMaxBatch messages and kMaxSendDatagrams datagrams, each datagram
/// sent as two iovecs (header, body). With GSO on, add() extends the last message while the
/// datagram goes to the same peer, is no longer than the run's first, the run has not ended on
/// a shorter one, and the GSO limits hold: the message is then sent with a UDP_SEGMENT cmsg.
/// Only views are kept: the caller keeps the bytes alive until send_batch returns.
class SendBatch {
 public:
  SendBatch() = default;
  SendBatch(const SendBatch&) = delete;
  SendBatch& operator=(const SendBatch&) = delete;

  /// Group datagrams into GSO runs from now on (off by default).
  void set_gso(bool on) { gso_ = on; }
  bool gso() const { return gso_; }

  /// Queues one datagram; false if the batch is full (send it first).
  bool add(proto::Endpoint to, proto::ByteView header, proto::ByteView body);
  /// Messages queued (a GSO run counts once).
  std::size_t size() const { return count_; }
  /// Datagrams queued.
  std::size_t datagrams() const { return datagrams_; }
  /// Datagrams in the i-th message, and their size (the last may be shorter).
  std::size_t segments(std::size_t i) const { return runs_[i].segments; }
  std::size_t segment_size(std::size_t i) const { return runs_[i].segment_size; }
  /// True if no further datagram can be queued without sending first.
  bool full() const { return count_ == kMaxBatch || datagrams_ == kMaxSendDatagrams; }
  void clear() {
    count_ = 0;
    datagrams_ = 0;
  }

 private:
  friend class UdpSocket;
  struct Run {
    std::uint32_t first_datagram;
    std::uint16_t segments;
    std::uint16_t segment_size;
    std::uint32_t bytes;
    bool closed;  // ended by a shorter datagram
  };
  struct Datagram {
    std::uint16_t iov_start;
    std::uint16_t iov_count;
  };
  static constexpr std::size_t kControlSize = 24;  // CMSG_SPACE(sizeof(std::uint16_t))

  bool gso_ = false;
  // Not zeroed (26 KiB per worker that would stay resident at idle): add() fills every field of
  // an entry before count_/datagrams_ cover it, and nothing reads beyond them.
  std::array<mmsghdr, kMaxBatch> msgs_;
  std::array<sockaddr_in, kMaxBatch> addrs_;
  std::array<Run, kMaxBatch> runs_;
  alignas(8) std::array<std::array<std::uint8_t, kControlSize>, kMaxBatch> control_;
  std::array<iovec, 2 * kMaxSendDatagrams> iov_;
  std::array<Datagram, kMaxSendDatagrams> dgrams_;
  std::size_t count_ = 0;
  std::size_t datagrams_ = 0;
};

/// Result of send_batch: how many datagrams left, how many failed, and the first error seen.
struct SendReport {
  std::size_t sent = 0;
  std::size_t failed = 0;
  int first_errno = 0;
  /// The kernel refused a GSO message (EIO, EINVAL): GSO was turned off on the batch (its
  /// datagrams were resent one by one) and this is the error.
  int gso_errno = 0;
};

/// A bound, non-blocking, close-on-exec IPv4 UDP socket with path MTU discovery disabled
/// (IP_PMTUDISC_DONT: Teredo datagrams may be fragmented) and TOS 0 (outer ECN bits 00).
/// Thread-compatible: one thread uses it.
class UdpSocket {
 public:
  static OsResult<UdpSocket> open(proto::Endpoint local, const UdpSocketOptions& options);

  /// Before opening a SO_REUSEPORT group on `local`: binds a plain socket there and closes it.
  /// Fails (EADDRINUSE) when any socket already holds the port, so that the group cannot join
  /// another process's group of the same user. Returns the endpoint (port 0: the port the kernel
  /// chose, for the whole group).
  static OsResult<proto::Endpoint> claim(proto::Endpoint local);
  /// The IPv4 source address the kernel would use toward `remote` (a UDP connect(), nothing sent).
  static OsResult<proto::Ipv4Addr> source_toward(proto::Endpoint remote);

  int fd() const { return fd_.get(); }
  /// The bound address and port (the kernel's choice when open() asked for port 0).
  proto::Endpoint local() const { return local_; }

  /// True if the kernel knows UDP_SEGMENT (Linux 4.18+). Whether the outgoing device can do it
  /// shows at the first send (send_batch falls back).
  bool probe_gso();
  /// Turns UDP_GRO on (Linux 5.0+); false if the kernel refused.
  bool enable_gro();

  /// Receives up to kMaxBatch messages without blocking into `batch`. Returns the number
  /// received (0 when nothing is pending).
  OsResult<std::size_t> recv_batch(RecvBatch& batch);

  /// Sends every queued message (one sendmmsg call, repeated only after partial sends) and
  /// clears the batch. Messages the kernel refuses are counted as failed and skipped.
  SendReport send_batch(SendBatch& batch);

  /// Sends one datagram (`header` then `body`) at once, without a batch: for the few packets
  /// of a socket off the hot path (a client's random-port sockets).
  OsStatus send_to(proto::Endpoint to, proto::ByteView header, proto::ByteView body);

 private:
  UdpSocket(Fd fd, proto::Endpoint local) : fd_(std::move(fd)), local_(local) {}
  /// Sends the datagrams of message `m` one by one (GSO fallback).
  void send_one_by_one(SendBatch& batch, std::size_t m, SendReport& report);
  Fd fd_;
  proto::Endpoint local_;
};

/// The IPv6 source address the kernel would use toward `remote` (a UDP connect(), nothing sent);
/// an error (ENETUNREACH) when no route leads there.
OsResult<proto::Ipv6Addr> ipv6_source_toward(const proto::Ipv6Addr& remote);

/// Conversions between proto::Endpoint (host order) and sockaddr_in (network order).
sockaddr_in to_sockaddr(proto::Endpoint e);
proto::Endpoint from_sockaddr(const sockaddr_in& sa);

}  // namespace teredo::os
