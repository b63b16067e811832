// SPDX-License-Identifier: GPL-2.0-or-later
// Detaching from the terminal with a start-up handshake: the launcher's exit status says
// whether the daemon's set-up succeeded (fixes Miredo, whose launcher reports only the fork).
#pragma once

#include "os/fd.hpp"
#include "os/os_result.hpp"

namespace teredo::os {

/// Held by the daemon process between fork and the end of its set-up.
class Daemonizer {
 public:
  /// Forks. The launcher (parent) never returns from this call: it waits until the child
  /// calls ready() and exits 0, or exits 1 if the child exits or dies first. The child
  /// returns from here in a new session (setsid). Call before creating any thread.
  static OsResult<Daemonizer> start();

  /// Redirects stdin/stdout/stderr to /dev/null and tells the launcher that set-up succeeded.
  OsStatus ready();

  /// In a process forked from the daemon (a worker): close the launcher's pipe, so that only
  /// the daemon itself reports the set-up status.
  void close_in_child() { pipe_write_.reset(); }

 private:
  explicit Daemonizer(Fd pipe_write) : pipe_write_(std::move(pipe_write)) {}
  Fd pipe_write_;
};

}  // namespace teredo::os
