// SPDX-License-Identifier: GPL-2.0-or-later
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

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "daemon/command_line.hpp"
#include "daemon/effective_settings.hpp"
#include "os/fd.hpp"
#include "os/heartbeat.hpp"
#include "os/privileges.hpp"
#include "os/seccomp.hpp"

namespace teredo::daemon {

/// What a worker process gets: its credentials and the calls that mark its set-up stages.
class WorkerContext {
 public:
  WorkerContext(const CommandLine& options, const os::TargetUser& user, std::string chroot_dir,
                os::Fd ready_pipe, const os::HeartbeatBoard* heartbeats = nullptr)
      : options_(options),
        user_(user),
        chroot_dir_(std::move(chroot_dir)),
        ready_pipe_(std::move(ready_pipe)),
        heartbeats_(heartbeats) {}

  const CommandLine& options() const { return options_; }
  const os::TargetUser& user() const { return user_; }
  /// The chroot workers run in (-t, or the role's empty directory).
  const std::string& chroot_dir() const { return chroot_dir_; }
  /// Data-path thread `index`'s heartbeat for systemd's watchdog (a no-op one when there is none).
  os::Heartbeat heartbeat(unsigned index) const {
    return heartbeats_ ? heartbeats_->slot(index) : os::Heartbeat();
  }

  /// Once every privileged resource is open: chroot, setuid to the user, no capabilities,
  /// no_new_privs (os::drop_privileges). Logs and returns false on failure.
  bool drop_privileges();
  /// Right before the data path starts (after drop_privileges, before any thread): installs
  /// the seccomp allow-list (`options`: what the role adds to it). Logs and returns false on
  /// failure.
  bool confine(const os::SeccompOptions& options = {});
  /// Tells the supervisor that set-up succeeded; outside -f, moves stdio to /dev/null and stops
  /// logging to stderr. Then returns the heap pages set-up freed to the kernel.
  void ready();

 private:
  const CommandLine& options_;
  const os::TargetUser& user_;
  std::string chroot_dir_;
  os::Fd ready_pipe_;
  os::Fd null_;  // /dev/null, opened before the chroot
  const os::HeartbeatBoard* heartbeats_;
};

/// A daemon program: its name, the defaults of -c, -p, -u and -t, and what its supervisor keeps.
struct DaemonIdentity {
  const char* program = "";
  std::string default_config;
  std::string default_pidfile;
  std::string default_user;
  std::string default_chroot;  // an empty directory, created if missing (-t overrides)
  /// Capabilities the supervisor keeps for its workers' set-up.
  std::vector<os::Capability> supervisor_caps;
};

/// What the supervisor runs, as root, once a worker process has ended, with the workers' user
/// and chroot (LoadedConfig::worker_ended).
using WorkerEnded = std::function<void(const os::TargetUser& user, const std::string& chroot)>;

/// A validated configuration, ready to run: what a reload compares, the log facility, and the
/// worker process's main bound to the typed settings.
struct LoadedConfig {
  EffectiveSettings effective;
  int syslog_facility = 0;
  std::function<int(WorkerContext&)> run_worker;
  /// Run each time a worker started with these settings has ended (stopped, crashed, restarted
  /// for a reload, failed its set-up): what a confined worker cannot undo itself. Empty: nothing.
  WorkerEnded worker_ended;
};

/// One daemon role, typed by its settings.
template <class Settings>
struct DaemonRole {
  DaemonIdentity identity;
  /// Reads and checks the configuration (logging every diagnostic as FILE:LINE); nullopt on error.
  std::optional<Settings> (*load)(const CommandLine&) = nullptr;
  /// The settings as a reload compares them.
  EffectiveSettings (*describe)(const Settings&) = nullptr;
  /// The SyslogFacility they name.
  int (*syslog_facility)(const Settings&) = nullptr;
  /// The worker process's main: set up, ctx.drop_privileges(), ctx.confine(), ctx.ready(), run.
  /// Returns the worker's exit status.
  int (*run_worker)(const Settings&, WorkerContext&) = nullptr;
  /// Optional: run by the supervisor, as root, after each worker of these settings has ended
  /// (teredod: deletes the UPnP port mappings a client worker may have left,
  /// roles/upnp_mapping.hpp). Bounded in time by the callee.
  void (*worker_ended)(const Settings&, const os::TargetUser&, const std::string& chroot) = nullptr;
};

/// What the supervisor adds to "Worker killed by signal N (NAME)": for SIGSYS, that the worker
/// made a call outside its allow-list, naming it when the worker reported it
/// (os::SeccompOptions::report_fd); empty for other signals.
std::string sigsys_hint(int signo, const std::optional<os::SeccompViolation>& call);

/// Runs the daemon until a stop signal; returns the exit code (kExitOk or kExitSetupFailure).
/// Without -f the launcher exits inside, with status 0 only once the first worker is ready.
int run_supervised(const CommandLine& options, const DaemonIdentity& identity,
                   const std::function<std::optional<LoadedConfig>(const CommandLine&)>& load);

template <class Settings>
int run_supervised(const CommandLine& options, const DaemonRole<Settings>& role) {
  return run_supervised(options, role.identity, [&role](const CommandLine& o) -> std::optional<LoadedConfig> {
    std::optional<Settings> loaded = role.load(o);
    if (!loaded) return std::nullopt;
    auto settings = std::make_shared<const Settings>(std::move(*loaded));
    WorkerEnded ended;
    if (role.worker_ended != nullptr)
      ended = [end = role.worker_ended, settings](const os::TargetUser& user, const std::string& chroot) {
        end(*settings, user, chroot);
      };
    return LoadedConfig{role.describe(*settings), role.syslog_facility(*settings),
                        [run = role.run_worker, settings](WorkerContext& ctx) { return run(*settings, ctx); },
                        std::move(ended)};
  });
}

}  // namespace teredo::daemon
