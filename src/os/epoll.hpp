// SPDX-License-Identifier: GPL-2.0-or-later
// Minimal level-triggered epoll set: register descriptors with a tag, wait for readiness.
#pragma once

#include <sys/epoll.h>

#include <cstdint>
#include <span>

#include "os/fd.hpp"
#include "os/os_result.hpp"

namespace teredo::os {

/// One epoll instance. Each registered descriptor carries a caller-chosen 64-bit tag that
/// wait() reports back. Used by one thread.
class Epoll {
 public:
  static OsResult<Epoll> open();

  /// Watches `fd` for readability (level-triggered).
  OsStatus add_readable(int fd, std::uint64_t tag);
  /// Stops watching `fd` (before it is closed: a tag must not outlive its descriptor's use).
  OsStatus remove(int fd);

  /// Waits up to timeout_ms (-1: forever) and fills `tags` with the ready descriptors' tags.
  /// Returns how many are ready; 0 on timeout or EINTR.
  OsResult<std::size_t> wait(std::span<std::uint64_t> tags, int timeout_ms);

 private:
  explicit Epoll(Fd fd) : fd_(std::move(fd)) {}
  Fd fd_;
};

}  // namespace teredo::os
