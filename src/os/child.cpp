// SPDX-License-Identifier: GPL-2.0-or-later
// fork with a channel, run_child, ready handshake, and child reaping.
#include "os/child.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <string>

namespace teredo::os {

namespace {

constexpr int kChildChannelFd = 3;

}  // namespace

OsResult<ForkSide> fork_with_channel(ChannelKind kind) {
  int fds[2];
  if (kind == ChannelKind::ReadyPipe) {
    if (::pipe2(fds, O_CLOEXEC) != 0) return errno_error("pipe2");
  } else if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) != 0) {
    return errno_error("socketpair");
  }
  // A pipe's read end (0) is the parent's, its write end (1) the child's.
  Fd parent_end(fds[0]);
  Fd child_end(fds[1]);
  const pid_t pid = ::fork();
  if (pid < 0) return errno_error("fork");
  if (pid == 0) return ForkSide{0, std::move(child_end)};
  return ForkSide{pid, std::move(parent_end)};
}

void run_child(Fd channel, const std::function<int(Fd channel)>& body, int extra) {
  // The parent's syslog connection (glibc keeps its descriptor number, often 3) goes first: left
  // open, it would be replaced below by the channel, and the child's next closelog() or syslog()
  // would close the channel or write log lines into it.
  ::closelog();
  // Keep stdio and the channel (moved to descriptor 3), and the extra descriptor (moved to 4),
  // close everything else (TUN, sockets, pidfile lock, signalfd...). dup2 clears close-on-exec
  // on the copy: set it again. The extra one first, in case the channel is descriptor 4.
  if (extra >= 0) {
    const int moved = ::fcntl(extra, F_DUPFD_CLOEXEC, kChildExtraFd + 1);
    if (moved < 0) exit_now(127);
    extra = moved;
  }
  if (channel.get() != kChildChannelFd) {
    if (::dup2(channel.get(), kChildChannelFd) < 0) exit_now(127);
    (void)channel.release();  // closed by close_range below unless it is descriptor 3
  }
  if (extra >= 0) {
    if (::dup2(extra, kChildExtraFd) < 0) exit_now(127);
    if (::fcntl(kChildExtraFd, F_SETFD, FD_CLOEXEC) != 0) exit_now(127);
  }
  if (::close_range(extra >= 0 ? kChildExtraFd + 1 : kChildChannelFd + 1, ~0U, 0) != 0) exit_now(127);
  if (::fcntl(kChildChannelFd, F_SETFD, FD_CLOEXEC) != 0) exit_now(127);
  exit_now(body(Fd(kChildChannelFd)));
}

OsResult<ForkSide> fork_child(ChannelKind kind, const std::function<int(Fd channel)>& body) {
  auto side = fork_with_channel(kind);
  if (!side) return side.error();
  if (side->in_child()) run_child(std::move(side->channel), body);
  return side;
}

OsStatus send_ready(const Fd& channel, char status) {
  if (::write(channel.get(), &status, 1) != 1) return errno_error("write(ready pipe)");
  return Ok{};
}

std::optional<char> read_ready(const Fd& channel) {
  char status = 0;
  ssize_t n;
  do {
    n = ::read(channel.get(), &status, 1);
  } while (n < 0 && errno == EINTR);
  if (n != 1) return std::nullopt;
  return status;
}

OsStatus send_report(const Fd& channel, proto::ByteView report) {
  ssize_t n;
  do {
    n = ::write(channel.get(), report.data(), report.size());
  } while (n < 0 && errno == EINTR);
  if (n != static_cast<ssize_t>(report.size())) return errno_error("write(report pipe)", n < 0 ? errno : EIO);
  return Ok{};
}

OsResult<std::size_t> read_report(const Fd& channel, proto::MutableBytes buf, int timeout_ms) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  std::size_t got = 0;
  while (got < buf.size()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) break;
    pollfd p{channel.get(), POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(left));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return errno_error("poll(report pipe)");
    if (r == 0) break;
    const ssize_t n = ::read(channel.get(), buf.data() + got, buf.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_error("read(report pipe)");
    if (n == 0) break;  // the child closed it (exited)
    got += static_cast<std::size_t>(n);
  }
  return got;
}

void signal_process(pid_t pid, int signo) {
  if (pid > 0) ::kill(pid, signo);
}

namespace {

// waitpid, retried on EINTR: the wait status, or nullopt when (WNOHANG) the child still runs.
OsResult<std::optional<int>> wait_for(pid_t pid, int flags) {
  int status = 0;
  for (;;) {
    const pid_t r = ::waitpid(pid, &status, flags);
    if (r == pid) return std::optional<int>(status);
    if (r == 0) return std::optional<int>();
    if (errno != EINTR) return errno_error("waitpid");
  }
}

}  // namespace

OsResult<int> wait_child(pid_t pid) {
  auto r = wait_for(pid, 0);
  if (!r) return r.error();
  return **r;
}

std::optional<int> reap_child(pid_t pid, bool block) {
  if (pid <= 0) return std::nullopt;
  auto r = wait_for(pid, block ? 0 : WNOHANG);
  return r ? *r : std::nullopt;
}

void exit_now(int status) {
  ::_exit(status);
}

std::string describe_wait_status(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  return "ended with wait status " + std::to_string(status);
}

bool exited_cleanly(int status) {
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

int killing_signal(int status) {
  return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

int exit_status(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace teredo::os
