// SPDX-License-Identifier: GPL-2.0-or-later
// epoll wrapper.
#include "os/epoll.hpp"

#include <array>
#include <cerrno>

namespace teredo::os {

OsResult<Epoll> Epoll::open() {
  Fd fd(::epoll_create1(EPOLL_CLOEXEC));
  if (!fd) return errno_error("epoll_create1");
  return Epoll(std::move(fd));
}

OsStatus Epoll::add_readable(int fd, std::uint64_t tag) {
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = tag;
  if (::epoll_ctl(fd_.get(), EPOLL_CTL_ADD, fd, &ev) != 0) return errno_error("epoll_ctl");
  return Ok{};
}

OsStatus Epoll::remove(int fd) {
  if (::epoll_ctl(fd_.get(), EPOLL_CTL_DEL, fd, nullptr) != 0) return errno_error("epoll_ctl");
  return Ok{};
}

OsResult<std::size_t> Epoll::wait(std::span<std::uint64_t> tags, int timeout_ms) {
  std::array<epoll_event, 16> events{};
  const int max = static_cast<int>(tags.size() < events.size() ? tags.size() : events.size());
  const int n = ::epoll_wait(fd_.get(), events.data(), max, timeout_ms);
  if (n < 0) {
    if (errno == EINTR) return std::size_t{0};
    return errno_error("epoll_wait");
  }
  for (int i = 0; i < n; ++i)
    tags[static_cast<std::size_t>(i)] = events[static_cast<std::size_t>(i)].data.u64;
  return static_cast<std::size_t>(n);
}

}  // namespace teredo::os
