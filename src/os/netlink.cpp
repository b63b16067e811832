// SPDX-License-Identifier: GPL-2.0-or-later
// rtnetlink requests through libmnl, each acknowledged by the kernel.
#include "os/netlink.hpp"

#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <utility>

#include "os/fd.hpp"

namespace teredo::os {

namespace {

// Collects RTM_NEWLINK's ifindex from a reply.
int on_link_reply(const nlmsghdr* nlh, void* data) {
  if (nlh->nlmsg_type == RTM_NEWLINK) {
    const auto* ifi = static_cast<const ifinfomsg*>(mnl_nlmsg_get_payload(nlh));
    *static_cast<int*>(data) = ifi->ifi_index;
  }
  return MNL_CB_OK;
}

}  // namespace

OsResult<Netlink> Netlink::open() {
  mnl_socket* s = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
  if (s == nullptr) return errno_error("netlink socket");
  if (mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) < 0) {
    const int err = errno;
    mnl_socket_close(s);
    return errno_error("netlink bind", err);
  }
  return Netlink(s);
}

Netlink::Netlink(mnl_socket* socket)
    : socket_(socket),
      port_id_(mnl_socket_get_portid(socket)),
      seq_(static_cast<std::uint32_t>(::time(nullptr))) {}

Netlink::Netlink(Netlink&& o) noexcept
    : socket_(std::exchange(o.socket_, nullptr)), port_id_(o.port_id_), seq_(o.seq_) {}

Netlink& Netlink::operator=(Netlink&& o) noexcept {
  if (this != &o) {
    if (socket_ != nullptr) mnl_socket_close(socket_);
    socket_ = std::exchange(o.socket_, nullptr);
    port_id_ = o.port_id_;
    seq_ = o.seq_;
  }
  return *this;
}

Netlink::~Netlink() {
  if (socket_ != nullptr) mnl_socket_close(socket_);
}

OsStatus Netlink::transact(const char* operation, int* ifindex_reply) {
  auto* nlh = reinterpret_cast<nlmsghdr*>(buf_);
  nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
  nlh->nlmsg_seq = ++seq_;
  const std::uint32_t seq = nlh->nlmsg_seq;
  if (mnl_socket_sendto(socket_, nlh, nlh->nlmsg_len) < 0) return errno_error(operation);
  int ifindex = 0;
  for (;;) {
    const ssize_t n = mnl_socket_recvfrom(socket_, buf_, sizeof buf_);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_error(operation);
    }
    // MNL_CB_STOP (0) on the ACK, MNL_CB_ERROR (-1) with errno set on a NLMSG_ERROR.
    const int r = mnl_cb_run(buf_, static_cast<std::size_t>(n), seq, port_id_, on_link_reply, &ifindex);
    if (r < 0) return errno_error(operation);
    if (r == MNL_CB_STOP) break;
  }
  if (ifindex_reply != nullptr) {
    if (ifindex == 0) return errno_error(operation, ENODEV);
    *ifindex_reply = ifindex;
  }
  return Ok{};
}

OsResult<int> Netlink::ifindex(const std::string& name) {
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf_);
  nlh->nlmsg_type = RTM_GETLINK;
  auto* ifi = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg)));
  ifi->ifi_family = AF_UNSPEC;
  mnl_attr_put_strz(nlh, IFLA_IFNAME, name.c_str());
  int index = 0;
  if (auto st = transact("netlink get link", &index); !st) return st.error();
  return index;
}

OsStatus Netlink::set_mtu(int ifindex, std::uint32_t mtu) {
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf_);
  nlh->nlmsg_type = RTM_NEWLINK;
  auto* ifi = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg)));
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_index = ifindex;
  mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
  return transact("netlink set MTU", nullptr);
}

OsStatus Netlink::set_link_state(int ifindex, LinkState state) {
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf_);
  nlh->nlmsg_type = RTM_NEWLINK;
  auto* ifi = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg)));
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_index = ifindex;
  unsigned flags = state.up ? unsigned{IFF_UP} : 0u;
  unsigned change = IFF_UP;
  if (state.point_to_point) {
    flags |= unsigned{IFF_NOARP};
    change |= unsigned{IFF_NOARP} | unsigned{IFF_MULTICAST} | unsigned{IFF_BROADCAST};
  }
  ifi->ifi_flags = flags;
  ifi->ifi_change = change;
  return transact(state.up ? "netlink set link up" : "netlink set link down", nullptr);
}

OsStatus Netlink::disable_ipv6_address_generation(int ifindex) {
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf_);
  nlh->nlmsg_type = RTM_NEWLINK;
  auto* ifi = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg)));
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_index = ifindex;
  nlattr* af_spec = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
  nlattr* inet6 = mnl_attr_nest_start(nlh, AF_INET6);
  mnl_attr_put_u8(nlh, IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_NONE);
  mnl_attr_nest_end(nlh, inet6);
  mnl_attr_nest_end(nlh, af_spec);
  return transact("netlink set IPv6 address generation", nullptr);
}

OsStatus Netlink::address_request(const char* operation, std::uint16_t type, std::uint16_t flags, int ifindex,
                                  const proto::Ipv6Addr& address, std::uint8_t prefix_len,
                                  std::uint8_t ifa_flags) {
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf_);
  nlh->nlmsg_type = type;
  nlh->nlmsg_flags = flags;
  auto* ifa = static_cast<ifaddrmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifaddrmsg)));
  ifa->ifa_family = AF_INET6;
  ifa->ifa_prefixlen = prefix_len;
  ifa->ifa_flags = ifa_flags;
  ifa->ifa_scope = RT_SCOPE_UNIVERSE;  // the kernel derives IPv6 scopes from the address
  ifa->ifa_index = static_cast<std::uint32_t>(ifindex);
  mnl_attr_put(nlh, IFA_LOCAL, 16, address.bytes.data());
  mnl_attr_put(nlh, IFA_ADDRESS, 16, address.bytes.data());
  if (ifa_flags != 0) mnl_attr_put_u32(nlh, IFA_FLAGS, ifa_flags);
  return transact(operation, nullptr);
}

OsStatus Netlink::add_address(int ifindex, const proto::Ipv6Addr& address, std::uint8_t prefix_len,
                              bool nodad) {
  return address_request("netlink add address", RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, ifindex, address,
                         prefix_len, nodad ? IFA_F_NODAD : 0);
}

OsStatus Netlink::remove_address(int ifindex, const proto::Ipv6Addr& address, std::uint8_t prefix_len) {
  return address_request("netlink remove address", RTM_DELADDR, 0, ifindex, address, prefix_len, 0);
}

OsStatus Netlink::route_request(const char* operation, std::uint16_t type, std::uint16_t flags, int ifindex,
                                const proto::Ipv6Addr& destination, std::uint8_t prefix_len,
                                std::uint32_t metric) {
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf_);
  nlh->nlmsg_type = type;
  nlh->nlmsg_flags = flags;
  auto* rtm = static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(rtmsg)));
  rtm->rtm_family = AF_INET6;
  rtm->rtm_dst_len = prefix_len;
  rtm->rtm_table = RT_TABLE_MAIN;
  rtm->rtm_protocol = RTPROT_BOOT;
  rtm->rtm_scope = RT_SCOPE_UNIVERSE;
  rtm->rtm_type = RTN_UNICAST;
  mnl_attr_put(nlh, RTA_DST, 16, destination.bytes.data());
  mnl_attr_put_u32(nlh, RTA_OIF, static_cast<std::uint32_t>(ifindex));
  mnl_attr_put_u32(nlh, RTA_PRIORITY, metric);
  return transact(operation, nullptr);
}

OsStatus Netlink::add_route(int ifindex, const proto::Ipv6Addr& destination, std::uint8_t prefix_len,
                            std::uint32_t metric) {
  return route_request("netlink add route", RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, ifindex, destination,
                       prefix_len, metric);
}

OsStatus Netlink::remove_route(int ifindex, const proto::Ipv6Addr& destination, std::uint8_t prefix_len,
                               std::uint32_t metric) {
  return route_request("netlink remove route", RTM_DELROUTE, 0, ifindex, destination, prefix_len, metric);
}

OsStatus set_ipv6_conf(const std::string& interface, const std::string& key, const std::string& value) {
  if (interface.find('/') != std::string::npos || key.find('/') != std::string::npos)
    return errno_error("sysctl path", EINVAL);
  const std::string path = "/proc/sys/net/ipv6/conf/" + interface + "/" + key;
  Fd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) return errno_error("open(/proc/sys/net/ipv6/conf)");
  const std::string text = value + "\n";
  if (::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
    return errno_error("write(/proc/sys/net/ipv6/conf)");
  return Ok{};
}

}  // namespace teredo::os
