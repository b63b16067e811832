// SPDX-License-Identifier: GPL-2.0-or-later
// The systemd notification protocol (os/notify.hpp): datagrams reach a path socket and an
// abstract one exactly as sent; $WATCHDOG_USEC and $WATCHDOG_PID are read as sd_watchdog_enabled.
#include "os/notify.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <string>

#include "os/fd.hpp"

namespace teredo::os {
namespace {

// A datagram socket bound to `name` (a path, or '@' for abstract) that the test reads from.
Fd bound_socket(const std::string& name) {
  Fd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  std::memcpy(sa.sun_path, name.data(), name.size());
  if (name[0] == '@') sa.sun_path[0] = '\0';
  const auto length =
      static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size() + (name[0] == '@' ? 0 : 1));
  EXPECT_EQ(::bind(fd.get(), reinterpret_cast<const sockaddr*>(&sa), length), 0) << std::strerror(errno);
  return fd;
}

std::string receive(const Fd& fd) {
  char buf[512];
  const ssize_t n = ::recv(fd.get(), buf, sizeof buf, MSG_DONTWAIT);
  return n < 0 ? std::string("<nothing>") : std::string(buf, static_cast<std::size_t>(n));
}

TEST(Notify, PathSocketReceivesTheStateAsSent) {
  const std::string path = "/tmp/teredod-notify-test-" + std::to_string(::getpid());
  ::unlink(path.c_str());
  const Fd server = bound_socket(path);
  EXPECT_TRUE(notify_socket_send(path, "READY=1\nSTATUS=qualified as 2001:db8::1"));
  EXPECT_EQ(receive(server), "READY=1\nSTATUS=qualified as 2001:db8::1");
  ::unlink(path.c_str());
}

TEST(Notify, AbstractSocketReceivesTheState) {
  const std::string name = "@teredod-notify-test-" + std::to_string(::getpid());
  const Fd server = bound_socket(name);
  EXPECT_TRUE(notify_socket_send(name, "WATCHDOG=1"));
  EXPECT_EQ(receive(server), "WATCHDOG=1");
}

TEST(Notify, EnvironmentSelectsTheSocketAndNoneIsNotAnError) {
  const std::string name = "@teredod-notify-env-" + std::to_string(::getpid());
  const Fd server = bound_socket(name);
  ::unsetenv("NOTIFY_SOCKET");
  EXPECT_TRUE(notify_service_manager("READY=1"));  // outside systemd: nothing to do
  EXPECT_EQ(receive(server), "<nothing>");
  ::setenv("NOTIFY_SOCKET", name.c_str(), 1);
  EXPECT_TRUE(notify_service_manager("STOPPING=1"));
  EXPECT_EQ(receive(server), "STOPPING=1");
  ::unsetenv("NOTIFY_SOCKET");
}

TEST(Notify, MissingOrMalformedSocketsFailQuietly) {
  EXPECT_FALSE(notify_socket_send("/nonexistent/teredod-notify", "READY=1"));
  EXPECT_FALSE(notify_socket_send("relative/path", "READY=1"));
  EXPECT_FALSE(notify_socket_send("vsock:2:1234", "READY=1"));
  EXPECT_FALSE(notify_socket_send("/" + std::string(200, 'x'), "READY=1"));
  EXPECT_TRUE(notify_socket_send("", "READY=1"));
}

TEST(Notify, WatchdogIntervalIsReadForThisProcessOnly) {
  ::unsetenv("WATCHDOG_PID");
  ::unsetenv("WATCHDOG_USEC");
  EXPECT_EQ(watchdog_interval_usec(), 0U);
  ::setenv("WATCHDOG_USEC", "30000000", 1);
  EXPECT_EQ(watchdog_interval_usec(), 30000000U);
  ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
  EXPECT_EQ(watchdog_interval_usec(), 30000000U);
  ::setenv("WATCHDOG_PID", std::to_string(::getpid() + 1).c_str(), 1);
  EXPECT_EQ(watchdog_interval_usec(), 0U);  // meant for another process
  ::unsetenv("WATCHDOG_PID");
  ::setenv("WATCHDOG_USEC", "30s", 1);
  EXPECT_EQ(watchdog_interval_usec(), 0U);
  ::unsetenv("WATCHDOG_USEC");
}

}  // namespace
}  // namespace teredo::os
