// SPDX-License-Identifier: GPL-2.0-or-later
// The tunnel path (datapath/tunnel_path.hpp) carrying out a client core's random-port actions
// (RFC 6081 3.3, 3.4) on real sockets, in a network namespace of the test's own.
//
// With a scripted core, every case of the path: OpenPort opens a socket whose datagrams reach the
// core with their local port, SendUdp with from_port leaves from it, ClosePort closes it, and an
// OpenPort on a taken port is reported to the core after the batch, whose answer is carried out in
// the same flush. Then the real client behind what its servers show as a port-preserving symmetric
// NAT: its random port opens for a peer, the peer's bubble arrives there and the held packet leaves
// from it.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <optional>
#include <span>
#include <vector>

#include "core/client.hpp"
#include "datapath/random_port_sockets.hpp"
#include "datapath/tunnel_path.hpp"
#include "os/poll_set.hpp"
#include "proto/echo.hpp"
#include "support/must.hpp"
#include "support/netns.hpp"
#include "support/packet_helpers.hpp"

namespace teredo::datapath {
namespace {

using test::Bytes;
using test::endpoint;

constexpr std::uint64_t kFirstTag = 16;
const proto::Endpoint kService{proto::Ipv4Addr{}, proto::kTeredoPort};  // INADDR_ANY, as by default
const proto::Endpoint kPeer = endpoint("127.0.0.1", 50000);

using test::must;

// Stands in for core::Client: the path's calls are the client's (on_udp_datagram with a local
// port, on_port_unavailable), its actions are the test's.
struct ScriptedClient {
  struct Datagram {
    proto::Endpoint from;
    Bytes payload;
    std::uint16_t local_port;
  };
  std::vector<core::TunnelAction> script;
  std::vector<core::TunnelAction> answer;  // added by the next on_port_unavailable
  std::vector<Datagram> received;
  std::vector<std::uint16_t> unavailable;

  std::span<const core::TunnelAction> actions() const { return script; }
  void clear_actions() { script.clear(); }
  bool should_flush() const { return false; }
  void on_udp_datagram(core::TimePoint, proto::Endpoint from, proto::ByteView payload,
                       std::uint16_t local_port = 0) {
    received.push_back({from, Bytes(payload.begin(), payload.end()), local_port});
  }
  void on_port_unavailable(core::TimePoint, std::uint16_t port) {
    unavailable.push_back(port);
    script.insert(script.end(), answer.begin(), answer.end());
    answer.clear();
  }
};

// One end of a socketpair stands in for the TUN; the test writes at the other (the kernel's) end.
os::TunDevice fake_tun(os::Fd& kernel_end) {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) != 0) std::abort();
  kernel_end = os::Fd(fds[0]);
  return os::TunDevice::adopt(os::Fd(fds[1]), "faketun0");
}

// Waits for a random-port socket to be readable and hands it to the path, as the worker does.
template <class Core>
bool serve(os::Epoll& epoll, RandomPortSockets& ports, TunnelPath<Core>& path) {
  std::array<std::uint64_t, 4> tags{};
  auto n = epoll.wait(tags, 2000);
  if (!n || *n == 0) return false;
  for (std::size_t i = 0; i < *n; ++i)
    if (auto slot = ports.slot_of(tags[i])) path.on_random_port_readable(*slot);
  return true;
}

config::DataPathSettings plain() {
  config::DataPathSettings s;
  s.tun = false;
  return s;
}

// A client worker's path with its random-port table, watched by its epoll set.
struct ClientPath {
  ScriptedClient core;
  os::Fd tun_kernel;
  os::TunDevice tun = fake_tun(tun_kernel);
  os::UdpSocket udp = must(os::UdpSocket::open(kService, os::UdpSocketOptions{}));
  os::RawIcmpv6Socket icmp = must(os::RawIcmpv6Socket::open());
  os::TimerFd timer = must(os::TimerFd::open());
  std::unique_ptr<Shards> shards = must(Shards::create(1, proto::SteeringKey{}));
  os::Epoll epoll = must(os::Epoll::open());
  TunnelPath<ScriptedClient> path{core, PacketDevices{tun, udp, icmp}, timer, 1280, plain(), *shards, 0,
                                  true};
  RandomPortSockets ports{epoll, udp.local().addr, kFirstTag};

  ClientPath() { path.set_random_port_sockets(&ports); }
  bool serve_random_port() { return serve(epoll, ports, path); }
};

// The peer: a plain socket on the loopback.
struct Peer {
  os::UdpSocket socket;
  os::RecvBatch batch{2048};

  explicit Peer(proto::Endpoint at = kPeer) : socket(must(os::UdpSocket::open(at, os::UdpSocketOptions{}))) {}

  void send(std::uint16_t port, const Bytes& payload) {
    ASSERT_TRUE(socket.send_to(endpoint("127.0.0.1", port), payload, {}));
  }
  std::deque<std::pair<std::uint16_t, Bytes>> received;

  // The next datagram within 2 s: its source port and bytes.
  std::optional<std::pair<std::uint16_t, Bytes>> receive() {
    if (received.empty()) {
      os::PollSet poll;
      poll.add(socket.fd(), os::PollSet::kReadable);
      if (auto r = poll.wait(2000); !r || *r == 0) return std::nullopt;
      auto n = socket.recv_batch(batch);
      for (std::size_t i = 0; n && i < *n; ++i)
        received.emplace_back(batch.source(i).port, Bytes(batch.payload(i).begin(), batch.payload(i).end()));
      if (received.empty()) return std::nullopt;
    }
    auto next = std::move(received.front());
    received.pop_front();
    return next;
  }
};

bool port_is_free(std::uint16_t port) {
  return os::UdpSocket::open(proto::Endpoint{proto::Ipv4Addr{}, port}, os::UdpSocketOptions{}).ok();
}

class RandomPortPathTest : public ::testing::Test {
 protected:
  void SetUp() override {
    TEREDO_NETNS_OR_SKIP("198.51.100.10/32", "198.51.100.11/32", "198.51.100.30/32", "198.51.100.40/32");
  }
};

TEST_F(RandomPortPathTest, OpenSendReceiveClose) {
  ClientPath w;
  Peer peer;
  const Bytes header{0x00, 0x01};
  const Bytes body{0x60, 0x00, 0x00, 0x00};

  // OpenPort, then a datagram from that port in the same batch.
  w.core.script = {core::OpenPort{40001}, core::SendUdp{kPeer, header, body, 40001}};
  w.path.flush();
  EXPECT_TRUE(w.core.script.empty());
  EXPECT_TRUE(w.core.unavailable.empty());
  EXPECT_EQ(w.ports.size(), 1u);
  auto got = peer.receive();
  ASSERT_TRUE(got);
  EXPECT_EQ(got->first, 40001);
  EXPECT_EQ(got->second, test::concat({header, body}));

  // The peer answers to the random port: the core hears it with local_port set.
  peer.send(40001, Bytes{0xab});
  ASSERT_TRUE(w.serve_random_port());
  ASSERT_EQ(w.core.received.size(), 1u);
  EXPECT_EQ(w.core.received[0].from, kPeer);
  EXPECT_EQ(w.core.received[0].payload, Bytes{0xab});
  EXPECT_EQ(w.core.received[0].local_port, 40001);

  // The service socket's datagrams still come with local_port 0.
  peer.send(proto::kTeredoPort, Bytes{0xcd});
  os::PollSet poll;
  poll.add(w.udp.fd(), os::PollSet::kReadable);
  ASSERT_TRUE(poll.wait(2000));
  w.path.on_udp_readable();
  ASSERT_EQ(w.core.received.size(), 2u);
  EXPECT_EQ(w.core.received[1].local_port, 0);

  // ClosePort: the socket is gone and the port free; a stale readiness of its slot is ignored.
  w.core.script = {core::ClosePort{40001}};
  w.path.flush();
  EXPECT_EQ(w.ports.size(), 0u);
  EXPECT_EQ(w.ports.find(40001), nullptr);
  EXPECT_TRUE(port_is_free(40001));
  for (std::size_t slot = 0; slot < RandomPortSockets::kCapacity; ++slot)
    w.path.on_random_port_readable(slot);
  EXPECT_EQ(w.core.received.size(), 2u);
  EXPECT_EQ(w.path.drops().total(), 0u);
}

TEST_F(RandomPortPathTest, TakenPortIsReportedAfterTheBatch) {
  ClientPath w;
  Peer peer;
  os::UdpSocket holder = must(os::UdpSocket::open({proto::Ipv4Addr{}, 40002}, os::UdpSocketOptions{}));
  const Bytes bubble{0x01};
  const Bytes fallback{0x02};

  // The bubble from the port that cannot open is a failed send; the core then hears of the port
  // and its answer (here a datagram from the service socket) leaves in the same flush.
  w.core.script = {core::OpenPort{40002}, core::SendUdp{kPeer, bubble, {}, 40002}};
  w.core.answer = {core::SendUdp{kPeer, fallback, {}, 0}};
  w.path.flush();
  EXPECT_EQ(w.core.unavailable, std::vector<std::uint16_t>{40002});
  EXPECT_TRUE(w.core.script.empty());
  EXPECT_EQ(w.ports.size(), 0u);
  EXPECT_EQ(w.path.drops()[proto::Drop::SendFailed], 1u);
  auto got = peer.receive();
  ASSERT_TRUE(got);
  EXPECT_EQ(got->first, proto::kTeredoPort);
  EXPECT_EQ(got->second, fallback);
}

// Without a table (a path the worker gave none) every OpenPort is reported unavailable.
TEST_F(RandomPortPathTest, NoTableMeansUnavailable) {
  ClientPath w;
  w.path.set_random_port_sockets(nullptr);
  w.core.script = {core::OpenPort{40003}};
  w.path.flush();
  EXPECT_EQ(w.core.unavailable, std::vector<std::uint16_t>{40003});
  EXPECT_TRUE(port_is_free(40003));
}

// The real client's path: its service socket at `kMapped` (no NAT: the servers' answers tell it
// that a port-preserving symmetric NAT is in the way), its random-port table, its servers.
const proto::Ipv4Addr kServer = test::ipv4("198.51.100.10");
const proto::Ipv4Addr kServer2 = test::ipv4("198.51.100.11");
const proto::Endpoint kMapped = endpoint("198.51.100.30", 40001);
const proto::Endpoint kTeredoPeer = endpoint("198.51.100.40", 40000);

core::ClientConfig symmetric_client_config() {
  core::ClientConfig c;
  c.server = kServer;
  c.server2 = kServer2;
  c.local = kMapped;  // what the set-up gives it: the service socket's address
  c.max_peers = 16;
  return c;
}

struct RealClientPath {
  core::SeededRandom random{6081};
  core::Client core{symmetric_client_config(), random, std::chrono::steady_clock::now()};
  os::Fd tun_kernel;
  os::TunDevice tun = fake_tun(tun_kernel);
  os::UdpSocket udp = must(os::UdpSocket::open(kMapped, os::UdpSocketOptions{}));
  os::RawIcmpv6Socket icmp = must(os::RawIcmpv6Socket::open());
  os::TimerFd timer = must(os::TimerFd::open());
  std::unique_ptr<Shards> shards = must(Shards::create(1, proto::SteeringKey{}));
  os::Epoll epoll = must(os::Epoll::open());
  TunnelPath<core::Client> path{core, PacketDevices{tun, udp, icmp}, timer, 65535, plain(), *shards, 0, true};
  RandomPortSockets ports{epoll, udp.local().addr, kFirstTag};

  RealClientPath() { path.set_random_port_sockets(&ports); }
  bool serve_random_port() { return serve(epoll, ports, path); }

  void on_udp() {
    os::PollSet poll;
    poll.add(udp.fd(), os::PollSet::kReadable);
    ASSERT_TRUE(poll.wait(2000));
    path.on_udp_readable();
  }
  void inject_tun(const Bytes& packet) {
    Bytes frame(10, 0);  // struct virtio_net_hdr
    frame.insert(frame.end(), packet.begin(), packet.end());
    ASSERT_EQ(::send(tun_kernel.get(), frame.data(), frame.size(), 0), static_cast<ssize_t>(frame.size()));
    path.on_tun_readable();
  }
};

// A Teredo server address of the test (`s`) answers the client's next RS with `origin`.
void answer_rs(RealClientPath& w, os::UdpSocket& s, proto::Endpoint origin) {
  os::RecvBatch batch(2048);
  w.path.flush();  // the RS the core may have queued
  os::PollSet poll;
  poll.add(s.fd(), os::PollSet::kReadable);
  ASSERT_TRUE(poll.wait(2000));
  auto n = s.recv_batch(batch);
  ASSERT_TRUE(n && *n == 1);
  auto rs = proto::parse_teredo_packet(batch.payload(0));
  ASSERT_TRUE(rs && rs->auth);
  const Bytes ra = test::build_ra_datagram(rs->auth->nonce, origin, kServer, proto::kTeredoLinkLocal);
  ASSERT_TRUE(s.send_to(kMapped, ra, {}));
  w.on_udp();
}

TEST_F(RandomPortPathTest, RealClientUsesItsRandomPort) {
  RealClientPath w;
  os::UdpSocket server = must(os::UdpSocket::open({kServer, proto::kTeredoPort}, os::UdpSocketOptions{}));
  os::UdpSocket server2 = must(os::UdpSocket::open({kServer2, proto::kTeredoPort}, os::UdpSocketOptions{}));
  // The primary server sees the service port unchanged, the secondary another one: symmetric and
  // port-preserving (RFC 6081 5.4.1).
  ASSERT_NO_FATAL_FAILURE(answer_rs(w, server, kMapped));
  ASSERT_EQ(w.core.state(), core::ClientState::Qualified);
  ASSERT_NO_FATAL_FAILURE(answer_rs(w, server2, endpoint("198.51.100.30", 40999)));
  ASSERT_TRUE(w.core.symmetric_nat());
  ASSERT_TRUE(w.core.port_preserving());
  const proto::Ipv6Addr self = w.core.qualification()->address;
  const proto::Ipv6Addr peer = proto::build_teredo_address({proto::kTeredoPrefix, kServer, 0, kTeredoPeer});
  Peer p(kTeredoPeer);

  // A packet to a new Teredo peer: the core opens a random port for it (and holds the packet).
  proto::Echo e;
  e.type = proto::kIcmpv6EchoRequest;
  e.identifier = 7;
  e.sequence = 1;
  const Bytes request = test::build([&](proto::Writer& wr) { proto::build_echo(wr, self, peer, 64, e); });
  ASSERT_NO_FATAL_FAILURE(w.inject_tun(request));
  ASSERT_EQ(w.core.random_ports().entries().size(), 1u);
  const std::uint16_t port = w.core.random_ports().entries().front().local;
  ASSERT_NE(port, 0);
  ASSERT_NE(w.ports.find(port), nullptr);
  EXPECT_EQ(w.ports.find(port)->local(), (proto::Endpoint{kMapped.addr, port}));

  // The peer's direct bubble reaches the random port: the core hears it there (RFC 6081 5.4.4,
  // Direct Receive on Random) and the held packet leaves from that port.
  const Bytes bubble = test::build([&](proto::Writer& wr) { proto::build_bubble(wr, peer, self, 64); });
  ASSERT_TRUE(p.socket.send_to({kMapped.addr, port}, bubble, {}));
  ASSERT_TRUE(w.serve_random_port());
  EXPECT_TRUE(w.core.random_ports().entries().front().direct_on_random);
  std::optional<std::pair<std::uint16_t, Bytes>> got;
  while ((got = p.receive()) && got->second != request) {
  }  // the bubbles the core sent before
  ASSERT_TRUE(got);
  EXPECT_EQ(got->first, port);
  EXPECT_EQ(w.path.drops().total(), 0u);
}

}  // namespace
}  // namespace teredo::datapath
