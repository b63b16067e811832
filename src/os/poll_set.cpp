// SPDX-License-Identifier: GPL-2.0-or-later
// poll(2) wrapper.
#include "os/poll_set.hpp"

#include <cerrno>

namespace teredo::os {

OsResult<std::size_t> PollSet::wait(int timeout_ms) {
  for (auto& p : fds_) p.revents = 0;
  const int n = ::poll(fds_.data(), fds_.size(), timeout_ms);
  if (n < 0) {
    if (errno == EINTR) return std::size_t{0};
    return errno_error("poll");
  }
  return static_cast<std::size_t>(n);
}

void sleep_ms(int ms) {
  (void)::poll(nullptr, 0, ms);
}

}  // namespace teredo::os
