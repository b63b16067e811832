// SPDX-License-Identifier: GPL-2.0-or-later
// The system log (syslog(3), kept open across a chroot) and stderr, as the daemons' log sink
// (daemon/log.hpp formats the messages). Thread-safe.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

namespace teredo::os {

enum class LogPriority { Debug, Info, Notice, Warning, Error, Alert };

/// Opens the syslog connection at once (LOG_NDELAY, so it survives a later chroot), tagged
/// `ident` with the process id. `ident` must outlive the process (a string literal).
void open_system_log(const char* ident, int facility);
/// Reopens it with another facility (SyslogFacility), same ident.
void set_system_log_facility(int facility);
/// Closes it (a forked child reopens its own).
void close_system_log();
void write_system_log(LogPriority priority, std::string_view message);
/// "IDENT[PID]: LABEL: MESSAGE\n" to stderr in one write(2); LABEL is the priority's name.
void write_stderr_log(const char* ident, LogPriority priority, std::string_view message);
/// True when stderr is the journal's stream for this service ($JOURNAL_STREAM names its device
/// and inode, as systemd sets it): a line there reaches the journal, tagged with the unit, and
/// survives a chroot and a journald restart.
bool stderr_is_journal();
/// "<N>MESSAGE\n" to stderr in one write(2), N the syslog priority (0-7): the journal reads the
/// prefix as the line's priority (sd-daemon(3)).
void write_journal_log(LogPriority priority, std::string_view message);

/// SyslogFacility names, in the order syslog_facility_value() maps them: auth, authpriv, cron,
/// daemon, ftp, kern, local0..local7, lpr, mail, news, syslog, user, uucp.
std::span<const std::string_view> syslog_facility_names();
/// The LOG_* facility for an index into syslog_facility_names() (LOG_DAEMON when out of range).
int syslog_facility_value(std::size_t index);
/// LOG_DAEMON.
int default_syslog_facility();

}  // namespace teredo::os
