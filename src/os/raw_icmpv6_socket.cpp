// SPDX-License-Identifier: GPL-2.0-or-later
// Raw ICMPv6 output socket.
#include "os/raw_icmpv6_socket.hpp"

#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace teredo::os {

OsResult<RawIcmpv6Socket> RawIcmpv6Socket::open() {
  Fd fd(::socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMPV6));
  if (!fd) return errno_error("socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6)");
  icmp6_filter filter{};
  ICMP6_FILTER_SETBLOCKALL(&filter);
  if (::setsockopt(fd.get(), IPPROTO_ICMPV6, ICMP6_FILTER, &filter, sizeof filter) != 0)
    return errno_error("setsockopt(ICMP6_FILTER)");
  return RawIcmpv6Socket(std::move(fd));
}

OsStatus RawIcmpv6Socket::send(const proto::Ipv6Addr& to, proto::ByteView message) {
  sockaddr_in6 dst{};
  dst.sin6_family = AF_INET6;
  std::memcpy(&dst.sin6_addr, to.bytes.data(), 16);
  for (;;) {
    const ssize_t n = ::sendto(fd_.get(), message.data(), message.size(), MSG_DONTWAIT,
                               reinterpret_cast<const sockaddr*>(&dst), sizeof dst);
    if (n >= 0) return Ok{};
    if (errno != EINTR) return errno_error("sendto(ICMPv6)");
  }
}

}  // namespace teredo::os
