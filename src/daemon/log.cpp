// syslog + stderr log sink.
#include "daemon/log.hpp"

#include <syslog.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <string>

namespace teredo::daemon::log {

namespace {

std::atomic<bool> g_stderr{true};
const char* g_ident = "teredod";
std::atomic<bool> g_open{false};

constexpr std::array<std::string_view, 20> kFacilityNames = {
    "auth",   "authpriv", "cron",   "daemon", "ftp",    "kern",   "local0", "local1", "local2", "local3",
    "local4", "local5",   "local6", "local7", "lpr",    "mail",   "news",   "syslog", "user",   "uucp",
};
constexpr std::array<int, 20> kFacilityValues = {
    LOG_AUTH,   LOG_AUTHPRIV, LOG_CRON,   LOG_DAEMON, LOG_FTP,  LOG_KERN, LOG_LOCAL0, LOG_LOCAL1, LOG_LOCAL2, LOG_LOCAL3,
    LOG_LOCAL4, LOG_LOCAL5,   LOG_LOCAL6, LOG_LOCAL7, LOG_LPR,  LOG_MAIL, LOG_NEWS,   LOG_SYSLOG, LOG_USER,   LOG_UUCP,
};

int priority(Level level) {
  switch (level) {
    case Level::Debug: return LOG_DEBUG;
    case Level::Info: return LOG_INFO;
    case Level::Notice: return LOG_NOTICE;
    case Level::Warning: return LOG_WARNING;
    case Level::Error: return LOG_ERR;
    case Level::Alert: return LOG_ALERT;
  }
  return LOG_ERR;
}

const char* label(Level level) {
  switch (level) {
    case Level::Debug: return "debug";
    case Level::Info: return "info";
    case Level::Notice: return "notice";
    case Level::Warning: return "warning";
    case Level::Error: return "error";
    case Level::Alert: return "alert";
  }
  return "error";
}

}  // namespace

void open(const char* ident, int facility, bool also_stderr) {
  g_ident = ident;
  g_stderr = also_stderr;
  ::openlog(ident, LOG_PID | LOG_NDELAY, facility);
  g_open = true;
}

void set_facility(int facility) {
  ::closelog();
  ::openlog(g_ident, LOG_PID | LOG_NDELAY, facility);
}

void disable_stderr() { g_stderr = false; }

void write(Level level, std::string_view message) {
  if (g_open) ::syslog(priority(level), "%.*s", static_cast<int>(message.size()), message.data());
  // Without syslog (tests, early errors) or in the foreground, stderr carries the message.
  if (g_stderr || !g_open) {
    std::string line = fmt::format("{}[{}]: {}: {}\n", g_ident, ::getpid(), label(level), message);
    (void)!::write(STDERR_FILENO, line.data(), line.size());
  }
}

std::span<const std::string_view> syslog_facility_names() { return kFacilityNames; }

int syslog_facility_value(std::size_t index) {
  return index < kFacilityValues.size() ? kFacilityValues[index] : LOG_DAEMON;
}

int default_syslog_facility() { return LOG_DAEMON; }

}  // namespace teredo::daemon::log
