// SPDX-License-Identifier: GPL-2.0-or-later
// Logging to syslog (ident, facility, LOG_PID) and, in the foreground, to stderr as well
// (os/system_log.hpp). fmt-style formatting; thread-safe.
#pragma once

#include <fmt/core.h>

#include <string_view>

#include "os/system_log.hpp"

namespace teredo::daemon::log {

using Level = os::LogPriority;

/// Opens the syslog connection at once (LOG_NDELAY, so it survives a later chroot). `ident`
/// must outlive the process (a string literal). Call once from the main thread. With
/// `also_stderr` and stderr on the journal (systemd's $JOURNAL_STREAM), no syslog: each message
/// goes once to stderr as "<N>message" (N its priority), which the journal keeps across a chroot
/// and a journald restart.
void open(const char* ident, int facility, bool also_stderr);
/// Changes the facility (SyslogFacility), keeping ident and stderr choice.
void set_facility(int facility);
/// Closes the syslog connection (a forked worker opens its own); messages go to stderr until open().
void close();
/// A chrooted worker: what would go to syslog goes to the supervisor through `fd` instead
/// (os/log_forward.hpp), which reaches the syslog daemon even after it restarted. Nothing changes
/// when stderr is the journal (the journal's stream survives the chroot and restarts); status()
/// lines and the seccomp report go through `fd` in either case.
void forward_to(int fd);
/// The worker's channel to the supervisor (forward_to), or -1 outside a worker.
int forward_fd();
/// Stops writing to stderr (after stdio was redirected to /dev/null).
void disable_stderr();

void write(Level level, std::string_view message);

/// The daemon's one-line status for the service manager ("qualified as 2001:...", shown by
/// `systemctl status`): from a worker, through the supervisor (forward_to's channel, whatever the
/// log's sink); from the supervisor itself, to $NOTIFY_SOCKET as STATUS= (os/notify.hpp).
void status(std::string_view text);

template <class... Args>
void debug(fmt::format_string<Args...> f, Args&&... args) {
  write(Level::Debug, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void info(fmt::format_string<Args...> f, Args&&... args) {
  write(Level::Info, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void notice(fmt::format_string<Args...> f, Args&&... args) {
  write(Level::Notice, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void warning(fmt::format_string<Args...> f, Args&&... args) {
  write(Level::Warning, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void error(fmt::format_string<Args...> f, Args&&... args) {
  write(Level::Error, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void alert(fmt::format_string<Args...> f, Args&&... args) {
  write(Level::Alert, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace teredo::daemon::log
