// SPDX-License-Identifier: GPL-2.0-or-later
// eventfd wrapper.
#include "os/event_fd.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>

namespace teredo::os {

OsResult<EventFd> EventFd::open() {
  Fd fd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (!fd) return errno_error("eventfd");
  return EventFd(std::move(fd));
}

void EventFd::signal() {
  const std::uint64_t one = 1;
  // Failure means the counter is saturated, which still leaves the descriptor readable.
  (void)!::write(fd_.get(), &one, sizeof one);
}

void EventFd::acknowledge() {
  std::uint64_t value = 0;
  // EAGAIN: nothing was signalled since the last acknowledge().
  (void)!::read(fd_.get(), &value, sizeof value);
}

}  // namespace teredo::os
