// The supervisor (docs/decisions.md, "Daemon"): the small root process whose pid is in the
// pidfile. It reads and validates the configuration, owns the pidfile and the launcher's
// status pipe, talks to systemd (READY/RELOADING/STOPPING), and forks the worker process that
// does the privileged set-up, drops to -u USER in the chroot with no capabilities,
// no_new_privs and a seccomp filter, and then runs the data path. It never parses network
// data. SIGHUP re-reads the file: errors keep the running worker, identical effective settings
// keep it too (tunnel, address, peers), changes restart it with the new settings (falling back
// to the old ones if the new ones fail to start). SIGINT/SIGTERM/SIGQUIT stop the worker and
// remove the pidfile; SIGUSR1/SIGUSR2 are ignored.
#pragma once

#include <any>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "daemon/command_line.hpp"
#include "daemon/effective_settings.hpp"
#include "os/fd.hpp"
#include "os/privileges.hpp"

namespace teredo::daemon {

/// "BindPort 3545 -> 3600, MaxPeers 1024 -> 2048" for the settings that differ (added or
/// removed settings are shown with "(unset)"); empty when the two are the same.
std::string describe_changes(const EffectiveSettings& before, const EffectiveSettings& after);

/// "daemon", "local0"... for a LOG_* facility value (the number if unknown).
std::string facility_text(int facility);

/// A validated configuration of one role.
struct LoadedConfig {
  std::any settings;  // the role's settings type
  EffectiveSettings effective;
  int syslog_facility = 0;
};

/// What a worker process gets: its credentials and the calls that mark its set-up stages.
class WorkerContext {
 public:
  WorkerContext(const CommandLine& options, const os::TargetUser& user, std::string chroot_dir, os::Fd ready_pipe)
      : options_(options), user_(user), chroot_dir_(std::move(chroot_dir)), ready_pipe_(std::move(ready_pipe)) {}

  const CommandLine& options() const { return options_; }
  const os::TargetUser& user() const { return user_; }

  /// Once every privileged resource is open: chroot, setuid to the user, no capabilities,
  /// no_new_privs (os::drop_privileges). Logs and returns false on failure.
  bool drop_privileges();
  /// Right before the data path starts (after drop_privileges, before any thread): installs
  /// the seccomp allow-list. Logs and returns false on failure.
  bool confine();
  /// Tells the supervisor that set-up succeeded; outside -f, moves stdio to /dev/null and stops
  /// logging to stderr. Then returns the heap pages set-up freed to the kernel (malloc_trim).
  void ready();

 private:
  const CommandLine& options_;
  const os::TargetUser& user_;
  std::string chroot_dir_;
  os::Fd ready_pipe_;
  os::Fd null_;  // /dev/null, opened before the chroot
};

/// One daemon program: its defaults, how to load its configuration, and its worker.
struct DaemonRole {
  const char* program = "";
  std::string default_config;
  std::string default_pidfile;
  std::string default_user;
  std::string default_chroot;  // an empty directory, created if missing (-t overrides)
  /// Capabilities the supervisor keeps for its workers' set-up (linux/capability.h numbers).
  std::vector<unsigned> supervisor_caps;
  /// Reads and checks the configuration (logging every diagnostic as FILE:LINE); nullopt on error.
  std::function<std::optional<LoadedConfig>(const CommandLine&)> load;
  /// The worker process's main: set up, ctx.drop_privileges(), ctx.confine(), ctx.ready(), run.
  /// Returns the worker's exit status.
  std::function<int(const LoadedConfig&, WorkerContext&)> run_worker;
};

/// A role named `program` with the defaults of -c, -p, -u and -t; the caller sets the rest.
inline DaemonRole daemon_role(const char* program, std::string config, std::string pidfile, std::string user,
                              std::string chroot) {
  DaemonRole role;
  role.program = program;
  role.default_config = std::move(config);
  role.default_pidfile = std::move(pidfile);
  role.default_user = std::move(user);
  role.default_chroot = std::move(chroot);
  return role;
}

/// Runs the daemon until a stop signal; returns the exit code (kExitOk or kExitSetupFailure).
/// Without -f the launcher exits inside, with status 0 only once the first worker is ready.
int run_supervised(const CommandLine& options, const DaemonRole& role);

}  // namespace teredo::daemon
