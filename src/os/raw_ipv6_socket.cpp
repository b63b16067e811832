// SPDX-License-Identifier: GPL-2.0-or-later
// Raw IPv6 output for the Teredo server's native path (RFC 4380 5.3.1).
#include "os/raw_ipv6_socket.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace teredo::os {

namespace {

// Errors that a previous ICMP error left pending on the socket, not caused by this packet.
bool is_icmp_induced(int err) {
  return err == ENETUNREACH || err == EHOSTUNREACH || err == EACCES || err == ECONNREFUSED ||
         err == EMSGSIZE || err == EPROTO;
}

constexpr int kMaxAttempts = 10;

}  // namespace

OsResult<RawIpv6Socket> RawIpv6Socket::open() {
  Fd fd(::socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_RAW));
  if (!fd) return errno_error("socket(AF_INET6, SOCK_RAW)");
  return RawIpv6Socket(std::move(fd));
}

OsStatus RawIpv6Socket::send(proto::ByteView packet) {
  if (packet.size() < 40) return errno_error("sendto", EINVAL);
  sockaddr_in6 dst{};
  dst.sin6_family = AF_INET6;
  std::memcpy(&dst.sin6_addr, packet.data() + 24, 16);
  int err = 0;
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    const ssize_t n = ::sendto(fd_.get(), packet.data(), packet.size(), MSG_DONTWAIT,
                               reinterpret_cast<const sockaddr*>(&dst), sizeof dst);
    if (n >= 0) return Ok{};
    err = errno;
    if (err != EINTR && !is_icmp_induced(err)) break;
  }
  return errno_error("sendto", err);
}

}  // namespace teredo::os
