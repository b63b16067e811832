// The TUN device and rtnetlink (os/tun_device.hpp, os/netlink.hpp) against the real kernel, in a
// network namespace of the test's own: the interface is created, configured, carries a packet the
// kernel routes to it, and takes one written to it.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

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

}  // namespace
}  // namespace teredo::os
