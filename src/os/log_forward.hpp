// SPDX-License-Identifier: GPL-2.0-or-later
// A chrooted worker's log lines, forwarded to the supervisor, which is not chrooted and can reach
// the syslog daemon again after it restarts (the worker's own syslog connection, opened before
// its chroot, cannot be reopened from inside it). One datagram per line over a socketpair: a
// priority byte, then the text.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "os/fd.hpp"
#include "os/os_result.hpp"
#include "os/system_log.hpp"

namespace teredo::os {

struct LogRecord {
  LogPriority priority = LogPriority::Info;
  std::string text;
  /// A status line (send_status_record) rather than a log line: the supervisor passes it to the
  /// service manager (STATUS=, os/notify.hpp).
  bool status = false;
};

/// The socketpair: [0] the supervisor's end (non-blocking), [1] the workers' end.
OsResult<std::pair<Fd, Fd>> open_log_channel();
/// Sends one line (at most kMaxLogRecord bytes of it) without blocking; a full channel drops it.
void send_log_record(int fd, LogPriority priority, std::string_view text);
/// Sends the worker's one-line status ("qualified as 2001:...") the same way, without blocking.
void send_status_record(int fd, std::string_view text);
/// The next queued line, nullopt when none is. Whatever a worker sends is checked: an unknown
/// priority is refused, the text is cut at kMaxLogRecord bytes and control bytes become '?'.
std::optional<LogRecord> receive_log_record(const Fd& fd);

inline constexpr std::size_t kMaxLogRecord = 2048;

}  // namespace teredo::os
