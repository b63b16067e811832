// SPDX-License-Identifier: GPL-2.0-or-later
// A one-shot timer as a file descriptor (timerfd on CLOCK_MONOTONIC), for the core's deadlines.
#pragma once

#include <chrono>

#include "os/fd.hpp"
#include "os/os_result.hpp"

namespace teredo::os {

/// Armed to an absolute steady_clock instant (libstdc++'s steady_clock is CLOCK_MONOTONIC);
/// becomes readable when it has passed. Non-blocking, CLOEXEC; used by one thread.
class TimerFd {
 public:
  static OsResult<TimerFd> open();

  int fd() const { return fd_.get(); }

  /// Arms the timer for `when` (an instant already past fires at once); time_point::max()
  /// disarms it.
  OsStatus arm(std::chrono::steady_clock::time_point when);
  /// Consumes the expiry count so that the descriptor is no longer readable.
  void acknowledge();

 private:
  explicit TimerFd(Fd fd) : fd_(std::move(fd)) {}
  Fd fd_;
};

}  // namespace teredo::os
