// The log front end's sink selection: syslog once opened, stderr in the foreground and before.
#include "daemon/log.hpp"

#include <atomic>

#include "os/system_log.hpp"

namespace teredo::daemon::log {

namespace {

std::atomic<bool> g_stderr{true};
std::atomic<bool> g_open{false};
const char* g_ident = "teredod";

}  // namespace

void open(const char* ident, int facility, bool also_stderr) {
  g_ident = ident;
  g_stderr = also_stderr;
  os::open_system_log(ident, facility);
  g_open = true;
}

void set_facility(int facility) {
  os::set_system_log_facility(facility);
}

void close() {
  os::close_system_log();
  g_open = false;
}

void disable_stderr() {
  g_stderr = false;
}

void write(Level level, std::string_view message) {
  if (g_open) os::write_system_log(level, message);
  // Without syslog (tests, early errors) or in the foreground, stderr carries the message.
  if (g_stderr || !g_open) os::write_stderr_log(g_ident, level, message);
}

}  // namespace teredo::daemon::log
