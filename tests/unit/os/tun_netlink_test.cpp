// SPDX-License-Identifier: GPL-2.0-or-later
// The TUN device and rtnetlink (os/tun_device.hpp, os/netlink.hpp) against the real kernel, in a
// network namespace of the test's own: the interface is created, configured, carries a packet the
// kernel routes to it, and takes one written to it.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstring>

#include "os/netlink.hpp"
#include "os/poll_set.hpp"
#include "os/tun_device.hpp"
#include "support/netns.hpp"
#include "support/packet_helpers.hpp"

namespace teredo::os {
namespace {

class TunNetlinkTest : public ::testing::Test {
 protected:
  void SetUp() override { TEREDO_NETNS_OR_SKIP(); }
};

TEST_F(TunNetlinkTest, RoutedPacketArrivesOnTheTun) {
  auto tun = TunDevice::open("tdtest0");
  ASSERT_TRUE(tun) << tun.error().message();
  EXPECT_EQ(tun->name(), "tdtest0");
  auto nl = Netlink::open();
  ASSERT_TRUE(nl);
  auto index = nl->ifindex("tdtest0");
  ASSERT_TRUE(index) << index.error().message();
  ASSERT_TRUE(nl->set_mtu(*index, 1400));
  ASSERT_TRUE(nl->disable_ipv6_address_generation(*index));
  ASSERT_TRUE(nl->set_link_state(*index, LinkState{}));
  ASSERT_TRUE(nl->add_address(*index, test::ipv6("2001:db8:1::1"), 64, true));
  ASSERT_TRUE(nl->add_route(*index, test::ipv6("2001:db8:2::"), 48, 1024));
  auto again = nl->add_route(*index, test::ipv6("2001:db8:2::"), 48, 1024);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code.value(), EEXIST);

  // A UDP datagram to an address of the routed prefix leaves through the TUN.
  const int s = ::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(s, 0);
  sockaddr_in6 to{};
  to.sin6_family = AF_INET6;
  to.sin6_port = htons(9);
  const proto::Ipv6Addr dst = test::ipv6("2001:db8:2::5");
  std::memcpy(&to.sin6_addr, dst.bytes.data(), 16);
  ASSERT_EQ(::sendto(s, "teredo", 6, 0, reinterpret_cast<const sockaddr*>(&to), sizeof to), 6);
  ::close(s);
  PollSet poll;
  poll.add(tun->fd(), PollSet::kReadable);
  std::array<std::uint8_t, 2048> buf{};
  std::optional<std::size_t> got;
  for (int i = 0; i < 20 && !got; ++i) {  // the kernel may send router solicitations first
    ASSERT_TRUE(poll.wait(1000));
    auto r = tun->read(buf);
    ASSERT_TRUE(r);
    if (*r && **r >= 48 && buf[6] == 17) got = **r;  // next header UDP
  }
  ASSERT_TRUE(got);
  EXPECT_EQ(std::memcmp(buf.data() + 24, dst.bytes.data(), 16), 0);
  EXPECT_EQ(*got, 40u + 8u + 6u);

  ASSERT_TRUE(nl->remove_route(*index, test::ipv6("2001:db8:2::"), 48, 1024));
  ASSERT_TRUE(nl->remove_address(*index, test::ipv6("2001:db8:1::1"), 64));
}

TEST_F(TunNetlinkTest, QueuesOnlyOnMultiQueueDevices) {
  auto single = TunDevice::open("tdtest1");
  ASSERT_TRUE(single);
  auto q = single->open_queue();
  ASSERT_FALSE(q);
  EXPECT_EQ(q.error().code.value(), EINVAL);
  auto multi = TunDevice::open("tdtest2", true);
  ASSERT_TRUE(multi);
  auto q2 = multi->open_queue();
  ASSERT_TRUE(q2) << q2.error().message();
  EXPECT_EQ(q2->name(), "tdtest2");
  EXPECT_FALSE(TunDevice::open(std::string(16, 'x')));  // longer than IFNAMSIZ - 1
}

// A raw TUNSETIFF on `name`, with `extra` flags; the descriptor (or -1).
int raw_tun(const char* name, int extra) {
  const int fd = ::open("/dev/net/tun", O_RDWR | O_CLOEXEC);
  if (fd < 0) return -1;
  ifreq req{};
  req.ifr_flags = static_cast<short>(IFF_TUN | IFF_NO_PI | extra);
  std::strncpy(req.ifr_name, name, IFNAMSIZ - 1);
  if (::ioctl(fd, TUNSETIFF, &req) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// A persistent TUN device left behind (by another program, or by a worker taken over before
// seccomp denied TUNSETPERSIST) is never re-attached: the start fails and says why.
TEST_F(TunNetlinkTest, APersistentDeviceLeftBehindIsNotReattached) {
  const int left = raw_tun("tdpersist0", 0);
  ASSERT_GE(left, 0);
  ASSERT_EQ(::ioctl(left, TUNSETPERSIST, 1), 0);
  ::close(left);  // the interface stays, free for anyone who attaches

  auto tun = TunDevice::open("tdpersist0");
  ASSERT_FALSE(tun);
  EXPECT_EQ(tun.error().code.value(), EBUSY);
  EXPECT_NE(tun.error().message().find("exists already"), std::string::npos) << tun.error().message();
  auto queues = TunDevice::open("tdpersist0", true);
  EXPECT_FALSE(queues);

  // Without IFF_TUN_EXCL the kernel would have handed it over: what the flag prevents.
  const int again = raw_tun("tdpersist0", 0);
  ASSERT_GE(again, 0);
  EXPECT_EQ(::ioctl(again, TUNSETPERSIST, 0), 0);  // removed when closed
  ::close(again);
  auto fresh = TunDevice::open("tdpersist0");
  EXPECT_TRUE(fresh) << fresh.error().message();
}

TEST_F(TunNetlinkTest, ExtraQueuesJoinTheDeviceTheFirstOneCreated) {
  auto tun = TunDevice::open("tdmq0", true);
  ASSERT_TRUE(tun) << tun.error().message();
  auto second = tun->open_queue();
  EXPECT_TRUE(second) << second.error().message();
  EXPECT_FALSE(TunDevice::open("tdmq0", true));  // a second first queue: the name is taken
}

}  // namespace
}  // namespace teredo::os
