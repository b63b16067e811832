// SPDX-License-Identifier: GPL-2.0-or-later
// A client worker's random-port sockets (datapath/random_port_sockets.hpp) on real sockets and a
// real epoll set, in a network namespace of the test's own (its loopback): a socket opens on the
// port asked for and its tag names its slot, what arrives makes epoll report that tag, what it
// sends leaves from that port, closing frees the port and the slot, a taken port or a full table
// fails.
#include "datapath/random_port_sockets.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <set>

#include "os/poll_set.hpp"
#include "support/must.hpp"
#include "support/netns.hpp"
#include "support/packet_helpers.hpp"

namespace teredo::datapath {
namespace {

using test::Bytes;
using test::endpoint;

constexpr std::uint64_t kFirstTag = 16;
const proto::Ipv4Addr kAny{};
const proto::Ipv4Addr kLoopback = test::ipv4("127.0.0.1");

using test::must;

os::UdpSocket plain_socket(proto::Endpoint at) {
  return must(os::UdpSocket::open(at, os::UdpSocketOptions{}));
}

void send(os::UdpSocket& from, proto::Endpoint to, const Bytes& payload) {
  ASSERT_TRUE(from.send_to(to, payload, {}));
}

// The datagrams `socket` receives within 2 s (at least one), with their sources.
std::optional<std::pair<proto::Endpoint, Bytes>> receive(os::UdpSocket& socket) {
  os::PollSet poll;
  poll.add(socket.fd(), os::PollSet::kReadable);
  auto ready = poll.wait(2000);
  if (!ready || *ready == 0) return std::nullopt;
  os::RecvBatch batch(2048);
  auto n = socket.recv_batch(batch);
  if (!n || *n == 0) return std::nullopt;
  return std::pair{batch.source(0), Bytes(batch.payload(0).begin(), batch.payload(0).end())};
}

// The tags epoll reports within `timeout_ms`.
std::set<std::uint64_t> ready_tags(os::Epoll& epoll, int timeout_ms = 2000) {
  std::array<std::uint64_t, 8> tags{};
  auto n = epoll.wait(tags, timeout_ms);
  std::set<std::uint64_t> out;
  for (std::size_t i = 0; n && i < *n; ++i) out.insert(tags[i]);
  return out;
}

bool port_is_free(proto::Endpoint at) {
  return os::UdpSocket::open(at, os::UdpSocketOptions{}).ok();
}

class RandomPortSocketsTest : public ::testing::Test {
 protected:
  void SetUp() override { TEREDO_NETNS_OR_SKIP(); }
};

// Bound to the service socket's address (here INADDR_ANY, as a default client's): the socket
// receives on the port, epoll names its slot, and it sends from the port. Closing frees the port.
TEST_F(RandomPortSocketsTest, OpensReceivesSendsAndCloses) {
  os::Epoll epoll = must(os::Epoll::open());
  RandomPortSockets ports(epoll, kAny, kFirstTag);
  os::UdpSocket peer = plain_socket(endpoint("127.0.0.1", 50000));

  ASSERT_TRUE(ports.open(40001));
  EXPECT_EQ(ports.size(), 1u);
  os::UdpSocket* socket = ports.find(40001);
  ASSERT_NE(socket, nullptr);
  const proto::Endpoint bound{kAny, 40001};
  EXPECT_EQ(socket->local(), bound);
  EXPECT_TRUE(ports.open(40001));  // already open: the same socket
  EXPECT_EQ(ports.size(), 1u);

  send(peer, endpoint("127.0.0.1", 40001), Bytes{1, 2, 3});
  const auto tags = ready_tags(epoll);
  ASSERT_EQ(tags.size(), 1u);
  const auto slot = ports.slot_of(*tags.begin());
  ASSERT_TRUE(slot);
  EXPECT_EQ(ports.socket(*slot), socket);
  const auto got = receive(*socket);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->first, endpoint("127.0.0.1", 50000));
  EXPECT_EQ(got->second, (Bytes{1, 2, 3}));

  const Bytes header{0xaa, 0xbb};
  const Bytes body{0xcc};
  ASSERT_TRUE(socket->send_to(endpoint("127.0.0.1", 50000), header, body));
  const auto back = receive(peer);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->first.port, 40001);
  EXPECT_EQ(back->second, (Bytes{0xaa, 0xbb, 0xcc}));

  ports.close(40001);
  EXPECT_EQ(ports.find(40001), nullptr);
  EXPECT_EQ(ports.socket(*slot), nullptr);
  EXPECT_EQ(ports.size(), 0u);
  EXPECT_TRUE(port_is_free(bound));
  send(peer, endpoint("127.0.0.1", 40001), Bytes{4});
  EXPECT_TRUE(ready_tags(epoll, 100).empty());  // no longer watched
  ports.close(40001);                           // closing again: nothing to do
}

// A port another socket holds: the open fails with EADDRINUSE and takes no slot.
TEST_F(RandomPortSocketsTest, TakenPortFails) {
  os::Epoll epoll = must(os::Epoll::open());
  RandomPortSockets ports(epoll, kLoopback, kFirstTag);
  os::UdpSocket holder = plain_socket(endpoint("127.0.0.1", 40002));
  const os::OsStatus st = ports.open(40002);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code.value(), EADDRINUSE);
  EXPECT_EQ(ports.size(), 0u);
  EXPECT_EQ(ports.find(40002), nullptr);
}

// kCapacity sockets at once, each with a tag of its own; one more fails until one closes. The
// destructor closes them all.
TEST_F(RandomPortSocketsTest, FullTableFailsAndDestructorCloses) {
  os::Epoll epoll = must(os::Epoll::open());
  {
    RandomPortSockets ports(epoll, kLoopback, kFirstTag);
    std::set<std::size_t> slots;
    for (std::uint16_t i = 0; i < RandomPortSockets::kCapacity; ++i) {
      ASSERT_TRUE(ports.open(static_cast<std::uint16_t>(41000 + i)));
      for (std::size_t s = 0; s < RandomPortSockets::kCapacity; ++s)
        if (ports.socket(s) == ports.find(static_cast<std::uint16_t>(41000 + i))) slots.insert(s);
    }
    EXPECT_EQ(slots.size(), RandomPortSockets::kCapacity);
    EXPECT_EQ(ports.size(), RandomPortSockets::kCapacity);
    const os::OsStatus full = ports.open(42000);
    ASSERT_FALSE(full);
    EXPECT_EQ(full.error().code.value(), ENOBUFS);
    EXPECT_TRUE(port_is_free(endpoint("127.0.0.1", 42000)));
    ports.close(41005);
    EXPECT_TRUE(ports.open(42000));
    EXPECT_FALSE(ports.slot_of(kFirstTag - 1));
    EXPECT_FALSE(ports.slot_of(kFirstTag + RandomPortSockets::kCapacity));
    EXPECT_EQ(ports.slot_of(kFirstTag + 3), std::size_t{3});
  }
  for (std::uint16_t i = 0; i < RandomPortSockets::kCapacity; ++i)
    EXPECT_TRUE(port_is_free(endpoint("127.0.0.1", static_cast<std::uint16_t>(41000 + i))));
  EXPECT_TRUE(port_is_free(endpoint("127.0.0.1", 42000)));
}

}  // namespace
}  // namespace teredo::datapath
