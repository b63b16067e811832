// SPDX-License-Identifier: GPL-2.0-or-later
// Tests for the control thread (control/server): the Unix socket's file, requests and garbage,
// the metrics endpoint over TCP, and clients that connect and say nothing.
#include "control/server.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

#include "os/poll_set.hpp"
#include "os/stream_socket.hpp"
#include "samples.hpp"

namespace teredo::control {
namespace {

using Clock = std::chrono::steady_clock;

// Sends `request` (then half-closes) and reads the reply until EOF or `timeout`.
std::string exchange(const os::Fd& fd, const std::string& request, std::chrono::milliseconds timeout) {
  EXPECT_EQ(::send(fd.get(), request.data(), request.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(request.size()));
  ::shutdown(fd.get(), SHUT_WR);
  std::string reply;
  const auto deadline = Clock::now() + timeout;
  os::PollSet poll;
  poll.add(fd.get(), os::PollSet::kReadable);
  char buf[4096];
  while (Clock::now() < deadline) {
    (void)poll.wait(50);
    const ssize_t n = ::recv(fd.get(), buf, sizeof buf, MSG_DONTWAIT);
    if (n == 0) break;
    if (n > 0) reply.append(buf, static_cast<std::size_t>(n));
  }
  return reply;
}

std::string ask_unix(const std::string& path, const std::string& request) {
  auto fd = os::connect_unix(path);
  EXPECT_TRUE(fd);
  return fd ? exchange(*fd, request, std::chrono::milliseconds(3000)) : std::string();
}

os::Fd connect_tcp(std::uint16_t port) {
  os::Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::connect(fd.get(), reinterpret_cast<const sockaddr*>(&sa), sizeof sa), 0);
  return fd;
}

// A free TCP port on 127.0.0.1 (the kernel's choice, released again).
std::uint16_t free_port() {
  os::Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof sa;
  EXPECT_EQ(::bind(fd.get(), reinterpret_cast<const sockaddr*>(&sa), sizeof sa), 0);
  EXPECT_EQ(::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&sa), &len), 0);
  return ntohs(sa.sin_port);
}

class ControlServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NE(::mkdtemp(dir_), nullptr);
    settings_.socket_path = std::string(dir_) + "/c.sock";
    settings_.socket_explicit = true;
  }
  void TearDown() override {
    server_.reset();
    ::unlink(settings_.socket_path.c_str());
    ::rmdir(dir_);
  }
  void start(const std::optional<std::string>& metrics_listen = std::nullopt) {
    settings_.metrics_listen = metrics_listen;
    auto opened = ControlServer::open(settings_);
    ASSERT_TRUE(opened);
    ASSERT_TRUE(*opened);
    server_ = std::move(*opened);
    ASSERT_TRUE(server_->listen([](const PeerQuery&) { return std::optional(samples::client_snapshot()); }));
    ASSERT_TRUE(server_->start());
  }

  char dir_[64] = "/tmp/teredoctl-test.XXXXXX";
  config::ControlSettings settings_;
  std::unique_ptr<ControlServer> server_;
};

TEST_F(ControlServerTest, SocketAnswersAndSurvivesGarbage) {
  start();
  struct stat st {};
  ASSERT_EQ(::stat(settings_.socket_path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  const std::string& path = settings_.socket_path;
  EXPECT_NE(ask_unix(path, "status\n").find("\"state\":\"qualified\""), std::string::npos);
  EXPECT_NE(ask_unix(path, std::string("\x01\x02\0garbage\n", 11)).find("malformed"), std::string::npos);
  EXPECT_NE(ask_unix(path, std::string(4000, 'x')).find("too long"), std::string::npos);
  EXPECT_NE(ask_unix(path, "stats").find("\"drops_total\":1"), std::string::npos);  // EOF ends a request too
  // A second server on the same live path is refused; once the first is gone the stale file is replaced.
  auto second = ControlServer::open(settings_);
  EXPECT_FALSE(second);
  server_.reset();
  second = ControlServer::open(settings_);
  ASSERT_TRUE(second);
  EXPECT_TRUE(*second);
}

// A client that connects and says nothing holds only its own connection: the others are answered
// at once, and it gets its error reply after 2 s.
TEST_F(ControlServerTest, SilentClientDoesNotBlockOthers) {
  start();
  auto silent = os::connect_unix(settings_.socket_path);
  ASSERT_TRUE(silent);
  const auto t0 = Clock::now();
  EXPECT_NE(ask_unix(settings_.socket_path, "status\n").find("\"ok\":true"), std::string::npos);
  EXPECT_LT(Clock::now() - t0, std::chrono::milliseconds(1000));
  std::string reply;
  char buf[512];
  os::PollSet poll;
  poll.add(silent->get(), os::PollSet::kReadable);
  ASSERT_TRUE(poll.wait(4000));
  const ssize_t n = ::recv(silent->get(), buf, sizeof buf, 0);
  ASSERT_GT(n, 0);
  EXPECT_NE(std::string(buf, static_cast<std::size_t>(n)).find("timed out"), std::string::npos);
  EXPECT_GE(Clock::now() - t0, std::chrono::milliseconds(1900));
}

TEST_F(ControlServerTest, MetricsOverHttp) {
  const std::uint16_t port = free_port();
  start("127.0.0.1:" + std::to_string(port));
  const std::string reply = exchange(connect_tcp(port), "GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n",
                                     std::chrono::seconds(3));
  EXPECT_EQ(reply.rfind("HTTP/1.0 200 OK\r\n", 0), 0u) << reply;
  EXPECT_NE(reply.find("Content-Type: text/plain; version=0.0.4"), std::string::npos);
  EXPECT_NE(reply.find("\r\n\r\n# HELP teredod_build_info "), std::string::npos);
  EXPECT_NE(reply.find("teredod_up 1\n"), std::string::npos);
  EXPECT_EQ(
      exchange(connect_tcp(port), "GET / HTTP/1.0\r\n\r\n", std::chrono::seconds(3)).rfind("HTTP/1.0 404", 0),
      0u);
  EXPECT_EQ(exchange(connect_tcp(port), "nonsense\r\n\r\n", std::chrono::seconds(3)).rfind("HTTP/1.0 400", 0),
            0u);
}

// More silent clients than the server holds at once: a scrape is still answered at once (the
// longest-waiting silent connection makes room for it).
TEST_F(ControlServerTest, ManySilentClientsDoNotStarveAScrape) {
  const std::uint16_t port = free_port();
  start("127.0.0.1:" + std::to_string(port));
  std::vector<os::Fd> silent;
  for (std::size_t i = 0; i < kMaxConnections + 8; ++i) silent.push_back(connect_tcp(port));
  const auto t0 = Clock::now();
  const std::string reply =
      exchange(connect_tcp(port), "GET /metrics HTTP/1.0\r\n\r\n", std::chrono::seconds(3));
  EXPECT_EQ(reply.rfind("HTTP/1.0 200 OK", 0), 0u) << reply;
  EXPECT_LT(Clock::now() - t0, std::chrono::milliseconds(1000));
}

}  // namespace
}  // namespace teredo::control
