// SPDX-License-Identifier: GPL-2.0-or-later
// The workers' log channel (log_forward.hpp).
#include "os/log_forward.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

namespace teredo::os {

OsResult<std::pair<Fd, Fd>> open_log_channel() {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, fds) != 0) return errno_error("socketpair(log)");
  Fd supervisor(fds[0]);
  Fd workers(fds[1]);
  return std::pair<Fd, Fd>{std::move(supervisor), std::move(workers)};
}

namespace {

// The first byte of a status record: not a priority.
constexpr unsigned char kStatusTag = 0x53;  // 'S'

void send_record(int fd, char tag, std::string_view text) {
  std::array<char, kMaxLogRecord + 1> buf{};
  buf[0] = tag;
  const std::size_t n = std::min(text.size(), kMaxLogRecord);
  std::memcpy(buf.data() + 1, text.data(), n);
  (void)::send(fd, buf.data(), n + 1, MSG_DONTWAIT | MSG_NOSIGNAL);
}

}  // namespace

void send_log_record(int fd, LogPriority priority, std::string_view text) {
  send_record(fd, static_cast<char>(priority), text);
}

void send_status_record(int fd, std::string_view text) {
  send_record(fd, static_cast<char>(kStatusTag), text);
}

std::optional<LogRecord> receive_log_record(const Fd& fd) {
  std::array<char, kMaxLogRecord + 1> buf{};
  for (;;) {
    const ssize_t n = ::recv(fd.get(), buf.data(), buf.size(), MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::nullopt;
    const auto p = static_cast<unsigned char>(buf[0]);
    const bool status = p == kStatusTag;
    if (!status && p > static_cast<unsigned char>(LogPriority::Alert)) continue;  // not a priority: refused
    LogRecord r;
    r.status = status;
    if (!status) r.priority = static_cast<LogPriority>(p);
    r.text.assign(buf.data() + 1, static_cast<std::size_t>(n - 1));
    for (char& c : r.text)
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
    return r;
  }
}

}  // namespace teredo::os
