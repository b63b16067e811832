// SPDX-License-Identifier: GPL-2.0-or-later
// Keeps the terminal away from the processes that parse network data. A daemon started in the
// foreground (-f) from a shell has that shell's terminal as its controlling tty and as stdio; a
// worker taken over could push keystrokes into it (TIOCSTI) or rewrite its settings. Each worker
// starts a session of its own (no controlling tty) with stdin on /dev/null and, where stdout or
// stderr was a terminal, a pipe instead, which the supervisor copies onto its own stderr: the
// messages still reach the terminal, the worker holds no descriptor of it.
#pragma once

#include "os/fd.hpp"
#include "os/os_result.hpp"

namespace teredo::os {

class TerminalRelay {
 public:
  /// A relay with a pipe when descriptor 1 or 2 is a terminal; an inactive one otherwise (the
  /// workers then keep those descriptors: /dev/null, a file, the journal's stream).
  static OsResult<TerminalRelay> open();

  TerminalRelay() = default;
  bool active() const { return static_cast<bool>(read_); }
  /// The read end (non-blocking), to poll; -1 when inactive.
  int fd() const { return read_.get(); }
  /// Copies what the pipe holds onto descriptor 2 (non-blocking: returns when it is empty).
  void drain() const;

  /// In a forked worker, first thing: setsid, stdin from /dev/null, and the pipe's write end
  /// as stdout and stderr where they are terminals. The read end is closed in the worker.
  OsStatus detach_worker();

 private:
  Fd read_;
  Fd write_;
};

}  // namespace teredo::os
