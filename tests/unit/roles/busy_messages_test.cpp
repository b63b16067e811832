// SPDX-License-Identifier: GPL-2.0-or-later
// A busy interface or UDP port is said in words (roles/busy_messages.hpp), other errors as they are.
#include "roles/busy_messages.hpp"

#include <gtest/gtest.h>

#include <cerrno>

namespace teredo::roles {
namespace {

TEST(BusyMessages, TheInterfaceInUse) {
  const std::string m = tun_failure("teredo", os::errno_error("ioctl(TUNSETIFF)", EBUSY));
  EXPECT_NE(m.find("the interface teredo is in use by another process (is Miredo running?)"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("ip link delete teredo"), std::string::npos) << m;
  EXPECT_EQ(tun_failure("teredo", os::errno_error("open(/dev/net/tun)", ENOENT)),
            "open(/dev/net/tun): No such file or directory");
}

TEST(BusyMessages, TheUdpPortInUse) {
  const proto::Endpoint e{proto::make_ipv4(192, 0, 2, 10), 3544};
  EXPECT_EQ(udp_failure(e, os::errno_error("bind", EADDRINUSE), "miredo-server"),
            "UDP port 3544 on 192.0.2.10 is in use by another process (is miredo-server running?)");
  EXPECT_EQ(udp_failure(e, os::errno_error("bind", EACCES), "Miredo"), "bind: Permission denied");
}

}  // namespace
}  // namespace teredo::roles
