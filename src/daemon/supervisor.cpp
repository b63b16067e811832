// The supervisor process: configuration, pidfile, systemd notification, worker lifecycle and
// reload (supervisor.hpp).
#include "daemon/supervisor.hpp"

#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <deque>
#include <map>
#include <thread>

#include "daemon/daemon_setup.hpp"
#include "daemon/log.hpp"
#include "os/daemonize.hpp"
#include "os/hook_runner.hpp"
#include "os/notify.hpp"
#include "os/pidfile.hpp"
#include "os/seccomp.hpp"
#include "os/signals.hpp"

namespace teredo::daemon {

std::string describe_changes(const EffectiveSettings& before, const EffectiveSettings& after) {
  std::map<std::string, std::pair<std::string, std::string>> all;
  for (const auto& s : before) all[s.name].first = s.value;
  for (const auto& s : after) all[s.name].second = s.value;
  std::vector<std::string> order;  // the order of `after`, then names only in `before`
  for (const auto& s : after) order.push_back(s.name);
  for (const auto& s : before)
    if (std::find(order.begin(), order.end(), s.name) == order.end()) order.push_back(s.name);
  std::string out;
  for (const auto& name : order) {
    const auto& [old_value, new_value] = all[name];
    if (old_value == new_value) continue;
    if (!out.empty()) out += ", ";
    out += name + " " + (old_value.empty() ? "(unset)" : old_value) + " -> " +
           (new_value.empty() ? "(unset)" : new_value);
  }
  return out;
}

std::string facility_text(int facility) {
  const auto names = log::syslog_facility_names();
  for (std::size_t i = 0; i < names.size(); ++i)
    if (log::syslog_facility_value(i) == facility) return std::string(names[i]);
  return std::to_string(facility);
}

bool WorkerContext::drop_privileges() {
  null_ = os::Fd(::open("/dev/null", O_RDWR | O_CLOEXEC));
  if (!null_) {
    log::alert("Cannot open /dev/null: {}", std::strerror(errno));
    return false;
  }
  if (auto st = os::drop_privileges(user_, chroot_dir_); !st) {
    log::alert("Cannot drop privileges to user {} in chroot {}: {} (check -u and -t)", user_.name, chroot_dir_,
               st.error().message());
    return false;
  }
  return true;
}

bool WorkerContext::confine() {
  if (auto st = os::install_seccomp_filter(); !st) {
    log::alert("Cannot install the seccomp filter: {}", st.error().message());
    return false;
  }
  return true;
}

void WorkerContext::ready() {
  const char ok = 1;
  if (::write(ready_pipe_.get(), &ok, 1) != 1) log::error("Cannot tell the supervisor that set-up is done");
  ready_pipe_.reset();
  if (!options_.foreground && null_) {
    for (int fd = 0; fd <= 2; ++fd) ::dup2(null_.get(), fd);
    log::disable_stderr();
  }
  null_.reset();
  // Hand back to the kernel the heap pages that set-up used and freed (configuration, netlink,
  // temporary buffers): they would otherwise stay resident for the life of the worker (issue 7).
  ::malloc_trim(0);
}

namespace {

using Clock = std::chrono::steady_clock;

constexpr auto kStopTimeout = std::chrono::seconds(10);
constexpr auto kRestartDelay = std::chrono::seconds(1);
constexpr std::size_t kMaxCrashesPerMinute = 5;

class Supervisor {
 public:
  Supervisor(const CommandLine& options, const DaemonRole& role, os::TargetUser user, std::string chroot,
             os::SignalFd& signals)
      : options_(options), role_(role), user_(std::move(user)), chroot_(std::move(chroot)), signals_(signals) {}

  /// Starts the first worker; true once it is ready.
  bool start(LoadedConfig config) {
    current_ = std::move(config);
    return spawn(current_) && wait_ready();
  }

  /// Serves signals until told to stop (or the worker cannot be kept running).
  int run() {
    for (;;) {
      if (stop_requested_) return stop();
      if (reload_requested_) {
        reload_requested_ = false;
        reload();
        continue;
      }
      pollfd p{signals_.fd(), POLLIN, 0};
      const int n = ::poll(&p, 1, -1);
      if (n < 0 && errno != EINTR) {
        log::alert("poll: {}", std::strerror(errno));
        return stop();
      }
      if (auto rc = handle_signals()) return *rc;
    }
  }

 private:
  // Reads pending signals. Returns an exit code when the daemon must end now.
  std::optional<int> handle_signals() {
    while (auto signo = signals_.read()) {
      switch (*signo) {
        case SIGHUP:
          log::notice("Reloading configuration on signal {} (SIGHUP)", *signo);
          reload_requested_ = true;
          break;
        case SIGCHLD:
          if (auto status = reap(false)) return on_worker_exit(*status);
          break;
        default:
          log::notice("Exiting on signal {} ({})", *signo, os::signal_name(*signo));
          stop_requested_ = true;
          break;
      }
    }
    return std::nullopt;
  }

  bool spawn(const LoadedConfig& config) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
      log::alert("Cannot create a pipe: {}", std::strerror(errno));
      return false;
    }
    os::Fd read_end(fds[0]);
    os::Fd write_end(fds[1]);
    const pid_t pid = ::fork();
    if (pid < 0) {
      log::alert("Cannot fork the worker: {}", std::strerror(errno));
      return false;
    }
    if (pid == 0) run_child(config, std::move(write_end));  // never returns
    worker_ = pid;
    ready_fd_ = std::move(read_end);
    return true;
  }

  // In the forked worker: nothing of the supervisor's survives but stdio and the status pipe.
  [[noreturn]] void run_child(const LoadedConfig& config, os::Fd ready) {
    // One malloc arena for all the worker's threads: the data-path threads do not allocate per
    // packet, and each arena of its own would keep pages resident (issue 7: idle memory).
    (void)::mallopt(M_ARENA_MAX, 1);
    ::closelog();
    constexpr int kReadyFd = 3;
    if (::dup2(ready.get(), kReadyFd) < 0) ::_exit(kExitSetupFailure);
    (void)ready.release();
    if (::close_range(kReadyFd + 1, ~0U, 0) != 0) ::_exit(kExitSetupFailure);
    (void)::fcntl(kReadyFd, F_SETFD, FD_CLOEXEC);
    log::open(role_.program, config.syslog_facility, true);
    if (auto st = os::reset_signals(); !st) {
      log::alert("Cannot reset signals: {}", st.error().message());
      ::_exit(kExitSetupFailure);
    }
    WorkerContext ctx(options_, user_, chroot_, os::Fd(kReadyFd));
    int rc = kExitSetupFailure;
    try {
      rc = role_.run_worker(config, ctx);
    } catch (const std::exception& e) {
      log::alert("Worker failed: {}", e.what());
    }
    ::_exit(rc);
  }

  // Waits for the worker's "ready" byte. false: it exited first (reaped, logged).
  bool wait_ready() {
    for (;;) {
      pollfd p[2] = {{ready_fd_.get(), POLLIN, 0}, {signals_.fd(), POLLIN, 0}};
      if (::poll(p, 2, -1) < 0 && errno != EINTR) {
        log::alert("poll: {}", std::strerror(errno));
        return false;
      }
      if (p[0].revents != 0) {
        char byte = 0;
        const ssize_t n = ::read(ready_fd_.get(), &byte, 1);
        ready_fd_.reset();
        if (n == 1) return true;
        const auto status = reap(true);
        if (status) log_setup_failure(*status);
        return false;
      }
      if (p[1].revents != 0) {
        while (auto signo = signals_.read()) {
          if (*signo == SIGHUP) {
            reload_requested_ = true;
          } else if (*signo == SIGCHLD) {
            if (auto status = reap(false)) {
              ready_fd_.reset();
              log_setup_failure(*status);
              return false;
            }
          } else {
            log::notice("Exiting on signal {} ({}) during start-up", *signo, os::signal_name(*signo));
            stop_requested_ = true;
            if (worker_ > 0) ::kill(worker_, SIGTERM);
          }
        }
      }
    }
  }

  void log_setup_failure(int status) {
    if (stop_requested_) return;
    if (WIFSIGNALED(status))
      log::alert("Worker killed by signal {} ({}) during set-up{}", WTERMSIG(status),
                 os::signal_name(WTERMSIG(status)), sigsys_hint(WTERMSIG(status)));
    else
      log::alert("Worker set-up failed (see the messages above)");
  }

  static const char* sigsys_hint(int signo) {
    return signo == SIGSYS ? ": it made a system call outside its seccomp allow-list; please report this bug" : "";
  }

  // The worker's wait status if it has exited (reaped); nullopt if it still runs.
  std::optional<int> reap(bool block) {
    if (worker_ <= 0) return std::nullopt;
    int status = 0;
    for (;;) {
      const pid_t r = ::waitpid(worker_, &status, block ? 0 : WNOHANG);
      if (r == worker_) {
        worker_ = -1;
        return status;
      }
      if (r < 0 && errno == EINTR) continue;
      return std::nullopt;
    }
  }

  // An exit nobody asked for: a crash is restarted (at most 5 a minute), anything else ends us.
  std::optional<int> on_worker_exit(int status) {
    if (WIFEXITED(status)) {
      if (WEXITSTATUS(status) == 0) {
        log::notice("Worker exited; stopping");
        return finish(kExitOk);
      }
      log::alert("Worker exited with status {}; stopping", WEXITSTATUS(status));
      return finish(kExitSetupFailure);
    }
    const int signo = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    log::error("Worker killed by signal {} ({}){}", signo, os::signal_name(signo), sigsys_hint(signo));
    const auto now = Clock::now();
    crashes_.push_back(now);
    while (!crashes_.empty() && now - crashes_.front() > std::chrono::minutes(1)) crashes_.pop_front();
    if (crashes_.size() > kMaxCrashesPerMinute) {
      log::alert("Worker crashed {} times in a minute; giving up", crashes_.size());
      return finish(kExitSetupFailure);
    }
    std::this_thread::sleep_for(kRestartDelay);
    log::notice("Restarting the worker");
    if (!spawn(current_) || !wait_ready()) return finish(kExitSetupFailure);
    return std::nullopt;
  }

  int finish(int rc) {
    os::notify_service_manager("STOPPING=1");
    return rc;
  }

  // SIGTERM, then SIGKILL after kStopTimeout. Returns the worker's wait status (or 0).
  int stop_worker() {
    if (worker_ <= 0) return 0;
    ::kill(worker_, SIGTERM);
    const auto deadline = Clock::now() + kStopTimeout;
    for (;;) {
      if (auto status = reap(false)) return *status;
      if (Clock::now() >= deadline) {
        log::error("Worker {} did not stop within {} s; killing it", worker_, kStopTimeout.count());
        ::kill(worker_, SIGKILL);
        return reap(true).value_or(0);
      }
      pollfd p{signals_.fd(), POLLIN, 0};
      (void)::poll(&p, 1, 100);
      while (auto signo = signals_.read()) {
        if (*signo == SIGHUP) log::notice("Ignoring SIGHUP: the daemon is stopping or restarting its worker");
      }
    }
  }

  int stop() {
    os::notify_service_manager("STOPPING=1");
    const int status = stop_worker();
    const bool clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (!clean) log::error("Worker {}", os::describe_wait_status(status));
    log::info("Terminated with {}.", clean ? "no error" : "error(s)");
    return clean ? kExitOk : kExitSetupFailure;
  }

  void reload() {
    os::notify_service_manager("RELOADING=1");
    const std::string path = options_.config_file.value_or(role_.default_config);
    std::optional<LoadedConfig> next = role_.load(options_);
    if (!next) {
      log::error("Configuration error in {} (see the FILE:LINE messages above); keeping the running configuration. "
                 "Fix the file, check it with teredod-checkconf, then reload again.",
                 path);
    } else if (const std::string changes = describe_changes(current_.effective, next->effective); changes.empty()) {
      log::notice("Configuration unchanged; keeping the tunnel, its address and its peers");
    } else {
      log::notice("Configuration changed ({}); restarting the worker with the new settings", changes);
      (void)stop_worker();
      if (stop_requested_) return;
      log::set_facility(next->syslog_facility);
      if (spawn(*next) && wait_ready()) {
        current_ = std::move(*next);
        log::notice("New configuration applied");
      } else if (!stop_requested_) {
        log::error("The new configuration failed to start (see above); restarting with the previous one");
        log::set_facility(current_.syslog_facility);
        if (!spawn(current_) || !wait_ready()) {
          log::alert("The previous configuration failed to start too; stopping");
          stop_requested_ = true;
          return;
        }
      }
    }
    os::notify_service_manager("READY=1");
  }

  const CommandLine& options_;
  const DaemonRole& role_;
  os::TargetUser user_;
  std::string chroot_;
  os::SignalFd& signals_;
  LoadedConfig current_;
  pid_t worker_ = -1;
  os::Fd ready_fd_;
  bool stop_requested_ = false;
  bool reload_requested_ = false;
  std::deque<Clock::time_point> crashes_;
};

// -t DIR must be a usable directory; without -t, the role's empty directory is prepared.
std::optional<std::string> choose_chroot(const CommandLine& options, const DaemonRole& role) {
  if (options.chroot_dir) {
    if (auto st = os::check_chroot_dir(*options.chroot_dir); !st) {
      log::alert("Cannot use {} as the chroot directory (-t): {}", *options.chroot_dir, st.error().message());
      return std::nullopt;
    }
    return *options.chroot_dir;
  }
  if (auto st = os::prepare_empty_dir(role.default_chroot); !st) {
    log::alert("Cannot prepare the empty chroot directory {}: {} (it must be an empty directory owned by root, "
               "not writable by others; or choose one with -t DIR)",
               role.default_chroot, st.error().message());
    return std::nullopt;
  }
  return role.default_chroot;
}

}  // namespace

int run_supervised(const CommandLine& options, const DaemonRole& role) {
  log::open(role.program, log::default_syslog_facility(), true);
  if (::geteuid() != 0) {
    log::alert("{} must be started as root (it drops to user {} itself)", role.program,
               options.user.value_or(role.default_user));
    return kExitSetupFailure;
  }
  std::optional<LoadedConfig> config = role.load(options);
  if (!config) return kExitSetupFailure;
  log::set_facility(config->syslog_facility);
  auto user = lookup_run_user(options.user.value_or(role.default_user));
  if (!user) return kExitSetupFailure;
  auto chroot = choose_chroot(options, role);
  if (!chroot) return kExitSetupFailure;

  std::optional<os::Daemonizer> daemonizer;
  if (!start_daemon(options.foreground, daemonizer)) return kExitSetupFailure;
  auto pidfile = take_pidfile(options.pidfile.value_or(role.default_pidfile), role.program);
  if (!pidfile) return kExitSetupFailure;
  if (auto st = os::keep_only_capabilities(role.supervisor_caps); !st) {
    log::alert("Cannot restrict the supervisor's capabilities: {}", st.error().message());
    return kExitSetupFailure;
  }
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    log::alert("Cannot set no_new_privs: {}", std::strerror(errno));
    return kExitSetupFailure;
  }
  auto signals = os::SignalFd::open(os::SignalRole::Supervisor);
  if (!signals) {
    log::alert("Cannot set up signals: {}", signals.error().message());
    return kExitSetupFailure;
  }

  Supervisor supervisor(options, role, std::move(*user), std::move(*chroot), *signals);
  if (!supervisor.start(std::move(*config))) return kExitSetupFailure;
  finish_daemon_setup(daemonizer);
  os::notify_service_manager("READY=1");
  ::malloc_trim(0);  // the start-up's freed heap pages (issue 7: idle memory)
  return supervisor.run();
}

}  // namespace teredo::daemon
