// SPDX-License-Identifier: GPL-2.0-or-later
// Drives the tunnel path (datapath/tunnel_path.hpp) with its real adapters against a fake TUN: one
// end of a SOCK_SEQPACKET socketpair stands in for /dev/net/tun (the test writes and reads the
// packets the kernel would, each behind its virtio_net_hdr) and a UDP socket on the loopback plays
// the Teredo peer, all in a network namespace of the test's own (198.51.100.0/24 addresses on lo).
#include "datapath/tunnel_path.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <vector>

#include "core/client.hpp"
#include "core/relay.hpp"
#include "os/poll_set.hpp"
#include "proto/echo.hpp"
#include "proto/steering.hpp"
#include "support/must.hpp"
#include "support/netns.hpp"
#include "support/packet_helpers.hpp"

namespace teredo::datapath {
namespace {

using test::Bytes;
using test::endpoint;

constexpr std::size_t kVnetHeader = 10;  // struct virtio_net_hdr
const proto::Endpoint kRelay = endpoint("198.51.100.20", 3545);
const proto::Endpoint kPeer = endpoint("198.51.100.40", 40000);
const proto::Ipv4Addr kServer = test::ipv4("198.51.100.10");
const proto::SteeringKey kSteeringKey{{0x01234567u, 0x89abcdefu, 0xdeadbeefu, 0x0badf00du}};

using test::must;

// The kernel's side of a TUN device: packets in and out, each behind a virtio_net_hdr.
struct FakeTun {
  os::Fd kernel;
  std::optional<os::TunDevice> device;

  static FakeTun make(const char* name) {
    int fds[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds), 0);
    FakeTun t;
    t.kernel = os::Fd(fds[0]);
    t.device.emplace(os::TunDevice::adopt(os::Fd(fds[1]), name));
    return t;
  }
  void inject(proto::ByteView packet) const {
    Bytes frame(kVnetHeader, 0);
    frame.insert(frame.end(), packet.begin(), packet.end());
    ASSERT_EQ(::send(kernel.get(), frame.data(), frame.size(), 0), static_cast<ssize_t>(frame.size()));
  }
  std::optional<Bytes> take() const {
    std::array<std::uint8_t, 70000> buf{};
    const ssize_t n = ::recv(kernel.get(), buf.data(), buf.size(), MSG_DONTWAIT);
    if (n < static_cast<ssize_t>(kVnetHeader)) return std::nullopt;
    return Bytes(buf.begin() + kVnetHeader, buf.begin() + n);
  }
};

// A UDP socket of the test: a Teredo peer or server on the loopback.
struct Peer {
  os::UdpSocket socket;
  os::RecvBatch recv{65536};

  explicit Peer(proto::Endpoint at) : socket(must(os::UdpSocket::open(at, os::UdpSocketOptions{}))) {}
  void send(proto::Endpoint to, proto::ByteView payload) {
    os::SendBatch b;
    ASSERT_TRUE(b.add(to, payload, {}));
    ASSERT_EQ(socket.send_batch(b).sent, 1u);
  }
  /// Every datagram that arrives within `timeout` once `want` have (or the time is up).
  std::vector<Bytes> receive(std::size_t want,
                             std::chrono::milliseconds timeout = std::chrono::milliseconds(2000)) {
    std::vector<Bytes> out;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    os::PollSet poll;
    poll.add(socket.fd(), os::PollSet::kReadable);
    while (out.size() < want && std::chrono::steady_clock::now() < deadline) {
      (void)poll.wait(20);
      auto n = socket.recv_batch(recv);
      for (std::size_t i = 0; n && i < *n; ++i)
        out.emplace_back(recv.payload(i).begin(), recv.payload(i).end());
    }
    return out;
  }
};

// Waits until `fd` is readable (the path's event), up to 2 s.
bool readable(int fd) {
  os::PollSet poll;
  poll.add(fd, os::PollSet::kReadable);
  auto n = poll.wait(2000);
  return n && *n == 1;
}

Bytes echo(const proto::Ipv6Addr& src, const proto::Ipv6Addr& dst, std::uint8_t type, std::uint16_t seq,
           std::size_t data_size = 8) {
  const Bytes data(data_size, 0x5a);
  proto::Echo e;
  e.type = type;
  e.identifier = 7;
  e.sequence = seq;
  e.data = data;
  return test::build([&](proto::Writer& w) { proto::build_echo(w, src, dst, 64, e); });
}

proto::Ipv6Addr teredo_address_of(proto::Endpoint mapped) {
  return proto::build_teredo_address({proto::kTeredoPrefix, kServer, 0, mapped});
}

config::DataPathSettings plain() {
  config::DataPathSettings s;
  s.tun = false;  // a socketpair takes no TUN offload; GSO and GRO stay on
  return s;
}

core::RelayConfig relay_config() {
  core::RelayConfig c;
  c.max_peers = 64;
  c.queue_packets_total = 64;
  return c;
}

// A relay worker's path: its core, its devices, its timer.
struct RelayWorkerUnderTest {
  core::Relay core{relay_config(), std::chrono::steady_clock::now()};
  FakeTun tun;
  os::UdpSocket udp;
  os::RawIcmpv6Socket icmp;
  os::TimerFd timer;
  TunnelPath<core::Relay> path;

  RelayWorkerUnderTest(const char* name, proto::Endpoint at, Shards& shards, unsigned self)
      : tun(FakeTun::make(name)),
        udp(must(os::UdpSocket::open(at, os::UdpSocketOptions{}))),
        icmp(must(os::RawIcmpv6Socket::open())),
        timer(must(os::TimerFd::open())),
        path(core, PacketDevices{*tun.device, udp, icmp}, timer, 1280, plain(), shards, self, false) {}
};

class TunnelPathTest : public ::testing::Test {
 protected:
  void SetUp() override {
    TEREDO_NETNS_OR_SKIP("198.51.100.20/32", "198.51.100.21/32", "198.51.100.40/32", "198.51.100.10/32",
                         "198.51.100.30/32");
  }

  const proto::Ipv6Addr teredo_ = teredo_address_of(kPeer);
  const proto::Ipv6Addr native_ = test::ipv6("2001:db8::1");

  // The client sends `request` to the relay, which must write it to its TUN as it is.
  static void teredo_to_native(RelayWorkerUnderTest& relay, Peer& client, const Bytes& request) {
    client.send(kRelay, request);
    ASSERT_TRUE(readable(relay.udp.fd()));
    relay.path.on_udp_readable();
    EXPECT_EQ(relay.tun.take(), request);
  }
};

// Teredo -> native: a datagram from a Teredo client is written to the TUN, the IPv6 packet alone.
// Native -> Teredo: the answer read from the TUN goes to the client's mapped address over UDP.
TEST_F(TunnelPathTest, RelayForwardsBothWays) {
  auto shards = Shards::create(1, proto::SteeringKey{});
  ASSERT_TRUE(shards);
  RelayWorkerUnderTest relay("faketun0", kRelay, **shards, 0);
  Peer client(kPeer);
  teredo_to_native(relay, client, echo(teredo_, native_, proto::kIcmpv6EchoRequest, 1));

  const Bytes reply = echo(native_, teredo_, proto::kIcmpv6EchoReply, 1);
  relay.tun.inject(reply);
  relay.path.on_tun_readable();
  const auto got = client.receive(1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], reply);
  EXPECT_EQ(relay.core.counters().to_native_packets, 1u);
  EXPECT_EQ(relay.core.counters().to_teredo_packets, 1u);
  EXPECT_EQ(relay.path.drops().total(), 0u);
}

// A batch read from the TUN leaves as sendmmsg batches (UDP GSO runs where the kernel takes them),
// every packet once and in order.
TEST_F(TunnelPathTest, BatchLeavesInOrder) {
  auto shards = Shards::create(1, proto::SteeringKey{});
  ASSERT_TRUE(shards);
  RelayWorkerUnderTest relay("faketun0", kRelay, **shards, 0);
  Peer client(kPeer);
  teredo_to_native(relay, client, echo(teredo_, native_, proto::kIcmpv6EchoRequest, 0));  // opens the path

  constexpr std::uint16_t kPackets = 50;
  std::vector<Bytes> sent;
  for (std::uint16_t i = 1; i <= kPackets; ++i) {
    sent.push_back(echo(native_, teredo_, proto::kIcmpv6EchoReply, i, 1000));
    relay.tun.inject(sent.back());
  }
  relay.path.on_tun_readable();
  EXPECT_EQ(client.receive(kPackets), sent);
  EXPECT_EQ(relay.core.counters().tun_packets, kPackets);
  EXPECT_TRUE(relay.path.io().offloads().udp_gso);
}

// Two workers: a datagram whose peer the other worker owns is passed to it through the ring, wakes
// it, and leaves through the owner's core and TUN queue.
TEST_F(TunnelPathTest, PacketGoesToTheWorkerOwningItsPeer) {
  auto shards = Shards::create(2, kSteeringKey);
  ASSERT_TRUE(shards);
  RelayWorkerUnderTest w0("faketun0", kRelay, **shards, 0);
  RelayWorkerUnderTest w1("faketun1", endpoint("198.51.100.21", 3545), **shards, 1);
  // A client whose Teredo address worker 1 owns.
  proto::Endpoint mapped = kPeer;
  while ((*shards)->owner(teredo_address_of(mapped)) != 1) ++mapped.port;
  Peer client(mapped);
  const Bytes request =
      echo(teredo_address_of(mapped), test::ipv6("2001:db8::1"), proto::kIcmpv6EchoRequest, 1);
  client.send(kRelay, request);  // to worker 0's socket
  ASSERT_TRUE(readable(w0.udp.fd()));
  w0.path.on_udp_readable();
  EXPECT_FALSE(w0.tun.take());
  EXPECT_EQ(w0.path.handoff().counters().handed_off, 1u);
  ASSERT_TRUE(readable(w1.path.handoff().wake_fd()));
  w1.path.on_handoff();
  EXPECT_EQ(w1.tun.take(), request);
  EXPECT_EQ(w1.path.handoff().counters().taken_over, 1u);
  EXPECT_EQ(w1.core.peers().size(), 1u);
  EXPECT_EQ(w0.core.peers().size(), 0u);
}

struct Recorder final : StateListener {
  std::vector<core::StateChange> changes;
  void on_state_change(const core::StateChange& change) override { changes.push_back(change); }
};

// A client's qualification: its RS leaves through the path, the server's RA comes back, and the
// core's StateChange action reaches the listener with the address the RA gave.
TEST_F(TunnelPathTest, ClientStateChangeReachesTheListener) {
  core::ClientConfig config;
  config.server = kServer;
  config.server2 = kServer;  // no secondary probe
  config.max_peers = 16;
  core::SeededRandom random(4380);
  core::Client core(config, random, std::chrono::steady_clock::now());
  FakeTun tun = FakeTun::make("faketun0");
  const proto::Endpoint mapped = endpoint("198.51.100.30", 40001);
  os::UdpSocket udp = must(os::UdpSocket::open(mapped, os::UdpSocketOptions{}));
  os::RawIcmpv6Socket icmp = must(os::RawIcmpv6Socket::open());
  os::TimerFd timer = must(os::TimerFd::open());
  auto shards = Shards::create(1, proto::SteeringKey{});
  ASSERT_TRUE(shards);
  TunnelPath<core::Client> path(core, PacketDevices{*tun.device, udp, icmp}, timer, 65535, plain(), **shards,
                                0, true);
  Recorder recorder;
  path.set_state_listener(&recorder);

  Peer server(proto::Endpoint{kServer, proto::kTeredoPort});
  path.flush();  // the first RS, queued by the core's constructor
  const auto rs = server.receive(1);
  ASSERT_EQ(rs.size(), 1u);
  auto parsed = proto::parse_teredo_packet(rs[0]);
  ASSERT_TRUE(parsed && parsed->auth);
  server.send(mapped,
              test::build_ra_datagram(parsed->auth->nonce, mapped, kServer, proto::kTeredoLinkLocal, 1400));
  ASSERT_TRUE(readable(udp.fd()));
  path.on_udp_readable();
  ASSERT_EQ(recorder.changes.size(), 1u);
  EXPECT_EQ(recorder.changes[0].state, core::ClientState::Qualified);
  ASSERT_TRUE(recorder.changes[0].qualification);
  EXPECT_EQ(recorder.changes[0].qualification->mapped, mapped);
  EXPECT_EQ(recorder.changes[0].qualification->mtu, 1400u);
  EXPECT_EQ(core.state(), core::ClientState::Qualified);
  EXPECT_TRUE(core.actions().empty());  // carried out and cleared
}

}  // namespace
}  // namespace teredo::datapath
