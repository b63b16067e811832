// SPDX-License-Identifier: GPL-2.0-or-later
// poll(2) over a small set of descriptors, rebuilt by the caller as its connections come and go.
// Unlike an epoll set it keeps no wait-queue entries while the caller is busy (server_worker.cpp
// says why that matters). Used by one thread.
#pragma once

#include <poll.h>

#include <cstddef>
#include <vector>

#include "os/os_result.hpp"

namespace teredo::os {

class PollSet {
 public:
  /// Readiness a caller can wait for (poll(2) events).
  static constexpr short kReadable = POLLIN;
  static constexpr short kWritable = POLLOUT;

  /// Forgets every descriptor.
  void clear() { fds_.clear(); }
  /// Watches `fd` for `events`; returns its index for ready().
  std::size_t add(int fd, short events) {
    fds_.push_back(pollfd{fd, events, 0});
    return fds_.size() - 1;
  }
  /// Waits up to `timeout_ms` (-1: forever; 0: just look). Returns how many are ready; 0 on
  /// timeout or EINTR.
  OsResult<std::size_t> wait(int timeout_ms);
  /// True when the descriptor at `index` is ready, or has an error or hang-up to report.
  bool ready(std::size_t index) const { return fds_[index].revents != 0; }
  std::size_t size() const { return fds_.size(); }

 private:
  std::vector<pollfd> fds_;
};

/// Sleeps `ms` milliseconds (poll with no descriptor): backing off when out of descriptors.
void sleep_ms(int ms);

}  // namespace teredo::os
