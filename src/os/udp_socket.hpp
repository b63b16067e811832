// Non-blocking IPv4 UDP socket with batched receive (recvmmsg) and send (sendmmsg).
// All per-packet storage is preallocated in RecvBatch/SendBatch: nothing is allocated per packet.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "os/fd.hpp"
#include "os/os_result.hpp"
#include "proto/bytes.hpp"
#include "proto/ipv4.hpp"

namespace teredo::os {

/// Largest number of datagrams moved by one recv_batch/send_batch call.
inline constexpr std::size_t kMaxBatch = 64;

struct UdpSocketOptions {
  /// SO_REUSEPORT, so that several workers can bind the same address and port.
  bool reuse_port = false;
  /// Requested SO_RCVBUF/SO_SNDBUF sizes (the kernel may clamp them); 0 keeps the default.
  int receive_buffer = 4 << 20;
  int send_buffer = 4 << 20;
};

/// Receive-side storage for up to kMaxBatch datagrams of at most slot_size bytes each.
/// Allocated once. Views returned by payload() stay valid until the next recv_batch into it.
class RecvBatch {
 public:
  explicit RecvBatch(std::size_t slot_size = 2048);
  RecvBatch(const RecvBatch&) = delete;
  RecvBatch& operator=(const RecvBatch&) = delete;

  std::size_t size() const { return count_; }
  /// The i-th received datagram (truncated to slot_size if it was longer).
  proto::ByteView payload(std::size_t i) const;
  /// Where the i-th datagram came from.
  proto::Endpoint source(std::size_t i) const;
  /// True if the i-th datagram did not fit in its slot.
  bool truncated(std::size_t i) const;

 private:
  friend class UdpSocket;
  void prepare();

  std::size_t slot_size_;
  std::vector<std::uint8_t> storage_;
  std::array<mmsghdr, kMaxBatch> msgs_{};
  std::array<iovec, kMaxBatch> iov_{};
  std::array<sockaddr_in, kMaxBatch> addrs_{};
  std::size_t count_ = 0;
};

/// Send-side storage for up to kMaxBatch datagrams, each sent as two iovecs (header, body).
/// Only views are kept: the caller keeps the bytes alive until send_batch returns.
class SendBatch {
 public:
  SendBatch() = default;
  SendBatch(const SendBatch&) = delete;
  SendBatch& operator=(const SendBatch&) = delete;

  /// Queues one datagram; false if the batch is full (send it first).
  bool add(proto::Endpoint to, proto::ByteView header, proto::ByteView body);
  std::size_t size() const { return count_; }
  bool full() const { return count_ == kMaxBatch; }
  void clear() { count_ = 0; }

 private:
  friend class UdpSocket;
  std::array<mmsghdr, kMaxBatch> msgs_{};
  std::array<iovec, 2 * kMaxBatch> iov_{};
  std::array<sockaddr_in, kMaxBatch> addrs_{};
  std::size_t count_ = 0;
};

/// Result of send_batch: how many datagrams left, how many failed, and the first error seen.
struct SendReport {
  std::size_t sent = 0;
  std::size_t failed = 0;
  int first_errno = 0;
};

/// A bound, non-blocking, close-on-exec IPv4 UDP socket with path MTU discovery disabled
/// (IP_PMTUDISC_DONT: Teredo datagrams may be fragmented). Thread-compatible: one thread uses it.
class UdpSocket {
 public:
  static OsResult<UdpSocket> open(proto::Endpoint local, const UdpSocketOptions& options);

  int fd() const { return fd_.get(); }
  /// The bound address and port (the kernel's choice when open() asked for port 0).
  proto::Endpoint local() const { return local_; }

  /// Receives up to kMaxBatch datagrams without blocking into `batch`. Returns the number
  /// received (0 when nothing is pending).
  OsResult<std::size_t> recv_batch(RecvBatch& batch);

  /// Sends every queued datagram (one sendmmsg call, repeated only after partial sends) and
  /// clears the batch. Datagrams the kernel refuses are counted as failed and skipped.
  SendReport send_batch(SendBatch& batch);

 private:
  UdpSocket(Fd fd, proto::Endpoint local) : fd_(std::move(fd)), local_(local) {}
  Fd fd_;
  proto::Endpoint local_;
};

/// Conversions between proto::Endpoint (host order) and sockaddr_in (network order).
sockaddr_in to_sockaddr(proto::Endpoint e);
proto::Endpoint from_sockaddr(const sockaddr_in& sa);

}  // namespace teredo::os
