// SPDX-License-Identifier: GPL-2.0-or-later
// syslog(3) and stderr.
#include "os/system_log.hpp"

#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include <array>
#include <string>

#include <fmt/core.h>

namespace teredo::os {

namespace {

const char* g_ident = "teredod";

constexpr std::array<std::string_view, 20> kFacilityNames = {
    "auth",   "authpriv", "cron",   "daemon", "ftp", "kern", "local0", "local1", "local2", "local3",
    "local4", "local5",   "local6", "local7", "lpr", "mail", "news",   "syslog", "user",   "uucp",
};
constexpr std::array<int, 20> kFacilityValues = {
    LOG_AUTH,   LOG_AUTHPRIV, LOG_CRON,   LOG_DAEMON, LOG_FTP,    LOG_KERN,   LOG_LOCAL0,
    LOG_LOCAL1, LOG_LOCAL2,   LOG_LOCAL3, LOG_LOCAL4, LOG_LOCAL5, LOG_LOCAL6, LOG_LOCAL7,
    LOG_LPR,    LOG_MAIL,     LOG_NEWS,   LOG_SYSLOG, LOG_USER,   LOG_UUCP,
};

int syslog_priority(LogPriority p) {
  switch (p) {
    case LogPriority::Debug:
      return LOG_DEBUG;
    case LogPriority::Info:
      return LOG_INFO;
    case LogPriority::Notice:
      return LOG_NOTICE;
    case LogPriority::Warning:
      return LOG_WARNING;
    case LogPriority::Error:
      return LOG_ERR;
    case LogPriority::Alert:
      return LOG_ALERT;
  }
  return LOG_ERR;
}

const char* label(LogPriority p) {
  switch (p) {
    case LogPriority::Debug:
      return "debug";
    case LogPriority::Info:
      return "info";
    case LogPriority::Notice:
      return "notice";
    case LogPriority::Warning:
      return "warning";
    case LogPriority::Error:
      return "error";
    case LogPriority::Alert:
      return "alert";
  }
  return "error";
}

}  // namespace

void open_system_log(const char* ident, int facility) {
  g_ident = ident;
  ::openlog(ident, LOG_PID | LOG_NDELAY, facility);
}

void set_system_log_facility(int facility) {
  ::closelog();
  ::openlog(g_ident, LOG_PID | LOG_NDELAY, facility);
}

void close_system_log() {
  ::closelog();
}

void write_system_log(LogPriority priority, std::string_view message) {
  ::syslog(syslog_priority(priority), "%.*s", static_cast<int>(message.size()), message.data());
}

void write_stderr_log(const char* ident, LogPriority priority, std::string_view message) {
  const std::string line = fmt::format("{}[{}]: {}: {}\n", ident, ::getpid(), label(priority), message);
  (void)!::write(STDERR_FILENO, line.data(), line.size());
}

bool stderr_is_journal() {
  const char* stream = std::getenv("JOURNAL_STREAM");
  if (stream == nullptr) return false;
  unsigned long long dev = 0, ino = 0;
  if (std::sscanf(stream, "%llu:%llu", &dev, &ino) != 2) return false;
  struct stat st {};
  return ::fstat(STDERR_FILENO, &st) == 0 && static_cast<unsigned long long>(st.st_dev) == dev &&
         static_cast<unsigned long long>(st.st_ino) == ino;
}

void write_journal_log(LogPriority priority, std::string_view message) {
  const std::string line = fmt::format("<{}>{}\n", syslog_priority(priority), message);
  (void)!::write(STDERR_FILENO, line.data(), line.size());
}

std::span<const std::string_view> syslog_facility_names() {
  return kFacilityNames;
}

int syslog_facility_value(std::size_t index) {
  return index < kFacilityValues.size() ? kFacilityValues[index] : LOG_DAEMON;
}

int default_syslog_facility() {
  return LOG_DAEMON;
}

}  // namespace teredo::os
