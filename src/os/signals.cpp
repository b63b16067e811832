// SPDX-License-Identifier: GPL-2.0-or-later
// signalfd set-up for the daemon's main thread.
#include "os/signals.hpp"

#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>

namespace teredo::os {

OsResult<SignalFd> SignalFd::open(SignalRole role) {
  struct sigaction ign {};
  ign.sa_handler = SIG_IGN;
  for (int s : {SIGUSR1, SIGUSR2, SIGPIPE})
    if (::sigaction(s, &ign, nullptr) != 0) return errno_error("sigaction");
  if (role == SignalRole::Worker && ::sigaction(SIGHUP, &ign, nullptr) != 0) return errno_error("sigaction");
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGINT, SIGTERM, SIGQUIT}) sigaddset(&set, s);
  if (role != SignalRole::Worker) sigaddset(&set, SIGHUP);
  if (role == SignalRole::Supervisor) sigaddset(&set, SIGCHLD);
  if (::pthread_sigmask(SIG_BLOCK, &set, nullptr) != 0) return errno_error("pthread_sigmask");
  Fd fd(::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC));
  if (!fd) return errno_error("signalfd");
  return SignalFd(std::move(fd));
}

std::optional<int> SignalFd::read() {
  signalfd_siginfo info{};
  for (;;) {
    const ssize_t n = ::read(fd_.get(), &info, sizeof info);
    if (n == static_cast<ssize_t>(sizeof info)) return static_cast<int>(info.ssi_signo);
    if (n < 0 && errno == EINTR) continue;
    return std::nullopt;
  }
}

const char* signal_name(int signo) {
  switch (signo) {
    case SIGINT:
      return "SIGINT";
    case SIGTERM:
      return "SIGTERM";
    case SIGHUP:
      return "SIGHUP";
    case SIGQUIT:
      return "SIGQUIT";
    case SIGKILL:
      return "SIGKILL";
    case SIGSEGV:
      return "SIGSEGV";
    case SIGABRT:
      return "SIGABRT";
    case SIGBUS:
      return "SIGBUS";
    case SIGILL:
      return "SIGILL";
    case SIGFPE:
      return "SIGFPE";
    case SIGSYS:
      return "SIGSYS";
    case SIGCHLD:
      return "SIGCHLD";
    default:
      return "signal";
  }
}

OsStatus reset_signals() {
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int s : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD, SIGUSR1, SIGUSR2, SIGPIPE})
    if (::sigaction(s, &dfl, nullptr) != 0) return errno_error("sigaction");
  sigset_t none;
  sigemptyset(&none);
  if (::pthread_sigmask(SIG_SETMASK, &none, nullptr) != 0) return errno_error("pthread_sigmask");
  return Ok{};
}

}  // namespace teredo::os
