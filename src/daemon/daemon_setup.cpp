// SPDX-License-Identifier: GPL-2.0-or-later
// Shared start-up steps.
#include "daemon/daemon_setup.hpp"

#include <cerrno>

#include "daemon/log.hpp"

namespace teredo::daemon {

std::optional<os::TargetUser> lookup_run_user(const std::string& name) {
  auto user = os::lookup_user(name);
  if (!user) {
    const int code = user.error().code.value();
    log::alert("Cannot run as user \"{}\": {}", name,
               code == EPERM    ? "it has uid 0"
               : code == EACCES ? "it is in group 0 (root), which owns files the worker must not write"
                                : user.error().message());
    return std::nullopt;
  }
  return std::move(user.value());
}

bool start_daemon(bool foreground, std::optional<os::Daemonizer>& daemonizer) {
  if (foreground) return true;
  auto d = os::Daemonizer::start();  // the launcher exits inside this call
  if (!d) {
    log::alert("Cannot daemonize: {}", d.error().message());
    return false;
  }
  daemonizer.emplace(std::move(*d));
  return true;
}

std::optional<os::PidFile> take_pidfile(const std::string& path, const char* program) {
  auto pidfile = os::PidFile::create(path);
  if (!pidfile) {
    if (os::is_locked_by_other(pidfile.error()))
      log::alert("Pidfile {} is locked: another instance of {} is already running", path, program);
    else
      log::alert("Cannot create pidfile {}: {}", path, pidfile.error().message());
    return std::nullopt;
  }
  return std::move(pidfile.value());
}

void finish_daemon_setup(std::optional<os::Daemonizer>& daemonizer) {
  if (!daemonizer) return;
  if (auto st = daemonizer->ready(); !st) log::error("Cannot notify the launcher: {}", st.error().message());
  log::disable_stderr();
}

}  // namespace teredo::daemon
