// The seccomp allow-list (os/seccomp.hpp) in a forked child, against the real kernel: a client's
// worker may open its random-port UDP sockets (SeccompOptions::udp_sockets), exactly those, and
// no worker may without the option. A forbidden call kills the child with SIGSYS.
#include "os/seccomp.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

#include "os/udp_socket.hpp"

namespace teredo::os {
namespace {

// Runs `body` in a child under the filter; its wait status (body's result as the exit code).
template <class Body>
int confined(const SeccompOptions& options, Body body) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) ::_exit(100);
    if (!install_seccomp_filter(options)) ::_exit(101);
    ::_exit(body());
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return status;
}

bool killed_by_sigsys(int status) {
  return WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS;
}

int open_udp_socket() {
  auto s = UdpSocket::open(proto::Endpoint{proto::Ipv4Addr{}, 0}, UdpSocketOptions{});
  return s ? 0 : 1;
}

TEST(Seccomp, ClientWorkerOpensUdpSockets) {
  const int status = confined(SeccompOptions{.udp_sockets = true}, open_udp_socket);
  ASSERT_TRUE(WIFEXITED(status)) << "status " << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(Seccomp, OtherWorkersOpenNoUdpSocket) {
  EXPECT_TRUE(killed_by_sigsys(confined(SeccompOptions{}, open_udp_socket)));
}

// Only what os::UdpSocket::open asks for: not a stream, raw or blocking socket.
TEST(Seccomp, UdpSocketsOnlyAllowsThoseSockets) {
  const SeccompOptions client{.udp_sockets = true};
  EXPECT_TRUE(
      killed_by_sigsys(confined(client, [] { return ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0); })));
  EXPECT_TRUE(killed_by_sigsys(confined(client, [] { return ::socket(AF_INET, SOCK_RAW, IPPROTO_UDP); })));
  EXPECT_TRUE(killed_by_sigsys(confined(client, [] { return ::socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP); })));
  EXPECT_TRUE(killed_by_sigsys(confined(
      client, [] { return ::socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP); })));
}

}  // namespace
}  // namespace teredo::os
