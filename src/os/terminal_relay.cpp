// SPDX-License-Identifier: GPL-2.0-or-later
// setsid, /dev/null and a pipe for a worker's stdio; the supervisor's copy (terminal_relay.hpp).
#include "os/terminal_relay.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>

#include "os/process.hpp"

namespace teredo::os {

OsResult<TerminalRelay> TerminalRelay::open() {
  TerminalRelay relay;
  if (::isatty(STDOUT_FILENO) == 0 && ::isatty(STDERR_FILENO) == 0) return relay;
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return errno_error("pipe2");
  relay.read_ = Fd(fds[0]);
  relay.write_ = Fd(fds[1]);
  if (::fcntl(fds[0], F_SETFL, O_NONBLOCK) != 0) return errno_error("fcntl(O_NONBLOCK)");
  return relay;
}

void TerminalRelay::drain() const {
  if (!read_) return;
  std::array<char, 16384> buf{};
  for (;;) {
    const ssize_t n = ::read(read_.get(), buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // empty (EAGAIN), or every writer gone
    for (ssize_t done = 0; done < n;) {
      const ssize_t w = ::write(STDERR_FILENO, buf.data() + done, static_cast<std::size_t>(n - done));
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) return;  // the terminal went away: the messages are in syslog too
      done += w;
    }
  }
}

OsStatus TerminalRelay::detach_worker() {
  if (::setsid() < 0) return errno_error("setsid");
  auto null = open_dev_null();
  if (!null) return null.error();
  if (::dup2(null->get(), STDIN_FILENO) < 0) return errno_error("dup2(stdin)");
  for (int target : {STDOUT_FILENO, STDERR_FILENO}) {
    if (::isatty(target) == 0) continue;
    const int to = write_ ? write_.get() : null->get();
    if (::dup2(to, target) < 0) return errno_error("dup2");
  }
  read_.reset();
  write_.reset();
  return Ok{};
}

}  // namespace teredo::os
