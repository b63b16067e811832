// SPDX-License-Identifier: GPL-2.0-or-later
// Link-scope IPv4 multicast (multicast.hpp).
#include "os/multicast.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <bit>
#include <memory>

namespace teredo::os {

OsResult<std::uint8_t> ipv4_prefix_length(proto::Ipv4Addr address) {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return errno_error("getifaddrs");
  std::unique_ptr<ifaddrs, decltype(&::freeifaddrs)> owner(list, &::freeifaddrs);
  for (const ifaddrs* i = list; i != nullptr; i = i->ifa_next) {
    if (i->ifa_addr == nullptr || i->ifa_netmask == nullptr || i->ifa_addr->sa_family != AF_INET) continue;
    const auto* a = reinterpret_cast<const sockaddr_in*>(i->ifa_addr);
    if (ntohl(a->sin_addr.s_addr) != address.value) continue;
    const auto* m = reinterpret_cast<const sockaddr_in*>(i->ifa_netmask);
    return static_cast<std::uint8_t>(std::popcount(ntohl(m->sin_addr.s_addr)));
  }
  return errno_error("getifaddrs", ENOENT);
}

namespace {

ip_mreqn request_on(proto::Ipv4Addr interface_address) {
  ip_mreqn r{};
  r.imr_address.s_addr = htonl(interface_address.value);
  return r;
}

}  // namespace

OsResult<UdpSocket> open_group_socket(proto::Endpoint group, proto::Ipv4Addr interface_address) {
  UdpSocketOptions options;
  options.reuse_address = true;
  options.receive_buffer = 0;
  options.send_buffer = 0;
  auto s = UdpSocket::open(group, options);
  if (!s) return s.error();
  ip_mreqn join = request_on(interface_address);
  join.imr_multiaddr.s_addr = htonl(group.addr.value);
  if (::setsockopt(s->fd(), IPPROTO_IP, IP_ADD_MEMBERSHIP, &join, sizeof join) != 0)
    return errno_error("setsockopt(IP_ADD_MEMBERSHIP)");
  // Only this group's datagrams, even if another socket of the host joins other groups.
  const int zero = 0;
  (void)::setsockopt(s->fd(), IPPROTO_IP, IP_MULTICAST_ALL, &zero, sizeof zero);
  return s;
}

OsStatus send_multicast_on(const UdpSocket& socket, proto::Ipv4Addr interface_address) {
  const ip_mreqn on = request_on(interface_address);
  if (::setsockopt(socket.fd(), IPPROTO_IP, IP_MULTICAST_IF, &on, sizeof on) != 0)
    return errno_error("setsockopt(IP_MULTICAST_IF)");
  const int ttl = 1;
  if (::setsockopt(socket.fd(), IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof ttl) != 0)
    return errno_error("setsockopt(IP_MULTICAST_TTL)");
  const int loop = 0;
  if (::setsockopt(socket.fd(), IPPROTO_IP, IP_MULTICAST_LOOP, &loop, sizeof loop) != 0)
    return errno_error("setsockopt(IP_MULTICAST_LOOP)");
  return Ok{};
}

}  // namespace teredo::os
