// SPDX-License-Identifier: GPL-2.0-or-later
// Raw ICMPv6 socket for the relay's ICMPv6 errors (RFC 4443): the kernel fills in the checksum
// and picks the source address, as a router's own error messages need.
#pragma once

#include "os/fd.hpp"
#include "os/os_result.hpp"
#include "proto/bytes.hpp"
#include "proto/ipv6_address.hpp"

namespace teredo::os {

/// Send-only: an ICMP6_FILTER blocks every incoming message, so nothing queues on it.
/// Opening needs CAP_NET_RAW; the open socket keeps working after privileges are dropped.
class RawIcmpv6Socket {
 public:
  static OsResult<RawIcmpv6Socket> open();

  int fd() const { return fd_.get(); }

  /// Sends `message` (type, code, zero checksum, body) to `to`, without blocking.
  OsStatus send(const proto::Ipv6Addr& to, proto::ByteView message);

 private:
  explicit RawIcmpv6Socket(Fd fd) : fd_(std::move(fd)) {}
  Fd fd_;
};

}  // namespace teredo::os
