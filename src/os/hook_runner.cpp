// SPDX-License-Identifier: GPL-2.0-or-later
// fork/execve/waitpid for hook scripts, with a deadline (pidfd + poll).
#include "os/hook_runner.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "os/child.hpp"
#include "os/fd.hpp"

namespace teredo::os {

OsResult<ProgramOutcome> run_program(const std::string& path, const std::vector<std::string>& environment,
                                     std::chrono::milliseconds timeout) {
  // Build argv and envp before forking: the child only calls async-signal-safe functions.
  std::vector<char*> envp;
  envp.reserve(environment.size() + 1);
  for (const std::string& e : environment) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  char* argv[] = {const_cast<char*>(path.c_str()), nullptr};

  const pid_t pid = ::fork();
  if (pid < 0) return errno_error("fork");
  if (pid == 0) {
    ::setpgid(0, 0);  // its own group: a timeout kills whatever it started too
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int s : {SIGPIPE, SIGUSR1, SIGUSR2, SIGINT, SIGTERM, SIGHUP, SIGQUIT}) ::signal(s, SIG_DFL);
    const int null = ::open("/dev/null", O_RDONLY);
    if (null >= 0) {
      ::dup2(null, STDIN_FILENO);
      if (null > STDERR_FILENO) ::close(null);
    }
    ::dup2(STDERR_FILENO, STDOUT_FILENO);
    ::close_range(STDERR_FILENO + 1, ~0U, 0);
    ::execve(path.c_str(), argv, envp.data());
    ::_exit(127);
  }
  (void)::setpgid(pid, pid);  // also from here, so the group exists before any kill
  ProgramOutcome outcome;
  Fd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (pidfd) {
    pollfd p{pidfd.get(), POLLIN, 0};
    int n;
    do {
      n = ::poll(&p, 1, static_cast<int>(timeout.count()));
    } while (n < 0 && errno == EINTR);
    if (n == 0) {
      outcome.timed_out = true;
      (void)::kill(-pid, SIGKILL);
    }
  }
  auto status = wait_child(pid);
  if (!status) return status.error();
  outcome.status = *status;
  return outcome;
}

}  // namespace teredo::os
