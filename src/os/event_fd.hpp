// SPDX-License-Identifier: GPL-2.0-or-later
// A level-triggered wake-up flag (eventfd), used to tell worker threads to stop.
#pragma once

#include "os/fd.hpp"
#include "os/os_result.hpp"

namespace teredo::os {

/// Once signal() is called the descriptor stays readable, so any number of epoll sets that
/// watch it all wake up. signal() is thread-safe (a write(2)).
class EventFd {
 public:
  static OsResult<EventFd> open();
  int fd() const { return fd_.get(); }
  void signal();
  /// Resets the counter (the descriptor is no longer readable until the next signal()).
  void acknowledge();

 private:
  explicit EventFd(Fd fd) : fd_(std::move(fd)) {}
  Fd fd_;
};

}  // namespace teredo::os
