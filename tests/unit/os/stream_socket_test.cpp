// SPDX-License-Identifier: GPL-2.0-or-later
// The control channel's stream sockets (os/stream_socket.hpp) against the real kernel: the Unix
// socket file's mode, stale and live files, connect errors, non-blocking I/O, the TCP listener.
#include "os/stream_socket.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "os/poll_set.hpp"

namespace teredo::os {
namespace {

class StreamSocketTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_NE(::mkdtemp(dir_), nullptr); }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string path(const char* name) const { return std::string(dir_) + "/" + name; }
  char dir_[48] = "/tmp/teredod-stream.XXXXXX";
};

TEST_F(StreamSocketTest, UnixSocketIsBornPrivateInItsDirectory) {
  const std::string p = path("run/c.sock");  // the directory does not exist yet
  auto fd = listen_unix(p, std::nullopt);
  ASSERT_TRUE(fd) << fd.error().message();
  struct stat st {};
  ASSERT_EQ(::stat(p.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(path("run").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0755u);
}

TEST_F(StreamSocketTest, LiveSocketIsRefusedStaleOneReplacedOtherFileKept) {
  const std::string p = path("c.sock");
  auto first = listen_unix(p, std::nullopt);
  ASSERT_TRUE(first);
  auto second = listen_unix(p, std::nullopt);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code.value(), EADDRINUSE);
  first = listen_unix(path("other.sock"), std::nullopt);  // closes the first: its file is now stale
  EXPECT_TRUE(listen_unix(p, std::nullopt));
  std::ofstream(path("plain")) << "x";
  auto not_socket = listen_unix(path("plain"), std::nullopt);
  ASSERT_FALSE(not_socket);
  EXPECT_EQ(not_socket.error().code.value(), ENOTSOCK);
  EXPECT_FALSE(listen_unix(std::string(200, 'x'), std::nullopt));  // longer than sun_path
}

TEST_F(StreamSocketTest, ConnectErrorsSayWhy) {
  auto missing = connect_unix(path("none.sock"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code.value(), ENOENT);
  { auto gone = listen_unix(path("gone.sock"), std::nullopt); }  // closed: nobody accepts
  auto refused = connect_unix(path("gone.sock"));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code.value(), ECONNREFUSED);
}

TEST_F(StreamSocketTest, AcceptReadWriteWithoutBlocking) {
  auto listener = listen_unix(path("c.sock"), std::nullopt);
  ASSERT_TRUE(listener);
  auto none = accept_connection(*listener);
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);  // nothing pending
  auto client = connect_unix(path("c.sock"));
  ASSERT_TRUE(client);
  auto server = accept_connection(*listener);
  ASSERT_TRUE(server && *server);
  char buf[64];
  auto nothing = read_some(**server, buf);
  ASSERT_TRUE(nothing);
  EXPECT_FALSE(*nothing);  // would block
  const std::string hello = "status\n";
  auto w = write_some(*client, hello);
  ASSERT_TRUE(w && *w);
  EXPECT_EQ(**w, hello.size());
  shutdown_write(*client);
  PollSet poll;
  poll.add((*server)->get(), PollSet::kReadable);
  ASSERT_TRUE(poll.wait(1000));
  auto r = read_some(**server, buf);
  ASSERT_TRUE(r && *r);
  EXPECT_EQ(std::string(buf, **r), hello);
  auto eof = read_some(**server, buf);
  ASSERT_TRUE(eof && *eof);
  EXPECT_EQ(**eof, 0u);  // the client half-closed
}

// The address forms of MetricsListen (parsed by config/control_settings, whose test checks the
// bad ones): IPv4, IPv6, and every address of both families.
TEST(TcpListener, ListensOnEachAddressForm) {
  EXPECT_TRUE(listen_tcp(ListenAddress{proto::make_ipv4(127, 0, 0, 1), 0}));
  proto::Ipv6Addr loopback;
  loopback.bytes[15] = 1;
  EXPECT_TRUE(listen_tcp(ListenAddress{loopback, 0}));
  EXPECT_TRUE(listen_tcp(ListenAddress{std::monostate{}, 0}));
}

}  // namespace
}  // namespace teredo::os
