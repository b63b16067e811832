// SPDX-License-Identifier: GPL-2.0-or-later
// Watching the host's IPv4 configuration through rtnetlink multicast groups (RTNLGRP_LINK,
// RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV4_ROUTE), so that a Teredo client re-qualifies when its
// network changes (RFC 4380 5.2.5; Miredo only had a TODO, miredo-behaviour.md 5.3).
#pragma once

#include "os/fd.hpp"
#include "os/os_result.hpp"

namespace teredo::os {

/// A non-blocking, close-on-exec NETLINK_ROUTE socket subscribed to those groups. Subscribing
/// needs no privilege, and the socket keeps working after privileges are dropped.
/// Used by one thread.
class NetlinkMonitor {
 public:
  static OsResult<NetlinkMonitor> open();

  int fd() const { return fd_.get(); }

  /// Reads every pending notification. Returns true if one of them concerns an interface other
  /// than `ignored_ifindex` (the tunnel): an IPv4 address added or removed, an IPv4 route added
  /// or removed, or a link changed. A receive-buffer overrun (ENOBUFS) counts as a change.
  bool drain(int ignored_ifindex);

 private:
  explicit NetlinkMonitor(Fd fd) : fd_(std::move(fd)) {}
  Fd fd_;
};

}  // namespace teredo::os
