// Shared start-up steps.
#include "daemon/daemon_setup.hpp"

#include <cerrno>

#include "daemon/log.hpp"

namespace teredo::daemon {

void log_diagnostics(const ConfigFile& config) {
  for (const Diagnostic& d : config.diagnostics()) {
    if (d.severity == Severity::Error)
      log::error("{}", d.to_string());
    else
      log::warning("{}", d.to_string());
  }
}

std::optional<os::TargetUser> lookup_run_user(const std::string& name) {
  auto user = os::lookup_user(name);
  if (!user) {
    log::alert("Cannot run as user \"{}\": {}", name,
               user.error().code.value() == EPERM ? "it has uid 0" : user.error().message());
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

bool open_stats_file(std::optional<StatsFile>& stats) {
  auto s = StatsFile::open_from_environment();
  if (!s) return true;
  if (!*s) {
    log::alert("Cannot open TEREDOD_STATS_FILE: {}", s->error().message());
    return false;
  }
  stats.emplace(std::move(s->value()));
  return true;
}

void finish_daemon_setup(std::optional<os::Daemonizer>& daemonizer) {
  if (!daemonizer) return;
  if (auto st = daemonizer->ready(); !st) log::error("Cannot notify the launcher: {}", st.error().message());
  log::disable_stderr();
}

}  // namespace teredo::daemon
