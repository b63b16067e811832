// SPDX-License-Identifier: GPL-2.0-or-later
// Raw IPv6 socket (IPPROTO_RAW: the caller supplies the whole IPv6 header) for native forwarding.
#pragma once

#include "os/fd.hpp"
#include "os/os_result.hpp"
#include "proto/bytes.hpp"

namespace teredo::os {

/// Sends complete IPv6 packets; the destination is read from the packet's own header.
/// Opening needs CAP_NET_RAW; the open socket keeps working after privileges are dropped.
class RawIpv6Socket {
 public:
  static OsResult<RawIpv6Socket> open();

  int fd() const { return fd_.get(); }

  /// Sends one packet (at least a 40-byte IPv6 header). Retries a few times when the error
  /// was caused by an earlier ICMP error report (ENETUNREACH, EHOSTUNREACH, ...), as Miredo does.
  OsStatus send(proto::ByteView packet);

 private:
  explicit RawIpv6Socket(Fd fd) : fd_(std::move(fd)) {}
  Fd fd_;
};

}  // namespace teredo::os
