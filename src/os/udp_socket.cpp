// SPDX-License-Identifier: GPL-2.0-or-later
// Batched UDP socket I/O over recvmmsg/sendmmsg, with UDP GSO and GRO.
#include "os/udp_socket.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/udp.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#ifndef UDP_GRO
#define UDP_GRO 104
#endif
#ifndef SOL_UDP
#define SOL_UDP 17
#endif

namespace teredo::os {

sockaddr_in to_sockaddr(proto::Endpoint e) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(e.port);
  sa.sin_addr.s_addr = htonl(e.addr.value);
  return sa;
}

proto::Endpoint from_sockaddr(const sockaddr_in& sa) {
  return proto::Endpoint{proto::Ipv4Addr{ntohl(sa.sin_addr.s_addr)}, ntohs(sa.sin_port)};
}

// Default-initialised (not zeroed): the pages stay untouched until the kernel writes into them.
RecvBatch::RecvBatch(std::size_t slot_size)
    : slot_size_(slot_size), storage_(new std::uint8_t[slot_size * kMaxBatch]) {}

void RecvBatch::prepare() {
  for (std::size_t i = 0; i < kMaxBatch; ++i) {
    iov_[i].iov_base = storage_.get() + i * slot_size_;
    iov_[i].iov_len = slot_size_;
    msghdr& h = msgs_[i].msg_hdr;
    h = msghdr{};
    h.msg_name = &addrs_[i];
    h.msg_namelen = sizeof(sockaddr_in);
    h.msg_iov = &iov_[i];
    h.msg_iovlen = 1;
    h.msg_control = control_[i].data();
    h.msg_controllen = kControlSize;
    msgs_[i].msg_len = 0;
  }
  count_ = 0;
}

proto::ByteView RecvBatch::payload(std::size_t i) const {
  const std::size_t len = msgs_[i].msg_len < slot_size_ ? msgs_[i].msg_len : slot_size_;
  return proto::ByteView(storage_.get() + i * slot_size_, len);
}

proto::Endpoint RecvBatch::source(std::size_t i) const {
  return from_sockaddr(addrs_[i]);
}

bool RecvBatch::truncated(std::size_t i) const {
  return (msgs_[i].msg_hdr.msg_flags & MSG_TRUNC) != 0;
}

std::size_t RecvBatch::segment_size(std::size_t i) const {
  const msghdr& h = msgs_[i].msg_hdr;
  if (h.msg_controllen == 0) return 0;
  for (const cmsghdr* c = CMSG_FIRSTHDR(&h); c != nullptr;
       c = CMSG_NXTHDR(const_cast<msghdr*>(&h), const_cast<cmsghdr*>(c))) {
    if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO && c->cmsg_len >= CMSG_LEN(sizeof(int))) {
      int size = 0;
      std::memcpy(&size, CMSG_DATA(c), sizeof size);
      return size > 0 ? static_cast<std::size_t>(size) : 0;
    }
  }
  return 0;
}

bool SendBatch::add(proto::Endpoint to, proto::ByteView header, proto::ByteView body) {
  if (datagrams_ == kMaxSendDatagrams) return false;
  const std::size_t size = header.size() + body.size();
  const sockaddr_in sa = to_sockaddr(to);
  bool extend = false;
  if (gso_ && count_ != 0 && size != 0) {
    const Run& r = runs_[count_ - 1];
    const sockaddr_in& last = addrs_[count_ - 1];
    extend = !r.closed && r.segments < kMaxGsoSegments && size <= r.segment_size &&
             r.segment_size <= kMaxGsoSegmentSize && r.bytes + size <= kMaxGsoBytes &&
             last.sin_addr.s_addr == sa.sin_addr.s_addr && last.sin_port == sa.sin_port;
  }
  if (!extend && count_ == kMaxBatch) return false;

  // The iovecs only view the caller's bytes; sendmmsg never writes through them.
  const std::size_t first_iov = 2 * datagrams_;
  std::size_t n = 0;
  if (!header.empty()) iov_[first_iov + n++] = iovec{const_cast<std::uint8_t*>(header.data()), header.size()};
  if (!body.empty()) iov_[first_iov + n++] = iovec{const_cast<std::uint8_t*>(body.data()), body.size()};
  dgrams_[datagrams_] = Datagram{static_cast<std::uint16_t>(first_iov), static_cast<std::uint16_t>(n)};

  if (extend) {
    Run& r = runs_[count_ - 1];
    msghdr& h = msgs_[count_ - 1].msg_hdr;
    // Runs are built from consecutive datagrams: the message's iovecs stay contiguous, except
    // that a datagram may use fewer than 2 slots; close the gap by moving its iovecs down.
    const std::size_t end = static_cast<std::size_t>(h.msg_iov - iov_.data()) + h.msg_iovlen;
    if (end != first_iov) {
      for (std::size_t k = 0; k < n; ++k) iov_[end + k] = iov_[first_iov + k];
      dgrams_[datagrams_].iov_start = static_cast<std::uint16_t>(end);
    }
    h.msg_iovlen += n;
    ++r.segments;
    r.bytes += static_cast<std::uint32_t>(size);
    if (size < r.segment_size) r.closed = true;
  } else {
    const std::size_t i = count_;
    addrs_[i] = sa;
    runs_[i] = Run{static_cast<std::uint32_t>(datagrams_), 1,
                   static_cast<std::uint16_t>(size > 0xffff ? 0xffff : size),
                   static_cast<std::uint32_t>(size), false};
    msghdr& h = msgs_[i].msg_hdr;
    h = msghdr{};
    h.msg_name = &addrs_[i];
    h.msg_namelen = sizeof(sockaddr_in);
    h.msg_iov = &iov_[first_iov];
    h.msg_iovlen = n;
    ++count_;
  }
  ++datagrams_;
  return true;
}

OsResult<proto::Endpoint> UdpSocket::claim(proto::Endpoint local) {
  UdpSocketOptions plain;
  plain.receive_buffer = 0;
  plain.send_buffer = 0;
  auto s = open(local, plain);
  if (!s) return s.error();
  return s->local();  // closed on return: the port is free again for the group
}

OsResult<proto::Ipv4Addr> UdpSocket::source_toward(proto::Endpoint remote) {
  Fd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP));
  if (!fd) return errno_error("socket");
  const sockaddr_in to = to_sockaddr(remote);
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0)
    return errno_error("connect");
  sockaddr_in sa{};
  socklen_t len = sizeof sa;
  if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&sa), &len) != 0) return errno_error("getsockname");
  return from_sockaddr(sa).addr;
}

OsResult<proto::Ipv6Addr> ipv6_source_toward(const proto::Ipv6Addr& remote) {
  Fd fd(::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP));
  if (!fd) return errno_error("socket");
  sockaddr_in6 to{};
  to.sin6_family = AF_INET6;
  to.sin6_port = htons(3544);  // any port: nothing is sent
  std::memcpy(&to.sin6_addr, remote.bytes.data(), 16);
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0)
    return errno_error("connect");
  sockaddr_in6 sa{};
  socklen_t len = sizeof sa;
  if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&sa), &len) != 0) return errno_error("getsockname");
  proto::Ipv6Addr source;
  std::memcpy(source.bytes.data(), &sa.sin6_addr, 16);
  return source;
}

OsResult<UdpSocket> UdpSocket::open(proto::Endpoint local, const UdpSocketOptions& options) {
  Fd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP));
  if (!fd) return errno_error("socket");
  const int one = 1;
  if (options.reuse_port && ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0)
    return errno_error("setsockopt(SO_REUSEPORT)");
  if (options.reuse_address && ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0)
    return errno_error("setsockopt(SO_REUSEADDR)");
  const int pmtu = IP_PMTUDISC_DONT;
  if (::setsockopt(fd.get(), IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, sizeof pmtu) != 0)
    return errno_error("setsockopt(IP_MTU_DISCOVER)");
  // Outer ECN bits 00 and DSCP 0 (the default, made explicit): the inner header is untouched.
  const int tos = 0;
  (void)::setsockopt(fd.get(), IPPROTO_IP, IP_TOS, &tos, sizeof tos);
  // Buffer sizes are a performance hint: the kernel clamps them to net.core.*mem_max.
  if (options.receive_buffer > 0)
    (void)::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &options.receive_buffer,
                       sizeof options.receive_buffer);
  if (options.send_buffer > 0)
    (void)::setsockopt(fd.get(), SOL_SOCKET, SO_SNDBUF, &options.send_buffer, sizeof options.send_buffer);
  const sockaddr_in sa = to_sockaddr(local);
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0) return errno_error("bind");
  // Report the port the kernel chose when `local` asked for an ephemeral one (port 0).
  sockaddr_in bound{};
  socklen_t len = sizeof bound;
  if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&bound), &len) != 0)
    return errno_error("getsockname");
  return UdpSocket(std::move(fd), from_sockaddr(bound));
}

bool UdpSocket::probe_gso() {
  // Setting the socket-wide segment size to 0 (no segmentation) is accepted by kernels that
  // know UDP_SEGMENT; older ones answer ENOPROTOOPT.
  const int zero = 0;
  return ::setsockopt(fd_.get(), SOL_UDP, UDP_SEGMENT, &zero, sizeof zero) == 0;
}

bool UdpSocket::enable_gro() {
  const int one = 1;
  return ::setsockopt(fd_.get(), SOL_UDP, UDP_GRO, &one, sizeof one) == 0;
}

OsResult<std::size_t> UdpSocket::recv_batch(RecvBatch& batch) {
  batch.prepare();
  for (;;) {
    const int n =
        ::recvmmsg(fd_.get(), batch.msgs_.data(), static_cast<unsigned>(kMaxBatch), MSG_DONTWAIT, nullptr);
    if (n >= 0) {
      batch.count_ = static_cast<std::size_t>(n);
      return batch.count_;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return std::size_t{0};
    return errno_error("recvmmsg");
  }
}

void UdpSocket::send_one_by_one(SendBatch& batch, std::size_t m, SendReport& report) {
  const SendBatch::Run& r = batch.runs_[m];
  for (std::size_t d = r.first_datagram; d < r.first_datagram + r.segments; ++d) {
    msghdr h{};
    h.msg_name = &batch.addrs_[m];
    h.msg_namelen = sizeof(sockaddr_in);
    h.msg_iov = &batch.iov_[batch.dgrams_[d].iov_start];
    h.msg_iovlen = batch.dgrams_[d].iov_count;
    ssize_t n;
    do n = ::sendmsg(fd_.get(), &h, MSG_DONTWAIT);
    while (n < 0 && errno == EINTR);
    if (n >= 0) {
      ++report.sent;
    } else {
      if (report.first_errno == 0) report.first_errno = errno;
      ++report.failed;
    }
  }
}

SendReport UdpSocket::send_batch(SendBatch& batch) {
  SendReport report;
  // Attach the UDP_SEGMENT cmsg to every multi-datagram message.
  for (std::size_t i = 0; i < batch.count_; ++i) {
    msghdr& h = batch.msgs_[i].msg_hdr;
    const SendBatch::Run& r = batch.runs_[i];
    if (r.segments > 1) {
      h.msg_control = batch.control_[i].data();
      h.msg_controllen = CMSG_SPACE(sizeof(std::uint16_t));
      cmsghdr* c = CMSG_FIRSTHDR(&h);
      c->cmsg_level = SOL_UDP;
      c->cmsg_type = UDP_SEGMENT;
      c->cmsg_len = CMSG_LEN(sizeof(std::uint16_t));
      const std::uint16_t size = r.segment_size;
      std::memcpy(CMSG_DATA(c), &size, sizeof size);
    } else {
      h.msg_control = nullptr;
      h.msg_controllen = 0;
    }
  }
  std::size_t done = 0;
  while (done < batch.count_) {
    const int n = ::sendmmsg(fd_.get(), batch.msgs_.data() + done, static_cast<unsigned>(batch.count_ - done),
                             MSG_DONTWAIT);
    if (n > 0) {
      for (std::size_t k = done; k < done + static_cast<std::size_t>(n); ++k)
        report.sent += batch.runs_[k].segments;
      done += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    // sendmmsg reports an error only for the first message of the remaining run: skip it.
    const int err = n < 0 ? errno : EIO;
    if (batch.runs_[done].segments > 1 && (err == EIO || err == EINVAL || err == ENOPROTOOPT)) {
      // The device or the kernel refuses GSO: stop grouping and send this run one by one.
      batch.gso_ = false;
      if (report.gso_errno == 0) report.gso_errno = err;
      send_one_by_one(batch, done, report);
    } else {
      if (report.first_errno == 0) report.first_errno = err;
      report.failed += batch.runs_[done].segments;
    }
    ++done;
  }
  batch.clear();
  return report;
}

OsStatus UdpSocket::send_to(proto::Endpoint to, proto::ByteView header, proto::ByteView body) {
  sockaddr_in sa = to_sockaddr(to);
  // The iovecs only view the caller's bytes; sendmsg never writes through them.
  std::array<iovec, 2> iov{};
  std::size_t n = 0;
  if (!header.empty()) iov[n++] = iovec{const_cast<std::uint8_t*>(header.data()), header.size()};
  if (!body.empty()) iov[n++] = iovec{const_cast<std::uint8_t*>(body.data()), body.size()};
  msghdr h{};
  h.msg_name = &sa;
  h.msg_namelen = sizeof sa;
  h.msg_iov = iov.data();
  h.msg_iovlen = n;
  ssize_t sent;
  do sent = ::sendmsg(fd_.get(), &h, MSG_DONTWAIT);
  while (sent < 0 && errno == EINTR);
  if (sent < 0) return errno_error("sendmsg");
  return Ok{};
}

}  // namespace teredo::os
