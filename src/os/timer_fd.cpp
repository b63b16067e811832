// SPDX-License-Identifier: GPL-2.0-or-later
// timerfd wrapper.
#include "os/timer_fd.hpp"

#include <sys/timerfd.h>
#include <unistd.h>

#include <cstdint>

namespace teredo::os {

OsResult<TimerFd> TimerFd::open() {
  Fd fd(::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC));
  if (!fd) return errno_error("timerfd_create");
  return TimerFd(std::move(fd));
}

OsStatus TimerFd::arm(std::chrono::steady_clock::time_point when) {
  itimerspec spec{};
  if (when != std::chrono::steady_clock::time_point::max()) {
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(when.time_since_epoch()).count();
    // it_value all zero would disarm: an instant at or before the epoch fires after 1 ns.
    const std::int64_t v = ns > 0 ? ns : 1;
    spec.it_value.tv_sec = static_cast<time_t>(v / 1'000'000'000);
    spec.it_value.tv_nsec = static_cast<long>(v % 1'000'000'000);
  }
  if (::timerfd_settime(fd_.get(), TFD_TIMER_ABSTIME, &spec, nullptr) != 0)
    return errno_error("timerfd_settime");
  return Ok{};
}

void TimerFd::acknowledge() {
  std::uint64_t expirations = 0;
  (void)!::read(fd_.get(), &expirations, sizeof expirations);
}

}  // namespace teredo::os
