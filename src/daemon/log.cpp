// SPDX-License-Identifier: GPL-2.0-or-later
// The log front end's sink selection: syslog once opened, stderr in the foreground and before.
#include "daemon/log.hpp"

#include <atomic>

#include "os/log_forward.hpp"
#include "os/notify.hpp"
#include "os/system_log.hpp"

namespace teredo::daemon::log {

namespace {

std::atomic<bool> g_stderr{true};
std::atomic<bool> g_open{false};
std::atomic<bool> g_journal{false};
std::atomic<int> g_facility{0};
std::atomic<int> g_forward{-1};
std::atomic<int> g_channel{-1};  // a worker's channel to the supervisor (forward_to), whatever the sink
const char* g_ident = "teredod";

}  // namespace

void open(const char* ident, int facility, bool also_stderr) {
  g_ident = ident;
  g_facility = facility;
  g_stderr = also_stderr;
  // Under systemd with stderr on the journal: each line once, there, with its priority (no
  // syslog as well, which the journal would record a second time).
  g_journal = also_stderr && os::stderr_is_journal();
  if (!g_journal) os::open_system_log(ident, facility);
  g_open = true;
}

void set_facility(int facility) {
  g_facility = facility;
  if (!g_journal) os::set_system_log_facility(facility);
}

void close() {
  if (!g_journal) os::close_system_log();
  g_open = false;
  g_journal = false;
  g_forward = -1;
  g_channel = -1;
}

void forward_to(int fd) {
  if (!g_journal) g_forward = fd;
  g_channel = fd;
}

int forward_fd() {
  return g_channel;
}

void disable_stderr() {
  g_stderr = false;
  if (g_journal) {  // stderr was the only sink: syslog from now on
    g_journal = false;
    os::open_system_log(g_ident, g_facility);
  }
}

void write(Level level, std::string_view message) {
  if (g_journal) {
    os::write_journal_log(level, message);
    return;
  }
  if (const int fd = g_forward; fd >= 0)
    os::send_log_record(fd, level, message);
  else if (g_open)
    os::write_system_log(level, message);
  // Without syslog (tests, early errors) or in the foreground, stderr carries the message.
  if (g_stderr || !g_open) os::write_stderr_log(g_ident, level, message);
}

void status(std::string_view text) {
  if (const int fd = g_channel; fd >= 0)
    os::send_status_record(fd, text);
  else
    (void)os::notify_service_manager(fmt::format("STATUS={}", text));
}

}  // namespace teredo::daemon::log
