// Batched UDP socket I/O over recvmmsg/sendmmsg.
#include "os/udp_socket.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

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

RecvBatch::RecvBatch(std::size_t slot_size) : slot_size_(slot_size), storage_(slot_size * kMaxBatch) {}

void RecvBatch::prepare() {
  for (std::size_t i = 0; i < kMaxBatch; ++i) {
    iov_[i].iov_base = storage_.data() + i * slot_size_;
    iov_[i].iov_len = slot_size_;
    msghdr& h = msgs_[i].msg_hdr;
    h = msghdr{};
    h.msg_name = &addrs_[i];
    h.msg_namelen = sizeof(sockaddr_in);
    h.msg_iov = &iov_[i];
    h.msg_iovlen = 1;
    msgs_[i].msg_len = 0;
  }
  count_ = 0;
}

proto::ByteView RecvBatch::payload(std::size_t i) const {
  const std::size_t len = msgs_[i].msg_len < slot_size_ ? msgs_[i].msg_len : slot_size_;
  return proto::ByteView(storage_.data() + i * slot_size_, len);
}

proto::Endpoint RecvBatch::source(std::size_t i) const { return from_sockaddr(addrs_[i]); }

bool RecvBatch::truncated(std::size_t i) const { return (msgs_[i].msg_hdr.msg_flags & MSG_TRUNC) != 0; }

bool SendBatch::add(proto::Endpoint to, proto::ByteView header, proto::ByteView body) {
  if (full()) return false;
  const std::size_t i = count_;
  addrs_[i] = to_sockaddr(to);
  std::size_t n = 0;
  // The iovecs only view the caller's bytes; sendmmsg never writes through them.
  if (!header.empty()) {
    iov_[2 * i + n].iov_base = const_cast<std::uint8_t*>(header.data());
    iov_[2 * i + n].iov_len = header.size();
    ++n;
  }
  if (!body.empty()) {
    iov_[2 * i + n].iov_base = const_cast<std::uint8_t*>(body.data());
    iov_[2 * i + n].iov_len = body.size();
    ++n;
  }
  msghdr& h = msgs_[i].msg_hdr;
  h = msghdr{};
  h.msg_name = &addrs_[i];
  h.msg_namelen = sizeof(sockaddr_in);
  h.msg_iov = &iov_[2 * i];
  h.msg_iovlen = n;
  ++count_;
  return true;
}

OsResult<UdpSocket> UdpSocket::open(proto::Endpoint local, const UdpSocketOptions& options) {
  Fd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP));
  if (!fd) return errno_error("socket");
  const int one = 1;
  if (options.reuse_port && ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0)
    return errno_error("setsockopt(SO_REUSEPORT)");
  const int pmtu = IP_PMTUDISC_DONT;
  if (::setsockopt(fd.get(), IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, sizeof pmtu) != 0)
    return errno_error("setsockopt(IP_MTU_DISCOVER)");
  // Buffer sizes are a performance hint: the kernel clamps them to net.core.*mem_max.
  if (options.receive_buffer > 0)
    (void)::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &options.receive_buffer, sizeof options.receive_buffer);
  if (options.send_buffer > 0)
    (void)::setsockopt(fd.get(), SOL_SOCKET, SO_SNDBUF, &options.send_buffer, sizeof options.send_buffer);
  const sockaddr_in sa = to_sockaddr(local);
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0) return errno_error("bind");
  // Report the port the kernel chose when `local` asked for an ephemeral one (port 0).
  sockaddr_in bound{};
  socklen_t len = sizeof bound;
  if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&bound), &len) != 0) return errno_error("getsockname");
  return UdpSocket(std::move(fd), from_sockaddr(bound));
}

OsResult<std::size_t> UdpSocket::recv_batch(RecvBatch& batch) {
  batch.prepare();
  for (;;) {
    const int n = ::recvmmsg(fd_.get(), batch.msgs_.data(), static_cast<unsigned>(kMaxBatch), MSG_DONTWAIT, nullptr);
    if (n >= 0) {
      batch.count_ = static_cast<std::size_t>(n);
      return batch.count_;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return std::size_t{0};
    return errno_error("recvmmsg");
  }
}

SendReport UdpSocket::send_batch(SendBatch& batch) {
  SendReport report;
  std::size_t done = 0;
  while (done < batch.count_) {
    const int n = ::sendmmsg(fd_.get(), batch.msgs_.data() + done, static_cast<unsigned>(batch.count_ - done),
                             MSG_DONTWAIT);
    if (n > 0) {
      done += static_cast<std::size_t>(n);
      report.sent += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    // sendmmsg reports an error only for the first message of the remaining run: skip it.
    if (report.first_errno == 0) report.first_errno = n < 0 ? errno : EIO;
    ++report.failed;
    ++done;
  }
  batch.clear();
  return report;
}

}  // namespace teredo::os
