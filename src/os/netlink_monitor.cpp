// SPDX-License-Identifier: GPL-2.0-or-later
// rtnetlink notification reader.
#include "os/netlink_monitor.hpp"

#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>

namespace teredo::os {

namespace {

struct Scan {
  int ignored_ifindex = 0;
  bool changed = false;
};

int route_oif_attr(const nlattr* attr, void* data) {
  if (mnl_attr_get_type(attr) == RTA_OIF && mnl_attr_validate(attr, MNL_TYPE_U32) >= 0)
    *static_cast<int*>(data) = static_cast<int>(mnl_attr_get_u32(attr));
  return MNL_CB_OK;
}

int on_message(const nlmsghdr* nlh, void* data) {
  auto& scan = *static_cast<Scan*>(data);
  switch (nlh->nlmsg_type) {
    case RTM_NEWLINK:
    case RTM_DELLINK: {
      if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(ifinfomsg))) break;
      const auto* ifi = static_cast<const ifinfomsg*>(mnl_nlmsg_get_payload(nlh));
      if (ifi->ifi_index != scan.ignored_ifindex) scan.changed = true;
      break;
    }
    case RTM_NEWADDR:
    case RTM_DELADDR: {
      if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(ifaddrmsg))) break;
      const auto* ifa = static_cast<const ifaddrmsg*>(mnl_nlmsg_get_payload(nlh));
      if (ifa->ifa_family == AF_INET && static_cast<int>(ifa->ifa_index) != scan.ignored_ifindex)
        scan.changed = true;
      break;
    }
    case RTM_NEWROUTE:
    case RTM_DELROUTE: {
      if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(rtmsg))) break;
      const auto* rtm = static_cast<const rtmsg*>(mnl_nlmsg_get_payload(nlh));
      if (rtm->rtm_family != AF_INET) break;
      int oif = 0;
      mnl_attr_parse(nlh, sizeof(rtmsg), route_oif_attr, &oif);
      if (oif != scan.ignored_ifindex) scan.changed = true;
      break;
    }
    default:
      break;
  }
  return MNL_CB_OK;
}

}  // namespace

OsResult<NetlinkMonitor> NetlinkMonitor::open() {
  Fd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE));
  if (!fd) return errno_error("netlink socket");
  sockaddr_nl sa{};
  sa.nl_family = AF_NETLINK;
  sa.nl_groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV4_ROUTE;
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0)
    return errno_error("netlink bind");
  return NetlinkMonitor(std::move(fd));
}

bool NetlinkMonitor::drain(int ignored_ifindex) {
  alignas(nlmsghdr) std::array<unsigned char, 16384> buf;
  Scan scan{ignored_ifindex, false};
  for (;;) {
    sockaddr_nl from{};
    socklen_t from_len = sizeof from;
    const ssize_t n =
        ::recvfrom(fd_.get(), buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &from_len);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == ENOBUFS) {  // notifications were lost: assume the worst
        scan.changed = true;
        continue;
      }
      break;  // EAGAIN: drained
    }
    if (n == 0) break;
    if (from.nl_pid != 0) continue;  // only the kernel's notifications, not another process's
    // Notifications carry sequence 0 and port 0: accept any.
    mnl_cb_run(buf.data(), static_cast<std::size_t>(n), 0, 0, on_message, &scan);
  }
  return scan.changed;
}

}  // namespace teredo::os
