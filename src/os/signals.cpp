// signalfd set-up for the daemon's main thread.
#include "os/signals.hpp"

#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>

namespace teredo::os {

OsResult<SignalFd> SignalFd::open() {
  struct sigaction ign {};
  ign.sa_handler = SIG_IGN;
  for (int s : {SIGUSR1, SIGUSR2, SIGPIPE})
    if (::sigaction(s, &ign, nullptr) != 0) return errno_error("sigaction");
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) sigaddset(&set, s);
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
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    case SIGHUP: return "SIGHUP";
    case SIGQUIT: return "SIGQUIT";
    default: return "signal";
  }
}

}  // namespace teredo::os
