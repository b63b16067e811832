// SPDX-License-Identifier: GPL-2.0-or-later
// Process signals as file-descriptor events (signalfd), so no handler runs asynchronously.
#pragma once

#include <optional>

#include "os/fd.hpp"
#include "os/os_result.hpp"

namespace teredo::os {

/// Which signals a SignalFd delivers.
enum class SignalRole {
  /// SIGINT, SIGTERM, SIGHUP, SIGQUIT (a single-process daemon).
  Daemon,
  /// Daemon's set plus SIGCHLD: the supervisor, which reloads on SIGHUP and reaps its worker.
  Supervisor,
  /// SIGINT, SIGTERM, SIGQUIT; SIGHUP is ignored: a worker process, whose supervisor alone
  /// decides what a reload means (a SIGHUP sent to the whole process group changes nothing).
  Worker,
};

/// Blocks the role's signals in the calling thread (threads created later inherit the mask)
/// and delivers them through a signalfd. Ignores SIGUSR1, SIGUSR2 and SIGPIPE process-wide
/// (Miredo died on SIGUSR1/2). Create it in the main thread before starting any other thread.
class SignalFd {
 public:
  static OsResult<SignalFd> open(SignalRole role = SignalRole::Daemon);

  int fd() const { return fd_.get(); }

  /// The next pending signal number, or nullopt if none is pending (non-blocking).
  std::optional<int> read();

 private:
  explicit SignalFd(Fd fd) : fd_(std::move(fd)) {}
  Fd fd_;
};

/// "SIGTERM" for 15, and so on (strsignal-free, async-signal-safe table; "signal" if unknown).
const char* signal_name(int signo);

/// Unblocks every signal and restores the default action of those SignalFd changes (INT, TERM,
/// HUP, QUIT, CHLD, USR1, USR2, PIPE): the clean slate of a freshly forked worker.
OsStatus reset_signals();

}  // namespace teredo::os
