// Tests for the control channel (issue 6): directives, request parsing, peer filter/sort, the
// JSON documents, the Prometheus text, the request slot between threads, and the socket server.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <cstdlib>
#include <string>
#include <thread>

#include "control/json.hpp"
#include "control/port.hpp"
#include "control/server.hpp"
#include "config/control_settings.hpp"
#include "control/metrics.hpp"
#include "os/net_text.hpp"

namespace teredo::control {
namespace {

// Several relay workers: one snapshot with sums, per-worker peer counts and one sorted peer list.
TEST(ControlSnapshot, MergesWorkers) {
  auto part = [](std::size_t peers, std::uint64_t tun, std::initializer_list<std::uint8_t> last_bytes) {
    ControlSnapshot s;
    s.role = "cone";
    s.counters = {{"tun_packets", tun}, {"handed_off", 1}};
    s.drops.add(proto::Drop::QueueFull);
    s.peer_count = peers;
    s.max_peers = 100;
    s.queued_packets = 2;
    for (auto b : last_bytes) {
      PeerInfo p;
      p.addr.bytes[0] = 0x20;
      p.addr.bytes[1] = 0x01;
      p.addr.bytes[15] = b;
      s.peers.push_back(p);
    }
    return s;
  };
  PeerQuery q;
  q.want_peers = true;
  q.limit = 3;
  std::vector<ControlSnapshot> parts;
  parts.push_back(part(2, 10, {9, 1}));
  parts.push_back(part(3, 5, {4, 2, 7}));
  const ControlSnapshot m = merge_snapshots(std::move(parts), q);
  EXPECT_EQ(m.role, "cone");
  EXPECT_EQ(m.counters[0].second, 15u);
  EXPECT_EQ(m.counters[1].second, 2u);
  EXPECT_EQ(m.drops.count[static_cast<std::size_t>(proto::Drop::QueueFull)], 2u);
  EXPECT_EQ(m.peer_count, 5u);
  EXPECT_EQ(m.worker_peers, (std::vector<std::size_t>{2, 3}));
  EXPECT_EQ(m.max_peers, 200u);
  EXPECT_EQ(m.queued_packets, 4u);
  ASSERT_EQ(m.peers.size(), 3u);  // sorted by address over both workers, then trimmed
  EXPECT_EQ(m.peers[0].addr.bytes[15], 1);
  EXPECT_EQ(m.peers[1].addr.bytes[15], 2);
  EXPECT_EQ(m.peers[2].addr.bytes[15], 4);
  const auto j = status_json(m);
  EXPECT_EQ(j["workers"], 2);
  EXPECT_EQ(j["worker_peers"], nlohmann::ordered_json::array({2, 3}));
}

TEST(ControlRequest, Parse) {
  auto r = parse_control_request("peers --filter 2001::/32 --sort rx --reverse --limit 5");
  ASSERT_TRUE(std::holds_alternative<ControlRequest>(r));
  const auto& q = std::get<ControlRequest>(r).query;
  EXPECT_TRUE(q.want_peers);
  EXPECT_EQ(q.prefix_len, 32u);
  EXPECT_EQ(q.sort, PeerQuery::Sort::LastReceive);
  EXPECT_TRUE(q.reverse);
  EXPECT_EQ(q.limit, 5u);
  EXPECT_TRUE(std::holds_alternative<ControlRequest>(parse_control_request("  status  ")));
  for (const char* bad : {"", "reboot", "status now", "peers --sort size", "peers --filter nonsense",
                          "peers --filter 2001::/129", "peers --limit x", "peers --filter"})
    EXPECT_TRUE(std::holds_alternative<std::string>(parse_control_request(bad))) << bad;
}

PeerInfo peer(const char* addr, double rx, std::uint32_t queued) {
  PeerInfo p;
  p.addr = *os::parse_ipv6(addr);
  p.last_rx_age = rx;
  p.queued_packets = queued;
  p.teredo = true;
  return p;
}

TEST(ControlPeers, FilterAndSort) {
  PeerQuery q;
  ASSERT_TRUE(parse_peer_filter("2001:0:c633:640a::/64", q));
  EXPECT_TRUE(peer_matches(q, *os::parse_ipv6("2001:0:c633:640a:1:2:3:4"), {}));
  EXPECT_FALSE(peer_matches(q, *os::parse_ipv6("2001:0:c633:640b:1:2:3:4"), {}));
  PeerQuery m;
  ASSERT_TRUE(parse_peer_filter("198.51.100.30", m));
  EXPECT_TRUE(peer_matches(m, {}, proto::make_ipv4(198, 51, 100, 30)));
  EXPECT_FALSE(peer_matches(m, {}, proto::make_ipv4(198, 51, 100, 31)));

  std::vector<PeerInfo> v{peer("2001::3", 5, 0), peer("2001::1", 1, 2), peer("2001::2", 3, 7)};
  PeerQuery s;
  sort_peers(v, s);
  EXPECT_EQ(os::to_string(v[0].addr), "2001::1");
  s.sort = PeerQuery::Sort::Queued;
  sort_peers(v, s);
  EXPECT_EQ(os::to_string(v[0].addr), "2001::2");
  v[1].packets_in = 50;  // 2001::1
  s.sort = PeerQuery::Sort::Packets;
  sort_peers(v, s);
  EXPECT_EQ(os::to_string(v[0].addr), "2001::1");
  s.sort = PeerQuery::Sort::LastReceive;
  s.reverse = true;
  s.limit = 2;
  sort_peers(v, s);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(os::to_string(v[0].addr), "2001::3");
}

ControlSnapshot client_snapshot() {
  ControlSnapshot s;
  s.role = "client";
  s.uptime = 12.5;
  ClientStatus c;
  c.state = core::ClientState::Qualified;
  c.state_since_age = 3;
  core::Qualification q;
  q.address = *os::parse_ipv6("2001:0:c633:640a:3c50:2c39:39cc:9be1");
  q.mtu = 1280;
  c.qualification = q;
  c.server = c.current_server = proto::make_ipv4(198, 51, 100, 10);
  c.server_secondary = proto::make_ipv4(198, 51, 100, 11);
  s.client = c;
  s.mtu = 1280;
  s.counters = {{"sent_packets", 10}, {"delivered_packets", 9}};
  s.drops.add(proto::Drop::NotIpv6);
  s.peer_count = 1;
  s.peers.push_back(peer("2001:db8:100::100", 0.5, 0));
  s.peers.back().packets_in = 3;
  s.peers.back().bytes_out = 400;
  return s;
}

TEST(ControlJson, Status) {
  const nlohmann::ordered_json j = status_json(client_snapshot());
  EXPECT_EQ(j["ok"], true);
  EXPECT_EQ(j["schema"], 1);
  EXPECT_EQ(j["state"], "qualified");
  EXPECT_EQ(j["teredo_address"], "2001:0:c633:640a:3c50:2c39:39cc:9be1");
  EXPECT_EQ(j["address_server"], "198.51.100.10");
  EXPECT_EQ(j["mapped_address"], "198.51.100.30");
  EXPECT_EQ(j["mapped_port"], 54214);
  EXPECT_EQ(j["flags"], "0x3c50");
  EXPECT_EQ(j["cone"], false);
  EXPECT_EQ(j["server_secondary"], "198.51.100.11");
  EXPECT_TRUE(j["last_refresh_age_s"].is_null() || j["last_refresh_age_s"].is_number());
}

TEST(ControlJson, StatsAndPeers) {
  const ControlSnapshot s = client_snapshot();
  const nlohmann::ordered_json st = stats_json(s);
  EXPECT_EQ(st["counters"]["sent_packets"], 10);
  EXPECT_EQ(st["drops"].size(), proto::kDropCount);
  EXPECT_EQ(st["drops"]["not_ipv6"], 1);
  EXPECT_EQ(st["drops_total"], 1);
  const nlohmann::ordered_json p = peers_json(s);
  EXPECT_EQ(p["count"], 1);
  EXPECT_EQ(p["peers"][0]["address"], "2001:db8:100::100");
  EXPECT_EQ(p["peers"][0]["packets_in"], 3);
  EXPECT_EQ(p["peers"][0]["bytes_out"], 400);
}

TEST(ControlMetrics, TextFormat) {
  const std::string text = metrics_text(client_snapshot());
  EXPECT_NE(text.find("# TYPE teredod_sent_packets_total counter\nteredod_sent_packets_total 10\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("teredod_drops_total{reason=\"not_ipv6\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("teredod_client_state{state=\"qualified\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("teredod_info{role=\"client\"} 1\n"), std::string::npos);
}

TEST(ControlHandle, ErrorsAndSuccess) {
  SnapshotProvider ok = [](const PeerQuery&) { return std::optional(client_snapshot()); };
  SnapshotProvider timeout = [](const PeerQuery&) { return std::optional<ControlSnapshot>(); };
  EXPECT_NE(handle_control_request("status", ok).find("\"ok\":true"), std::string::npos);
  EXPECT_NE(handle_control_request("metrics", ok).find("teredod_info"), std::string::npos);
  EXPECT_NE(handle_control_request("bogus", ok).find("\"ok\":false"), std::string::npos);
  EXPECT_NE(handle_control_request("status", timeout).find("did not answer"), std::string::npos);
}

TEST(ControlPortTest, RequestAnsweredByDataPathThread) {
  auto port = ControlPort::create();
  ASSERT_TRUE(port);
  core::RelayConfig config;
  config.max_peers = 16;
  config.queue_packets_total = 16;
  core::Relay relay(config, std::chrono::steady_clock::now());
  std::atomic<bool> stop{false};
  // The "data path": waits for the eventfd as the worker's epoll loop does, then serves.
  std::thread data_path([&] {
    while (!stop) {
      pollfd p{(*port)->fd(), POLLIN, 0};
      if (::poll(&p, 1, 50) > 0) (*port)->serve(relay, proto::DropCounters{}, os::TunOffloads{true, true, false});
    }
  });
  for (int i = 0; i < 20; ++i) {
    auto s = (*port)->request(PeerQuery{}, std::chrono::milliseconds(2000));
    ASSERT_TRUE(s);
    EXPECT_EQ(s->role, "cone");
    EXPECT_EQ(s->peer_count, 0u);
    EXPECT_EQ(s->offloads, (std::vector<std::string>{"csum", "tso6"}));
  }
  stop = true;
  data_path.join();
  // Nobody serves: the request times out instead of blocking.
  EXPECT_FALSE((*port)->request(PeerQuery{}, std::chrono::milliseconds(50)));
}

TEST(ControlServerTest, SocketAnswersAndSurvivesGarbage) {
  char dir_template[] = "/tmp/teredoctl-test.XXXXXX";
  ASSERT_NE(::mkdtemp(dir_template), nullptr);
  const std::string path = std::string(dir_template) + "/c.sock";
  config::ControlSettings settings;
  settings.socket_path = path;
  settings.socket_explicit = true;
  std::unique_ptr<ControlServer> server;
  ASSERT_TRUE(ControlServer::open(settings, server));
  ASSERT_TRUE(server);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_TRUE(server->start_metrics([](const PeerQuery&) { return std::optional(client_snapshot()); }));
  ASSERT_TRUE(server->start());
  auto ask = [&](const std::string& request) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::memcpy(sa.sun_path, path.c_str(), path.size() + 1);
    EXPECT_EQ(::connect(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa), 0);
    EXPECT_EQ(::send(fd, request.data(), request.size(), MSG_NOSIGNAL), static_cast<ssize_t>(request.size()));
    ::shutdown(fd, SHUT_WR);
    std::string reply;
    char buf[4096];
    for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) reply.append(buf, static_cast<std::size_t>(n));
    ::close(fd);
    return reply;
  };
  EXPECT_NE(ask("status\n").find("\"state\":\"qualified\""), std::string::npos);
  EXPECT_NE(ask(std::string("\x01\x02\0garbage\n", 11)).find("malformed"), std::string::npos);
  EXPECT_NE(ask(std::string(4000, 'x')).find("too long"), std::string::npos);
  EXPECT_NE(ask("stats").find("\"drops_total\":1"), std::string::npos);  // EOF ends a request too
  // A second server on the same live path is refused; once the first is gone the stale file is replaced.
  std::unique_ptr<ControlServer> second;
  EXPECT_FALSE(ControlServer::open(settings, second));
  server.reset();
  EXPECT_TRUE(ControlServer::open(settings, second));
  second.reset();
  ::rmdir(dir_template);
}

}  // namespace
}  // namespace teredo::control
