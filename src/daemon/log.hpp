// Logging to syslog (ident, facility, LOG_PID) and, in the foreground, to stderr as well.
// fmt-style formatting; thread-safe (syslog(3) and one write per line to stderr).
#pragma once

#include <fmt/core.h>

#include <cstddef>
#include <optional>
#include <span>
#include <string_view>

namespace teredo::daemon::log {

enum class Level { Debug, Info, Notice, Warning, Error, Alert };

/// Opens the syslog connection at once (LOG_NDELAY, so it survives a later chroot). `ident`
/// must outlive the process (a string literal). Call once from the main thread.
void open(const char* ident, int facility, bool also_stderr);
/// Changes the facility (SyslogFacility), keeping ident and stderr choice.
void set_facility(int facility);
/// Stops writing to stderr (after stdio was redirected to /dev/null).
void disable_stderr();

void write(Level level, std::string_view message);

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

/// SyslogFacility names, in the order syslog_facility_value() maps them: auth, authpriv,
/// cron, daemon, ftp, kern, local0..local7, lpr, mail, news, syslog, user, uucp.
std::span<const std::string_view> syslog_facility_names();
/// The LOG_* facility for an index into syslog_facility_names().
int syslog_facility_value(std::size_t index);
/// LOG_DAEMON.
int default_syslog_facility();

}  // namespace teredo::daemon::log
