// fork + setsid with a pipe back to the launcher.
#include "os/daemonize.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

namespace teredo::os {

OsResult<Daemonizer> Daemonizer::start() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return errno_error("pipe2");
  Fd read_end(fds[0]);
  Fd write_end(fds[1]);
  const pid_t pid = ::fork();
  if (pid < 0) return errno_error("fork");
  if (pid > 0) {
    write_end.reset();
    char status = 1;
    ssize_t n;
    do {
      n = ::read(read_end.get(), &status, 1);
    } while (n < 0 && errno == EINTR);
    // EOF before a status byte: the daemon exited during set-up and has said why on stderr.
    ::_exit(n == 1 && status == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
  }
  read_end.reset();
  if (::setsid() < 0) return errno_error("setsid");
  return Daemonizer(std::move(write_end));
}

OsStatus Daemonizer::ready() {
  Fd null(::open("/dev/null", O_RDWR | O_CLOEXEC));
  if (!null) return errno_error("open(/dev/null)");
  for (int target = 0; target <= 2; ++target)
    if (::dup2(null.get(), target) < 0) return errno_error("dup2");
  const char ok = 0;
  if (::write(pipe_write_.get(), &ok, 1) != 1) return errno_error("write(pipe)");
  pipe_write_.reset();
  return Ok{};
}

}  // namespace teredo::os
